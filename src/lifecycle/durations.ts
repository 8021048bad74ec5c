/** Percentiles of the latest durations of something, as every part's `metrics()` reports them. */
export interface DurationSummary {
  /** Durations recorded since the part was made. */
  readonly count: number;
  /** Median of the latest 1000, in milliseconds; 0 before the first. */
  readonly p50: number;
  /** 99th percentile of the latest 1000, in milliseconds; 0 before the first. */
  readonly p99: number;
  /** Longest of the latest 1000, in milliseconds; 0 before the first. */
  readonly max: number;
}

const WINDOW = 1000;

/**
 * The latest 1000 durations in a fixed array (nothing allocated per record); sorted only when a
 * snapshot is asked for. @internal
 */
export class Durations {
  readonly #window = new Float64Array(WINDOW);
  #count = 0;

  record(ms: number): void {
    this.#window[this.#count % WINDOW] = ms > 0 ? ms : 0;
    this.#count += 1;
  }

  snapshot(): DurationSummary {
    const count = this.#count;
    if (count === 0) return { count, p50: 0, p99: 0, max: 0 };
    const sorted = this.#window.slice(0, Math.min(count, WINDOW)).sort();
    const at = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;
    return { count, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] as number };
  }
}
