-- Rollups: event counts per scope, time bucket (grain 900, 3600 or 86400 seconds, aligned to the
-- epoch in UTC) and dimensions, kept by a RollupWorker in commit order; aggregate reads add the
-- raw rows after the rollup's checkpoint (see src/postgres/rollups). The key's INCLUDE lets a read
-- sum `events` from the index alone.
CREATE TABLE "eventrail"."event_rollups" (
	"user_id" text NOT NULL,
	"grain" integer NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"project_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"event_type" text NOT NULL,
	"agent_id" text NOT NULL,
	"error_code" text NOT NULL,
	"tool_name" text NOT NULL,
	"events" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "eventrail"."rollups" (
	"name" text PRIMARY KEY NOT NULL,
	"definition" jsonb,
	"position_tx_id" "xid8" NOT NULL,
	"position_id" uuid NOT NULL,
	"complete" boolean DEFAULT false NOT NULL,
	"owner" text,
	"lease_until" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "event_rollups_key" ON "eventrail"."event_rollups" USING btree ("user_id","grain","bucket","project_id","tenant_id","event_type","agent_id","error_code","tool_name") INCLUDE ("events");--> statement-breakpoint
CREATE INDEX "event_rollups_bucket_idx" ON "eventrail"."event_rollups" USING btree ("bucket");