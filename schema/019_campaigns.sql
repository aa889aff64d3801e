-- 019_campaigns.sql — campaigns and care (docs/SCHEMA.md, docs/REPORTS.md):
-- saved segments of customers, campaigns that render one message per
-- customer into an outbox, coupons and their redemptions, responses, and
-- the do-not-contact flag on customers.
--
-- Every table here travels both ways (branch -> HQ -> every branch):
-- a segment or campaign with branch NULL is chain-wide (defined at HQ),
-- one with a branch code is that branch's own; outbox rows, responses,
-- coupons and redemptions go up to HQ for the report and down to every
-- branch, so a coupon used at one branch is refused at the next after
-- sync, and the minimum gap between messages holds across the chain.

-- 免打扰: 1 = never put this customer into a campaign's outbox; NULL or 0
-- = may be contacted (NULL by default, so existing rows — and their files
-- in HQ's history — do not change).
ALTER TABLE customer ADD COLUMN no_contact INTEGER CHECK (no_contact IN (0, 1));

CREATE TABLE segment (
	id	TEXT PRIMARY KEY NOT NULL DEFAULT (op_uuid7),
	name	TEXT NOT NULL UNIQUE,
	filter	TEXT NOT NULL,			-- canonical 'key=value; key=value' (schema/segment.c)
	notes	TEXT,
	branch	TEXT,				-- NULL: chain-wide; else the branch's own
	created_by TEXT,
	created_at TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE campaign (
	id	TEXT PRIMARY KEY NOT NULL DEFAULT (op_uuid7),
	name	TEXT NOT NULL UNIQUE,
	kind	TEXT NOT NULL CHECK (kind IN ('greeting','promotion','new-product',
			'member-day','win-back')),
	segment_id TEXT NOT NULL REFERENCES segment(id),
	channel	TEXT NOT NULL CHECK (channel IN ('sms','wechat','call','print')),
	template TEXT NOT NULL,			-- placeholders {姓名} {称呼} {积分} {券码} {门店}
	starts	TEXT NOT NULL,			-- the window: first and last day (dates)
	ends	TEXT NOT NULL,
	cost	INTEGER NOT NULL DEFAULT 0 CHECK (cost >= 0),		-- cents, fixed
	cost_per INTEGER NOT NULL DEFAULT 0 CHECK (cost_per >= 0),	-- cents per message sent
	holdout	INTEGER NOT NULL DEFAULT 0 CHECK (holdout BETWEEN 0 AND 90),	-- percent
	seed	INTEGER NOT NULL,		-- of the hold-out draw (replays)
	min_gap	INTEGER NOT NULL DEFAULT 7 CHECK (min_gap >= 0),	-- days between messages
	coupon_kind TEXT CHECK (coupon_kind IN ('amount','percent')),	-- per-customer coupons
	coupon_value INTEGER,			-- cents, or percent off
	coupon_min INTEGER NOT NULL DEFAULT 0,	-- minimum spend, cents
	coupon_until TEXT,			-- last valid day
	coupon_id TEXT,				-- a shared coupon instead
	auto	INTEGER NOT NULL DEFAULT 0,	-- 1: prepared daily by `outpost remind`
	branch	TEXT,				-- NULL: chain-wide; else the branch's own
	created_by TEXT,
	created_at TEXT NOT NULL DEFAULT (datetime('now')),
	CHECK (ends >= starts)
);

-- One row per customer a campaign chose: status 'queued' until exported,
-- then 'sent'; 'holdout' for the control group, never contacted.
CREATE TABLE campaign_outbox (
	id	TEXT PRIMARY KEY NOT NULL DEFAULT (op_uuid7),
	campaign_id TEXT NOT NULL REFERENCES campaign(id),
	customer_id TEXT NOT NULL REFERENCES customer(id),
	status	TEXT NOT NULL CHECK (status IN ('queued','sent','holdout')),
	address	TEXT,				-- the phone / WeChat id / postal address used
	message	TEXT,				-- rendered; NULL for the hold-out
	coupon_id TEXT,				-- the customer's own coupon, if any
	prepared_at TEXT NOT NULL DEFAULT (datetime('now')),
	sent_at	TEXT,
	branch	TEXT				-- the site that prepared it
);
CREATE UNIQUE INDEX campaign_outbox_once ON campaign_outbox(campaign_id, customer_id);
CREATE INDEX campaign_outbox_customer ON campaign_outbox(customer_id, sent_at);

CREATE TABLE campaign_response (
	id	TEXT PRIMARY KEY NOT NULL DEFAULT (op_uuid7),
	campaign_id TEXT NOT NULL REFERENCES campaign(id),
	customer_id TEXT NOT NULL REFERENCES customer(id),
	kind	TEXT NOT NULL CHECK (kind IN ('replied','visited','declined','opt-out')),
	at	TEXT NOT NULL DEFAULT (datetime('now')),
	staff	TEXT,
	branch	TEXT,
	notes	TEXT
);
CREATE INDEX campaign_response_campaign ON campaign_response(campaign_id, customer_id);

CREATE TABLE coupon (
	id	TEXT PRIMARY KEY NOT NULL DEFAULT (op_uuid7),
	code	TEXT NOT NULL UNIQUE,
	campaign_id TEXT,
	customer_id TEXT,			-- NULL: shared, once per customer
	kind	TEXT NOT NULL CHECK (kind IN ('amount','percent')),
	value	INTEGER NOT NULL CHECK (value > 0),	-- cents, or percent (1-100)
	min_spend INTEGER NOT NULL DEFAULT 0 CHECK (min_spend >= 0),
	valid_from TEXT NOT NULL,
	valid_until TEXT NOT NULL,
	branch	TEXT,
	created_at TEXT NOT NULL DEFAULT (datetime('now')),
	CHECK (kind = 'amount' OR value <= 100),
	CHECK (valid_until >= valid_from)
);
CREATE INDEX coupon_campaign ON coupon(campaign_id);

CREATE TABLE coupon_redemption (
	id	TEXT PRIMARY KEY NOT NULL DEFAULT (op_uuid7),
	coupon_id TEXT NOT NULL REFERENCES coupon(id),
	customer_id TEXT NOT NULL,
	order_id TEXT NOT NULL,
	discount INTEGER NOT NULL CHECK (discount >= 0),	-- cents taken off the order
	at	TEXT NOT NULL DEFAULT (datetime('now')),
	staff	TEXT,
	branch	TEXT,
	order_no TEXT				-- the order's number, for messages where the order is not synced
);
CREATE INDEX coupon_redemption_use ON coupon_redemption(coupon_id, customer_id);

-- A coupon is used once per customer. Locally that is a refusal, whatever
-- program writes the row; a second use arriving by sync (two branches
-- redeemed it while apart) is kept — both orders happened — and logged in
-- the conflict log for a manager, never silently accepted twice. Column 3
-- is order_id in schema/tables.c (table 45).
CREATE TRIGGER coupon_redemption_once BEFORE INSERT ON coupon_redemption
WHEN (SELECT applying FROM op_ctx WHERE id = 1) = 0
 AND EXISTS (SELECT 1 FROM coupon_redemption r WHERE r.coupon_id = NEW.coupon_id
             AND r.customer_id = NEW.customer_id)
BEGIN
	SELECT RAISE(ABORT, 'coupon already redeemed by this customer');
END;
CREATE TRIGGER coupon_redemption_twice AFTER INSERT ON coupon_redemption
WHEN (SELECT applying FROM op_ctx WHERE id = 1) <> 0
BEGIN
	INSERT OR IGNORE INTO conflict(tbl, gid, col, kept, kept_site, kept_hlc,
		lost, lost_site, lost_hlc, reason)
	SELECT 45, NEW.id, 3, r.order_id, coalesce(r.branch, ''), 0, NEW.order_id,
		coalesce(NEW.branch, ''), 0,
		'coupon ' || coalesce((SELECT code FROM coupon WHERE id = NEW.coupon_id), NEW.coupon_id)
		|| ' redeemed twice: at ' || coalesce(r.branch, '?') || ' on ' || r.at
		|| ' and at ' || coalesce(NEW.branch, '?') || ' on ' || NEW.at
	FROM coupon_redemption r
	WHERE r.coupon_id = NEW.coupon_id AND r.customer_id = NEW.customer_id AND r.id <> NEW.id
	ORDER BY r.at, r.id LIMIT 1;
END;
