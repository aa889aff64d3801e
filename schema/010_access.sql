-- 010_access.sql — the access audit (see docs/ROLES.md).
--
-- One row per bulk read of personal data: an export, a --json or --csv
-- listing of OP_ACCESS_BULK rows or more (schema/scope.h), a history
-- restore. Synced branch -> HQ like orders, so HQ sees who read what
-- where; `outpost log --access` lists it.
--   staff, role  who read (signed in; NULL in a store nobody secured)
--   branch       the store the rows were read from (its site code)
--   what         the command, e.g. 'export customer', 'customer list --csv'
--   rows         how many rows it printed
CREATE TABLE access_log (
	id	TEXT PRIMARY KEY NOT NULL DEFAULT (op_uuid7),
	at	TEXT NOT NULL DEFAULT (datetime('now')),
	staff	TEXT,
	role	TEXT,
	branch	TEXT,
	what	TEXT NOT NULL,
	rows	INTEGER NOT NULL
);
CREATE INDEX access_log_at ON access_log(at);
