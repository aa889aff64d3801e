-- 003_numbers.sql — human-facing numbers that carry the branch code.
--
-- An order or ticket inserted without a number (by outpost or by any SQLite
-- client) gets '<SITE>-<YYYYMMDD>-<NNNN>' (tickets '<SITE>-T-...'), counted
-- per site and day. Numbers made at different branches never collide
-- because the site code is part of them.

CREATE TRIGGER op_number_order AFTER INSERT ON sales_order
WHEN new.order_no IS NULL BEGIN
	UPDATE sales_order SET order_no = (
		SELECT p || printf('%04d', 1 + coalesce(
			(SELECT max(CAST(substr(order_no, length(p) + 1) AS INTEGER))
			 FROM sales_order
			 WHERE order_no >= p || '0000' AND order_no <= p || '9999'), 0))
		FROM (SELECT coalesce((SELECT value FROM meta WHERE key = 'site'), 'LOCAL')
			|| '-' || strftime('%Y%m%d', coalesce(new.order_date, 'now')) || '-' AS p))
	WHERE rowid = new.rowid;
END;

CREATE TRIGGER op_number_ticket AFTER INSERT ON ticket
WHEN new.ticket_no IS NULL BEGIN
	UPDATE ticket SET ticket_no = (
		SELECT p || printf('%04d', 1 + coalesce(
			(SELECT max(CAST(substr(ticket_no, length(p) + 1) AS INTEGER))
			 FROM ticket
			 WHERE ticket_no >= p || '0000' AND ticket_no <= p || '9999'), 0))
		FROM (SELECT coalesce((SELECT value FROM meta WHERE key = 'site'), 'LOCAL')
			|| '-T-' || strftime('%Y%m%d', coalesce(new.received_at, 'now')) || '-' AS p))
	WHERE rowid = new.rowid;
END;
