/*
 * cmd_merge.c — duplicate customers: `outpost customer dupes|merge|unmerge`.
 *
 * The same person registered at two branches is found by normalised phone,
 * email, and names that are equal or read the same in pinyin. Merging is
 * ordinary journaled writes (re-pointing orders, tickets and follow-ups,
 * copying chosen fields, moving points, marking the duplicate merged_into
 * the kept customer), so it syncs to every site like any edit; HQ carries
 * later offline edits of the duplicate over to the kept customer (sync.c).
 * What a merge changed is recorded in customer_merge so unmerge can undo it.
 */
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "tables.h"

/* Pairs with a score: phone 60, email 40, same name 30, same pinyin 20,
 * same birthday 20 (capped at 100). Names alone only when at different
 * branches or with another signal, or lists would be all 张伟s. */
static const char SQL_DUPES[] =
	"WITH c AS (SELECT id, name, phone, lower(email) AS email, birthday,"
	"   home_branch, op_pinyin(name) AS py FROM customer WHERE merged_into IS NULL),"
	" p(a, b, score, why) AS ("
	"  SELECT x.id, y.id, 60, 'same phone' FROM c x JOIN c y ON x.phone = y.phone"
	"   AND x.id < y.id WHERE x.phone IS NOT NULL"
	"  UNION ALL SELECT x.id, y.id, 40, 'same email' FROM c x JOIN c y"
	"   ON x.email = y.email AND x.id < y.id WHERE x.email IS NOT NULL"
	"  UNION ALL SELECT x.id, y.id, 30, 'same name' FROM c x JOIN c y"
	"   ON x.name = y.name AND x.id < y.id"
	"  UNION ALL SELECT x.id, y.id, 20, 'names read alike' FROM c x JOIN c y"
	"   ON x.py = y.py AND x.name <> y.name AND x.id < y.id WHERE length(x.py) > 1"
	"  UNION ALL SELECT x.id, y.id, 20, 'same birthday' FROM c x JOIN c y"
	"   ON x.birthday = y.birthday AND x.id < y.id AND (x.name = y.name OR x.py = y.py)"
	"   WHERE x.birthday IS NOT NULL)"
	" SELECT min(100, sum(score)) AS score, " CLI_SHORT_ID("a") " AS id_a, ca.name AS name_a,"
	"  coalesce(ca.home_branch, '') AS branch_a, " CLI_SHORT_ID("b") " AS id_b, cb.name AS name_b,"
	"  coalesce(cb.home_branch, '') AS branch_b, group_concat(why, ', ') AS reason"
	" FROM p JOIN customer ca ON ca.id = a JOIN customer cb ON cb.id = b"
	" GROUP BY a, b"
	" HAVING sum(score) >= :min AND (sum(score) > 30 OR ca.home_branch IS NOT cb.home_branch)"
	" ORDER BY 1 DESC, ca.name COLLATE name LIMIT :limit";

static int cmd_dupes(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "min-score", 0, NULL }, { "limit", 0, NULL },
				  { NULL, 0, NULL } };
	const char *pos[1], *why;
	int npos, rc;
	int64_t min = 20, limit = 1000;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	if (cli_opt(spec, "min-score") &&
	    op_valid_int(&min, cli_opt(spec, "min-score"), 0, 100, &why) < 0)
		return cli_error(cli, EX_DATAERR, "min-score: %s", why);
	if (cli_opt(spec, "limit") &&
	    op_valid_int(&limit, cli_opt(spec, "limit"), 1, 1000000, &why) < 0)
		return cli_error(cli, EX_DATAERR, "limit: %s", why);
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_DUPES);
	if (!st || op_bind_int(cli->db, st, ":min", min) < 0 ||
	    op_bind_int(cli->db, st, ":limit", limit) < 0)
		return cli_fail(cli);
	return cli_print_rows(cli, st) < 0 ? cli_fail(cli) : 0;
}

/* Columns a merge may copy from the duplicate: everything but identity,
 * bookkeeping and the counter (points are moved, not copied). */
static int mergeable(const struct op_table *t, int c)
{
	const char *n = t->cols[c].name;
	return c > 0 && c != t->counter_col && c != t->merged_col &&
	       strcmp(n, "created_at") != 0;
}

static const char SQL_NEWER[] =
	"SELECT (SELECT hlc FROM clock WHERE tbl = 3 AND gid = :dup AND col IN (:c, -2)"
	"        ORDER BY col DESC LIMIT 1) >"
	"       coalesce((SELECT hlc FROM clock WHERE tbl = 3 AND gid = :keep"
	"        AND col IN (:c, -2) ORDER BY col DESC LIMIT 1), 0)";

