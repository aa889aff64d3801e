# 57_classify.sh — HQ recomputes the customer classes after changes from
# branches were merged (--classify-every), also for a branch that stays
# connected and keeps sending: each new upload is followed by a
# reclassification, once the loop is quiet.
. "$(dirname "$0")/lib.sh"
plan 7
cd "$T" || exit 1
"$OUTPOST" --db hq.db init --site HQ --hq >/dev/null
"$OUTPOST" --db hq.db keys init >/dev/null 2>&1
"$OUTPOST" --db b1.db init --site B1 >/dev/null
"$OUTPOST" --db b1.db keys init >/dev/null 2>&1
"$OUTPOST" --db hq.db peer enrol B1 "$(cat b1.db.pub)" >/dev/null
"$OUTPOST" --db b1.db peer hq "$(cat hq.db.pub)" >/dev/null
P=$(free_port)
"$OUTPOSTD" --hq --db hq.db --listen "tcp://127.0.0.1:$P" --classify-every 1 2>hq.log &
HQPID=$!
track $HQPID
wait_listening "$P" $HQPID
# the branch stays connected (no --once)
"$OUTPOSTD" --branch --db b1.db --connect "tcp://127.0.0.1:$P" 2>b1.log &
track $!
classified() { grep -c "customers reclassified" hq.log; }
holds() { [ "$(sql hq.db "SELECT count(*) FROM customer")" = "$1" ]; }
expect_rc 0 "a first customer at the branch" "$OUTPOST" --db b1.db customer add --name 甲 --phone 13800138001
ok_if 'wait_for 30 "HQ to hold it" "holds 1"' "HQ holds the first customer"
ok_if 'wait_for 30 "a reclassification" "[ \$(classified) -ge 1 ]"' "HQ reclassified after the first upload"
N1=$(classified)
expect_rc 0 "a second customer, the branch still connected" \
	"$OUTPOST" --db b1.db customer add --name 乙 --phone 13800138002
ok_if 'wait_for 30 "HQ to hold it" "holds 2"' "HQ holds the second customer"
ok_if 'wait_for 30 "another reclassification" "[ \$(classified) -gt $N1 ]"' \
	"HQ reclassified after the connected branch's second upload too"
done_testing
