/**
 * The lifecycle contract (docs/design.md, `Lifecycle` in src/lifecycle/close.ts) held uniformly:
 * the same checks over every long-running part, one row each (how to make it, the work it is
 * given, the link that is cut). For each part: `close()` twice is the same promise; `await using`
 * closes it; with its link blackholed under work in flight, `close({ timeoutMs: 200 })` returns
 * by the deadline saying what was left; `metrics()` is synchronous, of plain numbers, with
 * exactly the keys its TSDoc'd interface documents; and one `instrument()` over every part
 * reports a figure of each equal to its `metrics()`, and nothing once closed. Each part's own
 * lifecycle is tested at length in its own file (stream-lifecycle, http-api-lifecycle,
 * maintenance-timer, rabbitmq-close, nats-lifecycle, the *-close-deadline-blackholed-database
 * files, otel-metrics); this one shows they all keep the same contract. Real Postgres, RabbitMQ
 * and NATS, each behind a TCP proxy where a link is cut.
 */

import { randomUUID } from 'node:crypto';
import { AggregationTemporality, type MetricData } from '@opentelemetry/sdk-metrics';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { documentedInterfaces } from '../../scripts/options-docs.js';
import { EventsApi } from '../../src/http/index.js';
import {
  ClosedError,
  type CloseSummary,
  EventLogger,
  type Lifecycle,
  MemorySink,
  type Sink,
} from '../../src/index.js';
import { NatsSink } from '../../src/nats/index.js';
import { type InstrumentOptions, instrument } from '../../src/otel/index.js';
import {
  Consumer,
  EventQueries,
  EventStream,
  MaintenanceTimer,
  OutboxPublisher,
  PostgresSink,
} from '../../src/postgres/index.js';
import type { RabbitMQSink } from '../../src/rabbitmq/index.js';
import { pause, records } from '../helpers/brokers.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';
import { makeEvent } from '../helpers/fake-sink.js';
import { useNats } from '../helpers/nats.js';
import { pointValue, type TestMeters, testMeters } from '../helpers/otel.js';
import { commitToOutbox, outboxEvents, waitFor } from '../helpers/outbox.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';
import { collect } from '../helpers/stream.js';
import { startTcpProxy, throughProxy } from '../helpers/tcp-proxy.js';

const db = useTestDatabase();
const mq = useRabbitMQ();
const nats = useNats();

type Part = Lifecycle<object, CloseSummary>;
type Service = 'postgres' | 'rabbitmq' | 'nats';

/** Where a part connects: to every service, one of them perhaps through a proxy. */
interface Env {
  readonly pool: pg.Pool;
  readonly amqpUrl: string;
  readonly natsUrl: string;
  /** Blackholes the proxy in front of the cut service (nothing on a direct env). */
  cut(): void;
}

/** One long-running part, and how the checks below drive it. */
interface Row<P extends Part> {
  readonly name: string;
  /** The TSDoc'd interface of its `metrics()`. */
  readonly metrics: string;
  /** Its key in `instrument()`'s options; none for the Instrumentation itself. */
  readonly observedAs?: Exclude<keyof InstrumentOptions, 'meterProvider' | 'log'>;
  /** The link cut under it; none for the Instrumentation, which holds no connection. */
  readonly service?: Service;
  make(env: Env): P;
  /** Gives it work that stays in flight, calling `cut` where the link must go. */
  load(part: P, cut: () => void): Promise<void>;
  /** What `close({ timeoutMs: 200 })` resolves with after `load` with the link cut. */
  readonly left: CloseSummary;
  /** Whether it is closed, as its user finds out: a `ClosedError` on use, or its state. */
  closed(part: P): Promise<boolean>;
  /** The objects inside its `metrics()` and the interfaces documenting them. */
  inner?(metrics: ReturnType<P['metrics']>): [object, string][];
  /** An `instrument()` figure of it (non-zero once loaded) and its value in `metrics()`. */
  readonly figure?: {
    readonly name: string;
    readonly attributes?: (part: P) => Record<string, string>;
    of(part: P): number;
  };
}

