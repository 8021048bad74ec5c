import type { EventRecord } from '../../event/types.js';
import { statementName } from '../driver/executor.js';
import type { Executor } from '../driver/types.js';
import { type EnvelopeRow, eventFromRow } from '../sql/event-rows.js';
import type { OutboxSql } from '../sql/outbox.js';

/** A row this publisher holds a lease on. @internal */
export interface ClaimedEvent {
  readonly event: EventRecord;
  /** Failed attempts before this one. */
  readonly retryCount: number;
}

/** A statement's text, and the name it is prepared under (none: not prepared). */
interface Statement {
  readonly text: string;
  readonly name: string | undefined;
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
  /**
   * Ids it was given and did not change: another claim had taken them over (or, when the
   * statement ran again after a lost answer, an earlier attempt had settled them).
   */
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
  readonly #claim: Statement;
  readonly #settle: Statement;
  readonly #settlePublished: Statement;

  /**
   * With `prepared`, each statement is prepared once per connection (`pg` only): no parse and
   * plan at every claim and settlement, which is most of a small claim's time. Not behind a
   * proxy that pools by transaction; the publisher prepares only when it also LISTENs, which such
   * a proxy does not support either.
   */
  constructor(executor: Executor, statements: OutboxSql, ordered: boolean, prepared: boolean) {
    this.#executor = executor;
    const statement = (text: string): Statement => ({
      text,
      name: prepared ? statementName(text) : undefined,
    });
    this.#claim = statement(ordered ? statements.claimOrdered : statements.claim);
    this.#settle = statement(statements.settle);
    this.#settlePublished = statement(statements.settlePublished);
  }

  /** Claims up to `limit` due rows for `leaseMs`; oldest first. */
  async claim(limit: number, leaseMs: number, token: string): Promise<ClaimedEvent[]> {
    const { rows } = await this.#executor.query<EnvelopeRow & { retry_count: number }>(
      this.#claim.text,
      [limit, leaseMs, token],
      this.#claim.name,
    );
    return rows.map((row) => ({ event: eventFromRow(row), retryCount: row.retry_count }));
  }

  /** Applies the settlements to the rows `token` still holds. */
  async settle(token: string, settlements: readonly Settlement[]): Promise<Settled> {
    if (settlements.length === 0) return { count: 0, lost: new Set(), nowMs: Date.now() };
    // The usual batch, published whole, settles by its ids alone.
    const [statement, rowsParam] = settlements.every((s) => s.outcome === 'published')
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
      statement.text,
      [rowsParam, token],
      statement.name,
    );
    const row = rows[0] as { settled: number; lost: string; now_ms: number };
    return {
      count: row.settled,
      lost: new Set(row.lost === '' ? [] : row.lost.split(',')),
      nowMs: row.now_ms,
    };
  }
}
