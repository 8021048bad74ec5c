/**
 * What the broker sinks (`RabbitMQSink`, `NatsSink`) share beyond their writes: the options
 * they both have (the reconnect backoff's defaults among them), the shape and the steps of their
 * `close()`, and their lifecycle messages.
 */
import { settledWithin, shutdownBudget } from '../async/wait.js';
import { ValidationError } from '../errors.js';
import { Closer, type CloseSummary, closeTimeoutSpec, type Deadline } from '../lifecycle/close.js';
import {
  type LifecycleLevel,
  type LifecycleLog,
  lifecycle,
  logErrors,
  logSpec,
} from '../lifecycle/log.js';
import type { Refine } from '../options/schema.js';
import { custom, integer, type Spec, text } from '../options/spec.js';
import { type Backoff, backoffSpec } from '../retry/backoff.js';

/** What a broker sink's `close()` resolves with. */
export interface BrokerSinkCloseSummary extends CloseSummary {
  /**
   * Messages published whose confirm (RabbitMQ) or ack (NATS) had not come back when the close
   * stopped waiting: the broker may or may not have stored them. 0 unless `timedOut`.
   */
  readonly unconfirmed: number;
}

/** The reconnect backoff of both broker sinks when nothing else is said. */
const RECONNECT: Backoff = Object.freeze({
  retries: Number.POSITIVE_INFINITY,
  minDelayMs: 100,
  maxDelayMs: 10_000,
  factor: 2,
  jitter: 'equal',
});

/**
 * The specs of the options both broker sinks have: `name` (its default `sinkName`),
 * `reconnect`, `connectTimeoutMs`, `closeTimeoutMs` and `log`. @internal
 */
export function brokerSinkSpecs(sinkName: string) {
  return {
    name: text().default(sinkName),
    reconnect: backoffSpec(RECONNECT),
    connectTimeoutMs: integer({ min: 1 }).default(3000),
    closeTimeoutMs: closeTimeoutSpec(),
    log: logSpec(),
  };
}

/**
 * The rule of a broker sink's two ways to connect: `key` (where the sink connects by itself)
 * or `connection` (the host's), exactly one of them. @internal
 */
export function oneConnectionRule<T extends { readonly connection?: unknown }>(
  key: keyof T & string,
): Refine<T> {
  return (resolved, _given, field) => {
    if ((resolved[key] === undefined) === (resolved.connection === undefined)) {
      throw new ValidationError(
        `${field}.${key}`,
        'VALIDATION_REQUIRED',
        `give either ${key} or connection`,
      );
    }
    return resolved;
  };
}

/** An option the driver reads (socket options, connect options): an object, passed on as it is. @internal */
export function driverOptionsSpec<T>(what: string, doc = '{}'): Spec<T | undefined> {
  return custom(`an object of ${what}`, (value, field) => {
    if (typeof value !== 'object' || value === null) {
      throw new ValidationError(field, 'VALIDATION_TYPE', `must be an object of ${what}`);
    }
    return value as T;
  }).optional(doc);
}

/** A connection the host opened with the driver, told by a method it has. @internal */
export function driverConnectionSpec<T>(method: string, what: string): Spec<T | undefined> {
  return custom(what, (value, field) => {
    if (typeof (value as Record<string, unknown> | null)?.[method] !== 'function') {
      throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${what}`);
    }
    return value as T;
  }).optional();
}

/** The steps of a broker sink's close, in order (see {@link BrokerCloser}). @internal */
export interface BrokerClose {
  /** Refuses writes from now on (waiting ones fail at once). */
  stop(): void;
  /** The sink's writes in flight, waited for. */
  readonly inFlight: ReadonlySet<Promise<unknown>>;
  /** Messages published and awaiting the broker's answer, now. */
  awaiting(): number;
  /** Closes what the sink opened (channel, inbox, connection), as far as the broker answers. */
  release(): Promise<void>;
  /** Drops what `release` could not close in time (its sockets), so that nothing lingers. */
  abandon(): void;
}

/**
 * A broker sink's `close()`: options checked, one run under one deadline, the same promise on
 * every call. The run stops the sink, waits for the answers to writes in flight (all but a
 * reserve of the deadline, kept for closing the connection), counts the messages still
 * unanswered, then releases the connection; what does not close by the deadline is abandoned.
 * Never rejects but at once, for bad options. @internal
 */
export class BrokerCloser {
  readonly #closer: Closer<BrokerSinkCloseSummary>;
  readonly #steps: BrokerClose;

  constructor(closeTimeoutMs: number, steps: BrokerClose) {
    this.#closer = new Closer(closeTimeoutMs);
    this.#steps = steps;
  }

  /** Whether `close()` has been called (and accepted). */
  get closed(): boolean {
    return this.#closer.closed;
  }

  close(options: unknown): Promise<BrokerSinkCloseSummary> {
    return this.#closer.close(options, (deadline) => this.#run(deadline));
  }

  async #run(deadline: Deadline): Promise<BrokerSinkCloseSummary> {
    const steps = this.#steps;
    steps.stop();
    const { workMs } = shutdownBudget(deadline.remainingMs);
    const drained = await settledWithin(Promise.allSettled(steps.inFlight), {
      timeoutMs: workMs,
      signal: deadline.signal,
    });
    const unconfirmed = drained ? 0 : steps.awaiting();
    const released = await settledWithin(steps.release(), { signal: deadline.signal });
    if (!released) steps.abandon();
    return { timedOut: !(drained && released), unconfirmed };
  }
}

/** How loud each connection state of a broker sink is in the lifecycle log. */
const STATE_LEVEL: Readonly<Record<string, LifecycleLevel>> = {
  idle: 'debug',
  connecting: 'debug',
  connected: 'info',
  blocked: 'warn',
  reconnecting: 'warn',
  closed: 'info',
};

/** The part of a broker sink its lifecycle log listens to. */
interface LoggedSink<S extends string> {
  readonly name: string;
  on(event: 'state', listener: (state: S, previous: S) => void): unknown;
  on(event: 'error', listener: (error: Error & { readonly code: string }) => void): unknown;
}

/**
 * Writes the lifecycle of a broker sink to `log`: each state it enters (`eventrail RabbitMQ sink
 * connected`), and each fault in the background (`eventrail NATS sink error`, at `warn`). A sink
 * with a log counts as listening to its errors: they are not process warnings then. @internal
 */
export function logBrokerLifecycle<S extends string>(
  sink: LoggedSink<S>,
  log: LifecycleLog | undefined,
  label: string,
): void {
  if (log === undefined) return;
  sink.on('state', (state, previous) =>
    lifecycle(
      log,
      STATE_LEVEL[state] ?? 'info',
      { sink: sink.name, state, previous },
      `eventrail ${label} sink ${state}`,
    ),
  );
  logErrors(sink, log, `eventrail ${label} sink error`, 'warn', { sink: sink.name });
}
