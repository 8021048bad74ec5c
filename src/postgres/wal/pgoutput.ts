/**
 * Decoder of what a logical replication connection sends: the walsender's CopyData frames
 * (`w` XLogData, `k` keepalive) and, inside XLogData, the pgoutput plugin's messages of
 * `proto_version` 1. Only what the WAL transport reads is decoded (Begin, Commit, Message,
 * Relation, Insert); the rest is `{ kind: 'other' }`. Column values arrive in text format.
 */
import { WalError } from './errors.js';

/** Microseconds between the Unix epoch and Postgres' (2000-01-01). */
const PG_EPOCH_US = 946_684_800_000_000n;

/** A walsender frame: XLogData around a pgoutput message, or a keepalive; `walEnd` is the server's end of WAL. */
export type WalFrame =
  | { readonly kind: 'data'; readonly walEnd: bigint; readonly body: Buffer }
  | { readonly kind: 'keepalive'; readonly walEnd: bigint; readonly replyNow: boolean };

/** A relation (table) as pgoutput describes it before its first row change. */
export interface WalRelation {
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
}

/** One pgoutput message. */
export type PgoutputMessage =
  | { readonly kind: 'begin'; readonly finalLsn: bigint; readonly xid: number }
  | {
      readonly kind: 'commit';
      readonly commitLsn: bigint;
      readonly endLsn: bigint;
      readonly commitTime: Date;
    }
  | {
      readonly kind: 'message';
      readonly transactional: boolean;
      readonly lsn: bigint;
      readonly prefix: string;
      readonly content: Buffer;
    }
  | ({ readonly kind: 'relation'; readonly oid: number } & WalRelation)
  | { readonly kind: 'insert'; readonly oid: number; readonly values: readonly (string | null)[] }
  | { readonly kind: 'other'; readonly tag: string };

/** A cursor over one buffer; reading past its end is a `WAL_REPLICATION` error. */
class Cursor {
  #at = 0;
  constructor(readonly buf: Buffer) {}

  #take(n: number): number {
    const at = this.#at;
    if (at + n > this.buf.length) throw malformed('message ends early');
    this.#at += n;
    return at;
  }
  u8(): number {
    return this.buf.readUInt8(this.#take(1));
  }
  i16(): number {
    return this.buf.readInt16BE(this.#take(2));
  }
  u32(): number {
    return this.buf.readUInt32BE(this.#take(4));
  }
  i32(): number {
    return this.buf.readInt32BE(this.#take(4));
  }
  u64(): bigint {
    return this.buf.readBigUInt64BE(this.#take(8));
  }
  i64(): bigint {
    return this.buf.readBigInt64BE(this.#take(8));
  }
  bytes(n: number): Buffer {
    const at = this.#take(n);
    return this.buf.subarray(at, at + n);
  }
  /** A NUL-terminated string. */
  cstring(): string {
    const end = this.buf.indexOf(0, this.#at);
    if (end < 0) throw malformed('string without its terminator');
    const at = this.#take(end - this.#at + 1);
    return this.buf.toString('utf8', at, end);
  }
  rest(): Buffer {
    return this.bytes(this.buf.length - this.#at);
  }
}

function malformed(what: string): WalError {
  return new WalError('WAL_REPLICATION', `undecodable replication data: ${what}`);
}

/** A Postgres timestamp (microseconds since 2000-01-01) as a `Date`. */
function pgTime(us: bigint): Date {
  return new Date(Number((us + PG_EPOCH_US) / 1000n));
}

/** Decodes one CopyData payload of the replication stream; `undefined` for frames we ignore. */
export function decodeFrame(data: Buffer): WalFrame | undefined {
  const c = new Cursor(data);
  const tag = String.fromCharCode(c.u8());
  if (tag === 'w') {
    c.u64(); // where this data starts
    const walEnd = c.u64();
    c.u64(); // the server's clock
    return { kind: 'data', walEnd, body: c.rest() };
  }
  if (tag === 'k') {
    const walEnd = c.u64();
    c.u64(); // the server's clock
    return { kind: 'keepalive', walEnd, replyNow: c.u8() === 1 };
  }
  return undefined;
}

/** Decodes one pgoutput message (the body of an XLogData frame). */
export function decodePgoutput(body: Buffer): PgoutputMessage {
  const c = new Cursor(body);
  const tag = String.fromCharCode(c.u8());
  switch (tag) {
    case 'B': {
      const finalLsn = c.u64();
      c.i64(); // commit time, repeated by Commit
      return { kind: 'begin', finalLsn, xid: c.u32() };
    }
    case 'C': {
      c.u8(); // flags, unused
      const commitLsn = c.u64();
      const endLsn = c.u64();
      return { kind: 'commit', commitLsn, endLsn, commitTime: pgTime(c.i64()) };
    }
    case 'M': {
      const transactional = (c.u8() & 1) === 1;
      const lsn = c.u64();
      const prefix = c.cstring();
      const content = Buffer.from(c.bytes(c.u32()));
      return { kind: 'message', transactional, lsn, prefix, content };
    }
    case 'R': {
      const oid = c.u32();
      const schema = c.cstring();
      const table = c.cstring();
      c.u8(); // replica identity
      const columns: string[] = [];
      for (let n = c.i16(); n > 0; n--) {
        c.u8(); // flags (part of the key)
        columns.push(c.cstring());
        c.u32(); // type oid
        c.i32(); // type modifier
      }
      return { kind: 'relation', oid, schema, table, columns };
    }
    case 'I': {
      const oid = c.u32();
      if (c.u8() !== 0x4e) throw malformed('insert without its new tuple');
      return { kind: 'insert', oid, values: tuple(c) };
    }
    default:
      return { kind: 'other', tag };
  }
}

/** TupleData: every column null, unchanged TOAST (reported as null) or text. */
function tuple(c: Cursor): (string | null)[] {
  const values: (string | null)[] = [];
  for (let n = c.i16(); n > 0; n--) {
    const kind = String.fromCharCode(c.u8());
    if (kind === 't') values.push(c.bytes(c.u32()).toString('utf8'));
    else if (kind === 'n' || kind === 'u') values.push(null);
    else throw malformed(`column of kind '${kind}' (only text format is asked for)`);
  }
  return values;
}

/**
 * A standby status update: written, flushed and applied all at `lsn`, with the client's clock;
 * `replyNow` asks the server to answer at once.
 */
export function standbyStatus(lsn: bigint, now = Date.now()): Buffer {
  const buf = Buffer.alloc(34);
  buf.writeUInt8(0x72, 0); // 'r'
  buf.writeBigUInt64BE(lsn, 1);
  buf.writeBigUInt64BE(lsn, 9);
  buf.writeBigUInt64BE(lsn, 17);
  buf.writeBigInt64BE(BigInt(now) * 1000n - PG_EPOCH_US, 25);
  buf.writeUInt8(0, 33);
  return buf;
}
