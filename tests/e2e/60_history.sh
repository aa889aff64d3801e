#!/bin/sh
# 60_history.sh — the history repository (docs/HISTORY.md) written by real
# outpostd processes: a customer edited at two branches and merged at HQ
# has both edits in its timeline with the right authors; restore at a time
# between the edits gives the earlier value; a deleted customer is found
# in the history, restored and added back; push is encrypted (restore
# needs the admin's key) and incremental; the stock git client reads the
# repositories and `git fsck --strict` is clean.
. "$(dirname "$0")/lib.sh"
plan 131

cd "$T" || exit 1
HQ=$T/hq.db
hq() { "$OUTPOST" --db "$HQ" "$@"; }
sh1() { "$OUTPOST" --db "$T/sh01.db" "$@"; }
bj1() { "$OUTPOST" --db "$T/bj01.db" "$@"; }
sql() { sqlite3 -batch -cmd '.timeout 5000' "$1" "$2"; }
json() { printf '%s\n' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" 2>&1; }
now() { date -u '+%Y-%m-%d %H:%M:%S'; }

# sync_branch NAME: one outpostd --branch --once round, then wait until HQ
# has written its history for what it applied (it commits after the ACK).
sync_branch() {
	timeout 60 "$OUTPOSTD" --branch --db "$T/$1.db" --connect "tcp://127.0.0.1:$PORT" \
		--once --timeout 15 --log-level warning 2>>"$T/$1.log"
	rc=$?
	wait_for 5 "HQ's history to catch up with its store" \
		'[ "$(sql "$HQ" "SELECT coalesce((SELECT value FROM meta WHERE key = '"'ver'"'), 0)
		    = coalesce((SELECT value FROM meta WHERE key = '"'history_ver'"'), 0)")" = 1 ]'
	return $rc
}

echo "-- set up: HQ, SH01 and BJ01 with keys, HQ's outpostd running"
expect_rc 0 "init hq" hq init --site HQ --hq
expect_rc 0 "init sh01" sh1 init --site SH01
expect_rc 0 "init bj01" bj1 init --site BJ01
for s in hq sh01 bj01; do "$OUTPOST" --db "$T/$s.db" keys init >/dev/null 2>&1; done
expect_rc 0 "enrol SH01" hq peer enrol SH01 "$(cat "$T/sh01.db.pub")"
expect_rc 0 "enrol BJ01" hq peer enrol BJ01 "$(cat "$T/bj01.db.pub")"
sh1 peer hq "$(cat "$HQ.pub")" >/dev/null
bj1 peer hq "$(cat "$HQ.pub")" >/dev/null
PORT=$(free_port)
"$OUTPOSTD" --hq --db "$HQ" --listen "tcp://127.0.0.1:$PORT" --log-level warning 2>"$T/hq.log" &
track $!
wait_listening "$PORT" $!

echo "-- a customer edited at two branches"
expect_rc 0 "alice registers 张伟 at SH01" sh1 --as alice customer add --name 张伟 --phone 13800138000
CID=$(sql "$T/sh01.db" "SELECT id FROM customer WHERE name = '张伟'")
expect_rc 0 "SH01 syncs" sync_branch sh01
expect_rc 0 "BJ01 syncs (gets 张伟)" sync_branch bj01
expect_eq "HQ's history repository exists beside hq.db" "$(test -f "$HQ.git/HEAD" && echo yes)" yes
expect_rc 0 "alice edits the email at SH01" sh1 --as alice customer edit "$CID" --email zw@shanghai.example.cn
expect_rc 0 "SH01 syncs the edit" sync_branch sh01
clock_passes "$(now)"
MID=$(now)
clock_passes "$MID"
expect_rc 0 "bob edits the notes at BJ01" bj1 --as bob customer edit "$CID" --notes "VIP, prefers linen"
expect_rc 0 "BJ01 syncs the edit" sync_branch bj01
expect_eq "HQ merged both edits" \
	"$(sql "$HQ" "SELECT email || ' | ' || notes FROM customer WHERE id = '$CID'")" \
	"zw@shanghai.example.cn | VIP, prefers linen"

expect_rc 0 "history customer --json at HQ" hq history customer 13800138000 --json
expect_eq "three events, newest first" "$(json '[e["change"] for e in d]')" "['changed', 'changed', 'new']"
expect_eq "bob at BJ01 changed the notes" \
	"$(json '(d[0]["staff"], d[0]["site"], [f["field"] for f in d[0]["fields"]], d[0]["fields"][0]["new"])')" \
	"('bob', 'BJ01', ['notes'], 'VIP, prefers linen')"
