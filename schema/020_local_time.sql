-- 020_local_time.sql — the local business day (schema/tz.h).
--
-- A store keeps its time zone in meta 'tz' (set by `outpost init --tz`,
-- never synced) and the zone's current offset as an SQLite modifier in
-- meta 'utc_offset' ("+480 minutes"), rewritten by outpost and outpostd
-- when they open the store. Stores made before this migration are Chinese
-- branch stores: their zone is Asia/Shanghai. Timestamps stay UTC; dates
-- (order_date, quote_date, next_due) were already business dates.
--
-- Ticket numbers carry the local day the ticket was received: a complaint
-- logged at 07:30 Beijing time on 2 December is <SITE>-T-20261202-NNNN,
-- not ...-20261201-... as the UTC day made it. Any SQLite client that
-- inserts a ticket gets the same number (no application function needed).

INSERT OR IGNORE INTO meta(key, value)
	SELECT 'tz', 'Asia/Shanghai' WHERE EXISTS (SELECT 1 FROM meta WHERE key = 'site');

DROP TRIGGER IF EXISTS op_number_ticket;
CREATE TRIGGER op_number_ticket AFTER INSERT ON ticket
WHEN new.ticket_no IS NULL BEGIN
	UPDATE ticket SET ticket_no = (
		SELECT p || printf('%04d', 1 + coalesce(
			(SELECT max(CAST(substr(ticket_no, length(p) + 1) AS INTEGER))
			 FROM ticket
			 WHERE ticket_no >= p || '0000' AND ticket_no <= p || '9999'), 0))
		FROM (SELECT coalesce((SELECT value FROM meta WHERE key = 'site'), 'LOCAL')
			|| '-T-' || strftime('%Y%m%d', coalesce(new.received_at, 'now'),
				coalesce((SELECT value FROM meta WHERE key = 'utc_offset'), '+0 minutes'))
			|| '-' AS p))
	WHERE rowid = new.rowid;
END;
