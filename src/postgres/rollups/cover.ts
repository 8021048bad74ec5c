/** A slice of time `[from, to)` in epoch ms; `null` is unbounded. @internal */
export interface Span {
  readonly from: number | null;
  readonly to: number | null;
}

/** How a range is read: whole buckets of each grain, and raw rows for what they leave. @internal */
export interface Cover {
  /** Per grain (seconds) used, the slice its buckets cover: they start in it and end in it. */
  readonly buckets: readonly (Span & { readonly grain: number })[];
  /** The slices no bucket covers, read from the raw rows. */
  readonly raw: readonly Span[];
}

/**
 * Covers `[from, to)` with the fewest buckets: whole buckets of the coarsest grain (seconds,
 * given coarsest first, each a multiple of the next), then of the finer ones at the edges they
 * leave, then raw rows for what is left (less than the finest grain at each edge). Buckets are
 * aligned to the epoch, as `date_bin` cuts them. @internal
 */
export function cover(from: number | null, to: number | null, grains: readonly number[]): Cover {
  const buckets: (Span & { grain: number })[] = [];
  const raw: Span[] = [];
  const walk = (a: number | null, b: number | null, rest: readonly number[]) => {
    if (a !== null && b !== null && a >= b) return;
    const [grain, ...finer] = rest;
    if (grain === undefined) {
      raw.push({ from: a, to: b });
      return;
    }
    const width = grain * 1000;
    const start = a === null ? null : Math.ceil(a / width) * width;
    const end = b === null ? null : Math.floor(b / width) * width;
    if (start !== null && end !== null && start >= end) {
      walk(a, b, finer);
      return;
    }
    buckets.push({ grain, from: start, to: end });
    if (start !== null) walk(a, start, finer);
    if (end !== null) walk(end, b, finer);
  };
  walk(from, to, grains);
  return { buckets, raw };
}
