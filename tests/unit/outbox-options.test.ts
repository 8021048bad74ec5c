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
  ['claimSize 0', { db, sinks: [sink], claimSize: 0 }, 'options.claimSize'],
  [
    'maxClaimSize below claimSize',
    { db, sinks: [sink], claimSize: 200, maxClaimSize: 100 },
    'options.maxClaimSize',
  ],
  ['claimsInFlight 1.5', { db, sinks: [sink], claimsInFlight: 1.5 }, 'options.claimsInFlight'],
  ['pollIntervalMs 0', { db, sinks: [sink], pollIntervalMs: 0 }, 'options.pollIntervalMs'],
  ['leaseMs NaN', { db, sinks: [sink], leaseMs: Number.NaN }, 'options.leaseMs'],
  ['retry.retries -1', { db, sinks: [sink], retry: { retries: -1 } }, 'options.retry.retries'],
  ['retry factor 0.5', { db, sinks: [sink], retry: { factor: 0.5 } }, 'options.retry.factor'],
  [
    'unknown jitter',
    { db, sinks: [sink], retry: { jitter: 'some' as never } },
    'options.retry.jitter',
  ],
  ['closeTimeoutMs -1', { db, sinks: [sink], closeTimeoutMs: -1 }, 'options.closeTimeoutMs'],
  ['a log without warn', { db, sinks: [sink], log: { info() {} } as never }, 'options.log'],
  ['unknown ordering', { db, sinks: [sink], ordering: 'global' as never }, 'options.ordering'],
  ['listen "yes"', { db, sinks: [sink], listen: 'yes' as never }, 'options.listen'],
  ['an empty id', { db, sinks: [sink], id: '' }, 'options.id'],
  ['an id of 201 characters', { db, sinks: [sink], id: 'x'.repeat(201) }, 'options.id'],
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
      schema: 'eventrail',
      claimSize: 100,
      maxClaimSize: 1000,
      claimsInFlight: 2,
      pollIntervalMs: 1000,
      leaseMs: 30_000,
      retry: { retries: 10, minDelayMs: 1000, maxDelayMs: 300_000, factor: 2, jitter: 'equal' },
      ordering: 'none',
      listen: true,
      closeTimeoutMs: 10_000,
    });
    const a = new OutboxPublisher({ db, sinks: [sink] });
    const b = new OutboxPublisher({ db, publish: async () => {} });
    expect(a.id).toMatch(new RegExp(`^.+:${process.pid}:[0-9a-f]{8}$`));
    expect(a.id).not.toBe(b.id);
    expect(new OutboxPublisher({ db: pool, sinks: [sink], listen: false }).running).toBe(false);
  });

  it("claims one batch at a time by default with ordering: 'aggregate', as told otherwise", () => {
    const claimsInFlight = (options: Partial<OutboxPublisherOptions>) =>
      resolvePublisherOptions({ db, sinks: [sink], ...options }).claimsInFlight;
    expect(claimsInFlight({})).toBe(2);
    expect(claimsInFlight({ ordering: 'none' })).toBe(2);
    expect(claimsInFlight({ ordering: 'aggregate' })).toBe(1);
    expect(claimsInFlight({ ordering: 'aggregate', claimsInFlight: 3 })).toBe(3);
  });

  it('raises maxClaimSize to a claimSize given above it, and resolves a partial retry over its defaults', () => {
    const resolved = resolvePublisherOptions({
      db,
      sinks: [sink],
      claimSize: 2000,
      retry: { retries: 3 },
    });
    expect(resolved.maxClaimSize).toBe(2000);
    expect(resolved.retry).toEqual({
      retries: 3,
      minDelayMs: 1000,
      maxDelayMs: 300_000,
      factor: 2,
      jitter: 'equal',
    });
  });

  it('refuses an unknown or misspelt option, naming the closest one (or all when none is close)', () => {
    const misspelt: [Record<string, unknown>, string, string][] = [
      [{ stopTimeoutMs: 10 }, 'options.stopTimeoutMs', "did you mean 'closeTimeoutMs'?"],
      [{ pollIntervalMS: 10 }, 'options.pollIntervalMS', "did you mean 'pollIntervalMs'?"],
      [{ claimsize: 10 }, 'options.claimsize', "did you mean 'claimSize'?"],
      [{ retry: { retires: 3 } }, 'options.retry.retires', "did you mean 'retries'?"],
      [{ batchSize: 10 }, 'options.batchSize', 'options are db, schema, sinks, publish'],
    ];
    for (const [extra, field, hint] of misspelt) {
      const attempt = () =>
        new OutboxPublisher({ db, sinks: [sink], ...extra } as OutboxPublisherOptions);
      expect(attempt).toThrowError(ValidationError);
      expect(attempt).toThrowError(expect.objectContaining({ field, code: 'VALIDATION_UNKNOWN' }));
      expect(attempt).toThrowError(hint);
    }
  });

  it('refuses no options, or options that are not an object, with a ValidationError', () => {
    const Publisher = OutboxPublisher as unknown as new (options?: unknown) => OutboxPublisher;
    for (const options of [undefined, null, 'db', 42]) {
      const attempt = () => new Publisher(options);
      expect(attempt).toThrowError(ValidationError);
      expect(attempt).toThrowError(expect.objectContaining({ field: 'options' }));
    }
  });
});

describe('OutboxWriter options', () => {
  const badWriter: [string, OutboxWriterOptions, string][] = [
    ['a bad schema', { schema: 'x y' }, 'options.schema'],
    ['maxPayloadBytes 0', { maxPayloadBytes: 0 }, 'options.maxPayloadBytes'],
    ['notify 1', { notify: 1 as never }, 'options.notify'],
    ['a catalog that is not one', { catalog: {} as never }, 'options.catalog'],
    ['options that are not an object', 'eventrail' as never, 'options'],
    ['a misspelt option', { notfy: false } as never, 'options.notfy'],
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
