/**
 * Rows for the rollups bench, shaped like seed 001's agent platform (16 event types weighted
 * as a running platform logs them, 6 agents, 8 tools, 5 error codes on the 3% of rows that are
 * errors, 200-byte payloads), written with `COPY ... FROM STDIN` (pg-copy-streams) into the
 * partitioned event_logs over the DAYS days before today. One scope, HOT (a user with that one
 * project), holds exactly a tenth of the rows; 40 other users share the rest over 2–4 projects
 * each. Each call adds rows in time order over the whole window, so a second call (a bigger
 * size) keeps the shape and the tenth. Secondary indexes are dropped for the load and made
 * again after it (the table ends up as the migrations make it), then VACUUM ANALYZE.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { note } from '../lib/report.js';
import { makeDays } from './retention.js';

export const DAY_MS = 86_400_000;
/** Days of events kept, each its own partition. */
export const DAYS = 90;
/** UTC midnight today: the window is [TODAY - DAYS days, TODAY). */
export const TODAY = Math.floor(Date.now() / DAY_MS) * DAY_MS;
export const WINDOW = { from: new Date(TODAY - DAYS * DAY_MS), to: new Date(TODAY) };
/** The scope holding a tenth of the rows. */
export const HOT = { userId: 'user-hot', projectId: 'project-hot' } as const;

/** Event types of seed 001 and their share of the rows, in half percents (sum 200). */
const TYPE_WEIGHTS: readonly [string, number][] = [
  ['TOOL_REQUEST', 36],
  ['TOOL_RESULT', 34],
  ['TASK_PROGRESS', 30],
  ['CONTEXT_RETRIEVED', 20],
  ['AGENT_SWITCHED', 12],
  ['DIRECT_AGENT_CALL', 10],
  ['TASK_STARTED', 10],
  ['TASK_COMPLETED', 10],
  ['TASK_SUBMITTED', 8],
  ['TASK_PROCESSED', 8],
  ['TASK_PLAN_CREATED', 6],
  ['ERROR', 6],
  ['APPROVAL_REQUIRED', 4],
  ['APPROVAL_RESOLVED', 4],
  ['APPROVAL_TIMEOUT_WARNING', 1],
  ['APPROVAL_TIMEOUT', 1],
];
const TYPE_SLOTS = TYPE_WEIGHTS.flatMap(([type, weight]) => Array<string>(weight).fill(type));
const AGENTS = ['planner', 'coder', 'researcher', 'reviewer', 'executor', 'support'];
const TOOLS = ['web_search', 'sql_query', 'http_fetch', 'code_run', 'file_read', 'file_write'];
const MORE_TOOLS = [...TOOLS, 'email_send', 'vector_search'];
const ERROR_CODES = ['RATE_LIMIT', 'TIMEOUT', 'TOOL_FAILED', 'VALIDATION', 'UPSTREAM_5XX'];
const OTHER_USERS = 40;
const NULL = '\\N';

/** mulberry32: a small seeded generator, so that every run makes the same rows. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pick = <T>(items: readonly T[], r: number): T => items[Math.floor(r * items.length)] as T;

/** Row `k` of `count` (COPY text format): created in its slice of the window, in order. */
function row(k: number, count: number, offset: number, next: () => number): string {
  const span = DAYS * DAY_MS;
  const at = new Date(TODAY - span + ((k + next()) * span) / count).toISOString();
  const g = offset + k;
  const hot = g % 10 === 0;
  const u = 1 + Math.floor(next() * OTHER_USERS);
  const user = hot ? HOT.userId : `user-${u}`;
  const project = hot ? HOT.projectId : `project-${u}-${Math.floor(next() * (2 + (u % 3)))}`;
  const type = pick(TYPE_SLOTS, next());
  const error = type === 'ERROR';
  const usesTool = error ? next() < 0.8 : type === 'TOOL_REQUEST' || type === 'TOOL_RESULT';
  const tool = usesTool ? pick(error ? MORE_TOOLS : TOOLS, next()) : null;
  const agent = next() < 0.15 ? null : pick(AGENTS, next());
  const code = error ? pick(ERROR_CODES, next()) : null;
  const payload = `{"agent_name":"${agent ?? 'system'}","mode":"${g % 3 === 0 ? 'direct' : 'orchestrated'}","task_id":"task-${g % 100_003}","tool_name":${tool ? `"${tool}"` : 'null'},"input_params":{"query":"compare the quarterly figures by region #${g}","limit":${10 + (g % 5)}},"risk_level":"${g % 5 === 0 ? 'high' : 'low'}","step":${g % 12}}`;
  return `${randomUUID()}\t${type}\t${user}\t${project}\ttenant-${hot ? 0 : u % 7}\tsession-${user}-${Math.floor(g / 5000) % 400}\t${agent ?? NULL}\t${code ?? NULL}\t${tool ?? NULL}\t${payload}\t${at}\t${at}\n`;
}

