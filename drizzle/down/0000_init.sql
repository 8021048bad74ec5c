DROP TABLE IF EXISTS "eventrail"."event_outbox";
--> statement-breakpoint
DROP TABLE IF EXISTS "eventrail"."event_logs";
