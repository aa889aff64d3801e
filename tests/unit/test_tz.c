/*
 * test_tz.c — unit tests for schema/tz.c: UTC <-> local through ICU, the
 * business date, daylight saving, and what is not a timestamp.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tz.h"

static op_tz *open_tz(const char *zone)
{
	op_tz *tz = NULL;

	cr_assert_eq(op_tz_open(&tz, zone), 0, "zone %s", zone);
	return tz;
}

Test(tz, beijing_both_ways)
{
	op_tz *tz = open_tz("Asia/Shanghai");
	char out[20];

	cr_assert_eq(op_tz_local(tz, out, sizeof(out), "2026-12-01 23:30:00"), 0);
	cr_assert_str_eq(out, "2026-12-02 07:30:00");
	cr_assert_eq(op_tz_local(tz, out, sizeof(out), "2026-12-01T23:30Z"), 0);
	cr_assert_str_eq(out, "2026-12-02 07:30:00");
	cr_assert_eq(op_tz_utc(tz, out, sizeof(out), "2026-12-02 07:30:00"), 0);
	cr_assert_str_eq(out, "2026-12-01 23:30:00");
	cr_assert_eq(op_tz_utc(tz, out, sizeof(out), "2026-12-02"), 0, "a date is local midnight");
	cr_assert_str_eq(out, "2026-12-01 16:00:00");
	cr_assert_eq(op_tz_offset(tz, 0), 480);
	op_tz_date(tz, out, sizeof(out), 1796167800);	/* 2026-12-01 23:30:00 UTC */
	cr_assert_str_eq(out, "2026-12-02");
	op_tz_free(tz);
}

Test(tz, daylight_saving)
{
	op_tz *tz = open_tz("America/New_York");
	char out[20];

	cr_assert_eq(op_tz_local(tz, out, sizeof(out), "2026-07-01 12:00:00"), 0);
	cr_assert_str_eq(out, "2026-07-01 08:00:00", "EDT is UTC-4");
	cr_assert_eq(op_tz_local(tz, out, sizeof(out), "2026-01-01 12:00:00"), 0);
	cr_assert_str_eq(out, "2026-01-01 07:00:00", "EST is UTC-5");
	cr_assert_eq(op_tz_utc(tz, out, sizeof(out), "2026-07-01 08:00:00"), 0);
	cr_assert_str_eq(out, "2026-07-01 12:00:00");
	op_tz_free(tz);
}

Test(tz, refuses)
{
	op_tz *tz = open_tz("UTC"), *none = NULL;
	char out[20] = "unchanged";

	cr_assert_eq(op_tz_open(&none, "Mars/Olympus"), -1);
	cr_assert_null(none);
	cr_assert_eq(op_tz_open(&none, ""), -1);
	cr_assert_eq(op_tz_local(tz, out, sizeof(out), "2026-12-02"), -1, "a date stays a date");
	cr_assert_eq(op_tz_local(tz, out, sizeof(out), "garbage"), -1);
	cr_assert_eq(op_tz_local(tz, out, sizeof(out), "2026-13-01 00:00:00"), -1);
	cr_assert_eq(op_tz_local(tz, out, sizeof(out), "2026-12-01 10:00:00x"), -1);
	cr_assert_eq(op_tz_local(tz, out, sizeof(out), NULL), -1);
	cr_assert_str_eq(out, "unchanged");
	op_tz_free(tz);
	op_tz_free(NULL);
}

Test(tz, default_zone)
{
	char z[64];

	setenv("TZ", "Asia/Urumqi", 1);
	op_tz_default(z, sizeof(z));
	cr_assert_str_eq(z, "Asia/Urumqi");
	setenv("TZ", "not a zone", 1);
	op_tz_default(z, sizeof(z));
	cr_assert_neq(strcmp(z, "not a zone"), 0);
}
