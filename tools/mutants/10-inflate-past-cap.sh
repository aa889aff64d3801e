# 10-inflate-past-cap — inflate() runs past the cap (the probe byte is ignored)
FILE=daemon/wire.c
TESTS='unit:wire_zlib/*'
FROM='		if (probing) {
			if (z.avail_out == 0) {'
TO='		if (probing) {
			if (z.avail_out == 0 && 0) {'
