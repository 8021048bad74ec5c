/**
 * A session of 100,000 events (seeded by one INSERT … SELECT, see bench/lib/agent-sessions.ts):
 * the first rows are drawn within 1 s of navigation, the rest load in the background, the
 * document holds a bounded number of elements while the waterfall scrolls from the top to the
 * end, and nothing is lost: every event is counted and the last one is reachable.
 * The screenshot goes to tests/browser/__screenshots__/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSessionRows } from '../../bench/lib/agent-sessions.js';
import { measureTimeline } from '../../bench/lib/timeline-page.js';
import { useTestDatabase } from '../helpers/database.js';
import { launchChromium, openPage } from './helpers/browser.js';
import { PROJECT, USER } from './helpers/seed.js';
import { startTimelineServer, type TimelineServer } from './helpers/server.js';

const EVENTS = 100_000;
const SESSION = 'session-100k';
/** Elements in the whole document, whatever the session's size (about 1,400 are drawn). */
const DOM_BOUND = 3000;

const db = useTestDatabase();
const shots = join(import.meta.dirname, '__screenshots__');
let browser: Browser;
let server: TimelineServer;

beforeAll(async () => {
  await seedSessionRows(db.pool, {
    userId: USER,
    projectId: PROJECT,
    sessionId: SESSION,
    events: EVENTS,
  });
  await db.pool.query('ANALYZE eventrail.event_logs');
  server = await startTimelineServer(db.pool);
  browser = await launchChromium();
  mkdirSync(shots, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('a session of 100,000 events', () => {
  it('draws its first rows within 1 s, keeps the DOM bounded to the end, and loses nothing', async () => {
    const { rows } = await db.pool.query(
      `SELECT id FROM eventrail.event_logs WHERE session_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`,
      [SESSION],
    );
    const figures = await measureTimeline(
      browser,
      server.origin,
      USER,
      server.url(PROJECT, SESSION),
    );
    expect(figures.firstRowsMs).toBeLessThanOrEqual(1000);
    expect(figures.domNodes).toBeLessThan(DOM_BOUND);
    expect(figures.events).toBe(EVENTS);
    // The seed's last event is a task progress (a row of its own), the newest of all.
    expect(figures.lastRowId).toBe(rows[0].id);
  }, 300_000);

  it('shows the end of the session after End in the waterfall', async () => {
    const w = await openPage(browser, server.origin, USER, { width: 1400, height: 1000 });
    await w.page.goto(server.url(PROJECT, SESSION));
    await w.page.locator('.session[data-loaded="all"]').waitFor({ timeout: 300_000 });
    await w.page.locator('#waterfall').focus();
    await w.page.keyboard.press('End');
    await w.page.keyboard.press('ArrowUp');
    expect(await w.page.locator('.lane .mark[aria-pressed="true"]').count()).toBe(1);
    // The strip counts every loaded event: 2 of each 5 are task progress, but 1 of 1,000 errors.
    expect(await w.page.locator('.strip .counts li').first().textContent()).toBe(
      'TASK_PROGRESS39900',
    );
    expect(await w.page.locator('.strip p.muted').textContent()).toBe(
      '100 errors of 100000 events (0.1%)',
    );
    await w.page.screenshot({ path: join(shots, 'session-100k.png'), fullPage: true });
    expect(w.errors).toEqual([]);
    await w.context.close();
  }, 300_000);
});
