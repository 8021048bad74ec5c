import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { ReplicationReader } from '../../wal/replication.js';

/** The settings `walRow` reads the rows' text in. @internal */
export const TEXT_FORMAT = '-c DateStyle=ISO -c TimeZone=UTC';

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
  const config = typeof connection === 'string' ? { connectionString: connection } : connection;
  // The rows' times come as text in the session's DateStyle and TimeZone: made ISO and UTC.
  const options = [config.options, TEXT_FORMAT].filter(Boolean).join(' ');
  return new ReplicationReader({
    connection: { ...config, options },
    slot,
    publications: [publication],
    temporary: true,
  });
}
