/**
 * The timeline page's script is the bundle of its TypeScript modules: the committed
 * src/http/timeline/client-bundle.ts is what `npm run timeline:bundle` makes of them now, and it
 * holds nothing that would end the page's inline `<script>` element.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUNDLE_FILE, bundleModule, bundleTimelineClient } from '../../scripts/timeline-client.js';
import { TIMELINE_SCRIPT } from '../../src/http/timeline/client-bundle.js';
import { timelineHtml } from '../../src/http/timeline/page.js';

describe('the timeline bundle', () => {
  it('is the current build of src/http/timeline/client (run `npm run timeline:bundle` when not)', async () => {
    const fresh = bundleModule(await bundleTimelineClient());
    expect(readFileSync(BUNDLE_FILE, 'utf8') === fresh, 'client-bundle.ts is stale').toBe(true);
  });

  it('is one self-contained script inside the page, under its nonce', () => {
    expect(TIMELINE_SCRIPT.length).toBeGreaterThan(1000);
    expect(TIMELINE_SCRIPT).not.toMatch(/<\/script|<!--|\bimport\s*\(|\brequire\(/i);
    const html = timelineHtml('n0nce', {
      projectId: 'p',
      sessionId: null,
      segment: 'timeline',
      root: './',
      live: false,
    });
    expect(html.match(/<script/g)?.length).toBe(2);
    expect(html).toContain(`<script nonce="n0nce">${TIMELINE_SCRIPT}</script>`);
  });
});
