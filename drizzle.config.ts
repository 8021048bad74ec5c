import { defineConfig } from 'drizzle-kit';

// Generates eventrail's own migrations from its schema: `npm run db:generate`.
// After generating, write the matching down script as drizzle/down/<tag>.sql: migrate() refuses
// a migration without one, and the migration tests run every up and down script.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/postgres/schema/tables.ts',
  out: './drizzle',
  schemaFilter: ['eventrail'],
});
