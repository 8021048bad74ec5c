/**
 * eventrail for RabbitMQ: {@link RabbitMQSink} publishes events to an exchange with publisher
 * confirms, reconnecting on its own. Needs `amqplib` (an optional peer dependency) installed.
 * @packageDocumentation
 */

export type { BrokerSinkCloseSummary } from '../sinks/broker-sink.js';
export { classifyRabbitMQError } from './classify.js';
export type { RabbitMQPublishCounters } from './confirm-publisher.js';
export type { RabbitMQConnectionCounters, RabbitMQSinkState } from './connection.js';
export { RabbitMQError, type RabbitMQErrorCode } from './errors.js';
export { type RabbitMQMessage, type RabbitMQMessageMapping, toRabbitMQMessage } from './message.js';
export {
  type AmqpConnection,
  DEFAULT_RABBITMQ_SINK_OPTIONS,
  type QueueBinding,
  type RabbitMQSinkOptions,
} from './options.js';
export {
  RabbitMQSink,
  type RabbitMQSinkEvents,
  type RabbitMQSinkMetrics,
} from './rabbitmq-sink.js';
