/**
 * The timeline page in real Chromium, against a real server and Postgres, with the
 * agent-platform example's session: lanes per agent, marks by type, approvals as spans, the
 * error with its code and message, the payload on click and Enter, the filters, the project view,
 * a BOM's stages as lanes. Screenshots go to tests/browser/__screenshots__/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/database.js';
import { launchChromium, openPage, type WatchedPage } from './helpers/browser.js';
import { PROJECT, SESSION, seedAgentSession, seedBom, USER } from './helpers/seed.js';
import { startTimelineServer, type TimelineServer } from './helpers/server.js';

const db = useTestDatabase();
const shots = join(import.meta.dirname, '__screenshots__');
let browser: Browser;
let server: TimelineServer;
let stored: { id: string; type: string; payload: unknown }[];

beforeAll(async () => {
  await seedAgentSession(db.pool);
  await seedBom(db.pool);
  const { rows } = await db.pool.query(
    `SELECT id, event_type AS type, payload FROM eventrail.event_logs
     WHERE session_id = $1 ORDER BY created_at, id`,
    [SESSION],
  );
  stored = rows;
  server = await startTimelineServer(db.pool);
  browser = await launchChromium();
  mkdirSync(shots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function sessionPage(): Promise<WatchedPage> {
  const watched = await openPage(browser, server.origin, USER);
  await watched.page.goto(server.url(PROJECT, SESSION));
  await watched.page.locator('.lane .mark').first().waitFor();
  return watched;
}

const count = (w: WatchedPage, selector: string) => w.page.locator(selector).count();

describe('a session of the agent-platform example', () => {
  it('draws one lane per agent and one mark per event, with tool risk, approval spans and the error', async () => {
    const w = await sessionPage();
    const lanes = await w.page
      .locator('.lane')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-lane')));
    expect(lanes).toEqual(['researcher', '(session)', 'coder']);
    expect(await count(w, '.lane .mark')).toBe(stored.length);
    const marked = await w.page
      .locator('.lane .mark')
      .evaluateAll((marks) => marks.map((m) => m.getAttribute('data-id')));
    expect(marked.sort()).toEqual(stored.map((e) => e.id).sort());
    expect(await count(w, '.lane[data-lane="researcher"] .mark.k-tool')).toBe(6);
    expect(await count(w, '.lane .mark[data-type="TOOL_REQUEST"].risk-high')).toBe(1);
    expect(await count(w, '.lane .mark[data-type="TOOL_REQUEST"].risk-low')).toBe(2);
    const spans = await w.page.locator('.lane .span').evaluateAll((s) => s.map((e) => e.className));
    expect(spans).toEqual([
      'span tool ok',
      'span tool ok',
      'span tool ok',
      'span approval approved',
      'span approval timed_out',
    ]);
    const labels = await w.page.locator('.lane .span-label').allTextContents();
    expect(labels.slice(0, 3).map((l) => l.replace(/\d+ ms$/, 'N ms'))).toEqual([
      'web_search N ms',
      'read_file N ms',
      'summarize N ms',
    ]);
    expect(labels[3]).toMatch(/^approved \d+ ms$/);
    expect(labels[4]).toMatch(/^⚠ timed out \d+ ms$/);
    expect(await w.page.locator('.span.timed_out').getAttribute('title')).toMatch(
      /^approval approval-2: timed out \d+ ms, warned$/,
    );
    expect(await count(w, '.lane .mark.k-warn')).toBe(1);
    expect(await w.page.locator('.err-label').allTextContents()).toEqual([
      'RATE_LIMIT: upstream model rate limit exceeded',
    ]);
    expect(await w.page.locator('.counts li').first().textContent()).toMatch(/^\D+\d+$/);
    await w.page.screenshot({ path: join(shots, 'session.png') });
    expect(w.errors).toEqual([]);
    await w.context.close();
  });

  it('shows the payload of a clicked event as formatted JSON, and moves between marks with the keyboard', async () => {
    const w = await sessionPage();
    const error = stored.find((e) => e.type === 'ERROR');
    await w.page.locator('.lane .mark.k-error').click();
    expect(await w.page.locator('#details h2').first().textContent()).toBe('ERROR');
    expect(await w.page.locator('#payload').textContent()).toBe(
      JSON.stringify(error?.payload, null, 2),
    );
    await w.page.locator('.lane .mark').first().focus();
    await w.page.keyboard.press('ArrowRight');
    await w.page.keyboard.press('Enter');
    const focused = await w.page.evaluate("document.activeElement.getAttribute('data-id')");
    expect(focused).toBe(stored[1]?.id);
    expect(await w.page.locator('#details h2').first().textContent()).toBe(stored[1]?.type);
    const lanes = await w.page
      .locator('.lane')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-lane')));
    const laneOfFocus = "document.activeElement.closest('.lane').dataset.lane";
    const here = (await w.page.evaluate(laneOfFocus)) as string;
    await w.page.keyboard.press('ArrowDown');
    const below = (await w.page.evaluate(laneOfFocus)) as string;
    expect(below).not.toBe('(session)');
    // Down is a lane further down, not the same one (a key that did nothing).
    expect(lanes.indexOf(below)).toBeGreaterThan(lanes.indexOf(here));
    expect(w.errors).toEqual([]);
    await w.context.close();
  });

  it('narrows what is shown with the type, errors-only, lane and time filters', async () => {
    const w = await sessionPage();
    const marks = w.page.locator('.lane .mark');
    await w.page.selectOption('#f-type', 'TOOL_REQUEST');
    await expect.poll(() => marks.count(), { timeout: 10_000 }).toBe(3);
    await w.page.selectOption('#f-type', '');
    await w.page.check('#f-errors');
    await expect.poll(() => marks.count(), { timeout: 10_000 }).toBe(1);
    expect(await marks.getAttribute('data-type')).toBe('ERROR');
    await w.page.uncheck('#f-errors');
    await expect.poll(() => marks.count(), { timeout: 10_000 }).toBe(stored.length);
    await w.page.selectOption('#f-lane', 'coder');
    await expect.poll(() => marks.count(), { timeout: 10_000 }).toBe(1);
    expect(await marks.getAttribute('data-type')).toBe('DIRECT_AGENT_CALL');
    await w.page.selectOption('#f-lane', '');
    await w.page.fill('#f-from', '2999-01-01T00:00:00');
    await w.page.locator('#f-from').dispatchEvent('change');
    await expect.poll(() => marks.count(), { timeout: 10_000 }).toBe(0);
    expect(await w.page.locator('.timeline .state').textContent()).toBe('No events match.');
    await w.page.click('text=Reset');
    await expect.poll(() => marks.count(), { timeout: 10_000 }).toBe(stored.length);
    expect(w.errors).toEqual([]);
    await w.context.close();
  });
});

describe('the project view', () => {
  it('lists the sessions and business objects with their counts, and the analytics strip', async () => {
    const w = await openPage(browser, server.origin, USER);
    await w.page.goto(server.url(PROJECT));
    const session = w.page.locator('tr', { has: w.page.locator(`a:text-is("${SESSION}")`) });
    await session.waitFor();
    const cells = await session.locator('td').allTextContents();
    expect(cells.slice(2, 4)).toEqual([String(stored.length), '1']);
    expect(await w.page.locator('a:text-is("bom bom-7")').count()).toBe(1);
    const counted = await w.page.locator('.counts li .name').allTextContents();
    expect(counted).toContain('TOOL_REQUEST');
    expect(await w.page.locator('.spark span').count()).toBeGreaterThan(0);
    await w.page.screenshot({ path: join(shots, 'project.png') });
    await w.page.click(`a:text-is("${SESSION}")`);
    await w.page.locator('.lane .mark').first().waitFor();
    expect(new URL(w.page.url()).pathname).toBe(`/my/projects/${PROJECT}/timeline/${SESSION}`);
    expect(w.errors).toEqual([]);
    await w.context.close();
  });

  it("draws a BOM's workflow stages as lanes (seed 004's shape)", async () => {
    const w = await openPage(browser, server.origin, USER);
    await w.page.goto(server.url(PROJECT));
    await w.page.click('a:text-is("bom bom-7")');
    await w.page.locator('.lane .mark').first().waitFor();
    const lanes = await w.page
      .locator('.lane')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-lane')));
    expect(lanes).toEqual(['(workflow)', 'parsing', 'enrichment']);
    expect(await count(w, '.lane[data-lane="enrichment"] .mark')).toBe(4);
    expect(await count(w, '.lane .mark.risk-critical')).toBe(1);
    expect(w.errors).toEqual([]);
    await w.context.close();
  });

  it('is usable on a narrow window and in the dark scheme', async () => {
    const w = await openPage(browser, server.origin, USER, { width: 420, height: 800 }, 'dark');
    await w.page.goto(server.url(PROJECT, SESSION));
    await w.page.locator('.lane .mark').first().waitFor();
    const overflow = await w.page.evaluate(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBe(0);
    const background = await w.page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(18, 21, 28)');
    await w.page.screenshot({ path: join(shots, 'session-narrow-dark.png'), fullPage: true });
    expect(w.errors).toEqual([]);
    await w.context.close();
  });
});
