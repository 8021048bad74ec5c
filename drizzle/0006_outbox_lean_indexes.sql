-- The outbox is a queue: the claim reads it through its partial pending indexes, and the copy to
-- query is event_logs. These three indexes served no statement of eventrail, yet every outbox
-- insert (in the writer's transaction) and every settlement paid for them. DROP INDEX takes a
-- brief exclusive lock and rewrites nothing.
DROP INDEX "eventrail"."event_outbox_aggregate_created_idx";--> statement-breakpoint
DROP INDEX "eventrail"."event_outbox_project_created_idx";--> statement-breakpoint
DROP INDEX "eventrail"."event_outbox_user_created_idx";
