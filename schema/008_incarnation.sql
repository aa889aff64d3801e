-- 008_incarnation.sql — store identity for restores and replacements
-- (docs/SYNC.md, section 10).
--
-- Every store has an incarnation: a random id made when the store is
-- created, renewed when HQ finds the store went back in time (restored from
-- a backup, or a new PC with the same site code) and re-baselines it.

INSERT OR IGNORE INTO meta(key, value)
	VALUES ('incarnation', lower(hex(randomblob(16))));

-- HQ's view of each branch store:
--   incarnation       the one it speaks as now
--   next_incarnation  given in a re-baselining WELCOME, not yet taken
--   retired           incarnations replaced by a re-baseline (space separated):
--                     a copy that still speaks as one of them is refused
--   rebase_upto       HQ sends the branch its own versions up to here
--   refused           how many times this peer's identity was refused
ALTER TABLE peer ADD COLUMN incarnation TEXT;
ALTER TABLE peer ADD COLUMN next_incarnation TEXT;
ALTER TABLE peer ADD COLUMN retired TEXT;
ALTER TABLE peer ADD COLUMN rebase_upto INTEGER NOT NULL DEFAULT 0;
ALTER TABLE peer ADD COLUMN refused INTEGER NOT NULL DEFAULT 0;
