/**
 * `npx eventrail dead-letters list|retry|purge --consumer NAME`: the parked events as JSON
 * lines; `retry` asks the running members, which send them back through their handler at
 * their next heartbeat; `purge` removes them; a bad command line exits 2 naming the flag.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventRecord } from '../../src/index.js';
import type { QueryableLike } from '../../src/postgres/index.js';
import { runCli } from '../helpers/cli.js';
import { consumerOn, waitUntil } from '../helpers/consumer.js';
import { useTestDatabase } from '../helpers/database.js';

const db = useTestDatabase();
const c = consumerOn(db);

beforeAll(() => c.createEffects());
afterEach(() => c.closeAll());

describe('eventrail dead-letters', () => {
  it('lists the parked events, has the running members retry them, and purges', async () => {
    await c.seed(30, 3);
    let broken = true;
    const write = c.effects('cli', 'm');
    const consumer = c.make({
      name: 'cli',
      from: 'start',
      partitions: 2,
      retry: { retries: 1, minDelayMs: 1, maxDelayMs: 1 },
      handle: async (events: readonly EventRecord[], tx: QueryableLike) => {
        if (broken && events.some((e) => e.aggregateId === 'k1')) throw new Error('k1 is broken');
        await write(events, tx);
      },
    });
    await consumer.start();
    await waitUntil(async () => (await consumer.stats()).deadLetters === 10, 'k1 parked');
    const url = db.url;
    const listed = await runCli('dead-letters', 'list', '--consumer', 'cli', '--url', url);
    expect(listed.code).toBe(0);
    const lines = listed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatchObject({ key: 'k1', attempts: 2, lastError: 'k1 is broken' });
    const limited = await runCli(
      'dead-letters',
      'list',
      '--consumer',
      'cli',
      '--limit',
      '3',
      '--url',
      url,
    );
    expect(limited.stdout.trim().split('\n')).toHaveLength(3);

    // Still broken: asked back, the first fails again and the key's request is withdrawn.
    const again = await runCli('dead-letters', 'retry', '--consumer', 'cli', '--url', url);
    expect(again).toMatchObject({ code: 0, stdout: expect.stringContaining('asked back: 10') });
    expect(again.stdout).toContain("the running members of 'cli' send them back");
    await waitUntil(
      async () => (await consumer.deadLetters({ limit: 1 }))[0]?.attempts === 3,
      'tried again',
    );
    broken = false;
    const retried = await runCli(
      'dead-letters',
      'retry',
      '--consumer',
      'cli',
      '--key',
      'k1',
      '--url',
      url,
    );
    expect(retried.code).toBe(0);
    await waitUntil(async () => (await consumer.stats()).deadLetters === 0, 'sent back');
    expect(await c.effectCounts('cli')).toEqual({ total: 30, distinct: 30 });
    expect(await c.keysOutOfOrder('cli')).toEqual([]);

    broken = true;
    await c.seed(3, 3);
    await waitUntil(async () => (await consumer.stats()).deadLetters === 1, 'parked again');
    const purged = await runCli('dead-letters', 'purge', '--consumer', 'cli', '--url', url);
    expect(purged).toMatchObject({ code: 0, stdout: 'purged: 1\n' });
  });

  it('exits 1 for a consumer that does not exist; says when no member runs to send them back', async () => {
    for (const action of ['list', 'retry', 'purge']) {
      const typo = await runCli('dead-letters', action, '--consumer', 'clii', '--url', db.url);
      expect(typo).toMatchObject({
        code: 1,
        stdout: '',
        stderr: expect.stringContaining("no consumer named 'clii'"),
      });
    }
    await c.seed(2, 1);
    const consumer = c.make({
      name: 'stopped',
      from: 'start',
      partitions: 1,
      retry: { retries: 0 },
      handle: async () => {
        throw new Error('broken');
      },
    });
    await consumer.start();
    await waitUntil(async () => (await consumer.stats()).deadLetters > 0, 'parked');
    await consumer.close();
    const retry = await runCli('dead-letters', 'retry', '--consumer', 'stopped', '--url', db.url);
    expect(retry.code).toBe(0);
    expect(retry.stdout).toMatch(
      /^asked back: [1-9]\d* \(no member of 'stopped' runs: nothing sends/,
    );
  });

  it('refuses a bad command line with exit code 2, naming the flag', async () => {
    const noConsumer = await runCli('dead-letters', 'list', '--url', db.url);
    expect(noConsumer).toMatchObject({ code: 2, stderr: expect.stringContaining('--consumer') });
    const typo = await runCli('dead-letters', 'list', '--consumr', 'x', '--url', db.url);
    expect(typo).toMatchObject({ code: 2, stderr: expect.stringContaining('--consumer?') });
    const action = await runCli('dead-letters', 'replay', '--consumer', 'x', '--url', db.url);
    expect(action).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('list, retry, purge'),
    });
    const limit = await runCli(
      'dead-letters',
      'list',
      '--consumer',
      'x',
      '--limit',
      '0',
      '--url',
      db.url,
    );
    expect(limit).toMatchObject({ code: 2, stderr: expect.stringContaining('--limit') });
  });
});
