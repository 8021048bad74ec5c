/**
 * Offline link check of the documentation: every relative link of README.md, CHANGELOG.md and
 * docs/*.md points at a file of the checkout, and every `#anchor` at a heading of its target (with
 * GitHub's slugs). `npm run docs:links` prints the broken ones and exits non-zero;
 * tests/unit/doc-links.test.ts runs the same check.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** The Markdown files whose links are checked, relative to the repository root. */
export function documentationFiles(): string[] {
  const guides = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', 'CHANGELOG.md', ...guides];
}

/** `markdown` with its fenced code blocks and code spans blanked out (links there are code). */
function withoutCode(markdown: string): string {
  return markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ' '))
    .replace(/(`+)[^`\n][\s\S]*?\1/g, (span) => ' '.repeat(span.length));
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]*>/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replaceAll(' ', '-');
}

/** The anchors of a Markdown text: one per heading, repeated slugs suffixed -1, -2, ... */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const match of withoutCode(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const start = match.index ?? 0;
    const heading = markdown
      .slice(start, start + match[0].length)
      .replace(/^#+[ \t]+|[ \t#]*$/g, '');
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const match of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g))
    found.add(match[1] as string);
  return found;
}

/** One link that leads nowhere. */
export interface BrokenLink {
  readonly file: string;
  readonly line: number;
  readonly target: string;
  readonly reason: string;
}

/** The broken relative links and anchors of `files`, paths relative to `base` (the repository). */
export function brokenLinks(
  files: readonly string[] = documentationFiles(),
  base: string = root,
): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const anchorsOf = new Map<string, Set<string>>();
  const anchorsIn = (path: string): Set<string> => {
    let set = anchorsOf.get(path);
    if (set === undefined) {
      set = anchors(readFileSync(path, 'utf8'));
      anchorsOf.set(path, set);
    }
    return set;
  };
  for (const file of files) {
    const path = join(base, file);
    const text = withoutCode(readFileSync(path, 'utf8'));
    const links = [
      ...text.matchAll(/\]\(\s*<?([^()\s>]+)>?(?:\s+"[^"]*")?\s*\)/g),
      ...text.matchAll(/^\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?$/gm),
    ];
    for (const link of links) {
      const target = link[1] as string;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, ...
      const line = text.slice(0, link.index).split('\n').length;
      const [pathPart = '', anchor] = target.split('#', 2);
      const resolved = pathPart === '' ? path : resolve(dirname(path), decodeURI(pathPart));
      const report = (reason: string) => broken.push({ file, line, target, reason });
      if (!resolved.startsWith(base)) report('outside the repository');
      else if (!existsSync(resolved)) report(`no file ${relative(base, resolved)}`);
      else if (anchor !== undefined) {
        if (statSync(resolved).isDirectory() || !resolved.endsWith('.md'))
          report('an anchor into a file that is not Markdown');
        else if (!anchorsIn(resolved).has(decodeURIComponent(anchor)))
          report(`no heading #${anchor} in ${relative(base, resolved)}`);
      }
    }
  }
  return broken;
}

if (process.argv[1] === import.meta.filename) {
  const files = documentationFiles();
  const broken = brokenLinks(files);
  for (const b of broken) console.error(`${b.file}:${b.line}: ${b.target}: ${b.reason}`);
  console.log(`${files.length} files checked, ${broken.length} broken links`);
  process.exitCode = broken.length === 0 ? 0 : 1;
}
