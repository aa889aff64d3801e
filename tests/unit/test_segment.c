/*
 * test_segment.c — unit tests for schema/segment.c: filter text parses
 * into canonical values (Chinese aliases, lists, ranges), prints back the
 * same, and bad filters are refused naming the key.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "segment.h"

static void canon(const char *in, const char *want)
{
	struct op_seg s = { 0 };
	op_err e = { 0 };
	cr_assert_eq(op_seg_parse(&s, in, &e), 0, "'%s': %s", in, e.msg);
	char *t = op_seg_text(&s);
	cr_assert_str_eq(t, want, "filter '%s'", in);
	/* the canonical text parses to itself */
	struct op_seg again = { 0 };
	cr_assert_eq(op_seg_parse(&again, t, &e), 0, "'%s': %s", t, e.msg);
	char *t2 = op_seg_text(&again);
	cr_assert_str_eq(t2, t);
	free(t);
	free(t2);
	op_seg_clear(&s);
	op_seg_clear(&again);
}

static void refused(const char *in, const char *why_part)
{
	struct op_seg s = { 0 };
	op_err e = { 0 };
	cr_assert_eq(op_seg_parse(&s, in, &e), -1, "'%s' accepted", in);
	cr_assert_eq(e.code, EX_DATAERR, "'%s'", in);
	cr_assert(strstr(e.msg, why_part), "'%s': '%s' lacks '%s'", in, e.msg, why_part);
	op_seg_clear(&s);
}

Test(segment, canonical)
{
	canon("", "");
	canon("class=A, 重要客户 ,major", "class=important,important,major");
	canon("style=现代简约;  colour = 米白 ", "style=现代简约; colour=米白");
	canon("freq=高，低", "freq=high,low");
	canon("gender=女", "gender=female");
	canon("rfm=4,*,3", "rfm=4,*,3");
	canon("birthday=12-20..01-10", "birthday=12-20..01-10");
	canon("bought-before=2026/6/1; points-min=0500", "bought-before=2026-06-01; points-min=500");
	canon("tag=VIP、老客户; product=SOFA-1", "tag=VIP,老客户; product=SOFA-1");
	/* keys come out in table order, whatever order they were given in */
	canon("category=沙发; class=small", "class=small; category=沙发");
}

Test(segment, refusals)
{
	refused("colour=red; foo=1", "unknown segment filter 'foo'");
	refused("class=huge", "class: ");
	refused("rfm=4,3", "rfm: ");
	refused("rfm=6,*,*", "rfm: ");
	refused("birthday=13-01..12-31", "birthday: ");
	refused("birthday=02-30..03-01", "birthday: ");
	refused("birthday-within=400", "birthday-within: ");
	refused("bought-after=yesterday", "bought-after: ");
	refused("points-min=-5", "points-min: ");
	refused("style", "is not KEY=VALUE");
	refused("style=", "style: no value");
	refused("tag=a,,b", "tag: empty value");
}

Test(segment, set_refuses_semicolon_and_clears)
{
	struct op_seg s = { 0 };
	op_err e = { 0 };
	cr_assert_eq(op_seg_set(&s, "style", "a;b", &e), -1);
	cr_assert(strstr(e.msg, "';'"));
	cr_assert_eq(op_seg_set(&s, "style", "北欧", &e), 0);
	cr_assert(op_seg_any(&s));
	cr_assert_eq(op_seg_set(&s, "style", NULL, &e), 0);
	cr_assert_not(op_seg_any(&s));
	cr_assert_eq(op_seg_set(&s, "nope", "x", &e), -1);
	cr_assert(strstr(e.msg, "unknown segment filter 'nope'"));
	op_seg_clear(&s);
}
