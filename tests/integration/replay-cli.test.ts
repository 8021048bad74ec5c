/**
 * `npx eventrail replay` as a user runs it (a child process, stderr a pipe): JSON progress lines
 * a second apart at most and a final one, its summary on stdout, `--from` and `--until` with
 * `--type` and `--user`, an expired `--from` (exit 1), and flags refused by name (exit 2) before
 * anything is published.
 */
import { describe, expect, it } from 'vitest';
import { maintain } from '../../src/postgres/index.js';
import { runCli } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';
import { useNats } from '../helpers/nats.js';
import { DAY, TODAY } from '../helpers/partitions.js';

const db = useTestDatabase();
const nats = useNats();

/** Runs `eventrail replay` against this file's database; its exit code and output. */
const replay = (...args: string[]) => runCli('replay', '--url', db.url, ...args);

let streams = 0;
/** A new stream of this file, as the flags that publish to it. */
function toNats() {
  const stream = nats.name(`cli${++streams}`);
  return { stream, flags: ['--to', nats.url, '--stream', stream, '--subject-prefix', stream] };
}

const KEYS = ['elapsedMs', 'etaMs', 'percent', 'published', 'ratePerSecond', 'total'];

describe('eventrail replay', () => {
  it('writes a JSON progress line a second at most, then a final one, and its summary on stdout', async () => {
    await db.pool.query(
      `INSERT INTO eventrail.event_logs (id, event_type, user_id, created_at)
       SELECT gen_random_uuid(), 'TICK', 'u', now() FROM generate_series(1, 3000)`,
    );
    const { stream, flags } = toNats();
    const run = await replay('--from', 'start', '--type', 'TICK', '--rate', '1500', ...flags);
    expect(run.code).toBe(0);
    const lines = run.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const final = lines.pop();
    expect(Object.keys(final).sort()).toEqual([...KEYS, 'done'].sort());
    expect(final).toMatchObject({
      published: 3000,
      total: 3000,
      percent: 100,
      done: true,
      etaMs: 0,
    });
    // 3000 events at 1500/s take two seconds: one line at least before the final one, and no
    // more than one a second (a loaded machine makes the run longer, never the lines closer).
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(Math.floor(final.elapsedMs / 1000) + 1);
    let previous: number | undefined;
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(KEYS);
      expect(line.published).toBeLessThan(3000);
      expect(line.total).toBe(3000);
      expect(line.percent).toBe(Math.floor((line.published * 100) / 3000));
      // A second apart at most once a second (on the command's clock, which the lines share).
      if (previous !== undefined) expect(line.elapsedMs - previous).toBeGreaterThanOrEqual(950);
      previous = line.elapsedMs;
    }
    expect(JSON.parse(run.stdout)).toMatchObject({ published: 3000, resumedFrom: null });
    expect((await nats.manager.streams.info(stream)).state.messages).toBe(3000);
  });

  it('replays from --from up to --until, of --user and --type only', async () => {
    const t0 = TODAY + 3_600_000;
    const at = (minutes: number) => new Date(t0 + minutes * 60_000);
    const events = await insertEvents(db.pool, [
      { type: 'PICK', userId: 'ana', createdAt: at(0) },
      { type: 'PICK', userId: 'ana', createdAt: at(10) },
      { type: 'PICK', userId: 'bob', createdAt: at(10) },
      { type: 'SKIP', userId: 'ana', createdAt: at(10) },
      { type: 'PICK', userId: 'ana', createdAt: at(19) },
      { type: 'PICK', userId: 'ana', createdAt: at(20) },
    ]);
    const { stream, flags } = toNats();
    const window = ['--from', at(10).toISOString(), '--until', at(20).toISOString()];
    const run = await replay(...window, '--type', 'PICK', '--user', 'ana', ...flags);
    expect(run.code).toBe(0);
    const stored = await nats.collect(stream, 2, 2000);
    expect(stored.map((m) => m.headers?.get('Nats-Msg-Id')).sort()).toEqual(
      [events[1]?.id, events[4]?.id].sort(),
    );
  });

  it('exits 1 for a --from older than what retention kept, publishing nothing', async () => {
    await insertEvents(db.pool, [
      { type: 'OLD', userId: 'u', createdAt: new Date(TODAY - 3 * DAY) },
    ]);
    await maintain({ db: db.pool, retentionMs: DAY, premake: 0 });
    const { stream, flags } = toNats();
    const since = new Date(TODAY - 3 * DAY).toISOString().slice(0, 10);
    const run = await replay('--from', since, ...flags);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^eventrail: options\.from is older than what retention kept/m);
    expect(run.stdout).toBe('');
    await expect(nats.manager.streams.info(stream)).rejects.toThrow();
  });

  const refused: [string, string[], RegExp][] = [
    [
      'a misspelt flag',
      ['--from', 'start', '--stram', 's'],
      /--stram is not a flag of replay; did you mean --stream\?/,
    ],
    ['a --from that is no time', ['--from', 'yesterday'], /--from: 'yesterday' is not a date/],
    ['a time of day without its zone', ['--from', '2026-12-01T08:00'], /--from: .*with its zone/],
    [
      '--until before --from',
      ['--from', '2026-12-02', '--until', '2026-12-01'],
      /--until: options\.to: must be after/,
    ],
    ['an empty --user', ['--from', 'start', '--user', ''], /--user: options\.scope\.userId/],
    [
      '--exchange with nats://',
      ['--from', 'start', '--exchange', 'x'],
      /--exchange does not apply to nats:\/\//,
    ],
    ['--resume without --name', ['--from', 'start', '--resume'], /--resume needs --name/],
    ['a rate of zero', ['--from', 'start', '--rate', '0'], /--rate: '0' is not a positive number/],
  ];
  it.each(refused)('exits 2 for %s, naming the flag', async (_, args, message) => {
    const { stream, flags } = toNats();
    const run = await replay(...args, ...flags);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
    // Nothing was published: the sink never made its stream.
    await expect(nats.manager.streams.info(stream)).rejects.toThrow();
  });
});
