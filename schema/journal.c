/*
 * journal.c — generating the journal triggers (see journal.h).
 *
 * One AFTER INSERT, one AFTER UPDATE and one AFTER DELETE trigger per synced
 * table, plus a guard that refuses changing a row's global id. An update
 * writes a single journal row whose `cols` bitmask says which columns
 * changed (no row at all when nothing changed), so the cost of journaling
 * stays one small append per statement-row whatever the width of the table.
 */
#include <stdlib.h>
#include <string.h>
#include "journal.h"
#include "tables.h"

#define TS "CAST((julianday('now')-2440587.5)*86400000 AS INTEGER)"

static void table_sql(sqlite3_str *s, const struct op_table *t)
{
	const char *n = t->name;
	int cc = t->counter_col;

	sqlite3_str_appendf(s,
		"CREATE TRIGGER \"op_j_%w_i\" AFTER INSERT ON \"%w\" BEGIN\n"
		"  INSERT INTO journal(tbl, gid, op, cols, delta, ts, staff)\n"
		"  SELECT %d, new.id, 1, 0, %s%w%s, " TS ", staff\n"
		"  FROM op_ctx WHERE id = 1 AND applying = 0;\nEND;\n",
		n, n, t->num, cc >= 0 ? "new.\"" : "NULL", cc >= 0 ? t->cols[cc].name : "",
		cc >= 0 ? "\"" : "");

	sqlite3_str_appendf(s,
		"CREATE TRIGGER \"op_j_%w_u\" AFTER UPDATE ON \"%w\" BEGIN\n"
		"  INSERT INTO journal(tbl, gid, op, cols, delta, ts, staff)\n"
		"  SELECT %d, new.id, 2, m, ", n, n, t->num);
	if (cc >= 0)
		sqlite3_str_appendf(s, "new.\"%w\" - old.\"%w\"", t->cols[cc].name,
				    t->cols[cc].name);
	else
		sqlite3_str_appendall(s, "NULL");
	sqlite3_str_appendall(s, ", " TS ", staff\n  FROM op_ctx, (SELECT ");
	for (int c = 1; c < t->ncols; c++)
		if (op_col_known(t, c))
			sqlite3_str_appendf(s, "%s((old.\"%w\" IS NOT new.\"%w\") << %d)",
					    c > 1 ? " | " : "", t->cols[c].name,
					    t->cols[c].name, c);
	sqlite3_str_appendall(s,
		" AS m)\n  WHERE op_ctx.id = 1 AND applying = 0 AND m <> 0;\nEND;\n");

	sqlite3_str_appendf(s,
		"CREATE TRIGGER \"op_j_%w_d\" AFTER DELETE ON \"%w\" BEGIN\n"
		"  INSERT INTO journal(tbl, gid, op, cols, ts, staff)\n"
		"  SELECT %d, old.id, 3, 0, " TS ", staff\n"
		"  FROM op_ctx WHERE id = 1 AND applying = 0;\nEND;\n",
		n, n, t->num);

	/* A deleted id stays deleted everywhere (the tombstone wins at every
	 * replica), so a store refuses to bring it back (SYNC.md, section 3). */
	sqlite3_str_appendf(s,
		"CREATE TRIGGER \"op_j_%w_re\" BEFORE INSERT ON \"%w\"\n"
		"WHEN EXISTS (SELECT 1 FROM clock WHERE tbl = %d AND gid = new.id AND col = -1)\n"
		"  AND (SELECT applying FROM op_ctx WHERE id = 1) = 0 BEGIN\n"
		"  SELECT RAISE(ABORT, 'this id belongs to a deleted row, and a deleted row "
		"cannot come back; insert it without an id to get a new one');\nEND;\n",
		n, n, t->num);

	sqlite3_str_appendf(s,
		"CREATE TRIGGER \"op_j_%w_id\" BEFORE UPDATE OF id ON \"%w\"\n"
		"WHEN old.id IS NOT new.id BEGIN\n"
		"  SELECT RAISE(ABORT, 'row ids are global and cannot be changed');\nEND;\n",
		n, n);
}

char *op_journal_sql(void)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	for (int i = 0; i < op_ntables; i++)
		if (op_table_known(&op_tables[i]))
			table_sql(s, &op_tables[i]);
	char *sql = sqlite3_str_finish(s), *out = sql ? strdup(sql) : NULL;
	sqlite3_free(sql);
	return out;
}

/* FNV-1a of the generated SQL: changes whenever the description does. */
static char *signature(const char *sql, int enabled)
{
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return sqlite3_mprintf("%s:%016llx", enabled ? "on" : "off",
			       (unsigned long long)h);
}

static const char SQL_OLD_TRIGGERS[] =
	"SELECT name FROM sqlite_schema WHERE type = 'trigger' "
	"AND name LIKE 'op\\_j\\_%' ESCAPE '\\'";

int op_journal_install(op_db *db, int enabled)
{
	char *sql = op_journal_sql(), *sig = NULL, *have = NULL;
	sqlite3_str *drop = NULL;
	char *dropsql = NULL;
	int rc = -1;

	if (!sql)
		return op_errc(op_db_err(db), EX_OSERR, "out of memory");
	sig = signature(sql, enabled);
	have = op_db_meta_get(db, "journal_sig");
	if (have && sig && strcmp(have, sig) == 0) {
		rc = 0;
		goto out;
	}

	drop = sqlite3_str_new(op_db_handle(db));
	sqlite3_stmt *st = op_db_stmt(db, SQL_OLD_TRIGGERS);
	if (!st)
		goto out;
	while (op_db_step(db, st) == SQLITE_ROW)
		sqlite3_str_appendf(drop, "DROP TRIGGER \"%w\";\n",
				    (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	dropsql = sqlite3_str_finish(drop);
	drop = NULL;
	if (dropsql && op_db_exec(db, dropsql) < 0)
		goto out;
	if (enabled && op_db_exec(db, sql) < 0)
		goto out;
	rc = op_db_meta_set(db, "journal_sig", sig);
out:
	if (drop)
		sqlite3_free(sqlite3_str_finish(drop));
	sqlite3_free(dropsql);
	sqlite3_free(sig);
	free(have);
	free(sql);
	return rc;
}
