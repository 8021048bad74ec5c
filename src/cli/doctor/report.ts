/**
 * What `eventrail doctor` found: one line per check (pass, warn, fail; info for a figure that
 * asks nothing; skip when a check could not run), what to do under each warn and fail, and the
 * same as one JSON document with `--json`.
 */

/** How a check came out. A `fail` makes the exit code 1. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'info' | 'skip';

/** One check's outcome. */
export interface CheckResult {
  /** The check, e.g. `migrations`. */
  readonly check: string;
  readonly status: CheckStatus;
  /** What was found, in one sentence. */
  readonly summary: string;
  /** What to do about it (warn and fail). */
  readonly fix?: string;
}

/** `n` milliseconds for a person: `850 ms`, `42 s`, `12 min`, `5.5 h`, `3.2 d`. */
export function duration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 120_000) return `${Math.round(ms / 1000)} s`;
  if (abs < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  if (abs < 172_800_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

/** The checks as text: one line each, the fix indented under it, then the tally. */
export function formatText(target: string, results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.check.length));
  const lines = [`eventrail doctor: ${target}`];
  for (const r of results) {
    lines.push(`${r.status.padEnd(4)}  ${r.check.padEnd(width)}  ${r.summary}`);
    if (r.fix !== undefined) lines.push(`${' '.repeat(width + 8)}→ ${r.fix}`);
  }
  const count = (status: CheckStatus) => results.filter((r) => r.status === status).length;
  lines.push(`${count('pass')} pass, ${count('warn')} warn, ${count('fail')} fail`);
  return lines.join('\n');
}

/** The checks as one JSON document: the target, the worst status, and every check. */
export function formatJson(target: string, results: readonly CheckResult[]): string {
  const worst = results.some((r) => r.status === 'fail')
    ? 'fail'
    : results.some((r) => r.status === 'warn')
      ? 'warn'
      : 'pass';
  return JSON.stringify({ target, status: worst, checks: results }, null, 2);
}
