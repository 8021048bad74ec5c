import { describe, MigrationError } from '../../errors.js';
import { defineOptions, type Resolved } from '../../options/schema.js';
import { integer, text } from '../../options/spec.js';
import { dbSpec, inTransaction, toExecutor } from '../driver/executor.js';
import type { PgDatabase, Session } from '../driver/types.js';
import { migrationSql } from '../sql/migrations.js';
import { schemaSpec, type TableNames, tableNames } from '../sql/names.js';
import { loadMigrations, type Migration } from './files.js';

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** A `pg` Pool or Client, a PGlite instance, or a drizzle database; never closed. */
  readonly db: PgDatabase;
  /** Postgres schema (namespace) of eventrail's tables; created when missing. @default 'eventrail' */
  readonly schema?: string;
  /** Folder holding drizzle-kit's migrations; only needed when eventrail is bundled. @default the package's drizzle/ */
  readonly migrationsFolder?: string;
}

/** Options of {@link rollback}. */
export interface RollbackOptions extends MigrateOptions {
  /** How many applied migrations to undo, newest first; `Infinity` undoes all. @default 1 */
  readonly steps?: number;
}

/** What a {@link migrate} or {@link rollback} call changed. */
export interface MigrationResult {
  /** Names of the migrations applied (or undone), in the order it happened. */
  readonly names: readonly string[];
}

const migrateSpecs = {
  db: dbSpec(),
  schema: schemaSpec(),
  migrationsFolder: text().optional("the package's drizzle/"),
};

const migrateOptions = defineOptions<MigrateOptions>()('MigrateOptions', migrateSpecs);

const rollbackOptions = defineOptions<RollbackOptions>()('RollbackOptions', {
  ...migrateSpecs,
  steps: integer({ min: 0, infinite: true }).default(1),
});

interface Context {
  readonly session: Session;
  readonly names: TableNames;
  readonly sql: ReturnType<typeof migrationSql>;
  readonly migrations: readonly Migration[];
}

/**
 * Applies eventrail's pending migrations. Idempotent, and safe when several processes start at
 * once: a Postgres advisory lock serializes them, and each migration runs in its own transaction
 * together with its record in `<schema>.eventrail_migrations`. Refuses to run when an applied
 * migration's script has changed since. Bad options reject with a `ValidationError` before the
 * database is touched.
 */
export async function migrate(options: MigrateOptions): Promise<MigrationResult> {
  return withLock(migrateOptions.resolve(options), async (ctx) => {
    await ctx.session.query(ctx.sql.createSchema);
    await ctx.session.query(ctx.sql.createTable);
    const applied = await appliedMigrations(ctx);
    const names: string[] = [];
    for (const migration of ctx.migrations) {
      if (applied.has(migration.name)) continue;
      await inMigrationTransaction(ctx.session, migration.name, 'apply', async () => {
        for (const statement of migration.up) await ctx.session.query(statement);
        await ctx.session.query(ctx.sql.record, [migration.name, migration.hash]);
      });
      names.push(migration.name);
    }
    return { names };
  });
}

/**
 * Undoes the newest applied migrations with their down scripts, under the same lock as
 * {@link migrate}. Undoing every migration also drops the bookkeeping table and the schema
 * (unless something else lives in it). **Drops eventrail's tables and their data.** Bad options
 * (anything but an options object) reject with a `ValidationError` before the database is
 * touched.
 */
export async function rollback(options: RollbackOptions): Promise<MigrationResult> {
  const { steps, ...rest } = rollbackOptions.resolve(options);
  return withLock(rest, async (ctx) => {
    const exists = await ctx.session.query<{ exists: boolean }>(ctx.sql.tableExists, [
      ctx.names.migrations,
    ]);
    if (!exists.rows[0]?.exists) return { names: [] };
    const applied = await appliedMigrations(ctx);
    const undo = ctx.migrations
      .filter((m) => applied.has(m.name))
      .reverse()
      .slice(0, steps);
    for (const migration of undo) {
      await inMigrationTransaction(ctx.session, migration.name, 'undo', async () => {
        for (const statement of migration.down) await ctx.session.query(statement);
        await ctx.session.query(ctx.sql.forget, [migration.name]);
      });
    }
    if (undo.length === applied.size) {
      await ctx.session.query(ctx.sql.dropTable);
      await ctx.session.query(ctx.sql.dropSchemaIfEmpty);
    }
    return { names: undo.map((m) => m.name) };
  });
}

async function withLock<T>(
  options: Resolved<typeof migrateSpecs>,
  work: (ctx: Context) => Promise<T>,
): Promise<T> {
  const names = tableNames(options.schema);
  const migrations = loadMigrations(names.schema, options.migrationsFolder);
  const sql = migrationSql(names);
  return toExecutor(options.db).withSession(async (session) => {
    await session.query(sql.lock, [names.schema]);
    try {
      return await work({ session, names, sql, migrations });
    } finally {
      await session.query(sql.unlock, [names.schema]);
    }
  });
}

async function appliedMigrations(ctx: Context): Promise<Set<string>> {
  const { rows } = await ctx.session.query<{ name: string; hash: string }>(ctx.sql.applied);
  const known = new Map(ctx.migrations.map((m) => [m.name, m.hash]));
  for (const row of rows) {
    const hash = known.get(row.name);
    if (hash === undefined) {
      throw new MigrationError(
        `migration ${row.name} is applied in the database but unknown to this eventrail version`,
      );
    }
    if (hash !== row.hash) {
      throw new MigrationError(`migration ${row.name} was changed after it was applied`);
    }
  }
  return new Set(rows.map((r) => r.name));
}

/** Runs one migration's work in a transaction; a failure becomes a {@link MigrationError}. */
async function inMigrationTransaction(
  session: Session,
  name: string,
  verb: 'apply' | 'undo',
  work: () => Promise<void>,
): Promise<void> {
  try {
    await inTransaction(session, work);
  } catch (cause) {
    throw new MigrationError(`could not ${verb} migration ${name}: ${describe(cause)}`, {
      cause,
    });
  }
}
