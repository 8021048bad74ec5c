DROP TABLE IF EXISTS "eventrail"."event_inbox";
