# 02-sales-short-search-empty — a salesperson's (any scoped role's) short search returns nothing (issue 15)
FILE=schema/customer.c
TESTS=90_roles
FROM='	"SELECT rowid FROM main.customer WHERE instr(name, :q) > 0" \'
TO='	"SELECT rowid FROM main.customer WHERE instr(name, :q) > 0" \
	"  AND NOT EXISTS (SELECT 1 FROM sqlite_temp_master WHERE name = '"'op_scope'"')" \'
