CREATE TABLE "project_days" (
	"user_id" integer NOT NULL,
	"date" date NOT NULL,
	"device" varchar(64) NOT NULL,
	"project_id" integer NOT NULL,
	"model" varchar(100) NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_creation_input_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_read_input_tokens" bigint DEFAULT 0 NOT NULL,
	"cost" numeric(10, 4) DEFAULT '0' NOT NULL,
	CONSTRAINT "project_days_user_id_date_device_project_id_model_pk" PRIMARY KEY("user_id","date","device","project_id","model")
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"name" varchar(500) NOT NULL,
	"alias" varchar(100),
	"hidden" boolean DEFAULT false NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL,
	CONSTRAINT "projects_alias_check" CHECK ("projects"."alias" IS NULL OR char_length("projects"."alias") BETWEEN 1 AND 100)
);
--> statement-breakpoint
ALTER TABLE "project_days" ADD CONSTRAINT "project_days_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_days" ADD CONSTRAINT "project_days_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "project_days_project_date_idx" ON "project_days" USING btree ("project_id","date");--> statement-breakpoint
CREATE UNIQUE INDEX "projects_user_name_idx" ON "projects" USING btree ("user_id","name");