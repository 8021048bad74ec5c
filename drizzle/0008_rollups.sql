-- Rollups: event counts per scope, time bucket (grain 900, 3600 or 86400 seconds, aligned to the
-- epoch in UTC) and dimensions, kept by a RollupWorker in commit order; aggregate reads add the
-- raw rows after the rollup's checkpoint (see src/postgres/rollups). The key's INCLUDE lets a read
-- sum `events` from the index alone.
CREATE TABLE "eventrail"."event_rollups" (
	"user_id" text NOT NULL,
	"level" smallint NOT NULL,
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
CREATE UNIQUE INDEX "event_rollups_key" ON "eventrail"."event_rollups" USING btree ("user_id","level","grain","bucket","project_id","tenant_id","event_type","agent_id","error_code","tool_name") INCLUDE ("events");--> statement-breakpoint
CREATE INDEX "event_rollups_bucket_idx" ON "eventrail"."event_rollups" USING btree ("bucket");--> statement-breakpoint
-- Row-level security on event_logs (enableRowLevelSecurity) covers the rollups too: their counts
-- would tell what event_logs hides. Made here when event_logs has it already.
DO $rls$ BEGIN
  IF (SELECT relrowsecurity FROM pg_class WHERE oid = '"eventrail"."event_logs"'::regclass) THEN
    CREATE POLICY eventrail_tenant_isolation ON "eventrail"."event_rollups"
      USING (tenant_id = current_setting('eventrail.tenant_id', true));
    ALTER TABLE "eventrail"."event_rollups" ENABLE ROW LEVEL SECURITY;
    IF (SELECT relforcerowsecurity FROM pg_class WHERE oid = '"eventrail"."event_logs"'::regclass) THEN
      ALTER TABLE "eventrail"."event_rollups" FORCE ROW LEVEL SECURITY;
    END IF;
  END IF;
END $rls$;
--> statement-breakpoint
-- The raw rows a rollup read adds to the rollup: those committed after rollup p_name's
-- checkpoint, of the scope, created in [p_from, p_to). STABLE: it reads in the snapshot of the
-- statement that calls it, the one the rollup's rows are read in, so a fold committing meanwhile
-- is counted once. Planned once per connection (a generic plan): a statement over ninety daily
-- partitions planned at every read spends tens of milliseconds in the planner. The inner scan
-- names only tx_id and id, so that each partition is probed in its (tx_id, id) index from the
-- checkpoint (a generic plan cannot know that few rows lie after it, and would rather scan
-- another index for the time range); OFFSET 0 keeps the outer conditions out of it.
CREATE FUNCTION "eventrail"."rollup_tail"(p_name text, p_user text, p_project text, p_tenant text,
  p_from timestamptz, p_to timestamptz) RETURNS SETOF "eventrail"."event_logs"
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off SET enable_bitmapscan = off
AS $$
DECLARE
  at_tx xid8;
  at_id uuid;
BEGIN
  SELECT position_tx_id, position_id INTO at_tx, at_id FROM "eventrail"."rollups" WHERE name = p_name;
  IF at_tx IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY SELECT * FROM (
    SELECT * FROM "eventrail"."event_logs" WHERE tx_id >= at_tx AND (tx_id, id) > (at_tx, at_id)
    OFFSET 0) AS e
  WHERE e.user_id = p_user AND (p_project IS NULL OR e.project_id = p_project)
    AND (p_tenant IS NULL OR e.tenant_id = p_tenant) AND e.created_at >= p_from AND e.created_at < p_to;
END
$$;
--> statement-breakpoint
-- A rollup worker's next batch: the rows after (p_tx, p_id) and below the settled mark p_below,
-- in stream order, at most p_limit; planned once per connection, merging the partitions'
-- (tx_id, id) indexes.
CREATE FUNCTION "eventrail"."rollup_batch"(p_tx xid8, p_id uuid, p_below xid8, p_limit integer)
RETURNS SETOF "eventrail"."event_logs"
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off SET enable_bitmapscan = off
SET enable_sort = off
AS $$
BEGIN
  RETURN QUERY SELECT * FROM "eventrail"."event_logs"
  WHERE tx_id >= p_tx AND (tx_id, id) > (p_tx, p_id) AND tx_id < p_below
  ORDER BY tx_id, id LIMIT p_limit;
END
$$;
