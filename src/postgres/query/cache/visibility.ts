import type { Session } from '../../driver/types.js';
import { DATABASE_IDENTITY_SQL, READER_SQL, SYSTEM_IDENTIFIER_SQL } from '../../sql/visibility.js';

/**
 * What decides which rows a read can see, beyond its scope and filters: the database (server,
 * cluster and database name), the role, and the row-level security tenant of the transaction.
 * Every cached aggregate is keyed by it, so two databases or two tenants sharing one store
 * never meet, with no configuration. The database is identified once per query object; role
 * and tenant are read on the session of every cached read, since a pooled connection, a
 * `withTenant` transaction or `SET ROLE` may change them from one read to the next.
 * @internal
 */
export class ReadVisibility {
  #database: Promise<readonly unknown[]> | undefined;

  /** The visibility of reads on `session`, as JSON-serializable parts of a cache key. */
  async of(session: Session): Promise<readonly unknown[]> {
    this.#database ??= identifyDatabase(session).catch((error: unknown) => {
      this.#database = undefined; // ask again on the next read
      throw error;
    });
    const database = await this.#database;
    const { rows } = await session.query<{ role: string; tenant: string | null }>(READER_SQL);
    const reader = rows[0];
    return [...database, reader?.role ?? null, reader?.tenant ?? null];
  }
}

async function identifyDatabase(session: Session): Promise<readonly unknown[]> {
  const { rows } = await session.query<Record<string, unknown>>(DATABASE_IDENTITY_SQL);
  const row = rows[0] ?? {};
  let system: unknown = null;
  if (row.readsSystem === true) {
    system = (await session.query<{ system: string }>(SYSTEM_IDENTIFIER_SQL)).rows[0]?.system;
  }
  return [row.database, row.address, row.port, row.started, system ?? null];
}
