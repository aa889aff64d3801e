# 09-varint-not-minimal — the wire codec accepts padded (non-minimal) varints
FILE=daemon/wire.c
TESTS='unit:wire_varint/*'
FROM='if (c == 0 && i > 0)'
TO='if (c == 0 && i > 1)'
