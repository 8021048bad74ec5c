/**
 * A LISTEN connection that is lost soon after each time it comes up (a server that ends it, an
 * owner's statement that fails on every new one) is made anew after growing delays, not every
 * 100 ms. (One that stayed up 30 s starts the backoff afresh; not waited for here.)
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../../src/postgres/notify/listener.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();
let pool: pg.Pool;
const TARGET = { channel: 'backoff', listen: 'LISTEN backoff', unlisten: 'UNLISTEN backoff' };

beforeAll(() => {
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {});
});
afterAll(() => pool.end());

describe('the LISTEN connection', () => {
  it('waits longer each time it is lost right after coming up', async () => {
    const ups: number[] = [];
    const losses: number[] = [];
    const listener = listen(pool, TARGET, {
      notified: () => {},
      state: (connected) => (connected ? ups : losses).push(performance.now()),
    });
    try {
      for (let lost = 0; lost < 4; lost++) {
        await waitFor(() => ups.length === lost + 1, 10_000, `connection ${lost + 1}`);
        const connection = listener.connection as pg.PoolClient;
        listener.drop(connection, new Error('unfit'));
      }
      await waitFor(() => ups.length === 5, 10_000, 'connection 5');
      const waits = losses.map((at, i) => (ups[i + 1] as number) - at);
      // Delays of 100 ms doubling, each between half and all of it: the fourth is 400–800 ms.
      expect(waits[3]).toBeGreaterThanOrEqual(400);
      expect(waits[0]).toBeLessThan(400);
    } finally {
      await listener.close();
    }
  });
});
