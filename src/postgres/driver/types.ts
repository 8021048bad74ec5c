/**
 * The few driver methods eventrail uses, declared structurally (as kysely does) so that the
 * Postgres entry accepts what a host already has without importing a driver itself.
 */

/** A result as both `pg` and PGlite return it. */
export interface DriverResult<R = Record<string, unknown>> {
  rows: R[];
  /** `pg` */
  rowCount?: number | null;
  /** PGlite */
  affectedRows?: number;
}

/** Anything with `query(text, params)`: a `pg` Client, PoolClient or Pool, a PGlite instance. */
export interface QueryableLike {
  /** Runs one statement with its parameters. */
  // biome-ignore lint/suspicious/noExplicitAny: drivers declare their own row and param types
  query(text: string, params?: any[]): Promise<any>;
}

/** A `pg` Pool: hands out clients for work that needs one session (locks, LISTEN). */
export interface PgPoolLike extends QueryableLike {
  connect(): Promise<QueryableLike & { release(error?: Error | boolean): void }>;
  readonly totalCount: number;
}

/** A drizzle database (node-postgres or PGlite); eventrail uses its underlying client. */
export interface DrizzleDatabaseLike {
  /** The driver's client under the drizzle database, which eventrail runs its statements on. */
  readonly $client: QueryableLike;
}

/**
 * What the Postgres entry accepts as a database: a `pg` Pool, a connected `pg` Client, a PGlite
 * instance, or a drizzle database built on any of them. eventrail never ends or closes it.
 */
export type PgDatabase = QueryableLike | DrizzleDatabaseLike;

/** A normalized query result. @internal */
export interface Rows<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

/** One connection to run statements on, in order. @internal */
export interface Session {
  /**
   * Runs one statement. With `name` (see `statementName`), `pg` prepares the text once per
   * connection under that name and reuses its plan; other drivers ignore it.
   */
  query<R = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    name?: string,
  ): Promise<Rows<R>>;
}

/** A database as eventrail uses it. @internal */
export interface Executor extends Session {
  /**
   * Runs `work` on one dedicated session (a pool client, or the single connection); `connection`
   * is that driver connection itself, for code of the host's that needs it.
   */
  withSession<T>(work: (session: Session, connection: QueryableLike) => Promise<T>): Promise<T>;
}
