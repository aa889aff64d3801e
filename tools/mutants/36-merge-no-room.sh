# 36-merge-no-room — the merge never lets a waiting clerk in: the command waits for the whole batch (issue 9)
FILE=daemon/merge.c
TESTS=unit:sync/merge_makes_room_for_a_waiting_command
FROM='	int waits = op_db_writer_waiting(s->db, &s->room_seen);'
TO='	int waits = 0;'
