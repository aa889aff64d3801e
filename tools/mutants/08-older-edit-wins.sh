# 08-older-edit-wins — the merge keeps the older of two versions
FILE=daemon/sync.c
TESTS='unit:sync/* 55_refunds_conflicts'
FROM='		return h1 < h2 ? -1 : 1;'
TO='		return h1 < h2 ? 1 : -1;'
