-- 024: search as you type by any part of a name, by pinyin and by initials
-- ("张伟" is found by 伟, zhang, zhangwei, wei, zw, 张w), read from an index
-- instead of every name, and in name order without calling ICU per row.
--
-- customer_key holds the keys a customer is found by (a search matches
-- the beginning of a key): the name and the email from each character
-- on, the name's pinyin from each syllable on, in full and as initials, a
-- polyphonic surname in its surname reading (schema/surname.c). customer_sortkey
-- holds a BLOB whose byte order is the name collation's. Both are derived
-- data, local to each store: no journal triggers, nothing syncs.
--
-- The keys need ICU (op_name_keys, op_name_sortkey in db.c), and triggers
-- must run in a plain sqlite3 shell, so the triggers only note which
-- customer changed (name_stale), whoever wrote it — outpost, the shell, a
-- sync apply; outpost makes the keys of the noted rows in one statement
-- before it searches (op_db_name_keys). While outpostd merges a batch
-- (applying 2) the triggers stay quiet: the customers the batch touched
-- are in search_pending (009), and op_db_search_flush notes them all in
-- one statement before the batch commits. This migration makes every
-- existing customer's keys.

CREATE TABLE customer_key (
	key	TEXT NOT NULL,
	rid	INTEGER NOT NULL,	-- customer.rowid
	PRIMARY KEY (key, rid)
) WITHOUT ROWID;
CREATE INDEX customer_key_rid ON customer_key(rid, key);

CREATE TABLE customer_sortkey (
	rid	INTEGER PRIMARY KEY,	-- customer.rowid
	sk	BLOB NOT NULL
);
CREATE INDEX customer_sortkey_sk ON customer_sortkey(sk);

CREATE TABLE name_stale (rid INTEGER PRIMARY KEY);	-- customer.rowid

CREATE TRIGGER customer_key_i AFTER INSERT ON customer
WHEN (SELECT applying FROM op_ctx WHERE id = 1) IS NOT 2 BEGIN
	INSERT OR IGNORE INTO name_stale(rid) VALUES (new.rowid);
END;
CREATE TRIGGER customer_key_u AFTER UPDATE OF name, email ON customer
WHEN (SELECT applying FROM op_ctx WHERE id = 1) IS NOT 2 BEGIN
	INSERT OR IGNORE INTO name_stale(rid) VALUES (new.rowid);
END;
CREATE TRIGGER customer_key_d AFTER DELETE ON customer
WHEN (SELECT applying FROM op_ctx WHERE id = 1) IS NOT 2 BEGIN
	INSERT OR IGNORE INTO name_stale(rid) VALUES (old.rowid);
END;

INSERT OR IGNORE INTO customer_key(key, rid)
SELECT j.value, c.rowid FROM customer c, json_each(op_name_keys(c.name, c.email)) j
 ORDER BY 1;	-- in index order: far fewer pages touched than in random order
INSERT INTO customer_sortkey(rid, sk) SELECT rowid, op_name_sortkey(name) FROM customer;

-- 今日 (remind) reads the birthdays of the next days from this index, not
-- every customer's: substr() is built in, so the stock shell can write.
CREATE INDEX customer_bday ON customer(substr(birthday, 6));
