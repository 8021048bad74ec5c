-- The W3C trace and span id of the span active when an event was accepted (eventrail/otel).
-- Nullable, no default: adding them rewrites no row, also on a partitioned event_logs.
ALTER TABLE "eventrail"."event_logs" ADD COLUMN "trace_id" text;--> statement-breakpoint
ALTER TABLE "eventrail"."event_logs" ADD COLUMN "span_id" text;--> statement-breakpoint
ALTER TABLE "eventrail"."event_outbox" ADD COLUMN "trace_id" text;--> statement-breakpoint
ALTER TABLE "eventrail"."event_outbox" ADD COLUMN "span_id" text;--> statement-breakpoint
CREATE INDEX "event_logs_trace_idx" ON "eventrail"."event_logs" USING btree ("trace_id") WHERE "eventrail"."event_logs"."trace_id" IS NOT NULL;
