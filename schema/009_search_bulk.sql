-- 009_search_bulk.sql — the search index kept in bulk while a batch merges.
--
-- FTS5 flushes its pending index data at the end of every statement that
-- touches the index: a merge that writes row by row paid that flush for
-- every change. While the daemon merges a batch, op_ctx.applying is 2 and
-- the search triggers only note each touched customer in search_pending,
-- with the values the index holds for it (the first time it is touched;
-- indexed = 0 for a row new in this batch). Before the batch commits,
-- op_db_commit brings the index up to date with one statement for the
-- stale entries and one for the current rows (db.c, search_flush). Every
-- other writer (applying 0 or 1, the stock sqlite3 shell) keeps the index
-- in step row by row, exactly as before.

CREATE TABLE search_pending (
	rid	INTEGER PRIMARY KEY,	-- customer.rowid
	indexed	INTEGER NOT NULL,	-- 1: the index holds the values below
	name, phone, email, address
);

DROP TRIGGER customer_fts_i;
DROP TRIGGER customer_fts_d;
DROP TRIGGER customer_fts_u;

CREATE TRIGGER customer_fts_i AFTER INSERT ON customer
WHEN (SELECT applying FROM op_ctx WHERE id = 1) IS NOT 2 BEGIN
	INSERT INTO customer_fts(rowid, name, phone, email, address)
	VALUES (new.rowid, new.name, new.phone, new.email, new.address);
END;
CREATE TRIGGER customer_fts_d AFTER DELETE ON customer
WHEN (SELECT applying FROM op_ctx WHERE id = 1) IS NOT 2 BEGIN
	INSERT INTO customer_fts(customer_fts, rowid, name, phone, email, address)
	VALUES ('delete', old.rowid, old.name, old.phone, old.email, old.address);
END;
CREATE TRIGGER customer_fts_u AFTER UPDATE OF name, phone, email, address ON customer
WHEN (SELECT applying FROM op_ctx WHERE id = 1) IS NOT 2 BEGIN
	INSERT INTO customer_fts(customer_fts, rowid, name, phone, email, address)
	VALUES ('delete', old.rowid, old.name, old.phone, old.email, old.address);
	INSERT INTO customer_fts(rowid, name, phone, email, address)
	VALUES (new.rowid, new.name, new.phone, new.email, new.address);
END;

CREATE TRIGGER customer_fts_bulk_i AFTER INSERT ON customer
WHEN (SELECT applying FROM op_ctx WHERE id = 1) IS 2 BEGIN
	INSERT OR IGNORE INTO search_pending(rid, indexed) VALUES (new.rowid, 0);
END;
CREATE TRIGGER customer_fts_bulk_d AFTER DELETE ON customer
WHEN (SELECT applying FROM op_ctx WHERE id = 1) IS 2 BEGIN
	INSERT OR IGNORE INTO search_pending(rid, indexed, name, phone, email, address)
	VALUES (old.rowid, 1, old.name, old.phone, old.email, old.address);
END;
CREATE TRIGGER customer_fts_bulk_u AFTER UPDATE OF name, phone, email, address ON customer
WHEN (SELECT applying FROM op_ctx WHERE id = 1) IS 2 BEGIN
	INSERT OR IGNORE INTO search_pending(rid, indexed, name, phone, email, address)
	VALUES (old.rowid, 1, old.name, old.phone, old.email, old.address);
END;
