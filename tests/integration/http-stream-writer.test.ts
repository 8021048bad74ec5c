/**
 * The SSE session writes one subscription to any writer behind the plain writer interface
 * (`write` answering whether it can take more, `onDrain`, `gone`, `end`): frames in stream
 * order, nothing while the writer is backed up (heartbeats included), everything buffered
 * meanwhile once it drains, an `event: end` with the code when the subscription ended early. The
 * web body is such a writer: a heartbeat goes only to a read the consumer asked for.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SseSession, type SseWriter } from '../../src/http/sse/session.js';
import { sseResponse } from '../../src/http/sse.js';
import { EventStream } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();
let stream: EventStream;
const HEARTBEAT = ': heartbeat\n\n';

beforeAll(() => {
  stream = new EventStream({ db: db.pool, pollIntervalMs: 50, bufferSize: 20 });
});
afterEach(async () => {
  await waitFor(() => stream.metrics().subscribers === 0, 5000, 'every subscription to end');
});
afterAll(async () => {
  await stream.close();
});

async function write(user: string, count = 1): Promise<void> {
  await db.pool.query(
    `INSERT INTO eventrail.event_logs (id, event_type, user_id)
     SELECT gen_random_uuid(), 'TICK', $1 FROM generate_series(1, $2)`,
    [user, count],
  );
}

/** A writer that keeps what it is given and backs up when told to; counts its calls. */
class RecordingWriter implements SseWriter {
  readonly texts: string[] = [];
  /** Writes made while backed up: the session must never make one. */
  whileBacked = 0;
  ended = 0;
  gone = false;
  /** The next write answers false (backed up) until `drain()`. */
  backUp = false;
  #backed = false;
  #drain: (() => void) | undefined;

  /** Whether a write answered false and no drain came since. */
  get backed(): boolean {
    return this.#backed;
  }

  write(text: string): boolean {
    if (this.#backed) this.whileBacked += 1;
    this.texts.push(text);
    if (this.backUp) this.#backed = true;
    return !this.backUp;
  }

  onDrain(callback: () => void): void {
    this.#drain = callback;
  }

  end(): void {
    this.ended += 1;
  }

  drain(): void {
    this.backUp = false;
    this.#backed = false;
    const drain = this.#drain;
    this.#drain = undefined;
    drain?.();
  }

  /** The event ids of the frames written, in order. */
  ids(): string[] {
    return [...this.texts.join('').matchAll(/data: \{"id":"([0-9a-f-]{36})"/g)].map(
      (m) => m[1] as string,
    );
  }
}

/** A session over a fresh subscription of `user` that has started (its cursor is set). */
async function session(user: string, heartbeatMs = 60_000) {
  const sub = stream.subscribe({ userId: user });
  let ended = 0;
  const s = new SseSession(sub, { heartbeatMs, retryMs: 1000 }, () => {
    ended += 1;
  });
  const writer = new RecordingWriter();
  const finished = s.run(writer);
  await waitFor(() => sub.cursor !== undefined, 10_000, 'the subscription to start');
  return { sub, session: s, writer, finished, ended: () => ended };
}

describe('SseSession over the writer interface', () => {
  it('writes the opening, then each event once and in order', async () => {
    const { writer, session: s, finished, ended } = await session('in-order');
    expect(writer.texts[0]).toBe('retry: 1000\n: connected\n\n');
    await write('in-order', 5);
    await waitFor(() => writer.ids().length === 5, 10_000, 'five frames');
    const { rows } = await db.pool.query<{ id: string }>(
      `SELECT id FROM eventrail.event_logs WHERE user_id = 'in-order' ORDER BY tx_id, id`,
    );
    expect(writer.ids()).toEqual(rows.map((r) => r.id));
    s.stop();
    await finished;
    expect(ended()).toBe(1);
    // Stopped while its writer is still there: the body is ended.
    expect(writer.ended).toBe(1);
  });

  it('writes nothing while backed up, heartbeats included, and everything once drained', async () => {
    const { writer, finished, sub } = await session('backed', 5);
    await waitFor(() => writer.texts.includes(HEARTBEAT), 5000, 'a heartbeat');
    writer.backUp = true;
    await waitFor(() => writer.backed, 5000, 'a heartbeat that backs the writer up');
    const backedAt = writer.texts.length;
    await write('backed', 4);
    await waitFor(() => sub.buffered === 4, 10_000, 'the events, buffered');
    // Sixty heartbeat intervals.
    await new Promise((r) => setTimeout(r, 300));
    expect(writer.whileBacked).toBe(0);
    expect(writer.texts.length).toBe(backedAt);
    expect(sub.buffered).toBe(4);
    writer.drain();
    await waitFor(() => writer.ids().length === 4, 10_000, 'the events after the drain');
    await waitFor(() => writer.texts.slice(backedAt).includes(HEARTBEAT), 5000, 'heartbeats again');
    expect(writer.whileBacked).toBe(0);
    writer.gone = true;
    await finished;
    expect(sub.ended).toBe(true);
    expect(writer.ended).toBe(0);
  });

  it('ends with an end frame naming the code when the subscription lagged', async () => {
    const { writer, finished } = await session('lagging');
    writer.backUp = true;
    await write('lagging', 1);
    await waitFor(() => writer.ids().length === 1, 10_000, 'the write that backs up');
    // More than bufferSize (20) pile up while the writer is backed up: the subscription ends.
    await write('lagging', 25);
    await waitFor(() => stream.metrics().lagged > 0, 10_000, 'the lag');
    writer.drain();
    await finished;
    const last = writer.texts.at(-1) as string;
    expect(last).toMatch(/^event: end\ndata: \{"code":"STREAM_SUBSCRIBER_LAGGED"/);
    expect(writer.ended).toBe(1);
  });
});

describe('the web body of an SSE response', () => {
  it('sends a heartbeat only to a read the consumer asked for, never a backlog of them', async () => {
    const sub = stream.subscribe({ userId: 'web' });
    const response = sseResponse(sub, { heartbeatMs: 5, retryMs: 1000 }, () => {});
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const read = async () => decoder.decode((await reader.read()).value);
    expect(await read()).toBe('retry: 1000\n: connected\n\n');
    // Nothing read for sixty heartbeat intervals: none piles up.
    await new Promise((r) => setTimeout(r, 300));
    expect(await read()).toBe(HEARTBEAT);
    await waitFor(() => sub.cursor !== undefined, 10_000, 'the subscription to start');
    const next = read();
    await write('web', 1);
    let text = await next;
    while (!text.includes('event: event')) text = await read();
    expect(text).toMatch(/^id: [^\n]+\nevent: event\ndata: \{"id":/);
    await reader.cancel();
    expect(sub.ended).toBe(true);
  });
});