const row = <P extends Part>(r: Row<P>) => r as unknown as Row<Part>;
const quiet = <P extends { on(event: 'error', listener: () => void): unknown }>(part: P): P => {
  part.on('error', () => {});
  return part;
};
const signal = new AbortController().signal;
const rejectsClosed = (use: Promise<unknown>) =>
  use.then(
    () => false,
    (error: unknown) => error instanceof ClosedError,
  );
type BrokerSink = RabbitMQSink | NatsSink;
/** How both broker sinks are driven: the same work, the same summary, probe and figure. */
const broker = {
  observedAs: 'sinks',
  /** Publishes 1 message (connecting), then, with the link cut, 100 whose confirms never come. */
  async load(sink: BrokerSink, cut: () => void): Promise<void> {
    await sink.write(records(1), { signal });
    cut();
    void sink.write(records(100), { signal }).catch(() => {});
    await waitFor(() => sink.metrics().published === 101, 10_000, 'the messages published');
  },
  left: { timedOut: true, unconfirmed: 100 } as CloseSummary,
  /** A closed broker sink refuses writes with a `ClosedError` (permanent: to the fallback). */
  closed: (sink: BrokerSink) =>
    sink.write(records(1), { signal }).then(
      () => false,
      (error: unknown) => sink.state === 'closed' && error instanceof ClosedError,
    ),
  figure: {
    name: 'eventrail.broker.connects',
    attributes: (sink: BrokerSink) => ({ 'eventrail.sink.name': sink.name }),
    of: (sink: BrokerSink) => sink.metrics().connects,
  },
} as const;

/** A sink that holds every batch until its write is aborted. */
const holding = (): Sink => ({
  name: 'holding',
  write: (_batch, { signal: aborted }) =>
    new Promise((_, reject) =>
      aborted.addEventListener('abort', () => reject(aborted.reason), { once: true }),
    ),
});

const STREAM_URL = 'http://api.test/my/projects/p1/events/stream';
/** The delta readers of the Instrumentations made by its row, to see them report nothing. */
const readers = new WeakMap<object, TestMeters>();
const cleanup: (() => Promise<unknown>)[] = [];
const defer = (step: () => Promise<unknown>) => void cleanup.push(step);
const points = (seen: Map<string, MetricData>) =>
  [...seen.values()].reduce((n, m) => n + m.dataPoints.length, 0);

/** The consumers whose handler was called. */
const handling = new Set<string>();

