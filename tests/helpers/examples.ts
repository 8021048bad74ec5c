/** Runs a file of examples/ with tsx, as a reader would, with the environment given (and no inherited DATABASE_URL). */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules/.bin/tsx');

function environment(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  return { ...rest, ...env } as NodeJS.ProcessEnv;
}

/** Runs the example to its end; resolves with its output, rejects when it exits non-zero. */
export function runExample(file: string, env: Record<string, string | undefined>) {
  return run(tsx, [file], { cwd: root, env: environment(env) });
}

/** Starts the example and leaves it running (for examples that wait for a signal). */
export function startExample(file: string, env: Record<string, string | undefined>): ChildProcess {
  return spawn(tsx, [file], {
    cwd: root,
    env: environment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
