/*
 * test_valid.c — unit tests for schema/valid.c: what the counter staff type
 * and what spreadsheets hold, accepted in canonical form or refused with a
 * reason that says what is wrong.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "valid.h"

static void phone_ok(const char *in, const char *want)
{
	char out[17];
	const char *why = NULL;
	int rc = op_valid_phone(out, sizeof(out), in, &why);

	cr_assert_eq(rc, 0, "phone '%s' refused: %s", in, why ? why : "?");
	cr_assert_str_eq(out, want, "phone '%s'", in);
}

static void phone_bad(const char *in, const char *why_part)
{
	char out[17];
	const char *why = NULL;
	int rc = op_valid_phone(out, sizeof(out), in, &why);

	cr_assert_eq(rc, -1, "phone '%s' accepted as '%s'", in, out);
	cr_assert_not_null(why);
	cr_assert(strstr(why, why_part), "phone '%s': reason '%s' lacks '%s'",
		  in, why, why_part);
}

Test(valid_phone, mobile)
{
	phone_ok("13800138000", "+8613800138000");
	phone_ok("138 0013 8000", "+8613800138000");
	phone_ok("138-0013-8000", "+8613800138000");
	phone_ok("+86 138-0013-8000", "+8613800138000");
	phone_ok("+8613800138000", "+8613800138000");
	phone_ok("0086 13800138000", "+8613800138000");
	phone_ok("86 139 1234 5678", "+8613912345678");
	phone_ok("  19912345678 ", "+8619912345678");
	phone_ok("(+86) 138.0013.8000", "+8613800138000");
	phone_ok("\xef\xbc\x8b" "8613800138000", "+8613800138000"); /* ＋ */
	/* full-width digits: １３８００１３８０００ */
	phone_ok("\xef\xbc\x91\xef\xbc\x93\xef\xbc\x98\xef\xbc\x90"
		 "\xef\xbc\x90\xef\xbc\x91\xef\xbc\x93\xef\xbc\x98"
		 "\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90", "+8613800138000");
}

Test(valid_phone, mobile_bad)
{
	phone_bad("1380013800", "mobile numbers have 11 digits, got 10");
	phone_bad("138001380001", "got 12");
	phone_bad("12345678901", "no mobile numbers start with 12");
	phone_bad("+86 1380013800", "11 digits, got 10");
	phone_bad("138 0013 800O", "unexpected 'O'");
	phone_bad("13800138000 ext 12", "no extension");
	phone_bad("138+00138000", "'+' only goes at the start");
}

Test(valid_phone, landline)
{
	phone_ok("010-12345678", "+861012345678");
	phone_ok("(0755) 8888 6666", "+8675588886666");
	phone_ok("\xef\xbc\x88" "0755\xef\xbc\x89" "88886666",
		 "+8675588886666");			/* （0755）88886666 */
	phone_ok("021 6123 4567", "+862161234567");
	phone_ok("0571-8765432", "+865718765432");
	phone_ok("+86 10 12345678", "+861012345678");
	phone_ok("+86 (0)10 12345678", "+861012345678");
	phone_ok("0086-755-88886666", "+8675588886666");
	/* extensions are accepted and dropped */
	phone_ok("010-12345678-801", "+861012345678");
	phone_ok("0755-8888-6666-12", "+8675588886666");
	phone_ok("010 12345678 ext 801", "+861012345678");
	phone_ok("010-12345678\xe8\xbd\xac" "801", "+861012345678");
}

Test(valid_phone, landline_bad)
{
	phone_bad("010-123456", "7 or 8 digits after the area code 010, got 6");
	phone_bad("0755-888866661", "got 9");
	phone_bad("010-02345678", "do not start with 0");
	phone_bad("0155-12345678", "no such area code");
	phone_bad("0010", "international numbers have 8 to 15 digits");
	phone_bad("12345678", "mobile numbers have 11 digits");
	phone_bad("55512345", "not a chinese mobile");
	phone_bad("(010 12345678", "unbalanced parentheses");
}