expect_eq "alice at SH01 changed the email, from nothing" \
	"$(json '(d[1]["staff"], d[1]["site"], [(f["field"], f["old"], f["new"]) for f in d[1]["fields"]])')" \
	"('alice', 'SH01', [('email', None, 'zw@shanghai.example.cn')])"
expect_eq "alice at SH01 created it" "$(json '(d[2]["author"], d[2]["site"])')" "('alice', 'SH01')"
expect_eq "commit messages name the branch" "$(json 'd[0]["message"]')" "BJ01: 1 customer changed"
expect_rc 0 "history customer (people's view)" hq history customer 13800138000
expect_out "shows who and where" "bob \\(BJ01\\) +changed"
expect_out "shows the field from what to what" "email +\\(none\\) → zw@shanghai\\.example\\.cn"
expect_rc 0 "--reverse is oldest first" hq history customer "$CID" --reverse --json
expect_eq "reverse order" "$(json '[e["change"] for e in d]')" "['new', 'changed', 'changed']"
expect_rc 0 "history show customer with a 6-character suffix" hq history show customer "$(printf '%s' "$CID" | tail -c 6)" --json
expect_eq "same timeline" "$(json 'len(d)')" 3
expect_rc 0 "the stock git client reads HQ's log" git -C "$HQ.git" log --format='%an <%ae>|%s' main
expect_out "author bob@BJ01.outpost" "^bob <bob@BJ01\\.outpost>\\|BJ01: 1 customer changed$"
expect_out "author alice@SH01.outpost" "^alice <alice@SH01\\.outpost>\\|SH01: 1 customer changed"
expect_rc 0 "git show reads a record file" git -C "$HQ.git" show "main:customer/$(printf '%s' "$CID" | tail -c 4 | cut -c1-2)/$(printf '%s' "$CID" | tail -c 2)/$CID"
expect_out "one field per line" "^notes: VIP, prefers linen$"
expect_out "phone in E.164" "^phone: \\+8613800138000$"

echo "-- branch stores keep their own history too"
# (A round that mixes HQ's changes with the branch's own is authored by
# HQ, the peer: here bob's edit went up with alice's email coming down.)
expect_rc 0 "BJ01's history log" git -C "$T/bj01.db.git" log --format='%an <%ae>' main
expect_out "BJ01 history: alice's record, from HQ" "^alice <alice@SH01\\.outpost>$"
expect_rc 0 "BJ01's history holds bob's edit" "$OUTPOST" --db "$T/bj01.db" --json history customer "$CID"
expect_eq "BJ01's timeline: the record as both branches left it" \
	"$(json '[(f["field"], f["new"]) for e in d for f in e["fields"] if f["field"] in ("email", "notes")]')" \
	"[('email', 'zw@shanghai.example.cn'), ('notes', 'VIP, prefers linen')]"

echo "-- restore at a time between the two edits"
expect_rc 0 "restore --at MID" hq history restore --at "$MID" --to "$T/mid.db"
expect_out "restore says what it did" "^restored [0-9]+ records of HQ \\(HQ\\) as of commit"
expect_rc 0 "the restored store works with outpost" "$OUTPOST" --db "$T/mid.db" --json customer show "$CID"
expect_eq "it has SH01's email but not yet BJ01's notes" "$(json '(d["email"], d["notes"])')" \
	"('zw@shanghai.example.cn', None)"
expect_eq "restored store is HQ's site and role" \
	"$(sql "$T/mid.db" "SELECT group_concat(value, ',') FROM (SELECT value FROM meta WHERE key IN ('site', 'role') ORDER BY key)")" "hq,HQ"
expect_eq "restored rows were not journaled" "$(sql "$T/mid.db" "SELECT count(*) FROM journal")" 0
expect_rc 73 "restore refuses an existing file" hq history restore --at "$MID" --to "$T/mid.db"
expect_rc 66 "restore before the first commit" hq history restore --at 2001-01-01 --to "$T/old.db"
expect_eq "nothing left behind" "$(test -e "$T/old.db" && echo left || echo none)" none
expect_rc 65 "a bad date" hq history restore --at "yesterday" --to "$T/x.db"

