/** What the retention tests look at: the partitions of event_logs and where a row went. */
import type { PgDatabase } from '../../src/postgres/index.js';
import { partitionName } from '../../src/postgres/maintenance/plan.js';
import { tableNames } from '../../src/postgres/sql/names.js';
import { type PartitionRow, partitionSql } from '../../src/postgres/sql/partitions.js';

type Queryable = { query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }> };

export const DAY = 86_400_000;
/** Midnight UTC of the real today: migration 0002 made partitions from here on. */
export const TODAY = Math.floor(Date.now() / DAY) * DAY;

/** The name of the daily partition starting `days` days after today (negative: before). */
export const dayPartition = (days: number) => partitionName(TODAY + days * DAY);

/** The partitions of event_logs, newest upper bound last (the default partition first). */
export async function partitions(db: Queryable, schema?: string): Promise<PartitionRow[]> {
  const { rows } = await db.query(partitionSql(tableNames(schema)).list);
  return rows as PartitionRow[];
}

/** Names of the partitions of event_logs, sorted. */
export async function partitionNames(db: Queryable): Promise<string[]> {
  return (await partitions(db)).map((p) => p.name).sort();
}

/** The partition holding each of `ids`, by id. */
export async function partitionOf(db: PgDatabase & Queryable, ids: string[]) {
  const { rows } = (await db.query(
    `SELECT id::text, tableoid::regclass::text AS relation FROM eventrail.event_logs
      WHERE id = ANY($1::uuid[])`,
    [ids],
  )) as { rows: { id: string; relation: string }[] };
  return Object.fromEntries(rows.map((r) => [r.id, r.relation.replace(/^eventrail\./, '')]));
}
