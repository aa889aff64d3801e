-- 004_search.sql — full-text search over customers.
--
-- A trigram FTS5 index over name, phone, email and address answers
-- substring queries of 3+ characters from an index. Shorter queries (most
-- Chinese given names are 2 characters, and the trigram tokenizer matches
-- nothing under 3) fall back to instr() over the table: see customer
-- search in client/cmd_customer.c. The index is external-content, kept in
-- step by triggers that use only built-in functions.

CREATE VIRTUAL TABLE customer_fts USING fts5(
	name, phone, email, address,
	content = 'customer', content_rowid = 'rowid', tokenize = 'trigram'
);

CREATE TRIGGER customer_fts_i AFTER INSERT ON customer BEGIN
	INSERT INTO customer_fts(rowid, name, phone, email, address)
	VALUES (new.rowid, new.name, new.phone, new.email, new.address);
END;
CREATE TRIGGER customer_fts_d AFTER DELETE ON customer BEGIN
	INSERT INTO customer_fts(customer_fts, rowid, name, phone, email, address)
	VALUES ('delete', old.rowid, old.name, old.phone, old.email, old.address);
END;
CREATE TRIGGER customer_fts_u AFTER UPDATE OF name, phone, email, address ON customer BEGIN
	INSERT INTO customer_fts(customer_fts, rowid, name, phone, email, address)
	VALUES ('delete', old.rowid, old.name, old.phone, old.email, old.address);
	INSERT INTO customer_fts(rowid, name, phone, email, address)
	VALUES (new.rowid, new.name, new.phone, new.email, new.address);
END;
