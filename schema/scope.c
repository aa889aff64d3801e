/*
 * scope.c — row scope views for a signed-in staff member (see scope.h).
 *
 * The rules below are the whole policy: for each table holding customer
 * data, the predicate a row must meet for a salesperson (OWNER) and for a
 * manager or service account (BRANCH). The journal and the conflict log
 * refer to rows of synced tables by (tbl, gid); their predicates are
 * generated from the same rules, so a row hidden in its table is hidden
 * in the log too. The person's code and branch live in the TEMP table
 * op_scope (bound, never pasted into SQL); the views read it.
 */
#include <stdio.h>
#include <string.h>
#include "scope.h"
#include "tables.h"

#define ME "(SELECT staff FROM temp.op_scope)"
#define MYB "(SELECT branch FROM temp.op_scope)"
/* A row without a branch belongs to the store that holds it. */
#define AT_MYB(col) "coalesce(" col ", (SELECT value FROM main.meta WHERE key = 'site'))" \
	" = " MYB
/* A row's own columns are r.*: each rule is checked for the rows a query
 * reads (correlated, through the indexes of customer_id, order_id …),
 * never by collecting the ids of every visible row of the store first. */
#define IN_VIEW(col, view) "EXISTS (SELECT 1 FROM temp." view " v WHERE v.id = r." col ")"
#define OF_CUSTOMER IN_VIEW("customer_id", "customer")
#define AT_CUSTOMER(t) "EXISTS (SELECT 1 FROM main." t " x WHERE x.customer_id = r.id" \
	" AND " AT_MYB("x.branch") ")"

static const struct rule {
	const char *table;
	const char *owner, *branch;	/* predicates; NULL: generated (tbl, gid) */
	int rowid;			/* the table has a rowid to carry */
	const char *masked;		/* column shown masked to roles that mask */
} rules[] = {
	{ "customer", "owner = " ME,
	  "coalesce(home_branch, " MYB ") = " MYB
	  " OR " AT_CUSTOMER("sales_order") " OR " AT_CUSTOMER("ticket")
	  " OR " AT_CUSTOMER("followup"),
	  1, "phone" },
	{ "sales_order", OF_CUSTOMER, AT_MYB("branch"), 1, NULL },
	{ "order_item", IN_VIEW("order_id", "sales_order"),
	  IN_VIEW("order_id", "sales_order"), 1, NULL },
	{ "ticket", OF_CUSTOMER, AT_MYB("branch"), 1, NULL },
	{ "ticket_step", IN_VIEW("ticket_id", "ticket"),
	  IN_VIEW("ticket_id", "ticket"), 1, NULL },
	{ "followup", OF_CUSTOMER, AT_MYB("branch"), 1, NULL },
	{ "access_log", "staff = " ME, AT_MYB("branch"), 1, NULL },
	/* issue 12's customer data: custom fields, payments, quotes, visits */
	{ "customer_attr", OF_CUSTOMER, OF_CUSTOMER, 1, NULL },
	{ "payment", IN_VIEW("order_id", "sales_order"),
	  IN_VIEW("order_id", "sales_order"), 1, NULL },
	{ "quote", OF_CUSTOMER, AT_MYB("branch"), 1, NULL },
	{ "quote_item", IN_VIEW("quote_id", "quote"),
	  IN_VIEW("quote_id", "quote"), 1, NULL },
	{ "appointment", OF_CUSTOMER, AT_MYB("branch"), 1, NULL },
	{ "customer_class", OF_CUSTOMER, OF_CUSTOMER, 0, NULL },
	{ "customer_merge", IN_VIEW("keep", "customer"),
	  IN_VIEW("keep", "customer"), 1, NULL },
	/* issue 14's: who was sent what, who answered, coupons and their use */
	{ "campaign_outbox", OF_CUSTOMER, OF_CUSTOMER, 1, "address" },	/* a phone, mostly */
	{ "campaign_response", OF_CUSTOMER, OF_CUSTOMER, 1, NULL },
	{ "coupon", "customer_id IS NULL OR " OF_CUSTOMER, "customer_id IS NULL OR " OF_CUSTOMER, 1, NULL },
	{ "coupon_redemption", OF_CUSTOMER, OF_CUSTOMER, 1, NULL },
	{ "conflict", NULL, NULL, 1, NULL },
	{ "journal", NULL, NULL, 1, NULL },
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))

/* A phone keeps its country code, operator prefix and last four digits;
 * the format takes the column's name six times. */
#define MASK_FMT "CASE WHEN length(\"%w\") > 8 THEN substr(\"%w\", 1," \
	" length(\"%w\") - 8) || '****' || substr(\"%w\", -4)" \
	" WHEN \"%w\" IS NOT NULL THEN '****' END"

