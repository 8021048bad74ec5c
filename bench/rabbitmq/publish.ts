/**
 * Logger → RabbitMQ: sustained messages/s through `EventLogger` + `RabbitMQSink`, divided by the
 * fastest raw amqplib way to publish the same messages with confirms (one confirm channel; batches
 * of 100 or 1000, with `waitForConfirms` after each or with two batches in flight as the sink
 * does), measured in the same run on the same queue.
 */
import amqplib, { type ConfirmChannel } from 'amqplib';
import { EventLogger, type EventRecord, type PipelineOptions } from '../../src/index.js';
import { RabbitMQSink, toRabbitMQMessage } from '../../src/rabbitmq/index.js';
import { type Candidate, loggerCandidate, settleHeap } from '../lib/candidate.js';
import { agentRecords, chunk } from '../lib/events.js';
import { note, report } from '../lib/report.js';
import type { BenchBroker } from './broker.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

const MAPPING = {
  routingKey: (e: EventRecord) => `eventrail.${e.type}`,
  priority: undefined,
  mandatory: true,
};

/** Publishes one batch with a confirm callback per message; resolves when all are confirmed. */
function publishConfirmed(
  channel: ConfirmChannel,
  exchange: string,
  batch: readonly EventRecord[],
): Promise<unknown> {
  return Promise.all(
    batch.map((event) => {
      const m = toRabbitMQMessage(event, MAPPING);
      return new Promise<void>((resolve, reject) => {
        channel.publish(exchange, m.routingKey, m.content, m.options, (error: unknown) =>
          error ? reject(error) : resolve(),
        );
      });
    }),
  );
}

/**
 * amqplib alone, on one confirm channel: with one batch in flight, publish a batch and
 * `waitForConfirms`; with two, publish the next batch while the previous one is confirmed.
 */
function rawCandidate(
  broker: BenchBroker,
  count: number,
  batchSize: number,
  inFlight: 1 | 2,
): Candidate {
  const how = inFlight === 1 ? 'waitForConfirms' : '2 batches in flight';
  return {
    label: `raw amqplib, confirm channel, batch ${batchSize}, ${how}`,
    best: 0,
    async run() {
      const batches = chunk(agentRecords(count), batchSize);
      const connection = await amqplib.connect(broker.url);
      const channel = await connection.createConfirmChannel();
      settleHeap();
      try {
        const started = performance.now();
        let previous: Promise<unknown> = Promise.resolve();
        for (const batch of batches) {
          if (inFlight === 1) {
            for (const event of batch) {
              const m = toRabbitMQMessage(event, MAPPING);
              channel.publish(broker.exchange, m.routingKey, m.content, m.options);
            }
            await channel.waitForConfirms();
          } else {
            const current = publishConfirmed(channel, broker.exchange, batch);
            await previous;
            previous = current;
          }
        }
        await previous;
        return count / ((performance.now() - started) / 1000);
      } finally {
        await channel.close();
        await connection.close();
      }
    },
  };
}

/** Logger → RabbitMQSink, connected before the clock starts (as the raw runs are). */
function rabbitLogger(
  broker: BenchBroker,
  count: number,
  label: string,
  options: PipelineOptions,
): Candidate {
  return loggerCandidate(label, count, async () => {
    const sink = new RabbitMQSink({ url: broker.url, exchange: broker.exchange, name: 'bench' });
    await sink.write(agentRecords(1), { signal: new AbortController().signal });
    await broker.reset();
    const logger = new EventLogger({ sinks: [{ sink, ...options }], fallback: null });
    return { logger, sink: sink.name };
  });
}

export async function loggerRabbitMQ(broker: BenchBroker, count: number): Promise<void> {
  const raw = [
    rawCandidate(broker, count, 100, 1),
    rawCandidate(broker, count, 1000, 1),
    rawCandidate(broker, count, 100, 2),
    rawCandidate(broker, count, 1000, 2),
  ];
  const loggers = [
    {
      scenario: 'rabbitmq',
      defaults: true,
      candidate: rabbitLogger(
        broker,
        count,
        'logger, defaults (flushSize 100, maxBatchSize 1000, 2 writes in flight)',
        {},
      ),
    },
    {
      scenario: 'rabbitmq-fixed100',
      candidate: rabbitLogger(broker, count, 'logger, maxBatchSize 100 (batches never grow)', {
        maxBatchSize: 100,
      }),
    },
  ];
  const candidates = [...raw, ...loggers.map((l) => l.candidate)];
  for (let round = 1; round <= REPEATS; round++) {
    for (const candidate of candidates) {
      await broker.reset();
      const value = await candidate.run();
      const depth = await broker.depth();
      if (depth < count)
        throw new Error(`${candidate.label}: ${depth} of ${count} messages queued`);
      candidate.best = Math.max(candidate.best, value);
      note(`round ${round}: ${candidate.label}: ${value.toFixed(0)} msgs/s`);
    }
  }
  const best = (list: Candidate[]) => list.reduce((a, b) => (b.best > a.best ? b : a));
  const fastest = best(raw);
  // The raw limit: one batch at a time, waitForConfirms (100 or 1000, the faster).
  const sequential = best(raw.slice(0, 2));
  for (const { scenario, candidate, defaults } of loggers) {
    report({
      scenario,
      ...(defaults ? { defaults } : {}),
      unit: 'msgs/s',
      value: candidate.best,
      raw: fastest.best,
      rawMethod: fastest.label,
      rawWaitForConfirms: sequential.best,
      ratioWaitForConfirms: candidate.best / sequential.best,
      rawCandidates: Object.fromEntries(raw.map((r) => [r.label, Math.round(r.best)])),
      config: candidate.label,
      goal: 0.9,
      events: count,
      rounds: REPEATS,
    });
  }
}
