import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationError } from '../../errors.js';
import { DEFAULT_SCHEMA } from '../schema/constants.js';

/** One migration: drizzle-kit's up script and our hand-written down script. @internal */
export interface Migration {
  /** drizzle-kit's tag, e.g. `0000_init`; migrations apply in this order. */
  readonly name: string;
  readonly up: readonly string[];
  readonly down: readonly string[];
  /** sha256 of the up script as shipped (before the schema name is substituted). */
  readonly hash: string;
}

interface Journal {
  entries: { idx: number; tag: string }[];
}

const BREAKPOINT = '--> statement-breakpoint';

/** Finds the `drizzle/` folder shipped beside this package's code (src/ or dist/). */
function findMigrationsFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'drizzle');
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new MigrationError(
    "cannot find eventrail's drizzle/ migrations folder; pass `migrationsFolder` to migrate()",
  );
}

function statements(sql: string, schema: string): string[] {
  const renamed =
    schema === DEFAULT_SCHEMA ? sql : sql.replaceAll(`"${DEFAULT_SCHEMA}".`, `"${schema}".`);
  return renamed
    .split(BREAKPOINT)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Reads the journal and every migration's up and down script, in order, with the schema name
 * substituted. A migration without a down script is an error: every step must be reversible.
 * @internal
 */
export function loadMigrations(schema: string, folder = findMigrationsFolder()): Migration[] {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (cause) {
      throw new MigrationError(`cannot read migration file ${path}`, { cause });
    }
  };
  const journal = JSON.parse(read(join(folder, 'meta', '_journal.json'))) as Journal;
  return [...journal.entries]
    .sort((a, b) => a.idx - b.idx)
    .map(({ tag }) => {
      const up = read(join(folder, `${tag}.sql`));
      return {
        name: tag,
        up: statements(up, schema),
        down: statements(read(join(folder, 'down', `${tag}.sql`)), schema),
        hash: createHash('sha256').update(up).digest('hex'),
      };
    });
}
