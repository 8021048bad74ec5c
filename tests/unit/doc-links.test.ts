import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, brokenLinks, documentationFiles, slug } from '../../scripts/check-links.js';

describe('documentation links (npm run docs:links)', () => {
  it('makes the anchors GitHub makes', () => {
    expect(slug('Delivery, errors and shutdown')).toBe('delivery-errors-and-shutdown');
    expect(slug("Today's quiet run")).toBe('todays-quiet-run');
    expect(slug('Publishing: claims, leases, and what can be delivered twice')).toBe(
      'publishing-claims-leases-and-what-can-be-delivered-twice',
    );
    expect(slug('`npx eventrail doctor`')).toBe('npx-eventrail-doctor');
    expect(slug('COPY on a pg Pool (logger → Postgres)')).toBe(
      'copy-on-a-pg-pool-logger--postgres',
    );
    expect([...anchors('# A\n## Options\n```\n# not a heading\n```\n### Options\n')]).toEqual([
      'a',
      'options',
      'options-1',
    ]);
  });

  it('finds a missing file and a missing anchor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'links-'));
    const page = join(dir, 'page.md');
    writeFileSync(
      page,
      '# Page\n\n[ok](#page) [gone](#nowhere) [file](missing.md) [site](https://example.org)\n' +
        '`[code](not-checked.md)`\n',
    );
    const broken = brokenLinks(['page.md'], dir);
    expect(broken.map((b) => b.target)).toEqual(['#nowhere', 'missing.md']);
  });

  it('finds none in the README, the CHANGELOG and the guides', () => {
    expect(documentationFiles()).toEqual(expect.arrayContaining(['README.md', 'docs/outbox.md']));
    expect(brokenLinks()).toEqual([]);
  });
});
