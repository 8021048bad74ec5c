/**
 * Opens a session's timeline in Chromium and measures it: the page's own performance marks
 * (`timeline:first-rows`, `timeline:all-loaded`, one `timeline:live-append` measure per live
 * burst), the elements in the document while the waterfall scrolls from the top to the end, and
 * the JS heap after a garbage collection (CDP). Shared by `npm run bench -- timeline` and the
 * 100,000-event browser test.
 */
import type { Browser } from 'playwright-core';
import type { EventLogger } from '../../src/index.js';
import { openPage, type WatchedPage } from '../../tests/browser/helpers/browser.js';

export interface TimelineFigures {
  /** Navigation start to the first rows drawn. */
  readonly firstRowsMs: number;
  /** Navigation start to every page of the history loaded and drawn. */
  readonly allLoadedMs: number;
  /** Most elements in the document at any of the scroll positions, top to end. */
  readonly domNodes: number;
  /** DOM nodes as Chromium counts them (CDP `Nodes`) after the scroll and a collection. */
  readonly cdpNodes: number;
  readonly jsHeapBytes: number;
  /** Events counted by the page's totals after loading. */
  readonly events: number;
  /** The id of the row selected after End in the waterfall. */
  readonly lastRowId: string | null;
  /** Main-thread time of each live burst appended (layout included), ms. */
  readonly liveAppendMs: readonly number[];
}

export interface LiveBursts {
  readonly logger: EventLogger;
  readonly base: { userId: string; projectId: string; sessionId: string };
  readonly bursts: number;
  readonly size: number;
}

const number = async (w: WatchedPage, expression: string) =>
  Number(await w.page.evaluate(expression));

export async function measureTimeline(
  browser: Browser,
  origin: string,
  user: string,
  url: string,
  live?: LiveBursts,
): Promise<TimelineFigures> {
  const w = await openPage(browser, origin, user, { width: 1400, height: 1000 });
  try {
    const cdp = await w.context.newCDPSession(w.page);
    await cdp.send('Performance.enable');
    await w.page.goto(url);
    await w.page.locator('.session[data-loaded="all"]').waitFor({ timeout: 600_000 });
    const mark = (name: string) =>
      number(w, `performance.getEntriesByName(${JSON.stringify(name)})[0]?.startTime ?? NaN`);
    const firstRowsMs = await mark('timeline:first-rows');
    const allLoadedMs = await mark('timeline:all-loaded');
    let domNodes = 0;
    for (let step = 0; step <= 20; step++) {
      await w.page.evaluate(
        `(() => { const s = document.querySelector('.wf-scroll'); s.scrollTop = s.scrollHeight * ${step / 20}; })()`,
      );
      await w.page.waitForTimeout(60);
      domNodes = Math.max(domNodes, await number(w, "document.getElementsByTagName('*').length"));
    }
    await w.page.locator('#waterfall').focus();
    await w.page.keyboard.press('End');
    const lastRowId = await w.page.locator('.wf-row[aria-selected="true"]').getAttribute('data-id');
    const events = await number(
      w,
      `Number(document.querySelector('[data-total="events"]').textContent)`,
    );
    const liveAppendMs: number[] = [];
    if (live) {
      await w.page.locator('#live[data-live="on"]').waitFor();
      for (let b = 0; b < live.bursts; b++) {
        await live.logger.logEvents(
          Array.from({ length: live.size }, (_, i) => ({
            ...live.base,
            agentId: 'agent-live',
            type: i % 2 === 0 ? 'TOOL_REQUEST' : 'TOOL_RESULT',
            payload: { tool_name: 'live_tool', 'gen_ai.tool.call.id': `live-${b}-${i >> 1}` },
          })),
        );
        await live.logger.flush();
        await w.page.waitForTimeout(120);
      }
      const total = events + live.bursts * live.size;
      await w.page
        .locator(`[data-total="events"]:text-is("${total}")`)
        .waitFor({ timeout: 60_000 });
      liveAppendMs.push(
        ...((await w.page.evaluate(
          "performance.getEntriesByName('timeline:live-append').map((e) => e.duration)",
        )) as number[]),
      );
    }
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
    return {
      firstRowsMs,
      allLoadedMs,
      domNodes,
      cdpNodes: metric('Nodes'),
      jsHeapBytes: metric('JSHeapUsedSize'),
      events,
      lastRowId,
      liveAppendMs,
    };
  } finally {
    await w.context.close();
  }
}
