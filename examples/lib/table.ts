/**
 * A plain-text table for the examples' console output: a header, a rule, one line per row;
 * numbers aligned right, text left.
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly unknown[])[],
): string {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly unknown[], texts: readonly string[]) =>
    texts
      .map((text, i) =>
        typeof row[i] === 'number' ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [
    line(header, cells[0] ?? []),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map((row, r) => line(row, cells[r + 1] ?? [])),
  ].join('\n');
}
