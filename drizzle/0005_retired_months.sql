CREATE TABLE "retired_months" (
	"month" date PRIMARY KEY NOT NULL,
	"retired_at" timestamp DEFAULT now() NOT NULL,
	"users" integer NOT NULL,
	"days" integer NOT NULL,
	"archive" varchar(255) NOT NULL
);
--> statement-breakpoint
ALTER TABLE "user_model_months" ADD COLUMN "input_tokens" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "user_model_months" ADD COLUMN "output_tokens" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "user_model_months" ADD COLUMN "cache_creation_input_tokens" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "user_model_months" ADD COLUMN "cache_read_input_tokens" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "user_model_months" ADD COLUMN "cost" numeric(18, 4) DEFAULT '0' NOT NULL;--> statement-breakpoint
-- Hand-written: fill the new sums for the data already stored (no month is retired yet).
UPDATE "user_model_months" t SET
	"input_tokens" = x.input_tokens,
	"output_tokens" = x.output_tokens,
	"cache_creation_input_tokens" = x.cache_creation_input_tokens,
	"cache_read_input_tokens" = x.cache_read_input_tokens,
	"cost" = x.cost
FROM (
	SELECT s.user_id, m.model, date_trunc('month', s.date)::date AS month,
	       sum(m.input_tokens) AS input_tokens, sum(m.output_tokens) AS output_tokens,
	       sum(m.cache_creation_input_tokens) AS cache_creation_input_tokens,
	       sum(m.cache_read_input_tokens) AS cache_read_input_tokens, sum(m.cost) AS cost
	  FROM "model_usage" m JOIN "usage_stats" s ON s.id = m.usage_stats_id
	 GROUP BY s.user_id, m.model, date_trunc('month', s.date)::date
) x
WHERE t.user_id = x.user_id AND t.model = x.model AND t.month = x.month;
