/*
 * merge.c — the apply side of the sync engine (see sync.h, docs/SYNC.md
 * section 3): a peer's batch merged into this store per column, last
 * writer wins on (hlc, site), counters summing per-site totals, tombstones
 * winning, concurrent edits kept in the conflict log, edits of merged
 * duplicates carried over to the kept row. Stamping, building and the
 * engine's state live in sync.c; the two share sync_int.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sync_int.h"
#include "tables.h"

static const char SQL_COUNTER_GET[] =
	"SELECT hlc FROM counter WHERE tbl = :t AND gid = :g AND col = :c AND site = :s";

static const char SQL_COUNTER_SET[] =
	"INSERT INTO counter(tbl, gid, col, site, val, hlc, ver, jts)"
	" VALUES (:t, :g, :c, :s, :d, :h, :v, :j)"
	" ON CONFLICT(tbl, gid, col, site) DO UPDATE SET val = excluded.val,"
	" hlc = excluded.hlc, ver = excluded.ver, jts = excluded.jts";
static const char SQL_COUNTER_SET_OLD[] =	/* before migration 023 */
	"INSERT INTO counter(tbl, gid, col, site, val, hlc, ver)"
	" VALUES (:t, :g, :c, :s, :d, :h, :v)"
	" ON CONFLICT(tbl, gid, col, site) DO UPDATE SET val = excluded.val,"
	" hlc = excluded.hlc, ver = excluded.ver";

static const char SQL_ROW_UNSEEN[] =
	"SELECT col, hlc, site FROM clock WHERE tbl = ?1 AND gid = ?2 AND col >= 0"
	" AND hlc > ?3 AND site <> ?4";

/* --- apply --- */

static const char SQL_CONFLICT[] =
	"INSERT OR IGNORE INTO conflict(tbl, gid, col, kept, kept_site, kept_hlc,"
	" lost, lost_site, lost_hlc, reason)"
	" VALUES (:t, :g, :c, :kept, :ks, :kh, :lost, :ls, :lh, :why)";
static const char SQL_PEER_RECV[] =
	"INSERT INTO peer(site, recv_ver) VALUES (:p, :v)"
	" ON CONFLICT(site) DO UPDATE SET recv_ver = max(recv_ver, excluded.recv_ver)";

static void bind_change(sqlite3_stmt *st, int i, const struct op_change *c)
{
	switch (c->vtype) {
	case OP_V_INT: sqlite3_bind_int64(st, i, c->i); break;
	case OP_V_REAL: sqlite3_bind_double(st, i, c->r); break;
	case OP_V_TEXT: sqlite3_bind_text(st, i, c->s, (int)c->s_len, SQLITE_STATIC); break;
	case OP_V_BLOB: sqlite3_bind_blob(st, i, c->s, (int)c->s_len, SQLITE_STATIC); break;
	default: sqlite3_bind_null(st, i);
	}
}

/* Does the incoming value equal column i of the current row? */
static int same_value(sqlite3_stmt *row, int i, const struct op_change *c)
{
	int type = sqlite3_column_type(row, i);
	switch (c->vtype) {
	case OP_V_NULL: return type == SQLITE_NULL;
	case OP_V_INT: return type == SQLITE_INTEGER && sqlite3_column_int64(row, i) == c->i;
	case OP_V_REAL: return type == SQLITE_FLOAT && sqlite3_column_double(row, i) == c->r;
	case OP_V_TEXT:
	case OP_V_BLOB:
		if (type != SQLITE_TEXT && type != SQLITE_BLOB)
			return 0;
		return (size_t)sqlite3_column_bytes(row, i) == c->s_len &&
		       memcmp(sqlite3_column_blob(row, i), c->s, c->s_len) == 0;
	}
	return 0;
}

/* (hlc, site) order: the total order every replica agrees on. */
static int ver_cmp(uint64_t h1, const char *s1, size_t l1, uint64_t h2,
		   const char *s2)
{
	if (h1 != h2)
		return h1 < h2 ? -1 : 1;
	size_t l2 = strlen(s2);
	int c = memcmp(s1, s2, l1 < l2 ? l1 : l2);
	return c ? c : (l1 < l2 ? -1 : l1 > l2);
}

