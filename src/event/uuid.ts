import { randomFillSync } from 'node:crypto';

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, '0'),
);
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Random bytes are drawn in blocks, so that one id costs no system call. */
const pool = new Uint8Array(4096);
let poolOffset = pool.length;
let lastMs = -1;
let sequence = 0;

function randomBytes(count: number): number {
  if (poolOffset + count > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += count;
  return at;
}

/** `xxxxxxxx-xxxx-`: the 48 bits of milliseconds of `lastMs`, made once per millisecond. */
let msPrefix = '';

function prefixOf(ms: number): string {
  const high = Math.floor(ms / 0x10000);
  const low = ms % 0x10000;
  return `${HEX[(high >>> 24) & 0xff]}${HEX[(high >>> 16) & 0xff]}${HEX[(high >>> 8) & 0xff]}${
    HEX[high & 0xff]
  }-${HEX[low >>> 8]}${HEX[low & 0xff]}-`;
}

/**
 * A new UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit sequence that keeps ids
 * generated in the same millisecond increasing (RFC 9562 §6.2, method 1), then 62 random bits.
 * Ids from one process therefore sort in generation order, which keeps B-tree inserts local.
 */
export function uuidv7(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    msPrefix = prefixOf(now);
    const at = randomBytes(2);
    // Start low in the 12-bit space so that many ids fit in one millisecond before borrowing.
    sequence = ((pool[at] as number) << 2) | ((pool[at + 1] as number) & 0x3);
  } else if (++sequence > 0xfff) {
    // More than ~3000 ids in one millisecond: borrow the next millisecond to stay monotonic.
    lastMs += 1;
    msPrefix = prefixOf(lastMs);
    sequence = 0;
  }
  const at = randomBytes(8);
  const p = pool;
  return (
    msPrefix +
    HEX[0x70 | (sequence >>> 8)] +
    HEX[sequence & 0xff] +
    '-' +
    HEX[0x80 | ((p[at] as number) & 0x3f)] +
    HEX[p[at + 1] as number] +
    '-' +
    HEX[p[at + 2] as number] +
    HEX[p[at + 3] as number] +
    HEX[p[at + 4] as number] +
    HEX[p[at + 5] as number] +
    HEX[p[at + 6] as number] +
    HEX[p[at + 7] as number]
  );
}

/** Whether `value` is a UUID in its canonical textual form (any version, either case). */
export function isUuid(value: string): boolean {
  return value.length === 36 && UUID_PATTERN.test(value);
}
