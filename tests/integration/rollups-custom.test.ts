/**
 * Custom rollups (defineRollup): a host's own dimensions and sums from payload fields, with the
 * built-in rollup's guarantees: exact before the build (raw), after it, with a tail, by bucket in
 * a half-hour zone, after a definition change, after retention and from the command line.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defineRollup,
  EventQueries,
  maintain,
  type RollupDefinition,
  type RollupRow,
  RollupWorker,
} from '../../src/postgres/index.js';
import { runCli } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents, type SeedEvent } from '../helpers/events.js';
import { DAY, TODAY } from '../helpers/partitions.js';

const db = useTestDatabase();
const workers: RollupWorker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
});

/** Seed 001: tokens by model per project (OpenTelemetry GenAI names, dots in the keys). */
const tokensByModel = defineRollup({
  name: 'tokens_by_model',
  types: ['LLM_CALL'],
  dimensions: { model: { payload: 'gen_ai.request.model' } },
  sums: {
    inputTokens: { payload: 'gen_ai.usage.input_tokens' },
    outputTokens: { payload: ['usage', 'output'] },
  },
});

/** Seed 004: enrichment outcomes per BOM. */
const outcomesByBom = defineRollup({
  name: 'outcomes_by_bom',
  types: ['enrichment_progress'],
  dimensions: { bom: { field: 'aggregateId' }, status: { payload: 'status' } },
});

const MODELS = ['gpt-4o', 'claude', undefined];

function llmCalls(count: number, offsetMs: number): SeedEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    type: i % 5 === 4 ? 'TOOL_REQUEST' : 'LLM_CALL',
    userId: 'u1',
    projectId: i % 4 === 0 ? 'p2' : 'p1',
    payload: {
      ...(MODELS[i % 3] && { 'gen_ai.request.model': MODELS[i % 3] }),
      'gen_ai.usage.input_tokens': i % 7 === 0 ? 'many' : 100 + i,
      usage: { output: i % 2 === 0 ? 10 : 20 },
    },
    createdAt: new Date(TODAY - 2 * DAY + offsetMs + i * 7 * 60_000 + 13_000),
  }));
}

/** What the rows say, computed in JavaScript from the events. */
function expected(events: SeedEvent[], projectId: string, from = -Infinity, to = Infinity) {
  const rows = new Map<string, { events: number; input: number; output: number }>();
  for (const e of events) {
    const at = e.createdAt?.getTime() ?? 0;
    if (e.type !== 'LLM_CALL' || e.projectId !== projectId || at < from || at >= to) continue;
    const p = e.payload as Record<string, unknown> & { usage: { output: number } };
    const model = (p['gen_ai.request.model'] as string | undefined) ?? null;
    const row = rows.get(String(model)) ?? { events: 0, input: 0, output: 0 };
    const input = p['gen_ai.usage.input_tokens'];
    row.events++;
    row.input += typeof input === 'number' ? input : 0;
    row.output += p.usage.output;
    rows.set(String(model), row);
  }
  return [...rows.entries()]
    .map(([model, r]) => ({
      dimensions: { model: model === 'null' ? null : model },
      events: r.events,
      sums: { inputTokens: r.input, outputTokens: r.output },
    }))
    .sort(
      (a, b) =>
        b.events - a.events || String(a.dimensions.model).localeCompare(String(b.dimensions.model)),
    );
}

const sorted = (rows: RollupRow[]) =>
  [...rows].sort(
    (a, b) =>
      b.events - a.events || String(a.dimensions.model).localeCompare(String(b.dimensions.model)),
  );

async function built(rollup: RollupDefinition) {
  for (let i = 0; i < 400; i++) {
    const { rows } = await db.pool.query(`SELECT complete FROM eventrail.rollups WHERE name = $1`, [
      rollup.name,
    ]);
    if (rows[0]?.complete) return;
    await sleep(25);
  }
  throw new Error(`${rollup.name} was not built`);
}

function worker(rollup: RollupDefinition) {
  const w = new RollupWorker({ db: db.pool, rollup, pollIntervalMs: 30, leaseMs: 2000 });
  w.on('error', (error) => {
    throw error;
  });
  workers.push(w);
  return w;
}

