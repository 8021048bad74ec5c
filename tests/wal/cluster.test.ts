import pg from 'pg';
import { expect, inject, it } from 'vitest';
import { useTestDatabase } from '../helpers/database.js';

const db = useTestDatabase({ server: 'logical' });

it('runs on a server with wal_level = logical, while the main server keeps its own level', async () => {
  const { rows } = await db.pool.query<{ wal_level: string }>('SHOW wal_level');
  expect(rows[0]?.wal_level).toBe('logical');
  const main = new pg.Client({ connectionString: inject('databaseUrl') });
  await main.connect();
  try {
    const level = (await main.query<{ wal_level: string }>('SHOW wal_level')).rows[0]?.wal_level;
    expect(['replica', 'logical']).toContain(level);
  } finally {
    await main.end();
  }
});
