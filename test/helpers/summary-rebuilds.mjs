/**
 * Each summary table, rebuilt here from usage_stats and model_usage with plain SQL, must equal the
 * table the service maintains incrementally. Used by test/stats/summaries.spec.ts and by the benchmark's
 * dataset check (bench/build-dataset.mjs); plain JavaScript so that both can import it.
 */
export const REBUILDS = {
  user_month_stats: {
    actual: `SELECT user_id, month::text, active_days, day_mask, total_tokens::text, input_tokens::text, output_tokens::text,
                    cache_creation_input_tokens::text, cache_read_input_tokens::text, total_cost::numeric(20,4)::text FROM user_month_stats`,
    rebuilt: `SELECT user_id, date_trunc('month', date)::date::text, count(*)::int,
                     sum(1 << (extract(day from date)::int - 1))::int, -- one row per day, so the sum of bits is their OR
                     sum(total_tokens)::text, sum(input_tokens)::text, sum(output_tokens)::text,
                     sum(cache_creation_input_tokens)::text, sum(cache_read_input_tokens)::text, sum(total_cost)::numeric(20,4)::text
                FROM usage_stats s GROUP BY user_id, date_trunc('month', date)`,
  },
  user_totals: {
    actual: `SELECT user_id, first_date::text, last_date::text, active_days, total_tokens::text, input_tokens::text,
                    cache_read_input_tokens::text, total_cost::numeric(20,4)::text FROM user_totals`,
    rebuilt: `SELECT user_id, min(date)::text, max(date)::text, count(*)::int, sum(total_tokens)::text, sum(input_tokens)::text,
                     sum(cache_read_input_tokens)::text, sum(total_cost)::numeric(20,4)::text FROM usage_stats GROUP BY user_id`,
  },
  user_model_totals: {
    actual: `SELECT user_id, model, provider, days, input_tokens::text, output_tokens::text, cache_creation_input_tokens::text,
                    cache_read_input_tokens::text, cost::numeric(20,4)::text FROM user_model_totals`,
    rebuilt: `SELECT s.user_id, m.model, max(m.provider), count(*)::int, sum(m.input_tokens)::text, sum(m.output_tokens)::text,
                     sum(m.cache_creation_input_tokens)::text, sum(m.cache_read_input_tokens)::text, sum(m.cost)::numeric(20,4)::text
                FROM model_usage m JOIN usage_stats s ON s.id = m.usage_stats_id GROUP BY s.user_id, m.model`,
  },
  user_model_months: {
    actual: `SELECT user_id, model, month::text, provider, day_mask, input_tokens::text, output_tokens::text,
                    cache_creation_input_tokens::text, cache_read_input_tokens::text, cost::numeric(20,4)::text FROM user_model_months`,
    rebuilt: `SELECT s.user_id, m.model, date_trunc('month', s.date)::date::text, max(m.provider),
                     sum(1 << (extract(day from s.date)::int - 1))::int,
                     sum(m.input_tokens)::text, sum(m.output_tokens)::text,
                     sum(m.cache_creation_input_tokens)::text, sum(m.cache_read_input_tokens)::text, sum(m.cost)::numeric(20,4)::text
                FROM model_usage m JOIN usage_stats s ON s.id = m.usage_stats_id GROUP BY s.user_id, m.model, date_trunc('month', s.date)`,
  },
  model_day_stats: {
    // What readers see: the table plus the uploads' deltas not folded in yet (SHARED_FOLD_TABLES has the table alone).
    actual: `SELECT date::text, model, max(provider), sum(users)::int, sum(input_tokens)::text, sum(output_tokens)::text,
                    sum(cache_creation_input_tokens)::text, sum(cache_read_input_tokens)::text, sum(cost)::numeric(20,4)::text
               FROM (SELECT date, model, provider, users, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost
                       FROM model_day_stats
                     UNION ALL
                     SELECT date, model, provider, users, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost
                       FROM model_day_stats_delta) live
              GROUP BY date, model HAVING sum(users) <> 0`,
    rebuilt: `SELECT s.date::text, m.model, max(m.provider), count(*)::int, sum(m.input_tokens)::text, sum(m.output_tokens)::text,
                     sum(m.cache_creation_input_tokens)::text, sum(m.cache_read_input_tokens)::text, sum(m.cost)::numeric(20,4)::text
                FROM model_usage m JOIN usage_stats s ON s.id = m.usage_stats_id GROUP BY s.date, m.model`,
  },
  day_stats: {
    actual: `SELECT date::text, sum(active_users)::int, sum(total_tokens)::text, sum(input_tokens)::text, sum(output_tokens)::text,
                    sum(cache_creation_input_tokens)::text, sum(cache_read_input_tokens)::text, sum(total_cost)::numeric(20,4)::text
               FROM (SELECT date, active_users, total_tokens, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, total_cost
                       FROM day_stats
                     UNION ALL
                     SELECT date, active_users, total_tokens, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, total_cost
                       FROM day_stats_delta) live
              GROUP BY date HAVING sum(active_users) <> 0`,
    rebuilt: `SELECT date::text, count(*)::int, sum(total_tokens)::text, sum(input_tokens)::text, sum(output_tokens)::text,
                     sum(cache_creation_input_tokens)::text, sum(cache_read_input_tokens)::text, sum(total_cost)::numeric(20,4)::text
                FROM usage_stats GROUP BY date`,
  },
};

/**
 * The shared tables alone, as the fold leaves them once no delta is waiting: each must then equal
 * the same rebuild as above.
 */
export const SHARED_FOLD_TABLES = {
  model_day_stats: `SELECT date::text, model, provider, users, input_tokens::text, output_tokens::text, cache_creation_input_tokens::text,
                           cache_read_input_tokens::text, cost::numeric(20,4)::text FROM model_day_stats`,
  day_stats: `SELECT date::text, active_users, total_tokens::text, input_tokens::text, output_tokens::text,
                     cache_creation_input_tokens::text, cache_read_input_tokens::text, total_cost::numeric(20,4)::text FROM day_stats`,
};
