-- A notification POSTed (or PUT) to the REST resource is stored by the
-- store's engine, and its journal entries and deliveries are written by the
-- plugin's written hook in a transaction of their own: a crash or a failed
-- transaction between the two left it stored and never delivered. New rows
-- are now "pending" by default; the fan-out's transaction clears the mark
-- (or, from the bus, stores the row without it), and a sweep fans out rows
-- still pending a while later (notif_sweep.c). Rows from before this
-- migration were fanned out when they came: they get 0, then the default
-- becomes 1.
ALTER TABLE notification ADD COLUMN fanout_pending TINYINT(1) NOT NULL DEFAULT 0;
ALTER TABLE notification ALTER COLUMN fanout_pending SET DEFAULT 1;
CREATE INDEX notification_fanout_pending ON notification (fanout_pending, created_at);
