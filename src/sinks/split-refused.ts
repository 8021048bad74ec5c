/**
 * Writes `events` with `write`, which returns the part a sink refused as invalid data when that
 * part must be split further (two events or more), or nothing when every event is settled. The
 * refused part is split in halves, each written the same way, until the refused events stand
 * alone; the rest of the batch gets written. The logger and the outbox publisher both isolate
 * bad events this way. @internal
 */
export async function splitRefused<T>(
  events: readonly T[],
  write: (part: readonly T[]) => Promise<readonly T[] | undefined>,
): Promise<void> {
  const refused = await write(events);
  if (!refused || refused.length < 2) return;
  const middle = refused.length >>> 1;
  await splitRefused(refused.slice(0, middle), write);
  await splitRefused(refused.slice(middle), write);
}
