# 38-wal-trim-ignores-limit — the write-ahead log is checkpointed on every look, however small (issue 9)
FILE=schema/dbwait.c
TESTS=unit:db/wal_trimmed_past_its_limit
FROM='	if (stat(p, &st) < 0 || st.st_size <= max || !sqlite3_get_autocommit(h))'
TO='	if (stat(p, &st) < 0 || !sqlite3_get_autocommit(h))'