static int log_conflict(op_sync *s, const struct op_table *t,
			const struct op_change *in, sqlite3_stmt *row,
			const struct ver *local, int incoming_won, const char *why)
{
	sqlite3_stmt *st = op_db_stmt(s->db, SQL_CONFLICT);
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, t->num);
	sqlite3_bind_text(st, 2, in->gid, (int)in->gid_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, in->col);
	int kv = incoming_won ? 4 : 7, lv = incoming_won ? 7 : 4;
	bind_change(st, kv, in);
	sqlite3_bind_text(st, kv + 1, in->site, (int)in->site_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, kv + 2, (int64_t)in->hlc);
	if (row && in->col >= 0)
		sqlite3_bind_value(st, lv, sqlite3_column_value(row, (int)in->col));
	sqlite3_bind_text(st, lv + 1, local->site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, lv + 2, (int64_t)local->hlc);
	sqlite3_bind_text(st, 10, why, -1, SQLITE_STATIC);
	if (op_db_run(s->db, st) < 0)
		return -1;
	if (sqlite3_changes(op_db_handle(s->db)) > 0) {
		s->st.conflicts++;
		op_sync_logf(s, OP_LOG_INFO, "conflict on %s %.*s column %s: %s", t->name,
		      (int)in->gid_len, in->gid, t->cols[in->col].name, why);
	}
	return 0;
}

static int apply_counter(op_sync *s, const struct op_table *t,
			 const struct op_change *c)
{
	sqlite3_stmt *st = op_db_stmt(s->db, SQL_COUNTER_GET);
	int rc, newer = 1;
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, t->num);
	sqlite3_bind_text(st, 2, c->gid, (int)c->gid_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c->col);
	sqlite3_bind_text(st, 4, c->site, (int)c->site_len, SQLITE_STATIC);
	if ((rc = op_db_step(s->db, st)) == SQLITE_ROW)
		newer = (uint64_t)sqlite3_column_int64(st, 0) < c->hlc;
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (!newer || c->vtype != OP_V_INT) {
		s->st.ignored++;
		return 0;
	}
	if (!(st = op_db_stmt(s->db, HAS_JTS() ? SQL_COUNTER_SET : SQL_COUNTER_SET_OLD)))
		return -1;
	sqlite3_bind_int(st, 1, t->num);
	sqlite3_bind_text(st, 2, c->gid, (int)c->gid_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c->col);
	sqlite3_bind_text(st, 4, c->site, (int)c->site_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, c->i);
	sqlite3_bind_int64(st, 6, (int64_t)c->hlc);
	sqlite3_bind_int64(st, 7, (int64_t)++s->ver);
	if (HAS_JTS())
		sqlite3_bind_int64(st, 8, (int64_t)c->prev);
	if (op_db_run(s->db, st) < 0)
		return -1;
	sqlite3_stmt *sum = s->t[t->num].sum;
	sqlite3_reset(sum);
	sqlite3_bind_text(sum, 1, c->gid, (int)c->gid_len, SQLITE_STATIC);
	if (op_db_run(s->db, sum) < 0)
		return -1;
	s->st.applied++;
	return 0;
}

/* A change this store's constraints refuse (a UNIQUE sku, code or number
 * already used here by another row): it goes to the conflict log for a
 * person and sync goes on; anything else is a real failure. */
static int clash(op_sync *s, const struct op_table *t, const struct op_change *c)
{
	op_err *e = op_db_err(s->db);
	struct ver none = { .found = 1 };
	char why[300];

	if (e->code != EX_DATAERR)
		return -1;
	snprintf(why, sizeof(why), "refused here: %.280s", e->msg);
	snprintf(none.site, sizeof(none.site), "%s", s->site);
	struct op_change lost = *c;
	if (lost.col < 0)
		lost.col = 0;
	s->st.ignored++;
	op_sync_logf(s, OP_LOG_WARN, "%s %.*s: %s", t->name, (int)c->gid_len, c->gid, e->msg);
	return log_conflict(s, t, &lost, NULL, &none, 0, why);
}

