/**
 * The first check of `eventrail doctor`: connecting, and the server's version. A server that
 * cannot be reached is one line naming the host and the cause, never a stack trace.
 */
import type { Session } from '../../postgres/driver/types.js';
import { SERVER_SQL } from '../../postgres/sql/doctor.js';
import { type CheckResult, duration } from './report.js';

/** What the other checks need to know of the server. */
export interface Server {
  readonly version: string;
  readonly walLevel: string;
}

/** The oldest Postgres eventrail runs on (keyset cursors rely on extract() returning numeric). */
const MIN_VERSION = 140000;

/** Socket errors in words. */
const CAUSES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused: no server listens there',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved now',
  ETIMEDOUT: 'no answer (timed out)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'the connection was reset',
};

/** The cause of a failed connection in one line: `connection refused … (ECONNREFUSED)`. */
function causeOf(error: unknown): string {
  const e = (error ?? {}) as {
    code?: unknown;
    message?: unknown;
    errors?: { message?: unknown }[];
  };
  const code = typeof e.code === 'string' ? e.code : undefined;
  // Node's happy-eyeballs connect fails with an AggregateError whose own message is empty.
  const message = String(e.message || e.errors?.[0]?.message || error);
  const known = code === undefined ? undefined : CAUSES[code];
  if (known !== undefined) return `${known} (${code})`;
  if (/timeout/i.test(message)) return `no answer in time (${message})`;
  return code === undefined ? message : `${message} (${code})`;
}

/** The fail of a server that could not be reached at `where`. */
export function unreachable(where: string, error: unknown): CheckResult {
  return {
    check: 'connection',
    status: 'fail',
    summary: `cannot connect to ${where}: ${causeOf(error)}`,
    fix: "check that the server runs and listens there, that this machine may connect (pg_hba.conf, firewall), and the URL's user, password and database",
  };
}

/** Connects and reads the server; the fail when it cannot, or when the server is too old. */
export async function connection(
  db: Session,
  where: string,
): Promise<{ readonly result: CheckResult; readonly server?: Server }> {
  const started = performance.now();
  let row: {
    version: string;
    versionNum: number;
    database: string;
    user: string;
    walLevel: string;
  };
  try {
    row = (await db.query<typeof row>(SERVER_SQL)).rows[0] as typeof row;
  } catch (error) {
    return { result: unreachable(where, error) };
  }
  const summary = `PostgreSQL ${row.version} at ${where}, database ${row.database}, as ${row.user} (${duration(performance.now() - started)})`;
  if (row.versionNum < MIN_VERSION) {
    return {
      result: {
        check: 'connection',
        status: 'fail',
        summary,
        fix: 'eventrail needs PostgreSQL 14 or later',
      },
    };
  }
  return {
    result: { check: 'connection', status: 'pass', summary },
    server: { version: row.version, walLevel: row.walLevel },
  };
}
