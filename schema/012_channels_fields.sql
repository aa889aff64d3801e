-- 012_channels_fields.sql — the source-channel list as data HQ edits, the
-- WeChat id on customers, and free custom fields (docs/SCHEMA.md).
--
-- channel (HQ -> branches): customer.channel and sales_order.channel hold
-- a channel's code; staff type its code, Chinese or English name, or any
-- alias. The seeded rows have fixed ids, the same in every store, so the
-- list every store starts with is one list: HQ's later edits of a seeded
-- channel reach the same row at each branch. The six codes of earlier
-- versions keep their meaning (抖音 and 小红书, once 'social', are their
-- own channels now).

CREATE TABLE channel (
	id	TEXT PRIMARY KEY NOT NULL DEFAULT (op_uuid7),
	code	TEXT NOT NULL UNIQUE,		-- stored in customer.channel
	name_zh	TEXT NOT NULL,
	name_en	TEXT,
	aliases	TEXT,				-- '|'-separated other spellings
	active	INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL DEFAULT (datetime('now'))
);

INSERT INTO channel(id, code, name_zh, name_en, aliases, created_at) VALUES
 ('00000000-0000-7000-8000-000000000001', 'walk-in', '门店', 'Walk-in', 'walkin|store|shop|到店|进店|自然到店', '2026-01-01 00:00:00'),
 ('00000000-0000-7000-8000-000000000002', 'website', '官网', 'Website', 'web|online|网站|网络', '2026-01-01 00:00:00'),
 ('00000000-0000-7000-8000-000000000003', 'social', '社交媒体', 'Social media', 'social-media|moments|weibo|社交|朋友圈|微博', '2026-01-01 00:00:00'),
 ('00000000-0000-7000-8000-000000000004', 'phone', '电话', 'Phone', 'telephone|tel|call|来电|电话咨询', '2026-01-01 00:00:00'),
 ('00000000-0000-7000-8000-000000000005', 'referral', '合作伙伴推荐', 'Partner referral', 'partner|referred|推荐|合作伙伴|介绍|转介绍', '2026-01-01 00:00:00'),
 ('00000000-0000-7000-8000-000000000006', 'other', '其他', 'Other', '其它', '2026-01-01 00:00:00'),
 ('00000000-0000-7000-8000-000000000007', 'customer-referral', '老客户介绍', 'Customer referral', '老客户|老客户推荐|老带新', '2026-01-01 00:00:00'),
 ('00000000-0000-7000-8000-000000000008', 'designer', '设计师推荐', 'Designer referral', '设计师', '2026-01-01 00:00:00'),
 ('00000000-0000-7000-8000-000000000009', 'decorator', '装修公司', 'Decoration company', '装修|装饰公司|家装公司', '2026-01-01 00:00:00'),
 ('00000000-0000-7000-8000-00000000000a', 'dianping', '大众点评', 'Dianping', '点评|dzdp', '2026-01-01 00:00:00'),
 ('00000000-0000-7000-8000-00000000000b', 'meituan', '美团', 'Meituan', '', '2026-01-01 00:00:00'),
 ('00000000-0000-7000-8000-00000000000c', 'douyin', '抖音', 'Douyin', 'tiktok', '2026-01-01 00:00:00'),
 ('00000000-0000-7000-8000-00000000000d', 'xiaohongshu', '小红书', 'Xiaohongshu', 'xhs|red|rednote', '2026-01-01 00:00:00'),
 ('00000000-0000-7000-8000-00000000000e', 'wechat', '微信', 'WeChat', 'weixin|wx|企业微信|wecom|微信群|公众号', '2026-01-01 00:00:00');

-- The customer's WeChat id (微信号): staff reach customers there more than
-- by phone.
ALTER TABLE customer ADD COLUMN wechat TEXT;
CREATE INDEX customer_wechat ON customer(wechat) WHERE wechat IS NOT NULL;

-- Free custom fields: KEY -> value per customer, travelling with the
-- customer (branch -> HQ -> every branch). The id is the customer's id,
-- '/', and the key, so the same field set at two sites offline is one row
-- merged by last writer, never two rows. A field is cleared by setting
-- value NULL, not by deleting the row (a deleted id stays deleted).
CREATE TABLE customer_attr (
	id	TEXT PRIMARY KEY NOT NULL,	-- customer_id || '/' || key
	customer_id TEXT NOT NULL REFERENCES customer(id),
	key	TEXT NOT NULL,
	value	TEXT,
	CHECK (id = customer_id || '/' || key)
);
CREATE INDEX customer_attr_customer ON customer_attr(customer_id);
