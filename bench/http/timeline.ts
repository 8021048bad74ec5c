/**
 * `npm run bench -- timeline`: the timeline page in Chromium on sessions of
 * BENCH_TIMELINE_SIZES events (default 1000,10000,100000), seeded by one INSERT … SELECT each.
 * Per size, BENCH_REPEATS page loads (default 3), each followed by BENCH_TIMELINE_BURSTS live
 * bursts (default 30) of 4 events; one line per size with the medians: navigation → first rows,
 * → all pages loaded, the most elements in the document while the waterfall scrolls to the end,
 * the JS heap after a collection, and the p99 of the main-thread time per live burst.
 * Goal (issue 29): first rows ≤ 1 s and DOM bounded at 100,000 events; live p99 ≤ 16 ms.
 */
import { EventLogger } from '../../src/index.js';
import { EventStream, PostgresSink } from '../../src/postgres/index.js';
import { launchChromium } from '../../tests/browser/helpers/browser.js';
import { startTimelineServer } from '../../tests/browser/helpers/server.js';
import { seedSessionRows } from '../lib/agent-sessions.js';
import type { BenchDatabase } from '../lib/database.js';
import { median, note, percentile, report } from '../lib/report.js';
import { measureTimeline, type TimelineFigures } from '../lib/timeline-page.js';

const USER = 'user-42';
const PROJECT = 'project-1';
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const BURSTS = Number(process.env.BENCH_TIMELINE_BURSTS ?? 30);

export async function timelineBench(db: BenchDatabase): Promise<void> {
  const sizes = (process.env.BENCH_TIMELINE_SIZES ?? '1000,10000,100000').split(',').map(Number);
  const pool = db.pool(6);
  const stream = new EventStream({ db: pool });
  const server = await startTimelineServer(pool, stream);
  const browser = await launchChromium();
  const logger = new EventLogger({ sinks: [new PostgresSink({ db: pool })], fallback: null });
  try {
    for (const events of sizes) {
      const sessionId = `bench-${events}`;
      const seeded = Date.now();
      await seedSessionRows(pool, { userId: USER, projectId: PROJECT, sessionId, events });
      await pool.query('ANALYZE eventrail.event_logs');
      note(`timeline: ${events} events seeded in ${Date.now() - seeded} ms`);
      const runs: TimelineFigures[] = [];
      for (let round = 1; round <= REPEATS; round++) {
        const base = { userId: USER, projectId: PROJECT, sessionId };
        runs.push(
          await measureTimeline(browser, server.origin, USER, server.url(PROJECT, sessionId), {
            logger,
            base,
            bursts: BURSTS,
            size: 4,
          }),
        );
        await pool.query(
          `DELETE FROM eventrail.event_logs WHERE session_id = $1 AND agent_id = 'agent-live'`,
          [sessionId],
        );
        note(
          `timeline ${events}, round ${round}: ${JSON.stringify({ ...runs.at(-1), liveAppendMs: undefined })}`,
        );
      }
      const med = (pick: (r: TimelineFigures) => number) => median(runs.map(pick));
      report({
        scenario: 'timeline',
        events,
        unit: 'ms',
        value: med((r) => r.firstRowsMs),
        firstRowsMs: med((r) => r.firstRowsMs),
        allLoadedMs: med((r) => r.allLoadedMs),
        domNodes: Math.max(...runs.map((r) => r.domNodes)),
        cdpNodes: med((r) => r.cdpNodes),
        jsHeapBytes: med((r) => r.jsHeapBytes),
        liveAppendP99Ms: med((r) =>
          percentile(
            [...r.liveAppendMs].sort((a, b) => a - b),
            99,
          ),
        ),
        liveBursts: BURSTS,
        lastEventReached: runs.every((r) => r.events === events && r.lastRowId !== null),
        rounds: REPEATS,
      });
    }
  } finally {
    await logger.close();
    await browser.close();
    await server.close();
    await stream.close();
  }
}
