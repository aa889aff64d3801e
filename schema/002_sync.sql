-- 002_sync.sql — the sync layer: site identity, the change journal, version
-- clocks, counters, peers and the conflict log (see docs/SYNC.md).
--
-- The journal triggers themselves are not here: they are generated from the
-- table description in schema/tables.c each time the schema is migrated.

CREATE TABLE meta (
	key	TEXT PRIMARY KEY NOT NULL,
	value
) WITHOUT ROWID;

-- Per-connection context that main-schema triggers can see (TEMP tables are
-- invisible to them). Written inside a transaction by outpost/outpostd and
-- reset before commit; a crash rolls it back with everything else.
--   staff     the acting staff member, copied into journal entries
--   applying  1 while the daemon applies remote changes: not journaled
CREATE TABLE op_ctx (
	id	INTEGER PRIMARY KEY CHECK (id = 1),
	staff	TEXT,
	applying INTEGER NOT NULL DEFAULT 0
);
INSERT INTO op_ctx(id, staff, applying) VALUES (1, NULL, 0);

-- One row per local write, appended by triggers (kept small: the values are
-- read from the base table when a batch is built, so later edits coalesce).
--   op     1 insert, 2 update, 3 delete
--   cols   update: bit n set when column n changed
--   delta  the change of the table's counter column (customer.points)
--   ts     wall clock, ms since 1970 (the daemon turns it into an HLC)
CREATE TABLE journal (
	seq	INTEGER PRIMARY KEY,
	tbl	INTEGER NOT NULL,
	gid	TEXT NOT NULL,
	op	INTEGER NOT NULL,
	cols	INTEGER NOT NULL DEFAULT 0,
	delta	INTEGER,
	ts	INTEGER NOT NULL,
	staff	TEXT
);

-- Which journal entries were stamped into which local versions, a row per
-- stamping pass; journal entries are dropped once the versions are acked.
CREATE TABLE stamp_mark (
	seq_upto INTEGER PRIMARY KEY,
	ver_upto INTEGER NOT NULL,
	at	INTEGER NOT NULL
);

-- The version of every value: per row (col -2, written when the row was
-- created), per column once a column has its own later write, and -1 for a
-- tombstone. hlc is the hybrid logical clock, site the writer, ver the local
-- version number (monotonic per store) used as the sync cursor; prev is the
-- hlc the writer had seen before (a change whose prev is not what we hold
-- was concurrent with ours: see the conflict log).
CREATE TABLE clock (
	tbl	INTEGER NOT NULL,
	gid	TEXT NOT NULL,
	col	INTEGER NOT NULL,
	hlc	INTEGER NOT NULL,
	site	TEXT NOT NULL,
	ver	INTEGER NOT NULL,
	prev	INTEGER NOT NULL DEFAULT 0,
	staff	TEXT,
	PRIMARY KEY (tbl, gid, col)
) WITHOUT ROWID;
CREATE INDEX clock_ver ON clock(ver);

-- Counter columns: each site's total contribution, itself a last-writer-wins
-- register; the column's value is the sum over sites.
CREATE TABLE counter (
	tbl	INTEGER NOT NULL,
	gid	TEXT NOT NULL,
	col	INTEGER NOT NULL,
	site	TEXT NOT NULL,
	val	INTEGER NOT NULL DEFAULT 0,
	hlc	INTEGER NOT NULL DEFAULT 0,
	ver	INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (tbl, gid, col, site)
) WITHOUT ROWID;
CREATE INDEX counter_ver ON counter(ver);

-- The other end(s) of sync. On a branch: one row, HQ. On HQ: a row per
-- enrolled branch, with its CURVE public key (the ZAP allow-list).
--   recv_ver   their highest version we have applied (resume point)
--   acked_ver  our highest version they have acknowledged
CREATE TABLE peer (
	site	TEXT PRIMARY KEY NOT NULL,
	pubkey	TEXT UNIQUE,
	enrolled_at TEXT NOT NULL DEFAULT (datetime('now')),
	revoked_at TEXT,
	recv_ver INTEGER NOT NULL DEFAULT 0,
	acked_ver INTEGER NOT NULL DEFAULT 0,
	last_contact TEXT,
	schema_version INTEGER,
	drift_ms INTEGER,
	last_error TEXT
);

-- Concurrent edits where one value overwrote a different one. Nothing is
-- discarded silently: a manager reviews and resolves (outpost conflicts).
CREATE TABLE conflict (
	id	INTEGER PRIMARY KEY,
	tbl	INTEGER NOT NULL,
	gid	TEXT NOT NULL,
	col	INTEGER NOT NULL,
	kept,
	kept_site TEXT,
	kept_hlc INTEGER,
	lost,
	lost_site TEXT,
	lost_hlc INTEGER,
	reason	TEXT NOT NULL,
	at	TEXT NOT NULL DEFAULT (datetime('now')),
	resolved_at TEXT,
	resolved_by TEXT,
	resolution TEXT
);
CREATE INDEX conflict_open ON conflict(resolved_at, id);
