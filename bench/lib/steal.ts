import { readFileSync } from 'node:fs';

/** The machine's CPU time so far, in ticks: all of it, and what the hypervisor took (steal). */
function cpuTicks(): { total: number; steal: number } | undefined {
  try {
    // First line: cpu user nice system idle iowait irq softirq steal guest guest_nice.
    const [line] = readFileSync('/proc/stat', 'utf8').split('\n', 1);
    const ticks = (line ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
    if (ticks.length < 8 || ticks.some(Number.isNaN)) return undefined;
    return { total: ticks.reduce((a, b) => a + b, 0), steal: ticks[7] as number };
  } catch {
    return undefined;
  }
}

/**
 * Starts watching steal time: the share of this virtual machine's CPU time its host gave to
 * others. The returned function gives the percentage since the start (undefined off Linux). On a
 * shared host it moves within minutes, and latencies move with it: a figure is read with its
 * run's steal.
 */
export function watchSteal(): () => number | undefined {
  const from = cpuTicks();
  return () => {
    const to = cpuTicks();
    if (from === undefined || to === undefined || to.total === from.total) return undefined;
    return Math.round((100 * (to.steal - from.steal)) / (to.total - from.total));
  };
}
