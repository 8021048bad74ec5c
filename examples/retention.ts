// examples/retention.ts
import { MaintenanceTimer } from 'eventrail/postgres';
import pg from 'pg';

const DAY_MS = 86_400_000;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
pool.on('error', (error) => console.error('idle Postgres client failed:', error.message));

// In every instance: one run at start(), then one an hour. The advisory lock lets one instance do
// each run; the others find it taken and skip it.
const maintenance = new MaintenanceTimer({ db: pool, retentionMs: 90 * DAY_MS, premake: 3 });
maintenance.on('run', (result) => {
  if (!result.ran) return console.log('maintenance: another instance is on it');
  console.log('maintenance: made', result.created, 'dropped', result.dropped);
});
maintenance.on('error', (error) => console.error('maintenance:', error.message));
await maintenance.start(); // resolves when the first run has ended (the example ends here)

// In the host's shutdown hook (or `await using maintenance = ...`):
await maintenance.close();
console.log(maintenance.metrics().runs >= 1 ? 'maintained' : 'not maintained');
await pool.end();