echo "-- delete, find in the history, restore, add back"
expect_rc 0 "a second customer at SH01" sh1 --as alice customer add --name 李娜 --phone 13912345678 --email lina@example.cn --budget 2000
DID=$(sql "$T/sh01.db" "SELECT id FROM customer WHERE name = '李娜'")
expect_rc 0 "sync" sync_branch sh01
clock_passes "$(now)"
BEFORE=$(now)
clock_passes "$BEFORE"
expect_rc 0 "carol deletes 李娜 at SH01" sh1 --as carol customer delete "$DID"
expect_rc 0 "sync the delete" sync_branch sh01
expect_eq "gone at HQ" "$(sql "$HQ" "SELECT count(*) FROM customer WHERE id = '$DID'")" 0
SUFFIX=$(printf '%s' "$DID" | tail -c 8)
expect_rc 0 "history customer SUFFIX of a deleted customer" hq history customer "$SUFFIX" --json
expect_eq "deleted by carol at SH01, newest first" "$(json '(d[0]["change"], d[0]["staff"], d[0]["site"])')" \
	"('deleted', 'carol', 'SH01')"
expect_rc 0 "the deletion is listed in the commit message" git -C "$HQ.git" log -1 --format=%B main
expect_out "message names the record and its label" "^deleted +customer $DID +李娜$"
expect_rc 0 "restore from before the delete" hq history restore --at "$BEFORE" --to "$T/before.db"
expect_rc 0 "the deleted customer is in the restored store" "$OUTPOST" --db "$T/before.db" --json customer show "$SUFFIX"
expect_eq "with her fields (money a JSON number)" "$(json '(d["name"], d["phone"], d["email"], d["budget"])')" \
	"('李娜', '+8613912345678', 'lina@example.cn', 2000.0)"
NAME=$(json 'd["name"]'); PHONE=$(json 'd["phone"]'); EMAIL=$(json 'd["email"]'); BUDGET=$(json 'd["budget"]')
expect_rc 0 "add her back to the live store" sh1 --as carol customer add --name "$NAME" --phone "$PHONE" --email "$EMAIL" --budget "$BUDGET"
expect_rc 0 "sync" sync_branch sh01
expect_eq "she is back at HQ (a new record)" \
	"$(sql "$HQ" "SELECT count(*) FROM customer WHERE phone = '+8613912345678' AND id <> '$DID'")" 1
expect_rc 0 "restore at today's date (its end)" hq history restore --at "$(date -u +%Y-%m-%d)" --to "$T/today.db"
expect_eq "today's store has the re-added, not the deleted one" \
	"$(sql "$T/today.db" "SELECT count(*) FROM customer WHERE phone = '+8613912345678' AND id <> '$DID'")|$(sql "$T/today.db" "SELECT count(*) FROM customer WHERE id = '$DID'")" "1|0"

echo "-- history commit and log by hand"
# The restores above are in the access audit (a synced table): commit them.
expect_rc 0 "history commit of the restores' access records" hq history commit
expect_rc 0 "history commit with nothing new" hq history commit
expect_out "nothing to commit" "^nothing to commit"
expect_rc 0 "a change made at HQ" hq --as mgr customer edit "$CID" --title buyer
# HQ's outpostd commits a write made there as soon as it has stamped it:
# no batch needs to come for it to be in the history.
wait_for 20 "HQ's outpostd to commit mgr's edit" \
	'[ "$(git -C "$HQ.git" log -1 --format=%an main 2>/dev/null)" = mgr ]'
expect_rc 0 "history log --limit 2 --json" hq history log --limit 2 --json
expect_eq "two commits, the newest by mgr at HQ" "$(json '(len(d), d[0]["author"], d[0]["site"])')" "(2, 'mgr', 'HQ')"
expect_eq "HQ's outpostd committed it by itself" "$(json 'd[0]["summary"]')" "HQ: 1 customer changed"
expect_rc 0 "history commit: the daemon was first" hq history commit
expect_out "nothing left to commit" "^nothing to commit"
# By hand on a store no daemon runs on (SH01 syncs with --once).
expect_rc 0 "a change made at SH01" sh1 --as alice customer edit "$CID" --employer "Lin Textiles"
expect_rc 0 "history commit" sh1 history commit
expect_out "committed with a summary" "^committed [0-9a-f]{10}: SH01: 1 customer changed$"

