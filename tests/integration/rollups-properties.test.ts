/**
 * Property test of the rollups (fast-check) against Postgres: random interleavings of writers
 * (random scopes, types, error codes, tools and agents, created over about five days, on bucket
 * and day edges, long ago, and around a daylight-saving change), RollupWorkers in child
 * processes started and SIGKILLed, `maintain` dropping the oldest day partitions and expiring
 * the default partition's rows, and `rebuildRollups` (some running on while the rest goes on).
 * At random points (while the writers are idle, or while they go on, both reads then in one
 * snapshot), and after each run once a worker caught up, every aggregate read from
 * the rollups equals the raw `GROUP BY`, for random scopes, ranges (unaligned, unbounded) and
 * time zones (half-hour, quarter-hour and daylight-saving ones).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type EventFilters,
  maintain,
  type QueryScope,
  RollupWorker,
  rebuildRollups,
  type TimeBucket,
} from '../../src/postgres/index.js';
import { root } from '../helpers/cli.js';
import { waitUntil } from '../helpers/consumer.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents, type SeedEvent } from '../helpers/events.js';
import { DAY, TODAY } from '../helpers/partitions.js';
import { type AggregateCase, expectExact, rollupState } from '../helpers/rollups.js';

const db = useTestDatabase();
const RUNS = 10;
const HOUR = 3_600_000;
const QUARTER = 900_000;
/**
 * Days between the bases of two runs: the next run's days start where the last one's cutoffs
 * ended (its partitions from there on are still there), and the state carries over.
 */
const RUN_DAYS = 5;
/** Most worker processes alive at once. */
const MAX_WORKERS = 3;

// ---------------------------------------------------------------------------------------------
// Times: an anchor (the run's base day, or an instant a zone changes its offset) plus an offset.

const offsets = new Map<string, Intl.DateTimeFormat>();
/** The UTC offset of `zone` at `ms`, as the formatter names it (`GMT+10:30`). */
function offsetOf(zone: string, ms: number): string {
  let format = offsets.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsets.set(zone, format);
  }
  return format.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? '';
}

/** The first instant after `after` where `zone`'s offset changes (to the millisecond). */
function nextOffsetChange(zone: string, after: number): number {
  const before = offsetOf(zone, after);
  let lo = after;
  while (offsetOf(zone, lo + HOUR) === before) lo += HOUR;
  let hi = lo + HOUR;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetOf(zone, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The instants times are anchored on: 0 is the run's base (midnight UTC, moved on each run); the
 * others are daylight-saving changes in New York (an hour) and Lord Howe Island (half an hour),
 * beyond every run's partitions and retention (their events stay in the default partition), and
 * no further: a rebuild folds every day up to the last event again.
 */
const BEYOND_RUNS = TODAY + ((RUNS + 1) * RUN_DAYS + 12) * DAY;
const CHANGING_ZONES = ['America/New_York', 'Australia/Lord_Howe'];
const CHANGES = CHANGING_ZONES.map((zone) => nextOffsetChange(zone, BEYOND_RUNS));
const ZONES = ['UTC', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/New_York', 'Australia/Lord_Howe'];

interface Time {
  readonly anchor: number;
  readonly offset: number;
}
const at = (base: number, t: Time) =>
  new Date((t.anchor === 0 ? base : CHANGES[t.anchor - 1]!) + t.offset);

/** On an edge of a quarter hour, an hour or a UTC day, or a millisecond off it. */
const edge = (min: number, max: number) =>
  fc
    .record({
      grain: fc.constantFrom(QUARTER, HOUR, DAY),
      k: fc.integer({ min: Math.ceil(min / QUARTER), max: Math.floor(max / QUARTER) }),
      delta: fc.constantFrom(-1, 0, 0, 1),
    })
    .map(({ grain, k, delta }) => Math.round((k * QUARTER) / grain) * grain + delta);

/** A time: mostly in the run's five days (from 2 days before its base), some long before. */
const timeArb: fc.Arbitrary<Time> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      anchor: fc.constant(0),
      offset: fc.integer({ min: -2 * DAY, max: 3 * DAY - 1 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ anchor: fc.constant(0), offset: edge(-2 * DAY, 3 * DAY) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      anchor: fc.constant(0),
      offset: fc.integer({ min: -30 * DAY, max: -2 * DAY }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      anchor: fc.constantFrom(1, 2),
      offset: fc.oneof(
        fc.integer({ min: -1.5 * DAY, max: 1.5 * DAY }),
        edge(-1.5 * DAY, 1.5 * DAY),
      ),
    }),
  },
);

// ---------------------------------------------------------------------------------------------
// Events and reads.

const USERS = ['u0', 'u1', 'u2'];
const PROJECTS = ['p0', 'p1'];
const TENANTS = ['t0', 't1'];
const TYPES = [
  'ERROR',
  'error',
  'TOOL_REQUEST',
  'TOOL_RESULT',
  'AGENT_SWITCHED',
  'DIRECT_AGENT_CALL',
  'TASK_STARTED',
];
const AGENTS = ['a0', 'a1', '\u0001a2'];
const CODES = ['E1', 'E2', 'E3'];
const TOOLS = ['search', 'fetch'];
const maybe = <T>(values: readonly T[]) =>
  fc.option(fc.constantFrom(...values), { nil: undefined, freq: 3 });

/**
 * An event's optional field: absent, one of `values`, empty (an event may say ''), or U+0001
 * (the character the rollups escape with).
 */
const field = (values: readonly string[]) => maybe([...values, '', '\u0001']);

const eventArb = fc.record({
  userId: fc.constantFrom(...USERS),
  projectId: field(PROJECTS),
  tenantId: field(TENANTS),
  type: fc.constantFrom(...TYPES),
  agentId: field(AGENTS),
  errorCode: field(CODES),
  toolName: field(TOOLS),
  at: timeArb,
});
type GeneratedEvent = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

/** A scope: often a whole user's events, else narrowed to a project, a tenant or both. */
const scopeArb = fc.oneof(
  fc.record({ userId: fc.constantFrom(...USERS) }),
  fc.record(
    {
      userId: fc.constantFrom(...USERS),
      projectId: fc.constantFrom(...PROJECTS),
      tenantId: fc.constantFrom(...TENANTS),
    },
    { requiredKeys: ['userId'] },
  ),
);

const dimensionFilters = {
  types: fc.subarray(TYPES, { minLength: 1 }),
  agentId: fc.constantFrom(...AGENTS),
  errorCode: fc.constantFrom(...CODES),
  toolName: fc.constantFrom(...TOOLS),
  errorsOnly: fc.boolean(),
};
/** Filters on the dimensions: mostly none or one (a read that finds events), sometimes several. */
const dimensionsArb: fc.Arbitrary<EventFilters> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({}) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(...(Object.keys(dimensionFilters) as (keyof typeof dimensionFilters)[]))
      .chain((key) => fc.record({ [key]: dimensionFilters[key] })),
  },
  { weight: 1, arbitrary: fc.record(dimensionFilters, { requiredKeys: [] }) },
);

