# 13-history-author-not-staff — history commits name the site, not the staff member, as the author
FILE=daemon/history.c
TESTS=60_history
FROM='if (sqlite3_column_int(st, 2) == 1 && sqlite3_column_type(st, 3) != SQLITE_NULL)'
TO='if (sqlite3_column_int(st, 2) == 2 && sqlite3_column_type(st, 3) != SQLITE_NULL)'
