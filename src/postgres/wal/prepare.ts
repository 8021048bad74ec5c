import { toExecutor } from '../driver/executor.js';
import type { PgDatabase } from '../driver/types.js';
import { WalError } from './errors.js';
import { readWalServer, serverRefusal, serverWarnings, type WalWarning } from './preflight.js';
import { createSlot, foreign } from './slot.js';
import { invalidated, readSlot } from './slot-status.js';

/**
 * The checks of a relay's `start()`, those of `checkWalServer` (`wal_level = logical`, a role
 * that may replicate, a slot not invalidated), then the slot and its publication: made when
 * missing (`createSlot`), else required to exist as a pgoutput slot of this database. Throws a
 * {@link WalError} naming what is wrong; resolves with the server's warnings.
 * @internal
 */
export async function prepareSlot(
  db: PgDatabase,
  slot: string,
  create: boolean,
): Promise<readonly WalWarning[]> {
  if (create) return (await createSlot({ db, slot })).warnings;
  const session = toExecutor(db);
  const server = await readWalServer(session);
  const refused = serverRefusal(server);
  if (refused) throw refused;
  const status = await readSlot(session, slot);
  if (!status.exists) {
    throw new WalError(
      'WAL_SLOT_MISSING',
      `replication slot "${slot}" does not exist (createSlot is off)`,
    );
  }
  const unfit = invalidated(status) ?? foreign(status, server.database);
  if (unfit) throw unfit;
  return serverWarnings(server, status);
}
