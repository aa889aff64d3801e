# 06-counter-delta-overwrites — a local points delta replaces the site's total instead of adding to it
FILE=daemon/sync.c
TESTS=55_refunds_conflicts
FROM='DO UPDATE SET val = val + excluded.val,'
TO='DO UPDATE SET val = excluded.val,'
