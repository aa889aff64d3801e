# 45-gc-reads-every-tombstone-row — HQ's minute clean-up finds old tombstones through the clock's version index, reading every row the peers acknowledged (the whole store once caught up) to drop none (issue 9: idle HQ CPU)
FILE=daemon/sync.c
TESTS=unit:sync/gc_reads_what_it_drops_not_the_store
FROM='	"DELETE FROM clock INDEXED BY clock_tomb WHERE col = -1 AND hlc < :cutoff"'
TO='	"DELETE FROM clock INDEXED BY clock_ver WHERE col = -1 AND hlc < :cutoff"'
