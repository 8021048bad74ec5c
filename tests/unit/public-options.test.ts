/**
 * Every public constructor, function and method of every entry point that takes options, called
 * as a new user, a careless one and a hostile one would call it: valid options, a misspelt key,
 * no options, something else than an object, a wrong type. Each bad call is refused with a
 * ValidationError naming the field, synchronously or as a rejected promise, before anything
 * starts or any statement runs: the database here never answers, so a call that reached it would
 * hang and time the test out rather than pass. A last check holds every export (and every method
 * of an exported class) to this table or to a list of what takes no options, with the reason.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { ListenerSafeEmitter } from '../../src/emitter.js';
import * as http from '../../src/http/index.js';
import * as core from '../../src/index.js';
import * as nats from '../../src/nats/index.js';
import * as otel from '../../src/otel/index.js';
import * as postgres from '../../src/postgres/index.js';
import * as rabbitmq from '../../src/rabbitmq/index.js';
import * as schema from '../../src/schema.js';

/** A database that never answers: nothing a refused call does may reach it. */
const db = { query: () => new Promise<never>(() => {}) };
const sink = new core.MemorySink({ name: 'm' });
const scope = { userId: 'u1', tenantId: 't1' };
const range = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-02T00:00:00Z') };

const logger = () => new core.EventLogger({ sinks: [sink] });
const publisher = () => new postgres.OutboxPublisher({ db, sinks: [sink], listen: false });
const admin = () => new postgres.OutboxAdmin({ db });
const queries = new postgres.EventQueries({ db });
const stream = () => new postgres.EventStream({ db, listen: false });
const pool = { ...db, totalCount: 0, connect: () => new Promise<never>(() => {}) };
const consumerOptions = {
  db: pool,
  name: 'c',
  from: 'start',
  handle: async () => {},
  listen: false,
} as const;
const consumer = () => new postgres.Consumer(consumerOptions);
const rabbit = (o?: object) =>
  new rabbitmq.RabbitMQSink({ url: 'amqp://127.0.0.1:1', exchange: 'x', ...o });
const natsSink = (o?: object) =>
  new nats.NatsSink({ servers: 'nats://127.0.0.1:1', stream: { name: 's' }, ...o });
const api = () => new http.EventsApi({ queries, resolveCaller: () => null });
const walOptions = { db, connection: 'postgres://127.0.0.1:1/x', publish: async () => {} };
const walRelay = () => new postgres.WalRelay(walOptions);

interface Case {
  /** What is called, as a user writes it: `new EventLogger`, `OutboxAdmin.purgePublished`. */
  readonly name: string;
  /** Calls it with `options` (any value) where its options go; returns what it returns. */
  readonly call: (options: unknown) => unknown;
  /** Options it accepts. Each of their keys is also misspelt, and given a wrong type. */
  readonly valid: Readonly<Record<string, unknown>>;
  /** Whether calling it without options is refused (some option is required). */
  readonly required: boolean;
  /** The field its errors name for the options themselves. @default 'options' */
  readonly field?: string;
}

/** The parts with `close(options?)`, each made fresh. */
const CLOSABLE: Record<string, () => { close(options?: never): Promise<unknown> }> = {
  EventLogger: logger,
  OutboxPublisher: publisher,
  EventStream: stream,
  Consumer: consumer,
  MaintenanceTimer: () => new postgres.MaintenanceTimer({ db }),
  RollupWorker: () => new postgres.RollupWorker({ db }),
  RabbitMQSink: () => rabbit(),
  NatsSink: () => natsSink(),
  EventsApi: api,
  WalRelay: walRelay,
  Instrumentation: () => otel.instrument(),
};

