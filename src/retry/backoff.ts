import { atLeast, defineOptions } from '../options/schema.js';
import { formatDefault, integer, nested, number, oneOf, type Spec } from '../options/spec.js';

/**
 * How a delay is randomized, so that work that failed together does not all come back together:
 * - `none`: exactly the delay.
 * - `equal`: between half the delay and the delay. Below the cap, no delay is shorter than the
 *   one before.
 * - `full`: between 0 and the delay. Spreads retries the most; a later delay may be shorter.
 */
export type Jitter = 'none' | 'equal' | 'full';

/**
 * Capped exponential backoff, the one shape of every retry and reconnect in eventrail (the
 * logger's writes, the outbox's rows, the brokers' and the LISTEN connection's reconnects):
 * after the n-th failure, wait `min(maxDelayMs, minDelayMs × factor^(n−1))`, jittered, and give
 * up after `retries` retries. Each part documents its own defaults.
 */
export interface BackoffOptions {
  /** Retries after the first attempt; `Infinity` never gives up. */
  readonly retries?: number;
  /** Delay after the first failure, in milliseconds (before jitter). */
  readonly minDelayMs?: number;
  /** Upper bound of one delay, in milliseconds (before jitter); at least `minDelayMs`. */
  readonly maxDelayMs?: number;
  /** Growth of the delay from one failure to the next (1: constant). */
  readonly factor?: number;
  /** How each delay is randomized. */
  readonly jitter?: Jitter;
}

/** {@link BackoffOptions} with every value resolved. */
export type Backoff = Required<BackoffOptions>;

const JITTERS = ['none', 'equal', 'full'] as const;

/**
 * The spec of a backoff option whose defaults are `defaults`: each field may be given alone,
 * the others keep their defaults (or the layer's beneath). @internal
 */
export function backoffSpec(defaults: Backoff): Spec<Backoff> {
  const schema = defineOptions<BackoffOptions>()(
    'BackoffOptions',
    {
      retries: integer({ min: 0, infinite: true }).default(defaults.retries),
      minDelayMs: integer({ min: 0 }).default(defaults.minDelayMs),
      maxDelayMs: integer({ min: 0 }).default(defaults.maxDelayMs),
      factor: number({ min: 1, max: 1000 }).default(defaults.factor),
      jitter: oneOf(JITTERS).default(defaults.jitter),
    },
    atLeast('maxDelayMs', 'minDelayMs'),
  );
  return nested(schema).default(Object.freeze({ ...defaults }), formatDefault(defaults));
}

/**
 * The delay before attempt `failures + 1`, after `failures` (1 or more) failed attempts:
 * `min(maxDelayMs, minDelayMs × factor^(failures − 1))`, then jittered. `random` returns [0, 1).
 * @internal
 */
export function backoffDelay(
  failures: number,
  backoff: Omit<Backoff, 'retries'>,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, failures - 1);
  // Bounded before multiplying: 0 * Infinity would be NaN.
  const growth = Math.min(backoff.factor ** exponent, Number.MAX_VALUE);
  const ceiling = Math.min(backoff.maxDelayMs, backoff.minDelayMs * growth);
  switch (backoff.jitter) {
    case 'none':
      return ceiling;
    case 'full':
      return random() * ceiling;
    default:
      return ceiling / 2 + (random() * ceiling) / 2;
  }
}