/* Insert a row we do not have from a creation group. */
static int insert_row(op_sync *s, const struct op_table *t,
		      const struct op_change *g, int n, const struct op_change *mk)
{
	sqlite3_stmt *ins = s->t[t->num].ins;
	sqlite3_reset(ins);
	sqlite3_clear_bindings(ins);
	sqlite3_bind_text(ins, 1, mk->gid, (int)mk->gid_len, SQLITE_STATIC);
	if (t->counter_col >= 0)
		sqlite3_bind_int(ins, t->counter_col + 1, 0);
	for (int i = 0; i < n; i++)
		if (g[i].col >= 1 && g[i].col < t->ncols && g[i].col != t->counter_col)
			bind_change(ins, (int)g[i].col + 1, &g[i]);
	if (op_db_run(s->db, ins) < 0)
		return clash(s, t, mk);
	if (s->quiet && op_db_search_note(s->db, t, mk->gid, mk->gid_len, OP_SEARCH_NEW) < 0)
		return -1;
	if (op_sync_clock_put(s, t->num, mk->gid, mk->gid_len, COL_ROW, mk->hlc, mk->site,
		      mk->site_len, mk->prev, mk->staff, mk->staff_len) < 0)
		return -1;
	/* Columns written later than the row keep their own version. */
	for (int i = 0; i < n; i++)
		if (g[i].col >= 1 && g[i].col < t->ncols && g[i].col != t->counter_col &&
		    (g[i].hlc != mk->hlc || g[i].site_len != mk->site_len ||
		     memcmp(g[i].site, mk->site, mk->site_len) != 0) &&
		    op_sync_clock_put(s, t->num, g[i].gid, g[i].gid_len, (int)g[i].col,
			      g[i].hlc, g[i].site, g[i].site_len, g[i].prev,
			      g[i].staff, g[i].staff_len) < 0)
			return -1;
	s->st.applied += (uint64_t)n;
	return 0;
}

static const char SQL_CTX_LOCAL[] =
	"UPDATE op_ctx SET applying = :a, staff = :staff WHERE id = 1";

/* A change that reached a row merged into another (an edit made offline
 * to a duplicate) is carried over to the row it was merged into as a
 * local, journaled write: it then syncs to every site like any edit. */
static int redirect_merged(op_sync *s, const struct op_table *t, const char *gid,
			   size_t gl, const char *keep, uint64_t cols,
			   int64_t points, const char *staff, size_t stl)
{
	sqlite3_stmt *ctx = op_db_stmt(s->db, SQL_CTX_LOCAL);
	int rc = 0;
	char st_buf[80];

	snprintf(st_buf, sizeof(st_buf), "%.*s", (int)stl, staff ? staff : "");
	/* The search index must be current before row-by-row triggers run,
	 * and the triggers on: these writes are journaled. */
	if (!ctx || op_db_search_flush(s->db) < 0 || (s->quiet && op_db_triggers(s->db, 1) < 0))
		return -1;
	sqlite3_bind_int(ctx, 1, 0);
	sqlite3_bind_text(ctx, 2, st_buf[0] ? st_buf : NULL, -1, SQLITE_STATIC);
	if (op_db_run(s->db, ctx) < 0)
		return -1;
	for (int c = 1; c < t->ncols && c < 64 && rc == 0; c++) {
		if (!(cols & ((uint64_t)1 << c)))
			continue;
		char *sql = sqlite3_mprintf("UPDATE \"%w\" SET \"%w\" = (SELECT \"%w\" FROM"
					    " \"%w\" WHERE id = ?1) WHERE id = ?2", t->name,
					    t->cols[c].name, t->cols[c].name, t->name);
		sqlite3_stmt *u = NULL;
		if (!sql || sqlite3_prepare_v2(op_db_handle(s->db), sql, -1, &u, NULL)) {
			op_db_fail(s->db, "redirect");
			rc = -1;
		} else {
			sqlite3_bind_text(u, 1, gid, (int)gl, SQLITE_STATIC);
			sqlite3_bind_text(u, 2, keep, -1, SQLITE_STATIC);
			rc = op_db_run(s->db, u);
		}
		sqlite3_finalize(u);
		sqlite3_free(sql);
	}
	if (rc == 0 && points && t->counter_col >= 0) {
		/* move the duplicate's new points to the kept row */
		const char *cn = t->cols[t->counter_col].name;
		char *sql = sqlite3_mprintf("UPDATE \"%w\" SET \"%w\" = \"%w\" + (CASE id WHEN ?1"
					    " THEN -?3 ELSE ?3 END) WHERE id IN (?1, ?2)",
					    t->name, cn, cn);
		sqlite3_stmt *u = NULL;
		if (!sql || sqlite3_prepare_v2(op_db_handle(s->db), sql, -1, &u, NULL)) {
			op_db_fail(s->db, "redirect points");
			rc = -1;
		} else {
			sqlite3_bind_text(u, 1, gid, (int)gl, SQLITE_STATIC);
			sqlite3_bind_text(u, 2, keep, -1, SQLITE_STATIC);
			sqlite3_bind_int64(u, 3, points);
			rc = op_db_run(s->db, u);
		}
		sqlite3_finalize(u);
		sqlite3_free(sql);
	}
	if (rc == 0)
		op_sync_logf(s, OP_LOG_INFO, "%s %.*s was merged into %s: its new changes moved there",
		      t->name, (int)gl, gid, keep);
	sqlite3_reset(ctx);
	sqlite3_bind_int(ctx, 1, 2);	/* back to a bulk remote apply */
	sqlite3_bind_null(ctx, 2);
	if (op_db_run(s->db, ctx) < 0 || (s->quiet && op_db_triggers(s->db, 0) < 0))
		return -1;
	return rc;
}

