# 42-packmerge-no-checksum — a damaged pack is merged as it is and then removed: its damage goes into the merged pack unnoticed (issue 9)
FILE=daemon/packmerge.c
TESTS=unit:packmerge/a_damaged_pack_stops_the_merge_and_loses_nothing
FROM='	if (memcmp(got, s->sum, 20) != 0)'
TO='	if (0)'
