/**
 * `npm run api:check`: the public API of every entry point in package.json `exports`, read from
 * the built declarations in dist/, must equal its committed report in etc/ (the diff is printed
 * when it does not). `npm run api:update` (`--update`) rewrites the reports. Either fails on a
 * forgotten export (a type the API uses that no entry exports) or declarations API Extractor
 * cannot follow; TSDoc and `{@link}` problems are printed as warnings. Reads dist/: run after
 * `npm run build`. `--package <folder>` checks another package than this one (the tests do).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ApiEntry, type ApiResult, extractApi } from './extract.js';

const at = process.argv.indexOf('--package');
const root = resolve(at === -1 ? join(import.meta.dirname, '../..') : (process.argv[at + 1] ?? ''));
const update = process.argv.includes('--update');
const reports = join(root, 'etc');

/** An entry point, and the built module that a host's `import` of it loads. */
type Entry = ApiEntry & { readonly module: string | undefined };

/** Every entry point in `exports` that has types, with its report in `reports`. */
function entries(): Entry[] {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    name: string;
    exports: Record<string, { import?: { types?: string; default?: string } }>;
  };
  return Object.entries(manifest.exports).flatMap(([subpath, target]) => {
    const types = target.import?.types;
    if (types === undefined) return [];
    const name = subpath === '.' ? 'index' : subpath.slice(2);
    const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${name}`;
    const module = target.import?.default && join(root, target.import.default);
    return [
      { specifier, module, types: join(root, types), report: join(reports, `${name}.api.md`) },
    ];
  });
}

/**
 * Values the report declares (`export class`, `function`, `const`, `enum`) that the built module
 * does not export: the declarations would let a host write code that compiles and then fails
 * (`instanceof` a class exported as a type only).
 */
async function missingAtRuntime(entry: Entry): Promise<string[]> {
  if (entry.module === undefined || !existsSync(entry.module) || !existsSync(entry.report))
    return [];
  const declared = [
    ...readFileSync(entry.report, 'utf8').matchAll(
      /^export (?:declare )?(?:abstract )?(?:class|function|const|enum) (\w+)/gm,
    ),
  ].map((m) => m[1] as string);
  const loaded = (await import(pathToFileURL(entry.module).href)) as Record<string, unknown>;
  return declared.filter((name) => !(name in loaded));
}

/** What the extraction of `entry` found; a missing build or a crash of the analysis is an error. */
function extract(entry: ApiEntry): ApiResult {
  const failure = (text: string): ApiResult => ({
    changed: false,
    exports: [],
    findings: [{ level: 'error', text }],
  });
  if (!existsSync(entry.types)) return failure(`${entry.types} is missing: npm run build`);
  try {
    return extractApi(root, entry, update);
  } catch (error) {
    // InternalError's message asks to report a defect; here it means broken declarations.
    const { unformattedMessage, message } = error as {
      unformattedMessage?: string;
      message: string;
    };
    return failure(
      `API Extractor could not read the declarations: ${unformattedMessage ?? message}`,
    );
  }
}

/** Reports in `reports` that belong to no entry point: removed by `--update`, else errors. */
function strayReports(all: readonly ApiEntry[]): string[] {
  const expected = new Set(all.map((entry) => entry.report));
  const stray = (existsSync(reports) ? readdirSync(reports) : [])
    .filter((file) => file.endsWith('.api.md'))
    .filter((file) => !expected.has(join(reports, file)));
  if (update) for (const file of stray) rmSync(join(reports, file));
  return update ? [] : stray;
}

const all = entries();
if (update) mkdirSync(reports, { recursive: true });
const results = all.map((entry) => ({ entry, ...extract(entry) }));
const exported = new Set(results.flatMap((result) => result.exports));
let errors = 0;
let warnings = 0;
for (const { entry, findings } of results) {
  const kept = findings.filter((f) => f.symbol === undefined || !exported.has(f.symbol));
  for (const finding of kept) {
    console.error(`${entry.specifier}: ${finding.level}: ${finding.text}`);
    if (finding.level === 'error') errors++;
    else warnings++;
  }
}
for (const entry of all) {
  for (const name of await missingAtRuntime(entry)) {
    console.error(
      `${entry.specifier}: error: ${name} is declared as a value but not exported at run time`,
    );
    errors++;
  }
}
for (const file of strayReports(all)) {
  console.error(`${file}: a report of no entry point in package.json exports`);
  errors++;
}
const done = update ? 'reports written' : 'the API matches etc/';
console.error(`${errors} errors, ${warnings} warnings: ${errors > 0 ? 'API check failed' : done}`);
process.exitCode = errors > 0 ? 1 : 0;
