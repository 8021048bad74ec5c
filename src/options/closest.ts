/** The rule for a key that is not known: its error, and the known key it is most likely a typo of. */
import { ValidationError } from '../errors.js';

/**
 * The error for `key` of the object at `field`, which is none of `known`: code
 * `VALIDATION_UNKNOWN`, field `<field>.<key>`, and the closest known key (`did you mean
 * 'types'?`), or when none is close, the list of them (`<kinds> are a, b, c`). The one rule of
 * options and of query inputs (scope, filters, page). @internal
 */
export function unknownKey(
  key: string,
  known: readonly string[],
  field: string,
  what: string,
  kinds: string,
): ValidationError {
  const closest = closestKey(key, known);
  const hint =
    closest === undefined ? `; ${kinds} are ${known.join(', ')}` : `; did you mean '${closest}'?`;
  return new ValidationError(`${field}.${key}`, 'VALIDATION_UNKNOWN', `is not ${what}${hint}`);
}

/**
 * The known key nearest to `key` (case aside, by edit distance with transpositions), when it is
 * near enough to be a typo: at most 2 edits (or a third of the key's length), or the same stem.
 * @internal
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const wanted = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(wanted.length / 3)) + 1;
  for (const candidate of known) {
    const lower = candidate.toLowerCase();
    // The same key in another case is the closest of all; a key that starts as a known one does
    // (`timeout`, `retry` for `timeoutMs`, `retries`) is as close as one typo.
    const d = lower === wanted ? 0 : sharesStem(wanted, lower) ? 1 : editDistance(wanted, lower);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Whether `a` and `b` start with the same 4 characters or more, and most of the shorter. */
function sharesStem(a: string, b: string): boolean {
  let n = 0;
  while (n < a.length && a[n] === b[n]) n += 1;
  return n >= Math.max(4, Math.ceil(Math.min(a.length, b.length) * 0.6));
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Number.POSITIVE_INFINITY;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const prev = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}
