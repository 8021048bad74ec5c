import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentationFiles } from '../../scripts/check-links.js';
import {
  type DocumentedOption,
  documentedInterfaces,
  EMBEDDED,
  loadSchemas,
  renderOptionsBlocks,
} from '../../scripts/options-docs.js';
import type { OptionsSchema } from '../../src/options/schema.js';

const root = resolve(import.meta.dirname, '../..');
let schemas: Map<string, OptionsSchema<object>>;
let docs: Map<string, DocumentedOption[]>;

beforeAll(async () => {
  schemas = await loadSchemas();
  docs = documentedInterfaces();
}, 60_000);

describe('the documentation of every option agrees with its schema', () => {
  it('finds the schemas of the public constructors and functions', () => {
    expect([...schemas.keys()]).toEqual(
      expect.arrayContaining(['EventLoggerOptions', 'PipelineOptions', 'CloseOptions']),
    );
  });

  it('documents exactly the keys each schema accepts', () => {
    for (const [name, schema] of schemas) {
      const documented = docs.get(name);
      expect(documented, `interface ${name}`).toBeDefined();
      expect(documented?.map((d) => d.name).sort(), name).toEqual([...schema.keys].sort());
    }
  });

  it("gives every option with a default a TSDoc @default that starts with the schema's", () => {
    const wrong: string[] = [];
    for (const [name, schema] of schemas) {
      if (EMBEDDED.has(name)) continue;
      for (const option of docs.get(name) ?? []) {
        const expected = schema.specs[option.name]?.documentedDefault;
        if (expected === undefined) {
          if (option.default !== undefined)
            wrong.push(`${name}.${option.name}: required, but @default ${option.default}`);
        } else if (!option.default?.startsWith(expected)) {
          wrong.push(
            `${name}.${option.name}: @default ${option.default ?? '(none)'}, the schema says ${expected}`,
          );
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('gives every option a TSDoc summary', () => {
    const bare = [...docs.entries()]
      .filter(([name]) => schemas.has(name))
      .flatMap(([name, options]) =>
        options.filter((o) => o.summary === '').map((o) => `${name}.${o.name}`),
      );
    expect(bare).toEqual([]);
  });

  it('keeps the options tables of the guides as the schemas make them (npm run docs:options)', async () => {
    const pages = await Promise.all(
      documentationFiles().map(async (page) => [page, await readFile(join(root, page), 'utf8')]),
    );
    const logging = pages.find(([page]) => page === 'docs/logging.md')?.[1];
    expect(logging).toContain('<!-- options: EventLoggerOptions -->');
    for (const [page, text] of pages) {
      expect(renderOptionsBlocks(text as string, schemas, docs), page).toBe(text);
    }
  });
});
