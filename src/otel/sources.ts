/**
 * What `instrument()` observes, as structural types: the otel entry imports no other backend,
 * so anything with the right `metrics()` and `on()` can be observed (an `EventLogger`, an
 * `OutboxPublisher`, an `EventStream`, a `MaintenanceTimer`, an `EventsApi`, an `EventQueries`,
 * an `Inbox`, a `Consumer`, a `RabbitMQSink` or `NatsSink`).
 */

import type { DurationSummary } from '../lifecycle/durations.js';
import type { SinkMetrics } from '../logger/metrics.js';

/** The part of an event emitter `instrument()` listens on (eventemitter3's `on`/`off`). */
export interface BatchEmitter<TInfo> {
  on(event: 'batch', listener: (info: TInfo) => void): unknown;
  off(event: 'batch', listener: (info: TInfo) => void): unknown;
}

/** An `EventLogger`, as far as `instrument()` needs it. */
export interface ObservedLogger
  extends BatchEmitter<{
    readonly sink: string;
    readonly size: number;
    readonly durationMs: number;
  }> {
  metrics(): {
    readonly accepted: number;
    readonly rejected: number;
    readonly sinks: Readonly<Record<string, SinkMetrics>>;
  };
}

/** An `OutboxPublisher`, as far as `instrument()` needs it. */
export interface ObservedPublisher
  extends BatchEmitter<{ readonly size: number; readonly durationMs: number }> {
  /** The publisher's own counters (synchronous). */
  metrics(): {
    readonly published: number;
    readonly retried: number;
    readonly failed: number;
    readonly leaseLost: number;
    readonly released: number;
    readonly batches: number;
    readonly inFlight: number;
    readonly errors: number;
    readonly publishLatencyMs: DurationSummary;
    readonly listening: boolean;
  };
  /** The table's backlog (one query). */
  stats(): Promise<{ readonly pending: number; readonly oldestPendingAgeMs: number }>;
}

/** The messaging system and destination a broker sink publishes to, in semconv terms. */
export interface MessagingTarget {
  /** `messaging.system`, e.g. `rabbitmq`. */
  readonly system: string;
  /** `messaging.destination.name`: the exchange, topic or subject. */
  readonly destination: string;
}

/**
 * A broker sink (a `RabbitMQSink`, a `NatsSink`), as far as `instrument()` needs it. Each names
 * the outcomes of its messages in its own system's words; either set of counters is read.
 */
export interface ObservedBrokerSink {
  readonly name: string;
  readonly messaging: MessagingTarget;
  metrics(): {
    /** Messages the broker confirmed (RabbitMQ) or JetStream acknowledged (NATS). */
    readonly confirmed: number;
    /** Messages the broker refused. */
    readonly nacked: number;
    /** Mandatory messages the broker returned as unroutable (RabbitMQ). */
    readonly returned?: number;
    /** Messages whose confirm never came (RabbitMQ). */
    readonly unconfirmed?: number;
    /** Messages not acknowledged in time (NATS): unconfirmed. */
    readonly timedOut?: number;
    /** Messages whose ack was cut short (NATS): unconfirmed. */
    readonly lost?: number;
    /** Times the broker blocked the connection (RabbitMQ only). */
    readonly blocked?: number;
    /** Milliseconds the broker kept the connection blocked (RabbitMQ only). */
    readonly blockedMs?: number;
    readonly connects?: number;
    readonly disconnects?: number;
  };
}

/** An `EventStream`, as far as `instrument()` needs it. */
export interface ObservedStream {
  metrics(): {
    readonly subscribers: number;
    readonly delivered: number;
    readonly lagged: number;
    readonly reads: number;
    readonly errors: number;
    readonly listening: boolean;
    readonly readDurationMs: DurationSummary;
  };
}

/** A `MaintenanceTimer`, as far as `instrument()` needs it. */
export interface ObservedMaintenance {
  metrics(): {
    readonly runs: number;
    readonly skippedRuns: number;
    readonly failedRuns: number;
    readonly partitionsCreated: number;
    readonly partitionsDropped: number;
    readonly partitionsDeferred: number;
    readonly rowsMoved: number;
    readonly defaultRowsExpired: number;
    readonly outboxRowsPurged: number;
    readonly inboxRowsPurged: number;
    readonly lastRunAtMs: number;
    readonly runInProgress: boolean;
    readonly runDurationMs: DurationSummary;
  };
}

/** An `EventsApi`, as far as `instrument()` needs it. */
export interface ObservedApi {
  metrics(): {
    readonly requests: number;
    readonly responses: Readonly<Record<'2xx' | '4xx' | '5xx', number>>;
    readonly errors: number;
    readonly openStreams: number;
    readonly streamsOpened: number;
    readonly requestDurationMs: DurationSummary;
  };
}

/** An `EventQueries`, as far as `instrument()` needs it. */
export interface ObservedQueries {
  metrics(): {
    readonly reads: number;
    readonly failedReads: number;
    readonly cacheHits: number;
    readonly cacheMisses: number;
    readonly cacheErrors: number;
    readonly readDurationMs: DurationSummary;
  };
}

/** A `Consumer` (one member: this process), as far as `instrument()` needs it. */
export interface ObservedConsumer {
  metrics(): {
    readonly handled: number;
    readonly batches: number;
    readonly retries: number;
    readonly parked: number;
    readonly leaseLost: number;
    readonly errors: number;
    readonly partitionsOwned: number;
    readonly lagEvents: number;
    readonly lagMs: number;
    readonly listening: boolean;
    readonly handleDurationMs: DurationSummary;
  };
}

/** An `Inbox`, as far as `instrument()` needs it. */
export interface ObservedInbox {
  metrics(): { readonly handled: number; readonly duplicates: number };
}

/**
 * A sink of a logger or publisher: every eventrail sink is accepted. A broker sink (with
 * `messaging` and its own `metrics()`) adds the broker's view of its messages; the delivery
 * figures of every sink (written, retries, batches) are its logger's per-sink instruments.
 */
export interface ObservedSink {
  readonly name: string;
  readonly messaging?: MessagingTarget;
  metrics?(): unknown;
}
