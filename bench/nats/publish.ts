/**
 * Logger → NATS JetStream: sustained messages/s through `EventLogger` + `NatsSink` at the
 * defaults, divided by the fastest raw `@nats-io/jetstream` way to publish the same messages with
 * acks (a whole batch published at once, its acks awaited together; batches of 100 or 1000, one
 * or two batches in flight; the client's JetStream publish, and a plain publish whose acks come
 * back to one wildcard reply subscription), measured in the same run on the same stream.
 * `sinkAlone`: NatsSink.write driven directly, without the logger's intake (validation and the
 * payload snapshot of each logEvent), which the raw candidates do not pay, in batches of
 * `maxBatchSize` (1000): what the logger hands the sink at the defaults under sustained load
 * (`loggerMeanBatch` shows it); `sinkAloneBatch100` in batches of `flushSize`, the trigger. The
 * stream (file storage) is created for the run, purged before each candidate, and deleted after.
 */
import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  connect,
  createInbox,
  type Msg,
  type NatsConnection,
  headers as natsHeaders,
} from '@nats-io/transport-node';
import { eventToJson } from '../../src/event/serialize.js';
import { traceparentOf } from '../../src/event/trace.js';
import { EventLogger, type EventRecord } from '../../src/index.js';
import { NATS_HEADERS, NatsSink } from '../../src/nats/index.js';
import { DEFAULT_PIPELINE_OPTIONS } from '../../src/sinks/pipeline-options.js';
import { type Candidate, loggerCandidate, settleHeap } from '../lib/candidate.js';
import { agentRecords, chunk } from '../lib/events.js';
import { note, report } from '../lib/report.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

export interface BenchStream {
  readonly name: string;
  readonly subject: string;
  reset(): Promise<void>;
  count(): Promise<number>;
  drop(): Promise<void>;
}

export async function createBenchStream(admin: NatsConnection): Promise<BenchStream> {
  const name = `eventrail_bench_${randomBytes(4).toString('hex')}`;
  const manager = await jetstreamManager(admin);
  await manager.streams.add({ name, subjects: [`${name}.>`] });
  return {
    name,
    subject: `${name}.>`,
    reset: async () => void (await manager.streams.purge(name)),
    count: async () => (await manager.streams.info(name)).state.messages,
    drop: async () => void (await manager.streams.delete(name)),
  };
}

type Publisher = (batch: readonly EventRecord[]) => Promise<unknown>;

/**
 * The client's JetStream publish: every message of a batch at once, the acks awaited together.
 * The client makes a request (a promise and a timer) per message.
 */
function jetstreamPublisher(connection: NatsConnection, stream: BenchStream): Publisher {
  const js = jetstream(connection, { timeout: 30_000 });
  const subject = `${stream.name}.events`;
  return (batch) =>
    Promise.all(
      batch.map((event) => {
        const m = rawMessage(event, subject);
        return js.publish(m.subject, m.data, { headers: m.headers });
      }),
    );
}

/**
 * A plain publish with a reply subject of one wildcard subscription: JetStream's ack comes back
 * there, no request bookkeeping per message (the acks are still awaited and checked).
 */
function corePublisher(connection: NatsConnection, stream: BenchStream): Publisher {
  const inbox = createInbox();
  const waiting = new Map<string, (ack: Msg) => void>();
  connection.subscribe(`${inbox}.*`, {
    callback: (_, ack) => {
      waiting.get(ack.subject)?.(ack);
      waiting.delete(ack.subject);
    },
  });
  const subject = `${stream.name}.events`;
  let next = 0;
  return (batch) =>
    Promise.all(
      batch.map((event) => {
        const m = rawMessage(event, subject);
        const reply = `${inbox}.${next++}`;
        const acked = new Promise<void>((resolve, reject) => {
          waiting.set(reply, (ack) => {
            const body = ack.json<{ error?: unknown }>();
            if (body.error) reject(new Error(JSON.stringify(body.error)));
            else resolve();
          });
        });
        connection.publish(m.subject, m.data, { reply, headers: m.headers });
        return acked;
      }),
    );
}

/**
 * The same message as the sink's (subject, JSON body, `Nats-Msg-Id` and the eventrail headers),
 * built by hand: no subject or header checks.
 */
function rawMessage(event: EventRecord, subject: string) {
  const headers = natsHeaders();
  headers.append('Nats-Msg-Id', event.id);
  headers.append(NATS_HEADERS.type, event.type);
  headers.append(NATS_HEADERS.userId, event.userId);
  if (event.tenantId !== null) headers.append(NATS_HEADERS.tenantId, event.tenantId);
  if (event.correlationId !== null) headers.append(NATS_HEADERS.correlationId, event.correlationId);
  const traceparent = traceparentOf(event);
  if (traceparent !== undefined) headers.append(NATS_HEADERS.traceparent, traceparent);
  return { subject, data: Buffer.from(eventToJson(event)), headers };
}

