-- 014_quotes.sql — quotations (报价单) and discounts (docs/SCHEMA.md).
--
-- A quote has items like an order's and discounts per line and per
-- quote; `outpost quote convert` turns it into an order in one step,
-- copying its items and prices as quoted. Orders and their items carry the
-- same discounts: a line's line_total is its quantity times its price
-- (rounded half up to the cent) less its discount, and the total is the
-- sum of the lines less the order's discount. Quotes travel like orders,
-- branch -> HQ.

ALTER TABLE order_item ADD COLUMN discount INTEGER NOT NULL DEFAULT 0 CHECK (discount >= 0);
ALTER TABLE sales_order ADD COLUMN discount INTEGER NOT NULL DEFAULT 0 CHECK (discount >= 0);
ALTER TABLE sales_order ADD COLUMN quote_id TEXT;	-- the quote it came from

CREATE TABLE quote (
	id	TEXT PRIMARY KEY NOT NULL DEFAULT (op_uuid7),
	quote_no TEXT UNIQUE,			-- 'SH01-Q-20261201-0001', set by trigger
	quote_date TEXT NOT NULL DEFAULT (date('now')),
	valid_until TEXT,			-- date
	customer_id TEXT NOT NULL REFERENCES customer(id),
	discount INTEGER NOT NULL DEFAULT 0 CHECK (discount >= 0),	-- cents, on the whole quote
	total	INTEGER NOT NULL DEFAULT 0 CHECK (total >= 0),		-- cents, after every discount
	status	TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','converted','cancelled')),
	order_id TEXT,				-- the order it became
	notes	TEXT,
	staff	TEXT,
	branch	TEXT,
	created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX quote_customer ON quote(customer_id);
CREATE INDEX quote_date ON quote(quote_date);

CREATE TABLE quote_item (
	id	TEXT PRIMARY KEY NOT NULL DEFAULT (op_uuid7),
	quote_id TEXT NOT NULL REFERENCES quote(id) ON DELETE CASCADE,
	product_id TEXT,
	sku	TEXT,
	name	TEXT NOT NULL,
	spec	TEXT,
	qty	INTEGER NOT NULL CHECK (qty > 0),	-- steps of 10^-qty_scale units
	unit_price INTEGER NOT NULL CHECK (unit_price >= 0),
	line_total INTEGER NOT NULL CHECK (line_total >= 0),
	unit	TEXT,
	qty_scale INTEGER NOT NULL DEFAULT 0 CHECK (qty_scale BETWEEN 0 AND 3),
	discount INTEGER NOT NULL DEFAULT 0 CHECK (discount >= 0)
);
CREATE INDEX quote_item_quote ON quote_item(quote_id);

CREATE TRIGGER op_number_quote AFTER INSERT ON quote
WHEN new.quote_no IS NULL BEGIN
	UPDATE quote SET quote_no = (
		SELECT p || printf('%04d', 1 + coalesce(
			(SELECT max(CAST(substr(quote_no, length(p) + 1) AS INTEGER))
			 FROM quote
			 WHERE quote_no >= p || '0000' AND quote_no <= p || '9999'), 0))
		FROM (SELECT coalesce((SELECT value FROM meta WHERE key = 'site'), 'LOCAL')
			|| '-Q-' || strftime('%Y%m%d', coalesce(new.quote_date, 'now')) || '-' AS p))
	WHERE rowid = new.rowid;
END;
