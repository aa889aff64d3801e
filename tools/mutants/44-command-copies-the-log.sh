# 44-command-copies-the-log — a command's commit copies the daemon's write-ahead log into the store (SQLite's automatic checkpoint), a clerk's write during a catch-up then waits for thousands of pages and a sync of the store (issue 9)
FILE=schema/db.c
TESTS=unit:db/a_command_does_not_copy_the_daemons_log
FROM='			sqlite3_wal_autocheckpoint(db->db, (int)(OP_DB_WAL_MAX / 4096));'
TO='			sqlite3_wal_autocheckpoint(db->db, 1000);'
