/**
 * `npx eventrail replay --name … ` of 50,000 events to real RabbitMQ and NATS, SIGKILLed half-way
 * (a child process running the CLI), then resumed with `--resume`: every event id arrives; the
 * copies are only of events right after the checkpoint the killed run had saved (at most the
 * batches in flight: writesInFlight 2 × maxBatchSize 1000 of the broker sinks); NATS drops them
 * (its stream holds exactly the 50,000).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { ConsumeMessage } from 'amqplib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, root } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/database.js';
import { generateEvents } from '../helpers/events.js';
import { useNats } from '../helpers/nats.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';

const db = useTestDatabase();
const rabbit = useRabbitMQ();
const nats = useNats();

const EVENTS = 50_000;
/** The most events a killed run may have published past its checkpoint (the sinks' defaults). */
const UNCONFIRMED = 2 * 1000;
/** Every event id, in commit order. */
let order: string[] = [];

beforeAll(async () => {
  // Five transactions of 10,000 rows, created over the last minute.
  for (let i = 0; i < 5; i++) {
    await generateEvents(db.pool, {
      count: EVENTS / 5,
      users: 50,
      end: new Date(),
      stepMs: 1,
      first: 1 + (i * EVENTS) / 5,
    });
  }
  const { rows } = await db.pool.query<{ id: string }>(
    'SELECT id::text FROM eventrail.event_logs ORDER BY tx_id, id',
  );
  order = rows.map((r) => r.id);
});

const [node, ...command] = CLI;
const cliArgs = (name: string, broker: string[], ...more: string[]) => [
  ...command,
  'replay',
  '--url',
  db.url,
  '--from',
  'start',
  '--name',
  name,
  ...broker,
  ...more,
];

/** How many events the checkpoint of `name` has passed (0 before it exists). */
async function checkpointed(name: string): Promise<{ passed: number; id: string | null }> {
  const { rows } = await db.pool.query<{ id: string }>(
    `SELECT position_id::text AS id FROM eventrail.consumer_partitions WHERE consumer = $1`,
    [`replay:${name}`],
  );
  const id = rows[0]?.id ?? null;
  return { passed: id === null ? 0 : order.indexOf(id) + 1, id };
}

/**
 * Runs the replay in a child process, as fast as the broker takes it (so that batches are in
 * flight when it dies), and SIGKILLs it once its checkpoint passed 40% of the events; returns
 * the checkpoint it left.
 */
async function killHalfWay(name: string, broker: string[]) {
  const child: ChildProcess = spawn(node, cliArgs(name, broker), {
    cwd: root,
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', (_, signal) => resolve(signal)));
  const deadline = Date.now() + 40_000;
  while ((await checkpointed(name)).passed < EVENTS * 0.4) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`the replay did not get 40% through (exit ${child.exitCode})`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  const left = await checkpointed(name);
  // Killed half-way indeed: the rest is for the resumed run.
  expect(left.passed).toBeLessThan(EVENTS);
  // Its connection (and the lock it held) ends when Postgres sees the socket closed.
  for (let i = 0; i < 200; i++) {
    const { rows } = await db.pool.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory'`);
    if (rows.length === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return left;
}

/** Runs the replay to its end (with `--resume`, unless told); returns its summary. */
async function complete(name: string, broker: string[], ...more: string[]) {
  const { stdout } = await promisify(execFile)(node, cliArgs(name, broker, ...more), {
    cwd: root,
  });
  return JSON.parse(stdout) as { published: number; resumedFrom: string | null };
}

describe('a replay killed half-way and resumed', () => {
  it('to RabbitMQ: every event arrives, copies only of the batches after the checkpoint', async () => {
    const exchange = rabbit.name('x');
    const queue = rabbit.name('q');
    await rabbit.channel.assertExchange(exchange, 'topic', { durable: true });
    await rabbit.channel.assertQueue(queue, { durable: true });
    await rabbit.channel.bindQueue(queue, exchange, '#');
    const broker = ['--to', rabbit.url, '--exchange', exchange];
    const left = await killHalfWay('crash-rabbitmq', broker);
    const summary = await complete('crash-rabbitmq', broker, '--resume');
    expect(summary).toMatchObject({ resumedFrom: left.id, published: EVENTS - left.passed });

    const seen = new Set<string>();
    const messages: ConsumeMessage[] = await rabbit.collect(
      queue,
      (all) => seen.add(all.at(-1)?.properties.messageId).size === EVENTS,
      60_000,
    );
    expect(seen.size).toBe(EVENTS);
    expect(order.every((id) => seen.has(id))).toBe(true);
    expect((await rabbit.channel.checkQueue(queue)).messageCount).toBe(0);
    const counts = new Map<string, number>();
    for (const m of messages) {
      counts.set(m.properties.messageId, (counts.get(m.properties.messageId) ?? 0) + 1);
    }
    const copied = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    expect(messages.length - EVENTS).toBe(copied.length);
    expect(copied.length).toBeLessThanOrEqual(UNCONFIRMED);
    // Each copy is of an event the killed run published past its checkpoint, unconfirmed.
    const window = new Set(order.slice(left.passed, left.passed + UNCONFIRMED));
    expect(copied.filter((id) => !window.has(id))).toEqual([]);
  });

  it('to NATS: its stream holds each event once, the copies dropped by Nats-Msg-Id', async () => {
    const stream = nats.name('replay');
    const broker = ['--to', nats.url, '--stream', stream, '--subject-prefix', stream];
    const left = await killHalfWay('crash-nats', broker);
    const summary = await complete('crash-nats', broker, '--resume');
    expect(summary).toMatchObject({ resumedFrom: left.id, published: EVENTS - left.passed });

    expect((await nats.manager.streams.info(stream)).state.messages).toBe(EVENTS);
    const stored = await nats.collect(stream, EVENTS);
    const ids = new Set(stored.map((m) => m.headers?.get('Nats-Msg-Id')));
    expect(ids.size).toBe(EVENTS);
    expect(order.every((id) => ids.has(id))).toBe(true);
    // All of them once more, within the duplicate window: JetStream drops every copy.
    expect((await complete('again', broker)).published).toBe(EVENTS);
    expect((await nats.manager.streams.info(stream)).state.messages).toBe(EVENTS);
  });
});
