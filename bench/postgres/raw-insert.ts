/**
 * The raw limit for writing events to `event_logs`: the same rows written with `pg` alone, in each
 * of the ways Postgres offers for bulk inserts. The fastest one is what the logger is divided by.
 */
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { EventRecord } from '../../src/index.js';
import { envelopeInsert, eventRowsCopy, eventRowsJson } from '../../src/postgres/sql/event-rows.js';

const TABLE = 'eventrail.event_logs';
/** The bench's events carry no trace context: the columns the sink names for them. */
const { columns: ENVELOPE_COLUMN_LIST, rows: ENVELOPE_ROWS_FROM_JSON } = envelopeInsert(false);
type Row = (string | number | null)[];

function fields(e: EventRecord): Row {
  return [
    e.id,
    e.type,
    e.userId,
    e.projectId,
    e.tenantId,
    e.sessionId,
    e.agentId,
    e.aggregateType,
    e.aggregateId,
    e.workflowId,
    e.correlationId,
    e.source,
    e.payloadJson,
    e.errorCode,
    e.toolName,
    e.approvalStatus,
    e.routingKey,
    e.priority,
    e.occurredAt.toISOString(),
    e.createdAt.toISOString(),
  ];
}
const WIDTH = 20;

/** A way to write one batch on one connection. */
export interface RawMethod {
  readonly name: string;
  /** True when the method skips rows whose id exists (ON CONFLICT), as the sink does. */
  readonly idempotent: boolean;
  write(client: pg.PoolClient, batch: readonly EventRecord[]): Promise<void>;
}

const multiRowValues: RawMethod = {
  name: 'multi-row VALUES',
  idempotent: true,
  async write(client, batch) {
    const params: unknown[] = [];
    const tuples: string[] = [];
    for (const e of batch) {
      const base = params.length;
      tuples.push(`(${Array.from({ length: WIDTH }, (_, k) => `$${base + k + 1}`).join(',')})`);
      params.push(...fields(e));
    }
    await client.query(
      `INSERT INTO ${TABLE} (${ENVELOPE_COLUMN_LIST}) VALUES ${tuples.join(',')} ON CONFLICT DO NOTHING`,
      params,
    );
  },
};

const UNNEST_TYPES = [
  'uuid',
  ...Array(11).fill('text'),
  'jsonb',
  ...Array(4).fill('text'),
  'smallint',
  'timestamptz',
  'timestamptz',
];
const unnest: RawMethod = {
  name: 'unnest arrays',
  idempotent: true,
  async write(client, batch) {
    const columns: Row[] = Array.from({ length: WIDTH }, () => []);
    for (const e of batch) {
      const row = fields(e);
      for (let k = 0; k < WIDTH; k++) (columns[k] as Row).push(row[k] as string | number | null);
    }
    await client.query(
      `INSERT INTO ${TABLE} (${ENVELOPE_COLUMN_LIST})
       SELECT * FROM unnest(${UNNEST_TYPES.map((t, k) => `$${k + 1}::${t}[]`).join(',')})
       ON CONFLICT DO NOTHING`,
      columns,
    );
  },
};

const jsonRecordset: RawMethod = {
  name: 'json_to_recordset',
  idempotent: true,
  async write(client, batch) {
    await client.query(
      `INSERT INTO ${TABLE} (${ENVELOPE_COLUMN_LIST}) ${ENVELOPE_ROWS_FROM_JSON} ON CONFLICT DO NOTHING`,
      [eventRowsJson(batch)],
    );
  },
};

const copy: RawMethod = {
  name: 'COPY FROM STDIN (text)',
  // COPY cannot skip existing ids: it does less than the sink, which makes it a generous limit.
  idempotent: false,
  write(client, batch) {
    return new Promise((resolve, reject) => {
      const stream = client.query(copyFrom(`COPY ${TABLE} (${ENVELOPE_COLUMN_LIST}) FROM STDIN`));
      stream.on('error', reject);
      stream.on('finish', resolve);
      // The library's own encoder: the cheapest text this bench knows how to make.
      stream.end(eventRowsCopy(batch, false));
    });
  },
};

export const RAW_METHODS: readonly RawMethod[] = [multiRowValues, unnest, jsonRecordset, copy];

/** Writes `batches` with `connections` workers, each on its own connection; returns seconds. */
export async function runRaw(
  pool: pg.Pool,
  method: RawMethod,
  batches: readonly (readonly EventRecord[])[],
  connections: number,
): Promise<number> {
  const clients = await Promise.all(Array.from({ length: connections }, () => pool.connect()));
  let next = 0;
  const started = performance.now();
  try {
    await Promise.all(
      clients.map(async (client) => {
        while (next < batches.length) {
          const batch = batches[next++] as EventRecord[];
          await method.write(client, batch);
        }
      }),
    );
    return (performance.now() - started) / 1000;
  } finally {
    for (const client of clients) client.release();
  }
}
