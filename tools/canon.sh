#!/bin/sh
# canon.sh STORE.db — the SHA-256 of a canonical dump of the store's
# customers (every column people edit, as SQL literals, in id order): two
# replicas that converged print the same hash, and one changed value
# anywhere changes it (tools/demo.sh, tests/e2e/37_cli_person.sh).
set -eu
sqlite3 -batch "$1" "SELECT quote(id) || ',' || quote(name) || ',' || quote(phone) || ','
	|| quote(email) || ',' || quote(points) || ',' || quote(home_branch) || ','
	|| quote(owner) || ',' || quote(notes) || ',' || quote(merged_into)
	FROM customer ORDER BY id" | sha256sum | cut -d' ' -f1
