CREATE TABLE "backup_runs" (
	"id" serial PRIMARY KEY NOT NULL,
	"scheduled_for" timestamp,
	"trigger" varchar(16) NOT NULL,
	"name" varchar(64),
	"started_at" timestamp DEFAULT now() NOT NULL,
	"finished_at" timestamp,
	"succeeded" boolean,
	"size_bytes" bigint,
	"error" text,
	"table_sizes" jsonb,
	CONSTRAINT "backup_runs_scheduled_for_unique" UNIQUE("scheduled_for")
);