describe('custom rollups', () => {
  const events = llmCalls(400, 0);
  const q = () => new EventQueries({ db: db.pool });

  it('are read exactly from the raw rows before the build, from the rollup after, and with a tail', async () => {
    await insertEvents(db.pool, events);
    const scope = { userId: 'u1', projectId: 'p1' };
    expect(sorted(await q().rollup(tokensByModel, scope))).toEqual(expected(events, 'p1'));
    const w = worker(tokensByModel);
    await w.start();
    await built(tokensByModel);
    const { rows } = await db.pool.query(
      'SELECT count(*)::int AS n FROM eventrail.rollup_tokens_by_model',
    );
    expect(rows[0].n).toBeGreaterThan(0);
    expect(sorted(await q().rollup(tokensByModel, scope))).toEqual(expected(events, 'p1'));
    await w.close();
    const late = llmCalls(50, 3 * 60_000);
    await insertEvents(db.pool, late);
    const all = [...events, ...late];
    expect(sorted(await q().rollup(tokensByModel, scope))).toEqual(expected(all, 'p1'));
    const from = TODAY - 2 * DAY + 3_600_000 + 1234;
    const to = TODAY - DAY + 17 * 60_000;
    const ranged = await q().rollup(tokensByModel, scope, {
      from: new Date(from),
      to: new Date(to),
    });
    expect(sorted(ranged)).toEqual(expected(all, 'p1', from, to));
    const byHour = await q().rollup(tokensByModel, scope, {
      from: new Date(from),
      to: new Date(to),
      by: [],
      bucket: 'hour',
      timeZone: 'Asia/Kolkata',
    });
    expect(byHour.reduce((n, r) => n + r.events, 0)).toBe(
      expected(all, 'p1', from, to).reduce((n, r) => n + r.events, 0),
    );
    for (const row of byHour) expect((row.start as Date).getTime() % 3_600_000).toBe(1_800_000);
  });

  it('follow a definition change by starting over, and retention', async () => {
    const w = worker(outcomesByBom);
    await w.start();
    await insertEvents(
      db.pool,
      Array.from({ length: 60 }, (_, i) => ({
        type: 'enrichment_progress',
        userId: 'u2',
        aggregate: { type: 'bom', id: `bom-${i % 3}` },
        payload: { status: i % 5 === 0 ? 'no_match' : 'matched' },
        createdAt: new Date(TODAY - DAY + i * 1000),
      })),
    );
    await built(outcomesByBom);
    const rows = await q().rollup(outcomesByBom, { userId: 'u2' }, { by: ['status'] });
    expect(rows.map((r) => [r.dimensions.status, r.events])).toEqual([
      ['matched', 48],
      ['no_match', 12],
    ]);
    await w.close();
    const narrower = defineRollup({
      ...outcomesByBom,
      types: ['nothing'],
      dimensions: outcomesByBom.dimensions,
    });
    const again = worker(narrower);
    await again.start();
    await built(narrower);
    expect(await q().rollup(narrower, { userId: 'u2' })).toEqual([]);
    await again.close();
    const tokens = worker(tokensByModel);
    await tokens.start();
    await built(tokensByModel);
    await maintain({ db: db.pool, retentionMs: DAY, now: new Date(TODAY + DAY / 2) });
    const left = await q().rollup(tokensByModel, { userId: 'u1', projectId: 'p1' });
    const { rows: raw } = await db.pool.query(
      `SELECT count(*)::int AS n FROM eventrail.event_logs WHERE event_type = 'LLM_CALL' AND project_id = 'p1'`,
    );
    expect(left.reduce((n, r) => n + r.events, 0)).toBe(raw[0].n);
  });

  it('rebuild from the command line by name, from the stored definition', async () => {
    const run = await runCli('rollups', 'rebuild', '--rollup', 'tokens_by_model', '--url', db.url);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^rebuilt: \d+ day\(s\)/);
    const missing = await runCli('rollups', 'rebuild', '--rollup', 'nope', '--url', db.url);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no rollup named 'nope'");
  });

  it('refuse a bad definition, naming the field', () => {
    expect(() => defineRollup({ name: 'Bad', dimensions: { a: { field: 'type' } } })).toThrow(
      /definition.name/,
    );
    expect(() => defineRollup({ name: 'x', dimensions: {} })).toThrow(/definition.dimensions/);
    expect(() =>
      defineRollup({ name: 'x', dimensions: { a: { field: 'payload' as never } } }),
    ).toThrow(/definition.dimensions.a/);
    expect(() =>
      defineRollup({
        name: 'x',
        dimensions: { a: { field: 'type' } },
        sums: { b: { field: 'type' } as never },
      }),
    ).toThrow(/definition.sums.b/);
    expect(() =>
      defineRollup({ name: 'x', dimensions: { a: { field: 'type' } }, extra: 1 } as never),
    ).toThrow(/definition.extra/);
  });
});
