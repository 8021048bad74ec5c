/**
 * Logger → Postgres: sustained events/s through `EventLogger` + `PostgresSink`, divided by the
 * fastest raw `pg` way to write the same rows to the same table, measured in the same run.
 * Also: what the GIN index on payload costs on insert, and the cost of one `logEvent` call.
 */
import type pg from 'pg';
import { EventLogger, type PipelineOptions, type Sink } from '../../src/index.js';
import { PostgresSink } from '../../src/postgres/index.js';
import { type Candidate, loggerCandidate, settleHeap } from '../lib/candidate.js';
import type { BenchDatabase } from '../lib/database.js';
import { agentEvent, agentRecords, chunk } from '../lib/events.js';
import { median, note, percentile, report } from '../lib/report.js';
import { RAW_METHODS, type RawMethod, runRaw } from './raw-insert.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

interface RawCandidate extends Candidate {
  readonly method: RawMethod;
  readonly batchSize: number;
  readonly connections: number;
}

/**
 * Raw candidates. Each run makes its own records before the clock starts and drops them after,
 * so that no run carries another's heap (the logger runs do the same with their inputs).
 * `finished`, when given, is called after the clock stops and before the run's pool ends.
 */
export function rawCandidates(
  db: BenchDatabase,
  count: number,
  finished?: (pool: pg.Pool, connections: number) => Promise<void>,
): RawCandidate[] {
  return RAW_METHODS.flatMap((method) =>
    [100, 1000].flatMap((batchSize) =>
      [1, 2].map((connections) => ({
        label: `${method.name}, batch ${batchSize}, ${connections} connection(s)`,
        method,
        batchSize,
        connections,
        best: 0,
        async run() {
          const batches = chunk(agentRecords(count), batchSize);
          const pool = db.pool(connections);
          settleHeap();
          try {
            const rate = count / (await runRaw(pool, method, batches, connections));
            await finished?.(pool, connections);
            return rate;
          } finally {
            await pool.end();
          }
        },
      })),
    ),
  );
}

/** Logger → PostgresSink with `options` on top of the sink's defaults; events/s from first call to close. */
function postgresLogger(
  db: BenchDatabase,
  count: number,
  label: string,
  options: PipelineOptions,
): Candidate {
  return loggerCandidate(label, count, async () => {
    const pool = db.pool(2);
    const sinks = [new PostgresSink({ db: pool })];
    const logger = new EventLogger({ sinks, fallback: null, ...options });
    return { logger, sink: 'postgres', release: () => pool.end() };
  });
}

/**
 * Every candidate runs once per round, raw and logger interleaved, on an emptied table; the best
 * round of each counts. Interleaving keeps a slow stretch of the machine from favouring either side.
 */
async function measure(db: BenchDatabase, candidates: Candidate[]): Promise<void> {
  for (let round = 1; round <= REPEATS; round++) {
    for (const candidate of candidates) {
      await db.reset();
      const value = await candidate.run();
      candidate.best = Math.max(candidate.best, value);
      note(`round ${round}: ${candidate.label}: ${value.toFixed(0)} events/s`);
    }
  }
}

export async function loggerPostgres(db: BenchDatabase, count: number): Promise<void> {
  const raw = rawCandidates(db, count);
  const loggers = [
    {
      scenario: 'logger-postgres-defaults',
      defaults: true,
      candidate: postgresLogger(
        db,
        count,
        'logger, defaults (flushSize 100, maxBatchSize 1000)',
        {},
      ),
    },
    {
      scenario: 'logger-postgres-fixed100',
      candidate: postgresLogger(db, count, 'logger, maxBatchSize 100 (batches never grow)', {
        maxBatchSize: 100,
      }),
    },
    {
      scenario: 'logger-postgres-max5000',
      candidate: postgresLogger(db, count, 'logger, maxBatchSize 5000', { maxBatchSize: 5000 }),
    },
  ];
  await measure(db, [...raw, ...loggers.map((l) => l.candidate)]);
  const fastest = raw.reduce((a, b) => (b.best > a.best ? b : a));
  const fastestIdempotent = raw
    .filter((r) => r.method.idempotent)
    .reduce((a, b) => (b.best > a.best ? b : a));
  report({
    scenario: 'postgres-insert-raw-candidates',
    unit: 'events/s',
    value: fastest.best,
    fastest: fastest.label,
    fastestWithOnConflict: fastestIdempotent.label,
    candidates: Object.fromEntries(raw.map((r) => [r.label, Math.round(r.best)])),
    events: count,
    rounds: REPEATS,
  });
  for (const { scenario, candidate, defaults } of loggers) {
    report({
      scenario,
      ...(defaults ? { defaults, goal: 0.9 } : {}),
      unit: 'events/s',
      value: candidate.best,
      raw: fastest.best,
      rawMethod: fastest.label,
      // The same against the fastest raw way that, like the sink, skips ids that exist.
      rawIdempotent: fastestIdempotent.best,
      rawIdempotentMethod: fastestIdempotent.label,
      ratioIdempotent: candidate.best / fastestIdempotent.best,
      config: candidate.label,
      events: count,
      rounds: REPEATS,
    });
  }
  await ginCost(db, fastestIdempotent);
}

