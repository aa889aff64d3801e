/*
 * conflict.c — settling the conflict log (see conflict.h). The CLI's
 * `conflicts resolve` and the web's 同步 page call op_conflict_resolve;
 * `conflicts list/show` use the same column names and row lookups.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conflict.h"

void op_conflict_column(char *out, size_t n, const struct op_table *t, int64_t col)
{
	if (col == -2)
		snprintf(out, n, "(row)");
	else if (col == -1)
		snprintf(out, n, "(deleted)");
	else if (t && col >= 0 && col < t->ncols)
		snprintf(out, n, "%s", t->cols[col].name);
	else
		snprintf(out, n, "col#%" PRId64, col);
}

const struct op_field *op_conflict_field(const struct op_table *t, int64_t col)
{
	if (!t || strcmp(t->name, "customer") != 0 || col < 1 || col >= t->ncols)
		return NULL;
	for (int i = 0; i < op_customer_nfields; i++)
		if (strcmp(op_customer_fields[i].col, t->cols[col].name) == 0)
			return &op_customer_fields[i];
	return NULL;
}

sqlite3_stmt *op_conflict_row_stmt(op_db *db, const struct op_table *t, const char *expr,
				   int quote)
{
	sqlite3_stmt *st = NULL;
	char *sql = sqlite3_mprintf(quote ? "SELECT \"%w\" FROM \"%w\" WHERE id = :id" :
				    "SELECT %s FROM \"%w\" WHERE id = :id", expr, t->name);
	if (!sql || sqlite3_prepare_v2(op_db_handle(db), sql, -1, &st, NULL) != SQLITE_OK) {
		op_db_fail(db, "row lookup");
		st = NULL;
	}
	sqlite3_free(sql);
	return st;
}

static const char SQL_GET[] =
	"SELECT tbl, gid, col, lost, resolved_at, resolved_by, resolution"
	"  FROM conflict WHERE id = :id";
static const char SQL_RESOLVE[] =
	"UPDATE main.conflict SET resolved_at = datetime('now'), resolved_by = :by,"
	"       resolution = :how WHERE id = :id AND resolved_at IS NULL";

/* The value `value` is written as: validated like `customer edit` would for
 * a customer column; "" clears. *v is malloc'd (NULL for SQL NULL). */
static int value_arg(struct op_ctx *ctx, const struct op_table *t, int64_t col,
		     const char *raw, char **v)
{
	const struct op_field *f = op_conflict_field(t, col);
	size_t n = strlen(raw) + 64;
	int isnull;

	*v = NULL;
	if (!f)
		return *raw ? ((*v = strdup(raw)) ? 0 : op_errc(&ctx->err, EX_OSERR,
								 "out of memory")) : 0;
	if (!(*v = malloc(n)))
		return op_errc(&ctx->err, EX_OSERR, "out of memory");
	if (op_rec_norm(ctx, f, raw, *v, n, &isnull) < 0)
		return -1;
	if (isnull) {
		free(*v);
		*v = NULL;
		if (f->required)
			return op_errc(&ctx->err, EX_DATAERR, "%s cannot be empty",
				       t->cols[col].name);
	}
	return 0;
}

