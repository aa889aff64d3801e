# 37-merge-checks-as-it-goes — the changes of a batch are not checked before they land: one in another site's name is merged (issue 9)
FILE=daemon/merge.c
TESTS=unit:sync/merge_makes_room_for_a_waiting_command
FROM='	if (check_batch(s, peer, raw, n, count, &hmax, perr) < 0)'
TO='	if (check_batch(s, peer, raw, 0, 0, &hmax, perr) < 0)'
