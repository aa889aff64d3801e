# 40_sync_cli.sh — the sync commands of the CLI, without daemons: keys,
# the HQ allow-list (peer), sync status read from the sync tables, and the
# conflict log (list, show, resolve writing back through the journal).
. "$(dirname "$0")/lib.sh"
plan 129

HQ=$T/hq.db
BR=$T/br.db
hq() { "$OUTPOST" --db "$HQ" "$@"; }
br() { "$OUTPOST" --db "$BR" "$@"; }
# json EXPR: evaluate a Python expression over the last run's stdout (d).
json() { printf '%s\n' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" 2>&1; }
now_ms() { python3 -c 'import time; print(int(time.time()*1000))'; }

expect_rc 0 "init hq" hq init --site HQ --hq
expect_rc 0 "init branch" br init --site SH01

echo "-- keys"
expect_rc 66 "keys show before init" hq keys show
expect_err "keys show says how to make keys" "no keys yet; run 'outpost keys init'"
expect_rc 0 "keys init at hq" hq keys init
HQKEY=$OUT
expect_eq "public key is 40 characters" "${#HQKEY}" 40
expect_eq "secret key file is mode 600" "$(stat -c %a "$HQ.key")" 600
expect_eq "public key file is mode 644" "$(stat -c %a "$HQ.pub")" 644
expect_eq "public key file holds the printed key" "$(cat "$HQ.pub")" "$HQKEY"
expect_eq "secret key is 40 characters and a newline" "$(wc -c < "$HQ.key" | tr -d ' ')" 41
expect_eq "key files end with a newline" "$(tail -c 1 "$HQ.pub" | od -An -c | tr -d ' ')" '\n'
SEC=$(cat "$HQ.key")
expect_rc 73 "keys init refuses to overwrite" hq keys init
expect_err "refusal names the file and --force" "already exists.*--force"
expect_eq "secret key unchanged after refusal" "$(cat "$HQ.key")" "$SEC"
expect_rc 0 "keys show" hq keys show
expect_eq "keys show prints the public key" "$OUT" "$HQKEY"
chmod 644 "$HQ.key"
expect_rc 0 "keys init --force" hq keys init --force
expect_eq "--force makes a new key" "$([ "$OUT" != "$HQKEY" ] && echo new)" new
expect_eq "--force leaves the secret at mode 600" "$(stat -c %a "$HQ.key")" 600
HQKEY=$OUT
python3 - "$HQ.key" "$HQ.pub" <<'EOF' >"$T/pair" 2>&1
import sys
import ctypes
z = ctypes.CDLL("libzmq.so.5")
sec = open(sys.argv[1]).read().strip().encode()
pub = open(sys.argv[2]).read().strip()
out = ctypes.create_string_buffer(41)
print("match" if z.zmq_curve_public(out, sec) == 0 and out.value.decode() == pub else "differ")
EOF
expect_eq "the files hold one keypair" "$(cat "$T/pair")" match
expect_rc 0 "keys init at the branch" br keys init
BRKEY=$OUT
BR2KEY=$("$OUTPOST" --db "$T/other.db" keys init 2>/dev/null)

echo "-- peer"
expect_rc 77 "enrol refused at a branch" br peer enrol SH02 "$BR2KEY"
expect_err "refusal says who enrols" "only HQ enrols branches"
expect_rc 0 "enrol a branch (site code uppercased)" hq peer enrol sh01 "$BRKEY"
expect_eq "peer row holds the key" "$(sql "$HQ" "SELECT pubkey FROM peer WHERE site = 'SH01'")" "$BRKEY"
expect_rc 65 "a short key is refused" hq peer enrol SH02 abc
expect_err "short key message" "40 Z85 characters"
expect_rc 65 "a key with non-Z85 characters is refused" hq peer enrol SH02 "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"
expect_rc 65 "a key that does not decode is refused" hq peer enrol SH02 "########################################"
expect_rc 65 "a bad site code is refused" hq peer enrol "SH 02" "$BR2KEY"
expect_rc 65 "one key cannot serve two sites" hq peer enrol SH02 "$BRKEY"
expect_rc 65 "HQ's own key cannot be enrolled" hq peer enrol SH02 "$HQKEY"
expect_eq "refused enrolments wrote nothing" "$(sql "$HQ" "SELECT count(*) FROM peer")" 1
expect_rc 0 "enrol a second branch" hq peer enrol SH02 "$BR2KEY"
expect_rc 0 "peer list" hq peer list
expect_out "list shows the branch with a key prefix" "^SH01 +$(printf '%s' "$BRKEY" | cut -c1-12 | sed 's/[]\\.*^$[+?(){}|/]/\\&/g')…"
expect_out "list has the columns" "site +pubkey +enrolled_at +revoked_at +last_contact"
expect_rc 0 "peer revoke" hq peer revoke sh02
expect_eq "revoked_at is set" "$(sql "$HQ" "SELECT revoked_at IS NOT NULL FROM peer WHERE site = 'SH02'")" 1
expect_rc 0 "peer list --json" hq peer list --json
expect_eq "json list has the whole key" "$(json 'd[0]["pubkey"]')" "$BRKEY"
expect_eq "json list shows the revocation" "$(json 'd[1]["revoked_at"] is not None')" True
expect_rc 66 "revoking an unknown site" hq peer revoke NOPE
expect_rc 77 "revoking is for HQ" br peer revoke HQ
expect_rc 0 "enrolling again lifts a revocation" hq peer enrol SH02 "$BR2KEY"
expect_eq "revoked_at cleared" "$(sql "$HQ" "SELECT revoked_at IS NULL FROM peer WHERE site = 'SH02'")" 1
expect_eq "allow-list" "$(sql "$HQ" "SELECT group_concat(site) FROM peer WHERE revoked_at IS NULL ORDER BY site")" "SH01,SH02"

expect_rc 77 "peer hq refused at HQ" hq peer hq "$HQKEY"
expect_rc 65 "peer hq refuses a bad key" br peer hq "not-a-key"
expect_rc 65 "peer hq refuses the branch's own key" br peer hq "$BRKEY"
expect_rc 0 "peer hq pins HQ's key" br peer hq "$HQKEY"
expect_eq "meta hq_pubkey" "$(sql "$BR" "SELECT value FROM meta WHERE key = 'hq_pubkey'")" "$HQKEY"

echo "-- sync status at a branch"
expect_rc 0 "a customer" br --as li customer add --name 张三 --phone 13800138000
expect_rc 0 "another customer" br --as li customer add --name 李四
CID=$(sql "$BR" "SELECT id FROM customer WHERE name = '张三'")
expect_rc 0 "status before any contact" br sync status
expect_out "status shows the site" "^site +SH01"
expect_out "status counts unsent journal entries" "^unsent +2$"
expect_out "status shows no contact yet" "^last_contact +never"
# What outpostd leaves behind: journal entry 1 stamped into versions 5-6
# (one of them acknowledged by HQ up to version 4), an HQ row.
NOW=$(now_ms)
sqlite3 -batch "$BR" "
UPDATE journal SET ts = $NOW - 3600000 WHERE seq = 1;
INSERT INTO meta(key, value) VALUES ('stamped_seq', 1);
INSERT INTO stamp_mark(seq_upto, ver_upto, at) VALUES (1, 6, $NOW);
INSERT INTO clock(tbl, gid, col, hlc, site, ver) VALUES
 (3, '$CID', -2, 1, 'SH01', 2), (3, '$CID', 4, 2, 'SH01', 5),
 (3, '$CID', 1, 3, 'SH01', 6), (3, '$CID', 5, 4, 'HQ', 7);
INSERT INTO peer(site, acked_ver, recv_ver, last_contact, drift_ms, schema_version, last_error)
 VALUES ('HQ', 4, 9, '2025-01-02 03:04:05', 1500, 5, 'boom');"
expect_rc 0 "status (human)" br sync status
expect_out "unsent = unstamped + unacknowledged own versions" "^unsent +3$"
expect_out "last contact" "^last_contact +2025-01-02 03:04:05"
expect_out "lag in hours" "^lag_seconds +(59m|1h)"
expect_out "drift" "^drift_ms +1500"
expect_out "last error" "^last_error +boom"
expect_rc 0 "status --json" br sync status --json
expect_eq "json: unsent" "$(json 'd["unsent"]')" 3
expect_eq "json: lag about an hour" "$(json '3590 <= d["lag_seconds"] <= 3700')" True
expect_eq "json: drift" "$(json 'd["drift_ms"]')" 1500
expect_eq "json: role" "$(json 'd["role"]')" branch
expect_eq "json: schema version" "$(json 'd["schema_version"]')" "$(sql "$BR" "PRAGMA user_version")"
expect_rc 0 "global --json works too" br --json sync status
expect_eq "global json: open conflicts" "$(json 'd["open_conflicts"]')" 0

echo "-- sync status at HQ"
sqlite3 -batch "$HQ" "
UPDATE peer SET acked_ver = 1, recv_ver = 7, last_contact = '2025-01-02 03:04:05', drift_ms = -20 WHERE site = 'SH01';
INSERT INTO clock(tbl, gid, col, hlc, site, ver) VALUES
 (3, 'c1', -2, 1, 'HQ', 1), (3, 'c2', -2, 1, 'HQ', 2), (3, 'c3', -2, 1, 'SH01', 3),
 (5, 'o1', -2, 1, 'SH02', 4), (3, 'c4', 1, 1, 'SH02', 5);"
expect_rc 0 "hq status (human)" hq sync status
expect_out "hq status has totals" "^active_branches +2"
expect_out "hq status has a branch table" "^site +last_contact +recv_ver +acked_ver +pending"
expect_out "SH01 pending: newer versions from others, routed down" "^SH01 +2025-01-02 03:04:05 +7 +1 +2 +-20"
expect_rc 0 "hq status --json" hq sync status --json
expect_eq "json: branches" "$(json '",".join(b["site"] for b in d["branches"])')" "SH01,SH02"
expect_eq "json: SH01 pending" "$(json 'd["branches"][0]["pending"]')" 2
expect_eq "json: SH02 pending (orders flow up only)" "$(json 'd["branches"][1]["pending"]')" 3
expect_eq "json: role" "$(json 'd["role"]')" hq

echo "-- conflicts"
HLC_K=$(( NOW << 16 )); HLC_L=$(( (NOW - 60000) << 16 ))
sqlite3 -batch "$BR" "
INSERT INTO conflict(tbl, gid, col, kept, kept_site, kept_hlc, lost, lost_site, lost_hlc, reason)
VALUES (3, '$CID', 4, '+8613800138000', 'SH01', $HLC_K, '+8613900139000', 'SH02', $HLC_L, 'concurrent update'),
       (3, '$CID', 14, 150000, 'SH01', $HLC_K, 99900, 'SH02', $HLC_L, 'concurrent update'),
       (3, '01900000-0000-7000-8000-000000000000', 1, 'A', 'SH01', 1, 'B', 'SH02', 1, 'concurrent update'),
       (3, '$CID', -1, NULL, 'SH01', 1, 'x', 'SH02', 1, 'update of a deleted row');"
expect_rc 0 "conflicts list" br conflicts list
expect_out "list shows table, row label and column" "customer +$(printf '%s' "$CID" | tail -c 8) 张三 +phone"
expect_out "list shows kept and lost with their sites" "\\+8613800138000 +SH01 +\\+8613900139000 +SH02"
expect_out "money is shown as money" "1500\\.00 +SH01 +999\\.00"
expect_out "a deleted row is marked" "00000000 \\(gone\\)"
expect_rc 0 "conflicts list --json" br conflicts list --json
expect_eq "json list: 4 open" "$(json 'len(d)')" 4
expect_eq "json list: full row id and label" "$(json 'd[0]["row"] + " " + d[0]["label"]')" "$CID 张三"
expect_eq "json list: raw values" "$(json 'd[1]["kept"]')" 150000
expect_rc 0 "conflicts show" br conflicts show 1
expect_out "show: column" "^column +phone"
expect_out "show: kept" "^kept +\\+8613800138000"
expect_out "show: lost" "^lost +\\+8613900139000"
expect_out "show: current value" "^current +\\+8613800138000"
expect_out "show: lost time from the HLC" "^lost_time +[0-9]{4}-"
expect_rc 0 "conflicts show --json" br conflicts show 2 --json
expect_eq "show json: lost_site" "$(json 'd["lost_site"]')" SH02
expect_rc 66 "show an unknown conflict" br conflicts show 99
expect_rc 64 "show a non-number" br conflicts show abc
expect_rc 0 "sync status counts open conflicts" br --json sync status
expect_eq "status: open conflicts" "$(json 'd["open_conflicts"]')" 4

J0=$(sql "$BR" "SELECT count(*) FROM journal WHERE op = 2")
expect_rc 0 "resolve --keep lost" br --as mgr conflicts resolve 1 --keep lost
expect_out "resolve says what happened" "resolved conflict 1 \\(lost\\)"
expect_eq "the lost value is written" "$(sql "$BR" "SELECT phone FROM customer WHERE id = '$CID'")" "+8613900139000"
expect_eq "the write is journaled" "$(sql "$BR" "SELECT count(*) FROM journal WHERE op = 2")" $((J0 + 1))
expect_eq "journal entry names the column and staff" \
	"$(sql "$BR" "SELECT gid, cols, staff FROM journal WHERE op = 2 ORDER BY seq DESC LIMIT 1")" "$CID|16|mgr"
expect_eq "conflict marked resolved" \
	"$(sql "$BR" "SELECT resolved_at IS NOT NULL, resolved_by, resolution FROM conflict WHERE id = 1")" "1|mgr|lost"
expect_rc 65 "resolving twice is refused" br conflicts resolve 1 --keep kept
expect_err "says who resolved it" "resolved at .* by mgr \\(lost\\)"
expect_rc 64 "resolve needs --keep or --value" br conflicts resolve 2
expect_rc 64 "--keep takes kept or lost" br conflicts resolve 2 --keep both
expect_rc 64 "not both --keep and --value" br conflicts resolve 2 --keep kept --value 1
expect_rc 65 "--value is validated like an edit" br conflicts resolve 2 --value lots
expect_rc 0 "resolve --value" br --as mgr conflicts resolve 2 --value 1234.50
expect_eq "the value is written (money in cents)" "$(sql "$BR" "SELECT budget FROM customer WHERE id = '$CID'")" 123450
expect_eq "resolution 'value'" "$(sql "$BR" "SELECT resolution FROM conflict WHERE id = 2")" value
expect_rc 66 "--keep lost on a deleted row" br conflicts resolve 3 --keep lost
expect_err "deleted row message" "no longer exists"
expect_eq "the conflict stays open" "$(sql "$BR" "SELECT resolved_at IS NULL FROM conflict WHERE id = 3")" 1
J1=$(sql "$BR" "SELECT count(*) FROM journal")
expect_rc 0 "--keep kept" br conflicts resolve 3 --keep kept
expect_eq "--keep kept writes no data" "$(sql "$BR" "SELECT count(*) FROM journal")" "$J1"
expect_eq "resolution 'kept'" "$(sql "$BR" "SELECT resolution FROM conflict WHERE id = 3")" kept
expect_rc 65 "a whole-row conflict cannot be written back" br conflicts resolve 4 --keep lost
expect_rc 66 "resolving an unknown conflict" br conflicts resolve 99 --keep kept
expect_rc 0 "list shows only open conflicts" br conflicts list --json
expect_eq "one open left" "$(json '[c["id"] for c in d]')" "[4]"
expect_rc 0 "list --all" br conflicts list --all --json
expect_eq "all four with resolutions" "$(json '[c["resolution"] for c in d]')" "['lost', 'value', 'kept', None]"
done_testing
