/**
 * The database of the runnable examples: the Postgres server at DATABASE_URL, or embedded PGlite
 * (in memory) when it is unset, so that an example runs on a machine with nothing but Node.
 * `transaction` runs work in a drizzle transaction on whichever it is.
 */
import type { SQL } from 'drizzle-orm';
import type { QueryableLike } from 'eventrail/postgres';

/** What the examples need of a drizzle transaction. */
export interface ExampleTransaction {
  execute(query: SQL): PromiseLike<unknown>;
}

export interface ExampleDatabase {
  readonly db: QueryableLike;
  readonly label: string;
  transaction<T>(work: (tx: ExampleTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function openExampleDatabase(): Promise<ExampleDatabase> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const [{ default: pg }, { drizzle }] = await Promise.all([
      import('pg'),
      import('drizzle-orm/node-postgres'),
    ]);
    const pool = new pg.Pool({ connectionString: url });
    pool.on('error', (error) => console.error('idle Postgres client failed:', error.message));
    const orm = drizzle(pool);
    return {
      db: pool,
      label: `Postgres at ${new URL(url).host}`,
      transaction: (work) => orm.transaction(work),
      close: () => pool.end(),
    };
  }
  const [{ PGlite }, { drizzle }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
  ]);
  const pglite = new PGlite();
  const orm = drizzle(pglite);
  return {
    db: pglite,
    label: 'embedded PGlite (in memory)',
    transaction: (work) => orm.transaction(work),
    close: () => pglite.close(),
  };
}
