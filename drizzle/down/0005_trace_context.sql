DROP INDEX "eventrail"."event_logs_trace_idx";--> statement-breakpoint
ALTER TABLE "eventrail"."event_outbox" DROP COLUMN "span_id";--> statement-breakpoint
ALTER TABLE "eventrail"."event_outbox" DROP COLUMN "trace_id";--> statement-breakpoint
ALTER TABLE "eventrail"."event_logs" DROP COLUMN "span_id";--> statement-breakpoint
ALTER TABLE "eventrail"."event_logs" DROP COLUMN "trace_id";
