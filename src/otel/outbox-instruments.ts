import { observeFigures } from './figures.js';
import { PUBLISHER_FIGURES } from './part-instruments.js';
import { DURATION_BUCKETS_S, type Registration, SIZE_BUCKETS } from './registration.js';
import type { ObservedPublisher } from './sources.js';

/**
 * Observes an `OutboxPublisher`: its `metrics()` once per collection, its `stats()` (one query;
 * when it fails, that collection has no backlog figures and `failures` counts it), and its
 * `batch` events for the batch histograms.
 * @internal
 */
export function observePublisher(
  r: Registration,
  publisher: ObservedPublisher,
  failed: (error: unknown) => void,
): void {
  observeFigures(r, PUBLISHER_FIGURES, () => publisher.metrics());
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
  r.observe([pending, oldest], async (result) => {
    try {
      const backlog = await publisher.stats();
      result.observe(pending, backlog.pending);
      result.observe(oldest, backlog.oldestPendingAgeMs / 1000);
    } catch (error) {
      failed(error);
    }
  });

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