const SERIES_SPAN: Record<TimeBucket, number> = { minute: 2 * DAY, hour: 6 * DAY, day: 6 * DAY };

/** A read: scope, filters on dimensions, and a range (either end unbounded), or a time series. */
const caseArb = fc.oneof(
  fc.record({
    scope: scopeArb,
    dimensions: dimensionsArb,
    from: fc.option(timeArb, { nil: undefined }),
    to: fc.option(timeArb, { nil: undefined }),
  }),
  fc
    .oneof(
      fc.record({ from: timeArb, timeZone: fc.constantFrom(...ZONES) }),
      // From before a daylight-saving change, in the zone that changes.
      fc.constantFrom(1, 2).chain((anchor) =>
        fc.record({
          from: fc.record({
            anchor: fc.constant(anchor),
            offset: fc.integer({ min: -1.5 * DAY, max: 0 }),
          }),
          timeZone: fc.constant(CHANGING_ZONES[anchor - 1] as string),
        }),
      ),
    )
    .chain(({ from, timeZone }) =>
      fc.record({
        scope: scopeArb,
        dimensions: dimensionsArb,
        from: fc.constant(from),
        bucket: fc.constantFrom<TimeBucket>('minute', 'hour', 'day'),
        length: fc.double({ min: 0, max: 1, noNaN: true }),
        timeZone: fc.constant(timeZone),
      }),
    )
    .map(({ bucket, length, ...rest }) => ({
      ...rest,
      series: { bucket, timeZone: rest.timeZone },
      length: Math.round(length * SERIES_SPAN[bucket]),
    })),
);
type GeneratedCase = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function toCase(base: number, c: GeneratedCase): AggregateCase {
  const filters: EventFilters = { ...c.dimensions };
  if ('series' in c) {
    const from = at(base, c.from);
    return {
      scope: c.scope as QueryScope,
      filters: { ...filters, from, to: new Date(from.getTime() + c.length) },
      series: c.series,
    };
  }
  // A range ends at or after its start (ValidationError otherwise).
  let [from, to] = [c.from && at(base, c.from), c.to && at(base, c.to)];
  if (from && to && to < from) [from, to] = [to, from];
  return {
    scope: c.scope as QueryScope,
    filters: { ...filters, ...(from && { from }), ...(to && { to }) },
  };
}

