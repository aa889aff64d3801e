/*
 * template.h — campaign message templates: text with placeholders in
 * braces, rendered once per customer by `campaign prepare`.
 *
 *   {姓名} {name}     the customer's name
 *   {称呼} {title}    先生 or 女士 by gender (nothing when not recorded)
 *   {积分} {points}   the customer's points
 *   {券码} {coupon}   the customer's coupon code (the campaign's shared one)
 *   {门店} {store}    the name of the customer's home branch (else this store's)
 *   {{ and }}         a literal brace
 *
 * An unknown placeholder, an unclosed brace, a NUL byte or text that is not
 * UTF-8 is refused when the campaign is defined, naming what is wrong.
 */
#ifndef OP_TEMPLATE_H
#define OP_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

/* Placeholder bits, for what a template uses. */
#define OP_TPL_NAME   0x01
#define OP_TPL_TITLE  0x02
#define OP_TPL_POINTS 0x04
#define OP_TPL_COUPON 0x08
#define OP_TPL_STORE  0x10

/* Check the len bytes of tpl. 0 and *uses (may be NULL), or -1 with e
 * set (EX_DATAERR "template: ..."). */
int op_tpl_check(const char *tpl, size_t len, unsigned *uses, op_err *e);

struct op_tpl_vars {
	const char *name;	/* NULL renders as "" */
	const char *gender;	/* "male" "female" or anything else */
	int64_t points;
	const char *coupon;
	const char *store;
};

/* Render a template that passed op_tpl_check. The text, malloc'd (the
 * caller frees it), or NULL when out of memory. */
char *op_tpl_render(const char *tpl, const struct op_tpl_vars *v);

#endif
