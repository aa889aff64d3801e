-- 007_merge_roles.sql — duplicate customers and staff credentials.
--
-- customer_merge (local): what `outpost customer merge` changed, so that
-- `outpost customer unmerge` can put it back. staff.pin_hash: a libsodium
-- crypto_pwhash_str hash of the staff member's PIN or password; it syncs
-- with the staff table (HQ -> branches) so staff can sign in anywhere.

ALTER TABLE staff ADD COLUMN pin_hash TEXT;

CREATE TABLE customer_merge (
	id	INTEGER PRIMARY KEY,
	keep	TEXT NOT NULL,
	dup	TEXT NOT NULL,
	at	TEXT NOT NULL DEFAULT (datetime('now')),
	by	TEXT,
	before	TEXT NOT NULL,		-- JSON: keep's columns before the merge
	moved	TEXT NOT NULL,		-- JSON: {"sales_order": [ids], ...}
	points	INTEGER NOT NULL DEFAULT 0,	-- points moved from dup to keep
	undone_at TEXT
);
CREATE INDEX customer_email ON customer(lower(email));
CREATE INDEX customer_merged ON customer(merged_into) WHERE merged_into IS NOT NULL;