static int run_sql(struct op_cli *cli, char *sql, const char *a, const char *b,
		   int64_t n, char **text_out)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (!sql || sqlite3_prepare_v2(op_db_handle(cli->db), sql, -1, &st, NULL)) {
		op_db_fail(cli->db, "merge");
		goto out;
	}
	if (a)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, n);
	int r = op_db_step(cli->db, st);
	if (r < 0)
		goto out;
	if (text_out)
		*text_out = r == SQLITE_ROW && sqlite3_column_text(st, 0) ?
			strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return rc;
}

static const char *const moved_tables[] = { "sales_order", "ticket", "followup" };

static int cmd_merge(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "take", 0, NULL }, { NULL, 0, NULL } };
	const struct op_table *t = op_table_by_name("customer");
	const char *pos[2];
	char *keep = NULL, *dup = NULL, *txt = NULL;
	int npos, rc;
	uint64_t take = 0, force_keep = 0;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 2, 2, &npos)) >= 0)
		return rc;
	/* --take col,col=dup|keep: override the newest-non-empty default */
	for (const char *p = cli_opt(spec, "take"); p && *p; ) {
		char item[64];
		size_t l = strcspn(p, ",");
		snprintf(item, sizeof(item), "%.*s", (int)(l < 63 ? l : 63), p);
		char *eq = strchr(item, '=');
		int from_keep = eq && strcmp(eq + 1, "keep") == 0;
		if (eq && !from_keep && strcmp(eq + 1, "dup") != 0)
			return cli_error(cli, EX_USAGE, "take: '%s' should be COLUMN=keep or "
					 "COLUMN=dup", item);
		if (eq)
			*eq = '\0';
		int c = op_table_col(t, item);
		if (c < 0 || !mergeable(t, c))
			return cli_error(cli, EX_USAGE, "take: '%s' is not a column a merge copies",
					 item);
		if (from_keep)
			force_keep |= (uint64_t)1 << c;
		else
			take |= (uint64_t)1 << c;
		p += l + (p[l] == ',');
	}
	if (cmd_customer_ref(cli, pos[0], &keep) < 0 || cmd_customer_ref(cli, pos[1], &dup) < 0)
		goto fail_nt;
	if (strcmp(keep, dup) == 0) {
		op_errc(&cli->err, EX_DATAERR, "a customer cannot be merged into itself");
		goto fail_nt;
	}
	if (op_db_begin(cli->db, cli->as) < 0)
		goto fail_nt;
	if (run_sql(cli, sqlite3_mprintf("SELECT (SELECT merged_into FROM customer WHERE id = ?1)"
					 " || '|' || coalesce((SELECT merged_into FROM customer"
					 " WHERE id = ?2), '')"), keep, dup, 0, &txt) < 0)
		goto fail;
	if (txt) {
		op_errc(&cli->err, EX_DATAERR, "%s is itself merged into another customer",
			cli_short_id(keep));
		goto fail;
	}
	if (run_sql(cli, sqlite3_mprintf("SELECT merged_into FROM customer WHERE id = ?2"),
		    keep, dup, 0, &txt) < 0)
		goto fail;
	if (txt) {
		op_errc(&cli->err, EX_DATAERR, "%s was already merged into %s", dup, txt);
		goto fail;
	}
	/* Choose each column; remember keep's old values of those we change. */
	sqlite3_str *before = sqlite3_str_new(NULL), *set = sqlite3_str_new(NULL);
	sqlite3_str_appendall(before, "SELECT json_object(");
	int nchanged = 0;
	for (int c = 1; c < t->ncols; c++) {
		if (!mergeable(t, c) || (force_keep & ((uint64_t)1 << c)))
			continue;
		char *cmp = sqlite3_mprintf(
			"SELECT CASE WHEN d.\"%w\" IS NULL OR d.\"%w\" = '' THEN 0"
			" WHEN k.\"%w\" IS NULL OR k.\"%w\" = '' THEN 1"
			" WHEN k.\"%w\" IS d.\"%w\" THEN 0 ELSE 2 END"
			" FROM customer k, customer d WHERE k.id = ?1 AND d.id = ?2",
			t->cols[c].name, t->cols[c].name, t->cols[c].name, t->cols[c].name,
			t->cols[c].name, t->cols[c].name);
		char *v = NULL;
		if (run_sql(cli, cmp, keep, dup, 0, &v) < 0) {
			sqlite3_free(sqlite3_str_finish(before));
			sqlite3_free(sqlite3_str_finish(set));
			goto fail;
		}
		int decide = v ? atoi(v) : 0;
		free(v);
		if (decide == 2 && !(take & ((uint64_t)1 << c))) {
			/* both set and different: the newer write wins */
			sqlite3_stmt *st = op_db_stmt(cli->db, SQL_NEWER);
			decide = 0;
			if (st && op_bind_text(cli->db, st, ":dup", dup) == 0 &&
			    op_bind_text(cli->db, st, ":keep", keep) == 0 &&
			    op_bind_int(cli->db, st, ":c", c) == 0 &&
			    op_db_step(cli->db, st) == SQLITE_ROW)
				decide = sqlite3_column_int(st, 0) ? 2 : 0;
			if (st)
				sqlite3_reset(st);
		}
		if (take & ((uint64_t)1 << c))
			decide = 1;
		if (!decide)
			continue;
		sqlite3_str_appendf(before, "%s'%q', \"%w\"", nchanged ? ", " : "",
				    t->cols[c].name, t->cols[c].name);
		sqlite3_str_appendf(set, "%s\"%w\" = (SELECT \"%w\" FROM customer WHERE id = ?2)",
				    nchanged ? ", " : "", t->cols[c].name, t->cols[c].name);
		nchanged++;
	}
	sqlite3_str_appendall(before, ") FROM customer WHERE id = ?1");
	char *before_sql = sqlite3_str_finish(before), *set_sql = sqlite3_str_finish(set);
	char *before_json = NULL;
	if (run_sql(cli, before_sql, keep, NULL, 0, &before_json) < 0 ||
	    (nchanged && run_sql(cli, sqlite3_mprintf("UPDATE main.customer SET %s WHERE id = ?1",
						       set_sql), keep, dup, 0, NULL) < 0)) {
		sqlite3_free(set_sql);
		free(before_json);
		goto fail;
	}
	sqlite3_free(set_sql);
	/* Re-point what belonged to the duplicate, remembering which rows. */
	sqlite3_str *moved = sqlite3_str_new(NULL);
	sqlite3_str_appendall(moved, "{");
	int nmoved = 0;
	for (size_t i = 0; i < sizeof(moved_tables) / sizeof(moved_tables[0]); i++) {
		char *ids = NULL;
		if (run_sql(cli, sqlite3_mprintf("SELECT json_group_array(id) FROM \"%w\" WHERE"
						 " customer_id = ?2", moved_tables[i]),
			    NULL, dup, 0, &ids) < 0 ||
		    run_sql(cli, sqlite3_mprintf("UPDATE main.\"%w\" SET customer_id = ?1 WHERE"
						 " customer_id = ?2", moved_tables[i]),
			    keep, dup, 0, NULL) < 0) {
			free(ids);
			sqlite3_free(sqlite3_str_finish(moved));
			free(before_json);
			goto fail;
		}
		nmoved += sqlite3_changes(op_db_handle(cli->db));
		sqlite3_str_appendf(moved, "%s\"%s\": %s", i ? ", " : "", moved_tables[i],
				    ids ? ids : "[]");
		free(ids);
	}
	sqlite3_str_appendall(moved, "}");
	char *moved_json = sqlite3_str_finish(moved), *pts = NULL;
	/* Points move as counter deltas, so they merge with concurrent ones. */
	int64_t points = 0;
	if (run_sql(cli, sqlite3_mprintf("SELECT points FROM customer WHERE id = ?2"), NULL, dup,
		    0, &pts) == 0 && pts)
		points = strtoll(pts, NULL, 10);
	free(pts);
	if (run_sql(cli, sqlite3_mprintf("UPDATE main.customer SET points = points + CASE id"
					 " WHEN ?1 THEN ?3 ELSE -?3 END WHERE id IN (?1, ?2)"),
		    keep, dup, points, NULL) < 0 ||
	    run_sql(cli, sqlite3_mprintf("UPDATE main.customer SET merged_into = ?1 WHERE id = ?2"),
		    keep, dup, 0, NULL) < 0) {
		sqlite3_free(moved_json);
		free(before_json);
		goto fail;
	}
	static const char SQL_REC[] =
		"INSERT INTO main.customer_merge(keep, dup, by, before, moved, points)"
		" VALUES (:k, :d, :by, :before, :moved, :p)";
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_REC);
	int ok = st && op_bind_text(cli->db, st, ":k", keep) == 0 &&
		 op_bind_text(cli->db, st, ":d", dup) == 0 &&
		 op_bind_text(cli->db, st, ":by", cli->as) == 0 &&
		 op_bind_text(cli->db, st, ":before", before_json ? before_json : "{}") == 0 &&
		 op_bind_text(cli->db, st, ":moved", moved_json) == 0 &&
		 op_bind_int(cli->db, st, ":p", points) == 0 && op_db_run(cli->db, st) == 0;
	sqlite3_free(moved_json);
	free(before_json);
	if (!ok || op_db_commit(cli->db) < 0)
		goto fail;
	fprintf(cli->out, P_("merged %s into %s: %d field copied", "merged %s into %s: %d fields copied",
			     nchanged), dup, keep, nchanged);
	fprintf(cli->out, P_(", %d record re-pointed", ", %d records re-pointed", nmoved), nmoved);
	fprintf(cli->out, _(", %lld points moved\n"), (long long)points);
	free(keep);
	free(dup);
	free(txt);
	return 0;
