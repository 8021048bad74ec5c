import type { Attributes, BatchObservableResult, Observable } from '@opentelemetry/api';
import type { Registration } from './registration.js';

/**
 * How one figure of a part's `metrics()` becomes an instrument:
 * - `counter`: a cumulative count;
 * - `upDown`: a count that goes up and down (subscribers, open streams);
 * - `gauge`: a state (a boolean as 1 or 0, a time in ms as seconds);
 * - `durations`: a `DurationSummary` in ms, observed in seconds under `quantile` = `0.5`, `0.99`,
 *   `1` (the max).
 * @internal
 */
export type FigureKind = 'counter' | 'upDown' | 'gauge' | 'durations';

/** One figure: its key in `metrics()`, its instrument's name, kind, unit and meaning. @internal */
export type Figure<K extends string> = readonly [
  key: K,
  name: string,
  kind: FigureKind,
  unit: string,
  description: string,
];

const QUANTILES = [
  ['p50', { quantile: '0.5' }],
  ['p99', { quantile: '0.99' }],
  ['max', { quantile: '1' }],
] as const satisfies readonly (readonly [string, Attributes])[];

/** Seconds from milliseconds, for instruments whose unit is `s`. */
const seconds = (unit: string, ms: number) => (unit === 's' ? ms / 1000 : ms);

/**
 * Registers an instrument per figure and one callback that reads `snapshot()` once per
 * collection and observes each of them. @internal
 */
export function observeFigures<K extends string>(
  r: Registration,
  figures: readonly Figure<K>[],
  snapshot: () => Readonly<Record<K, unknown>>,
  attributes?: Attributes,
): void {
  const instruments = figures.map(([key, name, kind, unit, description]) => {
    const instrument: Observable =
      kind === 'counter'
        ? r.counter(name, unit, description)
        : kind === 'upDown'
          ? r.upDown(name, unit, description)
          : r.gauge(name, unit, description);
    return { key, kind, unit, instrument };
  });
  r.observe(
    instruments.map((i) => i.instrument),
    (result) => {
      const values = snapshot();
      for (const { key, kind, unit, instrument } of instruments) {
        observeOne(result, instrument, kind, unit, values[key], attributes);
      }
    },
  );
}

function observeOne(
  result: BatchObservableResult,
  instrument: Observable,
  kind: FigureKind,
  unit: string,
  value: unknown,
  attributes: Attributes | undefined,
): void {
  if (kind === 'durations') {
    const summary = value as Readonly<Record<string, number>>;
    for (const [key, quantile] of QUANTILES) {
      result.observe(instrument, seconds(unit, summary[key] ?? 0), { ...attributes, ...quantile });
    }
    return;
  }
  const number = typeof value === 'boolean' ? (value ? 1 : 0) : (value as number);
  result.observe(instrument, seconds(unit, number), attributes);
}
