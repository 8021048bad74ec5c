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
