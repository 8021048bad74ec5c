/**
 * The WAL transport end to end on one relay: what an `OutboxWriter` with `transport: 'wal'`
 * commits reaches the sinks as the very record the table outbox publishes, rolled back writes
 * never do, nothing touches `event_outbox`, and a failing sink holds the slot's position.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type EventInput, MemorySink, ValidationError } from '../../src/index.js';
import { OutboxPublisher, OutboxWriter, WalError, WalRelay } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, waitFor } from '../helpers/outbox.js';
import { slotPosition, take, useReaders, useRelays, walWriter } from '../helpers/wal.js';

const db = useTestDatabase({ server: 'logical' });
const relays = useRelays(db);
const readers = useReaders(() => db.url);
let slots = 0;
const slot = () => `delivery_${++slots}`;
const publishers: OutboxPublisher[] = [];
afterEach(async () => {
  await Promise.all(publishers.splice(0).map((p) => p.close()));
});

describe('WalRelay with OutboxWriter({ transport: "wal" })', () => {
  it('delivers the record the table outbox publishes, and writes nothing to event_outbox', async () => {
    const input: EventInput = {
      type: 'order_placed',
      userId: 'user-1',
      projectId: 'p',
      aggregateType: 'order',
      aggregateId: 'o-1',
      correlationId: 'c-1',
      priority: 3,
      occurredAt: new Date('2024-02-03T04:05:06.789Z'),
      payload: {
        total: 12.5,
        items: [{ sku: 'a', qty: 2 }],
        note: 'ünï\n"q"',
        nested: { z: 1, a: null },
      },
    };
    const { relay, sink } = relays.relay({ slot: slot() });
    await relay.start();
    expect(relay.state).toBe('active');
    const [walId] = await commitToOutbox(
      db.pool,
      [{ ...input, id: '0190a5f0-0000-7000-8000-000000000001' }],
      1,
      walWriter(),
    );
    const tableSink = new MemorySink();
    const publisher = new OutboxPublisher({ db: db.pool, sinks: [tableSink] });
    publishers.push(publisher);
    const [tableId] = await commitToOutbox(
      db.pool,
      [{ ...input, id: '0190a5f0-0000-7000-8000-000000000002' }],
      1,
    );
    await publisher.start();
    await waitFor(() => sink.events.length === 1 && tableSink.events.length === 1, 20_000, 'both');
    const { id: a, createdAt: ca, payloadJson: ja, ...fromWal } = sink.events[0] ?? ({} as never);
    const {
      id: b,
      createdAt: cb,
      payloadJson: jb,
      ...fromTable
    } = tableSink.events[0] ?? ({} as never);
    expect([a, b]).toEqual([walId, tableId]);
    expect(fromWal).toEqual(fromTable);
    expect(JSON.parse(ja)).toEqual(JSON.parse(jb));
    expect(ca).toBeInstanceOf(Date);
    expect(Math.abs(ca.getTime() - cb.getTime())).toBeLessThan(10_000);
    const { rows } = await db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM eventrail.event_outbox WHERE id = $1',
      [walId],
    );
    expect(rows[0]?.n).toBe(0);
  });

  it('never relays a rolled back write, and delivers the committed ones in order in few batches', async () => {
    const { relay, sink } = relays.relay({ slot: slot() });
    await relay.start();
    const writer = walWriter();
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await writer.write(client, outboxEvents(3, { type: 'rolled_back' }));
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    const ids = await commitToOutbox(db.pool, outboxEvents(2000), 20, writer);
    await waitFor(() => sink.events.length >= 2000, 30_000, 'all events');
    expect(sink.events.map((e) => e.id)).toEqual(ids);
    expect(sink.events.some((e) => e.type === 'rolled_back')).toBe(false);
    const m = relay.metrics();
    expect(m.relayed).toBe(2000);
    expect(m.transactions).toBeGreaterThanOrEqual(100);
    expect(m.batches).toBeLessThanOrEqual(100);
    expect(m.confirmedLsn).not.toBeNull();
  });

  it('retries a failing sink with backoff and never confirms past the batch it failed', async () => {
    const name = slot();
    let failures = 3;
    const seen: string[] = [];
    const { relay } = relays.relay({
      slot: name,
      retry: { minDelayMs: 50, maxDelayMs: 100 },
      publish: async (batch) => {
        if (failures-- > 0) throw Object.assign(new Error('sink down'), { code: 'ECONNRESET' });
        seen.push(...batch.map((e) => e.id));
      },
    });
    const errors: WalError[] = [];
    relay.on('error', (e) => errors.push(e));
    await relay.start();
    // A second slot tells where the transaction ends in the WAL.
    await db.pool.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [`${name}_o`]);
    const oracle = await readers.start(`${name}_o`, [name]);
    const ids = await commitToOutbox(db.pool, outboxEvents(5), 5, walWriter());
    const [tx] = await take(oracle.transactions()[Symbol.asyncIterator](), 1);
    const end = tx?.endLsn ?? 0n;
    await waitFor(() => errors.length >= 1, 20_000, 'the first failure');
    expect(await slotPosition(db.pool, name)).toBeLessThan(end);
    await waitFor(() => seen.length === 5, 20_000, 'the delivery');
    expect(seen).toEqual(ids);
    expect(errors.map((e) => e.code)).toEqual(['WAL_DELIVERY', 'WAL_DELIVERY', 'WAL_DELIVERY']);
    expect(errors[0]).toBeInstanceOf(WalError);
    await waitFor(
      async () => (await slotPosition(db.pool, name)) >= end,
      20_000,
      'the confirmation',
    );
    expect(relay.metrics().errors).toBe(3);
  });

  it('refuses bad options at construction, naming the field', () => {
    expect(() => new WalRelay({ db: db.pool, slot: 'Bad-Name', publish: async () => {} })).toThrow(
      expect.objectContaining({ field: 'options.slot' }),
    );
    expect(() => new WalRelay({ db: db.pool })).toThrow(ValidationError);
    expect(() => new OutboxWriter({ transport: 'kafka' as never })).toThrow(
      expect.objectContaining({ field: 'options.transport' }),
    );
  });
});