/** Batches published whole by `publisher`, one or two batches in flight. */
function rawCandidate(
  label: string,
  publisher: (connection: NatsConnection, stream: BenchStream) => Publisher,
  stream: BenchStream,
  count: number,
  size: number,
  inFlight: 1 | 2,
): Candidate {
  return {
    label: `${label}, batch ${size}, ${inFlight} in flight`,
    best: 0,
    async run() {
      const batches = chunk(agentRecords(count), size);
      const connection = await connect({ servers: URL });
      const publish = publisher(connection, stream);
      settleHeap();
      try {
        const started = performance.now();
        let previous: Promise<unknown> = Promise.resolve();
        for (const batch of batches) {
          const current = publish(batch);
          if (inFlight === 1) await current;
          else {
            await previous;
            previous = current;
          }
        }
        await previous;
        return count / ((performance.now() - started) / 1000);
      } finally {
        await connection.close();
      }
    },
  };
}

/**
 * A NatsSink at its defaults on `stream`, all events on one subject, connected (by a write of
 * one event, then purged away) so that no clock pays for the connection.
 */
export async function connectedSink(stream: BenchStream, name: string): Promise<NatsSink> {
  const sink = new NatsSink({
    servers: URL,
    name,
    stream: { name: stream.name, subjects: [stream.subject] },
    subject: () => `${stream.name}.events`,
  });
  await sink.write(agentRecords(1), { signal: new AbortController().signal });
  await stream.reset();
  return sink;
}

/**
 * Logger → NatsSink at the defaults, connected before the clock starts (as the raw runs are);
 * `batches` gets the size of every batch the logger wrote.
 */
export function natsLogger(stream: BenchStream, count: number, batches: number[]): Candidate {
  return loggerCandidate('logger + NatsSink, defaults', count, async () => {
    const sink = await connectedSink(stream, 'bench');
    const logger = new EventLogger({ sinks: [sink], fallback: null });
    logger.on('batch', ({ size }) => void batches.push(size));
    return { logger, sink: sink.name };
  });
}

/**
 * NatsSink.write alone on records made before the clock, `size` events a write and two writes in
 * flight (the sink's `defaults.writesInFlight`): the sink's own cost, without the logger's intake.
 */
function sinkAlone(stream: BenchStream, count: number, size: number): Candidate {
  return rawCandidate(
    'NatsSink.write alone',
    (connection) => {
      const sink = new NatsSink({
        connection,
        name: 'bench',
        stream: { name: stream.name, subjects: [stream.subject] },
        subject: () => `${stream.name}.events`,
      });
      const signal = new AbortController().signal;
      return (batch) => sink.write(batch, { signal });
    },
    stream,
    count,
    size,
    2,
  );
}

export async function loggerNats(count: number): Promise<void> {
  const admin = await connect({ servers: URL });
  const stream = await createBenchStream(admin);
  try {
    const raw = [
      rawCandidate('raw jetstream publish', jetstreamPublisher, stream, count, 100, 2),
      rawCandidate('raw jetstream publish', jetstreamPublisher, stream, count, 1000, 2),
      rawCandidate('raw publish with reply inbox', corePublisher, stream, count, 100, 1),
      rawCandidate('raw publish with reply inbox', corePublisher, stream, count, 1000, 1),
      rawCandidate('raw publish with reply inbox', corePublisher, stream, count, 100, 2),
      rawCandidate('raw publish with reply inbox', corePublisher, stream, count, 1000, 2),
    ];
    const batches: number[] = [];
    const logger = natsLogger(stream, count, batches);
    const { flushSize, maxBatchSize } = DEFAULT_PIPELINE_OPTIONS;
    const alone = sinkAlone(stream, count, maxBatchSize);
    const alone100 = sinkAlone(stream, count, flushSize);
    for (let round = 1; round <= REPEATS; round++) {
      for (const candidate of [...raw, alone, alone100, logger]) {
        await stream.reset();
        const value = await candidate.run();
        const stored = await stream.count();
        if (stored !== count) throw new Error(`${candidate.label}: ${stored} of ${count} stored`);
        candidate.best = Math.max(candidate.best, value);
        note(`round ${round}: ${candidate.label}: ${value.toFixed(0)} msgs/s`);
      }
    }
    const fastest = raw.reduce((a, b) => (b.best > a.best ? b : a));
    report({
      scenario: 'nats',
      unit: 'msgs/s',
      value: logger.best,
      raw: fastest.best,
      rawMethod: fastest.label,
      rawCandidates: Object.fromEntries(raw.map((r) => [r.label, Math.round(r.best)])),
      loggerMeanBatch: batches.reduce((a, b) => a + b, 0) / batches.length,
      sinkAlone: alone.best,
      sinkAloneRatio: alone.best / fastest.best,
      sinkAloneBatch100: alone100.best,
      sinkAloneBatch100Ratio: alone100.best / fastest.best,
      defaults: true,
      goal: 0.9,
      events: count,
      rounds: REPEATS,
    });
  } finally {
    await stream.drop();
    await admin.close();
  }
}