echo "-- push: an off-site copy, encrypted, incremental"
B=$T/usb/outpost-backup
expect_rc 78 "push without a backup key refused" hq history push "$B"
expect_err "says how to make one" "history keygen --secret FILE"
expect_rc 0 "the admin makes the backup key" hq history keygen --secret "$T/admin.key"
expect_eq "the secret key file is private" "$(stat -c %a "$T/admin.key")" 600
expect_rc 0 "push to a new place" hq history push "$B"
expect_out "it is created" "^created "
NC=$(git -C "$HQ.git" rev-list --count main)
expect_out "every commit is pushed" "^pushed $NC commits \\([0-9]+ objects\\)"
FIRST=$(printf '%s\n' "$OUT" | sed -n 's/.*(\([0-9]*\) objects).*/\1/p')
pushed() { ls "$B" | sed -n 's/^[0-9]*-\([0-9a-f]*\)\.sealed$/\1/p'; }
expect_eq "the copy holds our head" "$(pushed | tail -1)" "$(git -C "$HQ.git" rev-parse main)"
expect_eq "no phone number, name or email in it in clear" \
	"$(grep -rlE '13800138000|张伟|example\.cn' "$B" | wc -l)" 0
expect_rc 0 "push again: nothing to send" hq history push "$B"
expect_out "up to date" "is up to date$"
expect_rc 0 "one more change" bj1 --as bob customer edit "$CID" --add-points 30
expect_rc 0 "sync" sync_branch bj01
expect_rc 0 "second push" hq history push "$B"
expect_out "only the new commit" "^pushed 1 commit \\([0-9]+ objects\\)"
SECOND=$(printf '%s\n' "$OUT" | sed -n 's/.*(\([0-9]*\) objects).*/\1/p')
expect_eq "one more sealed file" "$(pushed | wc -l)" 2
expect_eq "a handful of objects, not the whole history (first push: $FIRST)" \
	"$([ "$SECOND" -le 6 ] && [ "$SECOND" -lt "$FIRST" ] && echo yes)" yes
expect_rc 77 "the backup without the key" hq history customer "$CID" --repo "$B" --json
expect_err "says the key is needed" "is an encrypted backup: give the administrator's backup key with --key FILE"
expect_rc 0 "the backup answers history questions with the key" \
	hq history customer "$CID" --repo "$B" --key "$T/admin.key" --json
# A points top-up travels as a counter, which carries no staff: the
# branch is the author.
expect_eq "BJ01's points top-up is in the backup" "$(json '(d[0]["author"], [(f["field"], f["new"]) for f in d[0]["fields"]])')" \
	"('BJ01', [('points', '30')])"
expect_rc 77 "restore without the key refused" \
	"$OUTPOST" --db "$T/lost.db" history restore --repo "$B" --at "$(date -u +%Y-%m-%d)" --to "$T/rebuilt.db"
expect_eq "and makes no store" "$(test -e "$T/rebuilt.db" && echo made)" ""
"$OUTPOST" --db "$T/other.db" init --site XX >/dev/null
"$OUTPOST" --db "$T/other.db" history keygen --secret "$T/other.key" >/dev/null
expect_rc 77 "restore with another key refused" \
	"$OUTPOST" --db "$T/lost.db" history restore --repo "$B" --key "$T/other.key" --at "$(date -u +%Y-%m-%d)" --to "$T/rebuilt.db"
expect_err "says it is the wrong key" "is not the key .* was sealed to"
expect_rc 0 "restore straight from the backup with the key, no store needed" \
	"$OUTPOST" --db "$T/lost.db" history restore --repo "$B" --key "$T/admin.key" --at "$(date -u +%Y-%m-%d)" --to "$T/rebuilt.db"
expect_eq "rebuilt store has the customers" "$(sql "$T/rebuilt.db" "SELECT count(*) FROM customer")" "$(sql "$HQ" "SELECT count(*) FROM customer")"
expect_eq "with the phone back" "$(sql "$T/rebuilt.db" "SELECT count(*) FROM customer WHERE phone = '+8613800138000'")" 1
expect_eq "no decrypted copy is left behind" "$(ls "${TMPDIR:-/tmp}" | grep -c '^outpost-unsealed')" 0
expect_rc 64 "push needs a path" hq history push
mkdir -p "$T/notgit" && echo x > "$T/notgit/file"
expect_rc 65 "push to a directory that is not a backup" hq history push "$T/notgit"

echo "-- the stock git client"
expect_rc 0 "git fsck --strict on HQ's history" git -C "$HQ.git" fsck --strict
expect_rc 0 "git fsck --strict on a branch's history" git -C "$T/sh01.db.git" fsck --strict
expect_eq "HQ's history is bare with HEAD on main" "$(git -C "$HQ.git" rev-parse --is-bare-repository) $(git -C "$HQ.git" symbolic-ref HEAD)" "true refs/heads/main"
expect_eq "commit and history log agree" "$(git -C "$HQ.git" rev-list --count main)" \
	"$(hq history log --limit 1000 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"

