/**
 * A publisher process SIGKILLed in the middle of a batch loses nothing: its lease expires and
 * the surviving publishers deliver its rows.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { MemorySink } from '../../src/index.js';
import { OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, statusCounts, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();
const root = resolve(import.meta.dirname, '../..');
const LEASE_MS = 1500;

describe('a publisher killed mid-batch', () => {
  it('loses nothing: the survivors deliver every row, its claimed ones after the lease', async () => {
    const ids = await commitToOutbox(db.pool, outboxEvents(2000));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'tests/fixtures/outbox-doomed-publisher.ts'],
      {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          LEASE_MS: String(LEASE_MS),
          BATCH_SIZE: '300',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = once(child, 'exit');
    const lines = createInterface({ input: child.stdout });
    const [line] = (await once(lines, 'line')) as [string];
    const claimedByChild = line.replace(/^claimed /, '').split(' ');
    expect(claimedByChild).toHaveLength(300);
    const lease = await db.pool.query<{ n: number; until: Date }>(
      `SELECT count(*)::int AS n, min(locked_until) AS until FROM eventrail.event_outbox
        WHERE locked_by LIKE 'doomed/%' AND status = 'pending'`,
    );
    expect(lease.rows[0]!.n).toBe(300);

    const sink = new MemorySink({ name: 'survivors' });
    const survivors = [0, 1].map(
      (i) =>
        new OutboxPublisher({
          db: db.pool,
          sinks: [sink],
          id: `survivor-${i}`,
          pollIntervalMs: 100,
        }),
    );
    await Promise.all(survivors.map((p) => p.start()));
    child.kill('SIGKILL');
    const [, signal] = await exited;
    expect(signal).toBe('SIGKILL');

    await waitFor(() => sink.events.length >= ids.length, 30_000, 'every row delivered');
    const delivered = new Set(sink.events.map((e) => e.id));
    expect(delivered).toEqual(new Set(ids));
    expect(sink.events).toHaveLength(ids.length); // and none twice
    // The dead publisher's rows came back only when its lease expired.
    const childRows = await db.pool.query<{ first: Date }>(
      'SELECT min(published_at) AS first FROM eventrail.event_outbox WHERE id = ANY($1::uuid[])',
      [claimedByChild],
    );
    expect(childRows.rows[0]!.first.getTime()).toBeGreaterThanOrEqual(
      lease.rows[0]!.until.getTime(),
    );
    await Promise.all(survivors.map((p) => p.close()));
    expect(await statusCounts(db.pool)).toEqual({ published: ids.length });
  });
});
