DROP TRIGGER "event_logs_notify" ON "eventrail"."event_logs";
--> statement-breakpoint
DROP FUNCTION "eventrail"."event_logs_notify"();
--> statement-breakpoint
DROP INDEX "eventrail"."event_logs_tx_id_idx";
--> statement-breakpoint
ALTER TABLE "eventrail"."event_logs" DROP COLUMN "tx_id";
