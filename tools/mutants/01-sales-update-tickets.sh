# 01-sales-update-tickets — sales may update tickets (issue 15)
FILE=client/roles.c
TESTS=90_roles
FROM='	{ "ticket", NULL, R_SERVICE | R_BOSS },'
TO='	{ "ticket", NULL, R_ALL },'
