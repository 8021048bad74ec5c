/** How times, durations and amounts read on the page. @internal */

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `14:03:07.123`, local time. */
export function clock(time: number | string): string {
  const d = new Date(time);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Date and time in the reader's locale. */
export function when(time: number | string): string {
  return new Date(time).toLocaleString();
}

/** `40 ms`, `1.2 s`, `3.5 min`, `2.0 h`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3600000) return `${(ms / 60000).toFixed(1)} min`;
  return `${(ms / 3600000).toFixed(1)} h`;
}

/** A cost as given (no currency is assumed): at most 4 decimals. */
export function costText(cost: number): string {
  return String(Math.round(cost * 10000) / 10000);
}
