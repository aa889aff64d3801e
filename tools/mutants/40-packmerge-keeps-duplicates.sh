# 40-packmerge-keeps-duplicates — a pack merge copies an object that is in two packs twice: git refuses the merged pack ("the same object appears twice"), and every later fsck or gc of the history fails (issue 9)
FILE=daemon/packmerge.c
TESTS=unit:packmerge/an_object_in_two_packs_stays_readable
FROM='			if (keep >= 0 && memcmp(kept, c->cur, 20) == 0) {'
TO='			if (0) {'
