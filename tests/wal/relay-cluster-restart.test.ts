/**
 * The Postgres cluster restarts while the relay is mid-stream: the relay reports the lost
 * connection, reconnects when the server is back, and resumes where the slot stands: nothing is
 * lost and what comes again is a tail of what was delivered, from a batch's start. Postgres 17
 * writes a slot's confirmed position at the shutdown checkpoint, so there only the unconfirmed
 * batch comes again; before 17 the position on disk is the one last saved when the slot's
 * restart point moved, and more may come again. Runs on a cluster made for this file alone (the
 * shared servers are never restarted).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, type OwnCluster } from '../../scripts/logical-cluster.js';
import { WalRelay } from '../../src/postgres/index.js';
import { commitToOutbox, outboxEvents, waitFor } from '../helpers/outbox.js';
import { checkResumed, type Delivered, walWriter } from '../helpers/wal.js';

let cluster: OwnCluster;
let pool: pg.Pool;

beforeAll(async () => {
  cluster = await createCluster('restart');
  pool = new pg.Pool({ connectionString: cluster.url, max: 4 });
  pool.on('error', () => {});
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await cluster?.stop();
}, 60_000);

describe('WalRelay across a restart of the Postgres cluster', () => {
  it('resumes where the slot stands: nothing lost, a tail from a batch start again', async () => {
    const deliveries: Delivered[] = [];
    let run = 0;
    let batch = 0;
    const relay = new WalRelay({
      db: pool,
      slot: 'restarted',
      maxBatchSize: 100,
      standbyRetryMs: 200,
      publish: async (events) => {
        batch += 1;
        for (const e of events) deliveries.push({ run, batch, id: e.id });
        await new Promise((r) => setTimeout(r, 20));
      },
    });
    const codes: string[] = [];
    relay.on('error', (e) => codes.push(e.code));
    relay.on('state', ({ state }) => {
      if (state === 'active') run += 1;
    });
    try {
      await relay.start();
      const before = await commitToOutbox(pool, outboxEvents(3000), 50, walWriter());
      await waitFor(() => deliveries.length >= 1000, 30_000, 'a first part delivered');
      const restarted = performance.now();
      await cluster.restart();
      await waitFor(() => run >= 2, 60_000, 'the relay to read the slot again');
      const readAgainMs = performance.now() - restarted;
      const after = await commitToOutbox(pool, outboxEvents(1000), 50, walWriter());
      const committed = [...before, ...after];
      await waitFor(
        () => new Set(deliveries.map((d) => d.id)).size === committed.length,
        60_000,
        'every event',
      );
      expect(new Set(deliveries.map((d) => d.id))).toEqual(new Set(committed));
      const again = checkResumed(deliveries);
      const version = Number(
        (await pool.query('SHOW server_version_num')).rows[0]?.server_version_num,
      );
      if (version >= 170_000) expect(again[1]).toBeLessThanOrEqual(100);
      expect(codes.length).toBeGreaterThanOrEqual(1);
      expect(codes.every((c) => c === 'WAL_REPLICATION')).toBe(true);
      console.log(
        `wal relay cluster restart: read again after ${Math.round(readAgainMs)} ms, delivered again ${again.join(',')}, errors ${codes.length}`,
      );
    } finally {
      await relay.close();
    }
  }, 180_000);
});
