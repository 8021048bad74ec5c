import type { EventRecord } from '../../event/types.js';
import type { Executor } from '../driver/types.js';
import { type EnvelopeRow, eventFromRow } from '../sql/event-rows.js';
import type { OutboxSql } from '../sql/outbox.js';

/** A row this publisher holds a lease on. @internal */
export interface ClaimedEvent {
  readonly event: EventRecord;
  /** Failed attempts before this one. */
  readonly retryCount: number;
}

/** What to do with a claimed row; see the `settle` statement. @internal */
export interface Settlement {
  readonly id: string;
  readonly outcome: 'published' | 'retry' | 'failed' | 'release';
  /** For `retry`: when to try again, from now. */
  readonly delayMs?: number;
  /** For `retry` and `failed`: the new `last_error`. */
  readonly error?: string;
}

/** What a settle statement did. @internal */
export interface Settled {
  /** Rows it changed: those the lease token still held. */
  readonly count: number;
  /** Ids it was given and did not change: another claim had taken them over (or, on a retried
   * statement, an earlier attempt had settled them). */
  readonly lost: ReadonlySet<string>;
  /** The database's `now()` in epoch ms: the `published_at` of the rows it published. */
  readonly nowMs: number;
}

/**
 * The claim/lease protocol on `event_outbox`. A claim takes up to `limit` due rows in ONE
 * statement (`FOR UPDATE SKIP LOCKED`, then `locked_until = now() + lease`, `locked_by = token`)
 * and commits at once, so no row lock is held while publishing. Every later change is fenced by
 * the token, which is unique per claim: once a lease has expired and another claim has taken
 * the rows, the first claim can no longer publish, retry, fail or release them.
 * @internal
 */
export class OutboxLeases {
  readonly #executor: Executor;
  readonly #claim: string;
  readonly #settle: string;
  readonly #settlePublished: string;

  constructor(executor: Executor, statements: OutboxSql, ordered: boolean) {
    this.#executor = executor;
    this.#claim = ordered ? statements.claimOrdered : statements.claim;
    this.#settle = statements.settle;
    this.#settlePublished = statements.settlePublished;
  }

  /** Claims up to `limit` due rows for `leaseMs`; oldest first. */
  async claim(limit: number, leaseMs: number, token: string): Promise<ClaimedEvent[]> {
    const { rows } = await this.#executor.query<EnvelopeRow & { retry_count: number }>(
      this.#claim,
      [limit, leaseMs, token],
    );
    return rows.map((row) => ({ event: eventFromRow(row), retryCount: row.retry_count }));
  }

  /** Applies the settlements to the rows `token` still holds. */
  async settle(token: string, settlements: readonly Settlement[]): Promise<Settled> {
    if (settlements.length === 0) return { count: 0, lost: new Set(), nowMs: Date.now() };
    // The usual batch, published whole, settles by its ids alone.
    const [text, rowsParam] = settlements.every((s) => s.outcome === 'published')
      ? [this.#settlePublished, `{${settlements.map((s) => s.id).join(',')}}`]
      : [
          this.#settle,
          JSON.stringify(
            settlements.map((s) => ({
              id: s.id,
              outcome: s.outcome,
              delay_ms: s.delayMs ?? null,
              error: s.error ?? null,
            })),
          ),
        ];
    const { rows } = await this.#executor.query<{ settled: number; lost: string; now_ms: number }>(
      text,
      [rowsParam, token],
    );
    const row = rows[0] as { settled: number; lost: string; now_ms: number };
    return {
      count: row.settled,
      lost: new Set(row.lost === '' ? [] : row.lost.split(',')),
      nowMs: row.now_ms,
    };
  }
}
