/** The CLI's command line: durations read into milliseconds, bad flags refused by name. */
import { describe, expect, it } from 'vitest';
import {
  flagOf,
  parseDuration,
  parseSize,
  readCommandLine,
  UsageError,
} from '../../src/cli/flags.js';

const DAY = 86_400_000;
const env = { DATABASE_URL: 'postgres://localhost/x' };

describe('the CLI command line', () => {
  it('reads durations in several spellings into milliseconds', () => {
    expect(parseDuration('90 days')).toBe(90 * DAY);
    expect(parseDuration('90d')).toBe(90 * DAY);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('2 weeks')).toBe(14 * DAY);
    expect(parseDuration('30 minutes')).toBe(30 * 60_000);
    expect(parseDuration('1500ms')).toBe(1500);
    expect(parseDuration('1.5d')).toBe(36 * 3_600_000);
    for (const text of ['soon', '3 months', '0d', '-5d', '1500', '0.5ms', '']) {
      expect(parseDuration(text)).toBeUndefined();
    }
  });

  it('reads sizes as Postgres writes them into bytes (1024-based)', () => {
    expect(parseSize('1GB')).toBe(1024 ** 3);
    expect(parseSize('512MB')).toBe(512 * 1024 ** 2);
    expect(parseSize('64kB')).toBe(64 * 1024);
    expect(parseSize('1.5 MB')).toBe(1.5 * 1024 ** 2);
    expect(parseSize('100 B')).toBe(100);
    for (const text of ['1', 'big', '1 PB', '0.3B', '-1GB', '']) {
      expect(parseSize(text)).toBeUndefined();
    }
  });

  it("turns maintain's flags into maintain's options", () => {
    const args = [
      'maintain',
      '--retention',
      '30d',
      '--partition-width',
      '6h',
      '--premake',
      '5',
      '--outbox-retention',
      'none',
      '--inbox-retention',
      '2w',
      '--schema',
      'audit',
    ];
    expect(readCommandLine(args, env)).toEqual({
      command: 'maintain',
      url: env.DATABASE_URL,
      options: {
        schema: 'audit',
        retentionMs: 30 * DAY,
        partitionWidthMs: 6 * 3_600_000,
        premake: 5,
        outboxRetentionMs: null,
        inboxRetentionMs: 14 * DAY,
      },
    });
    expect(readCommandLine(['maintain', '--inbox-retention', 'none'], env)).toMatchObject({
      options: { inboxRetentionMs: null },
    });
    expect(readCommandLine(['maintain', '--url', 'postgres://other/y'], {})).toEqual({
      command: 'maintain',
      url: 'postgres://other/y',
      options: {},
    });
  });

  it('reads rollback steps as a count or all', () => {
    expect(readCommandLine(['rollback', '--steps', '2'], env)).toMatchObject({
      options: { steps: 2 },
    });
    expect(readCommandLine(['rollback', '--steps', 'all'], env)).toMatchObject({
      options: { steps: Number.POSITIVE_INFINITY },
    });
    expect(readCommandLine(['--help'], {})).toBe('help');
  });

  const bad: [string, string[], Record<string, string>, RegExp][] = [
    [
      'a duration that does not read',
      ['maintain', '--retention', 'soon'],
      env,
      /^--retention: 'soon'/,
    ],
    ['months', ['maintain', '--outbox-retention', '3 months'], env, /^--outbox-retention:/],
    [
      'a width in a number alone',
      ['maintain', '--partition-width', '3600000'],
      env,
      /^--partition-width:/,
    ],
    [
      'an inbox retention of never',
      ['maintain', '--inbox-retention', 'never'],
      env,
      /^--inbox-retention:/,
    ],
    ['a premake that is not a count', ['maintain', '--premake', '1.5'], env, /^--premake:/],
    ['steps that are not a count', ['rollback', '--steps', 'x'], env, /^--steps:/],
    [
      'a flag of another command',
      ['migrate', '--retention', '30d'],
      env,
      /--retention does not apply to migrate/,
    ],
    ['an unknown flag', ['maintain', '--retension', '30d'], env, /--retension/],
    ['an unknown command', ['vacuum'], env, /expected one command/],
    ['no database', ['migrate'], {}, /DATABASE_URL is not set/],
  ];
  it.each(bad)('refuses %s, naming it', (_, args, environment, message) => {
    expect(() => readCommandLine(args, environment)).toThrow(UsageError);
    expect(() => readCommandLine(args, environment)).toThrow(message);
  });

  it('names the flag behind an option the library refuses', () => {
    expect(flagOf('options.retentionMs')).toBe('retention');
    expect(flagOf('options.partitionWidthMs')).toBe('partition-width');
    expect(flagOf('options.schema')).toBe('schema');
    expect(flagOf('options.lockTimeoutMs')).toBeUndefined();
  });
});