type Read = (filters: unknown, page?: unknown) => Promise<unknown>;
/** The reads of EventQueries that take filters, with a page (`list`, `summary`) or without. */
const READS: Record<string, readonly [Read, 'list' | 'summary' | 'none']> = {
  listEvents: [(f, p) => queries.listEvents(scope, f as never, p as never), 'list'],
  sessionEvents: [(f, p) => queries.sessionEvents(scope, 's', f as never, p as never), 'list'],
  aggregateEvents: [
    (f, p) => queries.aggregateEvents(scope, { type: 'a', id: '1' }, f as never, p as never),
    'list',
  ],
  workflowEvents: [(f, p) => queries.workflowEvents(scope, 'w', f as never, p as never), 'list'],
  recentErrors: [(f, p) => queries.recentErrors(scope, f as never, p as never), 'list'],
  sessions: [(f, p) => queries.sessions(scope, f as never, p as never), 'summary'],
  aggregates: [(f, p) => queries.aggregates(scope, f as never, p as never), 'summary'],
  countsByType: [(f) => queries.countsByType(scope, f as never), 'none'],
  agentInteractions: [(f) => queries.agentInteractions(scope, f as never), 'none'],
  errorStats: [(f) => queries.errorStats(scope, f as never), 'none'],
};

// biome-ignore format: a table, one row a line
const CASES: Case[] = [
  // eventrail
  { name: 'new EventLogger', call: (o) => new core.EventLogger(o as never), valid: { sinks: [sink], flushIntervalMs: 10 }, required: true },
  { name: 'new ConsoleSink', call: (o) => new core.ConsoleSink(o as never), valid: { name: 'c', stream: process.stdout }, required: false },
  { name: 'new MemorySink', call: (o) => new core.MemorySink(o as never), valid: { name: 'm' }, required: false },
  { name: 'defineCatalog', call: (o) => core.defineCatalog(o as never), valid: {}, required: true, field: 'entries' },
  { name: 'defineCatalog (entries.t)', call: (o) => core.defineCatalog({ t: o as never }), valid: { routingKey: 'r', priority: 1 }, required: false, field: 'entries.t' },
  { name: 'new EventCatalog (entries.t)', call: (o) => new core.EventCatalog({ t: o as never }), valid: { schema: { '~standard': { validate: () => ({ value: {} }) } } }, required: false, field: 'entries.t' },
  { name: 'normalizeEvent', call: (o) => core.normalizeEvent({ type: 't', userId: 'u' }, o as never), valid: { maxPayloadBytes: 100 }, required: false },
  // eventrail/postgres
  { name: 'new PostgresSink', call: (o) => new postgres.PostgresSink(o as never), valid: { db, name: 'p' }, required: true },
  { name: 'new OutboxWriter', call: (o) => new postgres.OutboxWriter(o as never), valid: { notify: false, schema: 'app', transport: 'wal' }, required: false },
  { name: 'new WalRelay', call: (o) => new postgres.WalRelay(o as never), valid: { ...walOptions, slot: 's', maxBatchSize: 10 }, required: true },
  { name: 'new OutboxPublisher', call: (o) => new postgres.OutboxPublisher(o as never), valid: { db, sinks: [sink], listen: false }, required: true },
  { name: 'OutboxPublisher.purgePublished', call: (o) => publisher().purgePublished(o as never), valid: { olderThanMs: 1000 }, required: true },
  { name: 'OutboxPublisher.reprocessFailed', call: (o) => publisher().reprocessFailed(o as never), valid: { types: ['t'] }, required: false, field: 'filter' },
  { name: 'new OutboxAdmin', call: (o) => new postgres.OutboxAdmin(o as never), valid: { db, schema: 'app' }, required: true },
  { name: 'OutboxAdmin.purgePublished', call: (o) => admin().purgePublished(o as never), valid: { olderThanMs: 1000 }, required: true },
  { name: 'OutboxAdmin.reprocessFailed', call: (o) => admin().reprocessFailed(o as never), valid: { ids: [], aggregateIds: ['a'] }, required: false, field: 'filter' },
  { name: 'new Inbox', call: (o) => new postgres.Inbox(o as never), valid: { consumer: 'c', db }, required: false },
  { name: 'Inbox.purge', call: (o) => new postgres.Inbox({ db }).purge(o as never), valid: { olderThanMs: 1000 }, required: true },
  { name: 'new EventQueries', call: (o) => new postgres.EventQueries(o as never), valid: { db, defaultLimit: 10 }, required: true },
  { name: 'EventQueries.timeSeries', call: (o) => queries.timeSeries(scope, range, o as never), valid: { bucket: 'hour', timeZone: 'UTC' }, required: true, field: 'series' },
  { name: 'new MemoryCacheStore', call: (o) => new postgres.MemoryCacheStore(o as never), valid: { maxEntries: 5 }, required: false },
  { name: 'new RedisCacheStore', call: (o) => new postgres.RedisCacheStore(o as never), valid: { client: { get: async () => null, set: async () => 'OK' }, keyPrefix: 'p:' }, required: true },
  { name: 'new EventStream', call: (o) => new postgres.EventStream(o as never), valid: { db, listen: false }, required: true },
  { name: 'EventStream.subscribe', call: (o) => stream().subscribe(scope, {}, o as never), valid: { signal: new AbortController().signal }, required: false },
  { name: 'EventStream.subscribe (filters)', call: (o) => stream().subscribe(scope, o as never), valid: { types: ['t'] }, required: false, field: 'filters' },
  { name: 'new MaintenanceTimer', call: (o) => new postgres.MaintenanceTimer(o as never), valid: { db, intervalMs: 1000 }, required: true },
  { name: 'maintain', call: (o) => postgres.maintain(o as never), valid: { db, premake: 2 }, required: true },
  { name: 'new Consumer', call: (o) => new postgres.Consumer(o as never), valid: consumerOptions, required: true },
  { name: 'new Consumer (retry)', call: (o) => new postgres.Consumer({ ...consumerOptions, retry: o as never }), valid: { retries: 1 }, required: false, field: 'options.retry' },
  { name: 'new Consumer (scope)', call: (o) => new postgres.Consumer({ ...consumerOptions, scope: o as never }), valid: { userId: 'u', projectId: 'p' }, required: false, field: 'options.scope' },
  { name: 'new Consumer (filters)', call: (o) => new postgres.Consumer({ ...consumerOptions, filters: o as never }), valid: { types: ['t'] }, required: false, field: 'options.filters' },
  { name: 'Consumer.deadLetters', call: (o) => consumer().deadLetters(o as never), valid: { key: 'k', limit: 5 }, required: false },
  { name: 'Consumer.replayDeadLetters', call: (o) => consumer().replayDeadLetters(o as never), valid: { key: 'k' }, required: false },
  { name: 'Consumer.purgeDeadLetters', call: (o) => consumer().purgeDeadLetters(o as never), valid: { key: 'k' }, required: false },
  { name: 'replay', call: (o) => postgres.replay(o as never), valid: { db, from: 'start', sink, ratePerSecond: 10 }, required: true },
  { name: 'replay (retry)', call: (o) => postgres.replay({ db, from: 'start', sink, retry: o as never }), valid: { retries: 1 }, required: false, field: 'options.retry' },
  { name: 'replay (scope)', call: (o) => postgres.replay({ db, from: 'start', sink, scope: o as never }), valid: { userId: 'u', projectId: 'p' }, required: false, field: 'options.scope' },
  { name: 'replay (filters)', call: (o) => postgres.replay({ db, from: 'start', sink, filters: o as never }), valid: { types: ['t'] }, required: false, field: 'options.filters' },
  { name: 'defineRollup', call: (o) => postgres.defineRollup(o as never), valid: { name: 'r', dimensions: { a: { field: 'type' } }, types: ['t'], sums: { b: { payload: 'b' } } }, required: true, field: 'definition' },
  { name: 'EventQueries.rollup', call: (o) => queries.rollup(postgres.defineRollup({ name: 'r', dimensions: { a: { field: 'type' } } }), scope, o as never), valid: { from: new Date(0), by: ['a'], timeZone: 'UTC' }, required: false },
  { name: 'new RollupWorker', call: (o) => new postgres.RollupWorker(o as never), valid: { db, pollIntervalMs: 100 }, required: true },
  { name: 'rebuildRollups', call: (o) => postgres.rebuildRollups(o as never), valid: { db, from: new Date(0) }, required: true },
  { name: 'migrate', call: (o) => postgres.migrate(o as never), valid: { db, schema: 'app' }, required: true },
  { name: 'rollback', call: (o) => postgres.rollback(o as never), valid: { db, steps: 1 }, required: true },
  { name: 'enableRowLevelSecurity', call: (o) => postgres.enableRowLevelSecurity(o as never), valid: { db, force: true }, required: true },
  { name: 'disableRowLevelSecurity', call: (o) => postgres.disableRowLevelSecurity(o as never), valid: { db }, required: true },
  { name: 'withTenant', call: (o) => postgres.withTenant(o as never, async () => 1), valid: { db, tenantId: 't' }, required: true },
  // eventrail/rabbitmq, eventrail/nats
  { name: 'new RabbitMQSink', call: (o) => new rabbitmq.RabbitMQSink(o as never), valid: { url: 'amqp://127.0.0.1:1', exchange: 'x' }, required: true },
  { name: 'new NatsSink', call: (o) => new nats.NatsSink(o as never), valid: { servers: 'nats://127.0.0.1:1', stream: { name: 's' } }, required: true },
  // eventrail/http
  { name: 'new EventsApi', call: (o) => new http.EventsApi(o as never), valid: { queries, resolveCaller: () => null }, required: true },
  { name: 'toNodeListener', call: (o) => http.toNodeListener(api(), o as never), valid: { sseWrites: 'socket' }, required: false },
  // eventrail/otel
  { name: 'instrument', call: (o) => otel.instrument(o as never), valid: { logger: logger(), readTimeoutMs: 100 }, required: false },
  { name: 'enableTraceContext', call: (o) => otel.enableTraceContext(o as never).disable(), valid: { tracerProvider: trace.getTracerProvider() }, required: false },
  // options within options
  { name: 'new EventLogger (sinks[0])', call: (o) => new core.EventLogger({ sinks: [o] as never }), valid: { sink, flushSize: 5 }, required: true, field: 'options.sinks[0]' },
  { name: 'new EventLogger (retry)', call: (o) => new core.EventLogger({ sinks: [sink], retry: o as never }), valid: { retries: 1 }, required: false, field: 'options.retry' },
  { name: 'new OutboxPublisher (retry)', call: (o) => new postgres.OutboxPublisher({ db, sinks: [sink], retry: o as never }), valid: { minDelayMs: 10 }, required: false, field: 'options.retry' },
  { name: 'new WalRelay (retry)', call: (o) => new postgres.WalRelay({ ...walOptions, retry: o as never }), valid: { maxDelayMs: 1000 }, required: false, field: 'options.retry' },
  { name: 'new RabbitMQSink (reconnect)', call: (o) => rabbit({ reconnect: o }), valid: { factor: 3 }, required: false, field: 'options.reconnect' },
  { name: 'new RabbitMQSink (queues[0])', call: (o) => rabbit({ queues: [o] }), valid: { queue: 'q', bindingKeys: ['a.#'] }, required: true, field: 'options.queues[0]' },
  { name: 'new NatsSink (reconnect)', call: (o) => natsSink({ reconnect: o }), valid: { jitter: 'none' }, required: false, field: 'options.reconnect' },
  { name: 'new NatsSink (stream)', call: (o) => natsSink({ stream: o }), valid: { name: 's', replicas: 1 }, required: true, field: 'options.stream' },
  // every close(), and every read of EventQueries
  ...Object.entries(CLOSABLE).map(([part, make]): Case => ({ name: `${part}.close`, call: (o) => make().close(o as never), valid: { timeoutMs: 10, signal: new AbortController().signal }, required: false })),
  ...Object.entries(READS).flatMap(([read, [run, page]]): Case[] => [
    { name: `EventQueries.${read} (filters)`, call: (o) => run(o), valid: { agentId: 'a', from: range.from }, required: false, field: 'filters' },
    ...(page === 'none' ? [] : [{ name: `EventQueries.${read} (page)`, call: (o: unknown) => run({}, o), valid: { limit: 5, ...(page === 'list' && { order: 'asc' }) }, required: false, field: 'page' }]),
  ]),
];

