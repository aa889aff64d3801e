-- 005_conflict_once.sql — a conflict is logged once however often the batch
-- that revealed it is delivered (delivery is at least once).
CREATE UNIQUE INDEX conflict_once ON conflict(tbl, gid, col, lost_site, lost_hlc);
