import type { Attributes } from '@opentelemetry/api';
import { DURATION_BUCKETS_S, type Registration, SIZE_BUCKETS } from './registration.js';
import type { ObservedPublisher } from './sources.js';

type PublisherFigures = ReturnType<ObservedPublisher['metrics']>;

/** The publisher's own counts: the figure, its instrument name, unit and meaning. */
const COUNTS = [
  ['published', 'eventrail.outbox.published', '{event}', 'Events published'],
  ['retried', 'eventrail.outbox.retried', '{event}', 'Events scheduled for another attempt'],
  ['failed', 'eventrail.outbox.failed', '{event}', 'Events marked failed'],
  ['leaseLost', 'eventrail.outbox.lease_lost', '{event}', 'Events whose lease was taken over'],
  ['released', 'eventrail.outbox.released', '{event}', 'Events handed back by close()'],
  ['batches', 'eventrail.outbox.batches', '{batch}', 'Claims that returned rows'],
] as const satisfies readonly (readonly [keyof PublisherFigures, string, string, string])[];

/** Publish lag statistics of the publisher's window, under the `quantile` attribute. */
const LAGS = [
  ['p50', { quantile: '0.5' }],
  ['p99', { quantile: '0.99' }],
  ['max', { quantile: '1' }],
] as const satisfies readonly (readonly [keyof PublisherFigures['publishLatencyMs'], Attributes])[];

/**
 * Observes an `OutboxPublisher`: its `metrics()` and `stats()` once per collection (`stats()` is
 * one query: when it fails, that collection has no pending figures), and its `batch` events for
 * the batch histograms.
 * @internal
 */
export function observePublisher(r: Registration, publisher: ObservedPublisher): void {
  const pending = r.upDown(
    'eventrail.outbox.pending',
    '{event}',
    'Pending rows in the outbox table',
  );
  const oldest = r.gauge(
    'eventrail.outbox.oldest_pending.age',
    's',
    'Age of the oldest pending row (now − created_at); 0 when none',
  );
  const inFlight = r.upDown('eventrail.outbox.in_flight', '{event}', 'Claimed, not yet settled');
  const lag = r.gauge(
    'eventrail.outbox.publish.lag',
    's',
    'published_at − created_at over the last 1000 published events, by quantile (1 = max)',
  );
  const listening = r.gauge(
    'eventrail.outbox.listening',
    '1',
    'Whether LISTEN is connected (1) or not (0)',
  );
  const counts = COUNTS.map(
    ([key, name, unit, description]) => [key, r.counter(name, unit, description)] as const,
  );
  r.observe(
    [pending, oldest, inFlight, lag, listening, ...counts.map(([, c]) => c)],
    async (result) => {
      const m = publisher.metrics();
      result.observe(inFlight, m.inFlight);
      result.observe(listening, m.listening ? 1 : 0);
      for (const [key, attributes] of LAGS) {
        result.observe(lag, m.publishLatencyMs[key] / 1000, attributes);
      }
      for (const [key, counter] of counts) result.observe(counter, m[key]);
      try {
        const backlog = await publisher.stats();
        result.observe(pending, backlog.pending);
        result.observe(oldest, backlog.oldestPendingAgeMs / 1000);
      } catch {
        // The database did not answer: this collection has no pending figures.
      }
    },
  );

  const size = r.histogram(
    'eventrail.outbox.batch.size',
    '{event}',
    'Rows per claim',
    SIZE_BUCKETS,
  );
  const duration = r.histogram(
    'eventrail.outbox.batch.duration',
    's',
    'Claim to settlement of one batch',
    DURATION_BUCKETS_S,
  );
  r.listen(publisher, (info) => {
    size.record(info.size);
    duration.record(info.durationMs / 1000);
  });
}