/**
 * The exported functions and classes that take no options object, and why. Anything else an
 * entry exports must have a row above: a new export cannot slip past this test.
 */
const NO_OPTIONS: Readonly<Record<string, string>> = {
  event: 'returns its catalog entry as given; the catalog it goes into checks it',
  eventToJson: 'serializes one event, with extra fields of the caller',
  isUuid: 'tests one string',
  uuidv7: 'makes an id from a time',
  classifyCommonError: 'classifies one error',
  classifyPostgresError: 'classifies one error',
  classifyRabbitMQError: 'classifies one error',
  classifyNatsError: 'classifies one error',
  toRabbitMQMessage: "maps one event with a sink's resolved mapping",
  toNatsMessage: "maps one event with a sink's resolved mapping",
  createEventrailTables: "takes the schema's name, as drizzle's pgSchema does",
  ListenerSafeEmitter: "the base class of the parts that emit; eventemitter3's methods",
  Subscription: 'made by EventStream.subscribe (its options are in the table)',
};

/** The methods of exported classes that take no options object, and why. */
const NO_OPTIONS_METHODS: Readonly<Record<string, string>> = {
  'EventLogger.logEvent': 'takes an event',
  'EventLogger.logEvents': 'takes events',
  'EventLogger.flush': 'takes nothing',
  'EventLogger.metrics': 'takes nothing',
  'ConsoleSink.write': "a sink's write: a batch and the logger's write context",
  'MemorySink.write': "a sink's write: a batch and the logger's write context",
  'PostgresSink.write': "a sink's write: a batch and the logger's write context",
  'RabbitMQSink.write': "a sink's write: a batch and the logger's write context",
  'NatsSink.write': "a sink's write: a batch and the logger's write context",
  'PostgresSink.classifyError': 'classifies one error',
  'RabbitMQSink.classifyError': 'classifies one error',
  'NatsSink.classifyError': 'classifies one error',
  'EventCatalog.prepare': 'internal: the logger checks an event with it',
  'EventCatalog.prepareAll': 'internal: the logger checks events with it',
  'OutboxWriter.write': 'takes a transaction and events',
  'OutboxPublisher.start': 'takes nothing',
  'OutboxPublisher.stats': 'takes nothing',
  'OutboxPublisher.counts': 'takes nothing',
  'OutboxAdmin.stats': 'takes nothing',
  'WalRelay.start': 'takes nothing',
  'OutboxAdmin.counts': 'takes nothing',
  'Inbox.handle': 'takes a transaction, an event and the work',
  'MaintenanceTimer.start': 'takes nothing',
  'Consumer.start': 'takes nothing',
  'RollupWorker.start': 'takes nothing',
  'Consumer.stats': 'takes nothing',
  'MaintenanceTimer.runNow': 'takes nothing',
  'MemoryCacheStore.get': "a cache store's get: a key",
  'MemoryCacheStore.set': "a cache store's set: a key, a value and a lifetime",
  'RedisCacheStore.get': "a cache store's get: a key",
  'RedisCacheStore.set': "a cache store's set: a key, a value and a lifetime",
  'Subscription.next': 'an async iterator step',
  'Subscription.return': 'ends the iteration',
  'Subscription.take': 'takes the next buffered event',
  'Subscription.onReady': 'takes a callback',
  'Subscription.deliver': 'internal: the stream hands it an event',
  'Subscription.end': 'internal: the stream ends it',
  ...Object.fromEntries(
    [
      'OutboxPublisher',
      'EventStream',
      'Consumer',
      'MaintenanceTimer',
      'RollupWorker',
      'RabbitMQSink',
      'NatsSink',
      'EventsApi',
      'EventQueries',
      'Inbox',
      'WalRelay',
    ].map((part) => [`${part}.metrics`, 'takes nothing']),
  ),
};