function toEvent(base: number, e: GeneratedEvent): SeedEvent {
  const { at: time, ...input } = e;
  return { ...input, createdAt: at(base, time) };
}

/**
 * Every user's events, read at each check: all of them (the whole tail among them), and in a
 * time series over the run's days (its ends a few minutes off the hour).
 */
function everyUser(base: number, series: AggregateCase['series']): AggregateCase[] {
  const from = new Date(base - 2 * DAY + 7 * 60_000);
  const to = new Date(base + 3 * DAY - 7 * 60_000);
  return USERS.flatMap((userId) => [
    { scope: { userId }, filters: {} },
    { scope: { userId }, filters: { from, to }, series },
  ]);
}

/** Reads of narrower scopes, unbounded, checked after each run. */
const SWEEP: AggregateCase[] = USERS.flatMap((userId) =>
  [{ userId }, { userId, projectId: 'p0' }, { userId, tenantId: 't1' }].map((scope) => ({
    scope,
    filters: {},
  })),
);

// ---------------------------------------------------------------------------------------------
// Rollup workers in child processes.

const workers = new Set<ChildProcess>();
let spawned = 0;

function startWorker(batchSize: number, pollMs: number): void {
  if (workers.size >= MAX_WORKERS) return;
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/fixtures/rollup-worker.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      MEMBER: `worker-${++spawned}`,
      BATCH_SIZE: String(batchSize),
      POLL_MS: String(pollMs),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  workers.add(child);
  child.once('exit', () => workers.delete(child));
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = child.exitCode !== null || child.signalCode !== null ? null : once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

const killAll = () => Promise.all([...workers].map(kill));

afterAll(killAll);

// ---------------------------------------------------------------------------------------------
// Commands.

const commandArb = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('write' as const),
      events: fc.array(eventArb, { minLength: 1, maxLength: 40 }),
      background: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('start' as const),
      batchSize: fc.constantFrom(3, 17, 200),
      pollMs: fc.constantFrom(20, 300, 1000),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('kill' as const),
      // One of the live workers, or all of them (the tail then grows until one is started).
      which: fc.oneof(fc.nat(), fc.constant('all' as const)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('maintain' as const),
      // `now` this far after the base, retention this many days: cutoffs from 2 days before
      // the base to 3 days after it (the oldest partitions of the run go, one or more).
      now: fc.integer({ min: 0, max: 4 * DAY }),
      retentionDays: fc.integer({ min: 1, max: 2 }),
      background: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('rebuild' as const),
      fromDays: fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined }),
      background: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('pause' as const),
      ms: fc.integer({ min: 0, max: 150 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('check' as const),
      // With the writes in the background still going (each read pair in one snapshot), or
      // once they are done (each read in a snapshot of its own).
      busy: fc.boolean(),
      cases: fc.array(caseArb, { minLength: 1, maxLength: 3 }),
      // The series every user's events are read in over the run's days.
      series: fc.record({
        bucket: fc.constantFrom<TimeBucket>('hour', 'day'),
        timeZone: fc.constantFrom(...ZONES),
      }),
    }),
  },
);
type Command = typeof commandArb extends fc.Arbitrary<infer T> ? T : never;

/** What the checks saw, so that the test shows they were not all trivially raw. */
const seen = {
  runs: 0,
  checks: 0,
  onRollups: 0,
  withTail: 0,
  kills: 0,
  dropped: 0,
  expired: 0,
  rebuilds: 0,
  busy: 0,
};

