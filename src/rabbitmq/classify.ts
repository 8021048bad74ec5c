import { classifyCommonError, type SinkErrorKind } from '../sinks/sink.js';
import { RabbitMQError, type RabbitMQErrorCode } from './errors.js';

/** Codes worth retrying: the same publish may succeed once the connection or the broker recovers. */
const TRANSIENT_CODES = new Set<RabbitMQErrorCode>([
  'RABBITMQ_UNAVAILABLE',
  'RABBITMQ_CONNECTION_LOST',
  'RABBITMQ_BLOCKED',
  'RABBITMQ_CONFIRM_TIMEOUT',
  'RABBITMQ_NACKED',
]);

/**
 * AMQP reply codes that close a channel or connection but say "later": 320 connection-forced
 * (the broker or an operator closed it), 405 resource-locked, 504 channel-error, 506
 * resource-error, 541 internal-error. The others (403 access-refused, 404 not-found, 406
 * precondition-failed, 530 not-allowed, ...) describe a configuration that retrying will not fix.
 */
const TRANSIENT_REPLY_CODES = new Set([320, 405, 504, 506, 541]);

/**
 * How an error of {@link RabbitMQSink} should be handled (see {@link SinkErrorKind}).
 * Transient: not connected, connection or channel lost before the confirms, blocked too long,
 * confirm timeout, nack, and the AMQP reply codes above. Permanent: unroutable messages (no queue
 * is bound for the key; retrying at once will not bind one), messages the mapping functions could
 * not build, a closed sink (`ClosedError`, `RABBITMQ_CLOSED`), and topology or permission errors.
 */
export function classifyRabbitMQError(error: unknown): SinkErrorKind {
  if (error instanceof RabbitMQError) {
    return TRANSIENT_CODES.has(error.code) ? 'transient' : 'permanent';
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number') return TRANSIENT_REPLY_CODES.has(code) ? 'transient' : 'permanent';
  return classifyCommonError(error);
}
