-- 023_counter_jts.sql — which journal entry a site's counter total last took in
--
--   jts   the journal time (the writer's own clock, as journaled) of the newest
--         delta this total holds. It travels with the total (the change's
--         prev, unused for counters before) and comes back to a branch that is
--         re-baselined: a delta its restored journal still holds unstamped is
--         in the total HQ gave back when it is no newer than jts (docs/SYNC.md,
--         "Re-baselining"). 0: not known (written before this migration).
ALTER TABLE counter ADD COLUMN jts INTEGER NOT NULL DEFAULT 0;