static const char SQL_PENDING_COL[] =
	"SELECT 1 FROM journal WHERE seq > :from AND tbl = :t AND gid = :g"
	" AND (CASE WHEN :c < 0 THEN op = 3 ELSE op = 1 OR (op = 2 AND (cols >> :c) & 1) END)"
	" AND (:c < 0 OR seq > :recheck OR (op = 2 AND"
	"  (CASE WHEN ts + :shift > :cap THEN :now ELSE ts + :shift END) > :ms))"
	" LIMIT 1";

/* Has column col of the row a local write not stamped yet (col -1: was
 * the row deleted here)? 1, 0 or -1. A write a backup held unstamped
 * that is no newer than the version hlc coming in does not count: the
 * old copy of this store sent it, or it was overwritten since; nor does
 * its insert of a row HQ has (HQ had it from the old copy). */
static int pending_write(op_sync *s, const struct op_table *t, const char *gid,
			 size_t gl, int col, uint64_t hlc)
{
	sqlite3_stmt *st = op_db_stmt(s->db, SQL_PENDING_COL);
	int rc;
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, op_db_meta_int(s->db, "stamped_seq", 0));
	sqlite3_bind_int(st, 2, t->num);
	sqlite3_bind_text(st, 3, gid, (int)gl, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, col);
	sqlite3_bind_int64(st, 5, op_db_meta_int(s->db, "recheck_seq", 0));
	/* the journal time as stamping takes it (op_sync_journal_time) */
	int64_t now = op_sync_hq_time(s, op_sync_now(s));
	sqlite3_bind_int64(st, 6, op_sync_hq_time(s, 0));
	sqlite3_bind_int64(st, 7, now + s->cfg.max_ahead_ms);
	sqlite3_bind_int64(st, 8, now);
	sqlite3_bind_int64(st, 9, (int64_t)(hlc >> 16));
	rc = op_db_step(s->db, st);
	sqlite3_reset(st);
	return rc < 0 ? -1 : rc == SQLITE_ROW;
}