Test(valid_phone, international)
{
	phone_ok("+1 415 555 2671", "+14155552671");
	phone_ok("+44 20 7946 0958", "+442079460958");
	phone_ok("+852 9123 4567", "+85291234567");
	phone_ok("001 415 555 2671", "+14155552671");
	phone_ok("+123456789012345", "+123456789012345");
	phone_bad("+1 415", "international numbers have 8 to 15 digits, got 4");
	phone_bad("+1234567890123456", "got 16");
	phone_bad("+0 415 555 2671", "country codes do not start with 0");
}

Test(valid_phone, empty_and_junk)
{
	phone_bad("", "empty");
	phone_bad("   ", "empty");
	phone_bad(NULL, "empty");
	phone_bad("abc", "unexpected 'a'");
	phone_bad("---", "no digits");
	phone_bad("138\xef\xbc\xa1", "unexpected '\xef\xbc\xa1'");	/* Ａ */
	phone_bad("138\xe4\xb8\x80" "0013", "unexpected '\xe4\xb8\x80'");
}

Test(valid_phone, small_buffer)
{
	char out[8];
	const char *why = NULL;

	cr_assert_eq(op_valid_phone(out, sizeof(out), "13800138000", &why), -1);
	cr_assert_str_eq(why, "output buffer too small");
}

Test(valid_phone, digits)
{
	char out[32];

	cr_assert_eq(op_phone_digits(out, sizeof(out), "+86 138-0013"), 9);
	cr_assert_str_eq(out, "861380013");
	cr_assert_eq(op_phone_digits(out, 4, "13800138000"), 3);
	cr_assert_str_eq(out, "138");
	cr_assert_eq(op_phone_digits(out, sizeof(out), "none"), 0);
	cr_assert_str_eq(out, "");
}

static void email_ok(const char *in, const char *want)
{
	char out[256];
	const char *why = NULL;

	cr_assert_eq(op_valid_email(out, sizeof(out), in, &why), 0,
		     "email '%s' refused: %s", in, why ? why : "?");
	cr_assert_str_eq(out, want);
}

static void email_bad(const char *in, const char *why_part)
{
	char out[256];
	const char *why = NULL;

	cr_assert_eq(op_valid_email(out, sizeof(out), in, &why), -1,
		     "email '%s' accepted", in);
	cr_assert(strstr(why, why_part), "email '%s': reason '%s' lacks '%s'",
		  in, why, why_part);
}

Test(valid_email, good)
{
	email_ok("zhang.san@example.com", "zhang.san@example.com");
	email_ok("Li+crm@Mail.QQ.COM", "Li+crm@mail.qq.com");
	email_ok("  wang@163.com ", "wang@163.com");
	email_ok("a@b-c.cn", "a@b-c.cn");
	email_ok("\xe5\xbc\xa0\xe4\xb8\x89@\xe4\xbe\x8b\xe5\xad\x90.\xe4\xb8\xad\xe5\x9b\xbd",
		 "\xe5\xbc\xa0\xe4\xb8\x89@\xe4\xbe\x8b\xe5\xad\x90.\xe4\xb8\xad\xe5\x9b\xbd");
	/* full-width ＠ and 。 from a Chinese input method */
	email_ok("wang\xef\xbc\xa0qq\xe3\x80\x82" "com", "wang@qq.com");
}

Test(valid_email, bad)
{
	email_bad("", "empty");
	email_bad("wang.qq.com", "missing @");
	email_bad("a@b@c.com", "more than one @");
	email_bad("@qq.com", "nothing before the @");
	email_bad("wang@", "no domain after the @");
	email_bad("wang@localhost", "domain needs a dot");
	email_bad("wang li@qq.com", "contains a space");
	email_bad("wang..li@qq.com", "two dots in a row");
	email_bad(".wang@qq.com", "cannot start or end with a dot");
	email_bad("wang@qq..com", "empty label");
	email_bad("wang@qq.com.", "empty label");
	email_bad("wang@.qq.com", "cannot start with a dot");
	email_bad("wang@-qq.com", "cannot start with a hyphen");
	email_bad("wang@qq-.com", "cannot end with a hyphen");
	email_bad("wang@qq_mail.com", "'_' is not allowed in the domain");
	email_bad("wa(ng@qq.com", "'(' is not allowed before the @");
	email_bad("wang@1.2.3.4", "not a top-level domain");
	email_bad("wang@qq.c", "not a top-level domain");
	email_bad("wang@q\xffq.com", "not valid utf-8");
}

