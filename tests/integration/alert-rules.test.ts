/**
 * examples/alerts.yml is valid Prometheus, and each rule fires on a series that should fire it
 * and stays quiet on one that should not (tests/alerts/alerts.test.yml, run by promtool).
 * promtool comes from Debian's `prometheus` package (`npm test` installs it, see
 * scripts/ensure-promtool.sh); without it this test fails under CI and is skipped elsewhere.
 */
import { execFile, execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

function hasPromtool(): boolean {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('alert rules', () => {
  it('pass promtool check rules and promtool test rules', async () => {
    // A missing promtool is a failure, never a skip: `npm test` installs it first (pretest).
    expect(hasPromtool(), 'promtool is missing: run scripts/ensure-promtool.sh').toBe(true);
    const check = await run('promtool', ['check', 'rules', 'examples/alerts.yml'], { cwd: root });
    expect(check.stdout).toContain('SUCCESS: 5 rules found');
    const tested = await run('promtool', ['test', 'rules', 'tests/alerts/alerts.test.yml'], {
      cwd: root,
    }).catch((e: { stdout: string; stderr: string }) => {
      throw new Error(`${e.stdout}${e.stderr}`);
    });
    expect(tested.stdout).toContain('SUCCESS');
  });
});
