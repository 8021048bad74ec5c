// examples/retention.ts
import { startMaintenance } from 'eventrail/postgres';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
pool.on('error', (error) => console.error('idle Postgres client failed:', error.message));

// In every instance: one run now, then one an hour. The advisory lock lets one instance do each
// run; the others find it taken and skip it.
const maintenance = startMaintenance({ db: pool, retention: '90 days', premake: 3 });
maintenance.on('run', (result) => {
  if (!result.ran) return console.log('maintenance: another instance is on it');
  console.log('maintenance: made', result.created, 'dropped', result.dropped);
});
maintenance.on('error', (error) => console.error('maintenance:', error.message));
await maintenance.runNow(); // waits for the first run (the example ends here)

// In the host's shutdown hook:
await maintenance.stop();
console.log(maintenance.metrics().runs >= 1 ? 'maintained' : 'not maintained');
await pool.end();
