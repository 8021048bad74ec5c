/**
 * A LISTEN connection that is lost soon after each time it comes up (a server that ends it, an
 * owner's statement that leaves every new one unfit) is made anew after growing delays, not
 * every 100 ms. (One that stayed up 30 s starts the backoff afresh; not waited for here.)
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../../src/postgres/notify/listener.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();
let pool: pg.Pool;
const TARGET = { channel: 'backoff', listen: 'LISTEN backoff', unlisten: 'UNLISTEN backoff' };
/**
 * A statement whose error says the connection is unfit to go on with (0A000, as "cached plan
 * must not change result type" after a column changed type), in a function: prepared, as the
 * stream's read is.
 */
const UNFIT = { text: 'SELECT backoff_unfit()', name: 'backoff_unfit' };

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {});
  await pool.query(`CREATE FUNCTION backoff_unfit() RETURNS int LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'unfit' USING ERRCODE = '0A000'; END $$`);
});
afterAll(() => pool.end());

describe('the LISTEN connection', () => {
  it('waits longer each time it is lost right after coming up', async () => {
    const ups: number[] = [];
    const losses: number[] = [];
    const errors: unknown[] = [];
    const listener = listen(pool, TARGET, {
      notified: () => {},
      state: (connected, error) => {
        (connected ? ups : losses).push(performance.now());
        if (!connected) errors.push(error);
      },
    });
    try {
      for (let lost = 0; lost < 4; lost++) {
        await waitFor(() => ups.length === lost + 1, 10_000, `connection ${lost + 1}`);
        // The statement's error is the caller's; the connection it left unfit is made anew.
        await expect(listener.query(UNFIT, [])).rejects.toMatchObject({ code: '0A000' });
        expect(await listener.query(UNFIT, [])).toBe('none');
      }
      expect(errors.map((e) => (e as { code?: string }).code)).toEqual([
        '0A000',
        '0A000',
        '0A000',
        '0A000',
      ]);
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
