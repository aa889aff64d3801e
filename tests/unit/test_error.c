/*
 * test_error.c — the error slot.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "error.h"

Test(error, set_and_context)
{
	op_err e = { 0 };
	cr_assert_eq(op_errc(&e, EX_DATAERR, "phone: %s", "too short"), -1);
	cr_assert_eq(e.code, EX_DATAERR);
	cr_assert_str_eq(e.msg, "phone: too short");
	cr_assert_eq(op_errctx(&e, "line %d", 3), -1);
	cr_assert_str_eq(e.msg, "line 3: phone: too short");
	op_err_clear(&e);
	cr_assert_eq(e.code, 0);
	cr_assert_str_eq(e.msg, "");
	cr_assert_eq(op_errf(NULL, "ignored"), -1);
}

Test(error, long_message_is_cut_visibly)
{
	op_err e = { 0 };
	char big[2000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	op_errf(&e, "%s", big);
	cr_assert_eq(strlen(e.msg), sizeof(e.msg) - 1);
	cr_assert_str_eq(e.msg + sizeof(e.msg) - 4, "...");
}
