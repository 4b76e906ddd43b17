CREATE TABLE "day_stats" (
	"date" date PRIMARY KEY NOT NULL,
	"active_users" integer NOT NULL,
	"total_tokens" bigint DEFAULT 0 NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_creation_input_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_read_input_tokens" bigint DEFAULT 0 NOT NULL,
	"total_cost" numeric(18, 4) DEFAULT '0' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_day_stats" (
	"date" date NOT NULL,
	"model" varchar(100) NOT NULL,
	"provider" varchar(50) NOT NULL,
	"users" integer NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_creation_input_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_read_input_tokens" bigint DEFAULT 0 NOT NULL,
	"cost" numeric(18, 4) DEFAULT '0' NOT NULL,
	CONSTRAINT "model_day_stats_date_model_pk" PRIMARY KEY("date","model")
);
--> statement-breakpoint
CREATE TABLE "user_model_months" (
	"user_id" integer NOT NULL,
	"model" varchar(100) NOT NULL,
	"month" date NOT NULL,
	"provider" varchar(50) NOT NULL,
	"day_mask" integer NOT NULL,
	CONSTRAINT "user_model_months_user_id_model_month_pk" PRIMARY KEY("user_id","model","month")
);
--> statement-breakpoint
CREATE TABLE "user_model_totals" (
	"user_id" integer NOT NULL,
	"model" varchar(100) NOT NULL,
	"provider" varchar(50) NOT NULL,
	"days" integer NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_creation_input_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_read_input_tokens" bigint DEFAULT 0 NOT NULL,
	"cost" numeric(18, 4) DEFAULT '0' NOT NULL,
	CONSTRAINT "user_model_totals_user_id_model_pk" PRIMARY KEY("user_id","model")
);
--> statement-breakpoint
CREATE TABLE "user_month_stats" (
	"user_id" integer NOT NULL,
	"month" date NOT NULL,
	"active_days" integer NOT NULL,
	"day_mask" integer NOT NULL,
	"total_tokens" bigint DEFAULT 0 NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_creation_input_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_read_input_tokens" bigint DEFAULT 0 NOT NULL,
	"total_cost" numeric(18, 4) DEFAULT '0' NOT NULL,
	CONSTRAINT "user_month_stats_user_id_month_pk" PRIMARY KEY("user_id","month")
);
--> statement-breakpoint
CREATE TABLE "user_totals" (
	"user_id" integer PRIMARY KEY NOT NULL,
	"first_date" date NOT NULL,
	"last_date" date NOT NULL,
	"active_days" integer NOT NULL,
	"total_tokens" bigint DEFAULT 0 NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_creation_input_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_read_input_tokens" bigint DEFAULT 0 NOT NULL,
	"total_cost" numeric(18, 4) DEFAULT '0' NOT NULL
);
--> statement-breakpoint
ALTER TABLE "user_model_months" ADD CONSTRAINT "user_model_months_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_model_totals" ADD CONSTRAINT "user_model_totals_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_month_stats" ADD CONSTRAINT "user_month_stats_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_totals" ADD CONSTRAINT "user_totals_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "model_day_stats_model_date_idx" ON "model_day_stats" USING btree ("model","date");--> statement-breakpoint
CREATE INDEX "user_model_months_month_idx" ON "user_model_months" USING btree ("month");--> statement-breakpoint
CREATE INDEX "user_month_stats_month_idx" ON "user_month_stats" USING btree ("month");