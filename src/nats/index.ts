/**
 * eventrail for NATS JetStream: {@link NatsSink} publishes events to a stream and awaits their
 * acks per batch, reconnecting on its own. Needs `@nats-io/transport-node` and
 * `@nats-io/jetstream` (optional peer dependencies) installed.
 * @packageDocumentation
 */

export type { BrokerSinkCloseSummary } from '../sinks/broker-sink.js';
export { classifyNatsError } from './classify.js';
export type { NatsConnectionCounters, NatsSinkState } from './connection.js';
export { NatsError, type NatsErrorCode } from './errors.js';
export {
  NATS_HEADERS,
  type NatsMessage,
  type NatsMessageMapping,
  toNatsMessage,
} from './message.js';
export { NatsSink, type NatsSinkEvents, type NatsSinkMetrics } from './nats-sink.js';
export {
  DEFAULT_NATS_SINK_OPTIONS,
  DEFAULT_NATS_STREAM_OPTIONS,
  type NatsSinkOptions,
  type NatsStorage,
  type NatsStreamOptions,
} from './options.js';
export type { NatsPublishCounters } from './publish.js';
