import { ResultsFile } from './results.js';

/**
 * One JSON line per scenario on stdout; everything else goes to stderr. With `BENCH_RESULTS=1`
 * the lines are also appended to bench/results/<date>.jsonl (see results.ts).
 */
export interface BenchLine {
  readonly scenario: string;
  readonly unit: string;
  readonly value: number;
  /** The raw limit measured in the same run, when one applies. */
  readonly raw?: number;
  /** value / raw */
  readonly ratio?: number;
  readonly [detail: string]: unknown;
}

let results: ResultsFile | undefined;

const round = (n: number) => (Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 1000) / 1000);

export function report(line: BenchLine): void {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(line))
    out[key] = typeof value === 'number' ? round(value) : value;
  if (line.raw !== undefined && line.ratio === undefined) out.ratio = round(line.value / line.raw);
  process.stdout.write(`${JSON.stringify(out)}\n`);
  if (process.env.BENCH_RESULTS === '1') {
    results ??= new ResultsFile();
    results.save(out);
  }
}

export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}
