import { observeFigures } from './figures.js';
import { PUBLISHER_FIGURES } from './part-instruments.js';
import { DURATION_BUCKETS_S, type Registration, SIZE_BUCKETS } from './registration.js';
import type { ObservedPublisher } from './sources.js';
import { observeRead } from './timed-read.js';

/**
 * Observes an `OutboxPublisher`: its `metrics()` once per collection, its `stats()` (one query;
 * when it fails or gives no answer within `readTimeoutMs`, that collection has no backlog figures
 * and `failed` is told), and its
 * `batch` events for the batch histograms.
 * @internal
 */
export function observePublisher(
  r: Registration,
  publisher: ObservedPublisher,
  readTimeoutMs: number,
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
  observeRead(
    r,
    [pending, oldest],
    () => publisher.stats(),
    { readTimeoutMs, failed },
    (result, stats) => {
      result.observe(pending, stats.pending);
      result.observe(oldest, stats.oldestPendingAgeMs / 1000);
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
