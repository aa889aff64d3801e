/*
 * assign.c — assignment rules for new enquiries (see assign.h).
 *
 * One function decides who gets a new customer, whichever interface adds
 * it: the rules (assign_rule, synced) are read in priority order, and the
 * first that matches and has an active member gives the customer to the
 * member after the one this store gave the last customer to (assign_turn,
 * a local row: the turn is per store and survives restarts). Every name is
 * qualified with main. so a signed-in salesperson's scope views (scope.h)
 * neither hide the rules nor the customer just inserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "assign.h"
#include "scope.h"

#define MAXMEMBERS 64

static const char SQL_NRULES[] = "SELECT count(*) FROM main.assign_rule WHERE active";
static const char SQL_REGION[] = "SELECT region FROM main.branch WHERE code = :branch";
static const char SQL_MATCH[] =
	"SELECT id, name, staff FROM main.assign_rule WHERE active"
	"   AND (branch IS NULL OR branch = :branch)"
	"   AND (region IS NULL OR region = :region)"
	"   AND (channel IS NULL OR channel = :channel)"
	"   AND (category IS NULL OR instr(lower(coalesce(:interests, '')), lower(category)) > 0)"
	" ORDER BY priority, name, id";
static const char SQL_ACTIVE[] = "SELECT active FROM main.staff WHERE code = :code";
static const char SQL_TURN[] = "SELECT last_staff FROM main.assign_turn WHERE rule_id = :id";
static const char SQL_TAKE[] =
	"INSERT INTO main.assign_turn(rule_id, last_staff, turns) VALUES (:id, :staff, 1)"
	" ON CONFLICT(rule_id) DO UPDATE SET last_staff = excluded.last_staff,"
	" turns = turns + 1";

/* Split a ','-separated staff list into m (pointers into buf). */
static int members(char *buf, size_t n, const char *list, char *m[MAXMEMBERS])
{
	int k = 0;
	snprintf(buf, n, "%s", list ? list : "");
	for (char *p = buf; *p && k < MAXMEMBERS; ) {
		size_t l = strcspn(p, ",");
		char *e = p + l, *s = p;
		int last = !*e;
		*e = '\0';
		while (*s == ' ')
			s++;
		for (char *t = e; t > s && t[-1] == ' '; )
			*--t = '\0';
		if (*s)
			m[k++] = s;
		if (last)
			break;
		p = e + 1;
	}
	return k;
}

/* 1 when staff code is an active staff member, 0 when inactive, -1 when
 * there is none, -2 on a database error. */
static int staff_state(op_db *db, const char *code)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_ACTIVE);
	int rc;

	if (!st || op_bind_text(db, st, ":code", code) < 0 || (rc = op_db_step(db, st)) < 0)
		return -2;
	rc = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) != 0 : -1;
	sqlite3_reset(st);
	return rc;
}

/* The member of rule id's list m[0..n) whose turn it is here, or NULL
 * when none is active; -1 on a database error. */
static int next_member(op_db *db, const char *id, char *const *m, int n, const char **who)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_TURN);
	int rc, last = -1;

	*who = NULL;
	if (!st || op_bind_text(db, st, ":id", id) < 0 || (rc = op_db_step(db, st)) < 0)
		return -1;
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
		for (int i = 0; i < n; i++)
			if (strcmp(m[i], (const char *)sqlite3_column_text(st, 0)) == 0)
				last = i;
	sqlite3_reset(st);
	for (int k = 1; k <= n; k++) {
		const char *c = m[(last + k) % n];
		if ((rc = staff_state(db, c)) == -2)
			return -1;
		if (rc == 1) {
			*who = c;
			return 0;
		}
	}
	return 0;
}