static void date_ok(const char *in, const char *want)
{
	char out[11];
	const char *why = NULL;

	cr_assert_eq(op_valid_date(out, sizeof(out), in, &why), 0,
		     "date '%s' refused: %s", in, why ? why : "?");
	cr_assert_str_eq(out, want);
}

static void date_bad(const char *in, const char *why_part)
{
	char out[11];
	const char *why = NULL;

	cr_assert_eq(op_valid_date(out, sizeof(out), in, &why), -1,
		     "date '%s' accepted as %s", in, out);
	cr_assert(strstr(why, why_part), "date '%s': reason '%s' lacks '%s'",
		  in, why, why_part);
}

Test(valid_date, formats)
{
	date_ok("2024-03-31", "2024-03-31");
	date_ok("2024/3/5", "2024-03-05");
	date_ok("2024.03.05", "2024-03-05");
	date_ok("20240305", "2024-03-05");
	date_ok("2024\xe5\xb9\xb4" "3\xe6\x9c\x88" "5\xe6\x97\xa5", "2024-03-05");
	date_ok("2024\xe5\xb9\xb4" "12\xe6\x9c\x88" "25", "2024-12-25");
	date_ok(" 1900-01-01 ", "1900-01-01");
	date_ok("2200-12-31", "2200-12-31");
}

Test(valid_date, leap_days)
{
	date_ok("2024-02-29", "2024-02-29");
	date_ok("2000-02-29", "2000-02-29");
	date_ok("19960229", "1996-02-29");
	date_bad("2023-02-29", "no such day: 2023-02-29");
	date_bad("1900-02-29", "no such day: 1900-02-29");
	date_bad("2100-02-29", "no such day: 2100-02-29");
	date_bad("2024-02-30", "no such day: 2024-02-30");
	date_bad("2024-04-31", "no such day: 2024-04-31");
	date_bad("2024-01-00", "no such day: 2024-01-00");
}

Test(valid_date, bad)
{
	date_bad("", "empty");
	date_bad("2024-13-01", "no such month: 13");
	date_bad("2024-00-10", "no such month: 0");
	date_bad("1899-12-31", "year 1899 is outside 1900..2200");
	date_bad("2201-01-01", "outside 1900..2200");
	date_bad("2024-03/05", "expected '-' after the month");
	date_bad("24-03-05", "not a date");
	date_bad("2024-03-05x", "unexpected 'x' after the date");
	date_bad("2024-03-05 10:00", "after the date");
	date_bad("2024\xe5\xb9\xb4" "3-5", "expected \xe6\x9c\x88");
	date_bad("2024-03", "expected '-' after the month");
	date_bad("tomorrow", "not a date");
}

static void dt_ok(const char *in, const char *want)
{
	char out[20];
	const char *why = NULL;

	cr_assert_eq(op_valid_datetime(out, sizeof(out), in, &why), 0,
		     "datetime '%s' refused: %s", in, why ? why : "?");
	cr_assert_str_eq(out, want);
}

static void dt_bad(const char *in, const char *why_part)
{
	char out[20];
	const char *why = NULL;

	cr_assert_eq(op_valid_datetime(out, sizeof(out), in, &why), -1,
		     "datetime '%s' accepted as %s", in, out);
	cr_assert(strstr(why, why_part), "datetime '%s': reason '%s' lacks "
		  "'%s'", in, why, why_part);
}

