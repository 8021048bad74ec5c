ALTER FUNCTION "eventrail"."rollup_tail"(text, text, text, text, timestamptz, timestamptz) RESET jit;
--> statement-breakpoint
ALTER FUNCTION "eventrail"."rollup_batch"(xid8, uuid, xid8, integer) RESET jit;
