/** How `eventrail doctor` words what it found: durations, an unreachable server, the tally. */
import { describe, expect, it } from 'vitest';
import { unreachable } from '../../src/cli/doctor/connection.js';
import { duration, formatJson, formatText } from '../../src/cli/doctor/report.js';

describe('eventrail doctor report', () => {
  it('words durations for a person', () => {
    expect([850, 42_000, 720_000, 19_800_000, 311_040_000].map(duration)).toEqual([
      '850 ms',
      '42 s',
      '12 min',
      '5.5 h',
      '3.6 d',
    ]);
  });

  it('names the cause of an unreachable server, also when Node gives an empty AggregateError', () => {
    const refused = Object.assign(
      new AggregateError([new Error('connect ECONNREFUSED ::1:5432')], ''),
      {
        code: 'ECONNREFUSED',
      },
    );
    expect(unreachable('localhost:5432', refused).summary).toBe(
      'cannot connect to localhost:5432: connection refused: no server listens there (ECONNREFUSED)',
    );
    const auth = Object.assign(new Error('password authentication failed for user "app"'), {
      code: '28P01',
    });
    expect(unreachable('db:5432', auth).summary).toBe(
      'cannot connect to db:5432: password authentication failed for user "app" (28P01)',
    );
    expect(
      unreachable('db:5432', new Error('Connection terminated due to connection timeout')).summary,
    ).toBe(
      'cannot connect to db:5432: no answer in time (Connection terminated due to connection timeout)',
    );
  });

  it('aligns the lines, puts the fix under its check, tallies; JSON carries the worst status', () => {
    const results = [
      { check: 'connection', status: 'pass', summary: 'ok' },
      { check: 'outbox backlog', status: 'warn', summary: 'old row', fix: 'start a publisher' },
    ] as const;
    expect(formatText('h:1/db, schema eventrail', results)).toBe(
      [
        'eventrail doctor: h:1/db, schema eventrail',
        'pass  connection      ok',
        'warn  outbox backlog  old row',
        '                      → start a publisher',
        '1 pass, 1 warn, 0 fail',
      ].join('\n'),
    );
    expect(JSON.parse(formatJson('t', results))).toEqual({
      target: 't',
      status: 'warn',
      checks: results,
    });
  });
});
