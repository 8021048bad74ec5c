import { defineConfig } from 'drizzle-kit';

// Generates eventrail's own migrations from its schema: `npm run db:generate`.
// After generating, write the matching down script in drizzle/down/ (see drizzle/README.md).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/postgres/schema/tables.ts',
  out: './drizzle',
  schemaFilter: ['eventrail'],
});
