# 80_merge.sh — duplicate customers: dupes, merge, unmerge, and a merge at
# HQ meeting a branch's offline edit of the duplicate, through real daemons.
. "$(dirname "$0")/lib.sh"
plan 30
cd "$T"
O=$OUTPOST
hq_and_branches A B
rounds() { for i in 1 2; do sync1 a; sync1 b; done; }

$O --db a.db customer add --name 张伟 --phone 13800138000 >/dev/null
$O --db b.db customer add --name 张伟 --phone "+86 138 0013 8000" --email zw@b.cn --points 30 >/dev/null
$O --db b.db customer add --name 章伟 --birthday 1990-01-01 >/dev/null
$O --db a.db customer add --name 章伟 --birthday 1990-01-01 >/dev/null
$O --db a.db customer add --name 孤独 >/dev/null
rounds
expect_rc 0 "dupes at HQ" $O --db hq.db customer dupes
expect_out "same phone found" "张伟 .*张伟 .*same phone"
expect_out "names read alike with birthday" "章伟 .*章伟 .*same name"
expect_no_out "a lone customer is no duplicate" "孤独"
expect_rc 0 "dupes --json" $O --db hq.db --json customer dupes
printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["score"] >= 60' \
	&& ok "json dupes parse with a score" || bad "json dupes"

KEEP=$(sql hq.db "SELECT id FROM customer WHERE name='张伟' AND home_branch='A'")
DUP=$(sql hq.db "SELECT id FROM customer WHERE name='张伟' AND home_branch='B'")
expect_rc 65 "merge into itself refused" $O --db hq.db customer merge "$KEEP" "$KEEP"
expect_rc 64 "bad --take refused" $O --db hq.db customer merge "$KEEP" "$DUP" --take nosuch
expect_rc 0 "merge" $O --db hq.db --as admin customer merge "$KEEP" "$DUP"
expect_out "merge says what it did" "[0-9]+ fields? copied.*30 points moved"
expect_eq "kept got the email" "$(sql hq.db "SELECT email FROM customer WHERE id='$KEEP'")" "zw@b.cn"
expect_eq "kept got the points" "$(sql hq.db "SELECT points FROM customer WHERE id='$KEEP'")" "30"
expect_eq "dup marked" "$(sql hq.db "SELECT merged_into FROM customer WHERE id='$DUP'")" "$KEEP"
expect_rc 65 "merging it again refused" $O --db hq.db customer merge "$KEEP" "$DUP"
expect_rc 0 "merged dup hidden from lists" $O --db hq.db customer list
expect_eq "one 张伟 listed" "$(printf '%s\n' "$OUT" | grep -c '张伟')" "1"

# B edits the duplicate offline, before it hears of the merge
$O --db b.db customer edit "$DUP" --notes "prefers blue" --add-points 5 >/dev/null
rounds
for s in hq a b; do
	expect_eq "$s: offline edit of the duplicate landed on the kept customer" \
		"$(sql $s.db "SELECT notes || ' ' || points FROM customer WHERE id='$KEEP'")" "prefers blue 35"
	expect_eq "$s: duplicate merged everywhere" \
		"$(sql $s.db "SELECT merged_into FROM customer WHERE id='$DUP'")" "$KEEP"
done
D1=$(sql hq.db "SELECT group_concat(id||name||coalesce(email,'')||coalesce(notes,'')||points||coalesce(merged_into,''),';') FROM (SELECT * FROM customer ORDER BY id)")
for s in a b; do
	expect_eq "$s converged with HQ" "$(sql $s.db "SELECT group_concat(id||name||coalesce(email,'')||coalesce(notes,'')||points||coalesce(merged_into,''),';') FROM (SELECT * FROM customer ORDER BY id)")" "$D1"
done

expect_rc 0 "unmerge" $O --db hq.db customer unmerge "$DUP"
expect_eq "dup is separate again" "$(sql hq.db "SELECT merged_into IS NULL FROM customer WHERE id='$DUP'")" "1"
expect_eq "kept email restored" "$(sql hq.db "SELECT coalesce(email,'') FROM customer WHERE id='$KEEP'")" ""
rounds
expect_eq "unmerge reached B" "$(sql b.db "SELECT merged_into IS NULL FROM customer WHERE id='$DUP'")" "1"
expect_rc 66 "nothing left to unmerge" $O --db hq.db customer unmerge "$DUP"
done_testing
