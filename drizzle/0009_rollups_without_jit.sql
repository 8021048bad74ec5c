-- The two functions of 0008 run without JIT compilation. Their generic plans over every
-- partition of event_logs are costed above jit_above_cost (a cost grows with the partitions, not
-- with the rows a call reads), so Postgres compiled their expressions at every call: ~0.5 s of a
-- read whose scans take a millisecond (measured at 2M rows over 92 daily partitions).
ALTER FUNCTION "eventrail"."rollup_tail"(text, text, text, text, timestamptz, timestamptz) SET jit = off;
--> statement-breakpoint
ALTER FUNCTION "eventrail"."rollup_batch"(xid8, uuid, xid8, integer) SET jit = off;
