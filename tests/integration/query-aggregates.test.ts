/**
 * Aggregates match counts computed independently, in JavaScript, from the events inserted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { EventRecord } from '../../src/index.js';
import { EventQueries } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';

const db = useTestDatabase();
const TYPES = [
  'TOOL_REQUEST',
  'AGENT_SWITCHED',
  'DIRECT_AGENT_CALL',
  'ERROR',
  'TASK_PROGRESS',
  'error',
];
const start = Date.UTC(2024, 2, 9, 20, 17, 31); // the weekend US clocks moved forward
const scope = { userId: 'user-a' };

function tally<K>(items: readonly EventRecord[], key: (e: EventRecord) => K): Map<K, number> {
  const counts = new Map<K, number>();
  for (const e of items) counts.set(key(e), (counts.get(key(e)) ?? 0) + 1);
  return counts;
}

/** Most frequent first, then by key in byte order (NULL last), as the SQL orders them. */
function byCountThen<T extends { count: number }>(key: (x: T) => string | null) {
  const rank = (x: T) => key(x) ?? '\uffff';
  return (a: T, b: T) => b.count - a.count || (rank(a) < rank(b) ? -1 : 1);
}

const isError = (e: EventRecord) => e.errorCode !== null || e.type.toUpperCase() === 'ERROR';

describe('aggregates', () => {
  let queries: EventQueries;
  let mine: EventRecord[];

  beforeAll(async () => {
    const stored = await insertEvents(
      db.pool,
      Array.from({ length: 1500 }, (_, i) => {
        const type = TYPES[(i % 21) % TYPES.length]!;
        // Spread over three days, irregularly, with no event from hour 30 to hour 36.
        const second = (i * 7919) % 259_200;
        const offset = second >= 108_000 && second < 129_600 ? second + 21_600 : second;
        return {
          type,
          userId: i % 5 === 4 ? 'user-b' : 'user-a',
          sessionId: `session-${i % 4}`,
          agentId: i % 6 === 0 ? null : `agent-${i % 5}`,
          errorCode: type.toUpperCase() === 'ERROR' && i % 3 !== 0 ? `E${i % 4}` : undefined,
          toolName:
            (type === 'TOOL_REQUEST' || type === 'ERROR') && i % 2 === 0
              ? `tool-${i % 3}`
              : undefined,
          createdAt: new Date(start + offset * 1000 + (i % 1000)),
        };
      }),
    );
    mine = stored.filter((e) => e.userId === 'user-a');
    queries = new EventQueries({ db: db.pool });
  });

  it('counts events by type, within filters', async () => {
    const cases: { sessionId?: string; from?: Date }[] = [
      {},
      { sessionId: 'session-2' },
      { from: new Date(start + 86_400_000) },
    ];
    for (const filters of cases) {
      const rows = mine.filter(
        (e) =>
          (filters.sessionId === undefined || e.sessionId === filters.sessionId) &&
          (filters.from === undefined || e.createdAt >= filters.from),
      );
      const expected = [...tally(rows, (e) => e.type)]
        .map(([type, count]) => ({ type, count }))
        .sort(byCountThen((x) => x.type));
      expect(await queries.countsByType(scope, filters)).toEqual(expected);
    }
  });

  it('counts agent switches and direct calls per agent', async () => {
    const withAgent = mine.filter((e) => e.agentId !== null);
    const switches = tally(
      withAgent.filter((e) => e.type === 'AGENT_SWITCHED'),
      (e) => e.agentId!,
    );
    const direct = tally(
      withAgent.filter((e) => e.type === 'DIRECT_AGENT_CALL'),
      (e) => e.agentId!,
    );
    const agents = new Set([...switches.keys(), ...direct.keys()]);
    const expected = [...agents]
      .map((agentId) => ({
        agentId,
        switches: switches.get(agentId) ?? 0,
        directCalls: direct.get(agentId) ?? 0,
      }))
      .sort(
        (a, b) =>
          b.switches + b.directCalls - (a.switches + a.directCalls) ||
          a.agentId.localeCompare(b.agentId),
      );
    expect(expected.length).toBeGreaterThan(1);
    expect(await queries.agentInteractions(scope)).toEqual(expected);
  });

  it('counts errors by code, by tool and in total', async () => {
    const errors = mine.filter(isError);
    const byCode = [...tally(errors, (e) => e.errorCode)]
      .map(([errorCode, count]) => ({ errorCode, count }))
      .sort(byCountThen((x) => x.errorCode));
    const byTool = [...tally(errors, (e) => e.toolName)]
      .map(([toolName, count]) => ({ toolName, count }))
      .sort(byCountThen((x) => x.toolName));
    const stats = await queries.errorStats(scope);
    expect(byCode.some((c) => c.errorCode === null)).toBe(true);
    expect(stats).toEqual({ total: errors.length, byCode, byTool });
  });

  it.each([
    ['minute', 60_000],
    ['hour', 3_600_000],
    ['day', 86_400_000],
  ] as const)('makes a UTC time series by %s, with empty buckets as 0', async (bucket, width) => {
    const from = new Date(start + (bucket === 'minute' ? 29 : 1) * 3_600_000 + 123);
    const to = new Date(start + (bucket === 'minute' ? 34 : 96) * 3_600_000);
    const series = await queries.timeSeries(scope, { from, to }, { bucket });
    const first = Math.floor(from.getTime() / width) * width;
    const expected = [];
    for (let t = first; t < to.getTime(); t += width) {
      const count = mine.filter((e) => {
        const ms = e.createdAt.getTime();
        return ms >= Math.max(t, from.getTime()) && ms < Math.min(t + width, to.getTime());
      }).length;
      expected.push({ start: new Date(t), count });
    }
    expect(series).toEqual(expected);
    expect(series.some((p) => p.count === 0)).toBe(true);
  });

  it('cuts day buckets at local midnight of the given time zone', async () => {
    const timeZone = 'America/New_York';
    const local = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    const day = (d: Date) => local.format(d).slice(0, 10);
    const from = new Date(start - 86_400_000);
    const to = new Date(start + 4 * 86_400_000);
    const series = await queries.timeSeries(scope, { from, to }, { bucket: 'day', timeZone });
    expect(series.map((p) => local.format(p.start).slice(12))).toEqual(series.map(() => '00:00'));
    // One bucket is 23 hours long: clocks moved forward on 2024-03-10.
    expect(
      series.map((p, i) => (series[i + 1]?.start.getTime() ?? 0) - p.start.getTime()),
    ).toContain(23 * 3_600_000);
    const perDay = tally(mine, (e) => day(e.createdAt));
    expect(series.map((p) => [day(p.start), p.count])).toEqual(
      series.map((p) => [day(p.start), perDay.get(day(p.start)) ?? 0]),
    );
    expect(series.reduce((n, p) => n + p.count, 0)).toBe(mine.length);
  });
});
