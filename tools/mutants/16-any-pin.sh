# 16-any-pin — any PIN signs in
FILE=schema/roles.c
TESTS=90_roles
FROM='crypto_pwhash_str_verify(w.hash, pin, strlen(pin)) != 0)'
TO='crypto_pwhash_str_verify(w.hash, pin, strlen(pin)) != 0 && 0)'
