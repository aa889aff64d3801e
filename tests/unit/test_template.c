/*
 * test_template.c — unit tests for schema/template.c: placeholders render
 * exactly, and a template that could not render is refused naming why.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

static void renders(const char *tpl, const struct op_tpl_vars *v, const char *want)
{
	op_err e = { 0 };
	unsigned uses = 0;
	cr_assert_eq(op_tpl_check(tpl, strlen(tpl), &uses, &e), 0, "'%s': %s", tpl, e.msg);
	char *got = op_tpl_render(tpl, v);
	cr_assert_not_null(got);
	cr_assert_str_eq(got, want, "template '%s'", tpl);
	free(got);
}

static void refused(const char *tpl, size_t len, const char *why_part)
{
	op_err e = { 0 };
	cr_assert_eq(op_tpl_check(tpl, len, NULL, &e), -1, "'%s' accepted", tpl);
	cr_assert_eq(e.code, EX_DATAERR);
	cr_assert(strstr(e.msg, why_part), "'%s': '%s' lacks '%s'", tpl, e.msg, why_part);
}

Test(template, chinese_placeholders)
{
	struct op_tpl_vars v = { .name = "张伟", .gender = "male", .points = 1280,
				 .coupon = "AB7K9Q2M", .store = "上海徐汇店" };
	renders("{姓名}{称呼}，生日快乐！您有{积分}积分，券码{券码}，{门店}恭候。", &v,
		"张伟先生，生日快乐！您有1280积分，券码AB7K9Q2M，上海徐汇店恭候。");
	v.gender = "female";
	v.name = "李娜";
	renders("尊敬的{姓名}{称呼}", &v, "尊敬的李娜女士");
	v.gender = NULL;
	renders("尊敬的{姓名}{称呼}", &v, "尊敬的李娜");
	v.gender = "other";
	renders("{称呼}|", &v, "|");
}

Test(template, english_names_and_braces)
{
	struct op_tpl_vars v = { .name = "Ann", .points = 0, .coupon = NULL };
	renders("{name}: {points} pts {{not a field}} {coupon}", &v,
		"Ann: 0 pts {not a field} ");
	renders("no placeholders, 100% plain", &v, "no placeholders, 100% plain");
	renders("多行\n第二行 {姓名}", &v, "多行\n第二行 Ann");
}

Test(template, uses)
{
	op_err e = { 0 };
	unsigned u = 0;
	const char *t = "{券码} {门店}";
	cr_assert_eq(op_tpl_check(t, strlen(t), &u, &e), 0);
	cr_assert_eq(u, OP_TPL_COUPON | OP_TPL_STORE);
}

Test(template, refusals)
{
	refused("您好{名字}", strlen("您好{名字}"), "unknown placeholder {名字}");
	refused("{姓名", 7, "is not closed");
	refused("{姓{名}", strlen("{姓{名}"), "is not closed");
	refused("a } b", 5, "'}' without '{'");
	refused("", 0, "empty");
	refused("ab\0cd", 5, "NUL byte at offset 2");
	refused("\xe5\xbc", 2, "UTF-8");
}
