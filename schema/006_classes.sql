-- 006_classes.sql — customer classes and the indexes reports run on
-- (see docs/REPORTS.md).
--
-- customer_class is LOCAL: it is not in the sync description
-- (schema/tables.c), has no journal triggers and never leaves the store.
-- Every store computes its own from the orders it holds (`outpost
-- classify` replaces all rows in one transaction), so a branch ranks its
-- own customers and HQ the whole chain's.
--   spend, orders  non-cancelled, non-returned orders in the 12 months
--                  ending at the as-of date (cents, count)
--   last_order     the newest such order on or before the as-of date, ever
--   class          by rank of spend: important 20%, major 30%, regular 30%,
--                  small 20% (and every customer without spend)
--   freq           high >= 6 orders, medium 2-5, low <= 1
--   r, f, m        RFM quintile scores 1-5 (1 for customers without spend)
CREATE TABLE customer_class (
	customer_id TEXT PRIMARY KEY NOT NULL,
	spend	INTEGER NOT NULL DEFAULT 0,
	orders	INTEGER NOT NULL DEFAULT 0,
	last_order TEXT,
	class	TEXT NOT NULL CHECK (class IN ('important','major','regular','small')),
	freq	TEXT NOT NULL CHECK (freq IN ('high','medium','low')),
	r	INTEGER CHECK (r BETWEEN 1 AND 5),
	f	INTEGER CHECK (f BETWEEN 1 AND 5),
	m	INTEGER CHECK (m BETWEEN 1 AND 5),
	computed_at TEXT NOT NULL DEFAULT (datetime('now'))
) WITHOUT ROWID;
-- No secondary index: classify rewrites every row, and an index on class
-- costs it more than `classify list --class` saves.

-- Reports read a period of orders. This index covers every column they
-- aggregate, in an order that lets GROUP BY order_date[, branch[, staff]]
-- stream without a sort: the period is one range scan that never touches
-- the table.
CREATE INDEX sales_order_report ON sales_order(order_date, branch, staff,
	status, total, channel, customer_id);
-- Per-customer questions (first order, bought before the period, the
-- 12-month spend of classify, sales by channel with the customer's as the
-- fallback) answered from the index alone, one customer after another.
CREATE INDEX sales_order_cust ON sales_order(customer_id, channel,
	order_date, status, total, branch);
-- Overdue deliveries: open orders by expected date.
CREATE INDEX sales_order_open ON sales_order(status, expected_date, branch);
-- Order items find their order's date and status without the order row.
CREATE INDEX sales_order_item ON sales_order(id, order_date, status, branch);
-- An order without a channel takes its customer's.
CREATE INDEX customer_channel ON customer(id, channel);
CREATE INDEX order_item_product ON order_item(product_id);
CREATE INDEX ticket_received ON ticket(received_at);
CREATE INDEX ticket_status ON ticket(status);
CREATE INDEX followup_at ON followup(at);
CREATE INDEX followup_cust_at ON followup(customer_id, at);
-- Enquiries of a period by owner and branch (report staff).
CREATE INDEX customer_created ON customer(created_at, owner, home_branch,
	merged_into);
