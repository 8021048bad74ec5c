/** EXPLAIN of a statement, reduced to what the index tests check. */
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
