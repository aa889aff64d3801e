# 32-slip-unescaped — the sales slip pastes store text into the page unescaped
FILE=client/slip.c
TESTS=32_slip
FROM='	op_html_esc(fp, (const char *)sqlite3_column_text(st, col));'
TO='	fputs(sqlite3_column_text(st, col) ? (const char *)sqlite3_column_text(st, col) : "", fp);'
