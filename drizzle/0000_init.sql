CREATE TABLE "eventrail"."event_logs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"event_type" text NOT NULL,
	"user_id" text NOT NULL,
	"project_id" text,
	"tenant_id" text,
	"session_id" text,
	"agent_id" text,
	"aggregate_type" text,
	"aggregate_id" text,
	"workflow_id" text,
	"correlation_id" text,
	"source" text,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error_code" text,
	"tool_name" text,
	"approval_status" text,
	"routing_key" text,
	"priority" smallint,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "eventrail"."event_outbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"event_type" text NOT NULL,
	"user_id" text NOT NULL,
	"project_id" text,
	"tenant_id" text,
	"session_id" text,
	"agent_id" text,
	"aggregate_type" text,
	"aggregate_id" text,
	"workflow_id" text,
	"correlation_id" text,
	"source" text,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error_code" text,
	"tool_name" text,
	"approval_status" text,
	"routing_key" text,
	"priority" smallint,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"next_retry_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"locked_by" text,
	"published_at" timestamp with time zone,
	"last_error" text,
	CONSTRAINT "event_outbox_status_check" CHECK ("eventrail"."event_outbox"."status" in ('pending', 'published', 'failed'))
);
--> statement-breakpoint
CREATE INDEX "event_logs_session_created_idx" ON "eventrail"."event_logs" USING btree ("session_id","created_at");--> statement-breakpoint
CREATE INDEX "event_logs_user_created_idx" ON "eventrail"."event_logs" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "event_logs_project_created_idx" ON "eventrail"."event_logs" USING btree ("project_id","created_at");--> statement-breakpoint
CREATE INDEX "event_logs_agent_idx" ON "eventrail"."event_logs" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "event_logs_type_idx" ON "eventrail"."event_logs" USING btree ("event_type");--> statement-breakpoint
CREATE INDEX "event_logs_tenant_created_idx" ON "eventrail"."event_logs" USING btree ("tenant_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "event_logs_workflow_created_idx" ON "eventrail"."event_logs" USING btree ("workflow_id","created_at");--> statement-breakpoint
CREATE INDEX "event_logs_aggregate_created_idx" ON "eventrail"."event_logs" USING btree ("aggregate_type","aggregate_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "event_logs_payload_idx" ON "eventrail"."event_logs" USING gin ("payload" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "event_outbox_status_retry_created_idx" ON "eventrail"."event_outbox" USING btree ("status","next_retry_at","created_at");--> statement-breakpoint
CREATE INDEX "event_outbox_pending_due_idx" ON "eventrail"."event_outbox" USING btree ("next_retry_at","created_at") WHERE "eventrail"."event_outbox"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "event_outbox_aggregate_created_idx" ON "eventrail"."event_outbox" USING btree ("aggregate_id","created_at");--> statement-breakpoint
CREATE INDEX "event_outbox_pending_aggregate_idx" ON "eventrail"."event_outbox" USING btree ("aggregate_id","created_at") WHERE "eventrail"."event_outbox"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "event_outbox_project_created_idx" ON "eventrail"."event_outbox" USING btree ("project_id","created_at");--> statement-breakpoint
CREATE INDEX "event_outbox_user_created_idx" ON "eventrail"."event_outbox" USING btree ("user_id","created_at");