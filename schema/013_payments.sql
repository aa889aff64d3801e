-- 013_payments.sql — payments against an order (docs/SCHEMA.md): the
-- deposit (定金) when the order is placed, the balance (尾款) on delivery
-- or installation, refunds. One row per payment, branch -> HQ: two
-- payments recorded offline at two sites are two rows, and both count.
-- An order's paid amount is the sum of its payments less its refunds.

CREATE TABLE payment (
	id	TEXT PRIMARY KEY NOT NULL DEFAULT (op_uuid7),
	order_id TEXT NOT NULL REFERENCES sales_order(id),
	kind	TEXT NOT NULL DEFAULT 'payment'
		CHECK (kind IN ('deposit','balance','payment','refund')),
	amount	INTEGER NOT NULL CHECK (amount > 0),	-- cents; a refund is positive too
	method	TEXT NOT NULL,			-- cash card wechat alipay transfer credit other
	paid_at	TEXT NOT NULL DEFAULT (datetime('now')),
	staff	TEXT,
	branch	TEXT,
	notes	TEXT
);
CREATE INDEX payment_order ON payment(order_id);
CREATE INDEX payment_paid_at ON payment(paid_at);
