/**
 * How a range is cut for a rollup read (fast-check): the bucket spans and the raw spans tile
 * `[from, to)` exactly, without gap or overlap; each bucket span is aligned to its grain; the
 * coarsest grain that fits is used (no span holds a whole bucket of a coarser grain), so what is
 * left raw holds no whole bucket of any grain.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cover, type Span } from '../../src/postgres/rollups/cover.js';
import { GRAINS } from '../../src/postgres/sql/rollups.js';

const RUNS = 500;
const QUARTER_MS = 900_000;

/** An instant: anywhere (before the epoch too), or on a quarter hour, an hour or a day, or 1 ms off. */
const instant = fc.oneof(
  fc.integer({ min: -2e12, max: 4e12 }),
  fc
    .record({
      k: fc.integer({ min: -2e6, max: 4e6 }),
      grain: fc.constantFrom(...GRAINS),
      delta: fc.constantFrom(-1, 0, 0, 1),
    })
    .map(
      ({ k, grain, delta }) => Math.floor((k * QUARTER_MS) / (grain * 1000)) * grain * 1000 + delta,
    ),
);

/** A range: either end unbounded (null), else from ≤ to; sometimes short, sometimes empty. */
const range = fc
  .record({
    a: fc.option(instant, { nil: null }),
    b: fc.option(instant, { nil: null }),
    short: fc.option(fc.integer({ min: 0, max: 3 * 3_600_000 }), { nil: null }),
  })
  .map(({ a, b, short }) => {
    if (a !== null && short !== null) return { from: a, to: a + short };
    if (a !== null && b !== null && b < a) return { from: b, to: a };
    return { from: a, to: b };
  });

/** The grains a read may use: a subset of the rollup's, coarsest first (each a multiple of the next). */
const grains = fc.subarray([...GRAINS]);

type Piece = Span & { readonly grain: number | null };

/** Every span of a cover, bucket spans with their grain, raw ones with `grain: null`, in order. */
function pieces(from: number | null, to: number | null, used: readonly number[]): Piece[] {
  const { buckets, raw } = cover(from, to, used);
  const all: Piece[] = [...buckets, ...raw.map((r) => ({ ...r, grain: null }))];
  const start = (p: Piece) => p.from ?? -Infinity;
  return all.sort((x, y) => start(x) - start(y));
}

describe('cover', () => {
  it('tiles [from, to) exactly with aligned buckets of the coarsest grain that fits, raw rows at the edges', () => {
    const seen = { runs: 0, empty: 0, raw: 0, finer: 0 };
    fc.assert(
      fc.property(range, grains, ({ from, to }, used) => {
        seen.runs++;
        const cut = pieces(from, to, used);
        if (from !== null && to !== null && from === to) {
          seen.empty++;
          expect(cut).toEqual([]);
          return;
        }
        // Adjacent, without gap or overlap, from `from` to `to`; none empty.
        expect(cut.length).toBeGreaterThan(0);
        expect(cut[0]?.from).toBe(from);
        expect(cut.at(-1)?.to).toBe(to);
        for (const [i, piece] of cut.entries()) {
          if (piece.from !== null && piece.to !== null) expect(piece.from).toBeLessThan(piece.to);
          if (i > 0) expect(piece.from).toBe(cut[i - 1]?.to);
          if (i > 0) expect(piece.from).not.toBeNull();
          if (i < cut.length - 1) expect(piece.to).not.toBeNull();
        }
        for (const piece of cut) {
          // A bucket span starts and ends on its grain (or is unbounded where the range is).
          if (piece.grain !== null) {
            expect(used).toContain(piece.grain);
            for (const end of [piece.from, piece.to]) {
              if (end !== null) expect(Math.abs(end % (piece.grain * 1000))).toBe(0);
            }
          } else {
            seen.raw++;
            // With grains, raw rows only at the edges: bounded (what it holds is checked below).
            if (used.length > 0) {
              expect(piece.from).not.toBeNull();
              expect(piece.to).not.toBeNull();
            }
          }
          // No span holds a whole bucket of a coarser grain: that grain would have been used.
          if (piece.from === null || piece.to === null) continue;
          for (const coarser of used.filter((g) => piece.grain === null || g > piece.grain)) {
            const width = coarser * 1000;
            const first = Math.ceil(piece.from / width) * width;
            expect(first + width).toBeGreaterThan(piece.to);
          }
          if (piece.grain !== null && piece.grain !== used[0]) seen.finer++;
        }
        // Each grain is used for at most two spans (one at each edge), the coarsest for one.
        for (const grain of used) {
          const spans = cut.filter((p) => p.grain === grain).length;
          expect(spans).toBeLessThanOrEqual(grain === used[0] ? 1 : 2);
        }
      }),
      { numRuns: RUNS },
    );
    expect(seen.runs).toBe(RUNS);
    expect(seen.empty).toBeGreaterThan(0);
    expect(seen.raw).toBeGreaterThan(0);
    expect(seen.finer).toBeGreaterThan(0);
  });

  it('reads an unbounded range from the coarsest buckets alone, and everything raw without grains', () => {
    expect(cover(null, null, GRAINS)).toEqual({
      buckets: [{ grain: 86_400, from: null, to: null }],
      raw: [],
    });
    expect(cover(5, null, [])).toEqual({ buckets: [], raw: [{ from: 5, to: null }] });
  });

  it('cuts a range from 00:10 to 02:50 into quarter hours, an hour and raw edges', () => {
    const at = (h: number, m: number) => Date.UTC(2026, 11, 7, h, m);
    expect(cover(at(0, 10), at(2, 50), GRAINS)).toEqual({
      buckets: [
        { grain: 3600, from: at(1, 0), to: at(2, 0) },
        { grain: 900, from: at(0, 15), to: at(1, 0) },
        { grain: 900, from: at(2, 0), to: at(2, 45) },
      ],
      raw: [
        { from: at(0, 10), to: at(0, 15) },
        { from: at(2, 45), to: at(2, 50) },
      ],
    });
  });
});
