# 31-assign-takes-inactive — round-robin deals to staff who are inactive or removed
FILE=schema/assign.c
TESTS=31_assign
FROM='		if (rc == 1) {'
TO='		if (rc != -2) {'
