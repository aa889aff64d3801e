# 14-sales-delete — sales may delete customers
FILE=schema/roles.c
TESTS=90_roles
FROM='	{ "customer", "delete", R_BOSS },'
TO='	{ "customer", "delete", R_ALL },'
