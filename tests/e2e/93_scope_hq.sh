# 93_scope_hq.sh — row scope per role at HQ (every branch's data): see
# scope.inc. 91_scope_branch.sh does a branch store.
. "$(dirname "$0")/lib.sh"
plan 10
. "$(dirname "$0")/scope.inc"

# Sales: their own customers only, even at HQ.
scenario "$HQ" hq li.na "$M_LINA" "$M_WANG|$M_ZHOU" lina wang
# A manager: the branch, not the chain.
scenario "$HQ" hq mgr "$M_LINA|$M_WANG|333\.00|1\.50" "$N_ZHOU|444\.00|777\.00|2\.67" wang zhou
# Service: the branch, phones masked.
scenario "$HQ" hq fix "$S_IN" "$S_OUT" wang zhou
# The history of a row outside the scope, by its full id: for HQ and
# admin only.
for k in customer:customer:00000000ccc3 order:sales_order:0000000c0003 ticket:ticket:000000t00003; do
	id=01900000-0000-7000-8000-${k##*:}
	expect_rc 77 "hq mgr: history show ${k%%:*} of BJ01's, by full id, refused" \
		$O --db "$HQ" --as mgr history show "${k%%:*}" "$id"
	expect_no_out "and shows nothing of it" "$N_ZHOU"
done
expect_err "the refusal names the scope" "in your scope \(branch SH01 only\)"
expect_rc 0 "hq chief: history show of BJ01's order" $O --db "$HQ" --as chief history show order 01900000-0000-7000-8000-0000000c0003
expect_out "shows it" "BJ01-[0-9]{8}-0303"
# HQ: everything.
scenario "$HQ" hq chief "$M_ZHOU|777\.00|2\.67" "" zhou nobody
done_testing
