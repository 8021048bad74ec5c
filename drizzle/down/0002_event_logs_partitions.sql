-- Back to one unpartitioned table: every row is copied (a full rewrite: plan a quiet moment).
-- Ids are unique across partitions (created_at is fixed per id at intake), so the old key holds.
LOCK TABLE "eventrail"."event_logs" IN ACCESS EXCLUSIVE MODE;
--> statement-breakpoint
CREATE TABLE "eventrail"."event_logs_unpartitioned" (
	"id" uuid PRIMARY KEY NOT NULL,
	"event_type" text NOT NULL,
	"user_id" text NOT NULL,
	"project_id" text,
	"tenant_id" text,
	"session_id" text,
	"agent_id" text,
	"aggregate_type" text,
	"aggregate_id" text,
	"workflow_id" text,
	"correlation_id" text,
	"source" text,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error_code" text,
	"tool_name" text,
	"approval_status" text,
	"routing_key" text,
	"priority" smallint,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Every row or an error, never the rows one tenant's policy lets through.
SET LOCAL row_security = off;
--> statement-breakpoint
INSERT INTO "eventrail"."event_logs_unpartitioned" SELECT * FROM "eventrail"."event_logs";
--> statement-breakpoint
SELECT "eventrail"."eventrail_copy_access"('"eventrail"."event_logs"', '"eventrail"."event_logs_unpartitioned"');
--> statement-breakpoint
DROP FUNCTION "eventrail"."eventrail_copy_access"(regclass, regclass);
--> statement-breakpoint
DROP TABLE "eventrail"."event_logs";
--> statement-breakpoint
ALTER TABLE "eventrail"."event_logs_unpartitioned" RENAME TO "event_logs";
--> statement-breakpoint
ALTER INDEX "eventrail"."event_logs_unpartitioned_pkey" RENAME TO "event_logs_pkey";
--> statement-breakpoint
CREATE INDEX "event_logs_session_created_idx" ON "eventrail"."event_logs" USING btree ("session_id","created_at");
--> statement-breakpoint
CREATE INDEX "event_logs_user_created_idx" ON "eventrail"."event_logs" USING btree ("user_id","created_at");
--> statement-breakpoint
CREATE INDEX "event_logs_project_created_idx" ON "eventrail"."event_logs" USING btree ("project_id","created_at");
--> statement-breakpoint
CREATE INDEX "event_logs_agent_idx" ON "eventrail"."event_logs" USING btree ("agent_id");
--> statement-breakpoint
CREATE INDEX "event_logs_type_idx" ON "eventrail"."event_logs" USING btree ("event_type");
--> statement-breakpoint
CREATE INDEX "event_logs_tenant_created_idx" ON "eventrail"."event_logs" USING btree ("tenant_id","created_at" DESC NULLS LAST);
--> statement-breakpoint
CREATE INDEX "event_logs_workflow_created_idx" ON "eventrail"."event_logs" USING btree ("workflow_id","created_at");
--> statement-breakpoint
CREATE INDEX "event_logs_aggregate_created_idx" ON "eventrail"."event_logs" USING btree ("aggregate_type","aggregate_id","created_at" DESC NULLS LAST);
--> statement-breakpoint
CREATE INDEX "event_logs_payload_idx" ON "eventrail"."event_logs" USING gin ("payload" jsonb_path_ops);
