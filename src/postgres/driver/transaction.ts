import type { Session } from './types.js';

/** Runs `work` between BEGIN and COMMIT on `session`, or rolls back and rethrows. @internal */
export async function inTransaction<T>(session: Session, work: () => Promise<T>): Promise<T> {
  await session.query('BEGIN');
  try {
    const result = await work();
    await session.query('COMMIT');
    return result;
  } catch (error) {
    await session.query('ROLLBACK');
    throw error;
  }
}
