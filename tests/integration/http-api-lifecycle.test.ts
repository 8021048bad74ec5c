/**
 * The events API keeps the lifecycle contract: options refused with a ValidationError naming the
 * field (a misspelt one with the closest name), `close()` once (the same promise on every call,
 * `await using`, the `signal`), a deadline that holds while an SSE client does not read, a
 * synchronous `metrics()` with its documented keys, and a failed route as an `EventsApiError`
 * event behind a bare 500. Real Postgres, real HTTP on loopback.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventsApi,
  EventsApiError,
  type EventsApiOptions,
  toNodeListener,
} from '../../src/http/index.js';
import { EventQueries, EventStream } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { recordingLog } from '../helpers/lifecycle-log.js';
import { refused } from '../helpers/refused.js';
import { openSse } from '../helpers/sse.js';

const db = useTestDatabase();
const STREAM_URL = 'http://api.test/my/projects/p1/events/stream';
let stream: EventStream;

/** Options of an API that reads `db` as alice (`p1` only), with the stream. */
const options = (extra: Partial<EventsApiOptions> = {}): EventsApiOptions => ({
  queries: new EventQueries({ db: db.pool }),
  stream,
  resolveCaller: () => ({ userId: 'alice', projects: ['p1'] }),
  ...extra,
});

/** A Node server of `api` on loopback. */
async function listen(api: EventsApi): Promise<{ url: string; server: Server }> {
  const server = createServer(toNodeListener(api));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/my/projects/p1/events/stream`, server };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

beforeAll(() => {
  stream = new EventStream({ db: db.pool, pollIntervalMs: 50 });
});

afterAll(async () => {
  await stream.close();
});

describe('new EventsApi(options)', () => {
  it('refuses no options, a non-object, a misspelt or removed option and a bad value, naming the field', () => {
    const none = refused(() => new EventsApi(undefined as never));
    expect({ field: none.field, code: none.code }).toEqual({
      field: 'options',
      code: 'VALIDATION_REQUIRED',
    });
    expect(refused(() => new EventsApi('/my/projects' as never)).code).toBe('VALIDATION_TYPE');
    const typo = refused(() => new EventsApi({ ...options(), heartbeatMS: 10 } as never));
    expect({ field: typo.field, code: typo.code }).toEqual({
      field: 'options.heartbeatMS',
      code: 'VALIDATION_UNKNOWN',
    });
    expect(typo.message).toMatch(/did you mean 'heartbeatMs'\?/);
    const timeout = refused(() => new EventsApi({ ...options(), closeTimeout: 10 } as never));
    expect(timeout.message).toMatch(/did you mean 'closeTimeoutMs'\?/);
    // onError became the `error` event.
    const removed = refused(() => new EventsApi({ ...options(), onError: () => {} } as never));
    expect({ field: removed.field, code: removed.code }).toEqual({
      field: 'options.onError',
      code: 'VALIDATION_UNKNOWN',
    });
    const bad: [Partial<Record<keyof EventsApiOptions, unknown>>, string][] = [
      [{ queries: {} }, 'options.queries'],
      [{ queries: undefined }, 'options.queries'],
      [{ resolveCaller: 'alice' }, 'options.resolveCaller'],
      [{ stream: {} }, 'options.stream'],
      [{ basePath: 'my/projects' }, 'options.basePath'],
      [{ heartbeatMs: 0 }, 'options.heartbeatMs'],
      [{ retryMs: 1.5 }, 'options.retryMs'],
      [{ signal: 'abort' }, 'options.signal'],
      [{ timeline: 'events' }, 'options.timeline'],
      [{ timeline: 1 }, 'options.timeline'],
      [{ closeTimeoutMs: -1 }, 'options.closeTimeoutMs'],
      [{ log: console.log }, 'options.log'],
    ];
    for (const [given, field] of bad) {
      const error = refused(() => new EventsApi({ ...options(), ...given } as EventsApiOptions));
      expect({ given, field: error.field }).toEqual({ given, field });
    }
  });

  it('is refused by toNodeListener unless it is an EventsApi or a function', () => {
    expect(refused(() => toNodeListener({} as never)).field).toBe('handler');
    expect(typeof toNodeListener(new EventsApi(options()))).toBe('function');
    expect(typeof toNodeListener(new EventsApi(options()).fetch)).toBe('function');
  });
});

describe('EventsApi.close()', () => {
  it('returns the same promise on every call; bad options reject at once and leave it open', async () => {
    const api = new EventsApi(options());
    await expect(api.close({ timeotMs: 5 } as never)).rejects.toMatchObject({
      field: 'options.timeotMs',
      code: 'VALIDATION_UNKNOWN',
    });
    expect(api.closed).toBe(false);
    const first = api.close();
    expect(api.close({ timeoutMs: 1 })).toBe(first);
    expect(await first).toEqual({ timedOut: false, ended: 0 });
    expect(api.closed).toBe(true);
  });

  it('is what `await using` and an aborted signal do; then streams answer 503, reads 200', async () => {
    let disposed: EventsApi | undefined;
    {
      await using api = new EventsApi(options());
      disposed = api;
      expect(api.closed).toBe(false);
    }
    expect(disposed.closed).toBe(true);
    const abort = new AbortController();
    const aborted = new EventsApi(options({ signal: abort.signal }));
    expect(aborted.closed).toBe(false);
    abort.abort();
    expect(aborted.closed).toBe(true);
    expect(await aborted.close()).toEqual({ timedOut: false, ended: 0 });
    for (const api of [disposed, aborted]) {
      expect((await api.fetch(new Request(STREAM_URL))).status).toBe(503);
      const read = await api.fetch(new Request('http://api.test/my/projects/p1/events'));
      expect(read.status).toBe(200);
    }
    expect(new EventsApi(options({ signal: AbortSignal.abort() })).closed).toBe(true);
  });

  it('ends the open SSE responses, their clients see the end, and counts them', async () => {
    const { log, lines } = recordingLog();
    const api = new EventsApi(options({ log }));
    const { url, server } = await listen(api);
    try {
      const clients = [await openSse(url, {}), await openSse(url, {})];
      expect(clients.map((c) => c.status)).toEqual([200, 200]);
      expect(api.metrics().openStreams).toBe(2);
      expect(stream.metrics().subscribers).toBe(2);
      expect(await api.close({ timeoutMs: 5000 })).toEqual({ timedOut: false, ended: 2 });
      await Promise.all(clients.map((c) => c.ended));
      expect(api.metrics().openStreams).toBe(0);
      expect(stream.metrics().subscribers).toBe(0);
      expect((await fetch(url)).status).toBe(503);
      expect(lines).toContainEqual({
        level: 'info',
        details: { timedOut: false, ended: 2 },
        message: 'eventrail events API closed',
      });
    } finally {
      await stop(server);
    }
  });

  it('returns by its deadline while a stream is not read, with the stream counted', async () => {
    const api = new EventsApi(options());
    // A fetch-style host that has not read the body yet (a client that reads nothing).
    const unread = await api.fetch(new Request(STREAM_URL));
    expect(unread.status).toBe(200);
    expect(api.metrics().openStreams).toBe(1);
    const started = performance.now();
    expect(await api.close({ timeoutMs: 200 })).toEqual({ timedOut: true, ended: 1 });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    // Its subscription ended at once; the body, once read, is the opening and nothing after.
    expect(stream.metrics().subscribers).toBe(0);
    expect(await unread.text()).toMatch(/^retry: \d+\n: connected\n\n$/);
    expect(api.metrics().openStreams).toBe(0);
  });
});

describe('EventsApi.metrics()', () => {
  it('is a synchronous snapshot of requests, responses by class, errors, streams and durations', async () => {
    const api = new EventsApi(options());
    const empty = {
      requests: 0,
      responses: { '2xx': 0, '4xx': 0, '5xx': 0 },
      errors: 0,
      openStreams: 0,
      streamsOpened: 0,
      requestDurationMs: { count: 0, p50: 0, p99: 0, max: 0 },
    };
    expect(api.metrics()).not.toBeInstanceOf(Promise);
    expect(api.metrics()).toEqual(empty);
    const statuses: number[] = [];
    for (const path of ['events', 'events?limit=abc', 'nothing', 'analytics']) {
      const response = await api.fetch(new Request(`http://api.test/my/projects/p1/${path}`));
      statuses.push(response.status);
    }
    const streamed = await api.fetch(new Request(STREAM_URL));
    expect([...statuses, streamed.status]).toEqual([200, 400, 404, 200, 200]);
    const { requestDurationMs, ...counters } = api.metrics();
    const responses = { '2xx': 3, '4xx': 2, '5xx': 0 };
    expect(counters).toEqual({
      requests: 5,
      responses,
      errors: 0,
      openStreams: 1,
      streamsOpened: 1,
    });
    // The stream's response lasts as long as its client: not a request duration.
    expect(requestDurationMs.count).toBe(4);
    expect(requestDurationMs.max).toBeGreaterThan(0);
    expect(requestDurationMs.p50).toBeLessThanOrEqual(requestDurationMs.max);
    await streamed.body?.cancel();
    expect(api.metrics().openStreams).toBe(0);
    expect(api.metrics().streamsOpened).toBe(1);
    await api.close();
  });
});

