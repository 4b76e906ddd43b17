CREATE TABLE "day_stats_delta" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"date" date NOT NULL,
	"active_users" integer NOT NULL,
	"total_tokens" bigint DEFAULT 0 NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_creation_input_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_read_input_tokens" bigint DEFAULT 0 NOT NULL,
	"total_cost" numeric(18, 4) DEFAULT '0' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_day_stats_delta" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"date" date NOT NULL,
	"model" varchar(100) NOT NULL,
	"provider" varchar(50) NOT NULL,
	"users" integer NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_creation_input_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_read_input_tokens" bigint DEFAULT 0 NOT NULL,
	"cost" numeric(18, 4) DEFAULT '0' NOT NULL
);
--> statement-breakpoint
CREATE INDEX "day_stats_delta_date_idx" ON "day_stats_delta" USING btree ("date");--> statement-breakpoint
CREATE INDEX "model_day_stats_delta_date_idx" ON "model_day_stats_delta" USING btree ("date");