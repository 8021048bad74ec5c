-- event_logs becomes range-partitioned on created_at, so that retention drops whole partitions
-- instead of deleting rows (README, Retention). The rows already there are not copied: the old
-- table is attached whole as one partition, event_logs_legacy, bounded above by the UTC day after
-- its newest row; maintain() drops it like any other partition once that bound is older than the
-- retention window. An empty old table is dropped instead. Today and the next 3 UTC days get
-- daily partitions here; maintain() makes the later ones, and event_logs_default takes any row
-- outside every partition, so that no insert ever fails.
-- Writers wait on this lock until the migration commits (one scan of the old table to build the
-- (id, created_at) key and check its bound), then continue into the new table.
LOCK TABLE "eventrail"."event_logs" IN ACCESS EXCLUSIVE MODE;
--> statement-breakpoint
ALTER TABLE "eventrail"."event_logs" RENAME TO "event_logs_legacy";
--> statement-breakpoint
ALTER TABLE "eventrail"."event_logs_legacy" DROP CONSTRAINT "event_logs_pkey";
--> statement-breakpoint
ALTER INDEX "eventrail"."event_logs_session_created_idx" RENAME TO "event_logs_legacy_session_created_idx";
--> statement-breakpoint
ALTER INDEX "eventrail"."event_logs_user_created_idx" RENAME TO "event_logs_legacy_user_created_idx";
--> statement-breakpoint
ALTER INDEX "eventrail"."event_logs_project_created_idx" RENAME TO "event_logs_legacy_project_created_idx";
--> statement-breakpoint
ALTER INDEX "eventrail"."event_logs_agent_idx" RENAME TO "event_logs_legacy_agent_idx";
--> statement-breakpoint
ALTER INDEX "eventrail"."event_logs_type_idx" RENAME TO "event_logs_legacy_type_idx";
--> statement-breakpoint
ALTER INDEX "eventrail"."event_logs_tenant_created_idx" RENAME TO "event_logs_legacy_tenant_created_idx";
--> statement-breakpoint
ALTER INDEX "eventrail"."event_logs_workflow_created_idx" RENAME TO "event_logs_legacy_workflow_created_idx";
--> statement-breakpoint
ALTER INDEX "eventrail"."event_logs_aggregate_created_idx" RENAME TO "event_logs_legacy_aggregate_created_idx";
--> statement-breakpoint
ALTER INDEX "eventrail"."event_logs_payload_idx" RENAME TO "event_logs_legacy_payload_idx";
--> statement-breakpoint
CREATE TABLE "eventrail"."event_logs" (
	"id" uuid NOT NULL,
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
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "event_logs_pkey" PRIMARY KEY("id","created_at")
) PARTITION BY RANGE ("created_at");
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
--> statement-breakpoint
CREATE TABLE "eventrail"."event_logs_default" PARTITION OF "eventrail"."event_logs" DEFAULT;
--> statement-breakpoint
-- Copies a table's grants, row-level security and policies to another (used by the down too).
CREATE FUNCTION "eventrail"."eventrail_copy_access"(source regclass, target regclass)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  item record;
BEGIN
  FOR item IN SELECT privilege_type, is_grantable,
      CASE WHEN grantee = 0 THEN 'PUBLIC' ELSE grantee::regrole::text END AS role
    FROM aclexplode((SELECT relacl FROM pg_class WHERE oid = source)) LOOP
    EXECUTE format('GRANT %s ON %s TO %s%s', item.privilege_type, target, item.role,
      CASE WHEN item.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
  END LOOP;
  FOR item IN SELECT polname, polpermissive, polcmd, polroles,
      pg_get_expr(polqual, polrelid) AS qual, pg_get_expr(polwithcheck, polrelid) AS with_check
    FROM pg_policy WHERE polrelid = source LOOP
    EXECUTE format('CREATE POLICY %I ON %s AS %s FOR %s TO %s%s%s',
      item.polname, target,
      CASE WHEN item.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
      CASE item.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
        WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
      CASE WHEN item.polroles = '{0}' THEN 'PUBLIC' ELSE
        (SELECT string_agg(oid::regrole::text, ', ') FROM pg_roles WHERE oid = ANY(item.polroles)) END,
      CASE WHEN item.qual IS NULL THEN '' ELSE ' USING (' || item.qual || ')' END,
      CASE WHEN item.with_check IS NULL THEN '' ELSE ' WITH CHECK (' || item.with_check || ')' END);
  END LOOP;
  IF (SELECT relrowsecurity FROM pg_class WHERE oid = source) THEN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
  END IF;
  IF (SELECT relforcerowsecurity FROM pg_class WHERE oid = source) THEN
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
  END IF;
END $$;
--> statement-breakpoint
DO $$
DECLARE
  newest timestamptz;
  today timestamptz := date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  next_day timestamptz := today;
  part_start timestamptz;
  legacy regclass := '"eventrail"."event_logs_legacy"'::regclass;
BEGIN
  -- The host's grants, row-level security and policies on the old table carry over to the new.
  PERFORM "eventrail"."eventrail_copy_access"(legacy, '"eventrail"."event_logs"'::regclass);
  SELECT max(created_at) INTO newest FROM "eventrail"."event_logs_legacy";
  IF newest IS NULL THEN
    DROP TABLE "eventrail"."event_logs_legacy";
  ELSE
    -- Its indexes match the new table's and are attached as they are; only the key is built.
    next_day := (date_trunc('day', newest AT TIME ZONE 'UTC') + interval '1 day') AT TIME ZONE 'UTC';
    EXECUTE format('ALTER TABLE "eventrail"."event_logs" ATTACH PARTITION "eventrail"."event_logs_legacy" FOR VALUES FROM (MINVALUE) TO (%L)', next_day);
  END IF;
  FOR part_start IN SELECT generate_series(next_day, today + interval '72 hours', interval '24 hours') LOOP
    EXECUTE format('CREATE TABLE "eventrail".%I PARTITION OF "eventrail"."event_logs" FOR VALUES FROM (%L) TO (%L)',
      'event_logs_p' || to_char(part_start AT TIME ZONE 'UTC', 'YYYYMMDD'), part_start, part_start + interval '24 hours');
  END LOOP;
END $$;
