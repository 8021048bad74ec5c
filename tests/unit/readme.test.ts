import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/**
 * README code blocks that start with `// examples/<file>` must be that file, word for word: the
 * file is type-checked by `npm run typecheck` and run by tests/integration/examples.test.ts, so
 * the README shows only code that runs as written.
 */
describe('README examples', async () => {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n(\/\/ (examples\/[\w./-]+)\n[\s\S]*?)```/g)];

  it('has at least one example taken from examples/', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it.each(blocks.map((b) => [b[2] as string, b[1] as string]))(
    '%s is quoted exactly',
    async (file, code) => {
      expect(code).toBe(await readFile(join(root, file), 'utf8'));
    },
  );
});
