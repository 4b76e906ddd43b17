CREATE SCHEMA "runtime";
--> statement-breakpoint
CREATE TABLE "runtime"."rate_limits" (
	"key" varchar(160) PRIMARY KEY NOT NULL,
	"hits" integer NOT NULL,
	"reset_at" timestamp NOT NULL
);
--> statement-breakpoint
CREATE INDEX "rate_limits_reset_at_idx" ON "runtime"."rate_limits" USING btree ("reset_at");