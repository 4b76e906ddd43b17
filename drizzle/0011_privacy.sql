ALTER TABLE "users" ADD COLUMN "visibility" varchar(10) DEFAULT 'public' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "show_cost" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "display_name" varchar(100);--> statement-breakpoint
CREATE INDEX "users_private_idx" ON "users" USING btree ("id","visibility","show_cost") WHERE "users"."visibility" <> 'public' OR NOT "users"."show_cost";--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_visibility_check" CHECK ("users"."visibility" IN ('public', 'teams', 'private'));