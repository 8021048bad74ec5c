/** What Postgres says of a statement's plan and of a table's storage, for the index tests. */
import type pg from 'pg';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * Plans `text` with `params` and returns the node types that read `table` (`Seq Scan`,
 * `Index Scan`, ...) and the indexes of `table` the plan uses (by eventrail's naming: every index
 * name starts with its table's).
 */
export async function explain(pool: pg.Pool, table: string, text: string, params: unknown[]) {
  const { rows } = await pool.query(`EXPLAIN (FORMAT JSON) ${text}`, params);
  const all = nodes(rows[0]['QUERY PLAN'][0].Plan as PlanNode);
  return {
    scans: all.filter((n) => n['Relation Name'] === table).map((n) => n['Node Type']),
    indexes: [...new Set(all.flatMap((n) => n['Index Name'] ?? []))].filter((name) =>
      name.startsWith(`${table}_`),
    ),
  };
}

/** The storage options of `table` (`['fillfactor=50']`), or `null` when none is set. */
export async function storageOptions(pool: pg.Pool, table: string): Promise<string[] | null> {
  const { rows } = await pool.query('SELECT reloptions FROM pg_class WHERE oid = $1::regclass', [
    table,
  ]);
  return rows[0].reloptions;
}
