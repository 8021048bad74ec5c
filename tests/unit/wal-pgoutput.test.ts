/**
 * The decoder of the replication stream on crafted frames: what each field becomes, and a frame
 * cut short or of an unknown column kind refused as `WAL_REPLICATION` (the real server's output
 * is tested in tests/wal/replication.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { WalError } from '../../src/postgres/wal/errors.js';
import { decodeFrame, decodePgoutput, standbyStatus } from '../../src/postgres/wal/pgoutput.js';

const u8 = (n: number) => Buffer.from([n]);
const i16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};
const str = (s: string) => Buffer.concat([Buffer.from(s), u8(0)]);
const tag = (c: string) => Buffer.from(c);
/** 2024-01-01T00:00:00Z in microseconds since 2000-01-01. */
const PG_2024 = 757_382_400_000_000n;

describe('the pgoutput decoder', () => {
  it('reads XLogData and keepalive frames', () => {
    const body = Buffer.from('B-body');
    expect(decodeFrame(Buffer.concat([tag('w'), u64(1n), u64(99n), u64(0n), body]))).toEqual({
      kind: 'data',
      walEnd: 99n,
      body,
    });
    expect(decodeFrame(Buffer.concat([tag('k'), u64(77n), u64(0n), u8(1)]))).toEqual({
      kind: 'keepalive',
      walEnd: 77n,
      replyNow: true,
    });
    expect(decodeFrame(tag('x'))).toBeUndefined();
  });

  it('decodes begin, commit, message, relation and insert', () => {
    expect(decodePgoutput(Buffer.concat([tag('B'), u64(5n), u64(PG_2024), u32(42)]))).toEqual({
      kind: 'begin',
      finalLsn: 5n,
      xid: 42,
    });
    expect(
      decodePgoutput(Buffer.concat([tag('C'), u8(0), u64(5n), u64(6n), u64(PG_2024)])),
    ).toEqual({
      kind: 'commit',
      commitLsn: 5n,
      endLsn: 6n,
      commitTime: new Date('2024-01-01T00:00:00Z'),
    });
    const content = Buffer.from('{"a":"ü"}');
    expect(
      decodePgoutput(
        Buffer.concat([tag('M'), u8(1), u64(4n), str('p'), u32(content.length), content]),
      ),
    ).toEqual({ kind: 'message', transactional: true, lsn: 4n, prefix: 'p', content });
    const column = (name: string) => Buffer.concat([u8(0), str(name), u32(25), u32(0xffffffff)]);
    expect(
      decodePgoutput(
        Buffer.concat([
          tag('R'),
          u32(16384),
          str('public'),
          str('t'),
          u8(100),
          i16(2),
          column('id'),
          column('v'),
        ]),
      ),
    ).toEqual({ kind: 'relation', oid: 16384, schema: 'public', table: 't', columns: ['id', 'v'] });
    expect(
      decodePgoutput(
        Buffer.concat([
          tag('I'),
          u32(16384),
          tag('N'),
          i16(3),
          tag('t'),
          u32(2),
          Buffer.from('ok'),
          tag('n'),
          tag('u'),
        ]),
      ),
    ).toEqual({ kind: 'insert', oid: 16384, values: ['ok', null, null] });
    expect(decodePgoutput(tag('Y'))).toEqual({ kind: 'other', tag: 'Y' });
  });

  it('refuses a frame cut short, or a column in binary', () => {
    const cut = () => decodePgoutput(Buffer.concat([tag('B'), u64(5n)]));
    expect(cut).toThrow(WalError);
    expect(cut).toThrow(expect.objectContaining({ code: 'WAL_REPLICATION' }));
    const binary = () =>
      decodePgoutput(Buffer.concat([tag('I'), u32(1), tag('N'), i16(1), tag('b'), u32(0)]));
    expect(binary).toThrow(expect.objectContaining({ code: 'WAL_REPLICATION' }));
    expect(() =>
      decodePgoutput(Buffer.concat([tag('M'), u8(1), u64(1n), Buffer.from('p')])),
    ).toThrow(/terminator/);
  });

  it('writes a standby status update with one position for written, flushed and applied', () => {
    const update = standbyStatus(0x1_0000_0002n, Date.UTC(2024, 0, 1));
    expect(update.length).toBe(34);
    expect(update.toString('latin1', 0, 1)).toBe('r');
    for (const at of [1, 9, 17]) expect(update.readBigUInt64BE(at)).toBe(0x1_0000_0002n);
    expect(update.readBigInt64BE(25)).toBe(PG_2024);
    expect(update[33]).toBe(0);
  });
});
