-- 025_appointment_utc.sql — appointment times are stored in UTC like every
-- other time (docs/LOCALE.md); until now starts_at/ends_at held the
-- wall-clock time as typed at the branch. Rows this store made (its
-- branch, or none) are converted with op_utc(), the store's zone in
-- meta 'tz' (db.c loads it for this migration); the UPDATE is journaled,
-- so HQ receives the UTC values from the branch that made them. HQ leaves
-- the branches' rows alone: it does not know their zone, and their own
-- migration sends the converted rows. A value that is not a time stays.

UPDATE appointment SET
	starts_at = coalesce(op_utc(starts_at), starts_at),
	ends_at = CASE WHEN ends_at IS NULL THEN NULL ELSE coalesce(op_utc(ends_at), ends_at) END
WHERE branch IS NULL OR branch = (SELECT value FROM meta WHERE key = 'site');
