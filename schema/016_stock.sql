-- 016_stock.sql — stock per product and branch (docs/SCHEMA.md).
--
-- stock: one row per product and branch, its id the product's id, '@',
-- and the branch code, so HQ and the branch hold the same row. on_hand
-- (steps of the product's unit, like order_item.qty) is a counter: a
-- receipt booked at HQ and a sale at the branch while both are offline
-- add up, as loyalty points do. safe_level is the level under which
-- `remind` shows a low-stock line. stock_move: every movement (receipt,
-- sale on shipment, return, adjustment) as a row, for the record.

CREATE TABLE stock (
	id	TEXT PRIMARY KEY NOT NULL,	-- product_id || '@' || branch
	product_id TEXT NOT NULL REFERENCES product(id),
	branch	TEXT NOT NULL,
	on_hand	INTEGER NOT NULL DEFAULT 0,	-- counter: merges by summing deltas
	safe_level INTEGER,			-- steps of the unit; NULL: no alert
	CHECK (id = product_id || '@' || branch)
);
CREATE INDEX stock_branch ON stock(branch);

CREATE TABLE stock_move (
	id	TEXT PRIMARY KEY NOT NULL DEFAULT (op_uuid7),
	product_id TEXT NOT NULL,
	branch	TEXT NOT NULL,
	kind	TEXT NOT NULL CHECK (kind IN ('receipt','sale','return','adjust')),
	qty	INTEGER NOT NULL,		-- signed steps of the unit: a sale is negative
	order_id TEXT,
	at	TEXT NOT NULL DEFAULT (datetime('now')),
	staff	TEXT,
	notes	TEXT
);
CREATE INDEX stock_move_product ON stock_move(product_id, branch);
