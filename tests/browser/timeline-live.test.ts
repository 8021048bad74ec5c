/**
 * Live updates: with the session view open, events logged by the test appear without a reload,
 * through the SSE route, within a second of the stream having them; the view's filters apply to
 * them too; events of other sessions never appear.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLogger } from '../../src/index.js';
import { EventStream, PostgresSink } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { launchChromium, openPage } from './helpers/browser.js';
import { PROJECT, SESSION, seedAgentSession, USER } from './helpers/seed.js';
import { startTimelineServer, type TimelineServer } from './helpers/server.js';

const db = useTestDatabase();
let browser: Browser;
let server: TimelineServer;
let stream: EventStream;
let logger: EventLogger;

beforeAll(async () => {
  await seedAgentSession(db.pool);
  stream = new EventStream({ db: db.pool });
  server = await startTimelineServer(db.pool, stream);
  browser = await launchChromium();
  logger = new EventLogger({ sinks: [new PostgresSink({ db: db.pool })], fallback: null });
});

afterAll(async () => {
  await logger?.close();
  await browser?.close();
  await server?.close();
  await stream?.close();
});

const base = { userId: USER, projectId: PROJECT };

describe('live updates', () => {
  it('shows an event logged while the page is open, within 1 s of the stream having it, without a reload', async () => {
    const w = await openPage(browser, server.origin, USER);
    let navigations = 0;
    w.page.on('framenavigated', () => navigations++);
    await w.page.goto(server.url(PROJECT, SESSION));
    await w.page.locator('#live[data-live="on"]').waitFor();
    const marks = w.page.locator('.lane .mark');
    await marks.first().waitFor();
    const before = await marks.count();
    await logger.logEvent({
      ...base,
      sessionId: 'session-other',
      type: 'TOOL_REQUEST',
      payload: {},
    });
    // A subscriber of the same stream in this process: when it has the event, so has the page's.
    const sub = stream.subscribe(base, { sessionId: SESSION });
    const streamed = sub.next().then(() => Date.now());
    await logger.logEvent({
      ...base,
      sessionId: SESSION,
      agentId: 'deployer',
      type: 'TOOL_REQUEST',
      payload: { tool_name: 'deploy', risk_level: 'critical' },
    });
    await w.page
      .locator('.lane[data-lane="deployer"] .mark.risk-critical')
      .waitFor({ timeout: 60_000 });
    const shown = Date.now();
    void sub.return();
    // The page's part (SSE, parsing, drawing) within 1 s. The stream's own delay is apart: it
    // hands out a commit only once no older transaction of the database is open.
    expect(shown - (await streamed)).toBeLessThan(1000);
    expect(await marks.count()).toBe(before + 1);
    expect(navigations).toBe(1);
    await w.page.locator('.lane .mark[data-type="TOOL_REQUEST"].risk-high').click();
    mkdirSync(join(import.meta.dirname, '__screenshots__'), { recursive: true });
    await w.page.screenshot({
      path: join(import.meta.dirname, '__screenshots__', 'session-live.png'),
    });
    expect(w.errors).toEqual([]);
    await w.context.close();
  }, 90_000);

  it("applies the view's filters to live events", async () => {
    const w = await openPage(browser, server.origin, USER);
    await w.page.goto(server.url(PROJECT, SESSION));
    await w.page.check('#f-errors');
    const marks = w.page.locator('.lane .mark');
    await expect.poll(() => marks.count(), { timeout: 10_000 }).toBe(1);
    await w.page.locator('#live[data-live="on"]').waitFor();
    await logger.logEvent({ ...base, sessionId: SESSION, type: 'TASK_PROGRESS', payload: {} });
    await logger.logEvent({
      ...base,
      sessionId: SESSION,
      type: 'ERROR',
      payload: { error_code: 'LIVE', error_message: 'arrived live' },
    });
    await w.page
      .locator('.err-label', { hasText: 'LIVE: arrived live' })
      .waitFor({ timeout: 60_000 });
    expect(await marks.count()).toBe(2);
    expect(w.errors).toEqual([]);
    await w.context.close();
  }, 90_000);
});