Test(valid_datetime, forms)
{
	dt_ok("2024-03-05", "2024-03-05 00:00:00");
	dt_ok("2024-03-05 9:30", "2024-03-05 09:30:00");
	dt_ok("2024-03-05 09:30:15", "2024-03-05 09:30:15");
	dt_ok("2024-03-05T23:59:59", "2024-03-05 23:59:59");
	dt_ok("2024/3/5  14:00", "2024-03-05 14:00:00");
	dt_ok("2024-02-29 00:00", "2024-02-29 00:00:00");
}

Test(valid_datetime, bad)
{
	dt_bad("2024-03-05 24:00", "no such hour: 24");
	dt_bad("2024-03-05 12:60", "no such minute: 60");
	dt_bad("2024-03-05 12:00:61", "no such second: 61");
	dt_bad("2024-03-05 12", "HH:MM");
	dt_bad("2024-03-05 12:5", "minutes need two digits");
	dt_bad("2024-03-05 12:00pm", "unexpected 'pm' after the time");
	dt_bad("2023-02-29 10:00", "no such day: 2023-02-29");
}

static void money_ok(const char *in, int64_t want)
{
	int64_t c = -1;
	const char *why = NULL;

	cr_assert_eq(op_valid_money(&c, in, &why), 0, "money '%s' refused: %s",
		     in, why ? why : "?");
	cr_assert_eq(c, want, "money '%s' gave %lld", in, (long long)c);
}

static void money_bad(const char *in, const char *why_part)
{
	int64_t c = 0;
	const char *why = NULL;

	cr_assert_eq(op_valid_money(&c, in, &why), -1, "money '%s' accepted",
		     in);
	cr_assert(strstr(why, why_part), "money '%s': reason '%s' lacks '%s'",
		  in, why, why_part);
}

Test(valid_money, good)
{
	money_ok("12", 1200);
	money_ok("12.5", 1250);
	money_ok("12.50", 1250);
	money_ok("12.05", 1205);
	money_ok("0", 0);
	money_ok("0.01", 1);
	money_ok("1,234.56", 123456);
	money_ok("1,234,567", 123456700);
	money_ok("\xc2\xa5" "12", 1200);		/* ¥ */
	money_ok("\xef\xbf\xa5" "12.3", 1230);	/* ￥ */
	money_ok("RMB 12", 1200);
	money_ok("rmb12", 1200);
	money_ok("12\xe5\x85\x83", 1200);		/* 元 */
	money_ok(" 88.8 \xe5\x85\x83 ", 8880);
	money_ok("12.", 1200);
	money_ok("100000000000", 10000000000000LL);	/* exactly 10^13 */
	money_ok("100,000,000,000.00", 10000000000000LL);
}

Test(valid_money, bad)
{
	money_bad("", "empty");
	money_bad("12.345", "more than two decimals");
	money_bad("-5", "negative");
	money_bad("\xc2\xa5-5", "negative");
	money_bad("-\xc2\xa5" "5", "negative");
	money_bad("100000000000.01", "too large");
	money_bad("99999999999999999999999", "too large");
	money_bad("1,23", "misplaced thousands separator");
	money_bad("1234,567", "misplaced thousands separator");
	money_bad("1,,234", "misplaced thousands separator");
	money_bad(".5", "digit before the decimal point");
	money_bad("12abc", "unexpected 'abc'");
	money_bad("12.5.0", "unexpected '.0'");
	money_bad("abc", "not an amount");
	money_bad("$12", "not an amount");
}

