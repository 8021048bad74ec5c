/**
 * How `eventrail replay` shows where it stands on stderr: a bar redrawn in place on a terminal,
 * else one JSON line a second at most, and a final one either way.
 */
import type { ReplayProgress } from '../postgres/replay/options.js';

/** Where progress goes: stderr, or a stream like it. */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** One progress line when stderr is not a terminal (`done` on the final one only). */
export interface ProgressLine {
  readonly published: number;
  readonly total: number;
  /** Whole percent of `total` published (100 when there is nothing to publish). */
  readonly percent: number;
  /** Events per second since the start, rounded. */
  readonly ratePerSecond: number;
  /** Milliseconds left at that rate (null before anything is published). */
  readonly etaMs: number | null;
  readonly elapsedMs: number;
  readonly done?: boolean;
}

/** The figures of a line from `progress`. */
export function progressLine(progress: ReplayProgress, done?: boolean): ProgressLine {
  const { published, total } = progress;
  const elapsedMs = Math.round(progress.elapsedMs);
  const rate = elapsedMs > 0 ? (published * 1000) / elapsedMs : 0;
  const left = Math.max(0, total - published);
  return {
    published,
    total,
    percent: total === 0 ? 100 : Math.floor((published * 100) / total),
    ratePerSecond: Math.round(rate),
    etaMs: rate > 0 ? Math.round((left * 1000) / rate) : null,
    elapsedMs,
    ...(done !== undefined && { done }),
  };
}

const WIDTH = 24;
const count = (n: number) => n.toLocaleString('en-US');
const clock = (ms: number) => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** The bar of `line`: `[#####-----] 12,000/50,000 24% 8,345/s ETA 0:05`. */
export function progressBar(line: ProgressLine): string {
  const filled = Math.round((line.percent / 100) * WIDTH);
  const eta = line.done
    ? `in ${clock(line.elapsedMs)}`
    : `ETA ${line.etaMs === null ? '?' : clock(line.etaMs)}`;
  return `replay [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${count(line.published)}/${count(line.total)} ${line.percent}% ${count(line.ratePerSecond)}/s ${eta}`;
}

/** Writes progress to `out`: a bar redrawn at most 10 times a second, or JSON lines once a second. */
export class ProgressReport {
  readonly #out: ProgressOutput;
  readonly #now: () => number;
  readonly #everyMs: number;
  #last: number;
  #latest: ReplayProgress | undefined;

  constructor(out: ProgressOutput, now: () => number = () => performance.now()) {
    this.#out = out;
    this.#now = now;
    this.#everyMs = out.isTTY ? 100 : 1000;
    this.#last = now();
  }

  /**
   * Takes the progress of a batch; writes it unless one was written within the interval or it is
   * the last batch (the final line from `finish` says it).
   */
  readonly update = (progress: ReplayProgress): void => {
    this.#latest = progress;
    const now = this.#now();
    if (now - this.#last < this.#everyMs || progress.published >= progress.total) return;
    this.#last = now;
    this.#write(progressLine(progress));
  };

  /**
   * Writes the final line: `done` when the replay finished, else where it stopped. A replay with
   * nothing to publish heard of no batch: its line says 0 of 0 after `elapsedMs`.
   */
  finish(done: boolean, elapsedMs = 0): void {
    const latest = this.#latest ?? { published: 0, total: 0, elapsedMs, lastEventId: null };
    this.#write(progressLine(latest, done));
    if (this.#out.isTTY) this.#out.write('\n');
  }

  #write(line: ProgressLine): void {
    if (this.#out.isTTY) this.#out.write(`\r\x1b[2K${progressBar(line)}`);
    else this.#out.write(`${JSON.stringify(line)}\n`);
  }
}
