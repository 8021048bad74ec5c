import type { Attributes } from '@opentelemetry/api';
import { messagingAttributes } from './logger-instruments.js';
import { type Registration, sinkAttributes } from './registration.js';
import type { ObservedBrokerSink } from './sources.js';

type BrokerFigures = ReturnType<ObservedBrokerSink['metrics']>;

/**
 * How each message a broker sink handed over ended, as the `error.type` of
 * `messaging.client.sent.messages` (absent for confirmed messages), read from RabbitMQ's or
 * NATS's counters.
 */
const OUTCOMES: readonly (readonly [string | undefined, (m: BrokerFigures) => number])[] = [
  [undefined, (m) => m.confirmed],
  ['nacked', (m) => m.nacked],
  ['unroutable', (m) => m.returned ?? 0],
  ['unconfirmed', (m) => m.unconfirmed ?? (m.timedOut ?? 0) + (m.lost ?? 0)],
];

/**
 * Observes broker sinks' `metrics()`: messages sent (by outcome), and the connection's blocked
 * time and episodes, connects and disconnects where the sink counts them.
 * @internal
 */
export function observeBrokerSinks(r: Registration, sinks: readonly ObservedBrokerSink[]): void {
  const sent = r.counter(
    'messaging.client.sent.messages',
    '{message}',
    'Messages the broker settled: confirmed, or with error.type nacked, unroutable or unconfirmed',
  );
  const blockedTime = r.counter(
    'eventrail.broker.blocked.time',
    's',
    'Time the broker kept the connection blocked (memory or disk alarm), the current episode included',
  );
  const blocked = r.counter('eventrail.broker.blocked', '{episode}', 'Times the broker blocked');
  const connects = r.counter('eventrail.broker.connects', '{connection}', 'Connections opened');
  const disconnects = r.counter('eventrail.broker.disconnects', '{connection}', 'Connections lost');
  const labelled = sinks.map((sink) => {
    const base: Attributes = {
      ...messagingAttributes(sink.messaging),
      ...sinkAttributes(sink.name),
    };
    const outcomes = OUTCOMES.map(
      ([error, count]) =>
        [count, error === undefined ? base : { ...base, 'error.type': error }] as const,
    );
    return { sink, base, outcomes };
  });
  r.observe([sent, blockedTime, blocked, connects, disconnects], (result) => {
    for (const { sink, base, outcomes } of labelled) {
      const m = sink.metrics();
      for (const [count, attributes] of outcomes) result.observe(sent, count(m), attributes);
      if (m.blockedMs !== undefined) result.observe(blockedTime, m.blockedMs / 1000, base);
      if (m.blocked !== undefined) result.observe(blocked, m.blocked, base);
      if (m.connects !== undefined) result.observe(connects, m.connects, base);
      if (m.disconnects !== undefined) result.observe(disconnects, m.disconnects, base);
    }
  });
}
