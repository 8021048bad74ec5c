import { describe } from '../../errors.js';
import type { EventRecord } from '../../event/types.js';
import { type Backoff, backoffDelay } from '../../retry/backoff.js';
import type { Verdict } from '../../sinks/dispatch.js';
import type { ClaimedEvent, Settled, Settlement } from './leases.js';

/** Longest `last_error` stored, in characters. */
const MAX_ERROR_LENGTH = 2000;

/** One claimed event and what is to become of it. @internal */
export interface Plan {
  readonly event: EventRecord;
  readonly settlement: Settlement;
  /** Failed attempts, this one included (for `retry` and `failed`). */
  readonly attempts: number;
  readonly sink: string;
  readonly error: unknown;
}

/** `sink: message`, as Postgres can store it (no \u0000, no lone surrogate), bounded. */
function errorText(sink: string, error: unknown): string {
  const text = `${sink}: ${describe(error)}`.replaceAll('\u0000', '').toWellFormed();
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

/**
 * Turns the sinks' verdicts into settlements: published and released rows as they are; a failed
 * attempt is retried after the backoff while retries remain (`retry.retries` after the first
 * attempt), then marked failed; a row refused as invalid data is failed at once.
 * @internal
 */
export function plan(
  claimed: readonly ClaimedEvent[],
  verdicts: ReadonlyMap<EventRecord, Verdict>,
  retry: Backoff,
): Plan[] {
  return claimed.map(({ event, retryCount }) => {
    const verdict = verdicts.get(event) ?? { kind: 'release' };
    const id = event.id;
    if (verdict.kind === 'published' || verdict.kind === 'release') {
      return {
        event,
        settlement: { id, outcome: verdict.kind },
        attempts: 0,
        sink: '',
        error: null,
      };
    }
    const attempts = retryCount + 1;
    const error = errorText(verdict.sink, verdict.error);
    const giveUp = verdict.kind === 'failed' || attempts > retry.retries;
    const settlement: Settlement = giveUp
      ? { id, outcome: 'failed', error }
      : { id, outcome: 'retry', error, delayMs: backoffDelay(attempts, retry) };
    return { event, settlement, attempts, sink: verdict.sink, error: verdict.error };
  });
}

/** What became of a settled batch. @internal */
export interface BatchOutcome {
  readonly published: number;
  readonly released: number;
  /** Plans of the events scheduled for a retry, and of those marked failed. */
  readonly retried: readonly Plan[];
  readonly failed: readonly Plan[];
  /** `published_at - created_at` of each published event, in milliseconds. */
  readonly latenciesMs: readonly number[];
  /** Events another claim had taken over: this settlement changed nothing for them. */
  readonly lost: readonly string[];
}

/**
 * Sorts the plans of a batch by what the settle statement did with them. With `retried` (an
 * earlier attempt of the same settle may have been applied, its answer lost), a row the
 * statement no longer held counts as settled as planned, without a latency, not as lost. A
 * published row's latency is the statement's `now()` (its `published_at`) minus its `created_at`.
 * @internal
 */
export function outcomeOf(plans: readonly Plan[], settled: Settled, retried = false): BatchOutcome {
  const outcome = { published: 0, released: 0, retried: [] as Plan[], failed: [] as Plan[] };
  const latenciesMs: number[] = [];
  const lost: string[] = [];
  for (const p of plans) {
    const held = !settled.lost.has(p.event.id);
    if (!held && !retried) {
      lost.push(p.event.id);
      continue;
    }
    switch (p.settlement.outcome) {
      case 'published':
        outcome.published += 1;
        if (held) latenciesMs.push(settled.nowMs - p.event.createdAt.getTime());
        break;
      case 'release':
        outcome.released += 1;
        break;
      case 'retry':
        outcome.retried.push(p);
        break;
      case 'failed':
        outcome.failed.push(p);
        break;
    }
  }
  return { ...outcome, latenciesMs, lost };
}
