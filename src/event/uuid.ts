import { randomFillSync } from 'node:crypto';

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, '0'),
);
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Bytes of randomness one id takes: 62 bits after the variant, or a new millisecond's sequence. */
const SLOT = 8;
const SLOTS = 512;
/** An id's last 18 characters, `-xxxx-xxxxxxxxxxxx`: the variant and 62 random bits. */
const TAIL = 18;
/**
 * Random bytes are drawn in blocks (one system call per 512 ids) and kept as text, each slot
 * already formatted as an id's tail with the RFC variant bits set, so that an id is the time
 * prefix, the sequence and one slice.
 */
const pool = new Uint8Array(SLOT * SLOTS);
const text = new Uint8Array(TAIL * SLOTS);
/** `text` two characters at a time: a tail's last 12 digits start at an even offset. */
const textPairs = new Uint16Array(text.buffer);
const textBuffer = Buffer.from(text.buffer);
let tails = '';
let slot = SLOTS;
let lastMs = -1;
let sequence = 0;
/** `7` and the 12-bit sequence as 4 hex digits, for every sequence. */
const VERSION_SEQUENCE: readonly string[] = Array.from({ length: 0x1000 }, (_, s) =>
  (0x7000 | s).toString(16),
);
/** The ASCII codes of the two hex digits of every byte, one by one and as a pair. */
const HIGH = new Uint8Array(256);
const LOW = new Uint8Array(256);
const PAIR = new Uint16Array(256);
{
  const pairBytes = new Uint8Array(PAIR.buffer);
  for (let byte = 0; byte < 256; byte++) {
    const digits = HEX[byte] as string;
    HIGH[byte] = pairBytes[2 * byte] = digits.charCodeAt(0);
    LOW[byte] = pairBytes[2 * byte + 1] = digits.charCodeAt(1);
  }
}
const DASH = 0x2d;

/** The index of a fresh slot: its bytes at `index * SLOT`, its tail at `index * TAIL`. */
function nextSlot(): number {
  if (slot === SLOTS) refill();
  return slot++;
}

function refill(): void {
  randomFillSync(pool);
  for (let at = 0, out = 0; at < pool.length; at += SLOT, out += TAIL) {
    const variant = 0x80 | ((pool[at] as number) & 0x3f);
    const second = pool[at + 1] as number;
    pool[at] = variant;
    text[out] = DASH;
    text[out + 1] = HIGH[variant] as number;
    text[out + 2] = LOW[variant] as number;
    text[out + 3] = HIGH[second] as number;
    text[out + 4] = LOW[second] as number;
    text[out + 5] = DASH;
    const pair = (out + 6) >> 1;
    for (let i = 0; i < 6; i++) textPairs[pair + i] = PAIR[pool[at + 2 + i] as number] as number;
  }
  tails = textBuffer.toString('latin1');
  slot = 0;
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
    const at = nextSlot() * SLOT + 1; // past the variant byte: 10 unbiased bits
    // Start low in the 12-bit space so that many ids fit in one millisecond before borrowing.
    sequence = ((pool[at] as number) << 2) | ((pool[at + 1] as number) & 0x3);
  } else if (++sequence > 0xfff) {
    // More than ~3000 ids in one millisecond: borrow the next millisecond to stay monotonic.
    lastMs += 1;
    msPrefix = prefixOf(lastMs);
    sequence = 0;
  }
  const tail = nextSlot() * TAIL;
  return msPrefix + VERSION_SEQUENCE[sequence] + tails.slice(tail, tail + TAIL);
}

/** Whether `value` is a UUID in its canonical textual form (any version, either case). */
export function isUuid(value: string): boolean {
  return value.length === 36 && UUID_PATTERN.test(value);
}
