import { describe, expect, it } from 'vitest';
import { MemorySink, ValidationError } from '../../src/index.js';
import {
  DEFAULT_OUTBOX_PUBLISHER_OPTIONS,
  OutboxPublisher,
  type OutboxPublisherOptions,
  OutboxWriter,
  type OutboxWriterOptions,
} from '../../src/postgres/index.js';
import { resolvePublisherOptions } from '../../src/postgres/outbox/options.js';

/** Enough of a database for construction, which never touches it. */
const db = { query: async () => ({ rows: [] }) };
const pool = { ...db, totalCount: 0, connect: async () => db, options: { max: 1 } } as never;
const sink = new MemorySink();

const bad: [string, Partial<OutboxPublisherOptions>, string][] = [
  ['no db', { db: undefined as never, sinks: [sink] }, 'options.db'],
  ['no sinks and no publish', { db }, 'options.sinks'],
  ['an empty sink list', { db, sinks: [] }, 'options.sinks'],
  ['sinks and publish', { db, sinks: [sink], publish: async () => {} }, 'options.publish'],
  ['a publish that is not a function', { db, publish: 'x' as never }, 'options.publish'],
  ['a sink without write', { db, sinks: [{ name: 'x' } as never] }, 'options.sinks[0]'],
  ['two sinks of one name', { db, sinks: [sink, new MemorySink()] }, 'options.sinks[1].name'],
  ['batchSize 0', { db, sinks: [sink], batchSize: 0 }, 'options.batchSize'],
  [
    'maxBatchSize below batchSize',
    { db, sinks: [sink], batchSize: 200, maxBatchSize: 100 },
    'options.maxBatchSize',
  ],
  ['concurrency 1.5', { db, sinks: [sink], concurrency: 1.5 }, 'options.concurrency'],
  ['pollIntervalMs 0', { db, sinks: [sink], pollIntervalMs: 0 }, 'options.pollIntervalMs'],
  ['leaseMs NaN', { db, sinks: [sink], leaseMs: Number.NaN }, 'options.leaseMs'],
  ['maxRetries -1', { db, sinks: [sink], maxRetries: -1 }, 'options.maxRetries'],
  ['backoff factor 0.5', { db, sinks: [sink], backoff: { factor: 0.5 } }, 'options.backoff.factor'],
  [
    'unknown jitter',
    { db, sinks: [sink], backoff: { jitter: 'some' as never } },
    'options.backoff.jitter',
  ],
  ['unknown ordering', { db, sinks: [sink], ordering: 'global' as never }, 'options.ordering'],
  ['listen "yes"', { db, sinks: [sink], listen: 'yes' as never }, 'options.listen'],
  ['an empty id', { db, sinks: [sink], id: '' }, 'options.id'],
  ['a schema that is not an identifier', { db, sinks: [sink], schema: 'a;b' }, 'options.schema'],
  ['a pool of one connection while listening', { db: pool, sinks: [sink] }, 'options.db'],
];

describe('OutboxPublisher options', () => {
  it.each(bad)('refuses %s at construction, naming the option', (_name, options, field) => {
    const attempt = () => new OutboxPublisher(options as OutboxPublisherOptions);
    expect(attempt).toThrowError(ValidationError);
    expect(attempt).toThrowError(expect.objectContaining({ field }));
  });

  it('has documented defaults and a readable, unique id per publisher', () => {
    expect(DEFAULT_OUTBOX_PUBLISHER_OPTIONS).toEqual({
      batchSize: 100,
      maxBatchSize: 1000,
      concurrency: 2,
      pollIntervalMs: 1000,
      leaseMs: 30_000,
      maxRetries: 10,
      ordering: 'none',
      listen: true,
      stopTimeoutMs: 10_000,
    });
    const a = new OutboxPublisher({ db, sinks: [sink] });
    const b = new OutboxPublisher({ db, publish: async () => {} });
    expect(a.id).toMatch(new RegExp(`^.+:${process.pid}:[0-9a-f]{8}$`));
    expect(a.id).not.toBe(b.id);
    expect(new OutboxPublisher({ db: pool, sinks: [sink], listen: false }).running).toBe(false);
  });

  it("claims one batch at a time by default with ordering: 'aggregate', as told otherwise", () => {
    const concurrency = (options: Partial<OutboxPublisherOptions>) =>
      resolvePublisherOptions({ db, sinks: [sink], ...options }).concurrency;
    expect(concurrency({})).toBe(2);
    expect(concurrency({ ordering: 'none' })).toBe(2);
    expect(concurrency({ ordering: 'aggregate' })).toBe(1);
    expect(concurrency({ ordering: 'aggregate', concurrency: 3 })).toBe(3);
  });
});

describe('OutboxWriter options', () => {
  const badWriter: [string, OutboxWriterOptions, string][] = [
    ['a bad schema', { schema: 'x y' }, 'options.schema'],
    ['maxPayloadBytes 0', { maxPayloadBytes: 0 }, 'options.maxPayloadBytes'],
    ['notify 1', { notify: 1 as never }, 'options.notify'],
  ];
  it.each(badWriter)('refuses %s, naming the option', (_name, options, field) => {
    expect(() => new OutboxWriter(options)).toThrowError(expect.objectContaining({ field }));
  });

  it('refuses a too large payload before touching the transaction', async () => {
    let queries = 0;
    const tx = { query: async () => queries++ };
    const writer = new OutboxWriter({ maxPayloadBytes: 64 });
    await expect(
      writer.write(tx, { type: 't', userId: 'u', payload: { text: 'x'.repeat(100) } }),
    ).rejects.toMatchObject({ field: 'payload', code: 'VALIDATION_TOO_LARGE' });
    expect(await writer.write(tx, [])).toEqual([]);
    expect(queries).toBe(0);
    expect(await writer.write(tx, { type: 't', userId: 'u' })).toMatch(/^[0-9a-f-]{36}$/);
    expect(queries).toBe(1);
  });
});
