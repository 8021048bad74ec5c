/**
 * Event data is text: a session whose agent, tool, error code and message are HTML that would run
 * if parsed shows them as text, nothing executes, and the page asks nothing of anyone but its
 * API. Another user's project shows the not-found state. Every response has its own CSP nonce.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/database.js';
import { launchChromium, openPage } from './helpers/browser.js';
import { HOSTILE, HOSTILE_SESSION, PROJECT, seedHostile, USER } from './helpers/seed.js';
import { startTimelineServer, type TimelineServer } from './helpers/server.js';

const db = useTestDatabase();
let browser: Browser;
let server: TimelineServer;

beforeAll(async () => {
  await seedHostile(db.pool);
  server = await startTimelineServer(db.pool);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('hostile event data', () => {
  it('is shown as text in the project view, the lanes, the labels and the payload; nothing runs', async () => {
    const w = await openPage(browser, server.origin, USER);
    await w.page.goto(server.url(PROJECT));
    await w.page.click(`a:text-is(${JSON.stringify(HOSTILE_SESSION)})`);
    await w.page.locator('.lane .mark').first().waitFor();
    expect(await w.page.locator('h1').textContent()).toBe(`Session ${HOSTILE_SESSION}`);
    expect(await w.page.locator('.lane-name').nth(1).textContent()).toBe(HOSTILE.img);
    expect(await w.page.locator('.err-label').textContent()).toBe(
      `${HOSTILE.script}: ${HOSTILE.img}`,
    );
    await w.page.locator('.lane .mark[data-type="TOOL_REQUEST"]').click();
    const payload = await w.page.locator('#payload').textContent();
    expect(JSON.parse(payload ?? '')).toEqual({
      tool_name: HOSTILE.script,
      risk_level: HOSTILE.img,
      note: HOSTILE.img,
    });
    // No element was made from the data: the only scripts are the page's two, no image at all.
    expect(await w.page.locator('img').count()).toBe(0);
    expect(await w.page.locator('script').count()).toBe(2);
    await w.page.waitForTimeout(300); // an onerror would have fired by now
    expect(w.dialogs).toEqual([]);
    // The page's own reads were seen, so that an empty list of foreign ones means something.
    expect(
      w.requests.some((url) => url.startsWith(`${server.origin}/my/projects/${PROJECT}/events`)),
    ).toBe(true);
    const foreign = w.requests.filter(
      (url) => !url.startsWith(`${server.origin}/my/projects/${PROJECT}/`),
    );
    expect(foreign).toEqual([]);
    expect(w.requests.some((url) => url.includes('stolen'))).toBe(false);
    expect(w.errors).toEqual([]);
    await w.context.close();
  });
});

describe('scoping and errors', () => {
  it("shows the not-found state for another user's project, in the project and session views", async () => {
    const w = await openPage(browser, server.origin, USER);
    for (const url of [server.url('project-9'), server.url('project-9', 'session-1')]) {
      await w.page.goto(url);
      const state = w.page.locator('[data-state="not-found"]');
      await state.waitFor();
      expect(await state.locator('h1').textContent()).toBe('Not found');
      expect(await w.page.locator('.lane .mark, table').count()).toBe(0);
    }
    // The API's 404s are the only console errors Chromium reports (it logs every failed fetch).
    expect(w.errors.every((e) => e.includes('404'))).toBe(true);
    await w.context.close();
  });

  it('keeps a hostile project id in the URL inside the page configuration', async () => {
    const w = await openPage(browser, server.origin, USER);
    await w.page.goto(
      server.url(`</script><script>alert('config')</script>`, '<img src=x onerror=alert(1)>'),
    );
    await w.page.locator('[data-state="not-found"]').waitFor();
    expect(await w.page.locator('script').count()).toBe(2);
    expect(await w.page.locator('.state p').textContent()).toContain(
      `</script><script>alert('config')</script>`,
    );
    expect(w.dialogs).toEqual([]);
    await w.context.close();
  });

  it('serves the page with a strict CSP whose nonce is new on every response', async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const response = await fetch(server.url(PROJECT, 'any'));
      expect(response.status).toBe(200);
      const csp = response.headers.get('content-security-policy') ?? '';
      const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1] ?? '';
      expect(csp).toBe(
        `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      );
      const html = await response.text();
      expect(html).toContain(`<script nonce="${nonce}">`);
      expect(html).not.toMatch(/src=|href="http/);
      nonces.add(nonce);
    }
    expect(nonces.size).toBe(2);
  });
});