/* Merge one run of changes to the same row. */
static int apply_rows(op_sync *s, const struct op_change *g, int n)
{
	const struct op_table *t = op_table_by_num(g[0].tbl);
	struct ver tomb, local;
	const struct op_change *mk = NULL, *del = NULL;
	sqlite3_stmt *row;
	int rc = 0, have;

	if (!t || !op_table_known(t)) {
		s->st.ignored += (uint64_t)n;	/* a table this schema lacks */
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (g[i].col == OP_COL_ROW)
			mk = &g[i];
		else if (g[i].col == OP_COL_TOMBSTONE)
			del = &g[i];
	}
	if (op_sync_clock_get(s, t->num, g[0].gid, g[0].gid_len, -1, &tomb) < 0)
		return -1;
	row = s->t[t->num].sel;
	sqlite3_reset(row);
	sqlite3_bind_text(row, 1, g[0].gid, (int)g[0].gid_len, SQLITE_STATIC);
	if ((have = op_db_step(s->db, row)) < 0)
		return -1;
	have = have == SQLITE_ROW;

	if (tomb.found || del) {
		/* Deletes win: edits that arrive for a deleted row are kept in
		 * the conflict log, not applied. */
		for (int i = 0; i < n && tomb.found; i++)
			if (g[i].col >= 1 && g[i].col < t->ncols && g[i].col != t->counter_col &&
			    log_conflict(s, t, &g[i], NULL, &tomb, 0, "edited after delete") < 0)
				goto fail;
		if (del && !tomb.found) {
			/* Edits the deleter had not seen are lost with the row: keep
			 * them in the conflict log. */
			sqlite3_stmt *un = op_db_stmt(s->db, SQL_ROW_UNSEEN);
			if (!un)
				goto fail;
			sqlite3_bind_int(un, 1, t->num);
			sqlite3_bind_text(un, 2, del->gid, (int)del->gid_len, SQLITE_STATIC);
			sqlite3_bind_int64(un, 3, (int64_t)del->prev);
			sqlite3_bind_text(un, 4, del->site, (int)del->site_len, SQLITE_STATIC);
			while (have && op_db_step(s->db, un) == SQLITE_ROW) {
				struct op_change lost = *del;
				struct ver v = { .found = 1 };
				lost.col = sqlite3_column_int(un, 0);
				if (lost.col >= t->ncols)
					continue;
				v.hlc = (uint64_t)sqlite3_column_int64(un, 1);
				snprintf(v.site, sizeof(v.site), "%s", sqlite3_column_text(un, 2));
				lost.vtype = OP_V_NULL;
				if (log_conflict(s, t, &lost, row, &v, 1,
						 "deleted after a concurrent edit") < 0) {
					sqlite3_reset(un);
					goto fail;
				}
			}
			sqlite3_reset(un);
			sqlite3_reset(row);
			sqlite3_stmt *d = s->t[t->num].del;
			if (s->quiet && op_db_search_note(s->db, t, del->gid, del->gid_len,
							  OP_SEARCH_OLD) < 0)
				return -1;
			sqlite3_reset(d);
			sqlite3_bind_text(d, 1, del->gid, (int)del->gid_len, SQLITE_STATIC);
			if (op_db_run(s->db, d) < 0 ||
			    op_sync_drop_row_state(s, t->num, del->gid, del->gid_len) < 0 ||
			    op_sync_clock_put(s, t->num, del->gid, del->gid_len, -1, del->hlc,
				      del->site, del->site_len, 0, del->staff,
				      del->staff_len) < 0)
				return -1;
			s->st.applied++;
		} else {
			s->st.ignored += (uint64_t)n;
		}
		sqlite3_reset(row);
		return 0;
	}
	if (!have) {
		sqlite3_reset(row);
		if (!mk) {
			/* Values for a row we never had (its creation is older than
			 * our history): nothing to attach them to. */
			s->st.ignored += (uint64_t)n;
			op_sync_logf(s, OP_LOG_WARN, "%s %.*s: change for a row this store does not have",
			      t->name, (int)g[0].gid_len, g[0].gid);
			return 0;
		}
		/* deleted here, the delete still waiting in the journal while
		 * re-baselining: HQ's copy of the row must not bring it back */
		int gone = s->rebasing ? pending_write(s, t, mk->gid, mk->gid_len, -1, 0) : 0;
		if (gone < 0)
			return -1;
		if (gone) {
			s->st.ignored += (uint64_t)n;
			return 0;
		}
		if (insert_row(s, t, g, n, mk) < 0)
			return -1;
		for (int i = 0; i < n; i++)
			if (g[i].col == t->counter_col && apply_counter(s, t, &g[i]) < 0)
				return -1;
		return 0;
	}
	uint64_t won = 0;
	int64_t points_before = 0, points_after = 0;
	/* Re-baselining: a row this store inserted before the backup and
	 * never stamped comes back from HQ (the old copy sent it). Its
	 * creation is HQ's version; the insert waiting in the journal is then
	 * not stamped again (stamp_one). */
	if (mk && s->rebasing) {
		struct ver rv;
		sqlite3_reset(row);
		if (op_sync_clock_get(s, t->num, mk->gid, mk->gid_len, COL_ROW, &rv) < 0 ||
		    (!rv.found && op_sync_clock_put(s, t->num, mk->gid, mk->gid_len, COL_ROW,
						    mk->hlc, mk->site, mk->site_len, mk->prev,
						    mk->staff, mk->staff_len) < 0))
			return -1;
		sqlite3_bind_text(row, 1, g[0].gid, (int)g[0].gid_len, SQLITE_STATIC);
		if (op_db_step(s->db, row) != SQLITE_ROW)
			return -1;
	}
	/* Only HQ redirects: it sees each change once, from its origin; a
	 * branch would redirect HQ's relays a second time. */
	int merged = s->hq && t->merged_col >= 0 &&
		     sqlite3_column_type(row, t->merged_col) != SQLITE_NULL;
	char keep[80] = "";
	if (merged)
		snprintf(keep, sizeof(keep), "%s", sqlite3_column_text(row, t->merged_col));
	if (merged && t->counter_col >= 0)
		points_before = sqlite3_column_int64(row, t->counter_col);
	for (int i = 0; i < n && rc == 0; i++) {
		const struct op_change *c = &g[i];
		if (c->col == OP_COL_ROW)
			continue;
		if (c->col < 1 || !op_col_known(t, (int)c->col)) {
			s->st.ignored++;	/* a column this schema lacks */
			continue;
		}
		if (c->col == t->counter_col) {
			sqlite3_reset(row);
			rc = apply_counter(s, t, c);
			sqlite3_bind_text(row, 1, g[0].gid, (int)g[0].gid_len, SQLITE_STATIC);
			if (rc == 0 && op_db_step(s->db, row) != SQLITE_ROW)
				rc = -1;
			continue;
		}
		if (op_sync_col_version(s, t->num, c->gid, c->gid_len, (int)c->col, &local) < 0)
			goto fail;
		int cmp = ver_cmp(c->hlc, c->site, c->site_len, local.hlc, local.site);
		int differs = !same_value(row, (int)c->col, c);
		if (cmp == 0 && !differs) {
			s->st.ignored++;
			continue;
		}
		/* The same version with another value: this store missed that
		 * value (it did not know the column when the row reached it, on
		 * an older schema). Take it; the version is already right. */
		int missed = cmp == 0;
		int other = local.found && (c->site_len != strlen(local.site) ||
					    memcmp(c->site, local.site, c->site_len) != 0);
		if (cmp < 0) {
			/* Ours is newer. Theirs was concurrent unless it had seen ours. */
			if (differs && other && c->hlc > 0 && c->prev != local.hlc &&
			    log_conflict(s, t, c, row, &local, 0, "older concurrent edit") < 0)
				goto fail;
			s->st.ignored++;
			continue;
		}
		/* Re-baselining leaves this store's journal unstamped: a local
		 * write still waiting there would be read back from the row
		 * once stamped, so it must not be overwritten now (stamped
		 * after HQ's stream, it is the newer version anyway). */
		int pend = s->rebasing ? pending_write(s, t, c->gid, c->gid_len, (int)c->col, c->hlc) : 0;
		if (pend < 0)
			goto fail;
		if (pend) {
			s->st.ignored++;
			continue;
		}
		if (!missed && differs && other && c->prev != local.hlc &&
		    log_conflict(s, t, c, row, &local, 1, "newer concurrent edit") < 0)
			goto fail;
		sqlite3_stmt *u = op_sync_upd_stmt(s, t, (int)c->col);
		if (!u)
			goto fail;
		bind_change(u, 1, c);
		sqlite3_bind_text(u, 2, c->gid, (int)c->gid_len, SQLITE_STATIC);
		/* The row statement must not be stepping while we write it. */
		sqlite3_reset(row);
		if (s->quiet && op_db_search_col(t, (int)c->col) &&
		    op_db_search_note(s->db, t, c->gid, c->gid_len, OP_SEARCH_OLD) < 0)
			goto fail;
		if (op_db_run(s->db, u) < 0) {
			if (clash(s, t, c) < 0)
				return -1;
			sqlite3_bind_text(row, 1, g[0].gid, (int)g[0].gid_len, SQLITE_STATIC);
			if (op_db_step(s->db, row) != SQLITE_ROW)
				return -1;
			continue;
		}
		if (!missed && op_sync_clock_put(s, t->num, c->gid, c->gid_len, (int)c->col, c->hlc,
					 c->site, c->site_len, c->prev, c->staff,
					 c->staff_len) < 0)
			return -1;
		s->st.applied++;
		if (c->col < 64 && c->col != t->merged_col)
			won |= (uint64_t)1 << c->col;
		sqlite3_bind_text(row, 1, g[0].gid, (int)g[0].gid_len, SQLITE_STATIC);
		if (op_db_step(s->db, row) != SQLITE_ROW)
			return -1;
	}
	if (rc == 0 && merged) {
		sqlite3_reset(row);
		sqlite3_bind_text(row, 1, g[0].gid, (int)g[0].gid_len, SQLITE_STATIC);
		if (t->counter_col >= 0 && op_db_step(s->db, row) == SQLITE_ROW)
			points_after = sqlite3_column_int64(row, t->counter_col);
		else
			points_after = points_before;
		sqlite3_reset(row);
		if ((won || points_after != points_before) &&
		    redirect_merged(s, t, g[0].gid, g[0].gid_len, keep, won,
				    points_after - points_before, g[0].staff,
				    g[0].staff_len) < 0)
			return -1;
	}
	sqlite3_reset(row);
	return rc;
fail:
	sqlite3_reset(row);
	return -1;
}

