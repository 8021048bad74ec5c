import type { Attributes } from '@opentelemetry/api';
import type { Registration } from './registration.js';
import type { ObservedSlot } from './sources.js';
import { observeRead } from './timed-read.js';

/**
 * Observes a replication slot of the WAL transport from its `slotStatus()` (one query per
 * collection): the WAL it lags and retains, in bytes, and the lag Postgres measured for its
 * reader, in seconds (not observed while none is measured). A slot that does not exist has no
 * figures. Attributes: `eventrail.wal.slot.name`.
 * @internal
 */
export function observeSlot(
  r: Registration,
  slot: ObservedSlot,
  options: { readonly readTimeoutMs: number; readonly failed: (error: unknown) => void },
): void {
  const lag = r.gauge(
    'eventrail.wal.slot.lag',
    'By',
    'WAL written since the position the relay confirmed',
  );
  const retained = r.gauge(
    'eventrail.wal.slot.retained',
    'By',
    'WAL the server keeps for the slot (from its restart position)',
  );
  const lagTime = r.gauge(
    'eventrail.wal.slot.lag.time',
    's',
    "Lag Postgres measured for the slot's reader (decoded to confirmed)",
  );
  observeRead(
    r,
    [lag, retained, lagTime],
    () => slot.slotStatus(),
    options,
    (result, s) => {
      const attributes: Attributes = { 'eventrail.wal.slot.name': s.slot };
      if (s.lagBytes !== null) result.observe(lag, s.lagBytes, attributes);
      if (s.retainedBytes !== null) result.observe(retained, s.retainedBytes, attributes);
      if (s.lagSeconds !== null) result.observe(lagTime, s.lagSeconds, attributes);
    },
  );
}