const rows: Row<Part>[] = [
  row<EventLogger>({
    name: 'EventLogger',
    metrics: 'EventLoggerMetrics',
    observedAs: 'logger',
    service: 'postgres',
    make: (env) =>
      quiet(
        new EventLogger({
          sinks: [new PostgresSink({ db: env.pool })],
          fallback: new MemorySink({ name: 'fallback' }),
          writeTimeoutMs: 60_000,
        }),
      ),
    async load(logger, cut) {
      cut();
      await logger.logEvents(Array.from({ length: 25 }, (_, i) => makeEvent(i)));
    },
    left: {
      timedOut: true,
      sinks: { postgres: { received: 25, written: 0, fallback: 25, dropped: 0 } },
    } as CloseSummary,
    closed: (logger) => rejectsClosed(logger.logEvent(makeEvent())),
    inner: (m) => Object.values(m.sinks).map((s) => [s, 'SinkMetrics']),
    figure: { name: 'eventrail.logger.accepted', of: (logger) => logger.metrics().accepted },
  }),
  row<OutboxPublisher>({
    name: 'OutboxPublisher',
    metrics: 'OutboxPublisherMetrics',
    observedAs: 'publisher',
    service: 'postgres',
    make: (env) =>
      quiet(
        new OutboxPublisher({
          db: env.pool,
          sinks: [holding()],
          listen: false,
          pollIntervalMs: 50,
        }),
      ),
    async load(publisher, cut) {
      await commitToOutbox(db.pool, outboxEvents(20));
      await publisher.start();
      await waitFor(() => publisher.metrics().inFlight === 20, 10_000, 'a batch claimed');
      cut();
    },
    // The batch's write is aborted at three quarters of the deadline; its release gets no answer.
    left: { timedOut: true, released: 0, unsettled: 20 } as CloseSummary,
    closed: (publisher) => rejectsClosed(publisher.start()),
    figure: { name: 'eventrail.outbox.in_flight', of: (publisher) => publisher.metrics().inFlight },
  }),
  row<EventStream>({
    name: 'EventStream',
    metrics: 'EventStreamMetrics',
    observedAs: 'stream',
    service: 'postgres',
    make: (env) => quiet(new EventStream({ db: env.pool, listen: false, pollIntervalMs: 20 })),
    async load(stream, cut) {
      await collect(stream.subscribe({ userId: 'held' })).started();
      cut();
      await pause(200); // a poll's read is sent and never answered
    },
    left: { timedOut: true, ended: 1 } as CloseSummary,
    async closed(stream) {
      try {
        void stream.subscribe({ userId: 'probe' }).return();
        return false;
      } catch (error) {
        return error instanceof ClosedError;
      }
    },
    figure: { name: 'eventrail.stream.subscribers', of: (stream) => stream.metrics().subscribers },
  }),
  row<Consumer>({
    name: 'Consumer',
    metrics: 'ConsumerMetrics',
    observedAs: 'consumer',
    service: 'postgres',
    make: (env) => {
      const name = `lifecycle-${randomUUID()}`;
      return quiet(
        new Consumer({
          db: env.pool,
          name,
          from: 'now',
          listen: false,
          pollIntervalMs: 20,
          // Its batch never ends: close() rolls it back at the deadline.
          handle: () => {
            handling.add(name);
            return new Promise<never>(() => {});
          },
        }),
      );
    },
    async load(consumer, cut) {
      await consumer.start();
      await insertEvents(db.pool, [{ type: 'A', userId: 'u' }]);
      await waitFor(() => handling.has(consumer.name), 10_000, 'a batch in flight');
      cut();
    },
    // The batch in flight is rolled back; giving the partitions back gets no answer.
    left: { timedOut: true, released: 0 } as CloseSummary,
    closed: (consumer) => rejectsClosed(consumer.start()),
    figure: {
      name: 'eventrail.consumer.partitions',
      of: (consumer) => consumer.metrics().partitionsOwned,
    },
  }),
  row<MaintenanceTimer>({
    name: 'MaintenanceTimer',
    metrics: 'MaintenanceTimerMetrics',
    observedAs: 'maintenance',
    service: 'postgres',
    make: (env) => quiet(new MaintenanceTimer({ db: env.pool, intervalMs: 3_600_000 })),
    async load(timer, cut) {
      cut();
      void timer.start(); // resolves when the first run ends: never, on a cut link
      await waitFor(
        () => timer.metrics().runInProgress || timer.metrics().runs > 0,
        10_000,
        'a run',
      );
    },
    left: { timedOut: true, runInProgress: true } as CloseSummary,
    closed: (timer) => rejectsClosed(timer.runNow()),
    figure: { name: 'eventrail.maintenance.runs', of: (timer) => timer.metrics().runs },
  }),
  row<RabbitMQSink>({
    name: 'RabbitMQSink',
    metrics: 'RabbitMQSinkMetrics',
    service: 'rabbitmq',
    make: (env) => quiet(mq.sink({ url: env.amqpUrl }).sink),
    ...broker,
  }),
  row<NatsSink>({
    name: 'NatsSink',
    metrics: 'NatsSinkMetrics',
    service: 'nats',
    make(env) {
      const stream = nats.name('every');
      return quiet(
        new NatsSink({
          servers: env.natsUrl,
          stream: { name: stream, subjects: [`${stream}.>`], storage: 'memory' },
          subject: (e) => `${stream}.${e.type}`,
        }),
      );
    },
    ...broker,
  }),
  row<EventsApi>({
    name: 'EventsApi',
    metrics: 'EventsApiMetrics',
    observedAs: 'api',
    service: 'postgres',
    make(env) {
      const stream = quiet(new EventStream({ db: env.pool, listen: false, pollIntervalMs: 20 }));
      defer(() => stream.close({ timeoutMs: 200 }));
      return quiet(
        new EventsApi({
          queries: new EventQueries({ db: env.pool }),
          stream,
          resolveCaller: () => ({ userId: 'alice', projects: ['p1'] }),
        }),
      );
    },
    async load(api, cut) {
      // The API's own link is to its clients: a fetch-style host whose client reads nothing
      // (the SSE body is never pulled). The database under its stream goes too.
      expect((await api.fetch(new Request(STREAM_URL))).status).toBe(200);
      cut();
    },
    left: { timedOut: true, ended: 1 } as CloseSummary,
    closed: async (api) => api.closed,
    inner: (m) => [[m.responses, 'EventsApiResponses']],
    figure: { name: 'eventrail.http.streams.open', of: (api) => api.metrics().openStreams },
  }),
  row({
    // Holds no connection and does nothing in the background: no link to cut, so its close
    // has nothing to wait for and resolves at once, whatever the deadline.
    name: 'Instrumentation',
    metrics: 'InstrumentationMetrics',
    make() {
      const logger = new EventLogger({ sinks: [new MemorySink()], fallback: null });
      const delta = testMeters(AggregationTemporality.DELTA);
      const metering = instrument({ logger, meterProvider: delta.provider });
      readers.set(metering, delta);
      defer(() => delta.shutdown());
      defer(() => logger.close());
      return metering;
    },
    load: async () => {},
    left: { timedOut: false },
    closed: async (metering) => points(await (readers.get(metering) as TestMeters).collect()) === 0,
  }),
];

