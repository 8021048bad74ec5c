import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * The default name of a part that several processes run at once (an outbox publisher, a WAL
 * relay): `<hostname>:<pid>:<4 random hex bytes>`. @internal
 */
export function instanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}
