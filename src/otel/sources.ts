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
  /** Starts listening to the `batch` events. */
  on(event: 'batch', listener: (info: TInfo) => void): unknown;
  /** Stops listening to them. */
  off(event: 'batch', listener: (info: TInfo) => void): unknown;
}

/** An `EventLogger`, as far as `instrument()` needs it. */
export interface ObservedLogger
  extends BatchEmitter<{
    /** The sink written to. */
    readonly sink: string;
    /** Events in the batch. */
    readonly size: number;
    /** How long the write took, in milliseconds. */
    readonly durationMs: number;
  }> {
  /** The logger's figures, as `instrument()` reads them. */
  metrics(): {
    /** Events that passed validation. */
    readonly accepted: number;
    /** Calls refused with a ValidationError. */
    readonly rejected: number;
    /** Per sink, by sink name. */
    readonly sinks: Readonly<Record<string, SinkMetrics>>;
  };
}

/** An `OutboxPublisher`, as far as `instrument()` needs it. */
export interface ObservedPublisher
  extends BatchEmitter<{
    /** Events in the batch. */
    readonly size: number;
    /** How long the batch took from claim to settlement, in milliseconds. */
    readonly durationMs: number;
  }> {
  /** The publisher's own counters (synchronous). */
  metrics(): {
    /** Events this publisher published since it was created. */
    readonly published: number;
    /** Events this publisher scheduled for another attempt after a failure. */
    readonly retried: number;
    /** Events this publisher marked `failed` (retries exhausted, or refused as invalid data). */
    readonly failed: number;
    /** Events whose lease had been taken over by the time this publisher settled them. */
    readonly leaseLost: number;
    /** Events handed back untouched (by `close()` at its deadline, or a claim given up). */
    readonly released: number;
    /** Claims that returned rows. */
    readonly batches: number;
    /** Events claimed and not yet settled. */
    readonly inFlight: number;
    /**
     * Faults emitted as `error` (an `OutboxPublisherError`): claims, settlements or LISTEN attempts
     * that failed or got no answer in time, and publish cycles that failed unexpectedly.
     */
    readonly errors: number;
    /**
     * `published_at − created_at` of the events this publisher published, in milliseconds (commit
     * to publish, plus the writer's own time before commit); percentiles of the latest 1000.
     */
    readonly publishLatencyMs: DurationSummary;
    /**
     * Whether the LISTEN connection is up (always false with `listen: false` or a plain Client).
     */
    readonly listening: boolean;
  };
  /** The table's backlog (one query). */
  stats(): Promise<{
    /** Rows waiting to be published. */
    readonly pending: number;
    /** Age of the oldest of them, in milliseconds (0 when none). */
    readonly oldestPendingAgeMs: number;
  }>;
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
  /** The sink's name, as in its logger's metrics. */
  readonly name: string;
  /** The messaging system and destination it publishes to. */
  readonly messaging: MessagingTarget;
  /** Its figures, as `instrument()` reads them. */
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
    /** Connections opened (the first and every reconnect). */
    readonly connects?: number;
    /** Connections lost. */
    readonly disconnects?: number;
  };
}

/** An `EventStream`, as far as `instrument()` needs it. */
export interface ObservedStream {
  /** Its figures, as `instrument()` reads them. */
  metrics(): {
    /** Subscriptions open now, reading their history or live. */
    readonly subscribers: number;
    /** Events taken by subscribers since the stream was made (one per event and subscriber). */
    readonly delivered: number;
    /** Subscribers ended with a `SubscriberLaggedError` for falling `bufferSize` events behind. */
    readonly lagged: number;
    /**
     * Shared reads done (each reads up to `readSize` rows after the head, for every subscriber).
     */
    readonly reads: number;
    /** Faults reported as `error` events: failed shared reads, `onReady` callbacks that threw. */
    readonly errors: number;
    /**
     * Whether the LISTEN connection is up (always false with `listen: false` or a plain Client).
     */
    readonly listening: boolean;
    /** Duration of each shared read, in milliseconds. */
    readonly readDurationMs: DurationSummary;
  };
}

/** A `MaintenanceTimer`, as far as `instrument()` needs it. */
export interface ObservedMaintenance {
  /** Its figures, as `instrument()` reads them. */
  metrics(): {
    /** Runs that did the work (held the lock). */
    readonly runs: number;
    /** Runs that found another instance holding the lock and changed nothing. */
    readonly skippedRuns: number;
    /** Runs that failed (a scheduled one is also emitted as an `error` event). */
    readonly failedRuns: number;
    /** Daily partitions made ahead. */
    readonly partitionsCreated: number;
    /** Expired partitions dropped. */
    readonly partitionsDropped: number;
    /** Partition changes put off to a later run because a lock was busy. */
    readonly partitionsDeferred: number;
    /** Rows moved out of the default partition. */
    readonly rowsMoved: number;
    /** Expired rows deleted from the default partition. */
    readonly defaultRowsExpired: number;
    /** Published outbox rows deleted. */
    readonly outboxRowsPurged: number;
    /** Consumer inbox records deleted. */
    readonly inboxRowsPurged: number;
    /** When the last run that did the work ended, in epoch milliseconds; 0 before the first. */
    readonly lastRunAtMs: number;
    /** Whether a run is going on now. */
    readonly runInProgress: boolean;
    /** How long the runs that did the work took, in milliseconds. */
    readonly runDurationMs: DurationSummary;
  };
}

