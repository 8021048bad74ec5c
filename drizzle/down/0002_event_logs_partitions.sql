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
DO $$
DECLARE
  source regclass := '"eventrail"."event_logs"'::regclass;
  item record;
BEGIN
  -- The host's grants, row-level security and policies on the partitioned table carry over.
  FOR item IN SELECT privilege_type, is_grantable,
      CASE WHEN grantee = 0 THEN 'PUBLIC' ELSE grantee::regrole::text END AS role
    FROM aclexplode((SELECT relacl FROM pg_class WHERE oid = source)) LOOP
    EXECUTE format('GRANT %s ON "eventrail"."event_logs_unpartitioned" TO %s%s', item.privilege_type, item.role,
      CASE WHEN item.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
  END LOOP;
  FOR item IN SELECT polname, polpermissive, polcmd, polroles,
      pg_get_expr(polqual, polrelid) AS qual, pg_get_expr(polwithcheck, polrelid) AS with_check
    FROM pg_policy WHERE polrelid = source LOOP
    EXECUTE format('CREATE POLICY %I ON "eventrail"."event_logs_unpartitioned" AS %s FOR %s TO %s%s%s',
      item.polname,
      CASE WHEN item.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
      CASE item.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
        WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
      CASE WHEN item.polroles = '{0}' THEN 'PUBLIC' ELSE
        (SELECT string_agg(oid::regrole::text, ', ') FROM pg_roles WHERE oid = ANY(item.polroles)) END,
      CASE WHEN item.qual IS NULL THEN '' ELSE ' USING (' || item.qual || ')' END,
      CASE WHEN item.with_check IS NULL THEN '' ELSE ' WITH CHECK (' || item.with_check || ')' END);
  END LOOP;
  IF (SELECT relrowsecurity FROM pg_class WHERE oid = source) THEN
    ALTER TABLE "eventrail"."event_logs_unpartitioned" ENABLE ROW LEVEL SECURITY;
  END IF;
  IF (SELECT relforcerowsecurity FROM pg_class WHERE oid = source) THEN
    ALTER TABLE "eventrail"."event_logs_unpartitioned" FORCE ROW LEVEL SECURITY;
  END IF;
END $$;
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
