DROP TABLE IF EXISTS "eventrail"."dead_letters";
--> statement-breakpoint
DROP TABLE IF EXISTS "eventrail"."consumer_members";
--> statement-breakpoint
DROP TABLE IF EXISTS "eventrail"."consumer_partitions";
--> statement-breakpoint
DROP TABLE IF EXISTS "eventrail"."consumers";
--> statement-breakpoint
DROP TABLE IF EXISTS "eventrail"."retention_horizon";
