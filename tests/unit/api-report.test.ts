/**
 * `npm run api:check` (scripts/api-report) on a small package of two entry points written here:
 * it passes while the declarations match the reports `--update` wrote, and fails, printing the
 * diff, when they do not; it fails on a type the API uses that no entry exports, on a value the
 * declarations export that the built module does not, and on a report that belongs to no entry.
 */
import { execFile } from 'node:child_process';
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** Exit code and messages of the API check (`--update` to write the reports) on `dir`. */
async function apiCheck(dir: string, ...args: string[]) {
  const run = promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'scripts/api-report/main.ts', '--package', dir, ...args],
    { cwd: root },
  );
  try {
    return { code: 0, stderr: (await run).stderr };
  } catch (error) {
    const { code, stderr } = error as { code: number; stderr: string };
    return { code, stderr };
  }
}

// `export {}` keeps the declarations without `export` local, as in the bundler's output.
const index = `export {};
/** Options of {@link start}. */
export interface StartOptions {
  /** How long to wait, in milliseconds. */
  readonly timeoutMs?: number;
}
/** Starts. */
export declare function start(options?: StartOptions): Promise<void>;
`;

// StartOptions is not exported here, but the package exports it (from its main entry).
const extra = `import type { StartOptions } from './index.js';
/** Starts again. */
export declare function restart(options?: StartOptions): void;
`;

describe('the API check', () => {
  const dirs: string[] = [];
  async function folder(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'eventrail-api-report-test-'));
    dirs.push(dir);
    return dir;
  }
  let base = '';

  /** A copy of the package with its reports as `--update` wrote them. */
  async function copy(): Promise<string> {
    const dir = await folder();
    await cp(base, dir, { recursive: true });
    return dir;
  }

  beforeAll(async () => {
    base = await folder();
    await mkdir(join(base, 'dist'));
    const exports = {
      '.': { import: { types: './dist/index.d.ts' } },
      './extra': { import: { types: './dist/extra.d.ts' } },
    };
    await writeFile(join(base, 'package.json'), JSON.stringify({ name: 'fixture', exports }));
    await writeFile(join(base, 'dist/index.d.ts'), index);
    await writeFile(join(base, 'dist/extra.d.ts'), extra);
    const written = await apiCheck(base, '--update');
    expect(written.stderr).toContain('0 errors');
    expect(written.code).toBe(0);
  }, 60_000);

  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('writes one report per entry point, and passes while the API matches them', async () => {
    expect(await readFile(join(base, 'etc/index.api.md'), 'utf8')).toContain(
      'export function start(options?: StartOptions): Promise<void>;',
    );
    expect(await readFile(join(base, 'etc/extra.api.md'), 'utf8')).toContain(
      'export function restart(options?: StartOptions): void;',
    );
    const checked = await apiCheck(base);
    expect(checked.stderr).toContain('the API matches etc/');
    expect(checked.code).toBe(0);
  });

  it('fails and prints the diff when the API differs from its report', async () => {
    const dir = await copy();
    const changed = index.replace(
      'readonly timeoutMs?: number;',
      'readonly timeoutMs?: number;\n  readonly retries?: number;',
    );
    await writeFile(join(dir, 'dist/index.d.ts'), changed);
    const checked = await apiCheck(dir);
    expect(checked.stderr).toContain('+    readonly retries?: number;');
    expect(checked.stderr).toContain('fixture: error: the API differs from its report');
    expect(checked.code).toBe(1);
  });

  it('fails on a type the API uses that no entry point exports, even as it updates', async () => {
    const dir = await copy();
    await appendFile(
      join(dir, 'dist/index.d.ts'),
      'interface Hidden {\n  readonly x: number;\n}\n/** Peeks. */\nexport declare function peek(): Hidden;\n',
    );
    const updated = await apiCheck(dir, '--update');
    expect(updated.stderr).toContain('(ae-forgotten-export) The symbol "Hidden"');
    expect(updated.code).toBe(1);
    expect(await readFile(join(dir, 'etc/index.api.md'), 'utf8')).toContain('peek(): Hidden');
  });

  it('fails on a declaration that refers to a name declared nowhere (left out by stripInternal)', async () => {
    const dir = await copy();
    await appendFile(join(dir, 'dist/index.d.ts'), 'export declare function peek(): Stripped;\n');
    const checked = await apiCheck(dir);
    expect(checked.stderr).toContain(
      'fixture: error: API Extractor could not read the declarations: Unable to follow symbol for "Stripped"',
    );
    expect(checked.code).toBe(1);
  });

  it('fails on a value the declarations export that the built module does not', async () => {
    const dir = await copy();
    const manifest = {
      name: 'fixture',
      exports: {
        '.': { import: { types: './dist/index.d.ts', default: './dist/index.js' } },
        './extra': { import: { types: './dist/extra.d.ts' } },
      },
    };
    await writeFile(join(dir, 'package.json'), JSON.stringify(manifest));
    // The declarations say `start` is a function; the module exports it as a type only.
    await writeFile(join(dir, 'dist/index.js'), 'export const other = 1;\n');
    const checked = await apiCheck(dir);
    expect(checked.stderr).toContain(
      'fixture: error: start is declared as a value but not exported at run time',
    );
    expect(checked.code).toBe(1);
    await writeFile(join(dir, 'dist/index.js'), 'export async function start() {}\n');
    expect((await apiCheck(dir)).code).toBe(0);
  });

  it('fails on a report of no entry point', async () => {
    const dir = await copy();
    await writeFile(join(dir, 'etc/gone.api.md'), 'an entry point removed since\n');
    const checked = await apiCheck(dir);
    expect(checked.stderr).toContain('gone.api.md: a report of no entry point');
    expect(checked.code).toBe(1);
  });
});
