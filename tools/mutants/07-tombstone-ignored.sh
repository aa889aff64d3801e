# 07-tombstone-ignored — an edit arriving for a deleted row is applied (the tombstone is not consulted)
FILE=daemon/sync.c
TESTS='unit:sync/*'
FROM='	if (tomb.found || del) {'
TO='	if (del) {'
