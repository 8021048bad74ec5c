/**
 * `COPY ... FROM STDIN` on a `pg` Pool without a COPY package: `pg` runs any object with a
 * `submit(connection)` method as a query and hands it the protocol messages of its statement, so
 * the whole batch goes out as one CopyData message once the server asks for it.
 */
import { checkOut, isPool, type PooledClient } from './checkout.js';
import { explainMissingTable } from './missing.js';
import type { QueryableLike } from './types.js';

/** The part of `pg`'s connection a COPY needs (pg-native has none of it). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** A `pg` client as a pool hands it out, seen for what COPY needs. */
interface CopyClient extends Pick<PooledClient, 'release'> {
  readonly connection?: Partial<CopyConnection>;
  /** pg's pipeline mode refuses statements like this one. */
  readonly pipeline?: boolean;
  query(submittable: object): unknown;
}

/**
 * Runs `COPY ... FROM STDIN` with `data` (COPY text format) on one pooled connection; resolves
 * once the rows are committed, with false (and nothing sent) when the pool's clients cannot run
 * it (pg-native, or `pg` in pipeline mode). @internal
 */
export type CopyIn = (text: string, data: string) => Promise<boolean>;

/** The statement as `pg` runs it: sends the rows when asked, settles on the outcome. */
class CopyStatement {
  readonly text: string;
  readonly done: Promise<void>;
  /** Set by `pg` when a `query_timeout` applies; called once settled, to clear its timer. */
  callback: ((error?: unknown) => void) | undefined;
  #data: string;
  #resolve!: () => void;
  #reject!: (error: unknown) => void;

  constructor(text: string, data: string) {
    this.text = text;
    this.#data = data;
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  submit(connection: CopyConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: CopyConnection): void {
    connection.sendCopyFromChunk(Buffer.from(this.#data));
    this.#data = '';
    connection.endCopyFrom();
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {
    this.callback?.();
    this.#resolve();
  }

  handleError(error: unknown): void {
    this.callback?.(error);
    this.#reject(error);
  }
}

/**
 * Whether the connection is still good after `error`: the server refused the statement alone
 * (severity ERROR), rather than ending the session (FATAL, e.g. terminated) or the socket failing.
 */
function connectionSurvives(error: unknown): boolean {
  const e = error as { code?: unknown; severity?: unknown } | null;
  return typeof e?.code === 'string' && e.severity === 'ERROR';
}

/** A {@link CopyIn} on `db` when it is a `pg` Pool, else undefined. @internal */
export function copyInFor(db: QueryableLike): CopyIn | undefined {
  if (!isPool(db)) return undefined;
  return async (text, data) => {
    const client = await checkOut<CopyClient>(db);
    const connection = client.connection;
    if (typeof connection?.sendCopyFromChunk !== 'function' || client.pipeline === true) {
      client.release();
      return false;
    }
    // pg fails the statement itself when the connection is lost or terminated under it.
    const statement = new CopyStatement(text, data);
    let failed: unknown;
    try {
      client.query(statement);
      await statement.done;
      return true;
    } catch (error) {
      failed = error;
      throw explainMissingTable(error);
    } finally {
      // After a refused statement the connection is ready for the next one; otherwise discard it.
      const broken = failed !== undefined && !connectionSurvives(failed);
      client.release(broken);
    }
  };
}