Test(valid_int, all)
{
	int64_t v = 0;
	const char *why = NULL;

	cr_assert_eq(op_valid_int(&v, "3", 1, 5, &why), 0);
	cr_assert_eq(v, 3);
	cr_assert_eq(op_valid_int(&v, " 42 ", 0, 100, &why), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(op_valid_int(&v, "-7", -10, 10, &why), 0);
	cr_assert_eq(v, -7);
	cr_assert_eq(op_valid_int(&v, "6", 1, 5, &why), -1);
	cr_assert_str_eq(why, "must be between 1 and 5");
	cr_assert_eq(op_valid_int(&v, "0", 1, 5, &why), -1);
	cr_assert_eq(op_valid_int(&v, "3.5", 1, 5, &why), -1);
	cr_assert_str_eq(why, "must be a whole number");
	cr_assert_eq(op_valid_int(&v, "3x", 1, 5, &why), -1);
	cr_assert_str_eq(why, "not a number: '3x'");
	cr_assert_eq(op_valid_int(&v, "", 1, 5, &why), -1);
	cr_assert_str_eq(why, "empty");
	cr_assert_eq(op_valid_int(&v, "-", 1, 5, &why), -1);
	cr_assert_eq(op_valid_int(&v, "99999999999999999999", 0, INT64_MAX,
				  &why), -1);
	cr_assert_eq(op_valid_int(&v, "9223372036854775807", 0, INT64_MAX,
				  &why), 0);
	cr_assert_eq(v, INT64_MAX);
}

static void enum_is(const struct op_enum *e, const char *in, const char *want)
{
	const char *canon = NULL, *why = NULL;

	cr_assert_eq(op_valid_enum(&canon, e, in, &why), 0,
		     "%s '%s' refused: %s", e->what, in, why ? why : "?");
	cr_assert_str_eq(canon, want, "%s '%s'", e->what, in);
}

Test(valid_enum, channel)
{
	enum_is(&op_enum_channel, "walk-in", "walk-in");
	enum_is(&op_enum_channel, "Walk In", "walk-in");
	enum_is(&op_enum_channel, "WALK_IN", "walk-in");
	enum_is(&op_enum_channel, "\xe9\x97\xa8\xe5\xba\x97", "walk-in"); /* 门店 */
	enum_is(&op_enum_channel, "\xe5\x88\xb0\xe5\xba\x97", "walk-in"); /* 到店 */
	enum_is(&op_enum_channel, "store", "walk-in");
	enum_is(&op_enum_channel, "\xe5\xae\x98\xe7\xbd\x91", "website"); /* 官网 */
	enum_is(&op_enum_channel, "web", "website");
	enum_is(&op_enum_channel, "Social Media", "social");
	enum_is(&op_enum_channel, "wechat-moments", "social");
	enum_is(&op_enum_channel,
		"\xe7\xa4\xbe\xe4\xba\xa4\xe5\xaa\x92\xe4\xbd\x93", "social");
	enum_is(&op_enum_channel, "\xe7\x94\xb5\xe8\xaf\x9d", "phone"); /* 电话 */
	enum_is(&op_enum_channel, "designer", "referral");
	enum_is(&op_enum_channel, "partner", "referral");
	enum_is(&op_enum_channel, "\xe5\x90\x88\xe4\xbd\x9c\xe4\xbc\x99"
		"\xe4\xbc\xb4\xe6\x8e\xa8\xe8\x8d\x90", "referral"); /* 合作伙伴推荐 */
	enum_is(&op_enum_channel, "\xe6\x8e\xa8\xe8\x8d\x90", "referral");
	enum_is(&op_enum_channel, "\xe5\x85\xb6\xe4\xbb\x96", "other"); /* 其他 */
	enum_is(&op_enum_channel, " OTHER ", "other");
}

Test(valid_enum, order_status)
{
	enum_is(&op_enum_order_status, "\xe5\xbe\x85\xe5\x8f\x91\xe8\xb4\xa7",
		"pending");				/* 待发货 */
	enum_is(&op_enum_order_status, "\xe5\xb7\xb2\xe5\x8f\x91\xe8\xb4\xa7",
		"shipped");				/* 已发货 */
	enum_is(&op_enum_order_status, "\xe5\xb7\xb2\xe9\x80\x81\xe8\xbe\xbe",
		"delivered");				/* 已送达 */
	enum_is(&op_enum_order_status, "\xe5\xb7\xb2\xe5\xae\x8c\xe6\x88\x90",
		"completed");				/* 已完成 */
	enum_is(&op_enum_order_status, "\xe5\xb7\xb2\xe5\x8f\x96\xe6\xb6\x88",
		"cancelled");				/* 已取消 */
	enum_is(&op_enum_order_status, "\xe9\x80\x80\xe8\xb4\xa7",
		"returned");				/* 退货 */
	enum_is(&op_enum_order_status, "Canceled", "cancelled");
	enum_is(&op_enum_order_status, "PENDING", "pending");
}

Test(valid_enum, others)
{
	enum_is(&op_enum_ticket_status, "\xe5\xbe\x85\xe5\xa4\x84\xe7\x90\x86",
		"open");				/* 待处理 */
	enum_is(&op_enum_ticket_status, "\xe5\xa4\x84\xe7\x90\x86\xe4\xb8\xad",
		"in_progress");				/* 处理中 */
	enum_is(&op_enum_ticket_status, "in progress", "in_progress");
	enum_is(&op_enum_ticket_status, "In-Progress", "in_progress");
	enum_is(&op_enum_ticket_status, "\xe5\xb7\xb2\xe8\xa7\xa3\xe5\x86\xb3",
		"resolved");				/* 已解决 */
	enum_is(&op_enum_ticket_status, "\xe5\xb7\xb2\xe5\x85\xb3\xe9\x97\xad",
		"closed");				/* 已关闭 */
	enum_is(&op_enum_gender, "\xe7\x94\xb7", "male");	/* 男 */
	enum_is(&op_enum_gender, "M", "male");
	enum_is(&op_enum_gender, "\xe5\xa5\xb3", "female");	/* 女 */
	enum_is(&op_enum_gender, "Female", "female");
	enum_is(&op_enum_payment, "\xe7\x8e\xb0\xe9\x87\x91", "cash");
	enum_is(&op_enum_payment, "\xe5\x88\xb7\xe5\x8d\xa1", "card");
	enum_is(&op_enum_payment, "\xe5\xbe\xae\xe4\xbf\xa1", "wechat");
	enum_is(&op_enum_payment, "WeChat Pay", "wechat");
	enum_is(&op_enum_payment, "\xe6\x94\xaf\xe4\xbb\x98\xe5\xae\x9d",
		"alipay");
	enum_is(&op_enum_payment, "\xe8\xbd\xac\xe8\xb4\xa6", "transfer");
	enum_is(&op_enum_payment, "\xe8\xb5\x8a\xe8\xb4\xa6", "credit");
	enum_is(&op_enum_payment, "credit card", "card");
	enum_is(&op_enum_role, "\xe9\x94\x80\xe5\x94\xae", "sales");
	enum_is(&op_enum_role, "\xe5\x94\xae\xe5\x90\x8e", "service");
	enum_is(&op_enum_role, "\xe5\xba\x97\xe9\x95\xbf", "manager");
	enum_is(&op_enum_role, "\xe6\x80\xbb\xe9\x83\xa8", "hq");
	enum_is(&op_enum_role, "HQ", "hq");
	enum_is(&op_enum_role, "\xe7\xae\xa1\xe7\x90\x86\xe5\x91\x98", "admin");
	enum_is(&op_enum_ticket_kind, "\xe6\x8a\x95\xe8\xaf\x89", "complaint");
	enum_is(&op_enum_ticket_kind, "\xe7\xbb\xb4\xe4\xbf\xae", "repair");
	enum_is(&op_enum_ticket_kind, "\xe9\x80\x80\xe8\xb4\xa7", "return");
	enum_is(&op_enum_ticket_kind, "\xe5\xae\x89\xe8\xa3\x85",
		"installation");
	enum_is(&op_enum_ticket_kind, "\xe5\x92\xa8\xe8\xaf\xa2", "enquiry");
	enum_is(&op_enum_ticket_kind, "inquiry", "enquiry");
}

Test(valid_enum, unknown)
{
	const char *canon = "untouched", *why = NULL;

	cr_assert_eq(op_valid_enum(&canon, &op_enum_channel, "fax", &why), -1);
	cr_assert_str_eq(canon, "untouched");
	cr_assert_str_eq(why, "not a known source channel; use walk-in, "
			 "website, social, phone, referral or other");
	cr_assert_eq(op_valid_enum(&canon, &op_enum_role, "", &why), -1);
	cr_assert_str_eq(why, "empty");
	/* no prefix matching */
	cr_assert_eq(op_valid_enum(&canon, &op_enum_role, "sale", &why), -1);
	cr_assert_eq(op_valid_enum(&canon, &op_enum_role, "saless", &why), -1);
}

Test(valid_order, transitions)
{
	cr_assert(op_order_transition_ok("pending", "shipped"));
	cr_assert(op_order_transition_ok("pending", "cancelled"));
	cr_assert(op_order_transition_ok("shipped", "delivered"));
	cr_assert(op_order_transition_ok("shipped", "returned"));
	cr_assert(op_order_transition_ok("delivered", "completed"));
	cr_assert(op_order_transition_ok("delivered", "returned"));
	cr_assert(op_order_transition_ok("completed", "returned"));

	cr_assert_not(op_order_transition_ok("pending", "pending"));
	cr_assert_not(op_order_transition_ok("pending", "delivered"));
	cr_assert_not(op_order_transition_ok("pending", "completed"));
	cr_assert_not(op_order_transition_ok("shipped", "cancelled"));
	cr_assert_not(op_order_transition_ok("shipped", "pending"));
	cr_assert_not(op_order_transition_ok("completed", "cancelled"));
	cr_assert_not(op_order_transition_ok("cancelled", "pending"));
	cr_assert_not(op_order_transition_ok("cancelled", "shipped"));
	cr_assert_not(op_order_transition_ok("returned", "completed"));
	cr_assert_not(op_order_transition_ok("returned", "returned"));
	cr_assert_not(op_order_transition_ok("bogus", "shipped"));
	cr_assert_not(op_order_transition_ok(NULL, "shipped"));
}

Test(valid_utf8, sequences)
{
	cr_assert(op_utf8_valid("", 0));
	cr_assert(op_utf8_valid("abc", 3));
	cr_assert(op_utf8_valid("\xe5\xbc\xa0\xe4\xb8\x89", 6));	/* 张三 */
	cr_assert(op_utf8_valid("\xf0\x9f\x98\x80", 4));		/* 😀 */
	cr_assert(op_utf8_valid("\xf4\x8f\xbf\xbf", 4));		/* U+10FFFF */
	cr_assert_not(op_utf8_valid("\xd5\xc5\xc8\xfd", 4));	/* GBK 张三 */
	cr_assert_not(op_utf8_valid("\xc0\xaf", 2));		/* overlong / */
	cr_assert_not(op_utf8_valid("\xe0\x80\xaf", 3));		/* overlong */
	cr_assert_not(op_utf8_valid("\xed\xa0\x80", 3));		/* surrogate */
	cr_assert_not(op_utf8_valid("\xf4\x90\x80\x80", 4));	/* > 10FFFF */
	cr_assert_not(op_utf8_valid("\xe5\xbc", 2));		/* truncated */
	cr_assert_not(op_utf8_valid("\x80", 1));
	cr_assert_not(op_utf8_valid("\xff", 1));
	/* n bounds the check: the truncated tail is outside it */
	cr_assert(op_utf8_valid("ab\xe5\xbc", 2));
}

Test(valid_text, all)
{
	const char *why = NULL;

	cr_assert_eq(op_valid_text("\xe5\xbc\xa0\xe4\xb8\x89", 2, &why), 0);
	cr_assert_eq(op_valid_text("  padded\t ", 6, &why), 0);
	cr_assert_eq(op_valid_text("a\tb", 3, &why), 0);
	cr_assert_eq(op_valid_text("\xe5\xbc\xa0\xe4\xb8\x89\xe4\xb8\x89", 2,
				   &why), -1);
	cr_assert_str_eq(why, "longer than 2 characters (3)");
	cr_assert_eq(op_valid_text("   ", 10, &why), -1);
	cr_assert_str_eq(why, "empty");
	cr_assert_eq(op_valid_text("a\nb", 10, &why), -1);
	cr_assert_str_eq(why, "contains a line break");
	cr_assert_eq(op_valid_text("a\x01" "b", 10, &why), -1);
	cr_assert_str_eq(why, "contains control character U+0001");
	cr_assert_eq(op_valid_text("a\xc2\x85" "b", 10, &why), -1);
	cr_assert_eq(op_valid_text("a\xffz", 10, &why), -1);
	cr_assert_str_eq(why, "not valid utf-8");
	cr_assert_eq(op_valid_text("long enough", 0, &why), 0);
}

/* Quantities in a unit's smallest step, and exact line totals. */
Test(valid, qty)
{
	int64_t v;
	const char *why;
	char buf[32];

	cr_assert_eq(op_valid_qty(&v, "3.5", 2, &why), 0);
	cr_assert_eq(v, 350);
	cr_assert_eq(op_valid_qty(&v, " 3.50 ", 2, &why), 0);
	cr_assert_eq(v, 350);
	cr_assert_eq(op_valid_qty(&v, "3.500", 2, &why), 0, "trailing zeros are fine");
	cr_assert_eq(v, 350);
	cr_assert_eq(op_valid_qty(&v, "12", 0, &why), 0);
	cr_assert_eq(v, 12);
	cr_assert_eq(op_valid_qty(&v, "0.125", 3, &why), 0);
	cr_assert_eq(v, 125);
	cr_assert_eq(op_valid_qty(&v, "1.5", 0, &why), -1);
	cr_assert(strstr(why, "whole number"), "%s", why);
	cr_assert_eq(op_valid_qty(&v, "3.555", 2, &why), -1);
	cr_assert(strstr(why, "more than 2 decimals") && strstr(why, "0.01"), "%s", why);
	cr_assert_eq(op_valid_qty(&v, "0", 2, &why), -1);
	cr_assert_eq(op_valid_qty(&v, "0.00", 2, &why), -1);
	cr_assert_eq(op_valid_qty(&v, "-1", 2, &why), -1);
	cr_assert_eq(op_valid_qty(&v, "3,5", 2, &why), -1);
	cr_assert_eq(op_valid_qty(&v, "abc", 2, &why), -1);
	cr_assert_eq(op_valid_qty(&v, ".5", 2, &why), -1);
	cr_assert_eq(op_valid_qty(&v, "1000000001", 0, &why), -1);

	op_qty_format(buf, sizeof(buf), 350, 2);
	cr_assert_str_eq(buf, "3.50");
	op_qty_format(buf, sizeof(buf), 5, 2);
	cr_assert_str_eq(buf, "0.05");
	op_qty_format(buf, sizeof(buf), 7, 0);
	cr_assert_str_eq(buf, "7");

	/* 3.5 m at 368.00 = 1288.00 exactly; 1.33 m at 0.99 = 1.3167 -> 1.32;
	 * 0.5 of 0.01 rounds up: 0.5 * 0.01 = 0.005 -> 0.01 */
	cr_assert_eq(op_line_total(&v, 350, 2, 36800), 0);
	cr_assert_eq(v, 128800);
	cr_assert_eq(op_line_total(&v, 133, 2, 99), 0);
	cr_assert_eq(v, 132);
	cr_assert_eq(op_line_total(&v, 50, 2, 1), 0);
	cr_assert_eq(v, 1);
	cr_assert_eq(op_line_total(&v, 49, 2, 1), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(op_line_total(&v, 3, 0, 8500), 0);
	cr_assert_eq(v, 25500);
	cr_assert_eq(op_line_total(&v, INT64_C(1000000000), 0, INT64_C(10000000000000)), -1);
}
