# 04-branch-no-conflict-log — branches keep no log of concurrent-edit conflicts (issue 15)
FILE=daemon/sync.c
TESTS=55_refunds_conflicts
FROM='	sqlite3_stmt *st = op_db_stmt(s->db, SQL_CONFLICT);
	if (!st)
		return -1;'
TO='	sqlite3_stmt *st = op_db_stmt(s->db, SQL_CONFLICT);
	if (!s->hq)
		return 0;
	if (!st)
		return -1;'
