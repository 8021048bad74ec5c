/** Small things the broker sinks' tests share. */
import { type EventRecord, normalizeEvent } from '../../src/index.js';

/** `n` records as a logger hands them to a sink, `payload.i` = 0..n-1. */
export function records(n: number): EventRecord[] {
  return Array.from({ length: n }, (_, i) =>
    normalizeEvent({ type: 'T', userId: 'u', payload: { i } }, { maxPayloadBytes: 1024 }),
  );
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