/**
 * The error `run` throws or rejects with, which must be a ValidationError. A call that goes on to
 * the database never settles: it fails here after a while, as one that refused nothing.
 */
async function refusal(run: () => unknown): Promise<core.ValidationError> {
  try {
    await Promise.race([run(), sleep(2000)]);
  } catch (error) {
    expect(error).toBeInstanceOf(core.ValidationError);
    return error as core.ValidationError;
  }
  throw new Error('expected a ValidationError; it was accepted, or went on to the database');
}

/**
 * Calls `run` and fails if it throws or rejects. A promise still pending after a moment is
 * accepted too: it went on to the database, which never answers.
 */
async function accepted(run: () => unknown): Promise<void> {
  const result = run();
  if (result instanceof Promise) await Promise.race([result, sleep(20)]);
}

/** `key` misspelt as people do: its last letter in the other case (`flushIntervalMS`). */
const misspelt = (key: string) => {
  const last = key.slice(-1);
  return key.slice(0, -1) + (last === last.toUpperCase() ? last.toLowerCase() : last.toUpperCase());
};

describe.each(CASES)('$name', ({ call, valid, required, field = 'options' }) => {
  const keys = Object.keys(valid);

  it('accepts its valid options', async () => {
    await accepted(() => call(valid));
  });

  it.each(keys)('refuses %s misspelt, naming it and the closest known key', async (key) => {
    const { [key]: value, ...others } = valid;
    const typo = misspelt(key);
    const error = await refusal(() => call({ ...others, [typo]: value }));
    expect(error).toMatchObject({ code: 'VALIDATION_UNKNOWN', field: `${field}.${typo}` });
    expect(error.message).toContain(`did you mean '${key}'?`);
  });

  it(required ? 'refuses no options, naming them' : 'accepts no options', async () => {
    if (!required) return accepted(() => call(undefined));
    expect(await refusal(() => call(undefined))).toMatchObject({
      field,
      code: 'VALIDATION_REQUIRED',
    });
  });

  it.each(['x', null, 42, true, []].map((bad) => ({ bad })))(
    'refuses $bad where the options go',
    async ({ bad }) => {
      expect((await refusal(() => call(bad))).field).toBe(field);
    },
  );

  it.each(keys)('refuses a wrong type for %s, naming it', async (key) => {
    for (const wrong of [Symbol('wrong'), typeof valid[key] === 'string' ? 42 : 'wrong']) {
      const error = await refusal(() => call({ ...valid, [key]: wrong }));
      expect(error.field).toBe(`${field}.${key}`);
    }
  });
});

