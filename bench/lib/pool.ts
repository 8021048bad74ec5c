/**
 * Connections of the bench that never crash it: every pool and client it opens listens for
 * `error`. A backend can end under any connection, idle in a pool or checked out between two
 * statements (`DROP DATABASE … WITH (FORCE)` or `pg_terminate_backend` elsewhere, a server
 * restart: FATAL 57P01, "terminating connection due to administrator command"); an `error`
 * event nobody listens for throws out of the socket's read and ends the whole run. Heard here,
 * it is noted on stderr, and the statement that meets the dead connection fails the scenario.
 */
import pg from 'pg';
import { note } from './report.js';

const heard = (label: string) => (error: Error) =>
  note(`${label}: connection lost: ${(error as { code?: string }).code ?? ''} ${error.message}`);

/**
 * A `pg` Pool whose every client listens for `error` for its whole life (idle or checked out;
 * pg-pool takes its own idle listener off a client it hands out). `label` names it in the note.
 */
export function benchPool(config: pg.PoolConfig, label: string): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('connect', (client) => client.on('error', heard(label)));
  // The client's own listener above has noted it; pg-pool re-emits an idle client's error here.
  pool.on('error', () => {});
  return pool;
}

/** A connected `pg` Client that listens for `error`. */
export async function benchClient(connectionString: string, label: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString });
  client.on('error', heard(label));
  await client.connect();
  return client;
}
