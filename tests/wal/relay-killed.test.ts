/**
 * A relay process SIGKILLed every 2 s while 20,000 events are written: the next one (started
 * right away, standing by until the server lets go of the dead one's slot) resumes at the last
 * confirmed position. Nothing is lost; the events delivered twice are exactly the tail of the
 * killed process's deliveries from the start of one of its batches: the unconfirmed ones.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WalRelay } from '../../src/postgres/index.js';
import { root } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents } from '../helpers/outbox.js';
import { checkResumed, walWriter } from '../helpers/wal.js';

const db = useTestDatabase({ server: 'logical' });
const children: ChildProcess[] = [];
const TOTAL = 20_000;

beforeAll(async () => {
  await db.pool.query(
    'CREATE TABLE delivered (seq bigserial PRIMARY KEY, process int, batch int, event_id uuid)',
  );
  // The slot and its publication, as the first relay would make them.
  const relay = new WalRelay({ db: db.pool, slot: 'killed', publish: async () => {} });
  await relay.start();
  await relay.close();
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
});

/** Starts relay process `n`; resolves when it holds the slot, with how long that took. */
async function relayProcess(n: number): Promise<{ child: ChildProcess; activeAfterMs: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/fixtures/wal-relay.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: db.url, SLOT: 'killed', PROCESS: String(n) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`relay ${n} never active`)), 30_000),
    ),
  ])) as [string];
  expect(line).toBe('active');
  return { child, activeAfterMs: performance.now() - started };
}

async function delivered(): Promise<{ process: number; batch: number; event_id: string }[]> {
  const { rows } = await db.pool.query<{ process: number; batch: number; event_id: string }>(
    'SELECT process, batch, event_id FROM delivered ORDER BY seq',
  );
  return rows;
}

/** Writes TOTAL events from 2 writers, 20 per transaction, paced over about 10 s. */
async function writeAll(): Promise<string[]> {
  const ids: string[] = [];
  await Promise.all(
    [0, 1].map(async (w) => {
      for (let i = 0; i < TOTAL / 2; i += 200) {
        ids.push(
          ...(await commitToOutbox(
            db.pool,
            outboxEvents(200, { userId: `w${w}` }),
            20,
            walWriter(),
          )),
        );
        await new Promise((r) => setTimeout(r, 200));
      }
    }),
  );
  return ids;
}

describe('a WAL relay process SIGKILLed every 2 s', () => {
  it('loses nothing and delivers again only the tail it had not confirmed', async () => {
    let writing = true;
    const written = writeAll().finally(() => {
      writing = false;
    });
    const takeovers: number[] = [];
    let n = 0;
    let all: Awaited<ReturnType<typeof delivered>> = [];
    const deadline = Date.now() + 180_000;
    for (;;) {
      const { child, activeAfterMs } = await relayProcess(++n);
      takeovers.push(activeAfterMs);
      const killAt = Date.now() + 2000;
      while (Date.now() < killAt) await new Promise((r) => setTimeout(r, 100));
      all = await delivered();
      const finished = !writing && new Set(all.map((r) => r.event_id)).size >= TOTAL;
      child.kill('SIGKILL');
      await once(child, 'exit');
      if (finished) break;
      if (Date.now() > deadline) throw new Error('not all events delivered in time');
    }
    const ids = await written;
    all = await delivered();
    expect(new Set(all.map((r) => r.event_id))).toEqual(new Set(ids));

    const duplicates = checkResumed(
      all.map((r) => ({ run: r.process, batch: r.batch, id: r.event_id })),
    );
    console.log(
      `wal relay SIGKILL: ${n} processes, ${all.length - TOTAL} duplicates (per takeover ${duplicates.join(',')}), active after ${takeovers.map((t) => Math.round(t)).join(',')} ms`,
    );
    expect(n).toBeGreaterThanOrEqual(3);
  }, 240_000);
});
