import type { EventRecord } from '../../event/types.js';
import type { Backoff } from '../../retry/backoff.js';
import { retry } from '../../retry/retry.js';
import { dispatch } from '../../sinks/dispatch.js';
import type { Sink } from '../../sinks/sink.js';
import { eventFromRowJson } from '../sql/event-rows.js';
import { WalError } from './errors.js';
import type { WalTransaction } from './replication.js';

/** How a relay hands events to its sinks. @internal */
export interface Delivery {
  readonly sinks: readonly Sink[];
  readonly retry: Backoff;
  /** The prefix of this schema's messages. */
  readonly prefix: string;
  /** Aborts the writes (`close()` at its budget): the events are not confirmed. */
  readonly signal: AbortSignal;
  /** A fault to emit; the work goes on (or is retried). */
  readonly fault: (error: WalError) => void;
  /** An event a sink refused as invalid data, skipped. */
  readonly failed: (event: EventRecord, sink: string, error: unknown) => void;
}

/** The messages of `tx` that carry this schema's events. */
function ours(tx: WalTransaction, prefix: string) {
  return tx.messages.filter((m) => m.prefix === prefix);
}

/**
 * Takes transactions off the head of `queue` while their events fit in `maxEvents` (the first
 * one always, whatever its size). @internal
 */
export function takeBatch(
  queue: WalTransaction[],
  maxEvents: number,
  prefix: string,
): WalTransaction[] {
  let events = 0;
  let count = 0;
  for (const tx of queue) {
    const size = ours(tx, prefix).length;
    if (count > 0 && events + size > maxEvents) break;
    events += size;
    count += 1;
  }
  return queue.splice(0, count);
}

/** The events of the transactions, in commit order; an undecodable message is a fault, skipped. */
export function eventsOf(txs: readonly WalTransaction[], delivery: Delivery): EventRecord[] {
  const events: EventRecord[] = [];
  for (const tx of txs) {
    for (const message of ours(tx, delivery.prefix)) {
      try {
        events.push(eventFromRowJson(message.content.toString('utf8')));
      } catch (error) {
        delivery.fault(
          new WalError('WAL_REPLICATION', `a message of transaction ${tx.xid} is no event`, error),
        );
      }
    }
  }
  return events;
}

/** Thrown when `close()` cut a write short: nothing more is tried or confirmed. */
class Released extends Error {}

/**
 * Hands `events` to every sink, retrying with the backoff what any sink failed (in every sink,
 * as the outbox does), until all are taken or skipped as invalid data. Rejects when the retries
 * run out or the signal aborts: then nothing of the batch may be confirmed. @internal
 */
export async function deliver(events: readonly EventRecord[], delivery: Delivery): Promise<void> {
  let pending = events;
  await retry(
    async () => {
      const verdicts = await dispatch(delivery.sinks, pending, delivery.signal);
      const again: EventRecord[] = [];
      let failure: { sink: string; error: unknown } | undefined;
      for (const event of pending) {
        const verdict = verdicts.get(event);
        if (verdict === undefined || verdict.kind === 'published') continue;
        if (verdict.kind === 'release') throw new Released();
        if (verdict.kind === 'failed') delivery.failed(event, verdict.sink, verdict.error);
        else {
          again.push(event);
          failure ??= verdict;
        }
      }
      pending = again;
      if (failure) {
        const { sink, error } = failure;
        throw new WalError('WAL_DELIVERY', `sink "${sink}" failed ${again.length} event(s)`, error);
      }
    },
    {
      backoff: delivery.retry,
      signal: delivery.signal,
      shouldRetry: (error) => {
        if (error instanceof WalError) delivery.fault(error);
        return error instanceof WalError;
      },
    },
  );
}
