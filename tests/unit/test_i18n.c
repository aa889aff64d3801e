/*
 * test_i18n.c — unit tests for schema/i18n.c: the catalogue is found from
 * the build tree, a server can switch the language whatever LANG says, and
 * validation reasons come out in the language chosen.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "valid.h"

static const char *phone_why(const char *in)
{
	char out[17];
	const char *why = NULL;

	cr_assert_eq(op_valid_phone(out, sizeof(out), in, &why), -1, "%s accepted", in);
	return why;
}

Test(i18n, finds_catalogue_in_build_tree)
{
	cr_assert_eq(op_i18n_init(), 0, "no catalogue under %s", op_i18n_dir());
	cr_assert(strstr(op_i18n_dir(), "locale"), "%s", op_i18n_dir());
}

Test(i18n, env_dir_wins_and_bad_env_dir_falls_back)
{
	setenv("OUTPOST_LOCALEDIR", "/nonexistent/locale", 1);
	cr_assert_eq(op_i18n_init(), 0, "a missing $OUTPOST_LOCALEDIR is skipped");
	cr_assert_neq(strcmp(op_i18n_dir(), "/nonexistent/locale"), 0);
}

Test(i18n, lang_switch_translates_valid_reasons)
{
	setenv("LANG", "C", 1);
	unsetenv("LC_ALL");
	unsetenv("LANGUAGE");
	op_i18n_init();
	cr_assert_str_eq(op_i18n_current(), "en");
	cr_assert(strstr(phone_why("1380013800"), "mobile numbers have 11 digits, got 10"),
		  "%s", phone_why("1380013800"));
	cr_assert_eq(op_i18n_lang("zh_CN"), 0);
	cr_assert_str_eq(op_i18n_current(), "zh_CN");
	cr_assert(strstr(phone_why("1380013800"), "手机号应为 11 位，实际 10 位"),
		  "%s", phone_why("1380013800"));
	cr_assert(strstr(phone_why("23456789"), "不是中国手机号"), "%s", phone_why("23456789"));
	cr_assert_eq(op_i18n_lang("en"), 0);
	cr_assert_str_eq(op_i18n_current(), "en");
	cr_assert(strstr(phone_why("1380013800"), "got 10"), "%s", phone_why("1380013800"));
	cr_assert_eq(op_i18n_lang("zh"), 0);
	cr_assert_str_eq(op_i18n_current(), "zh_CN");
	cr_assert_eq(op_i18n_lang(NULL), 0, "back to the environment (LANG=C)");
	cr_assert_str_eq(op_i18n_current(), "en");
}

Test(i18n, lang_refuses_odd_names)
{
	op_i18n_init();
	cr_assert_eq(op_i18n_lang("zh_CN:../../etc"), -1);
	cr_assert_eq(op_i18n_lang(""), -1);
	cr_assert_eq(op_i18n_lang("zh CN"), -1);
	cr_assert_str_eq(op_i18n_current(), "en", "nothing changed");
}

Test(i18n, enum_reason_in_chinese)
{
	const char *canon = NULL, *why = NULL;

	op_i18n_init();
	op_i18n_lang("zh_CN");
	cr_assert_eq(op_valid_enum(&canon, &op_enum_gender, "zzz", &why), -1);
	cr_assert(strstr(why, "不是已知的性别"), "%s", why);
}
