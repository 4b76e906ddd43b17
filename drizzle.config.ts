import { defineConfig } from 'drizzle-kit';

// drizzle-kit reads the same variables as the service. generate needs no database; migrate and
// studio need DATABASE_URL (or DB_*): the embedded database is migrated by the service at start-up.
const env = process.env;
const url =
  env.DATABASE_URL ??
  `postgres://${encodeURIComponent(env.DB_USER ?? 'localdev')}:${encodeURIComponent(env.DB_PASSWORD ?? 'db-test-pass')}@${env.DB_HOST ?? 'localhost'}:${env.DB_PORT ?? '9099'}/${env.DB_NAME ?? 'claude_code_stats'}`;

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
  strict: true,
  verbose: true,
  dbCredentials: { url },
});
