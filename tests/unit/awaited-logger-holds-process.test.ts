/**
 * A promise of the logger that the host awaits keeps the process alive until it settles, even
 * when all that is left to run is a retry's pause (an unreferenced timer): a script whose last
 * statement is `await logger.flush()` exits 0 with every event written, never with code 13
 * (an unsettled top-level await) and its events lost. Runs tests/fixtures/flush-after-reset.ts
 * in child processes.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const RUNS = 5;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runScript(env: Record<string, string>): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'tests/fixtures/flush-after-reset.ts'],
      { cwd: root, env: { ...process.env, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** Runs the script `RUNS` times, two at a time (the machine has two cores). */
async function runs(env: Record<string, string>): Promise<Run[]> {
  const results: Run[] = [];
  for (let i = 0; i < RUNS; i += 2) {
    const batch = Array.from({ length: Math.min(2, RUNS - i) }, () => runScript(env));
    results.push(...(await Promise.all(batch)));
  }
  return results;
}

function expectEveryEventWritten(results: readonly Run[]): void {
  expect(results).toHaveLength(RUNS);
  for (const run of results) {
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const lines = run.stdout.trim().split('\n');
    const written = new Set(lines.filter((l) => l.startsWith('wrote ')));
    expect(written.size).toBe(25);
    expect(lines.at(-1)).toBe('done');
  }
}

describe('an awaited logger promise while a write is being retried', () => {
  it('`await logger.flush()` at top level holds the process until the events are written', async () => {
    // The default pause before a retry (1 ms): the script, which lost its events.
    expectEveryEventWritten(await runs({ AWAIT: 'flush' }));
  }, 60_000);

  it('`await logger.logEvent()` blocked by a full queue holds the process until it has room', async () => {
    expectEveryEventWritten(await runs({ AWAIT: 'logEvent', RETRY_DELAY_MS: '50' }));
  }, 60_000);
});
