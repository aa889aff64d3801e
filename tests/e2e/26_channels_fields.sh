#!/bin/sh
# 26_channels_fields.sh — the source-channel list as HQ-owned data (大众点评,
# 抖音 and 小红书 are channels of their own), the WeChat id, and free custom
# fields through add, edit, show, search, import and export.
. "$(dirname "$0")/lib.sh"
plan 60

HQ=$T/hq.db
BR=$T/store.db
expect_rc 0 "init hq" $OUTPOST --db "$HQ" init --site HQ --hq
expect_rc 0 "init branch" $OUTPOST init --site SH01

echo "-- the seeded channels"
expect_rc 0 "channel list" $OUTPOST channel list
expect_out "大众点评 is a channel" '^dianping +大众点评 +Dianping'
expect_out "抖音 is its own" '^douyin +抖音'
expect_out "小红书 is its own" '^xiaohongshu +小红书'
expect_eq "seeded ids are the same in every store" \
	"$(sql "$BR" "SELECT group_concat(id || code) FROM channel")" \
	"$(sql "$HQ" "SELECT group_concat(id || code) FROM channel")"
expect_rc 0 "大众点评 accepted" $OUTPOST customer add --name 张伟 --phone 13800138000 --channel 大众点评
expect_out "stored as its code" '^channel +dianping$'
expect_rc 0 "抖音 no longer collapses into social" $OUTPOST customer add --name 王芳 --phone 13900139000 --channel 抖音
expect_out "douyin" '^channel +douyin$'
expect_rc 0 "English name, any case" $OUTPOST customer add --name 李娜 --phone 13700137000 --channel XIAOHONGSHU
expect_out "xiaohongshu" '^channel +xiaohongshu$'
expect_rc 0 "old spellings still work" $OUTPOST customer add --name 赵六 --phone 13600136000 --channel 门店
expect_out "walk-in" '^channel +walk-in$'
expect_rc 65 "an unknown channel is refused" $OUTPOST customer add --name 孙七 --channel 快手
expect_err "names the field and lists the known ones" "^outpost: channel: '快手' is not a known source channel \(known: walk-in 门店, .*dianping 大众点评"

echo "-- HQ owns the list"
expect_rc 77 "a branch cannot add a channel" $OUTPOST channel add --code kuaishou --name 快手
expect_err "refusal says HQ" 'source channels are managed at HQ'
expect_rc 0 "HQ adds 快手" $OUTPOST --db "$HQ" channel add --code kuaishou --name 快手 --name-en Kuaishou --aliases 'ks|快手短视频'
expect_out "shown" '^aliases +ks\|快手短视频$'
expect_rc 65 "a name already used is refused" $OUTPOST --db "$HQ" channel add --code dp2 --name 大众点评
expect_err "names the channel it belongs to" "name: '大众点评' already names channel dianping"
expect_rc 65 "a code must be a plain word" $OUTPOST --db "$HQ" channel add --code 'Kuai Shou' --name 快手2
expect_err "code message" "^outpost: code: "
expect_rc 0 "HQ adds an alias to a seeded channel" $OUTPOST --db "$HQ" channel edit dianping --aliases '点评|dzdp|大众'
expect_rc 0 "the alias works at HQ" $OUTPOST --db "$HQ" customer add --name 周八 --channel 大众
expect_out "as dianping" '^channel +dianping$'
expect_rc 0 "HQ retires a channel" $OUTPOST --db "$HQ" channel edit meituan --active no
expect_rc 65 "a retired channel is refused" $OUTPOST --db "$HQ" customer add --name 吴九 --channel 美团
expect_rc 0 "order channels use the list too" $OUTPOST --db "$HQ" product add --sku A --name a --price 1
sql "$BR" "ATTACH '$HQ' AS hq; INSERT INTO product SELECT * FROM hq.product"
expect_rc 0 "order with channel 小红书" $OUTPOST order add --customer 13800138000 --item A:1 --channel 小红书
expect_out "order channel code" '^channel +xiaohongshu$'

echo "-- WeChat id"
expect_rc 0 "--wechat" $OUTPOST customer edit 13800138000 --wechat zhangwei_88
expect_out "shown" '^wechat +zhangwei_88$'
expect_rc 0 "search by WeChat id" $OUTPOST customer search ZhangWei_88
expect_out "found" '张伟'

echo "-- custom fields"
expect_rc 0 "add with custom fields" $OUTPOST customer add --name 钱七 --phone 13500135000 \
	--custom 楼盘=万科城 --custom '面积=120 平米'
expect_out "shown on the customer" '^custom +楼盘=万科城; 面积=120 平米$'
cid=$(sql "$BR" "SELECT id FROM customer WHERE name='钱七'")
expect_eq "one row per field, id = customer/key" \
	"$(sql "$BR" "SELECT group_concat(id = customer_id || '/' || key) FROM customer_attr WHERE customer_id='$cid'")" "1,1"
expect_rc 0 "edit one, clear one" $OUTPOST customer edit 13500135000 --custom 楼盘=碧桂园 --custom 面积=
expect_out "cleared field not shown" '^custom +楼盘=碧桂园$'
expect_eq "cleared, not deleted" "$(sql "$BR" "SELECT count(*) || ':' || count(value) FROM customer_attr WHERE customer_id='$cid'")" "2:1"
expect_rc 0 "search finds a custom value" $OUTPOST customer search 碧桂园
expect_out "by its custom field" '钱七'
expect_rc 65 "a key that is a field is refused" $OUTPOST customer edit 13500135000 --custom phone=1
expect_err "says use the option" "custom: 'phone' is a customer field; use --phone"
expect_rc 64 "KEY=VALUE needed" $OUTPOST customer edit 13500135000 --custom 楼盘
expect_eq "custom fields are journaled (table 21)" "$(sql "$BR" "SELECT count(*) > 0 FROM journal WHERE tbl=21")" 1
expect_rc 0 "export customer_attr" $OUTPOST export customer_attr
expect_out "exported" ",楼盘,碧桂园"

echo "-- import with 微信 and custom columns"
printf '序号,姓名,电话,微信,小区,房型\n1,郑十,13400134000,zheng10,翠湖苑,三室\n' >"$T/c.csv"
expect_rc 0 "微信 maps to wechat; 小区 to a custom field" $OUTPOST import customers "$T/c.csv" \
	--map '小区=custom:小区' --keep-unknown
expect_eq "wechat imported" "$(sql "$BR" "SELECT wechat FROM customer WHERE name='郑十'")" zheng10
expect_eq "custom fields imported (mapped and kept)" \
	"$(sql "$BR" "SELECT group_concat(key || '=' || value, ' ') FROM (SELECT * FROM customer_attr a JOIN customer c ON c.id = a.customer_id WHERE c.name='郑十' ORDER BY key)")" \
	"小区=翠湖苑 房型=三室"
expect_eq "序号 is a row number, not a field" "$(sql "$BR" "SELECT count(*) FROM customer_attr WHERE key='序号'")" 0
expect_rc 0 "re-import changes nothing" $OUTPOST import customers "$T/c.csv" --map '小区=custom:小区' --keep-unknown
expect_out "unchanged" '1 unchanged'
printf '姓名,电话,小区\n郑十,13400134000,翠湖苑二期\n' >"$T/c2.csv"
expect_rc 0 "a changed custom value updates" $OUTPOST import customers "$T/c2.csv" --map '小区=custom:小区'
expect_err "named as updated" "updated: custom:小区"
expect_eq "updated value" "$(sql "$BR" "SELECT value FROM customer_attr WHERE key='小区'")" 翠湖苑二期
done_testing
