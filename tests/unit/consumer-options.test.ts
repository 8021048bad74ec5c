import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { consumerOptions } from '../../src/postgres/consume/options.js';
import { Consumer, type ConsumerOptions } from '../../src/postgres/index.js';

/** Enough of a pool for construction, which never touches it (counted below). */
let queries = 0;
const client = {
  query: async () => {
    queries += 1;
    return { rows: [] };
  },
};
const db = { ...client, totalCount: 0, connect: async () => client, options: { max: 10 } };
const handle = async () => {};
const base = { db, name: 'c', from: 'start', handle } as const;

const bad: [string, Partial<ConsumerOptions>, string][] = [
  ['no options', undefined as never, 'options'],
  ['no db', { ...base, db: undefined as never }, 'options.db'],
  ['a Client, not a pool', { ...base, db: client }, 'options.db'],
  [
    'a pool of one connection while listening',
    { ...base, db: { ...db, options: { max: 1 } } },
    'options.db',
  ],
  ['no name', { ...base, name: undefined as never }, 'options.name'],
  ['an empty name', { ...base, name: '' }, 'options.name'],
  ["a name of replay's", { ...base, name: 'replay:x' }, 'options.name'],
  ['no from', { ...base, from: undefined as never }, 'options.from'],
  ["from 'beginning'", { ...base, from: 'beginning' as never }, 'options.from'],
  ['from an invalid Date', { ...base, from: new Date(Number.NaN) }, 'options.from'],
  ['no handle', { ...base, handle: undefined as never }, 'options.handle'],
  ['partitions 0', { ...base, partitions: 0 }, 'options.partitions'],
  ['partitions 1.5', { ...base, partitions: 1.5 }, 'options.partitions'],
  ['batchSize 0', { ...base, batchSize: 0 }, 'options.batchSize'],
  [
    'heartbeatMs not below leaseMs',
    { ...base, leaseMs: 1000, heartbeatMs: 1000 },
    'options.heartbeatMs',
  ],
  ['retry.retries -1', { ...base, retry: { retries: -1 } }, 'options.retry.retries'],
  ['a scope without userId', { ...base, scope: {} as never }, 'options.scope.userId'],
  [
    'filters with from',
    { ...base, filters: { from: new Date() } as never },
    'options.filters.from',
  ],
  ['a typo', { ...base, batchsize: 10 } as never, 'options.batchsize'],
  ['a bad schema', { ...base, schema: 'a;b' }, 'options.schema'],
];

describe('Consumer options', () => {
  it.each(bad)('refuses %s at construction, naming the option', (_name, options, field) => {
    const attempt = () => new Consumer(options as ConsumerOptions);
    expect(attempt).toThrowError(ValidationError);
    expect(attempt).toThrowError(expect.objectContaining({ field }));
  });

  it('runs nothing in its constructor, and has documented defaults', () => {
    queries = 0;
    const consumer = new Consumer({ ...base });
    expect(queries).toBe(0);
    expect(consumer.metrics()).toMatchObject({ handled: 0, partitionsOwned: 0, lagEvents: 0 });
    expect(consumer.member).toMatch(/:\d+:[0-9a-f]{8}$/);
    expect(consumerOptions.defaults).toMatchObject({
      partitions: 16,
      batchSize: 100,
      leaseMs: 10_000,
      heartbeatMs: 2000,
      pollIntervalMs: 1000,
      listen: true,
      closeTimeoutMs: 10_000,
      retry: { retries: 4, minDelayMs: 100, maxDelayMs: 2000, factor: 2, jitter: 'equal' },
    });
  });

  it('closes without having started, and refuses start() after', async () => {
    const consumer = new Consumer({ ...base });
    expect(await consumer.close()).toEqual({ timedOut: false, released: 0 });
    await expect(consumer.start()).rejects.toMatchObject({ code: 'CLOSED' });
    expect(queries).toBe(0);
  });
});
