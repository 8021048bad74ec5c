import type { EventRecord } from './event/types.js';

/**
 * Base class of every error eventrail throws or emits. `code` is stable and meant for programs;
 * `message` is for people. The error that caused this one, if any, is kept as `cause`.
 */
export class EventrailError extends Error {
  /**
   * Stable identifier of what went wrong, for programs to branch on (e.g. `VALIDATION_UNKNOWN`,
   * `CLOSED`).
   */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Why a value was refused; the `code` of a {@link ValidationError}. */
export type ValidationCode =
  /** A required field is missing or empty. */
  | 'VALIDATION_REQUIRED'
  /** A key that is not an option or field of the object it is in (a typo); the message names the closest one. */
  | 'VALIDATION_UNKNOWN'
  /** A field has the wrong type (a number where a string belongs, an array as payload, ...). */
  | 'VALIDATION_TYPE'
  /** A value is outside its allowed range or format (a non-UUID id, priority 300, limit 10000). */
  | 'VALIDATION_RANGE'
  /** A payload value that JSON cannot represent faithfully (BigInt, function, cycle, NaN, Map). */
  | 'VALIDATION_NOT_JSON'
  /** A string with a \u0000 character or a lone surrogate, which Postgres refuses to store. */
  | 'VALIDATION_BAD_STRING'
  /** The serialized payload is larger than `maxPayloadBytes`. */
  | 'VALIDATION_TOO_LARGE'
  /** The payload is nested deeper than 1000 levels of objects and arrays. */
  | 'VALIDATION_TOO_DEEP'
  /** Reading the value threw (a getter, a `toJSON`, a proxy trap) or gave a different answer each time. */
  | 'VALIDATION_UNREADABLE'
  /** The payload does not match the schema of its type in the event catalog. */
  | 'VALIDATION_SCHEMA';

/**
 * Bad input: an event field, a query parameter or a constructor option. Thrown (or returned as a
 * rejected promise) before anything is queued or sent, so nothing else is affected.
 */
export class ValidationError extends EventrailError {
  /** Why the value was refused. */
  declare readonly code: ValidationCode;
  /** Path of the offending field, e.g. `userId`, `payload.items[2].price`, `options.flushSize`. */
  readonly field: string;

  constructor(field: string, code: ValidationCode, message: string, options?: { cause?: unknown }) {
    super(code, `${field}: ${message}`, options);
    this.field = field;
  }
}

/**
 * A part was used after its `close()` began: `logEvent` on a closed logger, `subscribe` on a
 * closed stream, `start()` on a closed publisher. Make a new one instead.
 */
export class ClosedError extends EventrailError {
  /** The class of the closed part, e.g. `EventLogger`. */
  readonly part: string;

  constructor(part: string, detail = 'it accepts no more work; make a new one') {
    super('CLOSED', `the ${part} is closed: ${detail}`);
    this.part = part;
  }
}

/**
 * A sink failed to write a batch and gave up (after retries where the error was transient).
 * Emitted as the `error` event of the logger; the events themselves went to the fallback sink.
 */
export class SinkWriteError extends EventrailError {
  /** Name of the sink that failed. */
  readonly sink: string;
  /** How many events the failed write carried (as `size` in the logger's `batch` event). */
  readonly size: number;

  constructor(sink: string, size: number, cause: unknown) {
    super('SINK_WRITE', `sink "${sink}" failed to write ${size} event(s): ${describe(cause)}`, {
      cause,
    });
    this.sink = sink;
    this.size = size;
  }
}

/**
 * Thrown by a sink whose write succeeded for some events of a batch and failed for the others (a
 * broker that confirmed some messages and refused or returned the rest). The logger counts the
 * others as written and deals with `failed` alone, as the kind of `cause` says (retry, isolate,
 * or fallback).
 */
export class PartialWriteError extends EventrailError {
  /** The events that were not written, a subset of the batch. */
  readonly failed: readonly EventRecord[];

