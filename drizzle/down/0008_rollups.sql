DROP FUNCTION IF EXISTS "eventrail"."rollup_batch"(xid8, uuid, xid8, integer);
--> statement-breakpoint
DROP FUNCTION IF EXISTS "eventrail"."rollup_tail"(text, text, text, text, timestamptz, timestamptz);
--> statement-breakpoint
DROP TABLE IF EXISTS "eventrail"."rollups";
--> statement-breakpoint
DROP TABLE IF EXISTS "eventrail"."event_rollups";
