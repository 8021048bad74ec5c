CREATE TABLE "eventrail"."event_inbox" (
	"consumer" text NOT NULL,
	"event_id" uuid NOT NULL,
	"handled_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "event_inbox_pkey" PRIMARY KEY("consumer","event_id")
);
--> statement-breakpoint
CREATE INDEX "event_inbox_handled_idx" ON "eventrail"."event_inbox" USING btree ("handled_at");