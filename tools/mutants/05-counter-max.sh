# 05-counter-max — counter rows merged with max() instead of the site's total (issue 15)
FILE=daemon/sync.c
TESTS=55_refunds_conflicts
FROM='" ON CONFLICT(tbl, gid, col, site) DO UPDATE SET val = excluded.val,"'
TO='" ON CONFLICT(tbl, gid, col, site) DO UPDATE SET val = max(val, excluded.val),"'