/** Straight to every service. */
const direct = (): Env => ({
  pool: db.pool,
  amqpUrl: mq.url,
  natsUrl: nats.url,
  cut: () => {},
});

/** Everything direct but `service`, which goes through a TCP proxy that `cut()` blackholes. */
async function through(service: Service | undefined): Promise<Env> {
  if (service === undefined) return direct();
  const target = { postgres: db.url, rabbitmq: mq.url, nats: nats.url }[service];
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(target).port) });
  // Reversed at the end: the proxy goes first, failing what waits on it, then the pool ends.
  const env = { ...direct(), cut: () => proxy.blackhole() };
  if (service === 'postgres') {
    const pool = new pg.Pool({ connectionString: throughProxy(db.url, proxy), max: 4 });
    pool.on('error', () => {});
    defer(() => pool.end());
    env.pool = pool;
  }
  defer(() => proxy.close());
  if (service === 'rabbitmq') env.amqpUrl = throughProxy(mq.url, proxy);
  if (service === 'nats') env.natsUrl = `nats://127.0.0.1:${proxy.port}`;
  return env;
}

/** `row`'s part, closed at the end of the test. */
function make(r: Row<Part>, env: Env): Part {
  const part = r.make(env);
  defer(() => part.close({ timeoutMs: 500 }));
  return part;
}

let documented: Map<string, string[]>;

beforeAll(() => {
  documented = new Map(
    [...documentedInterfaces()].map(([name, props]) => [name, props.map((p) => p.name).sort()]),
  );
});

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  await db.pool.query('TRUNCATE eventrail.event_outbox');
});

/** `value` has exactly the keys of `name`, and its durations those of `DurationSummary`. */
function expectDocumented(value: object, name: string): void {
  const keys = documented.get(name);
  expect(keys, `${name} is a TSDoc'd interface of src/`).toBeDefined();
  expect({ [name]: Object.keys(value).sort() }).toEqual({ [name]: keys });
  for (const [key, inner] of Object.entries(value)) {
    if (key.endsWith('Ms') && typeof inner === 'object') expectDocumented(inner, 'DurationSummary');
  }
}

/** Every leaf of `value` is a number, a boolean or a string, in plain objects (no Date, no promise). */
function expectPlain(value: unknown, at: string): void {
  if (typeof value !== 'object' || value === null) {
    expect({ [at]: typeof value }).toEqual({
      [at]: expect.stringMatching(/^(number|boolean|string)$/),
    });
    return;
  }
  const plain = Object.getPrototypeOf(value) === Object.prototype;
  expect({ [at]: plain ? 'a plain object' : value }).toEqual({ [at]: 'a plain object' });
  for (const [key, inner] of Object.entries(value)) expectPlain(inner, `${at}.${key}`);
}

