import type { Attributes, Histogram, ObservableCounter } from '@opentelemetry/api';
import type { SinkMetrics } from '../logger/metrics.js';
import {
  DURATION_BUCKETS_S,
  type Registration,
  SIZE_BUCKETS,
  sinkAttributes,
} from './registration.js';
import type { MessagingTarget, ObservedLogger } from './sources.js';

/** Per-sink counts of a logger's `metrics()`: the figure, its instrument name, unit and meaning. */
const SINK_COUNTS = [
  ['received', 'eventrail.sink.received', '{event}', "Events handed to the sink's pipeline"],
  ['written', 'eventrail.sink.written', '{event}', 'Events the sink wrote'],
  ['batches', 'eventrail.sink.batches', '{batch}', 'Successful writes'],
  ['retries', 'eventrail.sink.retries', '{retry}', 'Retry attempts after transient errors'],
  ['errors', 'eventrail.sink.errors', '{error}', 'Writes that failed for good'],
  ['dropped', 'eventrail.sink.dropped', '{event}', 'Events discarded (overflow, failed fallback)'],
  ['fallback', 'eventrail.sink.fallback', '{event}', 'Events handed to the fallback sink'],
] as const satisfies readonly (readonly [keyof SinkMetrics, string, string, string])[];

/**
 * Observes an `EventLogger`: its `metrics()` snapshot once per collection, and its `batch`
 * events for the batch size and duration histograms (and `messaging.client.operation.duration`
 * for the sinks in `messaging`).
 * @internal
 */
export function observeLogger(
  r: Registration,
  logger: ObservedLogger,
  messaging: ReadonlyMap<string, MessagingTarget>,
): void {
  const accepted = r.counter(
    'eventrail.logger.accepted',
    '{event}',
    'Events that passed validation',
  );
  const rejected = r.counter('eventrail.logger.rejected', '{event}', 'Calls refused as invalid');
  const depth = r.upDown('eventrail.sink.queue.depth', '{event}', 'Events waiting in the queue');
  const inFlight = r.upDown('eventrail.sink.in_flight', '{event}', 'Events in unfinished writes');
  const counts = SINK_COUNTS.map(
    ([key, name, unit, description]) => [key, r.counter(name, unit, description)] as const,
  );
  const all: ObservableCounter[] = [accepted, rejected, ...counts.map(([, c]) => c)];
  r.observe([...all, depth, inFlight], (result) => {
    const snapshot = logger.metrics();
    result.observe(accepted, snapshot.accepted);
    result.observe(rejected, snapshot.rejected);
    for (const [sink, figures] of Object.entries(snapshot.sinks)) {
      const attributes = sinkAttributes(sink);
      result.observe(depth, figures.queueDepth, attributes);
      result.observe(inFlight, figures.inFlight, attributes);
      for (const [key, counter] of counts) result.observe(counter, figures[key], attributes);
    }
  });

  const size = r.histogram(
    'eventrail.sink.batch.size',
    '{event}',
    'Events per write',
    SIZE_BUCKETS,
  );
  const duration = r.histogram(
    'eventrail.sink.batch.duration',
    's',
    'Duration of a successful write, retries included',
    DURATION_BUCKETS_S,
  );
  const operation: Histogram | undefined =
    messaging.size === 0
      ? undefined
      : r.histogram(
          'messaging.client.operation.duration',
          's',
          'Duration of publishing a batch to the broker, confirms (and retries) included',
          DURATION_BUCKETS_S,
        );
  const perSink = new Map<string, { sink: Attributes; messaging?: Attributes }>();
  r.listen(logger, (info) => {
    let attributes = perSink.get(info.sink);
    if (attributes === undefined) {
      const target = messaging.get(info.sink);
      attributes = {
        sink: sinkAttributes(info.sink),
        ...(target && { messaging: messagingAttributes(target) }),
      };
      perSink.set(info.sink, attributes);
    }
    const seconds = info.durationMs / 1000;
    size.record(info.size, attributes.sink);
    duration.record(seconds, attributes.sink);
    if (attributes.messaging) operation?.record(seconds, attributes.messaging);
  });
}

/** The semantic-convention attributes of publishing to `target`. @internal */
export function messagingAttributes(target: MessagingTarget): Attributes {
  return {
    'messaging.system': target.system,
    'messaging.destination.name': target.destination,
    'messaging.operation.name': 'publish',
    'messaging.operation.type': 'send',
  };
}
