-- 021: search finds a WeChat id in any case (lower(wechat)) by an index
-- (012's customer_wechat is of the exact value), instead of reading every customer: with search as
-- you type (outpost serve) it runs at every keystroke. Local to each
-- store: an index changes no row and nothing syncs.
CREATE INDEX customer_wechat_lower ON customer(lower(wechat));