int op_assign_pick(op_db *db, const struct op_assign_facts *f, int take,
		   struct op_assign *out)
{
	sqlite3_stmt *st;
	char region[128] = "", buf[2048];
	const char *reg = f->region;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!(st = op_db_stmt(db, SQL_NRULES)) || op_db_step(db, st) != SQLITE_ROW)
		return -1;
	out->nrules = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (!out->nrules)
		return 0;
	if (!reg && f->branch) {
		if (!(st = op_db_stmt(db, SQL_REGION)) ||
		    op_bind_text(db, st, ":branch", f->branch) < 0 || (rc = op_db_step(db, st)) < 0)
			return -1;
		if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
			snprintf(region, sizeof(region), "%s", sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		reg = region[0] ? region : NULL;
	}
	if (!(st = op_db_stmt(db, SQL_MATCH)) ||
	    op_bind_text(db, st, ":branch", f->branch) < 0 ||
	    op_bind_text(db, st, ":region", reg) < 0 ||
	    op_bind_text(db, st, ":channel", f->channel) < 0 ||
	    op_bind_text(db, st, ":interests", f->interests) < 0)
		return -1;
	while ((rc = op_db_step(db, st)) == SQLITE_ROW) {
		char *m[MAXMEMBERS];
		const char *who, *name = (const char *)sqlite3_column_text(st, 1);
		int n = members(buf, sizeof(buf), (const char *)sqlite3_column_text(st, 2), m);
		snprintf(out->rule_id, sizeof(out->rule_id), "%s", sqlite3_column_text(st, 0));
		if (next_member(db, out->rule_id, m, n, &who) < 0)
			goto fail;
		if (who) {
			snprintf(out->rule, sizeof(out->rule), "%s", name);
			snprintf(out->staff, sizeof(out->staff), "%s", who);
			break;
		}
		size_t l = strlen(out->skipped);
		snprintf(out->skipped + l, sizeof(out->skipped) - l, "%s%s", l ? ", " : "", name);
		out->rule_id[0] = '\0';
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (!take || !out->staff[0])
		return 0;
	if (!(st = op_db_stmt(db, SQL_TAKE)) || op_bind_text(db, st, ":id", out->rule_id) < 0 ||
	    op_bind_text(db, st, ":staff", out->staff) < 0)
		return -1;
	return op_db_run(db, st);
fail:
	sqlite3_reset(st);
	return -1;
}

static const char SQL_CUSTOMER[] =
	"SELECT home_branch, coalesce(interests, '') || ' ' || coalesce(tags, ''), channel"
	" FROM main.customer WHERE id = :id";
static const char SQL_SET_OWNER[] =
	"UPDATE main.customer SET owner = :owner, assign_rule = :rule WHERE id = :id"
	" AND (owner IS NOT :owner OR assign_rule IS NOT :rule)";

int op_assign_customer(op_db *db, const char *id, struct op_assign *out)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_CUSTOMER);
	char *branch = NULL, *interests = NULL, *channel = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st || op_bind_text(db, st, ":id", id) < 0)
		return -1;
	if ((rc = op_db_step(db, st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc < 0 ? -1 : op_errc(op_db_err(db), EX_NOINPUT, "no customer with id %s", id);
	}
#define DUP(i) (sqlite3_column_text(st, i) ? strdup((const char *)sqlite3_column_text(st, i)) : NULL)
	branch = DUP(0);
	interests = DUP(1);
	channel = DUP(2);
#undef DUP
	sqlite3_reset(st);
	struct op_assign_facts f = { branch, NULL, interests, channel };
	rc = op_assign_pick(db, &f, 1, out);
	free(branch);
	free(interests);
	free(channel);
	if (rc < 0 || !out->nrules)
		return rc;
	/* The rules decide, even against the default owner the row came with. */
	if (!(st = op_db_stmt(db, SQL_SET_OWNER)) ||
	    op_bind_text(db, st, ":owner", out->staff[0] ? out->staff : NULL) < 0 ||
	    op_bind_text(db, st, ":rule", out->rule_id[0] ? out->rule_id : NULL) < 0 ||
	    op_bind_text(db, st, ":id", id) < 0)
		return -1;
	return op_db_run(db, st);
}

int op_assign_mark(op_db *db, int64_t *rowid)
{
	sqlite3_stmt *st = op_db_stmt(db, "SELECT coalesce(max(rowid), 0) FROM main.customer");
	if (!st || op_db_step(db, st) != SQLITE_ROW)
		return -1;
	*rowid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

static const char SQL_NEW[] =
	"SELECT id FROM main.customer WHERE rowid > :after AND owner IS NULL"
	" AND merged_into IS NULL ORDER BY rowid";

int op_assign_new(op_db *db, int64_t after, int64_t *assigned, int64_t *unmatched)
{
	sqlite3_stmt *st;
	char **ids = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*assigned = *unmatched = 0;
	/* no rules, nothing to do: an import of 100,000 rows pays nothing */
	sqlite3_stmt *nr = op_db_stmt(db, SQL_NRULES);
	if (!nr || op_db_step(db, nr) != SQLITE_ROW)
		return -1;
	int any = sqlite3_column_int(nr, 0);
	sqlite3_reset(nr);
	if (!any)
		return 0;
	if (!(st = op_db_stmt(db, SQL_NEW)) || op_bind_int(db, st, ":after", after) < 0)
		return -1;
	/* ids first: the updates below must not run under this scan */
	while ((rc = op_db_step(db, st)) == SQLITE_ROW) {
		if (n == cap) {
			char **m = realloc(ids, (cap = cap ? 2 * cap : 64) * sizeof(*ids));
			if (!m) {
				rc = op_errc(op_db_err(db), EX_OSERR, "out of memory");
				break;
			}
			ids = m;
		}
		if (!(ids[n] = strdup((const char *)sqlite3_column_text(st, 0)))) {
			rc = op_errc(op_db_err(db), EX_OSERR, "out of memory");
			break;
		}
		n++;
	}
	sqlite3_reset(st);
	for (size_t i = 0; rc == SQLITE_DONE && i < n; i++) {
		struct op_assign a;
		if (op_assign_customer(db, ids[i], &a) < 0)
			rc = -1;
		else if (a.staff[0])
			++*assigned;
		else if (a.nrules)
			++*unmatched;
	}
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ------------------------------------------------------------ rules */

static const char SQL_NAME[] =
	"SELECT active FROM main.assign_rule WHERE name = :name ORDER BY active DESC LIMIT 1";
static const char SQL_PRIO[] =
	"SELECT name FROM main.assign_rule WHERE active AND priority = :p";
static const char SQL_LASTPRIO[] =
	"SELECT coalesce(max(priority), 0) + 10 FROM main.assign_rule WHERE active";
static const char SQL_BRANCH[] =
	"SELECT 1 FROM main.branch WHERE code = :v"
	" UNION ALL SELECT 1 FROM main.meta WHERE key = 'site' AND value = :v";
static const char SQL_REGION_OK[] = "SELECT 1 FROM main.branch WHERE region = :v";
static const char SQL_CATEGORY[] = "SELECT 1 FROM main.product WHERE category = :v";
static const char SQL_CHANNEL[] = "SELECT active FROM main.channel WHERE code = :v";
static const char SQL_ADD[] =
	"INSERT INTO main.assign_rule(name, priority, branch, region, category, channel,"
	" staff, created_by) VALUES (:name, :priority, :branch, :region, :category,"
	" :channel, :staff, :by) RETURNING id";

/* Does sql (one :v parameter) return a row for v? 1, 0, or -1. */
static int exists(op_db *db, const char *sql, const char *v, int *col0)
{
	sqlite3_stmt *st = op_db_stmt(db, sql);
	int rc;
	if (!st || op_bind_text(db, st, ":v", v) < 0 || (rc = op_db_step(db, st)) < 0)
		return -1;
	if (col0 && rc == SQLITE_ROW)
		*col0 = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

/* A condition given empty is no condition. */
static const char *given(const char *s)
{
	return s && *s ? s : NULL;
}

static int check_rule(op_db *db, const struct op_assign_rule *r, const char *branch,
		      char *staff, size_t staffsz, int64_t *prio)
{
	op_err *e = op_db_err(db);
	sqlite3_stmt *st;
	char buf[2048], *m[MAXMEMBERS];
	int rc, act = 1;

	if (!given(r->name))
		return op_errc(e, EX_DATAERR, "name: is required");
	if (strlen(r->name) > 64)
		return op_errc(e, EX_DATAERR, "name: at most 64 bytes");
	for (const char *p = r->name; *p; p++)
		if ((unsigned char)*p <= ' ')
			return op_errc(e, EX_DATAERR, "name: one word, without spaces or "
				       "control characters (dianping-leads)");
	if (!(st = op_db_stmt(db, SQL_NAME)) || op_bind_text(db, st, ":name", r->name) < 0 ||
	    (rc = op_db_step(db, st)) < 0)
		return -1;
	act = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
	if (act > 0)
		return op_errc(e, EX_DATAERR, "name: there is a rule '%s' already", r->name);
	if (act == 0)
		return op_errc(e, EX_DATAERR, "name: there is a removed rule '%s' already "
			       "(names stay taken; choose another)", r->name);
	*prio = r->priority;
	if (*prio < 0) {
		if (!(st = op_db_stmt(db, SQL_LASTPRIO)) || op_db_step(db, st) != SQLITE_ROW)
			return -1;
		*prio = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	} else {
		if (!(st = op_db_stmt(db, SQL_PRIO)) || op_bind_int(db, st, ":p", *prio) < 0 ||
		    (rc = op_db_step(db, st)) < 0)
			return -1;
		if (rc == SQLITE_ROW) {
			op_errc(e, EX_DATAERR, "priority: %lld is rule '%s''s; rules are tried "
				"in priority order, so give another", (long long)*prio,
				sqlite3_column_text(st, 0));
			sqlite3_reset(st);
			return -1;
		}
		sqlite3_reset(st);
	}
	if (branch && (rc = exists(db, SQL_BRANCH, branch, NULL)) <= 0)
		return rc < 0 ? -1 : op_errc(e, EX_DATAERR, "branch: no branch '%s'", branch);
	if (given(r->region) && (rc = exists(db, SQL_REGION_OK, r->region, NULL)) <= 0)
		return rc < 0 ? -1 : op_errc(e, EX_DATAERR, "region: no branch is in region '%s'",
					     r->region);
	if (given(r->category) && (rc = exists(db, SQL_CATEGORY, r->category, NULL)) <= 0)
		return rc < 0 ? -1 : op_errc(e, EX_DATAERR, "category: no product has the "
					     "category '%s'", r->category);
	if (given(r->channel) && (rc = exists(db, SQL_CHANNEL, r->channel, &act)) <= 0)
		return rc < 0 ? -1 : op_errc(e, EX_DATAERR, "channel: '%s' is not a channel code "
					     "(outpost channel list)", r->channel);
	if (given(r->channel) && !act)
		return op_errc(e, EX_DATAERR, "channel: '%s' is no longer used", r->channel);
	int commas = 0;
	for (const char *p = r->staff ? r->staff : ""; *p; p++)
		commas += *p == ',';
	if (commas >= MAXMEMBERS || strlen(r->staff ? r->staff : "") >= sizeof(buf))
		return op_errc(e, EX_DATAERR, "staff: at most %d members", MAXMEMBERS);
	int n = members(buf, sizeof(buf), r->staff, m);
	if (n == 0)
		return op_errc(e, EX_DATAERR, "staff: give one or more staff codes (A,B,C)");
	size_t len = 0;
	staff[0] = '\0';
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < i; j++)
			if (strcmp(m[i], m[j]) == 0)
				return op_errc(e, EX_DATAERR, "staff: %s is listed twice", m[i]);
		if ((rc = staff_state(db, m[i])) == -2)
			return -1;
		if (rc < 0)
			return op_errc(e, EX_DATAERR, "staff: no staff member '%s'", m[i]);
		if (rc == 0)
			return op_errc(e, EX_DATAERR, "staff: %s is not active", m[i]);
		len += (size_t)snprintf(staff + len, len < staffsz ? staffsz - len : 0, "%s%s",
					i ? "," : "", m[i]);
	}
	if (len >= staffsz)
		return op_errc(e, EX_DATAERR, "staff: the list is too long");
	return 0;
}

/* The branch a manager's rule is confined to; NULL when any may be named. */
static const char *own_branch(op_db *db)
{
	return op_scope_kind(db) == OP_SCOPE_BRANCH ? op_scope_branch(db) : NULL;
}

int op_assign_rule_add(op_db *db, const struct op_assign_rule *r, char **id)
{
	const char *mine = own_branch(db), *branch = given(r->branch);
	char staff[2048];
	int64_t prio = 0;
	sqlite3_stmt *st;

	if (id)
		*id = NULL;
	if (mine) {
		if (!*mine)
			return op_errc(op_db_err(db), EX_NOPERM, "branch: you have no branch; "
				       "rules for a branch are its manager's or HQ's");
		if (branch && strcmp(branch, mine) != 0)
			return op_errc(op_db_err(db), EX_NOPERM, "branch: a manager defines rules "
				       "for their own branch (%s), not %s; HQ defines the others",
				       mine, branch);
		branch = mine;
	}
	if (op_db_begin(db, r->actor) < 0)
		return -1;
	if (check_rule(db, r, branch, staff, sizeof(staff), &prio) < 0)
		goto fail;
	if (!(st = op_db_stmt(db, SQL_ADD)) || op_bind_text(db, st, ":name", r->name) < 0 ||
	    op_bind_int(db, st, ":priority", prio) < 0 ||
	    op_bind_text(db, st, ":branch", branch) < 0 ||
	    op_bind_text(db, st, ":region", given(r->region)) < 0 ||
	    op_bind_text(db, st, ":category", given(r->category)) < 0 ||
	    op_bind_text(db, st, ":channel", given(r->channel)) < 0 ||
	    op_bind_text(db, st, ":staff", staff) < 0 ||
	    op_bind_text(db, st, ":by", r->actor) < 0 || op_db_step(db, st) != SQLITE_ROW)
		goto fail;
	if (id)
		*id = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (op_db_commit(db) < 0)
		goto fail;
	return 0;
fail:
	op_db_rollback(db);
	if (id) {
		free(*id);
		*id = NULL;
	}
	return -1;
}

static const char SQL_REMOVE[] =
	"UPDATE main.assign_rule SET active = 0 WHERE name = :name AND active"
	" AND (:mine IS NULL OR branch = :mine)";
static const char SQL_WHOSE[] =
	"SELECT coalesce(branch, 'every branch') FROM main.assign_rule"
	" WHERE name = :name AND active";

int op_assign_rule_remove(op_db *db, const char *name, const char *actor)
{
	const char *mine = own_branch(db);
	sqlite3_stmt *st;
	int rc;

	if (op_db_begin(db, actor) < 0)
		return -1;
	if (!(st = op_db_stmt(db, SQL_REMOVE)) || op_bind_text(db, st, ":name", name) < 0 ||
	    op_bind_text(db, st, ":mine", mine) < 0 || op_db_run(db, st) < 0)
		goto fail;
	if (sqlite3_changes(op_db_handle(db)) == 0) {
		if (!(st = op_db_stmt(db, SQL_WHOSE)) || op_bind_text(db, st, ":name", name) < 0 ||
		    (rc = op_db_step(db, st)) < 0)
			goto fail;
		if (rc == SQLITE_ROW)
			op_errc(op_db_err(db), EX_NOPERM, "rule '%s' is for %s; a manager removes "
				"only their own branch's rules", name, sqlite3_column_text(st, 0));
		else
			op_errc(op_db_err(db), EX_NOINPUT, "no active rule '%s' (outpost assign list)",
				name);
		sqlite3_reset(st);
		goto fail;
	}
	if (op_db_commit(db) < 0)
		goto fail;
	return 0;
fail:
	op_db_rollback(db);
	return -1;
}
