import { choiceOption, numberOption } from '../../options/validate.js';

/**
 * How a delay is randomized, so that rows that failed together do not all come back together:
 * - `equal`: between half the delay and the delay. Below the cap, no delay is shorter than the
 *   one before.
 * - `full`: between 0 and the delay. Spreads retries the most; a later delay may be shorter.
 * - `none`: exactly the delay.
 */
export type Jitter = 'equal' | 'full' | 'none';

/** Exponential backoff between publish attempts of an outbox row, capped, with jitter. */
export interface BackoffOptions {
  /** Delay after the first failed attempt, in milliseconds (before jitter). @default 1000 */
  readonly minDelayMs?: number;
  /** Growth of the delay from one failed attempt to the next. @default 2 */
  readonly factor?: number;
  /** Upper bound of the delay, in milliseconds (before jitter). @default 300000 (5 minutes) */
  readonly maxDelayMs?: number;
  /** @default 'equal' */
  readonly jitter?: Jitter;
}

/** @internal */
export type ResolvedBackoff = Required<BackoffOptions>;

/** The defaults of {@link BackoffOptions}. */
export const DEFAULT_BACKOFF: ResolvedBackoff = Object.freeze({
  minDelayMs: 1000,
  factor: 2,
  maxDelayMs: 300_000,
  jitter: 'equal',
});

const JITTERS: readonly Jitter[] = ['equal', 'full', 'none'];

/** Validates backoff options over the defaults; `scope` prefixes the option names. @internal */
export function resolveBackoff(
  options: BackoffOptions | undefined,
  scope: string,
  base: ResolvedBackoff = DEFAULT_BACKOFF,
): ResolvedBackoff {
  const o = options ?? {};
  return {
    minDelayMs: numberOption(o.minDelayMs, `${scope}minDelayMs`, base.minDelayMs, {
      min: 0,
      integer: false,
    }),
    factor: numberOption(o.factor, `${scope}factor`, base.factor, { min: 1, integer: false }),
    maxDelayMs: numberOption(o.maxDelayMs, `${scope}maxDelayMs`, base.maxDelayMs, {
      min: 0,
      integer: false,
    }),
    jitter: choiceOption(o.jitter, `${scope}jitter`, JITTERS, base.jitter),
  };
}

/**
 * The delay before attempt `failures + 1`, after `failures` (1 or more) failed attempts:
 * `min(maxDelayMs, minDelayMs * factor^(failures - 1))`, then jittered. `random` returns [0, 1).
 * @internal
 */
export function backoffDelay(
  failures: number,
  backoff: ResolvedBackoff,
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
