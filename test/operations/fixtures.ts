import type { TestDatabase } from '../helpers/database.js';

type Query = TestDatabase['query'];

/**
 * Realistic usage: 4 users, 40 days each, two models a day, with the magnitudes real ccusage
 * output has (billions of cache-read tokens in a day, costs with four decimals).
 */
export async function insertUsage(query: Query): Promise<void> {
  await query(`INSERT INTO users (username) SELECT 'user' || g FROM generate_series(1, 4) g`);
  await query(`
    INSERT INTO usage_stats (user_id, date, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, total_tokens, total_cost)
    SELECT u.id, DATE '2026-08-01' + d,
           1000 * u.id + 37 * d, 52000 + 911 * d, 400000 + 1301 * d, 3500000000 + 7919 * d * u.id,
           1000 * u.id + 37 * d + 52000 + 911 * d + 400000 + 1301 * d + 3500000000 + 7919 * d * u.id,
           round((12.3456 + d * 1.0101 + u.id)::numeric, 4)
    FROM users u CROSS JOIN generate_series(0, 39) d`);
  await query(`
    INSERT INTO model_usage (usage_stats_id, model, provider, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost)
    SELECT s.id, m.model, 'anthropic', s.input_tokens / 2, s.output_tokens / 2, s.cache_creation_input_tokens / 2, s.cache_read_input_tokens / 2,
           round(s.total_cost / 2, 4)
    FROM usage_stats s CROSS JOIN (VALUES ('claude-opus-4-20250514'), ('claude-sonnet-4-20250514')) AS m(model)`);
}

/** Row counts of every table the service owns, and every token and cost sum, as exact strings. */
export const FINGERPRINT_SQL = `
  SELECT
    (SELECT count(*) FROM users)::text AS users,
    (SELECT count(*) FROM usage_stats)::text AS usage_stats,
    (SELECT count(*) FROM model_usage)::text AS model_usage,
    (SELECT count(*) FROM backup_runs)::text AS backup_runs,
    (SELECT count(*) FROM drizzle.__drizzle_migrations)::text AS migrations,
    (SELECT sum(total_tokens)::text FROM usage_stats) AS total_tokens,
    (SELECT sum(input_tokens)::text FROM usage_stats) AS input_tokens,
    (SELECT sum(output_tokens)::text FROM usage_stats) AS output_tokens,
    (SELECT sum(cache_creation_input_tokens)::text FROM usage_stats) AS cache_creation_tokens,
    (SELECT sum(cache_read_input_tokens)::text FROM usage_stats) AS cache_read_tokens,
    (SELECT sum(total_cost)::text FROM usage_stats) AS total_cost,
    (SELECT sum(input_tokens + output_tokens + cache_creation_input_tokens + cache_read_input_tokens)::text FROM model_usage) AS model_tokens,
    (SELECT sum(cost)::text FROM model_usage) AS model_cost`;

/** Reads one counter or gauge sample from Prometheus text. */
export function sample(metrics: string, name: string, labels = ''): number | undefined {
  const escaped = `${name}${labels}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(metrics);
  return match ? Number(match[1]) : undefined;
}
