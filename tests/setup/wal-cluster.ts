/**
 * Global setup of the `wal` project: a Postgres with `wal_level = logical` for the WAL transport
 * (scripts/logical-cluster.ts: WAL_DATABASE_URL, else DATABASE_URL's server when it is logical,
 * else a local cluster made here and dropped at the end). Test files get it as
 * `inject('walDatabaseUrl')`; `useTestDatabase({ server: 'logical' })` makes their databases there.
 */
import type { TestProject } from 'vitest/node';
import { logicalServer } from '../../scripts/logical-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A server with `wal_level = logical` (database `postgres`). */
    walDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await logicalServer();
  project.provide('walDatabaseUrl', server.url);
  return server.stop;
}
