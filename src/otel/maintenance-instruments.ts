import type { Registration } from './registration.js';
import type { ObservedMaintenance } from './sources.js';

/**
 * Observes a maintenance handle's `metrics()` (sync or async): every finite number in it, at
 * the top level or one object deep, as `eventrail.maintenance` with the attribute
 * `eventrail.maintenance.figure` naming it (`runs`, `lastRun.partitionsDropped`). A failing
 * `metrics()` gives no figures for that collection.
 * @internal
 */
export function observeMaintenance(r: Registration, maintenance: ObservedMaintenance): void {
  const gauge = r.gauge(
    'eventrail.maintenance',
    '1',
    "The maintenance handle's figures, named by the eventrail.maintenance.figure attribute",
  );
  r.observe([gauge], async (result) => {
    let figures: unknown;
    try {
      figures = await maintenance.metrics();
    } catch {
      return;
    }
    for (const [figure, value] of numbers(figures, '', 2)) {
      result.observe(gauge, value, { 'eventrail.maintenance.figure': figure });
    }
  });
}

/** Finite numbers (booleans as 0/1, dates as epoch seconds) in `value`, `depth` levels deep. */
function* numbers(value: unknown, prefix: string, depth: number): Generator<[string, number]> {
  if (typeof value !== 'object' || value === null || depth === 0) return;
  for (const [key, item] of Object.entries(value)) {
    const name = prefix + key;
    if (typeof item === 'number' && Number.isFinite(item)) yield [name, item];
    else if (typeof item === 'boolean') yield [name, item ? 1 : 0];
    else if (item instanceof Date) yield [name, item.getTime() / 1000];
    else yield* numbers(item, `${name}.`, depth - 1);
  }
}
