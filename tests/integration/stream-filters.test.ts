/**
 * Live events reach exactly the subscribers whose filters take them (every filter the list route
 * has, as the history read applies it), however many subscribers share one user: the same
 * filters (they receive the same events with the same cursors), other filters, and filters that
 * differ only in their time range (which cursors do not bind).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { EventStream } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { type Collector, collect } from '../helpers/stream.js';

const db = useTestDatabase();
const streams: EventStream[] = [];
afterAll(async () => {
  await Promise.all(streams.map((s) => s.close()));
});

const HOUR = 3_600_000;
const TRACE = '0af7651916cd43dd8448eb211c80319c';

describe('EventStream filters on live events', () => {
  it('hands each event to exactly the subscribers of one user whose filters match it', async () => {
    const stream = new EventStream({ db: db.pool, pollIntervalMs: 50 });
    streams.push(stream);
    const alice = { userId: 'alice', projectId: 'p1' };
    const subscribers: Record<string, Collector> = {
      all: collect(stream.subscribe(alice)),
      allAgain: collect(stream.subscribe(alice)),
      typeA: collect(stream.subscribe(alice, { types: ['A'] })),
      session: collect(stream.subscribe(alice, { sessionId: 's1' })),
      trace: collect(stream.subscribe(alice, { traceId: TRACE })),
      notYet: collect(stream.subscribe(alice, { from: new Date(Date.now() + HOUR) })),
      over: collect(stream.subscribe(alice, { to: new Date(Date.now() - HOUR) })),
    };
    for (const c of Object.values(subscribers)) await c.started();

    await db.pool.query(
      `INSERT INTO eventrail.event_logs (id, event_type, user_id, project_id, session_id)
       VALUES (gen_random_uuid(), 'A', 'alice', 'p1', NULL),
              (gen_random_uuid(), 'B', 'alice', 'p1', 's1'),
              (gen_random_uuid(), 'A', 'bob', 'p1', 's1')`,
    );
    await db.pool.query(
      `INSERT INTO eventrail.event_logs (id, event_type, user_id, project_id, session_id, trace_id)
       VALUES (gen_random_uuid(), 'A', 'alice', 'p1', 's1', $1)`,
      [TRACE],
    );
    await subscribers.all?.until(3);
    await subscribers.typeA?.until(2);
    await subscribers.session?.until(2);
    await subscribers.trace?.until(1);
    await new Promise((r) => setTimeout(r, 300));

    const got = Object.fromEntries(
      Object.entries(subscribers).map(([name, c]) => [
        name,
        c.events.map((e) => `${e.event.type}/${e.event.sessionId}`),
      ]),
    );
    // One transaction wrote A and B (in id order), a later one the last A.
    const first = got.all?.slice(0, 2).sort();
    expect(first).toEqual(['A/null', 'B/s1']);
    expect(got.all?.[2]).toBe('A/s1');
    expect(got.allAgain).toEqual(got.all);
    expect(got.typeA).toEqual(got.all?.filter((e) => e.startsWith('A/')));
    expect(got.session).toEqual(got.all?.filter((e) => e.endsWith('/s1')));
    expect(got.trace).toEqual(['A/s1']);
    expect(got.notYet).toEqual([]);
    expect(got.over).toEqual([]);
    // Subscribers of the same scope and filters resume from the same cursors.
    expect(subscribers.allAgain?.events.map((e) => e.cursor)).toEqual(
      subscribers.all?.events.map((e) => e.cursor),
    );
  });
});
