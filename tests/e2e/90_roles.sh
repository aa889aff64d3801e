# 90_roles.sh — staff accounts, PINs and role refusals.
. "$(dirname "$0")/lib.sh"
O=$OUTPOST
$O init --site SH01 >/dev/null
# An unsecured store runs commands as given, so the first admin can be made.
expect_rc 0 "first admin added before anyone signs in" $O staff add --code boss --name 老板 --role admin
expect_rc 0 "admin PIN set from OUTPOST_NEW_PIN" env OUTPOST_NEW_PIN=2468 $O staff passwd boss
expect_eq "PIN stored as a libsodium hash" "$(sql "$OUTPOST_DB" "SELECT substr(pin_hash,1,9) FROM staff WHERE code='boss'")" '$argon2id'
# Now the store is secured.
expect_rc 77 "no --as refused" $O customer list
expect_err "says how to sign in" "requires sign-in: outpost --as STAFF customer list"
expect_rc 77 "wrong PIN refused" env OUTPOST_PIN=1111 $O --as boss customer list
expect_err "says wrong PIN" "wrong PIN for boss"
expect_rc 77 "no PIN without a terminal" $O --as boss customer list </dev/null
expect_err "names OUTPOST_PIN" "OUTPOST_PIN"
expect_rc 77 "unknown staff refused" env OUTPOST_PIN=2468 $O --as nobody customer list
export OUTPOST_PIN=2468
expect_rc 0 "admin adds a salesperson" $O --as boss staff add --code li.na --name 李娜 --role sales
expect_rc 0 "admin adds another" $O --as boss staff add --code wang --name 王强 --role sales
expect_rc 0 "admin adds service" $O --as boss staff add --code fix --name 售后 --role service
expect_rc 0 "admin adds manager" $O --as boss staff add --code mgr --name 店长 --role manager
for s in li.na wang fix mgr; do env OUTPOST_NEW_PIN=1234 $O --as boss staff passwd $s >/dev/null; done
export OUTPOST_PIN=1234
expect_rc 77 "staff without a PIN cannot change another's" $O --as li.na staff passwd wang
expect_rc 0 "one may change one's own PIN" env OUTPOST_NEW_PIN=1234 $O --as li.na staff passwd li.na
expect_rc 0 "li.na adds a customer (owner li.na)" $O --as li.na customer add --name 客户甲 --phone 13800000001
expect_rc 0 "wang adds a customer" $O --as wang customer add --name 客户乙 --phone 13800000002
expect_rc 0 "li.na lists" $O --as li.na customer list
expect_out "sees her own" "客户甲"
expect_no_out "not wang's" "客户乙"
expect_rc 77 "li.na cannot show wang's customer" $O --as li.na customer show 13800000002
expect_err "refusal names the rule" "not yours \(owner: wang\)"
expect_rc 77 "nor edit it" $O --as li.na customer edit 13800000002 --notes x
expect_rc 0 "li.na search finds only hers" $O --as li.na customer search 客户
expect_no_out "search hides wang's" "客户乙"
expect_rc 0 "manager sees the branch" $O --as mgr customer list
expect_out "manager sees both" "客户乙"
expect_rc 77 "sales cannot delete" $O --as li.na customer delete 13800000001
expect_err "says which role" "customer delete needs the role manager, hq or admin \(li.na is sales\)"
expect_rc 77 "sales cannot add staff" $O --as li.na staff add --code x --name x
expect_err "staff add needs admin" "needs the role admin"
expect_rc 77 "service cannot add customers" $O --as fix customer add --name 某
expect_rc 0 "service opens a ticket" $O --as fix ticket open --customer 13800000001 --problem 窗帘轨道松了
expect_rc 77 "sales cannot update tickets" $O --as li.na ticket list
expect_rc 77 "manager cannot enrol branches" $O --as mgr peer list
expect_rc 0 "manager reads the log" $O --as mgr log --limit 5
expect_out "the log records who" "li.na|wang|fix"
expect_rc 0 "--help needs no sign-in" env -u OUTPOST_PIN $O customer list --help
