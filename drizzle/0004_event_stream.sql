-- Live streams (EventStream). Each row records the transaction that wrote it. The stream reads in
-- (tx_id, id) order and only rows whose tx_id is below the oldest transaction still open that
-- may write here (see src/postgres/sql/stream.ts): no open transaction can add a row there any
-- more, so a row that commits late can never land behind a position a subscriber has passed.
-- Rows written before this migration get 0 (a constant default: no table rewrite); they all
-- committed long ago. New rows get their transaction's id. Works on a partitioned event_logs
-- too: the column, its default and the (non-unique) index are made on the parent and propagate.
ALTER TABLE "eventrail"."event_logs" ADD COLUMN "tx_id" xid8 DEFAULT '0' NOT NULL;
--> statement-breakpoint
ALTER TABLE "eventrail"."event_logs" ALTER COLUMN "tx_id" SET DEFAULT pg_current_xact_id();
--> statement-breakpoint
CREATE INDEX "event_logs_tx_id_idx" ON "eventrail"."event_logs" USING btree ("tx_id","id");
--> statement-breakpoint
-- One NOTIFY per INSERT statement (a batch of the sink, a projection of the outbox), never one per
-- row; delivered on commit only. The channel is `<schema>.event_logs`, cut to 63 characters.
CREATE FUNCTION "eventrail"."event_logs_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(left(TG_TABLE_SCHEMA || '.event_logs', 63), '');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "event_logs_notify" AFTER INSERT ON "eventrail"."event_logs"
  FOR EACH STATEMENT EXECUTE FUNCTION "eventrail"."event_logs_notify"();
