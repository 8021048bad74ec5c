/** `npx eventrail` from the sources, as the CLI tests run it. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

/** The repository, where the CLI runs. */
export const root = resolve(import.meta.dirname, '../..');

/**
 * The command of the CLI: node with tsx's loader on src/cli.ts, one process (tsx's own CLI would
 * run it in a child, out of reach of a signal sent to it).
 */
export const CLI = [process.execPath, '--import', 'tsx', 'src/cli.ts'] as const;

/** The environment without DATABASE_URL: the tests name their database. */
function environment(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...env } = process.env;
  return env;
}

/** Runs the CLI with `args`; resolves with its exit code and output, whatever the code. */
export async function runCli(...args: string[]) {
  const [node, ...command] = CLI;
  try {
    const { stdout, stderr } = await promisify(execFile)(node, [...command, ...args], {
      cwd: root,
      env: environment(),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}
