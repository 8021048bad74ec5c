import type { EventRecord } from '../../event/types.js';
import type { WalError } from './errors.js';
import type { WalRelayState } from './metrics.js';

/** The events a {@link WalRelay} emits (eventemitter3; listeners are optional). */
export interface WalRelayEvents {
  /** A batch was taken by every sink and its transactions confirmed up to `confirmedLsn`. */
  batch: (info: {
    events: number;
    transactions: number;
    confirmedLsn: bigint;
    durationMs: number;
  }) => void;
  /** The relay became active (it reads the slot), went on standby, or closed. */
  state: (info: { state: WalRelayState }) => void;
  /** An event a sink refused as invalid data was skipped: retrying the same bytes cannot help. */
  failed: (info: { event: EventRecord; sink: string; error: unknown }) => void;
  /** A fault, retried in the background: a sink failure, a lost or refused connection. */
  error: (error: WalError) => void;
}
