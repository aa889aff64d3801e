# 90_roles.sh — staff accounts, PINs and role refusals.
. "$(dirname "$0")/lib.sh"
plan 66
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
expect_rc 0 "admin adds one who gets no PIN" $O --as boss staff add --code new --name 新人 --role sales
for s in li.na wang fix mgr; do env OUTPOST_NEW_PIN=1234 $O --as boss staff passwd $s >/dev/null; done
export OUTPOST_PIN=1234
expect_eq "new has no PIN, the others have one" \
	"$(sql "$OUTPOST_DB" "SELECT group_concat(code || ':' || (pin_hash IS NOT NULL), ' ') FROM (SELECT * FROM staff ORDER BY code)")" \
	"boss:1 fix:1 li.na:1 mgr:1 new:0 wang:1"
expect_rc 77 "staff without a PIN cannot sign in" $O --as new customer list
expect_rc 77 "staff without a PIN cannot change another's" env OUTPOST_NEW_PIN=9999 $O --as new staff passwd wang
expect_rc 77 "nor set their own" env OUTPOST_NEW_PIN=9999 $O --as new staff passwd new
expect_eq "new still has no PIN" "$(sql "$OUTPOST_DB" "SELECT pin_hash IS NULL FROM staff WHERE code='new'")" 1
expect_rc 77 "sales cannot change another's PIN" env OUTPOST_NEW_PIN=9999 $O --as li.na staff passwd wang
expect_err "the refusal says one may change one's own" "needs the role admin \(you may change your own\)"
expect_rc 0 "wang's PIN still works" $O --as wang customer list
expect_rc 0 "one may change one's own PIN" env OUTPOST_NEW_PIN=5678 $O --as li.na staff passwd li.na
expect_rc 77 "the old PIN no longer signs in" $O --as li.na customer list
expect_err "the old PIN is a wrong PIN" "wrong PIN for li.na"
expect_rc 0 "the new PIN signs in" env OUTPOST_PIN=5678 $O --as li.na customer list
expect_rc 0 "and back to the first PIN" env OUTPOST_PIN=5678 OUTPOST_NEW_PIN=1234 $O --as li.na staff passwd li.na
expect_rc 0 "li.na adds a customer (owner li.na)" $O --as li.na customer add --name 客户甲 --phone 13800000001
expect_rc 0 "wang adds a customer" $O --as wang customer add --name 客户乙 --phone 13800000002
expect_rc 0 "li.na lists" $O --as li.na customer list
expect_out "sees her own" "客户甲"
expect_no_out "not wang's" "客户乙"
expect_rc 77 "li.na cannot show wang's customer" $O --as li.na customer show 13800000002
expect_err "refusal names the rule" "not yours \(owner: wang\)"
expect_rc 77 "nor edit it" $O --as li.na customer edit 13800000002 --notes x
expect_rc 0 "li.na search finds only hers" $O --as li.na customer search 客户
expect_out "search finds her own (a 2-character query)" "客户甲"
expect_no_out "search hides wang's" "客户乙"
expect_rc 0 "li.na searches by her customer's phone" $O --as li.na customer search 13800000001
expect_out "phone search finds her own" "客户甲"
expect_rc 0 "li.na searches by wang's customer's phone" $O --as li.na customer search 13800000002
expect_no_out "phone search hides wang's" "客户乙"
expect_rc 0 "wang's search finds his" $O --as wang customer search 客户
expect_out "wang sees his own" "客户乙"
expect_no_out "wang does not see li.na's" "客户甲"
expect_rc 0 "manager sees the branch" $O --as mgr customer list
expect_out "manager sees both" "客户乙"
expect_rc 77 "sales cannot delete" $O --as li.na customer delete 13800000001
expect_err "says which role" "customer delete needs the role manager, hq or admin \(li.na is sales\)"
expect_rc 77 "sales cannot add staff" $O --as li.na staff add --code x --name x
expect_err "staff add needs admin" "needs the role admin"
expect_rc 77 "service cannot add customers" $O --as fix customer add --name 某
expect_rc 0 "service opens a ticket" $O --as fix ticket open --customer 13800000001 --problem 窗帘轨道松了
TK=$(sql "$OUTPOST_DB" "SELECT ticket_no FROM ticket")
expect_rc 77 "sales cannot update tickets" $O --as li.na ticket update "$TK" --action 已联系 --status in_progress
expect_err "the refusal names ticket update" "ticket update needs the role service, manager, hq or admin \(li.na is sales\)"
expect_eq "the refused update wrote nothing" \
	"$(sql "$OUTPOST_DB" "SELECT t.status || ' ' || count(s.id) FROM ticket t JOIN ticket_step s ON s.ticket_id = t.id")" "open 1"
expect_rc 0 "service updates the ticket" $O --as fix ticket update "$TK" --action 已联系 --status in_progress
expect_eq "service's update is recorded" \
	"$(sql "$OUTPOST_DB" "SELECT t.status || ' ' || count(s.id) FROM ticket t JOIN ticket_step s ON s.ticket_id = t.id")" "in_progress 2"
env OUTPOST_PIN=2468 $O --as boss keys init >/dev/null 2>&1
expect_rc 77 "manager cannot enrol branches" $O --as mgr peer enrol BJ02 "$(cat "$OUTPOST_DB.pub")"
expect_err "the refusal names peer enrol" "peer enrol needs the role admin \(mgr is manager\)"
expect_rc 77 "manager cannot list peers" $O --as mgr peer list
expect_rc 0 "admin lists peers" env OUTPOST_PIN=2468 $O --as boss peer list
expect_rc 0 "manager reads the log" $O --as mgr log --limit 5
expect_out "the log records who" "li.na|wang|fix"
expect_rc 0 "--help needs no sign-in" env -u OUTPOST_PIN $O customer list --help
done_testing
