# 02-sales-short-search-empty — a salesperson's short search returns nothing (issue 15)
FILE=client/cmd_customer.c
TESTS=90_roles
FROM='	"   AND (:mine IS NULL OR owner = :mine) AND (:mybranch IS NULL OR home_branch = :mybranch)"
	"   AND (instr(name, :q) > 0"'
TO='	"   AND (:mine IS NULL OR owner <> owner) AND (:mybranch IS NULL OR home_branch = :mybranch)"
	"   AND (instr(name, :q) > 0"'
