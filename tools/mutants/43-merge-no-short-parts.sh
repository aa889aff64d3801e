# 43-merge-no-short-parts — after a clerk's write the merge goes back to whole batches: the clerk's next write waits for a part of thousands of changes and its commit (issue 9)
FILE=daemon/merge.c
TESTS=unit:sync/merge_makes_room_for_a_waiting_command
FROM='	if (!waits && (part < PART_BUSY || op_mono_ms() - s->room_at > BUSY_SPELL_MS))'
TO='	if (!waits)'
