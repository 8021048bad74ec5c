import type pg from 'pg';

/** A statement sent through {@link recordingDb}. */
export interface Sent {
  readonly text: string;
  readonly values: unknown[];
}

/** A `db` (for EventQueries) that runs each statement on `pool` and keeps it in `sent`. */
export function recordingDb(pool: pg.Pool, sent: Sent[]) {
  return {
    query(text: string, values: unknown[]) {
      sent.push({ text, values });
      return pool.query(text, values);
    },
  };
}

/** The planning and execution times (ms) EXPLAIN (ANALYZE, SUMMARY) gives `statements`, summed. */
export async function explainSum(pool: pg.Pool, statements: readonly Sent[]) {
  let [planning, execution] = [0, 0];
  for (const { text, values } of statements) {
    const { rows } = await pool.query(`EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) ${text}`, values);
    planning += rows[0]['QUERY PLAN'][0]['Planning Time'];
    execution += rows[0]['QUERY PLAN'][0]['Execution Time'];
  }
  return { planning, execution };
}
