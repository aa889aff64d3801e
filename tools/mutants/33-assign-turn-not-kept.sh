# 33-assign-turn-not-kept — the round-robin turn is not stored, so every add goes to the first member
FILE=schema/assign.c
TESTS=31_assign
FROM='	if (!take || !out->staff[0])'
TO='	if (1 || !take || !out->staff[0])'
