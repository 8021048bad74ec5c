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

/** A row that was still ours when settled. @internal */
export interface SettledRow {
  readonly id: string;
  readonly status: string;
  /** `published_at - created_at`, in milliseconds (meaningful for published rows). */
  readonly latencyMs: number;
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

  /** Applies the settlements to the rows `token` still holds; returns those rows. */
  async settle(token: string, settlements: readonly Settlement[]): Promise<SettledRow[]> {
    if (settlements.length === 0) return [];
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
    const { rows } = await this.#executor.query<{ id: string; status: string; latency_ms: number }>(
      text,
      [rowsParam, token],
    );
    return rows.map((r) => ({ id: r.id, status: r.status, latencyMs: r.latency_ms }));
  }
}
