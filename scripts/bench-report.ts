/**
 * `npm run bench:report`: writes the performance guide's figures from the bench's data. The latest
 * full run of bench/results/*.jsonl (every scenario: `npm run bench` without names, or a recovered
 * run) goes between `<!-- bench:latest -->` and `<!-- /bench:latest -->` of docs/performance.md,
 * every other run (newest first, runs of a few scenarios among them) between
 * `<!-- bench:history -->` and `<!-- /bench:history -->`, and the latest full run's ratios
 * between `<!-- bench:summary -->` and `<!-- /bench:summary -->` of the README. tests/unit/bench-report.test.ts fails when a page is
 * not what the data makes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Machine, type ResultRecord, type Run, readRuns } from '../bench/lib/results.js';

const root = resolve(import.meta.dirname, '..');

/** The keys of a result shown in their own columns, not among its details. */
const COLUMNS = new Set(['kind', 'run', 'scenario', 'unit', 'value', 'raw', 'ratio']);

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replaceAll('|', '\\|');
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  return [columns, columns.map(() => '---'), ...rows].map(row).join('\n');
}

function machine(described: Machine | string): string {
  if (typeof described === 'string') return described;
  const { cores, cpu, memoryGiB, node, os, loadAverage } = described;
  return `${cores} cores (${cpu}), ${memoryGiB} GiB of RAM, Node ${node}, ${os}; load average ${loadAverage.join(' / ')} at the start`;
}

function detail(value: unknown): string {
  return typeof value === 'number' ? number.format(value) : JSON.stringify(value);
}

/** The table of a run's bench lines: figure, raw limit and ratio, then the other fields. */
function resultsTable(results: readonly ResultRecord[]): string {
  return table(
    ['scenario', 'figure', 'raw limit, same run', 'ratio', 'details'],
    results.map((r) => [
      `\`${r.scenario}\``,
      `${number.format(r.value)} ${r.unit}`,
      r.raw === undefined ? '' : `${number.format(r.raw)} ${r.unit}`,
      r.ratio === undefined ? '' : number.format(r.ratio),
      cell(
        Object.entries(r)
          .filter(([key]) => !COLUMNS.has(key))
          .map(([key, value]) => `${key}: ${detail(value)}`)
          .join(', '),
      ),
    ]),
  );
}

/** One run as Markdown, under a heading of `level`. */
export function renderRun(run: Run, level: string): string {
  const { header, records } = run;
  const parts = [
    `${level} ${header.date}: ${header.title ?? `\`${header.command ?? 'npm run bench'}\``}`,
  ];
  const about = [`Run ${header.run}${header.timeOf ? ` (the time of ${header.timeOf})` : ''}.`];
  about.push(`Machine: ${machine(header.machine)}.`);
  if (header.command !== undefined) about.push(`Command: \`${header.command}\`.`);
  if (header.recovered !== undefined) about.push(`Recovered ${header.recovered}.`);
  parts.push(about.join(' '));
  if (header.conditions !== undefined) parts.push(...header.conditions.split('\n\n'));
  const results = records.filter((r): r is ResultRecord => r.kind === 'result');
  if (results.length > 0) parts.push(resultsTable(results));
  let rows: string[][] | undefined;
  const endTable = () => {
    if (rows !== undefined) parts.push(rows.map(row).join('\n'));
    rows = undefined;
  };
  for (const record of records) {
    if (record.kind === 'row') {
      rows?.push([...record.cells]);
      continue;
    }
    endTable();
    if (record.kind === 'note') parts.push(record.text);
    if (record.kind !== 'table') continue;
    if (record.caption !== undefined) parts.push(record.caption);
    rows = [[...record.columns], record.columns.map(() => '---')];
  }
  endTable();
  return parts.join('\n\n');
}

/** The latest run's ratios, one line each: the README's summary. */
export function renderSummary(run: Run): string {
  const lines: string[] = [];
  const results = run.records.filter((r): r is ResultRecord => r.kind === 'result');
  for (const r of results)
    if (r.ratio !== undefined && r.defaults === true)
      lines.push(`- \`${r.scenario}\`: ${number.format(r.ratio)} of the raw limit`);
  let ratioColumn = -1;
  for (const record of run.records) {
    if (record.kind === 'table') ratioColumn = record.columns.indexOf('ratio');
    if (record.kind !== 'row' || ratioColumn === -1) continue;
    const ratio = record.cells[ratioColumn] ?? '';
    const label = (record.cells[0] ?? '').replace(/ \(`.*$/, '');
    if (ratio !== '') lines.push(`- ${label}: ${ratio}`);
  }
  const where = machine(run.header.machine);
  return [
    `The latest run, ${run.header.date} (${where}), with the ratios of its scenarios (of the raw limit, or of the best peer where the line says so):`,
    '',
    ...lines,
  ].join('\n');
}

/** `text` with the part between `<!-- name -->` and `<!-- /name -->` replaced by `content`. */
export function replaceSection(text: string, name: string, content: string): string {
  const start = `<!-- ${name} -->`;
  const end = `<!-- /${name} -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to < from) throw new Error(`no section ${start} … ${end}`);
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

/** Whether a run ran every scenario: recovered, or `npm run bench` given no scenario names. */
function isFull(run: Run): boolean {
  const { command } = run.header;
  return command === undefined || /npm run bench(?: --)?$/.test(command);
}

/** The pages as the runs make them, by path relative to the repository root. */
export function renderPages(runs: readonly Run[] = readRuns()): Map<string, string> {
  const latest = runs.findLast(isFull) ?? runs.at(-1);
  if (latest === undefined) throw new Error('no bench run in bench/results');
  const history = runs
    .filter((run) => run !== latest)
    .reverse()
    .map((run) => renderRun(run, '###'))
    .join('\n\n');
  const guide = join(root, 'docs/performance.md');
  const readme = join(root, 'README.md');
  let performance = readFileSync(guide, 'utf8');
  performance = replaceSection(performance, 'bench:latest', renderRun(latest, '###'));
  performance = replaceSection(performance, 'bench:history', history);
  const front = replaceSection(
    readFileSync(readme, 'utf8'),
    'bench:summary',
    renderSummary(latest),
  );
  return new Map([
    ['docs/performance.md', performance],
    ['README.md', front],
  ]);
}

if (process.argv[1] === import.meta.filename) {
  for (const [page, text] of renderPages()) {
    const path = join(root, page);
    const current = readFileSync(path, 'utf8') === text;
    if (!current) writeFileSync(path, text);
    console.log(`${page}: ${current ? 'current' : 'rewritten'}`);
  }
}
