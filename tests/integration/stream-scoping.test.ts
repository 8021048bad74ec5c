/**
 * A subscriber sees only its scope's events: never another user's or another project's, not
 * even through a cursor made for another scope, altered, or forged without the secret.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { CursorCodec } from '../../src/postgres/cursor/codec.js';
import { EventQueries, EventStream } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { collect } from '../helpers/stream.js';

const db = useTestDatabase();
const cursorSecret = 'a-stable-secret-of-32-characters';
const streams: EventStream[] = [];
afterAll(async () => {
  await Promise.all(streams.map((s) => s.close()));
});

async function write(rows: [user: string, project: string, type: string][]): Promise<void> {
  await db.pool.query(
    `INSERT INTO eventrail.event_logs (id, event_type, user_id, project_id)
     SELECT gen_random_uuid(), t, u, p FROM unnest($1::text[], $2::text[], $3::text[]) AS r(u, p, t)`,
    [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
  );
}

const refused = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof ValidationError ? error.field : error;
  }
  return 'accepted';
};

describe('EventStream scoping', () => {
  it('streams only the scope, and refuses cursors of other scopes, altered or forged', async () => {
    const stream = new EventStream({ db: db.pool, cursorSecret, pollIntervalMs: 50 });
    streams.push(stream);
    const mine = collect(stream.subscribe({ userId: 'alice', projectId: 'p1' }));
    const theirs = collect(stream.subscribe({ userId: 'bob', projectId: 'p1' }));
    while (mine.events.length === 0 || theirs.events.length === 0) {
      await write([
        ['alice', 'p1', 'PRIME'],
        ['bob', 'p1', 'PRIME'],
      ]);
      await new Promise((r) => setTimeout(r, 50));
    }
    const [a, b] = [mine.events.length, theirs.events.length];
    await write([
      ['bob', 'p1', 'BOB'],
      ['alice', 'p2', 'OTHER_PROJECT'],
      ['alice', 'p1', 'MINE'],
      ['carol', 'p1', 'CAROL'],
    ]);
    await mine.until(a + 1);
    await theirs.until(b + 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(mine.events.slice(a).map((e) => e.event.type)).toEqual(['MINE']);
    expect(theirs.events.slice(b).map((e) => e.event.type)).toEqual(['BOB']);
    expect(mine.events.every((e) => e.event.userId === 'alice' && e.event.projectId === 'p1')).toBe(
      true,
    );

    const bobCursor = theirs.events[0]?.cursor as string;
    const aliceCursor = mine.events[0]?.cursor as string;
    const alice = { userId: 'alice', projectId: 'p1' };
    // Bob's cursor on Alice's subscription, Alice's on a wider scope or another filter.
    expect(refused(() => stream.subscribe(alice, {}, { from: bobCursor }))).toBe('options.from');
    expect(refused(() => stream.subscribe({ userId: 'alice' }, {}, { from: aliceCursor }))).toBe(
      'options.from',
    );
    expect(refused(() => stream.subscribe(alice, { types: ['MINE'] }, { from: aliceCursor }))).toBe(
      'options.from',
    );
    // Altered: the same tag on another position.
    const [body, tag] = aliceCursor.split('.') as [string, string];
    const moved = Buffer.from(
      Buffer.from(body, 'base64url').toString().replace(/:\d+:/, ':0:'),
    ).toString('base64url');
    expect(refused(() => stream.subscribe(alice, {}, { from: `${moved}.${tag}` }))).toBe(
      'options.from',
    );
    // Forged with another secret, for Alice's exact binding.
    const forged = new CursorCodec('another-secret-of-32-characters!').seal(
      Buffer.from(body, 'base64url').toString(),
      JSON.stringify(['eventrail', { userId: 'alice', projectId: 'p1', tenantId: null }]),
    );
    expect(refused(() => stream.subscribe(alice, {}, { from: forged }))).toBe('options.from');
    expect(refused(() => stream.subscribe(alice, {}, { from: aliceCursor }))).toBe('accepted');
  });

  it("starts after a list read's nextCursor of the same scope, and refuses another scope's", async () => {
    const stream = new EventStream({ db: db.pool, cursorSecret, pollIntervalMs: 50 });
    streams.push(stream);
    const queries = new EventQueries({ db: db.pool, cursorSecret });
    const scope = { userId: 'dana' };
    await write(
      Array.from({ length: 5 }, (_, i) => ['dana', 'p', `E${i}`] as [string, string, string]),
    );
    const page = await queries.listEvents(scope, {}, { order: 'asc', limit: 2 });
    const sub = collect(stream.subscribe(scope, {}, { from: page.nextCursor as string }));
    await sub.until(3);
    const all = await queries.listEvents(scope, {}, { order: 'asc' });
    expect(sub.ids()).toEqual(all.items.slice(2).map((e) => e.id));

    const desc = await queries.listEvents(scope, {}, { limit: 2 });
    expect(refused(() => stream.subscribe(scope, {}, { from: desc.nextCursor as string }))).toBe(
      'options.from',
    );
    const other = await queries.listEvents({ userId: 'alice' }, {}, { order: 'asc', limit: 1 });
    expect(refused(() => stream.subscribe(scope, {}, { from: other.nextCursor as string }))).toBe(
      'options.from',
    );
  });
});
