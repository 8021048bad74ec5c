/**
 * The instruments of the parts whose `metrics()` is a flat snapshot: each figure of it, by a
 * table (see {@link observeFigures}).
 */
import type { Figure } from './figures.js';

/** An `EventStream`'s figures. @internal */
export const STREAM_FIGURES = [
  [
    'subscribers',
    'eventrail.stream.subscribers',
    'upDown',
    '{subscriber}',
    'Subscriptions open now',
  ],
  ['delivered', 'eventrail.stream.delivered', 'counter', '{event}', 'Events taken by subscribers'],
  [
    'lagged',
    'eventrail.stream.lagged',
    'counter',
    '{subscriber}',
    'Subscribers ended for falling behind',
  ],
  ['reads', 'eventrail.stream.reads', 'counter', '{read}', 'Shared reads of new rows'],
  [
    'errors',
    'eventrail.stream.errors',
    'counter',
    '{error}',
    'Failed reads and callbacks (error events)',
  ],
  [
    'listening',
    'eventrail.stream.listening',
    'gauge',
    '1',
    'Whether LISTEN is connected (1) or not (0)',
  ],
  [
    'readDurationMs',
    'eventrail.stream.read.duration',
    'durations',
    's',
    'Shared read durations, latest 1000, by quantile (1 = max)',
  ],
] as const satisfies readonly Figure<string>[];

/** An `EventsApi`'s figures (its responses by status class are apart). @internal */
export const API_FIGURES = [
  ['requests', 'eventrail.http.requests', 'counter', '{request}', 'Requests received'],
  [
    'errors',
    'eventrail.http.errors',
    'counter',
    '{error}',
    'Routes that failed unexpectedly (answered 500)',
  ],
  ['openStreams', 'eventrail.http.streams.open', 'upDown', '{stream}', 'SSE responses open now'],
  ['streamsOpened', 'eventrail.http.streams.opened', 'counter', '{stream}', 'SSE responses opened'],
  [
    'requestDurationMs',
    'eventrail.http.request.duration',
    'durations',
    's',
    'Request to response of the JSON routes, latest 1000, by quantile (1 = max)',
  ],
] as const satisfies readonly Figure<string>[];

/** An `EventQueries`' figures. @internal */
export const QUERY_FIGURES = [
  [
    'reads',
    'eventrail.query.reads',
    'counter',
    '{read}',
    'Reads answered, from the database or the cache',
  ],
  [
    'failedReads',
    'eventrail.query.failed_reads',
    'counter',
    '{read}',
    'Reads that failed in the database',
  ],
  [
    'cacheHits',
    'eventrail.query.cache.hits',
    'counter',
    '{read}',
    'Aggregates served from the cache',
  ],
  [
    'cacheMisses',
    'eventrail.query.cache.misses',
    'counter',
    '{read}',
    'Aggregates computed while a cache is set',
  ],
  [
    'cacheErrors',
    'eventrail.query.cache.errors',
    'counter',
    '{error}',
    'Failures of the cache store (error events)',
  ],
  [
    'readDurationMs',
    'eventrail.query.read.duration',
    'durations',
    's',
    'Read durations, latest 1000, by quantile (1 = max)',
  ],
] as const satisfies readonly Figure<string>[];

/** An `Inbox`'s figures. @internal */
export const INBOX_FIGURES = [
  [
    'handled',
    'eventrail.inbox.handled',
    'counter',
    '{event}',
    'Events whose work ran (first seen)',
  ],
  [
    'duplicates',
    'eventrail.inbox.duplicates',
    'counter',
    '{event}',
    'Redeliveries whose work did not run again',
  ],
] as const satisfies readonly Figure<string>[];

