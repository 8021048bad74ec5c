import type { Executor } from '../../driver/types.js';
import { quoteIdentifier, type TableNames } from '../../sql/names.js';

/** Postgres truncates identifiers longer than this. */
const MAX_IDENTIFIER = 63;

/** The default publication of a schema's `event_logs` inserts: `<schema>_event_logs`. @internal */
export const defaultPublication = (schema: string) =>
  `${schema}_event_logs`.slice(0, MAX_IDENTIFIER);

/** `duplicate_object`: another process made it between the look and the CREATE. */
const DUPLICATE = '42710';

/**
 * Makes publication `name` of the inserts into `event_logs` when there is none of that name
 * (an existing one is used as it is). Published through the partitioned table itself, so each
 * row comes as a row of `event_logs`, whichever daily partition holds it. Needs the role to own
 * `event_logs` and to have `CREATE` on the database; an operator may make it ahead instead.
 * @internal
 */
export async function ensurePublication(
  executor: Executor,
  names: TableNames,
  name: string,
): Promise<void> {
  const { rows } = await executor.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name]);
  if (rows.length > 0) return;
  try {
    await executor.query(
      `CREATE PUBLICATION ${quoteIdentifier(name)} FOR TABLE ${names.eventLogs}
        WITH (publish = 'insert', publish_via_partition_root = true)`,
    );
  } catch (error) {
    if ((error as { code?: unknown }).code !== DUPLICATE) throw error;
  }
}
