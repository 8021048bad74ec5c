import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { ReplicationReader } from '../../wal/replication.js';

/** What the stream uses of a replication reader. @internal */
export type WalSource = Pick<ReplicationReader, 'start' | 'transactions' | 'confirm' | 'close'>;

/**
 * A reader of a new temporary slot (pgoutput) of `publication`, made on the reader's own
 * replication connection when it starts and dropped by the server when that connection ends:
 * a process that crashes leaves no slot holding WAL back. Making it waits for every
 * transaction already running (that wrote anything) to end.
 * @internal
 */
export function openTemporarySlot(
  connection: string | pg.ClientConfig,
  publication: string,
): WalSource {
  const slot = `eventrail_stream_${randomBytes(8).toString('hex')}`;
  return new ReplicationReader({ connection, slot, publications: [publication], temporary: true });
}
