/**
 * A Postgres with `wal_level = logical` for the WAL transport's tests and bench, without touching
 * the configuration of the server at DATABASE_URL.
 *
 * `logicalServer()` answers, in this order: WAL_DATABASE_URL when set; DATABASE_URL when its server
 * already runs with `wal_level = logical`; else a new local cluster (Debian's `pg_createcluster`,
 * same major version as the installed server, trust auth on loopback, a free port from 5439 up),
 * started here. `stop()` drops that cluster (and only one made here); a cluster left by a killed
 * run (its name carries the pid of a process that is gone) is dropped by the next one.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import pg from 'pg';

/** A logical server: its URL (database `postgres`), and how to undo what was made for it. */
export interface LogicalServer {
  readonly url: string;
  /** Whether the cluster was made here (and `stop` drops it). */
  readonly created: boolean;
  readonly stop: () => Promise<void>;
}

/** A cluster made here, which its maker may also restart. */
export interface OwnCluster extends LogicalServer {
  /**
   * Restarts the cluster (fast shutdown: sessions are ended, a checkpoint is written) without
   * blocking the event loop, so that replication clients in this process keep answering.
   */
  readonly restart: () => Promise<void>;
}

const PREFIX = 'eventrail_wal_';
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

async function walLevel(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ wal_level: string }>('SHOW wal_level');
    return rows[0]?.wal_level;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Ports of the clusters configured on this machine, running or not (pg_createcluster refuses them). */
function clusterPorts(): Set<number> {
  const listing = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' });
  return new Set(listing.split('\n').map((line) => Number(line.trim().split(/\s+/)[2])));
}

function freePort(from: number, taken = clusterPorts()): Promise<number> {
  return new Promise((resolve, reject) => {
    if (from > 5500) return reject(new Error('no free port for a logical Postgres cluster'));
    if (taken.has(from)) return resolve(freePort(from + 1, taken));
    const server = createServer();
    server.once('error', () => resolve(freePort(from + 1, taken)));
    server.listen(from, '127.0.0.1', () => server.close(() => resolve(from)));
  });
}

function run(command: string, args: readonly string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Drops clusters made by runs whose process is gone. */
function dropLeftovers(version: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(`/etc/postgresql/${version}`);
  } catch {
    return;
  }
  for (const name of names) {
    // `<prefix><pid>` or `<prefix><pid>_<tag>`.
    const pid = name.startsWith(PREFIX)
      ? Number.parseInt(name.slice(PREFIX.length), 10)
      : Number.NaN;
    if (Number.isInteger(pid) && !alive(pid)) {
      try {
        run('pg_dropcluster', ['--stop', version, name]);
      } catch {
        // Someone else is dropping it.
      }
    }
  }
}

function installedVersion(): string {
  const versions = readdirSync('/etc/postgresql').filter((v) => /^\d+$/.test(v));
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('no Postgres cluster configuration under /etc/postgresql');
  return newest;
}

/**
 * Makes and starts a logical cluster of this process's own (`tag` tells apart several made by one
 * process), on a free port; `stop` drops it.
 */
export async function createCluster(tag?: string): Promise<OwnCluster> {
  const version = installedVersion();
  dropLeftovers(version);
  const name = `${PREFIX}${process.pid}${tag ? `_${tag}` : ''}`;
  const port = await freePort(5439);
  try {
    run('pg_createcluster', [
      version,
      name,
      '-p',
      String(port),
      '-o',
      'wal_level=logical',
      '-o',
      'max_replication_slots=40',
      '-o',
      'max_wal_senders=40',
      '-o',
      'max_connections=300',
      '--',
      '--auth=trust',
    ]);
    run('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'start']);
  } catch (error) {
    try {
      run('pg_dropcluster', ['--stop', version, name]);
    } catch {
      // It was not made at all.
    }
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    throw new Error(
      `The WAL tests need a Postgres with wal_level = logical. DATABASE_URL's server runs with ` +
        `another level (its configuration is not changed), and making a local one with ` +
        `pg_createcluster failed: ${stderr.trim()}. Set WAL_DATABASE_URL to a logical server.`,
    );
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    created: true,
    stop: async () => {
      run('pg_dropcluster', ['--stop', version, name]);
    },
    restart: async () => {
      await promisify(execFile)('pg_ctlcluster', [
        '--skip-systemctl-redirect',
        version,
        name,
        'restart',
      ]);
    },
  };
}

/** Finds or makes a Postgres server with `wal_level = logical` (see the module's comment). */
export async function logicalServer(): Promise<LogicalServer> {
  const explicit = process.env.WAL_DATABASE_URL;
  const none = async () => {};
  if (explicit) return { url: explicit, created: false, stop: none };
  const main = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  if ((await walLevel(main)) === 'logical') return { url: main, created: false, stop: none };
  return createCluster();
}
