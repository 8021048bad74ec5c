import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { report } from '../../bench/lib/report.js';
import { ResultsFile, readRuns } from '../../bench/lib/results.js';
import { renderPages, renderRun, renderSummary } from '../../scripts/bench-report.js';

const root = resolve(import.meta.dirname, '../..');

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('bench results and the performance guide (npm run bench:report)', () => {
  it('keeps the performance guide and the README summary as the runs in bench/results make them', () => {
    for (const [page, text] of renderPages()) {
      expect(readFileSync(join(root, page), 'utf8'), page).toBe(text);
    }
  });

  it('renders a saved run with its machine, each figure, raw limit and ratio', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    vi.stubEnv('BENCH_EVENTS', '3000');
    const file = new ResultsFile(dir);
    file.save({
      scenario: 'logger-postgres',
      unit: 'events/s',
      value: 29795,
      raw: 39545,
      ratio: 0.753,
      defaults: true,
    });
    file.save({ scenario: 'lone-event', unit: 'ms', value: 102, p99: 103 });
    const runs = readRuns(dir);
    expect(runs).toHaveLength(1);
    const [run] = runs;
    if (run === undefined) throw new Error('no run');
    expect(run.header.machine).toMatchObject({ node: process.version });
    expect(run.header.command).toContain('BENCH_EVENTS=3000 npm run bench');
    const markdown = renderRun(run, '###');
    expect(markdown).toContain(`### ${run.header.date}: \``);
    expect(markdown).toContain(`Node ${process.version}`);
    expect(markdown).toContain(
      '| `logger-postgres` | 29,795 events/s | 39,545 events/s | 0.753 | defaults: true |',
    );
    expect(markdown).toContain('| `lone-event` | 102 ms |  |  | p99: 103 |');
    expect(renderSummary(run)).toContain('- `logger-postgres`: 0.753 of the raw limit');
    expect(renderSummary(run)).not.toContain('lone-event');
  });

  it('keeps the latest full run as the latest, and a later run of one scenario in the history', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    const full = new ResultsFile(dir);
    full.save({
      scenario: 'logger-postgres',
      unit: 'events/s',
      value: 1,
      raw: 2,
      ratio: 0.5,
      defaults: true,
    });
    vi.spyOn(process, 'argv', 'get').mockReturnValue(['node', 'bench', 'rollups']);
    new ResultsFile(dir).save({ scenario: 'rollups-counts-by-type', unit: 'ms', value: 3 });
    const runs = readRuns(dir);
    expect(runs.map((r) => r.header.command)).toEqual([
      'npm run bench --',
      'npm run bench -- rollups',
    ]);
    const performance = renderPages(runs).get('docs/performance.md') ?? '';
    const latest = performance.slice(
      performance.indexOf('<!-- bench:latest -->'),
      performance.indexOf('<!-- /bench:latest -->'),
    );
    const history = performance.slice(
      performance.indexOf('<!-- bench:history -->'),
      performance.indexOf('<!-- /bench:history -->'),
    );
    expect(latest).toContain('`logger-postgres`');
    expect(latest).not.toContain('rollups-counts-by-type');
    expect(history).toContain('`rollups-counts-by-type`');
    expect(renderPages(runs).get('README.md')).toContain(
      '- `logger-postgres`: 0.5 of the raw limit',
    );
  });

  it('saves what the bench prints only with BENCH_RESULTS=1', () => {
    const write = vi.spyOn(process.stdout, 'write').mockReturnValue(true);
    const save = vi.spyOn(ResultsFile.prototype, 'save').mockReturnValue();
    report({ scenario: 'x', unit: 'ms', value: 1 });
    expect(save).not.toHaveBeenCalled();
    vi.stubEnv('BENCH_RESULTS', '1');
    report({ scenario: 'x', unit: 'ms', value: 1.23456, raw: 2 });
    expect(save).toHaveBeenCalledWith({
      scenario: 'x',
      unit: 'ms',
      value: 1.235,
      raw: 2,
      ratio: 0.617,
    });
    expect(write).toHaveBeenCalledTimes(2);
  });
});