/* --- triggers and a merge ---
 *
 * A merge writes with the store's triggers off (op_db_triggers): each
 * costs a sub-program and a savepoint of the search index per statement,
 * and together they were two thirds of a batch's time. Every trigger of
 * the schema is listed here with what it does while a merge runs
 * (op_ctx.applying = 2); tests/unit/test_sync.c fails on a trigger that is
 * not, so a migration cannot add one that a merge silently skips. */
enum { TRIG_UNKNOWN, TRIG_QUIET, TRIG_NOTED, TRIG_ON };
static const struct merge_trigger {
	const char *prefix;
	int kind;
	const char *table;	/* TRIG_ON: the table whose rows merge with them on */
} merge_triggers[] = {
	/* the journal: applying = 0 only; a merge never changes an id */
	{ "op_j_", TRIG_QUIET, NULL },
	/* what the index needs: op_db_search_note */
	{ "customer_fts_bulk_", TRIG_NOTED, NULL },
	/* row by row and name keys: applying IS NOT 2 (the bulk flush marks
	 * name_stale) */
	{ "customer_fts_", TRIG_QUIET, NULL },
	{ "customer_key_", TRIG_QUIET, NULL },
	/* numbers: NULL only in the store the row was made in */
	{ "op_number_", TRIG_QUIET, NULL },
	/* peer: the merge writes it (SQL_PEER_RECV) with triggers back on */
	{ "peer_", TRIG_QUIET, NULL },
	/* a coupon redeemed at two branches goes to the conflict log */
	{ "coupon_redemption_", TRIG_ON, "coupon_redemption" },
};