/** Insert rate of the fastest idempotent raw method with and without the GIN index on payload, alternating. */
async function ginCost(db: BenchDatabase, method: RawCandidate): Promise<void> {
  const admin = db.pool(1);
  let withGin = 0;
  let withoutGin = 0;
  try {
    for (let round = 0; round < REPEATS; round++) {
      await db.reset();
      withGin = Math.max(withGin, await method.run());
      await admin.query('DROP INDEX eventrail.event_logs_payload_idx');
      await db.reset();
      withoutGin = Math.max(withoutGin, await method.run());
      await admin.query(
        'CREATE INDEX event_logs_payload_idx ON eventrail.event_logs USING gin (payload jsonb_path_ops)',
      );
    }
  } finally {
    await admin.query(
      'CREATE INDEX IF NOT EXISTS event_logs_payload_idx ON eventrail.event_logs USING gin (payload jsonb_path_ops)',
    );
    await admin.end();
  }
  report({
    scenario: 'postgres-gin-payload-insert-cost',
    unit: '% fewer events/s with the GIN index',
    value: (1 - withGin / withoutGin) * 100,
    withGin,
    withoutGin,
    method: method.label,
    rounds: REPEATS,
  });
}

function stringifyCost(payload: (i: number) => unknown): number {
  const perCall: number[] = [];
  for (let round = 0; round < 300; round++) {
    const started = performance.now();
    for (let i = 0; i < 1000; i++) JSON.stringify(payload(i));
    perCall.push(performance.now() - started);
  }
  return median(perCall.slice(50));
}

/**
 * µs per `await logger.logEvent(e)` while the queue has room (the sink discards), at the
 * logger's default options (no fallback: it is never used here).
 */
export async function logEventCost(): Promise<void> {
  const discard: Sink = { name: 'discard', write: async () => {} };
  const logger = new EventLogger({ sinks: [discard], fallback: null });
  const inputs = Array.from({ length: 1000 }, (_, i) => agentEvent(i));
  const small = {
    type: 'TASK_PROGRESS',
    userId: 'user-1',
    sessionId: 's-1',
    payload: { progress: 42 },
  };
  const rounds = (input: (i: number) => Parameters<EventLogger['logEvent']>[0]) => async () => {
    const perCall: number[] = [];
    for (let round = 0; round < 300; round++) {
      const started = performance.now();
      for (let i = 0; i < 1000; i++) await logger.logEvent(input(i));
      perCall.push(((performance.now() - started) * 1000) / 1000);
      await logger.flush();
    }
    return perCall.slice(50).sort((a, b) => a - b);
  };
  for (const [scenario, input] of [
    ['log-event-cost-agent-event', (i: number) => inputs[i] ?? small],
    ['log-event-cost-small-event', () => small],
  ] as const) {
    const sorted = await rounds(input)();
    // The least any snapshot of the payload costs: JSON.stringify alone, same payloads, same run.
    const stringifyUs = stringifyCost((i) => input(i).payload);
    report({
      scenario,
      unit: 'us/call',
      value: median(sorted),
      p99Us: percentile(sorted, 99),
      stringifyUs,
      // What logEvent costs beyond the snapshot itself; the goal is at most 0.8 µs.
      overheadUs: median(sorted) - stringifyUs,
      goalOverheadUs: 0.8,
      defaults: true,
      note: 'mean of 1000 awaited calls per round, median and p99 over 250 rounds; queue never full',
    });
  }
  await logger.close();
}
