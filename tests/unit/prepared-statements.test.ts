/**
 * Named statements: `pg` gets a config object with the name (it prepares the text once per
 * connection); PGlite and unknown drivers get the text alone. Mocks only count calls here.
 */
import { describe, expect, it, vi } from 'vitest';
import { statementName, toExecutor } from '../../src/postgres/driver/executor.js';

const result = { rows: [{ one: 1 }], rowCount: 1 };

describe('named statements', () => {
  it('are prepared by pg under their name', async () => {
    const query = vi.fn(async () => result);
    const client = { query, connectionParameters: {} };
    const rows = await toExecutor(client).query('SELECT $1', [1], 'eventrail_x');
    expect(rows.rows).toEqual([{ one: 1 }]);
    expect(query).toHaveBeenCalledWith({ name: 'eventrail_x', text: 'SELECT $1', values: [1] });
  });

  it('are plain text for other drivers, and without a name', async () => {
    const query = vi.fn(async () => result);
    await toExecutor({ query }).query('SELECT $1', [1], 'eventrail_x');
    expect(query).toHaveBeenCalledWith('SELECT $1', [1]);
    const pgQuery = vi.fn(async () => result);
    const pgClient = { query: pgQuery, connectionParameters: {} };
    await toExecutor(pgClient).query('SELECT 1');
    expect(pgQuery).toHaveBeenCalledWith('SELECT 1', undefined);
  });

  it('are named after their text: one name never stands for two texts', () => {
    const a = statementName('SELECT 1 FROM "a"."event_logs"');
    expect(a).toMatch(/^eventrail_[0-9a-f]{20}$/);
    expect(statementName('SELECT 1 FROM "a"."event_logs"')).toBe(a);
    expect(statementName('SELECT 1 FROM "b"."event_logs"')).not.toBe(a);
  });
});
