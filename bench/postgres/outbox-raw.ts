/**
 * The raw limit for publishing from the outbox: the textbook loop with `pg` alone, on the same
 * table, in batches of 100 or 1000. Each worker: BEGIN; SET LOCAL synchronous_commit = off (the
 * trade the publisher's claims and settlements make, so the raw loop makes it too); SELECT the
 * due rows FOR UPDATE SKIP LOCKED; (publish: nothing); UPDATE them to published; COMMIT. It holds its row
 * locks for the whole "publish" and cannot survive a crash mid-batch any better than the
 * transaction does, so it is the fastest safe-looking way, not a design to copy.
 */
import type pg from 'pg';

const CLAIM = `SELECT * FROM eventrail.event_outbox
  WHERE status = 'pending' AND next_retry_at <= now()
  ORDER BY next_retry_at, created_at
  LIMIT $1
  FOR UPDATE SKIP LOCKED`;
const MARK = `UPDATE eventrail.event_outbox SET status = 'published', published_at = now()
  WHERE id = ANY($1::uuid[])`;

async function worker(pool: pg.Pool, batchSize: number): Promise<number> {
  const client = await pool.connect();
  let published = 0;
  try {
    for (;;) {
      await client.query('BEGIN');
      await client.query('SET LOCAL synchronous_commit = off');
      const { rows } = await client.query<{ id: string }>(CLAIM, [batchSize]);
      if (rows.length > 0) await client.query(MARK, [rows.map((r) => r.id)]);
      await client.query('COMMIT');
      published += rows.length;
      if (rows.length < batchSize) return published;
    }
  } finally {
    client.release();
  }
}

/** Publishes every pending row with `workers` loops; resolves with the seconds it took. */
export async function rawPublish(
  pool: pg.Pool,
  workers: number,
  batchSize: number,
  expected: number,
): Promise<number> {
  const started = performance.now();
  const counts = await Promise.all(Array.from({ length: workers }, () => worker(pool, batchSize)));
  const seconds = (performance.now() - started) / 1000;
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== expected) throw new Error(`raw loop published ${total} of ${expected}`);
  return seconds;
}
