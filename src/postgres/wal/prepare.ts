import type { Session } from '../driver/types.js';
import { walSetupSql } from '../sql/wal.js';
import { WalError } from './errors.js';

/**
 * The checks of a relay's `start()`: `wal_level = logical`, a role that may replicate, then the
 * slot (plugin `pgoutput`, in this database, not invalidated) and its publication, created when
 * missing and `create` allows. Throws a {@link WalError} naming what is wrong.
 * @internal
 */
export async function prepareSlot(db: Session, slot: string, create: boolean): Promise<void> {
  const settings = await db.query<{ wal_level: string; may_replicate: boolean | null }>(
    walSetupSql.settings,
  );
  const { wal_level: level, may_replicate: mayReplicate } = settings.rows[0] ?? {};
  if (level !== 'logical') {
    throw new WalError(
      'WAL_LEVEL',
      `the server runs with wal_level = '${level}'; the WAL transport needs wal_level = logical (postgresql.conf, then a restart)`,
    );
  }
  if (mayReplicate !== true) {
    throw new WalError(
      'WAL_PRIVILEGE',
      'the role may not replicate: ALTER ROLE ... WITH REPLICATION (or connect as one that may)',
    );
  }
  await ensure(
    () => checkSlot(db, slot),
    () => db.query(walSetupSql.createSlot, [slot]),
    create,
    `replication slot "${slot}"`,
  );
  await ensure(
    async () => (await db.query(walSetupSql.publication, [slot])).rows.length > 0,
    () => db.query(walSetupSql.createPublication(slot)),
    create,
    `publication "${slot}"`,
  );
}

/** Whether the slot exists; throws when it cannot serve (another plugin, lost). */
async function checkSlot(db: Session, slot: string): Promise<boolean> {
  const { rows } = await db.query<{ plugin: string; wal_status: string | null }>(walSetupSql.slot, [
    slot,
  ]);
  const found = rows[0];
  if (!found) return false;
  if (found.wal_status === 'lost') {
    throw new WalError(
      'WAL_SLOT_INVALIDATED',
      `replication slot "${slot}" was invalidated (wal_status = 'lost'): events it had not confirmed may be gone; it is not recreated on its own`,
    );
  }
  if (found.plugin !== 'pgoutput') {
    throw new WalError(
      'WAL_REPLICATION',
      `replication slot "${slot}" uses plugin '${found.plugin}'; the relay reads 'pgoutput'`,
    );
  }
  return true;
}

/**
 * Makes sure something exists: creates it when missing (and allowed); a create that lost a race
 * with another relay's is fine when it exists afterwards.
 */
async function ensure(
  exists: () => Promise<boolean>,
  create: () => Promise<unknown>,
  allowed: boolean,
  what: string,
): Promise<void> {
  if (await exists()) return;
  if (!allowed)
    throw new WalError('WAL_SLOT_MISSING', `${what} does not exist (createSlot is off)`);
  try {
    await create();
  } catch (error) {
    if (!(await exists())) throw new WalError('WAL_REPLICATION', `could not create ${what}`, error);
  }
}