describe.each(rows)('$name keeps the lifecycle contract', (r) => {
  it('returns the very same promise from close() called again', async () => {
    const part = make(r, direct());
    const first = part.close();
    expect(part.close({ timeoutMs: 1 })).toBe(first);
    expect((await first).timedOut).toBe(false);
    expect(part.close()).toBe(first);
  });

  it('is closed by `await using`', async () => {
    let used: Part | undefined;
    {
      await using part = make(r, direct());
      used = part;
      expect(await r.closed(part)).toBe(false);
    }
    expect(await r.closed(used)).toBe(true);
  });

  it('returns from close({ timeoutMs: 200 }) by the deadline with its link cut, saying what was left', async () => {
    const env = await through(r.service);
    const part = make(r, env);
    await r.load(part, env.cut);
    const started = performance.now();
    const closing = part.close({ timeoutMs: 200 });
    const early = await Promise.race([closing, pause(0).then(() => 'pending')]);
    const summary = await closing;
    const took = performance.now() - started;
    expect(summary).toEqual(r.left);
    if (r.service === undefined) {
      expect(early).toEqual(r.left); // settled before the first timer: nothing was waited for
    } else {
      // It waited for its work at least the work share of the deadline (all but a quarter:
      // `shutdownBudget`; a broker sink whose release is at once returns then, 150 ms). Past
      // it, every part only gives up (aborts, destroys its sockets, hands over what is left)
      // and waits for nothing: 800 ms of slack cover a loaded 2-core machine, while a part
      // that waited on the cut link would take seconds (the brokers' connect and confirm
      // timeouts) or for ever (nothing times out a pg query here).
      expect(early).toBe('pending');
      expect(took).toBeGreaterThanOrEqual(145);
      expect(took).toBeLessThan(1000);
    }
  });

  it('has a synchronous metrics() of plain numbers with exactly the documented keys', async () => {
    const part = make(r, direct());
    await r.load(part, () => {});
    const snapshot = part.metrics();
    expect(snapshot).not.toBeInstanceOf(Promise);
    expectPlain(snapshot, r.name);
    expectDocumented(snapshot, r.metrics);
    for (const [inner, name] of r.inner?.(snapshot) ?? []) expectDocumented(inner, name);
  });
});

describe('instrument() over every part', () => {
  it('reports a figure of each equal to its metrics(), and nothing after close()', async () => {
    const observed = rows.filter((r) => r.observedAs !== undefined);
    const options: Record<string, Part | Part[]> = { sinks: [] };
    const parts = new Map<Row<Part>, Part>();
    for (const r of observed) {
      const part = make(r, direct());
      await r.load(part, () => {});
      await waitFor(() => (r.figure?.of(part) ?? 0) > 0, 10_000, `a figure of ${r.name}`);
      parts.set(r, part);
      if (r.observedAs === 'sinks') (options.sinks as Part[]).push(part);
      else options[r.observedAs as string] = part;
    }
    const cumulative = testMeters();
    const delta = testMeters(AggregationTemporality.DELTA);
    defer(() => cumulative.shutdown());
    defer(() => delta.shutdown());
    const every = options as unknown as InstrumentOptions; // each part under its key
    const metering = instrument({ ...every, meterProvider: cumulative.provider });
    const deltaMetering = instrument({ ...every, meterProvider: delta.provider });

    const seen = await cumulative.collect();
    const deltaSeen = await delta.collect();
    for (const [r, part] of parts) {
      const { name, attributes, of } = r.figure as NonNullable<Row<Part>['figure']>;
      const reported = pointValue(seen, name, attributes?.(part));
      expect({ part: r.name, name, reported }).toEqual({ part: r.name, name, reported: of(part) });
      const registered = pointValue(deltaSeen, name, attributes?.(part)) !== undefined;
      expect({ part: r.name, name, registered }).toEqual({ part: r.name, name, registered: true });
    }
    // The Instrumentation observes; its own figures are in its metrics(), not its instruments.
    expect(metering.metrics()).toEqual({ parts: observed.length, errors: 0 });

    await Promise.all([metering.close(), deltaMetering.close()]);
    expect(points(await delta.collect())).toBe(0);
  });
});
