import { readFileSync } from 'node:fs';
import type pg from 'pg';

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ) on every common architecture. */
const MS_PER_TICK = 10;

/**
 * CPU time (user + system, ms) the Postgres backends behind `connections` of `pool`'s
 * connections have used so far, read from /proc; undefined when the server does not run on this
 * machine (or in another process namespace). Call it when a run is done, before the pool ends: a
 * run's pool is new, so its backends' CPU time is the run's server-side work, whatever else the
 * machine does, which makes it steadier than a rate on a shared machine (10 ms resolution).
 */
export async function serverCpuMs(pool: pg.Pool, connections: number): Promise<number | undefined> {
  const clients = await Promise.all(Array.from({ length: connections }, () => pool.connect()));
  try {
    let ms = 0;
    for (const client of clients) {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const used = backendCpuMs(rows[0]?.pid as number);
      if (used === undefined) return undefined;
      ms += used;
    }
    return ms;
  } catch {
    return undefined;
  } finally {
    for (const client of clients) client.release();
  }
}

/**
 * CPU time (user + system, ms) the Postgres backend `pid` has used so far, read from /proc;
 * undefined when it is not a Postgres process of this machine (or has ended).
 */
export function backendCpuMs(pid: number): number | undefined {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!command.startsWith('postgres')) return undefined;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which ends at the last ')': state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return undefined;
  }
}
