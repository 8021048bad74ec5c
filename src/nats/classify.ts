import { classifyCommonError, type SinkErrorKind } from '../sinks/sink.js';
import { NatsError, type NatsErrorCode } from './errors.js';

/** Codes worth retrying: the same publish may succeed once the connection or JetStream recovers. */
const TRANSIENT_CODES = new Set<NatsErrorCode>([
  'NATS_UNAVAILABLE',
  'NATS_CONNECTION_LOST',
  'NATS_ACK_TIMEOUT',
  'NATS_NACKED',
  'NATS_NO_RESPONDERS',
]);

/**
 * How an error of {@link NatsSink} should be handled (see {@link SinkErrorKind}). Transient: not
 * connected, connection lost before the acks, ack timeout, a refusal by JetStream (a full stream
 * may drain), and no responders (JetStream still recovering its streams after a restart).
 * Permanent: subjects outside the stream, messages the mapping could not build, a missing or
 * unfit stream, and a closed sink. A retried message keeps its `Nats-Msg-Id`, so JetStream's
 * duplicate window drops the copy of one that was stored after all.
 */
export function classifyNatsError(error: unknown): SinkErrorKind {
  if (error instanceof NatsError)
    return TRANSIENT_CODES.has(error.code) ? 'transient' : 'permanent';
  return classifyCommonError(error);
}
