-- Room on each heap page for the publisher's claim (it sets locked_until and locked_by, no
-- indexed column) to be a HOT update: no new index entries, half the write work per claim.
ALTER TABLE "eventrail"."event_outbox" SET (fillfactor = 50);
