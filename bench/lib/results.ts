/**
 * The history of bench runs, as data: bench/results/<date>.jsonl, one JSON object a line. A run
 * starts with a `run` record (when, on what machine, with which command); `result` records are
 * the JSON lines the bench printed. Runs recovered from the README's tables (before the guides)
 * keep their tables and notes as `table`, `row` and `note` records. `BENCH_RESULTS=1 npm run
 * bench` appends its run to today's file; `npm run bench:report` writes the performance guide
 * from the files.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchLine } from './report.js';

/** Where the runs are kept. */
export const RESULTS_DIR = resolve(import.meta.dirname, '../results');

/** The machine a run was measured on; a recovered run describes it in words. */
export interface Machine {
  readonly cores: number;
  readonly cpu: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
  /** Load average over 1, 5 and 15 minutes when the run started. */
  readonly loadAverage: readonly number[];
}

export interface RunRecord {
  readonly kind: 'run';
  /** The run's id: its start, `YYYY-MM-DDTHH:MMZ` (recovered runs) or an ISO 8601 time. */
  readonly run: string;
  readonly date: string;
  readonly machine: Machine | string;
  readonly title?: string;
  /** The command line and the BENCH_* variables set. */
  readonly command?: string;
  readonly conditions?: string;
  readonly timeOf?: string;
  readonly recovered?: string;
}

/** A line the bench printed (see report.ts), as one run saved it. */
export interface ResultRecord extends BenchLine {
  readonly kind: 'result';
  readonly run: string;
}

export interface TableRecord {
  readonly kind: 'table';
  readonly run: string;
  readonly columns: readonly string[];
  readonly caption?: string;
}

export interface RowRecord {
  readonly kind: 'row';
  readonly run: string;
  readonly cells: readonly string[];
}

export interface NoteRecord {
  readonly kind: 'note';
  readonly run: string;
  readonly text: string;
}

export type BenchRecord = RunRecord | ResultRecord | TableRecord | RowRecord | NoteRecord;

/** One run: its header, then its other records in the order they were written. */
export interface Run {
  readonly header: RunRecord;
  readonly records: readonly Exclude<BenchRecord, RunRecord>[];
}

/** The machine this process runs on. */
export function thisMachine(): Machine {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

/** Every run of the `.jsonl` files of `dir`, oldest first. */
export function readRuns(dir: string = RESULTS_DIR): Run[] {
  const runs = new Map<string, { header?: RunRecord; records: Run['records'][number][] }>();
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort();
  for (const file of files) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      const record = JSON.parse(line) as BenchRecord;
      if (typeof record.run !== 'string')
        throw new Error(`${file}:${index + 1}: a record without its run`);
      const run = runs.get(record.run) ?? { records: [] };
      runs.set(record.run, run);
      if (record.kind === 'run') run.header = record;
      else run.records.push(record);
    });
  }
  return [...runs.entries()]
    .map(([id, run]) => {
      if (run.header === undefined) throw new Error(`run ${id} has records but no run record`);
      return { header: run.header, records: run.records };
    })
    .sort((a, b) => a.header.run.localeCompare(b.header.run));
}

/**
 * Appends bench lines to `<dir>/<date>.jsonl`, the run record first (on the first line saved),
 * when `BENCH_RESULTS=1`: one per process, so one `npm run bench` is one run.
 */
export class ResultsFile {
  readonly #dir: string;
  readonly #started = new Date();
  #header: RunRecord | undefined;

  constructor(dir: string = RESULTS_DIR) {
    this.#dir = dir;
  }

  /** Saves one bench line (the run record goes first). */
  save(line: Record<string, unknown>): void {
    const run = this.#started.toISOString();
    const lines: BenchRecord[] = [];
    if (this.#header === undefined) {
      const variables = Object.entries(process.env)
        .filter(([name]) => name.startsWith('BENCH_') && name !== 'BENCH_RESULTS')
        .map(([name, value]) => `${name}=${value}`);
      this.#header = {
        kind: 'run',
        run,
        date: run.slice(0, 10),
        machine: thisMachine(),
        command: [...variables, 'npm run bench', '--', ...process.argv.slice(2)].join(' '),
      };
      lines.push(this.#header);
    }
    lines.push({ ...line, kind: 'result', run } as ResultRecord);
    mkdirSync(this.#dir, { recursive: true });
    appendFileSync(
      join(this.#dir, `${this.#header.date}.jsonl`),
      lines.map((record) => `${JSON.stringify(record)}\n`).join(''),
    );
  }
}
