import { ValidationError } from '../../errors.js';
import { type CursorCodec, checkShape } from '../cursor/codec.js';
import type { StreamPosition } from '../read/position.js';
import type { KeysetPosition } from '../sql/queries.js';

const BODY = /^s1:(\d{1,20}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The signed cursor of a stream position, bound to one scope and filter set. @internal */
export function encodePosition(codec: CursorCodec, position: StreamPosition, binding: string) {
  return codec.seal(`s1:${position.tx}:${position.id}`, binding);
}

/**
 * What an `after` cursor points at: a stream position (a cursor this stream gave), or an event
 * of an ascending list read of the same scope and filters (a `nextCursor` of `listEvents`),
 * whose stream position the caller then looks up. Anything else is refused.
 * @internal
 */
export function decodeAfter(
  codec: CursorCodec,
  cursor: unknown,
  bindings: { readonly stream: string; readonly list: string },
  field: string,
): { stream: StreamPosition } | { list: KeysetPosition } {
  checkShape(cursor, field);
  const body = codec.open(cursor, bindings.stream);
  const match = body === null ? null : BODY.exec(body);
  if (match) return { stream: { tx: match[1] as string, id: match[2] as string } };
  if (codec.open(cursor, bindings.list) !== null) {
    return { list: codec.decode(cursor, bindings.list) };
  }
  throw new ValidationError(
    field,
    'VALIDATION_RANGE',
    'is not a cursor of this stream, nor a nextCursor of an ascending list read of the same scope and filters',
  );
}
