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
const pool = Buffer.alloc(SLOT * SLOTS);
const text = Buffer.alloc(TAIL * SLOTS);
let tails = '';
let slot = SLOTS;
let lastMs = -1;
let sequence = 0;
/** `7` and the 12-bit sequence as 4 hex digits, for every sequence. */
const VERSION_SEQUENCE: readonly string[] = Array.from({ length: 0x1000 }, (_, s) =>
  (0x7000 | s).toString(16),
);
/** The ASCII codes of the two hex digits of every byte. */
const HIGH = Uint8Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0').charCodeAt(0));
const LOW = Uint8Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0').charCodeAt(1));
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
    pool[at] = variant;
    text[out] = DASH;
    text[out + 1] = HIGH[variant] as number;
    text[out + 2] = LOW[variant] as number;
    text[out + 3] = HIGH[pool[at + 1] as number] as number;
    text[out + 4] = LOW[pool[at + 1] as number] as number;
    text[out + 5] = DASH;
    for (let i = 2; i < SLOT; i++) {
      const byte = pool[at + i] as number;
      text[out + 2 * i + 2] = HIGH[byte] as number;
      text[out + 2 * i + 3] = LOW[byte] as number;
    }
  }
  tails = text.toString('latin1');
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
