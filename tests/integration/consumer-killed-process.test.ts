/**
 * A consumer member in another process SIGKILLed in the middle of its batches: its open
 * transaction never commits, its partitions are taken by the other members when its leases
 * expire, and each effect in the host's table exists exactly once, in each key's commit order.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { root } from '../helpers/cli.js';
import { consumerOn, waitUntil } from '../helpers/consumer.js';
import { useTestDatabase } from '../helpers/database.js';

const db = useTestDatabase();
const c = consumerOn(db);
const children: ChildProcess[] = [];

beforeAll(() => c.createEffects());
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  await c.closeAll();
});

/** Starts a member process; resolves when it handles its first batch. */
async function member(name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/fixtures/consumer-member.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: db.url, NAME: 'killed', MEMBER: name },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const [line] = (await once(
    createInterface({ input: child.stdout as NodeJS.ReadableStream }),
    'line',
  )) as [string];
  expect(line).toBe('handling');
  return child;
}

describe('a consumer process SIGKILLed mid-batch', () => {
  it('leaves each effect exactly once, in key order: the others take its partitions', async () => {
    await c.seed(3000, 50, { perTx: 100 });
    const doomed = await member('doomed');
    const survivor = await member('survivor');
    await waitUntil(async () => (await c.effectCounts('killed')).total >= 600, 'some handled');
    const exited = once(doomed, 'exit');
    doomed.kill('SIGKILL');
    expect((await exited)[1]).toBe('SIGKILL');
    // Events keep coming while the survivor takes over.
    await c.seed(500, 50, { perTx: 10 });
    await waitUntil(
      async () => (await c.effectCounts('killed')).total >= 3500,
      'all handled',
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await c.effectCounts('killed')).toEqual({ total: 3500, distinct: 3500 });
    expect(await c.keysOutOfOrder('killed')).toEqual([]);
    const { rows } = await db.pool.query<{ member: string }>(
      "SELECT DISTINCT member FROM effects WHERE consumer = 'killed' ORDER BY member",
    );
    expect(rows.map((r) => r.member)).toEqual(['doomed', 'survivor']);
    survivor.kill('SIGTERM');
  });
});
