CREATE INDEX "event_outbox_aggregate_created_idx" ON "eventrail"."event_outbox" USING btree ("aggregate_id","created_at");--> statement-breakpoint
CREATE INDEX "event_outbox_project_created_idx" ON "eventrail"."event_outbox" USING btree ("project_id","created_at");--> statement-breakpoint
CREATE INDEX "event_outbox_user_created_idx" ON "eventrail"."event_outbox" USING btree ("user_id","created_at");
