/*
 * faultsim_write.c — the writes of a fault-harness schedule (docs/FAULTS.md):
 * a customer added, a column edited or cleared, points, deletes, follow-ups
 * and staff, through Outpost's connection or a stock sqlite3 one, each
 * recorded in the model with the journal entry that holds it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "faultsim.h"
#include "sync.h"
#include "tables.h"

/* --- writes --- */

/* The id of a random row of table t at x (with `where` on it), or "". */
static void pick_row(struct sim *m, struct site *x, const char *t, const char *where,
		     char out[64])
{
	char sql[256];
	out[0] = '\0';
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\" WHERE %s", t, where);
	int64_t n = q_int(op_db_handle(x->db), sql, NULL, 0);
	if (n <= 0)
		return;
	snprintf(sql, sizeof(sql), "SELECT id FROM \"%s\" WHERE %s ORDER BY id LIMIT 1 OFFSET ?2",
		 t, where);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(op_db_handle(x->db), sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 2, (int64_t)below(&m->r, (uint64_t)n));
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, 64, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

struct wr {
	const char *sql;
	const char *p[4];		/* text parameters ?1..?4 (NULL binds NULL) */
	int64_t delta;			/* ?5 when set */
};

/* Run one write statement on x, through the store's connection inside
 * op_db_begin/op_db_commit as outpost does, or through a stock sqlite3
 * connection as any SQLite client would. 0, or -1 with the failure set. */
static int run_write(struct sim *m, struct site *x, const struct wr *w, int use_stock,
		     const char *new_id_table, char *new_id)
{
	sqlite3 *db = use_stock ? stock(on(x)) : op_db_handle(on(x)->db);
	sqlite3_stmt *st;
	int rc;

	if (!db)
		return failf(m, "%s: cannot open a stock connection", x->code);
	if (!use_stock && op_db_begin(x->db, "fs.staff") < 0)
		return failf(m, "%s: begin: %s", x->code, op_db_err(x->db)->msg);
	if (sqlite3_prepare_v2(db, w->sql, -1, &st, NULL) != SQLITE_OK) {
		failf(m, "%s: %s: %s", x->code, w->sql, sqlite3_errmsg(db));
		op_db_rollback(x->db);
		return -1;
	}
	for (int i = 0; i < 4; i++)
		if (sqlite3_bind_parameter_index(st, (char[]){ '?', (char)('1' + i), 0 }))
			sqlite3_bind_text(st, i + 1, w->p[i], -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_index(st, "?5"))
		sqlite3_bind_int64(st, 5, w->delta);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		failf(m, "%s: %s: %s", x->code, w->sql, sqlite3_errmsg(db));
		if (!use_stock)
			op_db_rollback(x->db);
		return -1;
	}
	if (new_id) {
		sqlite3_stmt *q;
		char sql[96];
		new_id[0] = '\0';
		snprintf(sql, sizeof(sql), "SELECT id FROM \"%s\" WHERE rowid = last_insert_rowid()",
			 new_id_table);
		if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
			if (sqlite3_step(q) == SQLITE_ROW)
				snprintf(new_id, 64, "%s", sqlite3_column_text(q, 0));
			sqlite3_finalize(q);
		}
	}
	if (!use_stock && op_db_commit(x->db) < 0)
		return failf(m, "%s: commit: %s", x->code, op_db_err(x->db)->msg);
	m->st.writes++;
	m->st.stock += use_stock;
	return 0;
}

/* The journal entry a write of (gid, op) made after seq `after`: the
 * triggers must have caught it (invariant 1). */
static int64_t journaled(struct sim *m, struct site *x, int64_t after, int tbl,
			 const char *gid, int op)
{
	sqlite3_stmt *st;
	int64_t seq = 0;
	if (sqlite3_prepare_v2(op_db_handle(x->db), "SELECT max(seq) FROM journal WHERE"
			       " seq > ?1 AND tbl = ?2 AND gid = ?3 AND op = ?4", -1, &st,
			       NULL) != SQLITE_OK)
		return failf(m, "journal: %s", sqlite3_errmsg(op_db_handle(x->db)));
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, tbl);
	sqlite3_bind_text(st, 3, gid, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, op);
	if (sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (seq <= 0)
		return failf(m, "%s: a write to %s was not journaled", x->code, gid);
	return seq;
}

