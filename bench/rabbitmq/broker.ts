import { randomBytes } from 'node:crypto';
import amqplib, { type Channel, type ChannelModel } from 'amqplib';

const DEFAULT_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** A durable topic exchange and one durable queue bound to everything, named for this run. */
export interface BenchBroker {
  readonly url: string;
  readonly exchange: string;
  readonly queue: string;
  /** Empties the queue between runs, so that every run starts from the same state. */
  reset(): Promise<void>;
  /** Messages in the queue (to check that a run delivered what it claims). */
  depth(): Promise<number>;
  drop(): Promise<void>;
}

/** Declares the bench topology on the broker at AMQP_URL. */
export async function createBenchBroker(): Promise<BenchBroker> {
  const url = process.env.AMQP_URL ?? DEFAULT_URL;
  const name = `eventrail-bench-${randomBytes(4).toString('hex')}`;
  const connection: ChannelModel = await amqplib.connect(url);
  const channel: Channel = await connection.createChannel();
  await channel.assertExchange(name, 'topic', { durable: true });
  await channel.assertQueue(name, { durable: true });
  await channel.bindQueue(name, name, '#');
  return {
    url,
    exchange: name,
    queue: name,
    async reset() {
      await channel.purgeQueue(name);
    },
    async depth() {
      return (await channel.checkQueue(name)).messageCount;
    },
    async drop() {
      await channel.deleteQueue(name);
      await channel.deleteExchange(name);
      await connection.close();
    },
  };
}