int op_sync_trigger_kind(const char *name)
{
	for (size_t i = 0; i < sizeof(merge_triggers) / sizeof(merge_triggers[0]); i++)
		if (strncmp(name, merge_triggers[i].prefix, strlen(merge_triggers[i].prefix)) == 0)
			return merge_triggers[i].kind;
	return TRIG_UNKNOWN;
}

static int needs_triggers(const struct op_table *t)
{
	for (size_t i = 0; i < sizeof(merge_triggers) / sizeof(merge_triggers[0]); i++)
		if (merge_triggers[i].table && strcmp(merge_triggers[i].table, t->name) == 0)
			return 1;
	return 0;
}

/* One run of changes to a row, with triggers on for a table that needs
 * them. */
static int apply_group(op_sync *s, const struct op_change *g, int n)
{
	const struct op_table *t = op_table_by_num(g[0].tbl);
	if (!s->quiet || !t || !needs_triggers(t))
		return apply_rows(s, g, n);
	s->quiet = 0;
	int rc = op_db_triggers(s->db, 1) < 0 ? -1 : apply_rows(s, g, n);
	s->quiet = op_db_triggers(s->db, 0) == 0;
	return rc;
}

#define GROUP_MAX 256

/* Decode and check every change before anything lands: a batch that
 * lets a waiting command in commits in parts (make_room), so a bad change
 * must be refused while nothing of its batch is written. The merge then
 * decodes again (a decode only points into the batch, a small part of a
 * merge's time) rather than keep 112 bytes per change of a batch that
 * may hold hundreds of thousands. */
static int check_batch(op_sync *s, const char *peer, const void *raw, size_t n,
		       uint64_t count, uint64_t *hmax, int *perr)
{
	op_rd rd;
	op_rd_init(&rd, raw, n);
	*hmax = 0;
	for (uint64_t k = 0; k < count; k++) {
		struct op_change c;
		if (op_dec_change(&rd, &c) < 0) {
			*perr = OP_PERR_MALFORMED;
			return op_errc(op_db_err(s->db), EX_PROTOCOL, "change %llu of the batch: %s",
				       (unsigned long long)k, rd.err ? rd.err : "malformed");
		}
		/* Identity is the key: a branch speaks only for itself. */
		if (s->hq && (c.site_len != strlen(peer) || memcmp(c.site, peer, c.site_len))) {
			*perr = OP_PERR_REFUSED;
			return op_errc(op_db_err(s->db), EX_NOPERM, "change %llu of the batch says "
				       "site '%.*s', but the batch comes from %s",
				       (unsigned long long)k, (int)c.site_len, c.site, peer);
		}
		if (op_sync_hlc_recv(s, c.hlc) < 0) {
			*perr = OP_PERR_CLOCK;
			s->st.clamped++;
			return op_errc(op_db_err(s->db), EX_PROTOCOL,
				       "change from %.*s is %lld s ahead of this clock (limit %lld s)",
				       (int)c.site_len, c.site,
				       (long long)(((int64_t)(c.hlc >> 16) - op_sync_now(s) +
						    s->offset) / 1000),
				       (long long)(s->cfg.max_ahead_ms / 1000));
		}
		if (c.hlc > *hmax)
			*hmax = c.hlc;
	}
	if (!op_rd_done(&rd)) {
		*perr = OP_PERR_MALFORMED;
		return op_errc(op_db_err(s->db), EX_PROTOCOL, "batch has bytes after its %llu changes",
			       (unsigned long long)count);
	}
	return 0;
}

/* The transaction a batch merges in: local writes not yet versioned are
 * versioned first, before anything remote lands on top of them; not while
 * re-baselining, when this store's own history is still coming back from
 * HQ (section 10). Then the triggers go off (s->quiet), and the clock
 * is past the batch's newest change (hmax, checked by check_batch). */
