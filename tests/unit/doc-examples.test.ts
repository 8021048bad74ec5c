import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentationFiles } from '../../scripts/check-links.js';

const root = resolve(import.meta.dirname, '../..');

/**
 * The runnable code blocks of the README and the guides are taken from examples/, which
 * `npm run typecheck` type-checks and tests/integration/examples.test.ts runs, so the
 * documentation shows only code that runs as written. A block that starts with
 * `// examples/<file>` is that file, word for word; one that starts with `// from examples/<file>`
 * is a part of it: the lines after the marker appear in the file together and in order, each
 * indented there by the same amount (a part taken from inside a function is shown dedented).
 */
/** Whether the lines of `part` stand together in `source`, each indented by the same amount. */
function containsDedented(source: string, part: string): boolean {
  const lines = source.split('\n');
  const wanted = part.replace(/\n$/, '').split('\n');
  const first = wanted[0] ?? '';
  return lines.some((line, start) => {
    if (!line.endsWith(first)) return false;
    const indent = line.slice(0, line.length - first.length);
    if (indent.trim() !== '') return false;
    return wanted.every((want, i) => {
      const actual = lines[start + i];
      return want === '' ? actual?.trim() === '' : actual === indent + want;
    });
  });
}

describe('documentation examples', async () => {
  const files = documentationFiles().filter((file) => file !== 'CHANGELOG.md');
  const blocks: { file: string; example: string; code: string; excerpt: boolean }[] = [];
  for (const file of files) {
    const text = await readFile(join(root, file), 'utf8');
    for (const match of text.matchAll(/```ts\n\/\/ (from )?(examples\/[\w./-]+)\n([\s\S]*?)```/g)) {
      const [, from, example = '', code = ''] = match;
      blocks.push({
        file,
        example,
        code: from === undefined ? `// ${example}\n${code}` : code,
        excerpt: from !== undefined,
      });
    }
  }

  it('quotes whole examples and excerpts, in the README and the guides', () => {
    expect(blocks.some((b) => b.file === 'README.md' && !b.excerpt)).toBe(true);
    expect(blocks.some((b) => b.file === 'README.md' && b.excerpt)).toBe(true);
    expect(blocks.some((b) => b.file.startsWith('docs/'))).toBe(true);
  });

  it.each(blocks.map((b) => [b.file, b.example, b]))(
    '%s quotes %s exactly',
    async (_, example, b) => {
      const source = await readFile(join(root, example), 'utf8');
      if (b.excerpt) expect(containsDedented(source, b.code), b.code).toBe(true);
      else expect(b.code).toBe(source);
    },
  );
});
