ALTER TABLE "eventrail"."event_outbox" RESET (fillfactor);