/** The methods of a class and of its ancestors, but those of every object and every emitter. */
function methodsOf(cls: { prototype: object }): string[] {
  const names = new Set<string>();
  for (
    let proto = cls.prototype;
    proto !== Object.prototype && proto !== ListenerSafeEmitter.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (name !== 'constructor' && typeof d.value === 'function') names.add(name);
    }
  }
  return [...names];
}

describe('every export of every entry point', () => {
  const exported = [core, postgres, rabbitmq, nats, http, otel, schema]
    .flatMap((entry) => Object.entries(entry))
    .filter((e): e is [string, (...args: never[]) => unknown] => typeof e[1] === 'function')
    // The error classes: eventrail makes them, from a code and a message, never from options.
    .filter(([, value]) => !(value.prototype instanceof Error));
  const methods = exported
    .filter(([name]) => /^[A-Z]/.test(name))
    .flatMap(([name, cls]) => methodsOf(cls).map((method) => `${name}.${method}`));
  const tested = new Set(CASES.map((c) => c.name.replace(/^new /, '').replace(/ \(.*\)$/, '')));

  it('is in the table, or takes no options for a stated reason', () => {
    const missing = exported
      .map(([name]) => name)
      .filter((name) => !tested.has(name) && NO_OPTIONS[name] === undefined);
    expect(missing).toEqual([]);
  });

  it('has each method of its classes in the table, or takes no options for a stated reason', () => {
    const missing = methods.filter((m) => !tested.has(m) && NO_OPTIONS_METHODS[m] === undefined);
    expect(missing).toEqual([]);
  });

  it('gives no reason for something that takes options, or that is gone', () => {
    const names = new Set([...exported.map(([name]) => name), ...methods]);
    const stale = [...Object.keys(NO_OPTIONS), ...Object.keys(NO_OPTIONS_METHODS)].filter(
      (name) => tested.has(name) || !names.has(name),
    );
    expect(stale).toEqual([]);
  });
});
