/**
 * `eventrail replay`'s command line and progress: flags read into replay's options and a broker,
 * bad ones refused by name, the library's refusals traced back to their flag, and the progress
 * as a bar on a terminal or as JSON lines a second apart.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/flags.js';
import { ProgressReport, progressBar, progressLine } from '../../src/cli/progress.js';
import { readReplayCommandLine, replayFlagOf } from '../../src/cli/replay-flags.js';

const env = { DATABASE_URL: 'postgres://localhost/x' };
const nats = ['--to', 'nats://127.0.0.1:4222', '--stream', 'EVENTS'];

describe('the replay command line', () => {
  it("turns its flags into replay's options and a broker", () => {
    const args = [
      ...['--from', '2026-12-01', '--until', '2026-12-02T06:30:00+01:00'],
      ...['--type', 'A', '--type', 'B', '--user', 'ana', '--project', 'p1'],
      ...['--name', 'fix-7', '--resume', '--rate', '2.5', '--schema', 'audit'],
      ...[...nats, '--subject-prefix', 'cns'],
    ];
    expect(readReplayCommandLine(args, env)).toEqual({
      url: env.DATABASE_URL,
      broker: {
        kind: 'nats',
        servers: 'nats://127.0.0.1:4222',
        stream: 'EVENTS',
        subjectPrefix: 'cns',
      },
      options: {
        from: new Date('2026-12-01T00:00:00Z'),
        to: new Date('2026-12-02T05:30:00Z'),
        filters: { types: ['A', 'B'] },
        scope: { userId: 'ana', projectId: 'p1' },
        name: 'fix-7',
        resume: true,
        ratePerSecond: 2.5,
        schema: 'audit',
      },
    });
    const rabbit = [
      '--from',
      'start',
      '--to',
      'amqps://h/v',
      '--exchange',
      'events',
      '--url',
      'postgres://o/y',
    ];
    expect(readReplayCommandLine(rabbit, {})).toEqual({
      url: 'postgres://o/y',
      broker: { kind: 'rabbitmq', url: 'amqps://h/v', exchange: 'events' },
      options: { from: 'start', resume: false },
    });
    expect(readReplayCommandLine(['--help'], {})).toBe('help');
  });

  const bad: [string, string[], RegExp][] = [
    ['no --from', [...nats], /^--from is required/],
    ['a --from that is no time', ['--from', 'now', ...nats], /^--from: 'now' is not a date/],
    ['a day that does not exist', ['--from', '2026-13-45', ...nats], /^--from: '2026-13-45'/],
    [
      'a time without its zone',
      ['--from', '2026-12-01T08:00', ...nats],
      /^--from: .*with its zone/,
    ],
    ['an --until that is no time', ['--from', 'start', '--until', 'later', ...nats], /^--until:/],
    ['no --to', ['--from', 'start', '--stream', 'S'], /^--to is required/],
    [
      'a --to of another scheme',
      ['--from', 'start', '--to', 'http://x', '--stream', 'S'],
      /^--to: 'http:\/\/x'/,
    ],
    [
      'nats:// without --stream',
      ['--from', 'start', '--to', 'nats://x'],
      /--stream is required with nats:\/\//,
    ],
    [
      'amqp:// without --exchange',
      ['--from', 'start', '--to', 'amqp://x'],
      /--exchange is required with amqp:\/\//,
    ],
    [
      '--stream with amqp://',
      ['--from', 'start', '--to', 'amqp://x', '--exchange', 'e', '--stream', 'S'],
      /--stream does not apply to amqp:\/\//,
    ],
    [
      '--subject-prefix with amqp://',
      ['--from', 'start', '--to', 'amqp://x', '--exchange', 'e', '--subject-prefix', 'p'],
      /--subject-prefix applies to nats:\/\/ only/,
    ],
    [
      '--project without --user',
      ['--from', 'start', '--project', 'p', ...nats],
      /--project needs --user/,
    ],
    ['--resume without --name', ['--from', 'start', '--resume', ...nats], /--resume needs --name/],
    ['a rate that is no number', ['--from', 'start', '--rate', 'fast', ...nats], /^--rate: 'fast'/],
    ['a negative rate', ['--from', 'start', '--rate', '-5', ...nats], /--rate/],
    [
      'a misspelt flag',
      ['--from', 'start', '--untill', 'x', ...nats],
      /^--untill is not a flag of replay; did you mean --until\?/,
    ],
    [
      'a flag far from any',
      ['--from', 'start', '--zzzzzzzz', ...nats],
      /^--zzzzzzzz is not a flag of replay$/,
    ],
    ['a flag without its value', ['--from', 'start', ...nats, '--name'], /--name/],
    ['a stray argument', ['--from', 'start', 'extra', ...nats], /extra/],
    ['no database', ['--from', 'start', ...nats], /DATABASE_URL is not set/],
  ];
  it.each(bad)('refuses %s, naming it', (what, args, message) => {
    const environment = what === 'no database' ? {} : env;
    expect(() => readReplayCommandLine(args, environment)).toThrow(UsageError);
    expect(() => readReplayCommandLine(args, environment)).toThrow(message);
  });

  it('names the flag behind an option the library or the sink refuses', () => {
    expect(replayFlagOf('options.ratePerSecond')).toBe('rate');
    expect(replayFlagOf('options.to')).toBe('until');
    expect(replayFlagOf('options.filters.types[0]')).toBe('type');
    expect(replayFlagOf('options.scope.userId')).toBe('user');
    expect(replayFlagOf('options.stream.name')).toBe('stream');
    expect(replayFlagOf('options.exchange')).toBe('exchange');
    expect(replayFlagOf('options.servers')).toBe('to');
    expect(replayFlagOf('options.writesInFlight')).toBeUndefined();
    expect(replayFlagOf('options.token')).toBeUndefined();
  });
});

describe('the progress of eventrail replay', () => {
  const progress = (published: number, elapsedMs: number) => ({
    published,
    total: 50_000,
    elapsedMs,
    lastEventId: null,
  });

  it('figures the rate and what is left', () => {
    expect(progressLine(progress(12_000, 1500))).toEqual({
      published: 12_000,
      total: 50_000,
      percent: 24,
      ratePerSecond: 8000,
      etaMs: 4750,
      elapsedMs: 1500,
    });
    expect(progressLine({ ...progress(0, 0), total: 0 }, true)).toMatchObject({
      percent: 100,
      etaMs: null,
      done: true,
    });
    expect(progressBar(progressLine(progress(12_000, 1500)))).toBe(
      'replay [######------------------] 12,000/50,000 24% 8,000/s ETA 0:05',
    );
  });

  it('writes JSON lines a second apart at most, and a final one', () => {
    let now = 0;
    const out: string[] = [];
    const report = new ProgressReport({ write: (text: string) => out.push(text) }, () => now);
    for (const [at, published] of [
      [400, 1000],
      [1000, 2000],
      [1500, 3000],
      [2100, 4000],
    ]) {
      now = at as number;
      report.update(progress(published as number, at as number));
    }
    report.finish(true);
    expect(out.map((line) => JSON.parse(line).published)).toEqual([2000, 4000, 4000]);
    expect(JSON.parse(out.at(-1) as string)).toMatchObject({ done: true });
    expect(out.every((line) => line.endsWith('}\n'))).toBe(true);
  });

  it('leaves the last batch to the final line, however late it comes', () => {
    let now = 0;
    const out: string[] = [];
    const report = new ProgressReport({ write: (text: string) => out.push(text) }, () => now);
    now = 1200;
    report.update(progress(30_000, 1200));
    now = 2600;
    report.update(progress(50_000, 2600));
    report.finish(true);
    expect(out.map((line) => JSON.parse(line))).toMatchObject([
      { published: 30_000 },
      { published: 50_000, done: true },
    ]);
  });

  it('redraws a bar in place on a terminal, ten times a second at most, and ends its line', () => {
    let now = 0;
    const out: string[] = [];
    const tty = { isTTY: true, write: (text: string) => out.push(text) };
    const report = new ProgressReport(tty, () => now);
    for (const at of [50, 120, 150, 260]) {
      now = at;
      report.update(progress(at * 10, at));
    }
    report.finish(false);
    expect(out).toHaveLength(4);
    expect(out.slice(0, 3).every((text) => text.startsWith('\r\x1b[2Kreplay ['))).toBe(true);
    expect(out[2]).toContain('ETA');
    expect(out.at(-1)).toBe('\n');
  });
});
