/*
 * test_assign.c — assignment rules (schema/assign.h): matching by
 * priority, fair turns that skip inactive and removed staff, a trial that
 * takes no turn, and the refusals of op_assign_rule_add.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "assign.h"
#include "scope.h"
#include "unit_store.h"

static char dir[128], path[256];
static op_db *db;

static void sql(const char *s)
{
	cr_assert_eq(op_db_exec(db, s), 0, "%s: %s", s, op_db_err(db)->msg);
}

static void setup(void)
{
	db = unit_store_open(dir, sizeof(dir), path, sizeof(path), "assign", "SH01");
	sql("INSERT INTO branch(code, name, region) VALUES ('SH01', 's', 'east'), ('BJ01', 'b', 'north');"
	    "INSERT INTO staff(code, name, role, branch) VALUES ('a', 'a', 'sales', 'SH01'),"
	    " ('b', 'b', 'sales', 'SH01'), ('c', 'c', 'sales', 'SH01'), ('n', 'n', 'sales', 'BJ01');"
	    "INSERT INTO product(sku, name, category, price) VALUES ('P1', 'p', 'curtain', 100);"
	    "INSERT INTO assign_rule(name, priority, channel, staff) VALUES ('dp', 10, 'dianping', 'a,b,c');"
	    "INSERT INTO assign_rule(name, priority, region, staff) VALUES ('north', 20, 'north', 'n');"
	    "INSERT INTO assign_rule(name, priority, category, staff) VALUES ('cur', 30, 'curtain', 'b')");
}

static void teardown(void)
{
	unit_store_remove(db, dir);
}

TestSuite(assign, .init = setup, .fini = teardown);

static const char *pick(const char *branch, const char *interests, const char *channel, int take)
{
	static struct op_assign a;
	struct op_assign_facts f = { branch, NULL, interests, channel };
	cr_assert_eq(op_db_begin(db, NULL), 0);
	cr_assert_eq(op_assign_pick(db, &f, take, &a), 0, "%s", op_db_err(db)->msg);
	cr_assert_eq(op_db_commit(db), 0);
	return a.staff[0] ? a.staff : "-";
}

Test(assign, priority_and_conditions)
{
	cr_assert_str_eq(pick("BJ01", NULL, "dianping", 0), "a", "priority 10 before 20");
	cr_assert_str_eq(pick("BJ01", NULL, "walk-in", 0), "n", "region of the home branch");
	cr_assert_str_eq(pick("SH01", "living-room CURTAIN", NULL, 0), "b", "category, any case");
	cr_assert_str_eq(pick("SH01", NULL, "walk-in", 0), "-", "nothing matches");
}

Test(assign, turns_fair_and_skip_inactive)
{
	char seq[64] = "";
	for (int i = 0; i < 9; i++)
		strcat(seq, pick("SH01", NULL, "dianping", 1));
	cr_assert_str_eq(seq, "abcabcabc");
	cr_assert_str_eq(pick("SH01", NULL, "dianping", 0), "a", "a trial takes no turn");
	cr_assert_str_eq(pick("SH01", NULL, "dianping", 0), "a");
	sql("UPDATE staff SET active = 0 WHERE code = 'b'");
	seq[0] = '\0';
	for (int i = 0; i < 4; i++)
		strcat(seq, pick("SH01", NULL, "dianping", 1));
	cr_assert_str_eq(seq, "acac", "b skipped while inactive");
	sql("DELETE FROM staff WHERE code = 'c'");
	cr_assert_str_eq(pick("SH01", NULL, "dianping", 1), "a", "c removed");
	sql("UPDATE staff SET active = 0 WHERE code = 'a'");
	struct op_assign a;
	struct op_assign_facts f = { "SH01", NULL, NULL, "dianping" };
	cr_assert_eq(op_assign_pick(db, &f, 0, &a), 0);
	cr_assert_str_eq(a.staff, "");
	cr_assert_str_eq(a.skipped, "dp", "a rule with nobody active is passed over");
}

Test(assign, customer_and_import)
{
	struct op_assign a;
	int64_t mark, n, un;
	cr_assert_eq(op_assign_mark(db, &mark), 0);
	sql("INSERT INTO customer(id, name, channel, owner) VALUES ('c1', 'x', 'dianping', 'adder'),"
	    " ('c2', 'y', 'walk-in', 'adder'), ('c3', 'z', 'dianping', NULL), ('c4', 'w', 'walk-in', NULL)");
	cr_assert_eq(op_assign_customer(db, "c1", &a), 0);
	cr_assert_str_eq(a.staff, "a", "the rule replaces the default owner");
	cr_assert_eq(op_assign_customer(db, "c2", &a), 0);
	cr_assert_str_eq(a.staff, "");
	cr_assert_eq(op_assign_new(db, mark, &n, &un), 0);
	cr_assert_eq(n, 1, "c3: c1 has its owner");
	cr_assert_eq(un, 2, "c2 (its default owner cleared) and c4 match no rule");
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(op_db_handle(db), "SELECT group_concat(coalesce(owner, '-'), ' ')"
		     " FROM (SELECT owner FROM customer ORDER BY id)", -1, &st, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "a - b -");
	sqlite3_finalize(st);
}

Test(assign, rule_add_refusals)
{
	struct op_assign_rule r = { .name = "x", .priority = -1, .staff = "a" };
	cr_assert_eq(op_assign_rule_add(db, &r, NULL), 0, "%s", op_db_err(db)->msg);
	r.name = "y";
	r.staff = "a,zz";
	cr_assert_eq(op_assign_rule_add(db, &r, NULL), -1);
	cr_assert_str_eq(op_db_err(db)->msg, "staff: no staff member 'zz'");
	r.staff = "a";
	r.channel = "nope";
	cr_assert_eq(op_assign_rule_add(db, &r, NULL), -1);
	cr_assert_eq(op_db_err(db)->code, EX_DATAERR);
	r.channel = NULL;
	r.priority = 10;
	cr_assert_eq(op_assign_rule_add(db, &r, NULL), -1);
	cr_assert(strstr(op_db_err(db)->msg, "priority: 10 is rule 'dp''s"));
	r.priority = -1;
	cr_assert_eq(op_scope_set(db, "m", "manager", "SH01"), 0);
	r.branch = "BJ01";
	cr_assert_eq(op_assign_rule_add(db, &r, NULL), -1);
	cr_assert_eq(op_db_err(db)->code, EX_NOPERM);
	r.branch = NULL;
	cr_assert_eq(op_assign_rule_add(db, &r, NULL), 0, "%s", op_db_err(db)->msg);
	cr_assert_eq(op_assign_rule_remove(db, "dp", NULL), -1, "HQ's rule is not the manager's");
	cr_assert_eq(op_db_err(db)->code, EX_NOPERM);
	cr_assert_eq(op_assign_rule_remove(db, "y", NULL), 0, "%s", op_db_err(db)->msg);
	cr_assert_eq(op_assign_rule_remove(db, "y", NULL), -1);
	cr_assert_eq(op_db_err(db)->code, EX_NOINPUT);
}
