# 35-merge-coupon-without-trigger — a coupon redeemed at two branches merges with triggers off, and no conflict is logged (issue 9)
FILE=daemon/merge.c
TESTS=76_campaign_sync
FROM='	{ "coupon_redemption_", TRIG_ON, "coupon_redemption" },'
TO='	{ "coupon_redemption_", TRIG_ON, "no_such_table" },'
