-- 017_health.sql — what HQ needs to tell which branch is behind or broken
-- (outpost sync status, docs/OPERATIONS.md "What to watch").
--
--   head_ver       the branch's newest version, as its last HELLO said: with
--                  recv_ver, how far HQ is behind the branch
--   last_error_at  when last_error was last set
--   refused_ok     refused as it was at the last good contact: a branch
--                  refused since then has refused > refused_ok
ALTER TABLE peer ADD COLUMN head_ver INTEGER;
ALTER TABLE peer ADD COLUMN last_error_at TEXT;
ALTER TABLE peer ADD COLUMN refused_ok INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER peer_error_at AFTER UPDATE OF last_error ON peer
	WHEN new.last_error IS NOT NULL
BEGIN
	UPDATE peer SET last_error_at = datetime('now') WHERE site = new.site;
END;
CREATE TRIGGER peer_error_at_new AFTER INSERT ON peer
	WHEN new.last_error IS NOT NULL
BEGIN
	UPDATE peer SET last_error_at = datetime('now') WHERE site = new.site;
END;
CREATE TRIGGER peer_good_contact AFTER UPDATE OF last_contact ON peer
	WHEN new.last_error IS NULL
BEGIN
	UPDATE peer SET refused_ok = new.refused WHERE site = new.site;
END;
-- A branch that never reached HQ keeps its last failure in meta; the
-- first contact (a peer row) makes it moot.
CREATE TRIGGER peer_first_contact AFTER INSERT ON peer
BEGIN
	DELETE FROM meta WHERE key IN ('sync_error', 'sync_error_at');
END;