/** A `MaintenanceTimer`'s figures. @internal */
export const MAINTENANCE_FIGURES = [
  ['runs', 'eventrail.maintenance.runs', 'counter', '{run}', 'Runs that did the work'],
  [
    'skippedRuns',
    'eventrail.maintenance.skipped_runs',
    'counter',
    '{run}',
    'Runs that found another instance at work',
  ],
  ['failedRuns', 'eventrail.maintenance.failed_runs', 'counter', '{run}', 'Runs that failed'],
  [
    'partitionsCreated',
    'eventrail.maintenance.partitions.created',
    'counter',
    '{partition}',
    'Partitions created',
  ],
  [
    'partitionsDropped',
    'eventrail.maintenance.partitions.dropped',
    'counter',
    '{partition}',
    'Expired partitions dropped',
  ],
  [
    'partitionsDeferred',
    'eventrail.maintenance.partitions.deferred',
    'counter',
    '{partition}',
    'Partition changes put off by a busy lock',
  ],
  [
    'rowsMoved',
    'eventrail.maintenance.rows.moved',
    'counter',
    '{row}',
    'Rows moved out of the default partition',
  ],
  [
    'defaultRowsExpired',
    'eventrail.maintenance.rows.expired',
    'counter',
    '{row}',
    'Expired rows deleted from the default partition',
  ],
  [
    'outboxRowsPurged',
    'eventrail.maintenance.outbox.purged',
    'counter',
    '{row}',
    'Published outbox rows deleted',
  ],
  [
    'inboxRowsPurged',
    'eventrail.maintenance.inbox.purged',
    'counter',
    '{row}',
    'Consumer inbox records deleted',
  ],
  [
    'lastRunAtMs',
    'eventrail.maintenance.last_run.time',
    'gauge',
    's',
    'When the last run that did the work ended (Unix time; 0 before the first)',
  ],
  [
    'runInProgress',
    'eventrail.maintenance.run_in_progress',
    'gauge',
    '1',
    'Whether a run is going on (1) or not (0)',
  ],
  [
    'runDurationMs',
    'eventrail.maintenance.run.duration',
    'durations',
    's',
    'Run durations, by quantile (1 = max)',
  ],
] as const satisfies readonly Figure<string>[];

/** An `OutboxPublisher`'s own figures (its table's backlog, one query, is apart). @internal */
export const PUBLISHER_FIGURES = [
  ['inFlight', 'eventrail.outbox.in_flight', 'upDown', '{event}', 'Claimed, not yet settled'],
  ['published', 'eventrail.outbox.published', 'counter', '{event}', 'Events published'],
  [
    'retried',
    'eventrail.outbox.retried',
    'counter',
    '{event}',
    'Events scheduled for another attempt',
  ],
  ['failed', 'eventrail.outbox.failed', 'counter', '{event}', 'Events marked failed'],
  [
    'leaseLost',
    'eventrail.outbox.lease_lost',
    'counter',
    '{event}',
    'Events whose lease was taken over',
  ],
  ['released', 'eventrail.outbox.released', 'counter', '{event}', 'Events handed back by close()'],
  ['batches', 'eventrail.outbox.batches', 'counter', '{batch}', 'Claims that returned rows'],
  [
    'errors',
    'eventrail.outbox.errors',
    'counter',
    '{error}',
    'Faults of claims, settlements and LISTEN (error events)',
  ],
  [
    'listening',
    'eventrail.outbox.listening',
    'gauge',
    '1',
    'Whether LISTEN is connected (1) or not (0)',
  ],
  [
    'publishLatencyMs',
    'eventrail.outbox.publish.lag',
    'durations',
    's',
    'published_at − created_at, latest 1000 events, by quantile (1 = max)',
  ],
] as const satisfies readonly Figure<string>[];

/** The keys a part's `metrics()` must have for a table of figures. @internal */
export type FiguresOf<T extends readonly Figure<string>[]> = T[number][0];

/** A `Consumer` member's figures (this process's). @internal */
export const CONSUMER_FIGURES = [
  ['handled', 'eventrail.consumer.handled', 'counter', '{event}', 'Events handled and committed'],
  ['batches', 'eventrail.consumer.batches', 'counter', '{batch}', 'Transactions committed'],
  [
    'retries',
    'eventrail.consumer.retries',
    'counter',
    '{attempt}',
    'Failed handler calls tried again',
  ],
  ['parked', 'eventrail.consumer.parked', 'counter', '{event}', 'Events parked in dead_letters'],
  [
    'leaseLost',
    'eventrail.consumer.lease_lost',
    'counter',
    '{partition}',
    'Batches rolled back because their partition was taken by another member',
  ],
  ['errors', 'eventrail.consumer.errors', 'counter', '{error}', 'Faults (error events)'],
  [
    'partitionsOwned',
    'eventrail.consumer.partitions',
    'upDown',
    '{partition}',
    'Partitions this member holds',
  ],
  [
    'lagEvents',
    'eventrail.consumer.lag.events',
    'gauge',
    '{event}',
    "Events of this member's partitions not yet handled (up to 10,000)",
  ],
  ['lagMs', 'eventrail.consumer.lag.time', 'gauge', 's', 'Age of the oldest event not yet handled'],
  [
    'listening',
    'eventrail.consumer.listening',
    'gauge',
    '1',
    'Whether LISTEN is connected (1) or not (0)',
  ],
  [
    'handleDurationMs',
    'eventrail.consumer.handle.duration',
    'durations',
    's',
    'Handler durations per batch, latest 1000, by quantile (1 = max)',
  ],
] as const satisfies readonly Figure<string>[];
