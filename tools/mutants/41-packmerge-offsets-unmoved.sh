# 41-packmerge-offsets-unmoved — the merged index keeps each object's offset in its old pack: every pack but the first points into the wrong bytes (issue 9)
FILE=daemon/packmerge.c
TESTS=unit:packmerge/merges_packs_by_copying_them_deltas_and_all
FROM='	return s->base + at - s->below[holes_before(s, at)];'
TO='	return at;'
