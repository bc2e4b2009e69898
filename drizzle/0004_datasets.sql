CREATE TABLE "datasets" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"path" text NOT NULL,
	"dataset_uuid" text,
	"grid_id" text,
	"grid_description" text,
	"start_date" timestamp with time zone,
	"end_date" timestamp with time zone,
	"frequency_hours" double precision,
	"date_count" integer DEFAULT 0 NOT NULL,
	"variables" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"size_bytes" bigint DEFAULT 0 NOT NULL,
	"recipe" text,
	"recipe_checksum" text,
	"job_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "datasets_path_idx" ON "datasets" USING btree ("path");