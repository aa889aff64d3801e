# 02-sales-short-search-empty — a salesperson's (any scoped role's) short search returns nothing (issue 15)
FILE=client/cmd_customer.c
TESTS=90_roles
FROM='	" WHERE merged_into IS NULL"
	"   AND (instr(name, :q) > 0"'
TO='	" WHERE merged_into IS NULL"
	"   AND NOT EXISTS (SELECT 1 FROM sqlite_temp_master WHERE name = '"'op_scope'"')"
	"   AND (instr(name, :q) > 0"'