enum op_scope_kind op_scope_of_role(const char *role)
{
	if (!role || !*role || strcmp(role, "hq") == 0 || strcmp(role, "admin") == 0)
		return OP_SCOPE_ALL;
	if (strcmp(role, "sales") == 0)
		return OP_SCOPE_OWNER;
	return OP_SCOPE_BRANCH;	/* manager, service, and any role added later */
}

int op_scope_masks(const char *role)
{
	return role && strcmp(role, "service") == 0;
}

int op_scope_covers(const char *table)
{
	for (size_t i = 0; i < NRULES; i++)
		if (strcmp(rules[i].table, table) == 0)
			return 1;
	return 0;
}

enum op_scope_kind op_scope_kind(op_db *db)
{
	return (enum op_scope_kind)op_db_scope_slot(db)->kind;
}

const char *op_scope_text(op_db *db)
{
	struct op_db_scope *s = op_db_scope_slot(db);
	return s->kind == OP_SCOPE_ALL ? NULL : s->text;
}

const char *op_scope_branch(op_db *db)
{
	struct op_db_scope *s = op_db_scope_slot(db);
	return s->kind == OP_SCOPE_BRANCH ? s->branch : NULL;
}

const char *op_scope_staff(op_db *db)
{
	struct op_db_scope *s = op_db_scope_slot(db);
	return s->staff[0] ? s->staff : NULL;
}

static const char SQL_ACCESS[] =
	"INSERT INTO main.access_log(staff, role, branch, what, rows)"
	" VALUES (:staff, :role, :branch, :what, :rows)";

int op_access_record(op_db *db, const char *staff, const char *what, int64_t rows)
{
	struct op_db_scope *sc = op_db_scope_slot(db);
	sqlite3_stmt *st;
	int own = !op_db_in_txn(db);

	if (!staff)
		staff = op_scope_staff(db);
	if (own && op_db_begin(db, staff) < 0)
		return -1;
	if (!(st = op_db_stmt(db, SQL_ACCESS)) ||
	    op_bind_text(db, st, ":staff", staff) < 0 ||
	    op_bind_text(db, st, ":role", sc->role[0] ? sc->role : NULL) < 0 ||
	    op_bind_text(db, st, ":branch", op_db_site(db)) < 0 ||
	    op_bind_text(db, st, ":what", what) < 0 ||
	    op_bind_int(db, st, ":rows", rows) < 0 || op_db_run(db, st) < 0 ||
	    (own && op_db_commit(db) < 0)) {
		if (own)
			op_db_rollback(db);
		return op_errctx(op_db_err(db), "cannot record the access audit");
	}
	return 0;
}

static const char SQL_EXISTS[] =
	"SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = :t";
static const char SQL_COLS[] =
	"SELECT name FROM pragma_table_info(:t, 'main') ORDER BY cid";
static const char SQL_SCOPE_ROW[] =
	"INSERT INTO temp.op_scope(staff, role, branch) VALUES (:staff, :role, :branch)";

static int table_exists(op_db *db, const char *t)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_EXISTS);
	int rc;
	if (!st || op_bind_text(db, st, ":t", t) < 0)
		return -1;
	rc = op_db_step(db, st);
	sqlite3_reset(st);
	return rc < 0 ? -1 : rc == SQLITE_ROW;
}

/* The (tbl, gid) predicate of the journal and the conflict log: rows of
 * covered synced tables only when their row is visible. */
static void log_predicate(sqlite3_str *s)
{
	sqlite3_str_appendall(s, "tbl NOT IN (");
	int k = 0;
	for (int i = 0; i < op_ntables; i++)
		if (op_scope_covers(op_tables[i].name))
			sqlite3_str_appendf(s, "%s%d", k++ ? ", " : "", op_tables[i].num);
	sqlite3_str_appendall(s, ")");
	for (int i = 0; i < op_ntables; i++)
		if (op_scope_covers(op_tables[i].name))
			sqlite3_str_appendf(s, " OR (tbl = %d AND EXISTS (SELECT 1 FROM temp.\"%w\" v"
					    " WHERE v.id = r.gid))",
					    op_tables[i].num, op_tables[i].name);
}