/** Events after the rollup's checkpoint (read raw by an aggregate), or null without a rollup. */
async function tail(): Promise<number | null> {
  const { rows } = await db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM eventrail.event_logs e, eventrail.rollups r
     WHERE r.name = 'events' AND (e.tx_id, e.id) > (r.position_tx_id, r.position_id)`,
  );
  return (await rollupState(db.pool)) === undefined ? null : (rows[0]?.n ?? 0);
}

/**
 * Reads every case from the rollups and raw. `busy`: while events are written and removed, in
 * one REPEATABLE READ transaction, so that both reads see the same rows (any snapshot is one a
 * read may have); else each read is a statement of its own, as an application's are.
 */
async function check(cases: readonly AggregateCase[], busy = false): Promise<void> {
  const state = await rollupState(db.pool);
  const waiting = await tail();
  seen.checks++;
  if (state?.complete) seen.onRollups++;
  if (state?.complete && (waiting ?? 0) > 0) seen.withTail++;
  if (!busy) {
    for (const c of cases) await expectExact(db.pool, c);
    return;
  }
  seen.busy++;
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    for (const c of cases) await expectExact(client, c);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

/** Waits until a worker made the rollup complete and folded every event written so far. */
async function caughtUp(): Promise<void> {
  const { rows } = await db.pool.query<{ tx: string }>(
    'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS tx',
  );
  const target = BigInt(rows[0]?.tx ?? '0');
  await waitUntil(
    async () => {
      const state = await rollupState(db.pool);
      return state?.complete === true && BigInt(state.tx) >= target;
    },
    'a rollup worker caught up',
    20_000,
  );
}

/** Makes the partitions of the run's days (and a few after), dropping none. */
async function partitionsFor(base: number): Promise<void> {
  await maintain({ db: db.pool, now: new Date(base), premake: 4, retentionMs: 365 * DAY });
}

async function run(base: number, commands: readonly Command[]): Promise<void> {
  // What goes on in the background: writes; `maintain` runs, done before any check (a
  // partition dropped while a REPEATABLE READ transaction waits for its lock is gone from that
  // transaction's reads, DDL not being MVCC, while the rollup rows it reads are as of its
  // snapshot); rebuilds, which change no answer, on through the checks to the end of the run.
  const writing: Promise<unknown>[] = [];
  const maintaining: Promise<unknown>[] = [];
  const rebuilding: Promise<unknown>[] = [];
  const settle = async (work: Promise<unknown>[]) => {
    await Promise.all(work.splice(0));
  };
  for (const command of commands) {
    switch (command.kind) {
      case 'write': {
        const written = insertEvents(
          db.pool,
          command.events.map((e) => toEvent(base, e)),
        );
        if (command.background) writing.push(written);
        else await written;
        break;
      }
      case 'start':
        startWorker(command.batchSize, command.pollMs);
        break;
      case 'kill': {
        const live = [...workers];
        const { which } = command;
        const victims = which === 'all' ? live : live.filter((_, i) => i === which % live.length);
        await Promise.all(victims.map(kill));
        seen.kills += victims.length;
        break;
      }
      case 'maintain': {
        const done = maintain({
          db: db.pool,
          now: new Date(base + command.now),
          retentionMs: command.retentionDays * DAY,
          premake: 3,
        }).then((result) => {
          seen.dropped += result.dropped.length;
          seen.expired += result.defaultRowsExpired;
        });
        if (command.background) maintaining.push(done);
        else await done;
        break;
      }
      case 'rebuild': {
        const done = rebuildRollups({
          db: db.pool,
          ...(command.fromDays !== undefined && { from: new Date(base + command.fromDays * DAY) }),
        }).then(() => seen.rebuilds++);
        if (command.background) rebuilding.push(done);
        else await done;
        break;
      }
      case 'pause':
        await sleep(command.ms);
        break;
      case 'check':
        await settle(maintaining);
        if (!command.busy) await settle(writing);
        await check(
          [...everyUser(base, command.series), ...command.cases.map((c) => toCase(base, c))],
          command.busy,
        );
        break;
    }
  }
  await Promise.all([settle(writing), settle(maintaining), settle(rebuilding)]);
  // A worker in this process when none is left (it starts at once), until it caught up.
  const local =
    workers.size === 0 ? new RollupWorker({ db: db.pool, pollIntervalMs: 20, leaseMs: 300 }) : null;
  local?.on('error', () => {});
  await local?.start();
  await caughtUp();
  await local?.close();
  const generated = commands.flatMap((c) => (c.kind === 'check' ? c.cases : []));
  await check([...SWEEP, ...generated.map((c) => toCase(base, c))]);
}

describe('rollups under writers, SIGKILLed workers, retention and rebuilds', () => {
  it('answer every aggregate as the raw GROUP BY does, at any time', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 5, maxLength: 15 }), async (commands) => {
        const base = TODAY + ++runs * RUN_DAYS * DAY;
        seen.runs++;
        await partitionsFor(base);
        await run(base, commands);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(seen.runs).toBe(RUNS);
    // The checks read the rollups, not only the raw rows (before the first build is complete).
    expect(seen.onRollups).toBeGreaterThanOrEqual(RUNS);
    expect(seen.withTail).toBeGreaterThan(0);
    expect(seen.kills).toBeGreaterThan(0);
    expect(seen.dropped).toBeGreaterThan(0);
    expect(seen.expired).toBeGreaterThan(0);
    expect(seen.rebuilds).toBeGreaterThan(0);
    expect(seen.busy).toBeGreaterThan(0);
  }, 120_000);
});