/** `count` rows in COPY text chunks of 2000 rows (a flat string each: ropes of many small strings keep the GC busy). */
function* rows(count: number, offset: number): Generator<string> {
  const next = random(offset + 1);
  let chunk: string[] = [];
  for (let k = 0; k < count; k++) {
    chunk.push(row(k, count, offset, next));
    if (chunk.length === 2000) {
      yield chunk.join('');
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk.join('');
}

const COPY = `COPY eventrail.event_logs (id, event_type, user_id, project_id, tenant_id, session_id,
  agent_id, error_code, tool_name, payload, occurred_at, created_at) FROM STDIN`;

/**
 * The daily partitions of the window, made by hand: `maintain` makes partitions from the newest
 * one on, and `migrate` made today's and the next days' already.
 */
export async function makeWindow(pool: pg.Pool): Promise<void> {
  await makeDays(pool, -DAYS, -1);
}

/** What one `addRows` took, in seconds. */
export interface Load {
  readonly copySeconds: number;
  readonly indexSeconds: number;
  readonly vacuumSeconds: number;
}

/**
 * Adds `count` rows (row numbers from `offset`, which decide the HOT tenth) over the window,
 * one COPY per million rows, with the secondary indexes dropped meanwhile.
 */
export async function addRows(pool: pg.Pool, count: number, offset: number): Promise<Load> {
  const client = await pool.connect();
  try {
    const { rows: indexes } = await client.query<{ name: string; definition: string }>(
      `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
       WHERE schemaname = 'eventrail' AND tablename = 'event_logs' AND indexname <> 'event_logs_pkey'`,
    );
    for (const { name } of indexes) await client.query(`DROP INDEX eventrail."${name}"`);
    let started = performance.now();
    for (let done = 0; done < count; done += 1_000_000) {
      const part = Math.min(1_000_000, count - done);
      // Each million spans the whole window, so that a smaller run's rows look the same.
      await pipeline(Readable.from(rows(part, offset + done)), client.query(copyFrom(COPY)));
      note(`rollups: copied ${done + part} of ${count} rows`);
    }
    const copySeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await client.query(`SET maintenance_work_mem = '512MB'`);
    // pg_indexes gives a partitioned index as `ON ONLY` the parent: made so, no partition gets one.
    for (const { definition } of indexes)
      await client.query(definition.replace(' ON ONLY ', ' ON '));
    await client.query('RESET maintenance_work_mem');
    const indexSeconds = (performance.now() - started) / 1000;
    await checkLoaded(client);
    started = performance.now();
    await client.query('VACUUM ANALYZE eventrail.event_logs');
    return { copySeconds, indexSeconds, vacuumSeconds: (performance.now() - started) / 1000 };
  } finally {
    client.release();
  }
}

/** Throws unless every row is in a daily partition and every index is valid (on every partition). */
async function checkLoaded(client: pg.PoolClient): Promise<void> {
  const { rows } = await client.query<{ outside: string; invalid: string }>(
    `SELECT (SELECT count(*) FROM eventrail.event_logs_default) AS outside,
       (SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relnamespace = 'eventrail'::regnamespace AND NOT i.indisvalid) AS invalid`,
  );
  const { outside, invalid } = rows[0] ?? {};
  if (outside !== '0' || invalid !== '0') {
    throw new Error(`${outside} rows in the default partition, ${invalid} invalid indexes`);
  }
}

/** Bytes on disk of every partition of event_logs: in all, of the heaps (with TOAST), of the indexes. */
export async function tableBytes(pool: pg.Pool) {
  const { rows } = await pool.query<{ total: string; indexes: string }>(
    `SELECT sum(pg_total_relation_size(relid))::int8 AS total,
       sum(pg_indexes_size(relid))::int8 AS indexes
     FROM pg_partition_tree('eventrail.event_logs')`,
  );
  const total = Number(rows[0]?.total ?? 0);
  const indexes = Number(rows[0]?.indexes ?? 0);
  return { tableBytes: total, heapBytes: total - indexes, indexBytes: indexes };
}
