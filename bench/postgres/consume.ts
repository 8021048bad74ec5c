/**
 * `consume`: consuming what was logged.
 *
 * `consume-replay-nats`: `replay` from the start of event_logs to NATS JetStream through a
 * `NatsSink` at its defaults, events/s from the call to the sink's close, against the logger →
 * NatsSink rate measured in the same run on the same stream (the `nats` scenario's logger
 * candidate): replay reads its batches from Postgres in commit order while it writes, so it
 * should keep up with what the logger hands the same sink (goal ≥ 0.8). Before each replay round
 * event_logs is emptied and refilled with `count` new agent events (new ids: JetStream would
 * drop copies of a round before), outside the clock; the stream is purged before each round.
 */
import { connect } from '@nats-io/transport-node';
import { replay } from '../../src/postgres/index.js';
import { type Candidate, settleHeap } from '../lib/candidate.js';
import type { BenchDatabase } from '../lib/database.js';
import { note, report } from '../lib/report.js';
import { type BenchStream, connectedSink, createBenchStream, natsLogger } from '../nats/publish.js';
import { logAgentEvents } from './consuming.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** Replay of `count` stored events to `stream` through a NatsSink connected before the clock. */
function replayCandidate(db: BenchDatabase, stream: BenchStream, count: number): Candidate {
  return {
    label: 'replay + NatsSink, defaults',
    best: 0,
    async run() {
      await db.reset();
      const pool = db.pool(2);
      try {
        await logAgentEvents(pool, count);
        const sink = await connectedSink(stream, 'bench-replay');
        settleHeap();
        const started = performance.now();
        const summary = await replay({ db: pool, from: 'start', sink });
        await sink.close();
        const seconds = (performance.now() - started) / 1000;
        if (summary.published !== count) throw new Error(`replay published ${summary.published}`);
        return count / seconds;
      } finally {
        await pool.end();
      }
    },
  };
}

export async function replayNats(db: BenchDatabase, count: number): Promise<void> {
  const admin = await connect({ servers: URL });
  const stream = await createBenchStream(admin);
  try {
    const batches: number[] = [];
    const logger = natsLogger(stream, count, batches);
    const replayed = replayCandidate(db, stream, count);
    for (let round = 1; round <= REPEATS; round++) {
      for (const candidate of [replayed, logger]) {
        await stream.reset();
        const value = await candidate.run();
        const stored = await stream.count();
        if (stored !== count) throw new Error(`${candidate.label}: ${stored} of ${count} stored`);
        candidate.best = Math.max(candidate.best, value);
        note(`round ${round}: ${candidate.label}: ${value.toFixed(0)} events/s`);
      }
    }
    report({
      scenario: 'consume-replay-nats',
      unit: 'events/s',
      value: replayed.best,
      raw: logger.best,
      rawMethod: logger.label,
      loggerMeanBatch: batches.reduce((a, b) => a + b, 0) / batches.length,
      goal: 0.8,
      events: count,
      rounds: REPEATS,
    });
  } finally {
    await stream.drop();
    await admin.close();
  }
}
