import { describe } from '../../errors.js';
import { defineOptions } from '../../options/schema.js';
import { integer, text } from '../../options/spec.js';
import { checkOut, type PooledClient } from '../driver/checkout.js';
import { inTransaction, sessionOf } from '../driver/executor.js';
import type { PgPoolLike, Session } from '../driver/types.js';
import { type EventRow, toRecord } from '../read/records.js';
import type { ConsumerSql } from '../sql/consumer.js';
import type { ConsumerHandler } from './options.js';

/** Which dead letters a call of {@link Consumer} works on. */
export interface DeadLetterSelection {
  /** Only those of this key (aggregate id, else session id, else user id). @default none: every key */
  readonly key?: string;
}

/** Options of {@link Consumer.deadLetters}. */
export interface DeadLetterListOptions extends DeadLetterSelection {
  /** Most dead letters returned. @default 100 */
  readonly limit?: number;
}

const key = () => text({ maxLength: 10_000 }).optional('none: every key');

/** {@link DeadLetterSelection} as a table of specs. @internal */
export const deadLetterSelection = defineOptions<DeadLetterSelection>()('DeadLetterSelection', {
  key: key(),
});

/** {@link DeadLetterListOptions} as a table of specs. @internal */
export const deadLetterListOptions = defineOptions<DeadLetterListOptions>()(
  'DeadLetterListOptions',
  { key: key(), limit: integer({ min: 1, max: 10_000 }).default(100) },
);

/** One parked event, as {@link Consumer.deadLetters} returns it. */
export interface DeadLetter {
  /** The parked event's id. */
  readonly eventId: string;
  /** The event's key (aggregate id, else session id, else user id). */
  readonly key: string;
  /** The partition the key hashes to. */
  readonly partition: number;
  /** Failed attempts (0 for an event parked behind an earlier one of its key). */
  readonly attempts: number;
  /** The handler's last error message, or null for an event parked behind another. */
  readonly lastError: string | null;
  /** When it was parked, in epoch milliseconds. */
  readonly parkedAtMs: number;
}

/** What {@link Consumer.replayDeadLetters} did. */
export interface DeadLetterReplay {
  /** Parked events the handler handled (their dead letters removed). */
  readonly handled: number;
  /** Parked events it failed on again (they stay parked, with the later ones of their key). */
  readonly failed: number;
  /** Dead letters whose event retention removed (removed, not handled). */
  readonly expired: number;
  /** Keys skipped because another replay of them was running. */
  readonly busy: number;
}

/** The dead letters of `consumer` (of `key` when given), by key in order, at most `limit`. @internal */
export async function listDeadLetters(
  db: Session,
  sql: ConsumerSql,
  consumer: string,
  key: string | undefined,
  limit: number,
): Promise<DeadLetter[]> {
  const { rows } = await db.query<Omit<DeadLetter, 'parkedAtMs'> & { parkedMs: number }>(
    sql.deadLetters,
    [consumer, key ?? null, limit],
  );
  return rows.map(({ parkedMs, ...row }) => ({ ...row, parkedAtMs: Math.round(parkedMs) }));
}

/**
 * Asks the running members of `consumer` to send its dead letters (of `key` when given) back
 * through their handler (`eventrail dead-letters retry`); returns how many were asked. @internal
 */
export async function requestDeadLetters(
  db: Session,
  sql: ConsumerSql,
  consumer: string,
  key: string | undefined,
): Promise<number> {
  return (await db.query(sql.request, [consumer, key ?? null])).rowCount;
}

/** Removes the dead letters of `consumer` (of `key` when given); returns how many. @internal */
export async function purgeDeadLetters(
  db: Session,
  sql: ConsumerSql,
  consumer: string,
  key: string | undefined,
): Promise<number> {
  return (await db.query(sql.purge, [consumer, key ?? null])).rowCount;
}

type DeadRow = EventRow & { deadId: string; id: string | null };

/**
 * Sends the parked events of `consumer` (of `which.key` when given; of the keys asked back by
 * {@link requestDeadLetters} with `'requested'`) back through `handle`, key by
 * key, each in order in a transaction with the removal of its dead letter; the first that
 * fails again stays parked (attempts counted) with the rest of its key. A key is replayed by
 * one caller at a time (an advisory lock); a member of the consumer parks new events of a key
 * behind its dead letters until none is left. Once `signal` aborts, it stops after the event in
 * flight (the rest stay parked). @internal
 */
export async function replayDeadLetters(
  pool: PgPoolLike,
  sql: ConsumerSql,
  consumer: string,
  which: { readonly key: string | undefined } | 'requested',
  handle: ConsumerHandler,
  signal?: AbortSignal,
): Promise<DeadLetterReplay> {
  const client = await checkOut<PooledClient>(pool);
  const session = sessionOf(client);
  const done = { handled: 0, failed: 0, expired: 0, busy: 0 };
  let broken: Error | undefined;
  try {
    const keys =
      which === 'requested'
        ? await session.query<{ key: string }>(sql.requestedKeys, [consumer])
        : await session.query<{ key: string }>(sql.deadKeys, [consumer, which.key ?? null]);
    for (const { key: k } of keys.rows) {
      if (signal?.aborted) break;
      const outcome = await replayKey(session, client, sql, consumer, k, handle, done, signal);
      if (outcome === 'busy') done.busy += 1;
    }
    return done;
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}

async function replayKey(
  session: Session,
  client: PooledClient,
  sql: ConsumerSql,
  consumer: string,
  key: string,
  handle: ConsumerHandler,
  done: { handled: number; failed: number; expired: number },
  signal: AbortSignal | undefined,
): Promise<'done' | 'busy' | 'failed'> {
  for (;;) {
    if (signal?.aborted) return 'done';
    const outcome = await inTransaction(session, async () => {
      const locked = await session.query<{ locked: boolean }>(sql.lockKey, [consumer, key]);
      if (!locked.rows[0]?.locked) return 'busy' as const;
      const row = (await session.query<DeadRow>(sql.firstDead, [consumer, key])).rows[0];
      if (row === undefined) return 'done' as const;
      if (row.id === null) {
        await session.query(sql.unpark, [consumer, row.deadId]);
        return 'expired' as const;
      }
      await session.query('SAVEPOINT eventrail_dead_letter');
      try {
        await handle([toRecord(row)], client);
      } catch (error) {
        // The handler's writes are undone; the dead letter stays, one attempt more.
        await session.query('ROLLBACK TO SAVEPOINT eventrail_dead_letter');
        await session.query(sql.failedAgain, [consumer, row.deadId, describe(error), key]);
        return 'failed' as const;
      }
      await session.query(sql.unpark, [consumer, row.deadId]);
      return 'handled' as const;
    });
    if (outcome === 'busy' || outcome === 'done') return outcome;
    if (outcome === 'failed') {
      done.failed += 1;
      return 'failed';
    }
    done[outcome] += 1;
  }
}