fail:
	op_db_rollback(cli->db);
fail_nt:
	free(keep);
	free(dup);
	free(txt);
	return cli_fail(cli);
}

static const char SQL_LAST_MERGE[] =
	"SELECT id, keep, dup, before, moved, points FROM customer_merge"
	" WHERE (dup = :c OR keep = :c) AND undone_at IS NULL ORDER BY id DESC LIMIT 1";

static int cmd_unmerge(struct op_cli *cli, int argc, char **argv)
{
	const char *pos[1];
	char *ref = NULL, *keys = NULL;
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, NULL, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (cmd_customer_ref(cli, pos[0], &ref) < 0)
		return cli_fail(cli);
	if (op_db_begin(cli->db, cli->as) < 0)
		goto fail;
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_LAST_MERGE);
	if (!st || op_bind_text(cli->db, st, ":c", ref) < 0)
		goto fail;
	if ((rc = op_db_step(cli->db, st)) != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			op_errc(&cli->err, EX_NOINPUT, "no merge of %s to undo here (unmerge runs "
				"where the merge was made)", ref);
		goto fail;
	}
	int64_t mid = sqlite3_column_int64(st, 0), points = sqlite3_column_int64(st, 5);
	char *keep = strdup((const char *)sqlite3_column_text(st, 1));
	char *dup = strdup((const char *)sqlite3_column_text(st, 2));
	char *before = strdup((const char *)sqlite3_column_text(st, 3));
	char *moved = strdup((const char *)sqlite3_column_text(st, 4));
	sqlite3_reset(st);
	rc = -1;
	/* keep's fields back: every key of the before object */
	if (run_sql(cli, sqlite3_mprintf("SELECT group_concat(key, ',') FROM json_each(?1)"),
		    before, NULL, 0, &keys) < 0)
		goto out;
	const struct op_table *t = op_table_by_name("customer");
	for (const char *p = keys; p && *p; ) {
		char col[64];
		size_t l = strcspn(p, ",");
		snprintf(col, sizeof(col), "%.*s", (int)(l < 63 ? l : 63), p);
		p += l + (p[l] == ',');
		if (op_table_col(t, col) < 0 || !mergeable(t, op_table_col(t, col)))
			continue;	/* never trust a stored name as SQL */
		if (run_sql(cli, sqlite3_mprintf("UPDATE main.customer SET \"%w\" ="
						 " json_extract(?2, '$.\"%w\"') WHERE id = ?1",
						 col, col), keep, before, 0, NULL) < 0)
			goto out;
	}
	for (size_t i = 0; i < sizeof(moved_tables) / sizeof(moved_tables[0]); i++)
		if (run_sql(cli, sqlite3_mprintf("UPDATE main.\"%w\" SET customer_id = ?1 WHERE id IN"
						 " (SELECT value FROM json_each(?2, '$.\"%w\"'))",
						 moved_tables[i], moved_tables[i]),
			    dup, moved, 0, NULL) < 0)
			goto out;
	if (run_sql(cli, sqlite3_mprintf("UPDATE main.customer SET points = points + CASE id"
					 " WHEN ?1 THEN -?3 ELSE ?3 END WHERE id IN (?1, ?2)"),
		    keep, dup, points, NULL) < 0 ||
	    run_sql(cli, sqlite3_mprintf("UPDATE main.customer SET merged_into = NULL WHERE id = ?2"),
		    keep, dup, 0, NULL) < 0 ||
	    run_sql(cli, sqlite3_mprintf("UPDATE main.customer_merge SET undone_at = datetime('now')"
					 " WHERE id = ?3"), NULL, NULL, mid, NULL) < 0)
		goto out;
	if (op_db_commit(cli->db) < 0)
		goto out;
	fprintf(cli->out, "unmerged %s from %s\n", dup, keep);
	rc = 0;
out:
	free(keep);
	free(dup);
	free(before);
	free(moved);
	free(ref);
	free(keys);
	if (rc == 0)
		return 0;
	op_db_rollback(cli->db);
	return cli_fail(cli);
fail:
	op_db_rollback(cli->db);
	free(ref);
	return cli_fail(cli);
}

const struct op_cmd op_cmds_merge[] = {
	{ "customer", "dupes", cmd_dupes, "customer dupes [--min-score N] [--limit N]",
	  "likely duplicates: same phone, email, name or pinyin, with a score" },
	{ "customer", "merge", cmd_merge, "customer merge KEEP DUP [--take COL[=dup|keep],...]",
	  "merge DUP into KEEP (newest non-empty value per field unless --take)" },
	{ "customer", "unmerge", cmd_unmerge, "customer unmerge CUSTOMER",
	  "undo the last merge of this customer" },
	{ NULL, NULL, NULL, NULL, NULL },
};
