# 46-gc-drops-unacknowledged-journal — the clean-up drops every journal entry older than the retention, whether HQ has it or not: an edit made offline for 90 days is lost before it is sent
FILE=daemon/sync.c
TESTS=unit:sync/gc_reads_what_it_drops_not_the_store
FROM='	"  WHERE seq > :upto OR ts >= :cutoff ORDER BY seq LIMIT 1), :upto + 1)";'
TO='	"  WHERE ts >= :cutoff ORDER BY seq LIMIT 1), :upto + 1)";'