/** An `EventsApi`, as far as `instrument()` needs it. */
export interface ObservedApi {
  /** Its figures, as `instrument()` reads them. */
  metrics(): {
    /** Requests received; those not yet in `responses` are being answered. */
    readonly requests: number;
    /** Responses made, by status class. */
    readonly responses: Readonly<Record<'2xx' | '4xx' | '5xx', number>>;
    /** Routes that failed unexpectedly (answered 500, each an `error` event). */
    readonly errors: number;
    /** SSE responses open now. */
    readonly openStreams: number;
    /** SSE responses opened since the API was made. */
    readonly streamsOpened: number;
    /**
     * Time from a request to its response, in milliseconds, of every route but the SSE stream
     * (whose response lasts as long as the client stays): the JSON body is made by then.
     */
    readonly requestDurationMs: DurationSummary;
  };
}

/** An `EventQueries`, as far as `instrument()` needs it. */
export interface ObservedQueries {
  /** Its figures, as `instrument()` reads them. */
  metrics(): {
    /** Reads answered (a page, summaries or an aggregate), from the database or the cache. */
    readonly reads: number;
    /** Reads that failed in the database (input refused before any SQL runs is not counted). */
    readonly failedReads: number;
    /** Aggregates served from the cache store. */
    readonly cacheHits: number;
    /** Aggregates the database computed while a cache store is set (then stored). */
    readonly cacheMisses: number;
    /** Failures of the cache store, each also an `error` event. */
    readonly cacheErrors: number;
    /** How long the answered reads took, in milliseconds. */
    readonly readDurationMs: DurationSummary;
  };
}

/** A `Consumer` (one member: this process), as far as `instrument()` needs it. */
export interface ObservedConsumer {
  /** Its figures, as `instrument()` reads them. */
  metrics(): {
    /** Events the handler handled and this member committed (parked ones not included). */
    readonly handled: number;
    /** Transactions this member committed with the handler's work (one partition each). */
    readonly batches: number;
    /** Failed handler calls that were tried again (a batch, then each of its events alone). */
    readonly retries: number;
    /** Events this member parked in `dead_letters` (failing ones and those behind them). */
    readonly parked: number;
    /** Partitions whose lease this member found taken by another when committing (rolled back). */
    readonly leaseLost: number;
    /** Faults emitted as `error`. */
    readonly errors: number;
    /** Partitions this member holds now. */
    readonly partitionsOwned: number;
    /**
     * Events of this member's partitions committed and not yet handled, as of its last heartbeat
     * (counted up to 10,000: at least this many beyond).
     */
    readonly lagEvents: number;
    /** Age of the oldest of them, in milliseconds, as of the last heartbeat (0 when none). */
    readonly lagMs: number;
    /** Whether the LISTEN connection is up (false with `listen: false`). */
    readonly listening: boolean;
    /** How long the handler took per batch, in milliseconds; percentiles of the latest 1000. */
    readonly handleDurationMs: DurationSummary;
  };
}

/** An `Inbox`, as far as `instrument()` needs it. */
export interface ObservedInbox {
  /** Its figures, as `instrument()` reads them. */
  metrics(): {
    /** Events whose work ran (first seen). */
    readonly handled: number;
    /** Events seen before (redeliveries), whose work did not run again. */
    readonly duplicates: number;
  };
}

/**
 * A sink of a logger or publisher: every eventrail sink is accepted. A broker sink (with
 * `messaging` and its own `metrics()`) adds the broker's view of its messages; the delivery
 * figures of every sink (written, retries, batches) are its logger's per-sink instruments.
 */
export interface ObservedSink {
  /** The sink's name, as in its logger's metrics. */
  readonly name: string;
  /** The messaging system and destination a broker sink publishes to. */
  readonly messaging?: MessagingTarget;
  /** A broker sink's own figures. */
  metrics?(): unknown;
}

/**
 * A replication slot of the WAL transport, as far as `instrument()` needs it: anything with a
 * `slotStatus()` (the relay, or `{ slotStatus: () => slotStatus({ db, slot }) }` with the
 * function of `eventrail/postgres`). Nullable figures are not observed when null.
 */
export interface ObservedSlot {
  /** The slot's figures (one query). */
  slotStatus(): Promise<{
    /** The slot's name. */
    readonly slot: string;
    /** WAL written since the confirmed position, in bytes. */
    readonly lagBytes: number | null;
    /** WAL the server keeps for the slot, in bytes. */
    readonly retainedBytes: number | null;
    /** The lag Postgres measured for the slot's reader, in seconds. */
    readonly lagSeconds: number | null;
  }>;
}
