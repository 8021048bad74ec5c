/** What the consuming scenarios share: the backlog they read, and forgetting their consumers. */
import type pg from 'pg';
import { PostgresSink } from '../../src/postgres/index.js';
import { agentRecords, chunk } from '../lib/events.js';

/**
 * Logs `count` agent events (session keys, 150–300 byte payloads) through a PostgresSink, 1000
 * per transaction, as the logger would have stored them: the backlog a consuming scenario reads.
 */
export async function logAgentEvents(pool: pg.Pool, count: number): Promise<void> {
  const writer = new PostgresSink({ db: pool });
  for (const batch of chunk(agentRecords(count), 1000)) await writer.write(batch);
}

/** Removes every trace of the consumers whose name starts with `prefix`. */
export async function forgetConsumers(pool: pg.Pool, prefix: string): Promise<void> {
  const like = [`${prefix}%`];
  for (const table of ['consumer_partitions', 'consumer_members', 'dead_letters']) {
    await pool.query(`DELETE FROM eventrail.${table} WHERE consumer LIKE $1`, like);
  }
  await pool.query('DELETE FROM eventrail.consumers WHERE name LIKE $1', like);
}