static int make_view(op_db *db, const struct rule *r, enum op_scope_kind kind, int mask)
{
	sqlite3_str *s = sqlite3_str_new(op_db_handle(db));
	sqlite3_stmt *st = op_db_stmt(db, SQL_COLS);
	int rc, n = 0;
	char *sql;

	sqlite3_str_appendf(s, "CREATE TEMP VIEW \"%w\" AS SELECT %s", r->table,
			    r->rowid ? "rowid AS rowid" : "");
	if (!st || op_bind_text(db, st, ":t", r->table) < 0) {
		sqlite3_free(sqlite3_str_finish(s));
		return -1;
	}
	while ((rc = op_db_step(db, st)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		const char *sep = (n++ || r->rowid) ? ", " : "";
		if (mask && r->masked && strcmp(c, r->masked) == 0)
			sqlite3_str_appendf(s, "%s" MASK_FMT " AS \"%w\"", sep, c, c, c, c, c, c);
		else
			sqlite3_str_appendf(s, "%s\"%w\"", sep, c);
	}
	sqlite3_reset(st);
	if (rc < 0) {
		sqlite3_free(sqlite3_str_finish(s));
		return -1;
	}
	sqlite3_str_appendf(s, " FROM main.\"%w\" AS r WHERE ", r->table);
	if (!r->owner)
		log_predicate(s);
	else
		sqlite3_str_appendf(s, "%s", kind == OP_SCOPE_OWNER ? r->owner : r->branch);
	if (!(sql = sqlite3_str_finish(s)))
		return op_errc(op_db_err(db), EX_OSERR, "out of memory");
	rc = op_db_exec(db, sql);
	sqlite3_free(sql);
	if (rc < 0)
		op_errctx(op_db_err(db), "cannot confine the session to its scope (%s)", r->table);
	return rc;
}

/* Once the views are made, nothing on the connection may remove them:
 * changing temp_store drops every TEMP object (the views with it), and a
 * dropped view would leave unqualified names pointing at the main tables. */
static int guard(void *arg, int action, const char *a1, const char *a2,
		 const char *dbname, const char *inner)
{
	(void)arg, (void)dbname, (void)inner;
	switch (action) {
	case SQLITE_PRAGMA:
		return a1 && a2 && sqlite3_stricmp(a1, "temp_store") == 0 ? SQLITE_DENY : SQLITE_OK;
	case SQLITE_DROP_TEMP_VIEW:
	case SQLITE_DROP_TEMP_TABLE:
	case SQLITE_DROP_VIEW:
		return a1 && (op_scope_covers(a1) || strcmp(a1, "op_scope") == 0) ?
			SQLITE_DENY : SQLITE_OK;
	}
	return SQLITE_OK;
}

int op_scope_set(op_db *db, const char *staff, const char *role, const char *branch)
{
	struct op_db_scope *sc = op_db_scope_slot(db);
	enum op_scope_kind kind = op_scope_of_role(role);
	int mask = op_scope_masks(role);
	char sql[128];
	sqlite3_stmt *st;

	snprintf(sc->role, sizeof(sc->role), "%s", role ? role : "");
	snprintf(sc->staff, sizeof(sc->staff), "%s", staff ? staff : "");
	if (kind == OP_SCOPE_ALL)
		return 0;
	if ((!branch || !*branch) && !op_db_is_hq(db))
		branch = op_db_site(db);
	if (!branch || !*branch)
		branch = NULL;
	sqlite3_set_authorizer(op_db_handle(db), NULL, NULL);
	/* Set now: changing it later would drop the views (see guard). */
	if (op_db_exec(db, "PRAGMA temp_store = MEMORY") < 0)
		return -1;
	for (size_t i = 0; i < NRULES; i++) {
		snprintf(sql, sizeof(sql), "DROP VIEW IF EXISTS temp.\"%s\"", rules[i].table);
		if (op_db_exec(db, sql) < 0)
			return -1;
	}
	if (op_db_exec(db, "DROP TABLE IF EXISTS temp.op_scope;"
		       " CREATE TEMP TABLE op_scope(staff TEXT, role TEXT, branch TEXT)") < 0 ||
	    !(st = op_db_stmt(db, SQL_SCOPE_ROW)) ||
	    op_bind_text(db, st, ":staff", staff) < 0 ||
	    op_bind_text(db, st, ":role", role) < 0 ||
	    op_bind_text(db, st, ":branch", branch) < 0 || op_db_run(db, st) < 0)
		return -1;
	for (size_t i = 0; i < NRULES; i++) {
		int have = table_exists(db, rules[i].table);
		if (have < 0 || (have && make_view(db, &rules[i], kind, mask) < 0))
			return -1;
	}
	sqlite3_set_authorizer(op_db_handle(db), guard, NULL);
	sc->kind = kind;
	snprintf(sc->branch, sizeof(sc->branch), "%s", branch ? branch : "");
	if (kind == OP_SCOPE_OWNER)
		snprintf(sc->text, sizeof(sc->text), "only customers owned by %s", sc->staff);
	else if (branch)
		snprintf(sc->text, sizeof(sc->text), "branch %s only%s", branch,
			 mask ? ", phones masked" : "");
	else
		snprintf(sc->text, sizeof(sc->text), "no branch: no customer rows");
	return 0;
}
