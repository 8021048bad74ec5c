/**
 * RabbitMQ for one integration test file: unique exchange and queue names (deleted when the file
 * ends), an admin connection for declaring and consuming, and a way to make the broker close a
 * connection found by its name. Connections named after this file and still open at the end are
 * reported as a leak (the file fails).
 *
 * The broker is administered with `rabbitmqctl` on this machine, or else through the management
 * HTTP API (`inject('amqpManagementUrl')`, with the AMQP URL's credentials); tests never stop the
 * broker itself.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import amqplib, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, inject } from 'vitest';
import { RabbitMQSink, type RabbitMQSinkOptions } from '../../src/rabbitmq/index.js';

const run = promisify(execFile);

interface BrokerConnection {
  /** What closes it: a pid for rabbitmqctl, a name for the management API. */
  readonly id: string;
  readonly connectionName: string;
}

export interface TestBroker {
  readonly url: string;
  /** A tag unique to this file; sink names built with `name()` contain it. */
  readonly tag: string;
  /** A unique name for an exchange, queue or sink; exchanges and queues of that name are deleted at the end. */
  name(label: string): string;
  /**
   * A sink named after this file, publishing to a new exchange with one new queue bound to
   * everything; `options` add to or override that (with `connection`, no `url` is set).
   */
  sink(options?: Partial<RabbitMQSinkOptions>): {
    sink: RabbitMQSink;
    queue: string;
    exchange: string;
  };
  /** Consumes `queue` until every event `payload.i` of 0..n-1 arrived at least once. */
  collectEvents(queue: string, n: number): Promise<ConsumeMessage[]>;
  /** A channel on the admin connection (not a confirm channel). */
  readonly channel: Channel;
  /** Makes the broker close every connection whose `connection_name` is `connectionName`; returns how many. */
  closeConnections(connectionName: string): Promise<number>;
  /**
   * Consumes `queue` until `count` messages arrived (or `until` says so) or `timeoutMs` passed;
   * acks them all.
   */
  collect(
    queue: string,
    until: number | ((messages: ConsumeMessage[]) => boolean),
    timeoutMs?: number,
  ): Promise<ConsumeMessage[]>;
}

export function useRabbitMQ(): TestBroker {
  const url = inject('amqpUrl');
  const tag = randomBytes(4).toString('hex');
  const names: string[] = [];
  const state = {
    connection: undefined as ChannelModel | undefined,
    channel: undefined as Channel | undefined,
  };

  beforeAll(async () => {
    state.connection = await amqplib.connect(url, {
      clientProperties: { connection_name: `eventrail-test-admin-${tag}` },
    });
    state.channel = await state.connection.createChannel();
  });

  afterAll(async () => {
    const channel = state.channel as Channel;
    for (const name of names) {
      await channel.deleteQueue(name);
      await channel.deleteExchange(name);
    }
    await state.connection?.close();
    const leaked = await openConnections(url, tag);
    if (leaked.length > 0) {
      throw new Error(`connections left open by the test: ${leaked.join(', ')}`);
    }
  });

  const name = (label: string) => {
    const unique = `eventrail-test-${label}-${tag}-${randomBytes(3).toString('hex')}`;
    names.push(unique);
    return unique;
  };
  const broker: TestBroker = {
    url,
    tag,
    name,
    sink(options = {}) {
      const exchange = options.exchange ?? name('x');
      const queue = name('q');
      const sink = new RabbitMQSink({
        ...(options.connection ? {} : { url }),
        name: name('sink'),
        exchange,
        queues: [{ queue }],
        ...options,
      });
      return { sink, queue, exchange };
    },
    collectEvents(queue, n) {
      const arrived = new Set<number>();
      return broker.collect(queue, (all) => {
        arrived.add(JSON.parse(String(all[all.length - 1]?.content)).payload.i);
        return arrived.size === n;
      });
    },
    get channel(): Channel {
      if (!state.channel) throw new Error('useRabbitMQ: the broker is ready only inside tests');
      return state.channel;
    },
    async closeConnections(connectionName) {
      const matching = (await listConnections(url)).filter(
        (c) => c.connectionName === connectionName,
      );
      for (const c of matching) await closeConnection(url, c.id);
      return matching.length;
    },
    async collect(queue, until, timeoutMs = 30_000) {
      const enough = typeof until === 'number' ? (m: ConsumeMessage[]) => m.length >= until : until;
      const channel = await (state.connection as ChannelModel).createChannel();
      const messages: ConsumeMessage[] = [];
      try {
        await channel.prefetch(1000);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          void channel.consume(queue, (message) => {
            if (message === null) return;
            messages.push(message);
            channel.ack(message);
            if (enough(messages)) {
              clearTimeout(timer);
              resolve();
            }
          });
        });
      } finally {
        await channel.close();
      }
      return messages;
    },
  };
  return broker;
}

/** Connections whose name contains `tag`, waiting up to two seconds for closing ones to go. */
async function openConnections(url: string, tag: string): Promise<string[]> {
  let open: string[] = [];
  for (let i = 0; i < 10; i++) {
    open = (await listConnections(url))
      .map((c) => c.connectionName)
      .filter((name) => name.includes(tag) && !name.startsWith('eventrail-test-admin-'));
    if (open.length === 0) return open;
    await new Promise((r) => setTimeout(r, 200));
  }
  return open;
}

async function listConnections(url: string): Promise<BrokerConnection[]> {
  try {
    const { stdout } = await run('rabbitmqctl', [
      'list_connections',
      'pid',
      'client_properties',
      '-q',
    ]);
    return stdout
      .split('\n')
      .map((line) => /^(\S+)\t.*\{"connection_name","([^"]*)"\}/.exec(line))
      .filter((m) => m !== null)
      .map((m) => ({ id: m[1] as string, connectionName: m[2] as string }));
  } catch (local) {
    const list = (await management(url, '/api/connections', 'GET', local)) as {
      name: string;
      client_properties?: { connection_name?: string };
    }[];
    return list.map((c) => ({
      id: c.name,
      connectionName: c.client_properties?.connection_name ?? '',
    }));
  }
}

async function closeConnection(url: string, id: string): Promise<void> {
  if (id.startsWith('<')) {
    await run('rabbitmqctl', ['close_connection', id, 'closed by an eventrail test']);
    return;
  }
  await management(url, `/api/connections/${encodeURIComponent(id)}`, 'DELETE');
}

async function management(
  url: string,
  path: string,
  method: string,
  previous?: unknown,
): Promise<unknown> {
  const amqp = new URL(url);
  const user = decodeURIComponent(amqp.username || 'guest');
  const password = decodeURIComponent(amqp.password || 'guest');
  const api = inject('amqpManagementUrl');
  const response = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
  }).catch((error: unknown) => {
    throw new Error(`neither rabbitmqctl nor the management API at ${api} is available`, {
      cause: previous ?? error,
    });
  });
  if (!response.ok) throw new Error(`management API ${method} ${path}: ${response.status}`);
  return method === 'GET' ? response.json() : undefined;
}
