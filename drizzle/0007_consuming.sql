CREATE TABLE "eventrail"."consumer_members" (
	"consumer" text NOT NULL,
	"member" text NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "consumer_members_pkey" PRIMARY KEY("consumer","member")
);
--> statement-breakpoint
CREATE TABLE "eventrail"."consumer_partitions" (
	"consumer" text NOT NULL,
	"partition" integer NOT NULL,
	"position_tx_id" "xid8" NOT NULL,
	"position_id" uuid NOT NULL,
	"owner" text,
	"lease_until" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "consumer_partitions_pkey" PRIMARY KEY("consumer","partition")
);
--> statement-breakpoint
CREATE TABLE "eventrail"."consumers" (
	"name" text PRIMARY KEY NOT NULL,
	"partitions" integer NOT NULL,
	"from_time" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "eventrail"."dead_letters" (
	"consumer" text NOT NULL,
	"event_id" uuid NOT NULL,
	"event_created_at" timestamp with time zone NOT NULL,
	"position_tx_id" "xid8" NOT NULL,
	"partition" integer NOT NULL,
	"key" text NOT NULL,
	"attempts" integer NOT NULL,
	"last_error" text,
	"parked_at" timestamp with time zone DEFAULT now() NOT NULL,
	"requested_at" timestamp with time zone,
	CONSTRAINT "dead_letters_pkey" PRIMARY KEY("consumer","event_id")
);
--> statement-breakpoint
CREATE TABLE "eventrail"."retention_horizon" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"expired_before" timestamp with time zone NOT NULL,
	"through_tx_id" "xid8" NOT NULL,
	"through_id" uuid NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "retention_horizon_one_row" CHECK ("eventrail"."retention_horizon"."id" = 1)
);
--> statement-breakpoint
CREATE INDEX "dead_letters_key_idx" ON "eventrail"."dead_letters" USING btree ("consumer","key","position_tx_id","event_id");