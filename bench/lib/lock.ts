/**
 * One bench at a time on a Postgres server. Every run creates its databases under the same names
 * (`eventrail_bench`, `eventrail_bench_retention`, …) with `DROP DATABASE … WITH (FORCE)` first,
 * and drops them the same way at the end: a second run started meanwhile (a smoke run of one
 * scenario, say) ends the first one's connections (FATAL 57P01) and measures its load. So a run
 * holds a session advisory lock on the server for its whole life, and a second one refuses.
 */
import { benchClient } from './pool.js';

/** The application name of the connection holding the lock: how a refused run finds the holder. */
const HOLDER = 'eventrail-bench-lock';

/** Takes the server's bench lock through `adminUrl`; resolves with its release. Throws when held. */
export async function lockBenchServer(adminUrl: string): Promise<() => Promise<void>> {
  const url = new URL(adminUrl);
  url.searchParams.set('application_name', HOLDER);
  const client = await benchClient(url.toString(), 'bench lock');
  const { rows } = await client.query<{ locked: boolean }>(
    `SELECT pg_try_advisory_lock(hashtext('eventrail.bench')) AS locked`,
  );
  if (rows[0]?.locked) return () => client.end();
  const holder = await client.query<{ pid: number; since: Date; host: string | null }>(
    `SELECT pid, backend_start AS since, host(client_addr) AS host FROM pg_stat_activity
      WHERE application_name = $1 AND pid <> pg_backend_pid() ORDER BY backend_start LIMIT 1`,
    [HOLDER],
  );
  await client.end();
  const found = holder.rows[0];
  const who = found
    ? ` (its lock connection: backend pid ${found.pid}, from ${found.host ?? 'a local socket'}, since ${found.since.toISOString()})`
    : '';
  throw new Error(
    `another bench runs on ${url.host}${who}; two runs would drop each other's databases and measure each other's load: wait for it to end`,
  );
}