  constructor(failed: readonly EventRecord[], cause: unknown) {
    super(
      'PARTIAL_WRITE',
      `${failed.length} event(s) of the batch were not written: ${describe(cause)}`,
      {
        cause,
      },
    );
    this.failed = failed;
  }
}

/**
 * A write did not finish within `writeTimeoutMs` (or, in the outbox publisher, within the
 * lease). Treated as transient and retried.
 */
export class WriteTimeoutError extends EventrailError {
  /** The sink whose write was cut short. */
  readonly sink: string;
  /** The time the write had, in milliseconds. */
  readonly timeoutMs: number;

  constructor(sink: string, timeoutMs: number) {
    super('WRITE_TIMEOUT', `sink "${sink}" did not finish a write within ${timeoutMs} ms`);
    this.sink = sink;
    this.timeoutMs = timeoutMs;
  }
}

/** Migrations could not be applied or rolled back (a changed migration file, a failed statement). */
export class MigrationError extends EventrailError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MIGRATION', message, options);
  }
}

/**
 * A table eventrail needs is not in the database: its migrations were not run there, in that
 * schema, or not all of them (the tables of a newer version are missing). Postgres said
 * `relation "eventrail.event_logs" does not exist` (SQLSTATE 42P01) or `schema "eventrail" does
 * not exist` (3F000), kept as `cause`; the message adds what to run: `npx eventrail migrate
 * --url …` (with `--schema` when it is not `eventrail`), or `await migrate({ db })` at start. A
 * write that meets it is not retried (permanent): the logger hands the batch to its fallback and
 * emits it inside a {@link SinkWriteError}.
 */
export class NotMigratedError extends EventrailError {
  /**
   * What Postgres did not find: a relation (`eventrail.event_logs`), or the schema itself
   * (`eventrail`) when none of eventrail's tables is there.
   */
  readonly missing: string;
  /** The Postgres schema eventrail's tables were looked for in, e.g. `eventrail`. */
  readonly schema: string;

  constructor(schema: string, missing: string, cause: unknown) {
    const flag = schema === 'eventrail' ? '' : ` --schema ${schema}`;
    super(
      'NOT_MIGRATED',
      `${describe(cause)}: eventrail's tables are not migrated in this database; run \`npx eventrail migrate --url <database URL>${flag}\` (or \`await migrate({ db })\` at start)`,
      { cause },
    );
    this.missing = missing;
    this.schema = schema;
  }
}

/**
 * A short description of any thrown value. Total: a value whose `message` getter or `String()`
 * throws (a null-prototype object, a hostile proxy) is described by its type instead. @internal
 */
export function describe(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : String(error);
  } catch {
    try {
      return Object.prototype.toString.call(error);
    } catch {
      return `a thrown ${typeof error} that cannot be described`;
    }
  }
}

/**
 * A position (a cursor, a consumer's checkpoint, a replay's resume point) or a time is older than
 * what retention kept: `maintain` removed events after it, which a read from there would skip
 * without a word. Nothing is read; start again at or after `oldestAt` (or from `'start'`, which
 * means "everything still kept").
 */
export class CursorExpiredError extends EventrailError {
  /** Every event created before this may be gone; none created at or after it was removed. */
  readonly oldestAt: Date;

  constructor(what: string, oldestAt: Date) {
    super(
      'CURSOR_EXPIRED',
      `${what} is older than what retention kept: events after it were removed; start at or after ${oldestAt.toISOString()}`,
    );
    this.oldestAt = oldestAt;
  }
}

/**
 * `close()` reached its deadline (or its signal aborted): the abort reason of the writes it cut
 * short. The logger hands what was left to the fallback sink; the outbox publisher releases the
 * rows in flight to other publishers.
 */
export class CloseTimeoutError extends EventrailError {
  constructor(timeoutMs: number | undefined) {
    super(
      'CLOSE_TIMEOUT',
      timeoutMs === undefined
        ? 'close() was aborted before everything was written'
        : `close() did not finish writing within ${timeoutMs} ms`,
    );
  }
}

/**
 * What an {@link OutboxPublisherError} was doing: claiming rows, settling them, keeping the
 * LISTEN connection, or anything else in a publish cycle (`publish`: a fault of a sink or of
 * eventrail itself that escaped the usual handling).
 */
export type OutboxOperation = 'claim' | 'settle' | 'listen' | 'publish';

