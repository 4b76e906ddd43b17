CREATE TABLE "runtime"."read_model_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	"user_id" integer,
	"seen_at" timestamp
);
--> statement-breakpoint
CREATE INDEX "read_model_changes_xid_idx" ON "runtime"."read_model_changes" USING btree ("xid");--> statement-breakpoint
CREATE INDEX "read_model_changes_seen_at_idx" ON "runtime"."read_model_changes" USING btree ("seen_at");--> statement-breakpoint
-- Written by hand (drizzle-kit does not model triggers). Every statement that changes usage_stats
-- logs the users it touched, once per statement; retiring a month logs NULL (everything).
CREATE FUNCTION "runtime"."log_usage_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "runtime"."read_model_changes" ("user_id") SELECT DISTINCT "user_id" FROM new_rows;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "runtime"."log_usage_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "runtime"."read_model_changes" ("user_id") SELECT DISTINCT "user_id" FROM old_rows;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "runtime"."log_usage_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "runtime"."read_model_changes" ("user_id")
    SELECT "user_id" FROM new_rows UNION SELECT "user_id" FROM old_rows;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE FUNCTION "runtime"."log_everything_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "runtime"."read_model_changes" ("user_id") VALUES (NULL);
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "usage_stats_log_insert" AFTER INSERT ON "usage_stats"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "runtime"."log_usage_inserted"();--> statement-breakpoint
CREATE TRIGGER "usage_stats_log_delete" AFTER DELETE ON "usage_stats"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "runtime"."log_usage_deleted"();--> statement-breakpoint
CREATE TRIGGER "usage_stats_log_update" AFTER UPDATE ON "usage_stats"
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "runtime"."log_usage_updated"();--> statement-breakpoint
CREATE TRIGGER "usage_stats_log_truncate" AFTER TRUNCATE ON "usage_stats"
  FOR EACH STATEMENT EXECUTE FUNCTION "runtime"."log_everything_changed"();--> statement-breakpoint
CREATE TRIGGER "retired_months_log" AFTER INSERT OR UPDATE OR DELETE ON "retired_months"
  FOR EACH STATEMENT EXECUTE FUNCTION "runtime"."log_everything_changed"();