/* The row's label ("张三") into out; "" when it has none or is gone. */
static int row_label(op_db *db, const struct op_table *t, const char *gid, char *out, size_t n)
{
	sqlite3_stmt *st = op_conflict_row_stmt(db, t, t->label_sql, 0);
	int rc;

	out[0] = '\0';
	if (!st)
		return -1;
	if (op_bind_text(db, st, ":id", gid) < 0 || (rc = op_db_step(db, st)) < 0) {
		sqlite3_finalize(st);
		return -1;
	}
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		snprintf(out, n, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return 0;
}

/* The chosen value written back into the row, by an UPDATE the triggers
 * journal. 0 or -1 with ctx->err set. */
static int write_back(struct op_ctx *ctx, int64_t id, const struct op_table *t, int64_t tnum,
		      int64_t col,
		      const char *keep, sqlite3_value *lost, const char *value, const char *gid)
{
	op_db *db = ctx->db;
	sqlite3_stmt *upd = NULL;
	char *val = NULL, *sql = NULL;
	int rc = -1;

	if (!t)
		return op_errc(&ctx->err, EX_DATAERR, "conflict %" PRId64 " is about table "
			       "number %" PRId64 ", which this outpost does not know; "
			       "only --keep kept can resolve it", id, tnum);
	if (col < 1 || col >= t->ncols || col == t->counter_col) {
		char cname[64];
		op_conflict_column(cname, sizeof(cname), t, col);
		return op_errc(&ctx->err, EX_DATAERR, "conflict %" PRId64 " is about %s, not "
			       "a value that can be written back; resolve it with "
			       "--keep kept (and edit the %s if needed)", id,
			       col < 1 ? "the row as a whole" : cname, t->name);
	}
	if (!keep && value_arg(ctx, t, col, value, &val) < 0)
		return -1;
	/* identifiers from the table description, the value bound */
	sql = sqlite3_mprintf("UPDATE main.\"%w\" SET \"%w\" = :v WHERE id = :id",
			      t->name, t->cols[col].name);
	if (!sql || sqlite3_prepare_v2(op_db_handle(db), sql, -1, &upd, NULL) != SQLITE_OK) {
		op_db_fail(db, "resolve");
		goto out;
	}
	if ((keep ? op_bind_value(db, upd, ":v", lost) : op_bind_text(db, upd, ":v", val)) < 0 ||
	    op_bind_text(db, upd, ":id", gid) < 0 || op_db_run(db, upd) < 0)
		goto out;
	if (sqlite3_changes(op_db_handle(db)) == 0) {
		op_errc(&ctx->err, EX_NOINPUT, "%s %s no longer exists (deleted since the "
			"conflict); resolve conflict %" PRId64 " with --keep kept", t->name,
			gid, id);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(upd);
	sqlite3_free(sql);
	free(val);
	return rc;
}

int op_conflict_resolve(struct op_ctx *ctx, int64_t id, const char *keep, const char *value,
			struct op_conflict_done *done)
{
	op_db *db = ctx->db;
	sqlite3_value *lost = NULL;
	sqlite3_stmt *st;
	int found, rc = -1;
	int64_t col;

	memset(done, 0, sizeof(*done));
	if (!keep == !value || (keep && strcmp(keep, "kept") != 0 && strcmp(keep, "lost") != 0))
		return op_errc(&ctx->err, EX_USAGE, "say which value stays: --keep kept, "
			       "--keep lost or --value V");
	done->how = !keep ? "value" : strcmp(keep, "kept") == 0 ? "kept" : "lost";
	/* One short transaction: the conflict is read, the value written (and
	 * journaled by the triggers as ctx->as) and the conflict closed. */
	if (op_db_begin(db, ctx->as) < 0)
		return -1;
	if (!(st = op_db_stmt(db, SQL_GET)) || op_bind_int(db, st, ":id", id) < 0 ||
	    (found = op_db_step(db, st)) < 0)
		goto out;
	if (found != SQLITE_ROW) {
		op_errc(&ctx->err, EX_NOINPUT, "no conflict %" PRId64, id);
		goto out_st;
	}
	if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
		op_errc(&ctx->err, EX_DATAERR, "conflict %" PRId64 " was resolved at %s "
			"by %s (%s)", id, sqlite3_column_text(st, 4),
			sqlite3_column_type(st, 5) != SQLITE_NULL ?
			(const char *)sqlite3_column_text(st, 5) : "someone",
			sqlite3_column_type(st, 6) != SQLITE_NULL ?
			(const char *)sqlite3_column_text(st, 6) : "?");
		goto out_st;
	}
	done->tnum = sqlite3_column_int64(st, 0);
	col = sqlite3_column_int64(st, 2);
	done->t = op_table_by_num((uint64_t)done->tnum);
	done->gid = strdup((const char *)sqlite3_column_text(st, 1));
	lost = sqlite3_value_dup(sqlite3_column_value(st, 3));
	sqlite3_reset(st);
	if (!done->gid || !lost) {
		op_errc(&ctx->err, EX_OSERR, "out of memory");
		goto out;
	}
	op_conflict_column(done->col, sizeof(done->col), done->t, col);
	if (strcmp(done->how, "kept") != 0 &&
	    write_back(ctx, id, done->t, done->tnum, col, keep, lost, value, done->gid) < 0)
		goto out;
	if (!(st = op_db_stmt(db, SQL_RESOLVE)) || op_bind_text(db, st, ":by", ctx->as) < 0 ||
	    op_bind_text(db, st, ":how", done->how) < 0 || op_bind_int(db, st, ":id", id) < 0 ||
	    op_db_run(db, st) < 0)
		goto out;
	if (done->t && row_label(db, done->t, done->gid, done->label, sizeof(done->label)) < 0)
		goto out;
	if (op_db_commit(db) < 0)
		goto out;
	rc = 0;
	goto out;
out_st:
	sqlite3_reset(st);
out:
	if (rc < 0) {
		op_db_rollback(db);
		op_conflict_done_free(done);
	}
	sqlite3_value_free(lost);
	return rc;
}

void op_conflict_done_free(struct op_conflict_done *done)
{
	free(done->gid);
	done->gid = NULL;
}
