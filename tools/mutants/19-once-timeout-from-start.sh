# 19-once-timeout-from-start — a --once run that must HELLO again measures --timeout from its start (the bug 50_sync s6c found)
FILE=daemon/net.c
TESTS=50_sync
FROM='				connected_at = hello_at = mono_ms();'
TO='				connected_at = mono_ms();'
