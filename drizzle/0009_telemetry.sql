CREATE TABLE "activity_days" (
	"user_id" integer NOT NULL,
	"date" date NOT NULL,
	"metric" varchar(32) NOT NULL,
	"key" varchar(256) DEFAULT '' NOT NULL,
	"value" numeric(24, 6) DEFAULT '0' NOT NULL,
	CONSTRAINT "activity_days_user_id_date_metric_key_pk" PRIMARY KEY("user_id","date","metric","key")
);
--> statement-breakpoint
CREATE TABLE "activity_months" (
	"user_id" integer NOT NULL,
	"month" date NOT NULL,
	"metric" varchar(32) NOT NULL,
	"key" varchar(256) DEFAULT '' NOT NULL,
	"value" numeric(24, 6) DEFAULT '0' NOT NULL,
	CONSTRAINT "activity_months_user_id_month_metric_key_pk" PRIMARY KEY("user_id","month","metric","key")
);
--> statement-breakpoint
CREATE TABLE "telemetry_day_models" (
	"user_id" integer NOT NULL,
	"device" varchar(64) NOT NULL,
	"date" date NOT NULL,
	"model" varchar(100) NOT NULL,
	"provider" varchar(50) NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_creation_input_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_read_input_tokens" bigint DEFAULT 0 NOT NULL,
	"cost" numeric(24, 10) DEFAULT '0' NOT NULL,
	CONSTRAINT "telemetry_day_models_user_id_device_date_model_pk" PRIMARY KEY("user_id","device","date","model")
);
--> statement-breakpoint
CREATE TABLE "telemetry_receipts" (
	"user_id" integer NOT NULL,
	"device" varchar(64) NOT NULL,
	"signal" varchar(16) NOT NULL,
	"batches" bigint DEFAULT 0 NOT NULL,
	"accepted" bigint DEFAULT 0 NOT NULL,
	"duplicates" bigint DEFAULT 0 NOT NULL,
	"refused" bigint DEFAULT 0 NOT NULL,
	"last_reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"service_version" varchar(64),
	"identity" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"first_at" timestamp DEFAULT now() NOT NULL,
	"last_at" timestamp DEFAULT now() NOT NULL,
	CONSTRAINT "telemetry_receipts_user_id_device_signal_pk" PRIMARY KEY("user_id","device","signal")
);
--> statement-breakpoint
CREATE TABLE "telemetry_series" (
	"user_id" integer NOT NULL,
	"series_key" varchar(64) NOT NULL,
	"temporality" varchar(16) NOT NULL,
	"start_ns" bigint,
	"end_ns" bigint,
	"value" double precision,
	"covered" jsonb,
	"last_seen_at" timestamp DEFAULT now() NOT NULL,
	CONSTRAINT "telemetry_series_user_id_series_key_pk" PRIMARY KEY("user_id","series_key")
);
--> statement-breakpoint
ALTER TABLE "device_days" ADD COLUMN "source" varchar(16) DEFAULT 'upload' NOT NULL;--> statement-breakpoint
ALTER TABLE "activity_days" ADD CONSTRAINT "activity_days_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "activity_months" ADD CONSTRAINT "activity_months_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "telemetry_day_models" ADD CONSTRAINT "telemetry_day_models_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "telemetry_receipts" ADD CONSTRAINT "telemetry_receipts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "telemetry_series" ADD CONSTRAINT "telemetry_series_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "activity_days_metric_date_idx" ON "activity_days" USING btree ("metric","date","user_id");--> statement-breakpoint
CREATE INDEX "activity_months_metric_month_idx" ON "activity_months" USING btree ("metric","month","user_id");--> statement-breakpoint
CREATE INDEX "telemetry_series_last_seen_idx" ON "telemetry_series" USING btree ("last_seen_at");