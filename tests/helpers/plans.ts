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
 * The table (or index) each relation named in `names` belongs to: a partition of event_logs
 * (and its share of a partitioned index) counts as event_logs (and that index).
 */
async function roots(pool: pg.Pool, names: string[]): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ name: string; root: string }>(
    `SELECT DISTINCT ON (c.relname) c.relname AS name, r.relname AS root
       FROM pg_class c JOIN pg_class r ON r.oid = coalesce(pg_partition_root(c.oid), c.oid)
      WHERE c.relname = ANY($1) ORDER BY c.relname`,
    [names],
  );
  return new Map(rows.map((r) => [r.name, r.root]));
}

/**
 * EXPLAIN of `text` as a prepared statement planned once for any parameters (the generic plan
 * Postgres may settle on after five executions), executed with `params`.
 */
async function genericPlan(pool: pg.Pool, text: string, params: unknown[]) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
    await client.query(`PREPARE plan_probe AS ${text}`);
    const values = params.map((p) => (typeof p === 'string' ? `'${p.replaceAll("'", "''")}'` : p));
    const { rows } = await client.query(
      `EXPLAIN (FORMAT JSON) EXECUTE plan_probe(${values.join(', ')})`,
    );
    return rows;
  } finally {
    await client.query('ROLLBACK');
    await client.query('DEALLOCATE ALL');
    client.release();
  }
}

/**
 * Plans `text` with `params` (with `generic`, as a prepared statement's generic plan) and returns the node types that read `table` or one of its
 * partitions (`Seq Scan`, `Index Scan`, ...), the partitions read (none when `table` is not
 * partitioned), and the indexes of `table` the plan uses (by eventrail's naming: every index name
 * starts with its table's; a partition's index counts as the partitioned index it belongs to).
 */
export async function explain(
  pool: pg.Pool,
  table: string,
  text: string,
  params: unknown[],
  { generic = false } = {},
) {
  const rows = generic
    ? await genericPlan(pool, text, params)
    : (await pool.query(`EXPLAIN (FORMAT JSON) ${text}`, params)).rows;
  const all = nodes(rows[0]['QUERY PLAN'][0].Plan as PlanNode);
  const named = all.flatMap((n) => [n['Relation Name'] ?? [], n['Index Name'] ?? []].flat());
  const root = await roots(pool, [...new Set(named)]);
  const ofTable = all.filter((n) => n['Relation Name'] && root.get(n['Relation Name']) === table);
  return {
    scans: ofTable.map((n) => n['Node Type']),
    /** The relations (event_logs or its partitions) read by a sequential scan. */
    seqScanned: ofTable
      .filter((n) => n['Node Type'] === 'Seq Scan')
      .map((n) => n['Relation Name'] as string),
    partitions: [
      ...new Set(ofTable.map((n) => n['Relation Name'] as string).filter((n) => n !== table)),
    ].sort(),
    indexes: [
      ...new Set(all.flatMap((n) => (n['Index Name'] ? [root.get(n['Index Name']) ?? ''] : []))),
    ].filter((name) => name.startsWith(`${table}_`)),
  };
}

/** The storage options of `table` (`['fillfactor=50']`), or `null` when none is set. */
export async function storageOptions(pool: pg.Pool, table: string): Promise<string[] | null> {
  const { rows } = await pool.query('SELECT reloptions FROM pg_class WHERE oid = $1::regclass', [
    table,
  ]);
  return rows[0].reloptions;
}
