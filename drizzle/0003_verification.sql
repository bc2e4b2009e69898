CREATE TABLE "forecasts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"path" text NOT NULL,
	"kind" text NOT NULL,
	"producer" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source_dataset" text,
	"variables" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"init_times" integer DEFAULT 0 NOT NULL,
	"lead_times_hours" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"members" integer DEFAULT 1 NOT NULL,
	"grid_id" text,
	"job_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "score_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"forecast_id" uuid NOT NULL,
	"truth_path" text NOT NULL,
	"climatology_path" text,
	"regions" jsonb NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"job_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "score_stats" (
	"score_run_id" uuid NOT NULL,
	"variable" text NOT NULL,
	"level" integer NOT NULL,
	"region" text NOT NULL,
	"lead_hours" integer NOT NULL,
	"init_time" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"stats" jsonb NOT NULL,
	CONSTRAINT "score_stats_score_run_id_variable_level_region_lead_hours_init_time_kind_pk" PRIMARY KEY("score_run_id","variable","level","region","lead_hours","init_time","kind")
);
--> statement-breakpoint
ALTER TABLE "score_runs" ADD CONSTRAINT "score_runs_forecast_id_forecasts_id_fk" FOREIGN KEY ("forecast_id") REFERENCES "public"."forecasts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "score_stats" ADD CONSTRAINT "score_stats_score_run_id_score_runs_id_fk" FOREIGN KEY ("score_run_id") REFERENCES "public"."score_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "forecasts_path_idx" ON "forecasts" USING btree ("path");--> statement-breakpoint
CREATE UNIQUE INDEX "score_runs_forecast_truth_idx" ON "score_runs" USING btree ("forecast_id","truth_path");