-- 026_gc_index.sql — the tombstones' own index. outpostd --hq drops
-- tombstones every peer has and that are older than the retention, every
-- minute (daemon/sync.c, op_sync_gc); without this index it read every
-- clock row the peers had acknowledged — the whole store once caught up,
-- 0.1 s a minute at 200,000 customers — to find none. Oldest first, it
-- reads only the tombstones past the cutoff.

CREATE INDEX IF NOT EXISTS clock_tomb ON clock(hlc) WHERE col = -1;