/**
 * A fault in the outbox publisher's background work: it could not reach its table or its
 * LISTEN connection (or the database did not answer in time), or a publish cycle failed
 * unexpectedly. Emitted as the publisher's `error` event and counted in `metrics().errors`,
 * never thrown: the publisher keeps polling, and rows it could not settle come back when their
 * lease expires. The underlying error is the `cause`.
 */
export class OutboxPublisherError extends EventrailError {
  /**
   * What the publisher was doing: `claim`, `settle` or `listen` for a database fault, `publish` for
   * a cycle that failed unexpectedly.
   */
  readonly operation: OutboxOperation;

  constructor(operation: OutboxOperation, cause: unknown) {
    super('OUTBOX_PUBLISHER', `outbox ${operation} failed: ${describe(cause)}`, { cause });
    this.operation = operation;
  }
}

/**
 * A run of a `MaintenanceTimer` failed: a scheduled one is emitted on the timer's `error` event
 * (the next run tries again), one asked for by `runNow()` rejects with it. The driver's error is
 * the `cause`.
 */
export class MaintenanceError extends EventrailError {
  constructor(cause: unknown) {
    super('MAINTENANCE_FAILED', `event_logs maintenance failed: ${describe(cause)}`, { cause });
  }
}

/**
 * A `RollupWorker` step failed (a fold, a day of its build); it is tried again after
 * `pollIntervalMs`. Reads stay exact meanwhile: they read the events not folded in raw.
 * Emitted as the worker's `error` event; the database's error is the `cause`.
 */
export class RollupError extends EventrailError {
  constructor(cause: unknown) {
    super('ROLLUP_FAILED', `rollup maintenance failed: ${describe(cause)}`, { cause });
  }
}

/** What the aggregate cache was doing when its store failed: reading, storing, or parsing an entry. */
export type QueryCacheOperation = 'get' | 'set' | 'parse';

/**
 * The cache store of an `EventQueries` failed (Redis unreachable, an entry that does not parse).
 * Emitted on the query object's `error` event and counted in `metrics().cacheErrors`, never
 * thrown: the database answered the read instead. The store's error is the `cause`.
 */
export class QueryCacheError extends EventrailError {
  /** What the cache was doing when its store failed. */
  readonly operation: QueryCacheOperation;

  constructor(operation: QueryCacheOperation, cause: unknown) {
    super('QUERY_CACHE', `aggregate cache ${operation} failed: ${describe(cause)}`, { cause });
    this.operation = operation;
  }
}

/** Why a {@link ConsumerError} was raised. */
export type ConsumerErrorCode =
  /**
   * The consumer exists with another number of partitions: they are fixed when it is first
   * created (from `start()`, refused).
   */
  | 'CONSUMER_PARTITIONS_MISMATCH'
  /**
   * Another `Consumer` of this name runs with the same `member` id (seen alive within
   * `leaseMs`): two instances of one id would both pass the fence (from `start()`, refused).
   */
  | 'CONSUMER_MEMBER_TAKEN'
  /**
   * A fault of the consumer's background work: reading events, its leases, its heartbeat, its
   * LISTEN connection (emitted; the consumer retries). The driver's error is the `cause`.
   */
  | 'CONSUMER_DATABASE'
  /**
   * The handler failed on an event after its retries: the event was parked in `dead_letters`
   * (emitted once per parked event). The handler's error is the `cause`.
   */
  | 'CONSUMER_PARKED'
  /**
   * Dead letters asked back (`eventrail dead-letters retry`) whose events retention had
   * removed: they were removed unhandled (emitted once per run that met any, the count in the
   * message).
   */
  | 'CONSUMER_DEAD_LETTERS_EXPIRED';

/**
 * A durable `Consumer` refused to start (`start()` rejects) or met a fault in the background
 * (its `error` event; it goes on). A checkpoint older than what retention kept is a
 * {@link CursorExpiredError} instead.
 */
export class ConsumerError extends EventrailError {
  /** Why the consumer refused to start or what failed in the background. */
  declare readonly code: ConsumerErrorCode;
  /** The consumer's name. */
  readonly consumer: string;

  constructor(
    code: ConsumerErrorCode,
    consumer: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, `consumer '${consumer}': ${message}`, options);
    this.consumer = consumer;
  }
}