static int merge_begin(op_sync *s, uint64_t hmax)
{
	if (op_db_begin_apply(s->db) < 0 ||
	    (!s->rebasing && op_sync_stamp_in_txn(s, INT64_MAX) < 0))
		return -1;
	int off = op_db_triggers(s->db, 0);
	if (off < 0)
		return -1;
	s->quiet = off == 0;
	op_sync_state_load(s);
	if (hmax > s->hlc)
		s->hlc = hmax;
	return 0;
}

/* A clerk's write goes first: every ROOM_EVERY changes, when a command
 * waits for the write lock (op_db_writer_waiting: a note it touched since
 * the last time room was made), what is merged so far is committed and
 * the command gets op_db_room_pause to take the lock. What the command
 * then waits for is that commit, which grows with what the part holds
 * (its search index entries, its pages): so for a while after a command
 * came, while clerks are at work, the merge commits a part every
 * PART_BUSY changes whether one waits or not, and the next command waits
 * for a short part (a catch-up with a clerk writing every 100 ms waited
 * 100 ms a command for parts of ~2,500 changes). The batch's cursor moves
 * only at its end: after a crash in between the batch comes again and its
 * merged part lands on nothing. */
#define ROOM_EVERY 32
#define PART_BUSY 256
#define BUSY_SPELL_MS 5000

/* 1 when a part was committed (part: what was merged since the last
 * commit), 0 when none was due, -1 on error. */
static int make_room(op_sync *s, uint64_t hmax, int part)
{
	int waits = op_db_writer_waiting(s->db, &s->room_seen);
	if (!waits && (part < PART_BUSY || op_mono_ms() - s->room_at > BUSY_SPELL_MS))
		return 0;
	if ((s->quiet && op_db_triggers(s->db, 1) < 0) || op_sync_state_save(s) < 0)
		return -1;
	s->quiet = 0;
	if (op_db_commit(s->db) < 0)
		return -1;
	if (waits) {
		s->st.rooms++;
		s->room_at = op_mono_ms();
		op_db_room_pause();
	}
	return merge_begin(s, hmax) < 0 ? -1 : 1;
}

int op_sync_apply(op_sync *s, const char *peer, const void *raw, size_t n,
		  uint64_t count, uint64_t upto, int *perr)
{
	struct op_change g[GROUP_MAX];
	int ng = 0, since = 0, part = 0;
	uint64_t hmax;
	op_rd rd;

	*perr = OP_PERR_INTERNAL;
	memset(&s->st, 0, sizeof(s->st));
	s->rebasing = op_sync_rebasing(s);
	if (check_batch(s, peer, raw, n, count, &hmax, perr) < 0)
		return -1;
	*perr = OP_PERR_INTERNAL;
	/* (an empty batch lands on nothing: the loop stamps at its pace) */
	if (count == 0) {
		if (op_db_begin_apply(s->db) < 0)
			return -1;
		op_sync_state_load(s);
	} else if (merge_begin(s, hmax) < 0) {
		goto fail;
	}
	op_rd_init(&rd, raw, n);
	for (uint64_t k = 0; k < count; k++) {
		struct op_change c;
		op_dec_change(&rd, &c);		/* checked above */
		if (ng > 0 && (ng == GROUP_MAX || c.tbl != g[0].tbl ||
			       c.gid_len != g[0].gid_len ||
			       memcmp(c.gid, g[0].gid, c.gid_len) != 0)) {
			if (apply_group(s, g, ng) < 0)
				goto fail;
			part += ng;
			if ((since += ng) >= ROOM_EVERY) {
				since = 0;
				int r = make_room(s, hmax, part);
				if (r < 0)
					goto fail;
				if (r)
					part = 0;
			}
			ng = 0;
		}
		g[ng++] = c;
	}
	if (ng > 0 && apply_group(s, g, ng) < 0)
		goto fail;
	if (s->quiet && op_db_triggers(s->db, 1) < 0)
		goto fail;
	s->quiet = 0;
	sqlite3_stmt *st = op_db_stmt(s->db, SQL_PEER_RECV);
	if (!st || op_sync_state_save(s) < 0)
		goto fail;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)upto);
	if (op_db_run(s->db, st) < 0 || op_db_commit(s->db) < 0)
		goto fail;
	return 0;
fail:
	op_db_rollback(s->db);
	if (s->quiet)
		op_db_triggers(s->db, 1);
	s->quiet = 0;
	return -1;
}
