import { within } from '../async/wait.js';
import { observeFigures } from './figures.js';
import { PUBLISHER_FIGURES } from './part-instruments.js';
import { DURATION_BUCKETS_S, type Registration, SIZE_BUCKETS } from './registration.js';
import type { ObservedPublisher } from './sources.js';

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
  r.observe([pending, oldest], async (result) => {
    try {
      // A database that stopped answering must not hold the whole collection.
      const read = await within(publisher.stats(), { timeoutMs: readTimeoutMs });
      if (!read.done) throw new Error(`stats() gave no answer within ${readTimeoutMs} ms`);
      result.observe(pending, read.value.pending);
      result.observe(oldest, read.value.oldestPendingAgeMs / 1000);
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
