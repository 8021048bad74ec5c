DROP TABLE IF EXISTS "eventrail"."rollups";
--> statement-breakpoint
DROP TABLE IF EXISTS "eventrail"."event_rollups";
