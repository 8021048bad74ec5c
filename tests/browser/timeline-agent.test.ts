/**
 * What happened, readable without a click: the agent-platform example's session shows its tool
 * names, agents and error code as text; tool calls are spans with their durations; the totals
 * add up the payloads' GenAI tokens; the waterfall moves with the keyboard and selects together
 * with the lanes; an open tool call grows live and closes when its result arrives. Screenshots
 * (light and dark, wide and narrow) go to tests/browser/__screenshots__/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLogger } from '../../src/index.js';
import { EventStream, PostgresSink } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { launchChromium, openPage, type WatchedPage } from './helpers/browser.js';
import { PROJECT, SESSION, seedAgentSession, USER } from './helpers/seed.js';
import { startTimelineServer, type TimelineServer } from './helpers/server.js';

const db = useTestDatabase();
const shots = join(import.meta.dirname, '__screenshots__');
let browser: Browser;
let server: TimelineServer;
let stream: EventStream;
let stored: { id: string; type: string; at: Date; payload: Record<string, unknown> }[];

beforeAll(async () => {
  await seedAgentSession(db.pool);
  const { rows } = await db.pool.query(
    `SELECT id, event_type AS type, created_at AS at, payload FROM eventrail.event_logs
     WHERE session_id = $1 ORDER BY created_at, id`,
    [SESSION],
  );
  stored = rows;
  stream = new EventStream({ db: db.pool });
  server = await startTimelineServer(db.pool, stream);
  browser = await launchChromium();
  mkdirSync(shots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await stream?.close();
});

async function sessionPage(
  viewport = { width: 1400, height: 1000 },
  scheme: 'light' | 'dark' = 'light',
): Promise<WatchedPage> {
  const w = await openPage(browser, server.origin, USER, viewport, scheme);
  await w.page.goto(server.url(PROJECT, SESSION));
  await w.page.locator('.session[data-loaded="all"]').waitFor();
  return w;
}

const sum = (name: string) =>
  stored.reduce((total, e) => total + (Number(e.payload[name]) || 0), 0);

describe('the session, at a glance', () => {
  it('shows tool names, agents and the error code as text, without a click', async () => {
    const w = await sessionPage();
    const text = await w.page.locator('main').innerText();
    for (const word of [
      'web_search',
      'read_file',
      'summarize',
      'researcher',
      'coder',
      'RATE_LIMIT',
      'gpt-4o-mini',
    ]) {
      expect(text).toContain(word);
    }
    // Each tool name is on its mark's label in the lanes and on its row in the waterfall.
    const labels = await w.page.locator('.lane .label').allTextContents();
    const rows = await w.page.locator('.wf-row .wf-label').allTextContents();
    for (const tool of ['web_search', 'read_file', 'summarize']) {
      expect(labels.some((l) => l.startsWith(`${tool} `))).toBe(true);
      expect(rows).toContain(tool);
    }
    expect(rows).toContain('RATE_LIMIT: upstream model rate limit exceeded');
    expect(w.errors).toEqual([]);
    await w.context.close();
  });

  it("draws a tool call as a span with its duration, on one row with its result's status", async () => {
    const w = await sessionPage();
    const request = stored.find(
      (e) => e.type === 'TOOL_REQUEST' && e.payload.tool_name === 'read_file',
    );
    const result = stored.find(
      (e) => e.type === 'TOOL_RESULT' && e.payload.tool_name === 'read_file',
    );
    const ms = (result?.at.getTime() ?? 0) - (request?.at.getTime() ?? 0);
    const row = w.page.locator(`.wf-row[data-id="${request?.id}"]`);
    const cells = await row.locator('[role="gridcell"]').allTextContents();
    expect(cells.slice(2, 5)).toEqual(['read_file', `${ms} ms`, 'ok']);
    expect(await w.page.locator(`.wf-row[data-id="${result?.id}"]`).count()).toBe(0);
    const titles = await w.page
      .locator('.lane .span.tool')
      .evaluateAll((s) => s.map((e) => e.getAttribute('title')));
    expect(titles).toContain(`tool read_file: ok ${ms} ms`);
    expect(await w.page.locator('[data-total="toolCalls"]').textContent()).toBe('3');
    expect(w.errors).toEqual([]);
    await w.context.close();
  });

  it("sums the payloads' GenAI tokens and cost in the totals", async () => {
    const w = await sessionPage();
    const inputs = sum('gen_ai.usage.input_tokens');
    expect(inputs).toBeGreaterThan(0);
    expect(await w.page.locator('[data-total="inputTokens"]').textContent()).toBe(String(inputs));
    expect(await w.page.locator('[data-total="outputTokens"]').textContent()).toBe(
      String(sum('gen_ai.usage.output_tokens')),
    );
    expect(Number(await w.page.locator('[data-total="cost"]').textContent())).toBeCloseTo(
      sum('cost'),
      4,
    );
    expect(await w.page.locator('[data-total="models"]').textContent()).toBe('gpt-4o-mini');
    const llm = stored.find((e) => e.type === 'LLM_CALL');
    const cells = await w.page
      .locator(`.wf-row[data-id="${llm?.id}"] [role="gridcell"]`)
      .allTextContents();
    expect(cells.slice(5, 7)).toEqual([
      String(llm?.payload['gen_ai.usage.input_tokens']),
      String(llm?.payload['gen_ai.usage.output_tokens']),
    ]);
    expect(w.errors).toEqual([]);
    await w.context.close();
  });

  it('moves through the waterfall with the keyboard, selecting in the lanes too, and back', async () => {
    const w = await sessionPage();
    // One row per event, but a tool result is on its call's row.
    const rows = stored.filter((e) => e.type !== 'TOOL_RESULT').map((e) => e.id);
    await w.page.locator('#waterfall').focus();
    await w.page.keyboard.press('ArrowDown');
    await w.page.keyboard.press('ArrowDown');
    const selected = () => w.page.locator('.wf-row[aria-selected="true"]').getAttribute('data-id');
    expect(await selected()).toBe(rows[1]);
    expect(await w.page.locator('.lane .mark[aria-pressed="true"]').getAttribute('data-id')).toBe(
      rows[1],
    );
    expect(await w.page.locator('#details h2').first().textContent()).toBe(stored[1]?.type);
    await w.page.keyboard.press('End');
    expect(await selected()).toBe(rows[rows.length - 1]);
    await w.page.keyboard.press('ArrowUp');
    expect(await selected()).toBe(rows[rows.length - 2]);
    await w.page.keyboard.press('Home');
    expect(await selected()).toBe(rows[0]);
    // And the other way: a mark selects its row (a tool result, its call's row).
    const result = stored.find((e) => e.type === 'TOOL_RESULT');
    const request = stored.find((e) => e.type === 'TOOL_REQUEST');
    await w.page.locator(`.lane .mark[data-id="${result?.id}"]`).click();
    expect(await selected()).toBe(request?.id);
    expect(await w.page.locator('#details h2').first().textContent()).toBe('TOOL_RESULT');
    expect(await w.page.locator('#payload-other').textContent()).toBe(
      JSON.stringify(request?.payload, null, 2),
    );
    expect(w.errors).toEqual([]);
    await w.context.close();
  });

  it('saves screenshots: light and dark, wide and narrow', async () => {
    for (const [name, viewport, scheme] of [
      ['agent-session-wide', { width: 1400, height: 1000 }, 'light'],
      ['agent-session-wide-dark', { width: 1400, height: 1000 }, 'dark'],
      ['agent-session-narrow', { width: 420, height: 900 }, 'light'],
      ['agent-session-narrow-dark', { width: 420, height: 900 }, 'dark'],
    ] as const) {
      const w = await sessionPage(viewport, scheme);
      const tool = stored.find((e) => e.type === 'TOOL_REQUEST' && e.payload.risk_level === 'high');
      await w.page.locator(`.lane .mark[data-id="${tool?.id}"]`).click();
      const overflow = await w.page.evaluate(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      expect(overflow).toBe(0);
      await w.page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
      expect(w.errors).toEqual([]);
      await w.context.close();
    }
  });
});

describe('an open tool call', () => {
  it('grows live and closes when its result arrives', async () => {
    const w = await sessionPage();
    await w.page.locator('#live[data-live="on"]').waitFor();
    const logger = new EventLogger({ sinks: [new PostgresSink({ db: db.pool })], fallback: null });
    const base = { userId: USER, projectId: PROJECT, sessionId: SESSION, agentId: 'researcher' };
    const call = { tool_name: 'deploy', 'gen_ai.tool.call.id': 'call-live' };
    await logger.logEvent({ ...base, type: 'TOOL_REQUEST', payload: call });
    const open = w.page.locator('.lane .span.tool.open');
    await open.waitFor({ timeout: 60_000 });
    const label = w.page.locator('.lane .span-label', { hasText: /^deploy / });
    const seconds = async () => {
      const text = (await label.textContent()) ?? '';
      expect(text).toMatch(/^deploy [\d.]+ (ms|s)…$/);
      const [, n, unit] = /([\d.]+) (ms|s)/.exec(text) ?? [];
      return Number(n) / (unit === 'ms' ? 1000 : 1);
    };
    const first = await seconds();
    const width = await open.evaluate((e) => e.getBoundingClientRect().width);
    await expect.poll(seconds, { timeout: 10_000 }).toBeGreaterThan(first + 1);
    expect(await open.evaluate((e) => e.getBoundingClientRect().width)).toBeGreaterThan(width);
    await w.page.locator('#waterfall').focus();
    await w.page.keyboard.press('End');
    expect(await w.page.locator('.wf-row.open .status').textContent()).toBe('open');
    await logger.logEvent({ ...base, type: 'TOOL_RESULT', payload: { ...call, success: true } });
    await expect.poll(() => open.count(), { timeout: 60_000 }).toBe(0);
    const closed = await label.textContent();
    expect(closed).toMatch(/^deploy [\d.]+ (ms|s)$/);
    await w.page.waitForTimeout(600);
    expect(await label.textContent()).toBe(closed);
    const row = w.page.locator('.wf-row', { hasText: 'deploy' });
    await expect.poll(() => row.locator('.status').textContent()).toBe('ok');
    expect(await row.evaluate((e) => e.classList.contains('open'))).toBe(false);
    expect(await w.page.locator('[data-total="toolCalls"]').textContent()).toBe('4');
    await logger.close();
    expect(w.errors).toEqual([]);
    await w.context.close();
  }, 120_000);
});
