import type { EventLogger } from '../../src/index.js';
import { agentEvent } from './events.js';

/** One way to do the work of a scenario; `best` is its best round. */
export interface Candidate {
  readonly label: string;
  /** One run; returns its rate (events or messages per second). */
  readonly run: () => Promise<number>;
  best: number;
}

/** Collects garbage left by the previous run, when node runs with --expose-gc (npm run bench does). */
export function settleHeap(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** What a logger candidate runs on: the logger, the sink measured, and what to release after. */
export interface LoggerSetUp {
  readonly logger: EventLogger;
  readonly sink: string;
  readonly release?: () => Promise<void>;
}

/**
 * A candidate that logs `count` agent events through the logger `setUp` makes, awaiting each
 * `logEvent`; its rate is events/s from the first call to the end of `close()`. A run fails when
 * the sink did not write every event.
 */
export function loggerCandidate(
  label: string,
  count: number,
  setUp: () => Promise<LoggerSetUp>,
): Candidate {
  return {
    label,
    best: 0,
    async run() {
      const inputs = Array.from({ length: count }, (_, i) => agentEvent(i));
      const { logger, sink, release } = await setUp();
      settleHeap();
      try {
        const started = performance.now();
        for (const input of inputs) await logger.logEvent(input);
        const summary = await logger.close({ timeoutMs: 600_000 });
        const seconds = (performance.now() - started) / 1000;
        const written = summary.sinks[sink]?.written;
        if (written !== count) throw new Error(`logger wrote ${written} of ${count}`);
        return count / seconds;
      } finally {
        await release?.();
      }
    },
  };
}
