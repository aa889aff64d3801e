# 91_scope_branch.sh — row scope per role at a branch store (which holds
# the chain's customers): see scope.inc. 93_scope_hq.sh does HQ.
. "$(dirname "$0")/lib.sh"
plan 4
. "$(dirname "$0")/scope.inc"

# Sales: their own customers only.
scenario "$BR" branch li.na "$M_LINA" "$M_WANG|$M_ZHOU" lina wang
# A manager: the branch, not the chain.
scenario "$BR" branch mgr "$M_LINA|$M_WANG|333\.00|1\.50" "$N_ZHOU" wang zhou
# Service: the branch, with phone numbers masked.
scenario "$BR" branch fix "$S_IN" "$S_OUT" lina zhou
run $O --db "$BR" --as fix customer show 0000aaa1
expect_out "service finds a customer by the whole phone, shown masked" '^phone +\+86138\*\*\*\*0001$'
run $O --db "$BR" --as mgr customer show 0000aaa1
expect_out "a manager sees the whole phone" '^phone +\+8613800000001$'
run $O --db "$BR" --csv --as fix ticket list
expect_out "service's ticket list masks phones in CSV too" '138\*\*\*\*000[12]'
done_testing
