import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLogger } from '../../src/index.js';
import { migrate, PostgresSink, rollback } from '../../src/postgres/index.js';

// Embedded Postgres for demos and local development: the same migrations and sink must work.
describe('PGlite', () => {
  const pglite = new PGlite();
  afterAll(async () => {
    await pglite.close();
  });

  it('migrates, takes events through the sink (directly and via drizzle), and rolls back', async () => {
    expect((await migrate({ db: pglite })).names).toEqual([
      '0000_init',
      '0001_outbox_fillfactor',
      '0002_event_logs_partitions',
      '0003_event_inbox',
      '0004_event_stream',
      '0005_trace_context',
      '0006_outbox_lean_indexes',
      '0007_consuming',
      '0008_rollups',
      '0009_rollups_without_jit',
    ]);
    const logger = new EventLogger({
      sinks: [
        new PostgresSink({ db: pglite, name: 'pglite' }),
        new PostgresSink({ db: drizzle(pglite), name: 'drizzle' }),
      ],
      fallback: null,
    });
    for (let i = 0; i < 300; i++) {
      await logger.logEvent({
        type: 'ERROR',
        userId: 'u',
        payload: { i, error_code: `E${i % 3}` },
      });
    }
    const summary = await logger.close();
    expect(summary.sinks.pglite?.written).toBe(300);
    const { rows } = await pglite.query<{ code: string; n: number }>(
      'SELECT error_code AS code, count(*)::int AS n FROM eventrail.event_logs GROUP BY 1 ORDER BY 1',
    );
    expect(rows).toEqual([
      { code: 'E0', n: 100 },
      { code: 'E1', n: 100 },
      { code: 'E2', n: 100 },
    ]);
    expect((await rollback({ db: pglite, steps: Infinity })).names).toEqual([
      '0009_rollups_without_jit',
      '0008_rollups',
      '0007_consuming',
      '0006_outbox_lean_indexes',
      '0005_trace_context',
      '0004_event_stream',
      '0003_event_inbox',
      '0002_event_logs_partitions',
      '0001_outbox_fillfactor',
      '0000_init',
    ]);
    const left = await pglite.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'eventrail'`);
    expect(left.rows).toHaveLength(0);
  });
});
