import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../../errors.js';
import { custom, type Spec } from '../../options/spec.js';
import type { ResolvedFilters } from '../read/filters.js';
import type { ResolvedScope } from '../read/scope.js';
import type { KeysetPosition, SortOrder } from '../sql/queries.js';

/** Shortest secret accepted, in bytes (or characters). */
export const MIN_CURSOR_SECRET_LENGTH = 16;

const VERSION = '1';
const TAG_BYTES = 16;
const MAX_CURSOR_LENGTH = 256;
const BODY = /^1:(-?\d{1,20}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

let processSecret: Buffer | undefined;

/** A random secret made on first use and kept for the life of the process. */
function perProcessSecret(): Buffer {
  processSecret ??= randomBytes(32);
  return processSecret;
}

function invalid(message: string, field = 'page.cursor'): ValidationError {
  return new ValidationError(field, 'VALIDATION_RANGE', message);
}

/** Refuses what cannot be a cursor at all (not a string, empty, too long). @internal */
export function checkShape(cursor: unknown, field: string): asserts cursor is string {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) {
    throw invalid('must be a cursor returned by a previous read', field);
  }
}

const SECRET = `a string or a Uint8Array of at least ${MIN_CURSOR_SECRET_LENGTH} bytes`;

/** The bytes of a cursor secret, or a ValidationError naming `field`. */
function secretBytes(secret: unknown, field: string): Buffer {
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) {
    throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${SECRET}`);
  }
  const bytes = Buffer.from(secret);
  if (bytes.length < MIN_CURSOR_SECRET_LENGTH) {
    throw new ValidationError(field, 'VALIDATION_RANGE', `must be ${SECRET}`);
  }
  return bytes;
}

/** The `cursorSecret` option of the parts that make cursors. @internal */
export function cursorSecretSpec(): Spec<string | Uint8Array | undefined> {
  return custom(SECRET, (value, field) => {
    secretBytes(value, field);
    return value as string | Uint8Array;
  }).optional('a random secret per process');
}

/**
 * What a cursor is bound to: the schema, scope and filters of the read, and its kind (a list
 * read's order, or `stream`). The time range (`from`, `to`) is left out on purpose (see
 * {@link CursorCodec}). @internal
 */
export function cursorBinding(
  schema: string,
  scope: ResolvedScope,
  filters: ResolvedFilters,
  kind: SortOrder | 'stream',
): string {
  return JSON.stringify([schema, scope, { ...filters, from: null, to: null }, kind]);
}

/**
 * Makes and checks keyset cursors: `base64url(position) . base64url(HMAC-SHA256)`. The tag
 * covers the position and a binding (the schema, scope, filters and order of the read that
 * made it), so a cursor that was altered, forged without the secret, or replayed on another
 * user's or another filter's read is refused. The time range (`from`, `to`) is left out of the
 * binding on purpose: a window that follows the clock (recentErrors') moves between pages, and a
 * range only narrows what the scope already allows. The position is not hidden, only
 * authenticated.
 * @internal
 */
export class CursorCodec {
  readonly #secret: Buffer;

  /** `secret`: at least 16 bytes; when absent, one random secret per process. */
  constructor(secret: string | Uint8Array | undefined, field = 'options.cursorSecret') {
    this.#secret = secret === undefined ? perProcessSecret() : secretBytes(secret, field);
  }

  #tag(body: string, binding: string): Buffer {
    return createHmac('sha256', this.#secret)
      .update(`${body}\n${binding}`)
      .digest()
      .subarray(0, TAG_BYTES);
  }

  /** Signs any `body` for `binding`: the stream's positions use this with a body of their own. */
  seal(body: string, binding: string): string {
    const tag = this.#tag(body, binding);
    return `${Buffer.from(body).toString('base64url')}.${tag.toString('base64url')}`;
  }

  /** The body of a cursor sealed by this secret for `binding`, or `null` when it was not. */
  open(cursor: string, binding: string): string | null {
    const [encodedBody = '', encodedTag = '', extra] = cursor.split('.');
    const body = Buffer.from(encodedBody, 'base64url').toString();
    const tag = Buffer.from(encodedTag, 'base64url');
    const expected = this.#tag(body, binding);
    if (extra !== undefined || tag.length !== TAG_BYTES || !timingSafeEqual(tag, expected)) {
      return null;
    }
    return body;
  }

  encode(position: KeysetPosition, binding: string): string {
    return this.seal(`${VERSION}:${position.micros}:${position.id}`, binding);
  }

  /** The position a cursor points at, if it was made by this secret for this `binding`. */
  decode(cursor: unknown, binding: string): KeysetPosition {
    checkShape(cursor, 'page.cursor');
    const body = this.open(cursor, binding);
    if (body === null) {
      throw invalid(
        'is not a cursor of this read (altered, made with another secret, or made for another scope, filter or order)',
      );
    }
    const match = BODY.exec(body);
    if (!match) throw invalid('has an unknown format');
    return { micros: match[1] as string, id: match[2] as string };
  }
}
