// examples/consumer.ts
import { EventLogger } from 'eventrail';
import { Consumer, migrate, PostgresSink } from 'eventrail/postgres';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
pool.on('error', (error) => console.error('idle Postgres client failed:', error.message));
await migrate({ db: pool });
await pool.query(`CREATE TABLE IF NOT EXISTS bom_progress (
  bom_id text PRIMARY KEY, matched int NOT NULL DEFAULT 0, failed int NOT NULL DEFAULT 0)`);

// A read model kept by a durable consumer: run this in as many processes as you like, they
// share the BOMs between them; stop one at any point and start it again, nothing is counted twice.
const consumer = new Consumer({
  db: pool,
  name: 'bom-progress', // the group: every process running this name shares the work
  from: 'start', // where a NEW consumer starts; afterwards its checkpoints win
  scope: { userId: 'user-7' },
  filters: { types: ['enrichment_progress'] },
  handle: async (events, tx) => {
    // Events of one partition, in commit order; what is written with tx commits with the
    // consumer's checkpoint: exactly once.
    for (const event of events) {
      const matched = event.payload.status === 'matched' ? 1 : 0;
      await tx.query(
        `INSERT INTO bom_progress (bom_id, matched, failed) VALUES ($1, $2, $3)
         ON CONFLICT (bom_id) DO UPDATE SET matched = bom_progress.matched + $2,
           failed = bom_progress.failed + $3`,
        [event.aggregateId, matched, 1 - matched],
      );
    }
  },
});
consumer.on('error', (error) => console.error(error.message));
await consumer.start();

const logger = new EventLogger({ sinks: [new PostgresSink({ db: pool })] });
for (let i = 0; i < 30; i++) {
  await logger.logEvent({
    type: 'enrichment_progress',
    userId: 'user-7',
    aggregateType: 'bom',
    aggregateId: `bom-${i % 3}`,
    payload: { mpn: `MPN-${i}`, status: i % 5 === 0 ? 'no_match' : 'matched' },
  });
}
await logger.close();

// Wait until this member has handled all 30 (metrics() is this process's view).
while (consumer.metrics().handled < 30) await new Promise((r) => setTimeout(r, 50));
const { rows } = await pool.query('SELECT * FROM bom_progress ORDER BY bom_id');
console.log(rows); // bom-0: 8 matched, 2 failed; bom-1 and bom-2: 8 and 2 as well
console.log('lag:', (await consumer.stats()).lagEvents);
await consumer.close();
await pool.end();