describe('a route that fails', () => {
  it('answers a bare 500 and emits an EventsApiError with the cause, the method and the path', async () => {
    const { log, lines } = recordingLog();
    const api = new EventsApi(
      options({ queries: new EventQueries({ db: db.pool, schema: 'no_such_schema' }), log }),
    );
    const errors: EventsApiError[] = [];
    api.on('error', (error) => errors.push(error));
    const response = await api.fetch(
      new Request('http://api.test/my/projects/p1/events?type=A', { method: 'GET' }),
    );
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: { code: 'INTERNAL', message: 'the events could not be read' },
    });
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(error).toBeInstanceOf(EventsApiError);
    expect(error).toMatchObject({
      code: 'API_ROUTE_FAILED',
      method: 'GET',
      path: '/my/projects/p1/events',
    });
    // undefined_table, explained: what to run
    expect(error?.cause).toMatchObject({ code: 'NOT_MIGRATED', cause: { code: '42P01' } });
    expect(api.metrics()).toMatchObject({ errors: 1, responses: { '5xx': 1 } });
    expect(lines).toContainEqual({
      level: 'error',
      details: { err: error },
      message: 'eventrail events API route failed',
    });
    // A bad parameter is the client's 400, not a failure.
    const bad = await api.fetch(new Request('http://api.test/my/projects/p1/events?limit=x'));
    expect(bad.status).toBe(400);
    expect(errors).toHaveLength(1);
    await api.close();
  });
});
