/**
 * The options of every public constructor and function, as their schemas define them and their
 * interfaces document them. `npm run docs:options` rewrites each options table of the README and
 * the guides in docs/ (between `<!-- options: Name -->` and `<!-- /options -->`) from the schemas;
 * the unit test tests/unit/options-docs.test.ts fails when a table, or a TSDoc `@default`,
 * disagrees with them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { definedSchemas, type OptionsSchema } from '../src/options/schema.js';
import { formatDefault } from '../src/options/spec.js';
import { documentationFiles } from './check-links.js';

const root = resolve(import.meta.dirname, '..');

/** The package's entry points: loading them defines every schema. */
export const ENTRIES = [
  'src/index.ts',
  'src/postgres/index.ts',
  'src/rabbitmq/index.ts',
  'src/nats/index.ts',
  'src/http/index.ts',
  'src/otel/index.ts',
];

/** Shapes embedded in several options with defaults of their own, documented where embedded. */
export const EMBEDDED = new Set(['BackoffOptions']);

/** One option as its interface documents it. */
export interface DocumentedOption {
  readonly name: string;
  /** The first sentence of its TSDoc. */
  readonly summary: string;
  /** The text of its `@default` tag, if any. */
  readonly default: string | undefined;
}

/** Every schema defined by the entry points, one per documented interface name. */
export async function loadSchemas(): Promise<Map<string, OptionsSchema<object>>> {
  for (const entry of ENTRIES) await import(join(root, entry));
  const byName = new Map<string, OptionsSchema<object>>();
  for (const schema of definedSchemas()) byName.set(schema.name, schema);
  return byName;
}

/** The documented options of each exported interface of `src/`, by interface name. */
export function documentedInterfaces(): Map<string, DocumentedOption[]> {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile).config;
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const program = ts.createProgram(
    ENTRIES.map((e) => join(root, e)),
    parsed.options,
  );
  const checker = program.getTypeChecker();
  const found = new Map<string, DocumentedOption[]>();
  for (const file of program.getSourceFiles()) {
    if (!file.fileName.startsWith(join(root, 'src'))) continue;
    ts.forEachChild(file, (node) => {
      if (!ts.isInterfaceDeclaration(node)) return;
      const symbol = checker.getSymbolAtLocation(node.name);
      if (symbol === undefined) return;
      const type = checker.getDeclaredTypeOfSymbol(symbol);
      found.set(
        node.name.text,
        checker.getPropertiesOfType(type).map((property) => ({
          name: property.name,
          summary: firstSentence(
            ts.displayPartsToString(property.getDocumentationComment(checker)),
          ),
          default: tagText(property.getJsDocTags(checker).find((t) => t.name === 'default')),
        })),
      );
    });
  }
  return found;
}

function tagText(tag: ts.JSDocTagInfo | undefined): string | undefined {
  if (tag === undefined) return undefined;
  return ts.displayPartsToString(tag.text).replace(/\s+/g, ' ').trim();
}

function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  // The first full stop that ends a sentence (not the one of "e.g." or "i.e.").
  const end = flat.search(/(?<!\be\.g|\bi\.e)\.(\s|$)/);
  return end === -1 ? flat : flat.slice(0, end + 1);
}

/** The markdown table of one schema's options. */
export function optionsTable(
  schema: OptionsSchema<object>,
  documented: readonly DocumentedOption[],
): string {
  const docs = new Map(documented.map((d) => [d.name, d]));
  const rows = schema.keys.map((key) => {
    const spec = schema.specs[key];
    const documentedDefault = spec?.documentedDefault;
    const text = docs.get(key)?.default ?? documentedDefault;
    const literal = spec?.defaultValue === undefined ? undefined : formatDefault(spec.defaultValue);
    const shown = text === undefined ? '(required)' : codeLead(text, literal);
    return [code(key), shown, cell(plainLinks(docs.get(key)?.summary ?? ''))];
  });
  const header = ['option', 'default', 'meaning'];
  const lines = [header, header.map(() => '---'), ...rows].map(
    (cells) => `| ${cells.join(' | ')} |`,
  );
  return lines.join('\n');
}

/**
 * The default as the TSDoc writes it, its literal value in code (`100`, `'block'`, `true`) and
 * the rest (a note such as "(256 KiB)", or words for a default that is not a value) plain.
 */
function codeLead(text: string, literal: string | undefined): string {
  if (literal === undefined || !text.startsWith(literal)) return cell(text);
  return `${code(literal)}${cell(text.slice(literal.length))}`;
}

/** A markdown code span, with double backticks when the text holds one. */
function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** TSDoc links as a reader sees them: `{@link A.b}` as `A.b`, `{@link A | text}` as the text. */
function plainLinks(text: string): string {
  return text.replace(
    /\{@link\s+([^}|]+?)\s*(?:\|\s*([^}]+?))?\s*\}/g,
    (_, target: string, label?: string) => (label === undefined ? `\`${target}\`` : label),
  );
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

const BLOCK = /<!-- options: (\w+) -->\n[\s\S]*?<!-- \/options -->/g;

/** `markdown` with every options block made anew; throws for a block naming no schema. */
export function renderOptionsBlocks(
  markdown: string,
  schemas: ReadonlyMap<string, OptionsSchema<object>>,
  docs: ReadonlyMap<string, readonly DocumentedOption[]>,
): string {
  return markdown.replace(BLOCK, (_, name: string) => {
    const schema = schemas.get(name);
    if (schema === undefined)
      throw new Error(`the documentation names options ${name}, which no schema defines`);
    return `<!-- options: ${name} -->\n${optionsTable(schema, docs.get(name) ?? [])}\n<!-- /options -->`;
  });
}

if (process.argv[1] === import.meta.filename) {
  const schemas = await loadSchemas();
  const docs = documentedInterfaces();
  for (const page of documentationFiles()) {
    const path = join(root, page);
    const before = readFileSync(path, 'utf8');
    const after = renderOptionsBlocks(before, schemas, docs);
    if (after !== before) writeFileSync(path, after);
    console.log(`${page}: options tables ${after === before ? 'are current' : 'rewritten'}`);
  }
}
