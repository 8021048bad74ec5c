import { ValidationError } from '../errors.js';
import { custom, type Spec } from '../options/spec.js';

/**
 * Where eventrail writes its lifecycle messages (start, stop, reconnect, retries exhausted,
 * rows marked failed), each as a structured object and a message: `log.info({ sink }, 'text')`.
 * A pino or bunyan logger fits as it is; so does `console`. Silent when not given.
 */
export interface LifecycleLog {
  /** Routine detail: a connection being opened, a maintenance run that changed nothing. */
  debug(details: object, message: string): void;
  /** A part started, connected or closed; a maintenance run that changed something. */
  info(details: object, message: string): void;
  /** A fault handled in the background: a reconnect, a retry, a fallback, a deadline cut short. */
  warn(details: object, message: string): void;
  /** Something failed for good: a write, an outbox row marked failed, a maintenance run. */
  error(details: object, message: string): void;
}

/** The levels of {@link LifecycleLog}. */
export type LifecycleLevel = keyof LifecycleLog;

const LEVELS: readonly LifecycleLevel[] = ['debug', 'info', 'warn', 'error'];

const ACCEPTS = 'an object with debug, info, warn and error methods (pino-compatible)';

/**
 * The `log` option of every long-running part: an object with the four level methods (a pino
 * logger, `console`); silent when absent. @internal
 */
export function logSpec(): Spec<LifecycleLog | undefined> {
  return custom(ACCEPTS, (value, field) => {
    const log = value as Partial<Record<LifecycleLevel, unknown>> | null;
    if (
      typeof log !== 'object' ||
      log === null ||
      LEVELS.some((l) => typeof log[l] !== 'function')
    ) {
      throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${ACCEPTS}`);
    }
    return log as LifecycleLog;
  }).optional('none (silent)');
}

/**
 * Writes one lifecycle message when there is a log. A log that throws never disturbs eventrail.
 * @internal
 */
export function lifecycle(
  log: LifecycleLog | undefined,
  level: LifecycleLevel,
  details: object,
  message: string,
): void {
  if (log === undefined) return;
  try {
    log[level](details, message);
  } catch {
    // The host's logger failing is the host's to notice; eventrail goes on.
  }
}

/** A part whose `error` events can be listened to. */
interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Writes each `error` event of `part` to `log`, when there is one. The log then counts as a
 * listener: a part with a `log` never turns an unheard error into a process warning. @internal
 */
export function logErrors(
  part: ErrorEmitter,
  log: LifecycleLog | undefined,
  message: string,
  level: LifecycleLevel = 'warn',
  details: object = {},
): void {
  if (log === undefined) return;
  part.on('error', (error) => lifecycle(log, level, { ...details, err: error }, message));
}
