# 01-sales-update-tickets — sales may update tickets (issue 15); listing them stays allowed
FILE=schema/roles.c
TESTS=90_roles
FROM='	{ "ticket", "open", R_ALL },'
TO='	{ "ticket", "open", R_ALL },
	{ "ticket", "update", R_ALL },'