echo "-- --no-history"
expect_rc 0 "init GZ01" "$OUTPOST" --db "$T/gz01.db" init --site GZ01
"$OUTPOST" --db "$T/gz01.db" keys init >/dev/null 2>&1
hq peer enrol GZ01 "$(cat "$T/gz01.db.pub")" >/dev/null
"$OUTPOST" --db "$T/gz01.db" peer hq "$(cat "$HQ.pub")" >/dev/null
expect_rc 0 "a branch with --no-history syncs" timeout 60 "$OUTPOSTD" --branch --db "$T/gz01.db" \
	--connect "tcp://127.0.0.1:$PORT" --once --timeout 15 --no-history --log-level warning
expect_eq "and keeps no repository" "$(test -e "$T/gz01.db.git" && echo yes || echo no)" no
expect_eq "but has the data" "$(sql "$T/gz01.db" "SELECT count(*) FROM customer")" "$(sql "$HQ" "SELECT count(*) FROM customer")"
expect_rc 0 "--history PATH puts the repository elsewhere" timeout 60 "$OUTPOSTD" --branch --db "$T/gz01.db" \
	--connect "tcp://127.0.0.1:$PORT" --once --timeout 15 --history "$T/elsewhere/gz01.git" --log-level warning
expect_eq "it has GZ01's first commit with every record" \
	"$(git -C "$T/elsewhere/gz01.git" ls-tree -r --name-only main | grep -c '^customer/')" \
	"$(sql "$T/gz01.db" "SELECT count(*) FROM customer")"
expect_eq "no history warnings in HQ's log" "$(grep -c 'history not written' "$T/hq.log")" 0
echo "-- the history's packs merged by outpostd --repack-history"
PK=$T/pk.db
pk() { "$OUTPOST" --db "$PK" "$@"; }
pk init --site PK01 >/dev/null 2>&1
for r in 1 2 3 4 5 6 7 8 9 10 11 12; do
	awk -v r=$r 'BEGIN { print "姓名,电话"; for (i = 0; i < 60; i++) printf "顾客%d-%d,139%04d%04d\n", r, i, r, i }' >"$T/pk$r.csv"
	pk import customers "$T/pk$r.csv" >/dev/null 2>&1 && pk history commit >/dev/null 2>&1 || echo "round $r failed" >>"$T/pk.err"
	# a customer put back as it was: the same records and directories again
	[ $r = 6 ] && { C1=$(sql "$PK" "SELECT id FROM customer WHERE name = '顾客1-0'")
		pk customer edit "$C1" --notes x >/dev/null && pk history commit >/dev/null &&
		pk customer edit "$C1" --notes '' >/dev/null && pk history commit >/dev/null; }
done
expect_eq "twelve rounds of 60 customers committed" "$(cat "$T/pk.err" 2>/dev/null)" ""
NP=$(ls "$PK.git/objects/pack" | grep -c '\.pack$')
ok_if '[ "$NP" -gt 8 ]' "they made more than 8 packs ($NP)"
BEFORE=$(git -C "$PK.git" rev-list --objects --all | wc -l)
expect_rc 0 "outpostd --repack-history merges them" "$OUTPOSTD" --repack-history "$PK.git"
NP2=$(ls "$PK.git/objects/pack" | grep -c '\.pack$')
ok_if '[ "$NP2" -le 8 ]' "at most 8 packs remain ($NP2)"
expect_eq "no temporary file is left" "$(ls "$PK.git/objects/pack" | grep -vc '^pack-')" 0
expect_rc 0 "git verify-pack accepts every pack" sh -c "for i in '$PK.git'/objects/pack/*.idx; do git verify-pack \$i >/dev/null || exit 1; done"
expect_rc 0 "git fsck --strict is clean" git -C "$PK.git" fsck --strict --no-progress
expect_eq "every object is still reachable" "$(git -C "$PK.git" rev-list --objects --all | wc -l)" "$BEFORE"
expect_eq "history log lists every commit" \
	"$(pk history log --limit 100 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" \
	"$(git -C "$PK.git" rev-list --count main)"
clock_passes "$(now)"
expect_rc 0 "restore from the merged packs" pk history restore --at "$(now)" --to "$T/pk-restored.db"
expect_eq "the restored store has all 720 customers" "$(sql "$T/pk-restored.db" "SELECT count(*) FROM customer")" 720
expect_rc 0 "a second run has nothing to merge" "$OUTPOSTD" --repack-history "$PK.git"
done_testing
