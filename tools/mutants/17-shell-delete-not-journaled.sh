# 17-shell-delete-not-journaled — a DELETE from the sqlite3 shell is not journaled (every write is captured)
FILE=schema/journal.c
TESTS=10_customer_store
FROM='"  SELECT %d, old.id, 3, 0, " TS ", staff\n"
		"  FROM op_ctx WHERE id = 1 AND applying = 0;\nEND;\n",'
TO='"  SELECT %d, old.id, 3, 0, " TS ", staff\n"
		"  FROM op_ctx WHERE id = 1 AND applying = 0 AND 0;\nEND;\n",'
