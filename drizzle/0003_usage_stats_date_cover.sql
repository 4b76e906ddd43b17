-- Range reads over every user (leaderboards over rolling windows, exports, the weekly view) read
-- usage_stats by date. This index holds what they need, so they are index-only scans in
-- (date, user_id) order; drizzle-kit cannot express INCLUDE, hence a custom migration.
CREATE INDEX IF NOT EXISTS "usage_stats_date_user_cover_idx" ON "usage_stats" USING btree ("date", "user_id")
  INCLUDE ("total_tokens", "input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "total_cost");
