import type { Channel } from 'amqplib';
import type { QueueBinding } from './options.js';

/** What the sink declares on every channel it opens. */
export interface Topology {
  readonly exchange: string;
  readonly exchangeType: string;
  readonly assertTopology: boolean;
  readonly queues: readonly QueueBinding[];
}

/**
 * Declares the exchange (durable) and the queues with their bindings. Declarations are
 * idempotent, so this runs on every new channel: after a reconnect, after the broker lost a
 * non-durable queue, after someone deleted the exchange. A declaration that contradicts what
 * exists (another exchange type, other queue arguments) fails with the broker's 406.
 */
export async function assertTopology(channel: Channel, topology: Topology): Promise<void> {
  if (!topology.assertTopology) return;
  await channel.assertExchange(topology.exchange, topology.exchangeType, { durable: true });
  for (const { queue, bindingKeys = ['#'], options } of topology.queues) {
    await channel.assertQueue(queue, { durable: true, ...options });
    for (const key of bindingKeys) await channel.bindQueue(queue, topology.exchange, key);
  }
}