static struct mrow *model_row(struct sim *m, int tab, const char *gid)
{
	struct mrow *r = row_find(m, tab, gid);
	int made = 0;
	for (int k = 0; r && k < r->n; k++)
		made |= r->e[k].kind == E_INS && !r->e[k].dead;
	if (!made)
		failf(m, "harness: %s %s is in a store but not in the model", mtabs[tab].name, gid);
	return made ? r : NULL;
}

static void newval(struct sim *m, char *buf, const char *pfx)
{
	snprintf(buf, 32, "%s%ld", pfx, ++m->nval);
}

/* Insert a row of table tab at x: every modelled column takes its value
 * at the creation's version. */
static int write_insert(struct sim *m, struct site *x, int tab, const char *cust, int stock_)
{
	char id[64], a[32], b[32], c[32], expl[64];
	struct wr w = { 0 };
	const struct mtab *mt = &mtabs[tab];
	int64_t j0 = journal_max(x);
	int explicit_id = pct(&m->r, 30);

	newval(m, a, "n");
	newval(m, b, "+86138");
	newval(m, c, "e");
	snprintf(expl, sizeof(expl), "fs-%s-%ld", x->code, m->nval);
	if (tab == T_CUST) {
		w.sql = explicit_id ? "INSERT INTO customer(id, name, phone, email) VALUES (?4, ?1, ?2, ?3)"
				    : "INSERT INTO customer(name, phone, email) VALUES (?1, ?2, ?3)";
		w.p[0] = a, w.p[1] = b, w.p[2] = c, w.p[3] = expl;
	} else if (tab == T_FUP) {
		w.sql = "INSERT INTO followup(customer_id, purpose, branch) VALUES (?1, ?2, ?3)";
		w.p[0] = cust, w.p[1] = a, w.p[2] = x->code;
	} else {
		w.sql = "INSERT INTO staff(code, name, pin_hash) VALUES (?1, ?2, ?3)";
		w.p[0] = a, w.p[1] = b, w.p[2] = c;
	}
	if (run_write(m, x, &w, stock_, mt->name, id) < 0)
		return -1;
	int64_t js = journaled(m, x, j0, mt->num, id, 1);
	if (js < 0)
		return -1;
	struct mrow *r = row_add(m, tab, id, x->idx);
	ent_add(r, E_INS, OP_COL_ROW, NULL, 0, x->idx, js);
	/* the modelled columns' values, in mtabs order */
	const char *vals[4] = { a, b, c, NULL };
	if (tab == T_FUP)
		vals[0] = cust, vals[1] = a, vals[2] = NULL;
	for (int k = 0; k < mt->ncols; k++)
		ent_add(r, E_COL, mt->colnum[k], vals[k], 0, x->idx, js);
	trace(m, "%s%s insert %s %s", x->code, stock_ ? " (sqlite3)" : "", mt->name, id);
	return 0;
}

/* Set column c (mtabs index) of row r of table tab at x to v (NULL: clear
 * it), and record the write. */
static int write_col(struct sim *m, struct site *x, struct mrow *r, int tab, int c,
		     const char *v, int stock_)
{
	const struct mtab *mt = &mtabs[tab];
	struct wr w = { 0 };
	char sql[160];
	int64_t j0 = journal_max(x);

	snprintf(sql, sizeof(sql), "UPDATE \"%s\" SET \"%s\" = ?1 WHERE id = ?2", mt->name,
		 mt->cols[c]);
	w.sql = sql, w.p[0] = v, w.p[1] = r->gid;
	if (run_write(m, x, &w, stock_, NULL, NULL) < 0)
		return -1;
	int64_t js = journaled(m, x, j0, mt->num, r->gid, 2);
	if (js < 0)
		return -1;
	ent_add(r, E_COL, mt->colnum[c], v, 0, x->idx, js);
	trace(m, "%s%s %s %s %s %s%s%s", x->code, stock_ ? " (sqlite3)" : "", v ? "edit" : "clear",
	      mt->name, r->gid, mt->cols[c], v ? " = " : "", v ? v : "");
	return 0;
}

