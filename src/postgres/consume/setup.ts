import { ConsumerError } from '../../errors.js';
import { lifecycle } from '../../lifecycle/log.js';
import type { Session } from '../driver/types.js';
import { checkTime, type Horizon, readHorizon } from '../read/horizon.js';
import { NIL_ID, ORIGIN } from '../read/position.js';
import { type ConsumerRow, consumerSql } from '../sql/consumer.js';
import { horizonSql } from '../sql/horizon.js';
import type { TableNames } from '../sql/names.js';
import { streamSql } from '../sql/stream.js';
import type { ResolvedConsumerOptions } from './options.js';

/**
 * Creates the consumer when it does not exist (its partitions' checkpoints where `from` says),
 * else checks that its partitions are as many as asked. Returns its `from_time` (epoch ms, or
 * null): the events it reads are those created at or after it. A `'start'` consumer made after
 * retention removed events starts from the horizon's time (every event still kept).
 * @internal
 */
export async function setUp(
  db: Session,
  names: TableNames,
  o: ResolvedConsumerOptions,
): Promise<number | null> {
  const sql = consumerSql(names);
  const horizon = await readHorizon(db, horizonSql(names));
  const { from, name } = o;
  if (from instanceof Date) checkTime(horizon, from.getTime(), 'options.from');
  const start =
    from === 'now'
      ? {
          tx: (await db.query<{ tx: string }>(streamSql(names).settledMark)).rows[0]?.tx,
          id: NIL_ID,
        }
      : ORIGIN;
  const fromMs =
    from instanceof Date
      ? from.getTime()
      : from === 'start'
        ? (horizon?.expiredBefore ?? null)
        : null;
  const created = await db.query(sql.create, [name, o.partitions, fromMs, start.tx, start.id]);
  const row = (await db.query<ConsumerRow>(sql.read, [name])).rows[0] as ConsumerRow;
  if (row.partitions !== o.partitions) {
    throw new ConsumerError(
      'CONSUMER_PARTITIONS_MISMATCH',
      name,
      `it has ${row.partitions} partitions (fixed when it was created), not ${o.partitions}`,
    );
  }
  const details = { consumer: name, member: o.member, partitions: row.partitions };
  if (created.rowCount > 0) {
    lifecycle(o.log, 'info', { ...details, from }, 'eventrail consumer created');
  } else {
    lifecycle(
      o.log,
      'info',
      details,
      'eventrail consumer exists: its checkpoints win over options.from',
    );
  }
  return row.from_ms === null ? null : Math.round(row.from_ms);
}

/**
 * Whether a removal by retention (`horizon`) counts against a consumer reading the events
 * created at or after `fromMs` (all of them when null). @internal
 */
export const counts = (horizon: Horizon | undefined, fromMs: number | null): horizon is Horizon =>
  horizon !== undefined && (fromMs === null || horizon.expiredBefore > fromMs);
