# 20-sales-sees-colleagues — a salesperson's scope view shows colleagues' customers
FILE=schema/scope.c
TESTS=90_roles
FROM='	{ "customer", "owner = " ME,'
TO='	{ "customer", "1 OR owner = " ME,'