/* One random write at x. */
int write_random(struct sim *m, struct site *x)
{
	char id[64], v[32], ids[3][64];
	int stock_ = pct(&m->r, 30), k = (int)below(&m->r, 100);
	const struct mtab *cu = &mtabs[T_CUST];
	int64_t j0 = journal_max(x);
	struct wr w = { 0 };
	struct mrow *r;

	pick_row(m, x, "customer", "1", id);
	if (!id[0] || k < 14)
		return write_insert(m, x, T_CUST, NULL, stock_);
	if (k < 22) {
		if (x->hq && pct(&m->r, 50))
			return write_insert(m, x, T_STAFF, NULL, stock_);
		return write_insert(m, x, T_FUP, id, stock_);
	}
	if (!(r = model_row(m, T_CUST, id)))
		return -1;
	if (k < 52) {			/* edit a column */
		newval(m, v, "v");
		return write_col(m, x, r, T_CUST, (int)below(&m->r, (uint64_t)cu->ncols), v, stock_);
	}
	if (k < 60) {			/* clear a column that has a value */
		int c = 1 + (int)below(&m->r, (uint64_t)cu->ncols - 1);
		char sql[128];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM customer WHERE id = ?1 AND"
			 " \"%s\" IS NOT NULL", cu->cols[c]);
		if (q_int(op_db_handle(x->db), sql, id, 0) <= 0)
			return 0;
		return write_col(m, x, r, T_CUST, c, NULL, stock_);
	}
	if (k < 82) {			/* points, refunds included */
		int64_t d = (int64_t)below(&m->r, 150) - 50;
		d = d ? d : 7;
		w.sql = "UPDATE customer SET points = points + ?5 WHERE id = ?1";
		w.p[0] = id, w.delta = d;
		if (run_write(m, x, &w, stock_, NULL, NULL) < 0)
			return -1;
		int64_t js = journaled(m, x, j0, cu->num, id, 2);
		if (js < 0)
			return -1;
		ent_add(r, E_INC, op_table_col(op_table_by_num((uint64_t)cu->num), "points"),
			NULL, d, x->idx, js);
		trace(m, "%s%s points %s %+lld", x->code, stock_ ? " (sqlite3)" : "", id, (long long)d);
		return 0;
	}
	if (k < 88) {			/* one statement, several rows, one timestamp */
		struct mrow *rs[3];
		int n = 0;
		for (int i = 0; i < 3; i++) {
			pick_row(m, x, "customer", "1", ids[i]);
			int dup = 0;
			for (int j = 0; j < i; j++)
				dup |= strcmp(ids[i], ids[j]) == 0;
			if (dup)
				ids[i][0] = '\0';
			else if (!(rs[i] = model_row(m, T_CUST, ids[i])))
				return -1;
		}
		newval(m, v, "bulk");
		w.sql = "UPDATE customer SET notes = ?1 WHERE id IN (?2, ?3, ?4)";
		w.p[0] = v, w.p[1] = ids[0], w.p[2] = ids[1], w.p[3] = ids[2];
		if (run_write(m, x, &w, stock_, NULL, NULL) < 0)
			return -1;
		for (int i = 0; i < 3; i++) {
			if (!ids[i][0])
				continue;
			int64_t js = journaled(m, x, j0, cu->num, ids[i], 2);
			if (js < 0)
				return -1;
			ent_add(rs[i], E_COL, cu->colnum[3], v, 0, x->idx, js);
			n++;
		}
		trace(m, "%s%s bulk notes = %s on %d customers", x->code, stock_ ? " (sqlite3)" : "",
		      v, n);
		return 0;
	}
	if (k < 94) {			/* a follow-up of this site, or HQ's staff */
		int tab = x->hq ? T_STAFF : T_FUP;
		const struct mtab *mt = &mtabs[tab];
		char fid[64], where[64];
		snprintf(where, sizeof(where), x->hq ? "1" : "branch = '%s'", x->code);
		pick_row(m, x, mt->name, where, fid);
		if (!fid[0] || !(r = model_row(m, tab, fid)))
			return fid[0] ? -1 : 0;
		newval(m, v, "f");
		return write_col(m, x, r, tab, 1 + (int)below(&m->r, (uint64_t)mt->ncols - 1), v,
				 stock_);
	}
	w.sql = "DELETE FROM customer WHERE id = ?1";
	w.p[0] = id;
	if (run_write(m, x, &w, stock_, NULL, NULL) < 0)
		return -1;
	int64_t js = journaled(m, x, j0, cu->num, id, 3);
	if (js < 0)
		return -1;
	ent_add(r, E_DEL, OP_COL_TOMBSTONE, NULL, 0, x->idx, js);
	trace(m, "%s%s delete customer %s", x->code, stock_ ? " (sqlite3)" : "", id);
	return 0;
}
