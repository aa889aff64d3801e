/*
 * test_ops.c — the operations layer the CLI and the web share
 * (schema/ops.h): role rules, sign-in, errors that name their field,
 * nothing half-saved.
 */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "items.h"
#include "ops.h"
#include "scope.h"
#include "unit_store.h"

static int count(op_db *db, const char *sql)
{
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(op_db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	int n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static const char **customer_vals(const char *name, const char *phone)
{
	static const char *vals[OP_MAX_FIELDS];
	memset(vals, 0, sizeof(vals));
	vals[op_rec_field(op_customer_fields, op_customer_nfields, "name", 0) - op_customer_fields] = name;
	vals[op_rec_field(op_customer_fields, op_customer_nfields, "phone", 0) - op_customer_fields] = phone;
	return vals;
}

Test(ops, role_rules)
{
	cr_assert_not(op_role_may("sales", "customer", "delete"));
	cr_assert(op_role_may("manager", "customer", "delete"));
	cr_assert(op_role_may("sales", "customer", "add"));
	cr_assert_not(op_role_may("service", "customer", "add"));
	cr_assert_not(op_role_may("sales", "ticket", "update"));
	cr_assert(op_role_may("service", "ticket", "update"));
	cr_assert(op_role_may("sales", "ticket", "open"));
	cr_assert_not(op_role_may("sales", "report", "sales"));
	cr_assert_not(op_role_may("", "customer", "search"), "nobody signed in: nothing");
	cr_assert_not(op_role_may("boss", "customer", "search"), "an unknown role: nothing");
	struct op_ctx ctx = { .as = "li.na", .role = "sales" };
	cr_assert_eq(op_role_check(&ctx, "customer", "delete"), -1);
	cr_assert_eq(ctx.err.code, EX_NOPERM);
	cr_assert_str_eq(ctx.err.msg, "customer delete needs the role manager, hq or admin "
			 "(li.na is sales)");
}

Test(ops, a_bad_value_names_its_field)
{
	struct op_ctx ctx = { 0 };
	char out[64];
	int isnull;
	const struct op_field *f = op_rec_field(op_customer_fields, op_customer_nfields, "phone", 0);
	cr_assert_eq(op_rec_norm(&ctx, f, "1380013", out, sizeof(out), &isnull), -1);
	cr_assert_str_eq(ctx.field, "phone");
	cr_assert_eq(ctx.err.code, EX_DATAERR);
	cr_assert(strncmp(ctx.err.msg, "phone: ", 7) == 0, "%s", ctx.err.msg);
	op_ctx_clear(&ctx);
	cr_assert_null(ctx.field);
	cr_assert_eq(op_rec_norm(&ctx, f, " ", out, sizeof(out), &isnull), 0);
	cr_assert(isnull);
}

Test(ops, customer_add_saves_whole_or_nothing)
{
	char dir[128], path[256], *id = NULL;
	op_db *db = unit_store_open(dir, sizeof(dir), path, sizeof(path), "ops", "SH01");
	struct op_ctx ctx = { .db = db, .as = "li.na" };

	cr_assert_eq(op_customer_add(&ctx, customer_vals("赵敏", "1380013"), 0, NULL, NULL, NULL, &id), -1);
	cr_assert_str_eq(ctx.field, "phone");
	cr_assert_null(id);
	cr_assert_eq(count(db, "SELECT count(*) FROM customer"), 0);
	cr_assert_eq(count(db, "SELECT count(*) FROM journal"), 0, "nothing journaled either");

	op_ctx_clear(&ctx);
	cr_assert_eq(op_customer_add(&ctx, customer_vals(" 赵敏 ", "138 0013 8000"), 0, NULL, NULL, NULL,
				     &id), 0, "%s", ctx.err.msg);
	cr_assert_not_null(id);
	cr_assert_eq(count(db, "SELECT count(*) FROM customer WHERE name = '赵敏' AND"
			   " phone = '+8613800138000' AND owner = 'li.na' AND home_branch = 'SH01'"), 1);
	free(id);

	op_ctx_clear(&ctx);
	cr_assert_eq(op_customer_add(&ctx, customer_vals("赵敏敏", "13800138000"), 0, NULL, NULL, NULL, &id),
		     -1, "a phone that is already a customer's");
	cr_assert_str_eq(ctx.field, "phone");
	cr_assert_eq(count(db, "SELECT count(*) FROM customer"), 1);
	op_ctx_clear(&ctx);
	cr_assert_eq(op_customer_add(&ctx, customer_vals("赵敏敏", "13800138000"), 1, NULL, NULL, NULL, &id),
		     0, "unless a duplicate is meant");
	free(id);

	op_ctx_clear(&ctx);
	cr_assert_eq(op_customer_add(&ctx, customer_vals(NULL, "13900139000"), 0, NULL, NULL, NULL, &id), -1);
	cr_assert_str_eq(ctx.field, "name");
	cr_assert_eq(count(db, "SELECT count(*) FROM customer"), 2);
	unit_store_remove(db, dir);
}

Test(ops, an_order_line_at_fault_is_named)
{
	char dir[128], path[256], *id = NULL, *cust = NULL;
	op_db *db = unit_store_open(dir, sizeof(dir), path, sizeof(path), "ops", "SH01");
	struct op_ctx ctx = { .db = db, .as = "li.na" };
	struct op_item items[3];
	struct op_lines L = { .items = items, .n = 3 };
	const char *args[3] = { "A-1:2", "A-2:1", "A-1:abc" }, *vals[OP_ORD_NF] = { 0 };

	cr_assert_eq(op_db_exec(db, "INSERT INTO product(sku, name, price) VALUES ('A-1', '窗帘', 100),"
				" ('A-2', '纱帘', 200)"), 0);
	cr_assert_eq(op_customer_add(&ctx, customer_vals("赵敏", "13800138000"), 0, NULL, NULL, NULL,
				     &cust), 0, "%s", ctx.err.msg);
	memset(items, 0, sizeof(items));
	for (int k = 0; k < 3; k++) {
		items[k].arg = args[k];
		cr_assert_eq(op_items_parse(&ctx, k + 1, &items[k]), 0, "%s", ctx.err.msg);
		cr_assert_null(ctx.field);
	}
	vals[OP_ORD_CUSTOMER] = cust;
	cr_assert_eq(op_order_add(&ctx, vals, &L, NULL, NULL, &id, NULL), -1);
	cr_assert_eq(L.bad, 3, "the third line is at fault (got %d)", L.bad);
	cr_assert_str_eq(ctx.field, "qty");
	cr_assert(strncmp(ctx.err.msg, "item 3: quantity", 16) == 0, "%s", ctx.err.msg);
	cr_assert_eq(count(db, "SELECT count(*) FROM sales_order"), 0, "nothing half-saved");
	cr_assert_eq(count(db, "SELECT count(*) FROM order_item"), 0);

	struct op_item bad = { .arg = "A-1" };
	op_ctx_clear(&ctx);
	cr_assert_eq(op_items_parse(&ctx, 1, &bad), -1);
	cr_assert_str_eq(ctx.field, "sku");
	for (int k = 0; k < 3; k++) {
		free(items[k].product_id);
		free(items[k].name);
		free(items[k].spec);
		free(items[k].unit);
	}
	free(cust);
	unit_store_remove(db, dir);
}

Test(ops, signin_checks_the_pin_and_confines)
{
	char dir[128], path[256], hash[crypto_pwhash_STRBYTES], *id = NULL;
	op_db *db = unit_store_open(dir, sizeof(dir), path, sizeof(path), "signin", "SH01");
	struct op_ctx ctx = { .db = db };

	cr_assert_geq(sodium_init(), 0);
	cr_assert_eq(crypto_pwhash_str(hash, "1234", 4, crypto_pwhash_OPSLIMIT_MIN,
				       crypto_pwhash_MEMLIMIT_MIN), 0);
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(op_db_handle(db), "INSERT INTO staff(code, name, role,"
					" pin_hash) VALUES ('li.na', '李娜', 'sales', ?1), ('wang', '王强',"
					" 'sales', ?1)", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	cr_assert_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	cr_assert_eq(op_secured(db), 1);

	struct op_ctx w = { .db = db, .as = "wang" };
	cr_assert_eq(op_customer_add(&w, customer_vals("张无忌", "13633334444"), 0, NULL, NULL, NULL, &id), 0);
	free(id);

	cr_assert_eq(op_signin(&ctx, "li.na", "0000"), -1);
	cr_assert_eq(ctx.err.code, EX_NOPERM);
	cr_assert_str_eq(ctx.err.msg, "wrong PIN for li.na");
	cr_assert_eq(op_signin(&ctx, "li.na", NULL), -1, "no PIN is a wrong PIN");
	cr_assert_eq(op_signin(&ctx, "nobody", "1234"), -1);
	cr_assert_str_eq(ctx.role, "", "a refused sign-in leaves no role");
	cr_assert_eq(op_signin(&ctx, "li.na", "1234"), 0, "%s", ctx.err.msg);
	cr_assert_str_eq(ctx.role, "sales");
	cr_assert_str_eq(ctx.as, "li.na");
	cr_assert_eq(op_scope_kind(db), OP_SCOPE_OWNER);
	cr_assert_eq(count(db, "SELECT count(*) FROM customer"), 0, "wang's customer is out of sight");

	sqlite3_stmt *s;
	op_ctx_clear(&ctx);
	cr_assert_eq(op_customer_search(&ctx, "张无忌", 10, &s), 0);
	cr_assert_eq(sqlite3_step(s), SQLITE_DONE, "search does not find it");
	sqlite3_reset(s);
	cr_assert_eq(op_customer_search(&ctx, "  ", 10, &s), -1);
	cr_assert_eq(ctx.err.code, EX_USAGE);
	unit_store_remove(db, dir);
}

/* The first name search finds for q, or "" when it finds none. */
static void first_found(struct op_ctx *ctx, const char *q, char *out, size_t n)
{
	sqlite3_stmt *s;
	out[0] = '\0';
	cr_assert_eq(op_customer_search(ctx, q, 10, &s), 0, "%s: %s", q, ctx->err.msg);
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(s, 1));
	sqlite3_reset(s);
}

Test(ops, search_by_pinyin_initials_and_mixed)
{
	char dir[128], path[256], got[64], *id = NULL;
	op_db *db = unit_store_open(dir, sizeof(dir), path, sizeof(path), "pinyin", "SH01");
	struct op_ctx ctx = { .db = db };
	const char *names[] = { "张三丰", "曾华", "单雪梅" }, *phones[] = { "13900001111", "13900002222",
									    "13900003333" };

	for (int i = 0; i < 3; i++) {
		cr_assert_eq(op_customer_add(&ctx, customer_vals(names[i], phones[i]), 0, NULL, NULL,
					     NULL, &id), 0, "%s", ctx.err.msg);
		free(id);
	}
	first_found(&ctx, "zhangsanfeng", got, sizeof(got));
	cr_assert_str_eq(got, "张三丰");
	first_found(&ctx, "zsf", got, sizeof(got));
	cr_assert_str_eq(got, "张三丰");
	first_found(&ctx, "张sf", got, sizeof(got));
	cr_assert_str_eq(got, "张三丰");
	first_found(&ctx, "sanf", got, sizeof(got));
	cr_assert_str_eq(got, "张三丰");
	first_found(&ctx, "zengh", got, sizeof(got));
	cr_assert_str_eq(got, "曾华", "a surname in its surname reading");
	first_found(&ctx, "ceng", got, sizeof(got));
	cr_assert_str_eq(got, "", "not in its everyday reading");
	first_found(&ctx, "sxm", got, sizeof(got));
	cr_assert_str_eq(got, "单雪梅");
	first_found(&ctx, "2222", got, sizeof(got));
	cr_assert_str_eq(got, "曾华");
	int64_t total = -1;
	cr_assert_eq(op_customer_search_total(&ctx, "1390000", 100, &total), 0);
	cr_assert_eq(total, 3);
	cr_assert_eq(op_customer_search_total(&ctx, "1390000", 2, &total), 0);
	cr_assert_eq(total, 2, "counted up to the cap");
	cr_assert_eq(count(db, "SELECT count(*) FROM name_stale"), 0, "the keys were made");
	unit_store_remove(db, dir);
}
