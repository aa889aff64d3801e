/*
 * sync.c — the sync engine (see sync.h and docs/SYNC.md).
 *
 * Three jobs, all inside SQLite transactions so a kill -9 anywhere leaves
 * either the old or the new state:
 *   stamp  journal entries -> versions (clock/counter rows), assigning each
 *          an HLC. The only place local wall-clock time becomes a version.
 *   build  versions after a peer's cursor -> a raw batch (values are read
 *          from the base tables now, so later edits coalesce).
 *   apply  a peer's batch -> merged base rows, clock rows, conflict log.
 * Per-table SQL is generated from the table description and prepared once.
 * The session handshake (identity, incarnations, re-baselining) is in
 * session.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sync_int.h"
#include "tables.h"


void op_sync_logf(op_sync *s, int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	if (!s->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s->cfg.log(s->cfg.log_arg, level, "%s", buf);
}

void op_sync_cfg_default(struct op_sync_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_ahead_ms = 5 * 60 * 1000;
	cfg->batch_bytes = 512 * 1024;
	cfg->batch_changes = 8192;
}

int64_t op_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t op_sync_now(op_sync *s)
{
	if (s->cfg.now_ms)
		return s->cfg.now_ms(s->cfg.now_arg);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- per-table statements --- */

static sqlite3_stmt *prep(op_sync *s, char *sql)
{
	sqlite3_stmt *st = NULL;
	if (!sql)
		return NULL;
	if (sqlite3_prepare_v3(op_db_handle(s->db), sql, -1,
			       SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		op_db_fail(s->db, "internal: prepare");
	sqlite3_free(sql);
	return st;
}

static int prepare_table(op_sync *s, const struct op_table *t)
{
	struct tstmt *ts = &s->t[t->num];
	sqlite3_str *sel = sqlite3_str_new(NULL), *ins = sqlite3_str_new(NULL);

	sqlite3_str_appendall(sel, "SELECT ");
	sqlite3_str_appendf(ins, "INSERT INTO \"%w\"(", t->name);
	/* Columns newer than this build's schema read as NULL and are not
	 * written (an older build's store; see op_db_schema_max). */
	for (int c = 0; c < t->ncols; c++) {
		if (!op_col_known(t, c)) {
			sqlite3_str_appendall(sel, ", NULL");
			continue;
		}
		sqlite3_str_appendf(sel, "%s\"%w\"", c ? ", " : "", t->cols[c].name);
		sqlite3_str_appendf(ins, "%s\"%w\"", c ? ", " : "", t->cols[c].name);
	}
	sqlite3_str_appendf(sel, " FROM \"%w\" WHERE id = ?1", t->name);
	sqlite3_str_appendall(ins, ") VALUES (");
	for (int c = 0; c < t->ncols; c++)
		if (op_col_known(t, c))
			sqlite3_str_appendf(ins, "%s?%d", c ? ", " : "", c + 1);
	sqlite3_str_appendall(ins, ")");
	ts->sel = prep(s, sqlite3_str_finish(sel));
	ts->ins = prep(s, sqlite3_str_finish(ins));
	ts->del = prep(s, sqlite3_mprintf("DELETE FROM \"%w\" WHERE id = ?1", t->name));
	if (t->counter_col >= 0)
		/* the sum of every site's contribution, plus this store's own
		 * deltas not yet stamped (a re-baseline defers stamping) */
		ts->sum = prep(s, sqlite3_mprintf(
			"UPDATE \"%w\" SET \"%w\" = (SELECT coalesce(sum(val), 0) FROM counter"
			" WHERE tbl = %d AND gid = ?1 AND col = %d) + (SELECT coalesce(sum(delta), 0)"
			" FROM journal WHERE seq > (SELECT coalesce(max(value), 0) FROM meta WHERE"
			" key = 'stamped_seq') AND tbl = %d AND gid = ?1) WHERE id = ?1",
			t->name, t->cols[t->counter_col].name, t->num, t->counter_col, t->num));
	return ts->sel && ts->ins && ts->del && (t->counter_col < 0 || ts->sum) ? 0 : -1;
}

sqlite3_stmt *op_sync_upd_stmt(op_sync *s, const struct op_table *t, int c)
{
	sqlite3_stmt **p = &s->t[t->num].upd[c];
	if (!*p)
		*p = prep(s, sqlite3_mprintf("UPDATE \"%w\" SET \"%w\" = ?1 WHERE id = ?2",
					     t->name, t->cols[c].name));
	if (*p)
		sqlite3_reset(*p);
	return *p;
}

int op_sync_new(op_sync **out, op_db *db, const struct op_sync_cfg *cfg,
		op_err *e)
{
	op_sync *s = calloc(1, sizeof(*s));
	*out = NULL;
	if (!s)
		return op_errc(e, EX_OSERR, "out of memory");
	s->db = db;
	if (cfg)
		s->cfg = *cfg;
	else
		op_sync_cfg_default(&s->cfg);
	s->site = op_db_site(db);
	s->hq = op_db_is_hq(db);
	if (!s->site) {
		free(s);
		return op_errc(e, EX_CONFIG, "store has no site; run 'outpost init' first");
	}
	for (int i = 0; i < op_ntables; i++)
		if (op_table_known(&op_tables[i]) &&
		    (op_tables[i].num >= MAXT || prepare_table(s, &op_tables[i]) < 0)) {
			op_errc(e, EX_SOFTWARE, "%s", op_db_err(db)->msg);
			op_sync_free(s);
			return -1;
		}
	*out = s;
	return 0;
}

void op_sync_free(op_sync *s)
{
	if (!s)
		return;
	for (int i = 0; i < MAXT; i++) {
		struct tstmt *t = &s->t[i];
		sqlite3_finalize(t->sel);
		sqlite3_finalize(t->ins);
		sqlite3_finalize(t->del);
		sqlite3_finalize(t->sum);
		for (int c = 0; c < 64; c++)
			sqlite3_finalize(t->upd[c]);
	}
	free(s);
}

void op_sync_set_offset(op_sync *s, int64_t offset_ms) { s->offset = offset_ms; }
void op_sync_stats(op_sync *s, struct op_sync_stats *out) { *out = s->st; }

/* --- versions and clocks --- */

void op_sync_state_load(op_sync *s)
{
	s->ver = (uint64_t)op_db_meta_int(s->db, "ver", 0);
	s->hlc = (uint64_t)op_db_meta_int(s->db, "hlc", 0);
}

int op_sync_state_save(op_sync *s)
{
	return op_db_meta_set_int(s->db, "ver", (int64_t)s->ver) < 0 ||
	       op_db_meta_set_int(s->db, "hlc", (int64_t)s->hlc) < 0 ? -1 : 0;
}

static uint64_t hlc_next(op_sync *s, int64_t phys_ms)
{
	uint64_t h = (uint64_t)(phys_ms < 0 ? 0 : phys_ms) << 16;
	s->hlc = h > s->hlc ? h : s->hlc + 1;
	return s->hlc;
}

/* Fold a received HLC into ours (HLC receive rule); refused when it is
 * further ahead of our wall clock than allowed. */
int op_sync_hlc_recv(op_sync *s, uint64_t h)
{
	int64_t phys = (int64_t)(h >> 16);
	/* judged by HQ's time (our clock minus the offset learnt at the
	 * handshake), so a branch whose clock is slow does not refuse HQ */
	if (phys > op_sync_now(s) - s->offset + s->cfg.max_ahead_ms)
		return -1;
	if (h > s->hlc)
		s->hlc = h;
	return 0;
}

uint64_t op_sync_head(op_sync *s)
{
	return (uint64_t)op_db_meta_int(s->db, "ver", 0);
}

int64_t op_sync_pending(op_sync *s)
{
	static const char SQL[] = "SELECT coalesce(max(seq), 0) FROM journal";
	sqlite3_stmt *st = op_db_stmt(s->db, SQL);
	int64_t max = 0;
	if (st && op_db_step(s->db, st) == SQLITE_ROW)
		max = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	return max - op_db_meta_int(s->db, "stamped_seq", 0);
}

static const char SQL_CLOCK_GET[] =
	"SELECT hlc, site, ver FROM clock WHERE tbl = :t AND gid = :g AND col = :c";
static const char SQL_CLOCK_PUT[] =
	"INSERT INTO clock(tbl, gid, col, hlc, site, ver, prev, staff)"
	" VALUES (:t, :g, :c, :h, :s, :v, :p, :staff)"
	" ON CONFLICT(tbl, gid, col) DO UPDATE SET hlc = excluded.hlc,"
	" site = excluded.site, ver = excluded.ver, prev = excluded.prev,"
	" staff = excluded.staff";
static const char SQL_CLOCK_DROP[] =
	"DELETE FROM clock WHERE tbl = :t AND gid = :g AND col <> -1";
static const char SQL_COUNTER_DROP[] =
	"DELETE FROM counter WHERE tbl = :t AND gid = :g";
static const char SQL_COUNTER_ADD[] =
	"INSERT INTO counter(tbl, gid, col, site, val, hlc, ver, jts)"
	" VALUES (:t, :g, :c, :s, :d, :h, :v, :j)"
	" ON CONFLICT(tbl, gid, col, site) DO UPDATE SET val = val + excluded.val,"
	" hlc = excluded.hlc, ver = excluded.ver, jts = excluded.jts";
static const char SQL_COUNTER_ADD_OLD[] =	/* before migration 023 */
	"INSERT INTO counter(tbl, gid, col, site, val, hlc, ver)"
	" VALUES (:t, :g, :c, :s, :d, :h, :v)"
	" ON CONFLICT(tbl, gid, col, site) DO UPDATE SET val = val + excluded.val,"
	" hlc = excluded.hlc, ver = excluded.ver";


int op_sync_clock_get(op_sync *s, int t, const char *gid, size_t gl, int col,
		     struct ver *v)
{
	sqlite3_stmt *st = op_db_stmt(s->db, SQL_CLOCK_GET);
	memset(v, 0, sizeof(*v));
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, t);
	sqlite3_bind_text(st, 2, gid, (int)gl, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, col);
	int rc = op_db_step(s->db, st);
	if (rc == SQLITE_ROW) {
		v->found = 1;
		v->hlc = (uint64_t)sqlite3_column_int64(st, 0);
		snprintf(v->site, sizeof(v->site), "%s", sqlite3_column_text(st, 1));
		v->ver = (uint64_t)sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

/* The version of column col: its own entry, else the row's. */
int op_sync_col_version(op_sync *s, int t, const char *gid, size_t gl, int col,
		       struct ver *v)
{
	if (op_sync_clock_get(s, t, gid, gl, col, v) < 0)
		return -1;
	if (!v->found)
		return op_sync_clock_get(s, t, gid, gl, COL_ROW, v);
	return 0;
}

int op_sync_clock_put(op_sync *s, int t, const char *gid, size_t gl, int col,
		     uint64_t hlc, const char *site, size_t sl, uint64_t prev,
		     const char *staff, size_t stl)
{
	sqlite3_stmt *st = op_db_stmt(s->db, SQL_CLOCK_PUT);
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, t);
	sqlite3_bind_text(st, 2, gid, (int)gl, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, col);
	sqlite3_bind_int64(st, 4, (int64_t)hlc);
	sqlite3_bind_text(st, 5, site, (int)sl, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (int64_t)++s->ver);
	sqlite3_bind_int64(st, 7, (int64_t)prev);
	if (staff && stl)
		sqlite3_bind_text(st, 8, staff, (int)stl, SQLITE_STATIC);
	return op_db_run(s->db, st);
}

int op_sync_drop_row_state(op_sync *s, int t, const char *gid, size_t gl)
{
	sqlite3_stmt *st = op_db_stmt(s->db, SQL_CLOCK_DROP);
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, t);
	sqlite3_bind_text(st, 2, gid, (int)gl, SQLITE_STATIC);
	if (op_db_run(s->db, st) < 0 || !(st = op_db_stmt(s->db, SQL_COUNTER_DROP)))
		return -1;
	sqlite3_bind_int(st, 1, t);
	sqlite3_bind_text(st, 2, gid, (int)gl, SQLITE_STATIC);
	return op_db_run(s->db, st);
}

/* --- stamp --- */

static const char SQL_COUNTER_REVER[] =
	"UPDATE counter SET ver = :v WHERE tbl = :t AND gid = :g AND col = :c"
	" AND site = :s";

/* Give this site's counter row of a row a version after its marker's. */
static int counter_rever(op_sync *s, const struct op_table *t, const char *gid,
			 size_t gl)
{
	sqlite3_stmt *st = op_db_stmt(s->db, SQL_COUNTER_REVER);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (int64_t)++s->ver);
	sqlite3_bind_int(st, 2, t->num);
	sqlite3_bind_text(st, 3, gid, (int)gl, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, t->counter_col);
	sqlite3_bind_text(st, 5, s->site, -1, SQLITE_STATIC);
	return op_db_run(s->db, st);
}

static const char SQL_ROW_NEWEST[] =
	"SELECT coalesce(max(hlc), 0) FROM clock WHERE tbl = ?1 AND gid = ?2";

static const char SQL_PENDING[] =
	"SELECT seq, tbl, gid, op, cols, delta, ts, staff FROM journal"
	" WHERE seq > :from ORDER BY seq LIMIT :n";
static const char SQL_MARK[] =
	"INSERT OR REPLACE INTO stamp_mark(seq_upto, ver_upto, at) VALUES (:s, :v, :at)";

int64_t op_sync_hq_time(op_sync *s, int64_t ts)
{
	if (s->offset > s->cfg.max_ahead_ms || s->offset < -s->cfg.max_ahead_ms)
		ts -= s->offset;
	return ts;
}

int64_t op_sync_journal_time(op_sync *s, int64_t ts)
{
	/* ahead of this clock, both in HQ's time: a clock slow by hours
	 * translates every time ahead of itself, and is not from the future */
	int64_t now = op_sync_hq_time(s, op_sync_now(s));
	ts = op_sync_hq_time(s, ts);
	return ts > now + s->cfg.max_ahead_ms ? now : ts;
}

int op_sync_superseded(op_sync *s, const struct ver *v, int64_t ts)
{
	return v->found && v->ver > s->recheck_from && v->ver <= s->recheck_ver &&
	       (int64_t)(v->hlc >> 16) >= ts;
}

static const char SQL_OWN_COUNTER[] =
	"SELECT jts FROM counter WHERE tbl = :t AND gid = :g AND col = :c AND site = :s";
static const char SQL_RESUM_NOTE[] =
	"INSERT OR IGNORE INTO temp.resum(tbl, gid) VALUES (:t, :g)";

/* A counter delta of a rechecked journal entry (journaled at jts, this
 * store's clock) that this site's total already holds: the total took
 * in a delta journaled no earlier (the old copy of this store stamped
 * it, in journal order, and HQ gave the total back). 1 (not added
 * again), 0 or -1. */
static int counter_held(op_sync *s, const struct op_table *t, const char *gid,
			size_t gl, int64_t jts)
{
	sqlite3_stmt *st;
	int64_t held = 0;
	int rc;
	if (!HAS_JTS())
		return 0;
	if (!(st = op_db_stmt(s->db, SQL_OWN_COUNTER)))
		return -1;
	sqlite3_bind_int(st, 1, t->num);
	sqlite3_bind_text(st, 2, gid, (int)gl, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, t->counter_col);
	sqlite3_bind_text(st, 4, s->site, -1, SQLITE_STATIC);
	if ((rc = op_db_step(s->db, st)) == SQLITE_ROW)
		held = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (held == 0 || jts > held)
		return 0;
	/* the row's value counted the delta as pending: summed again after
	 * the pass (op_sync_stamp_in_txn) */
	if (op_db_exec(s->db, "CREATE TEMP TABLE IF NOT EXISTS resum("
		       "tbl INTEGER, gid TEXT, PRIMARY KEY (tbl, gid))") < 0 ||
	    !(st = op_db_stmt(s->db, SQL_RESUM_NOTE)))
		return -1;
	sqlite3_bind_int(st, 1, t->num);
	sqlite3_bind_text(st, 2, gid, (int)gl, SQLITE_STATIC);
	return op_db_run(s->db, st) < 0 ? -1 : 1;
}

static int stamp_one(op_sync *s, sqlite3_stmt *j, uint64_t pass_ver)
{
	const struct op_table *t = op_table_by_num((uint64_t)sqlite3_column_int64(j, 1));
	const char *gid = (const char *)sqlite3_column_text(j, 2);
	size_t gl = (size_t)sqlite3_column_bytes(j, 2);
	int op = sqlite3_column_int(j, 3);
	int64_t cols = sqlite3_column_int64(j, 4), ts = sqlite3_column_int64(j, 6);
	const char *staff = (const char *)sqlite3_column_text(j, 7);
	size_t stl = staff ? (size_t)sqlite3_column_bytes(j, 7) : 0, sl = strlen(s->site);
	struct ver rv;

	if (!t)
		return 0;
	/* A clock far off HQ's is translated into HQ's time (clamped). */
	ts = op_sync_journal_time(s, ts);
	uint64_t h = hlc_next(s, ts);
	/* an entry a backup held unstamped: what HQ gave back decides, per
	 * value, whether the old copy of this store sent it already */
	int recheck = sqlite3_column_int64(j, 0) <= s->recheck_seq;
	struct ver held = { 0 };

	if (op == 3) {
		/* prev: the newest version of the row the deleter had seen, so a
		 * receiver can tell an edit the delete never saw */
		uint64_t seen = 0;
		sqlite3_stmt *mx = op_db_stmt(s->db, SQL_ROW_NEWEST);
		if (!mx)
			return -1;
		sqlite3_bind_int(mx, 1, t->num);
		sqlite3_bind_text(mx, 2, gid, (int)gl, SQLITE_STATIC);
		if (op_db_step(s->db, mx) == SQLITE_ROW)
			seen = (uint64_t)sqlite3_column_int64(mx, 0);
		sqlite3_reset(mx);
		if (recheck && (op_sync_clock_get(s, t->num, gid, gl, -1, &held) < 0 ||
				op_sync_superseded(s, &held, 0)))
			return held.found ? 0 : -1;
		if (op_sync_drop_row_state(s, t->num, gid, gl) < 0)
			return -1;
		return op_sync_clock_put(s, t->num, gid, gl, -1, h, s->site, sl, seen, staff, stl);
	}
	if (op == 1) {
		if (recheck && op_sync_clock_get(s, t->num, gid, gl, COL_ROW, &held) < 0)
			return -1;
		if (!(recheck && op_sync_superseded(s, &held, 0)) &&
		    op_sync_clock_put(s, t->num, gid, gl, COL_ROW, h, s->site, sl, 0, staff, stl) < 0)
			return -1;
	} else {
		if (op_sync_clock_get(s, t->num, gid, gl, COL_ROW, &rv) < 0)
			return -1;
		/* Created earlier in this same pass: still unsent, so the row's
		 * version simply moves forward (no per-column entries). */
		if (rv.found && rv.ver > pass_ver && strcmp(rv.site, s->site) == 0) {
			if (op_sync_clock_put(s, t->num, gid, gl, COL_ROW, h, s->site, sl, 0,
				      staff, stl) < 0)
				return -1;
			/* The row's counter contribution must not travel ahead of
			 * the row it belongs to: it follows the marker. */
			if (t->counter_col >= 0 && counter_rever(s, t, gid, gl) < 0)
				return -1;
		} else {
			for (int c = 1; c < t->ncols && c < 63; c++) {
				struct ver cv;
				if (!(cols & ((int64_t)1 << c)) || c == t->counter_col)
					continue;
				if (op_sync_col_version(s, t->num, gid, gl, c, &cv) < 0)
					return -1;
				if (recheck && op_sync_superseded(s, &cv, ts))
					continue;
				if (op_sync_clock_put(s, t->num, gid, gl, c, h, s->site, sl, cv.hlc,
					      staff, stl) < 0)
					return -1;
			}
		}
	}
	if (t->counter_col >= 0 && sqlite3_column_type(j, 5) != SQLITE_NULL &&
	    sqlite3_column_int64(j, 5) != 0) {
		int kept = recheck ? counter_held(s, t, gid, gl, sqlite3_column_int64(j, 6)) : 0;
		if (kept)
			return kept < 0 ? -1 : 0;
		sqlite3_stmt *st = op_db_stmt(s->db, HAS_JTS() ? SQL_COUNTER_ADD : SQL_COUNTER_ADD_OLD);
		if (!st)
			return -1;
		sqlite3_bind_int(st, 1, t->num);
		sqlite3_bind_text(st, 2, gid, (int)gl, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, t->counter_col);
		sqlite3_bind_text(st, 4, s->site, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, sqlite3_column_int64(j, 5));
		sqlite3_bind_int64(st, 6, (int64_t)h);
		sqlite3_bind_int64(st, 7, (int64_t)++s->ver);
		if (HAS_JTS())
			sqlite3_bind_int64(st, 8, sqlite3_column_int64(j, 6));
		if (op_db_run(s->db, st) < 0)
			return -1;
	}
	return 0;
}

/* Rows whose counter column counted a delta as pending that HQ's total
 * held already (counter_held): their value is the sum again. */
static int resum(op_sync *s)
{
	sqlite3_stmt *st;
	int rc;
	if (!s->recheck_seq || op_db_exec(s->db, "CREATE TEMP TABLE IF NOT EXISTS resum("
					  "tbl INTEGER, gid TEXT, PRIMARY KEY (tbl, gid))") < 0 ||
	    !(st = op_db_stmt(s->db, "SELECT tbl, gid FROM temp.resum")))
		return s->recheck_seq ? -1 : 0;
	/* the sum is no local write: the journal must not record it */
	sqlite3_stmt *q = op_db_stmt(s->db, "SELECT applying FROM op_ctx WHERE id = 1");
	int64_t was = 0;
	if (!q)
		return -1;
	if (op_db_step(s->db, q) == SQLITE_ROW)
		was = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (!was && op_db_exec(s->db, "UPDATE op_ctx SET applying = 1 WHERE id = 1") < 0)
		return -1;
	while ((rc = op_db_step(s->db, st)) == SQLITE_ROW) {
		const struct op_table *t = op_table_by_num((uint64_t)sqlite3_column_int64(st, 0));
		sqlite3_stmt *sum = t && t->counter_col >= 0 ? s->t[t->num].sum : NULL;
		if (!sum)
			continue;
		sqlite3_reset(sum);
		sqlite3_bind_text(sum, 1, (const char *)sqlite3_column_text(st, 1), -1,
				  SQLITE_TRANSIENT);
		if (op_db_run(s->db, sum) < 0) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	if (!was && op_db_exec(s->db, "UPDATE op_ctx SET applying = 0 WHERE id = 1") < 0)
		return -1;
	return rc < 0 ? -1 : op_db_exec(s->db, "DELETE FROM temp.resum");
}

/* Stamp up to n entries inside the current transaction. */
int64_t op_sync_stamp_in_txn(op_sync *s, int64_t n)
{
	int64_t from = op_db_meta_int(s->db, "stamped_seq", 0), last = from, done = 0;
	uint64_t pass_ver;
	sqlite3_stmt *j = op_db_stmt(s->db, SQL_PENDING);
	int rc;

	if (!j)
		return -1;
	op_sync_state_load(s);
	pass_ver = s->ver;
	s->recheck_seq = op_db_meta_int(s->db, "recheck_seq", 0);
	s->recheck_from = (uint64_t)op_db_meta_int(s->db, "recheck_from", 0);
	s->recheck_ver = (uint64_t)op_db_meta_int(s->db, "recheck_ver", 0);
	sqlite3_bind_int64(j, 1, from);
	sqlite3_bind_int64(j, 2, n);
	/* The journal statement stays open while others run: SQLite allows
	 * writes to other tables during a read of this one. */
	while ((rc = op_db_step(s->db, j)) == SQLITE_ROW) {
		if (stamp_one(s, j, pass_ver) < 0) {
			sqlite3_reset(j);
			return -1;
		}
		last = sqlite3_column_int64(j, 0);
		done++;
	}
	sqlite3_reset(j);
	if (rc < 0)
		return -1;
	if (done == 0)
		return 0;
	sqlite3_stmt *m = op_db_stmt(s->db, SQL_MARK);
	if (!m || op_sync_state_save(s) < 0 ||
	    op_db_meta_set_int(s->db, "stamped_seq", last) < 0)
		return -1;
	/* Entries a history commit already read from the journal (outpost
	 * history commit before the daemon stamped them) are in that commit:
	 * their new versions must not count again in the next one, as
	 * changes or for its author. */
	if (last <= op_db_meta_int(s->db, "history_seq", 0) &&
	    op_db_meta_int(s->db, "history_ver", -1) == (int64_t)pass_ver &&
	    op_db_meta_set_int(s->db, "history_ver", (int64_t)s->ver) < 0)
		return -1;
	sqlite3_bind_int64(m, 1, last);
	sqlite3_bind_int64(m, 2, (int64_t)s->ver);
	sqlite3_bind_int64(m, 3, op_sync_now(s));
	if (op_db_run(s->db, m) < 0 || resum(s) < 0)
		return -1;
	if (s->recheck_seq && last >= s->recheck_seq &&
	    (op_db_meta_set_int(s->db, "recheck_seq", 0) < 0 ||
	     op_db_meta_set_int(s->db, "recheck_from", 0) < 0 ||
	     op_db_meta_set_int(s->db, "recheck_ver", 0) < 0))
		return -1;
	return done;
}

int64_t op_sync_stamp(op_sync *s, int chunk)
{
	int64_t total = 0, n;

	if (chunk <= 0)
		return op_sync_stamp_in_txn(s, INT64_MAX);
	do {
		if (op_db_begin(s->db, NULL) < 0)
			return -1;
		if ((n = op_sync_stamp_in_txn(s, chunk)) < 0 || op_db_commit(s->db) < 0) {
			op_db_rollback(s->db);
			return -1;
		}
		total += n;
	} while (n == chunk);
	return total;
}

/* --- build --- */

/* One integer of peer's row from a "SELECT x FROM peer WHERE site = :p";
 * 0 when there is no row. */
int op_sync_peer_int(op_sync *s, const char *sql, const char *peer, uint64_t *v)
{
	sqlite3_stmt *st = op_db_stmt(s->db, sql);
	int rc;
	*v = 0;
	if (!st || op_bind_text(s->db, st, ":p", peer) < 0)
		return -1;
	if ((rc = op_db_step(s->db, st)) == SQLITE_ROW)
		*v = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

static const char SQL_OUT[] =
	"SELECT ver, 0, tbl, gid, col, hlc, site, staff, prev, 0 FROM clock"
	" WHERE ver > :from AND ver <= :to"
	"   AND (:only IS NULL OR site = :only)"
	"   AND (:skip IS NULL OR site <> :skip OR ver <= :own)"
	" UNION ALL "
	"SELECT ver, 1, tbl, gid, col, hlc, site, NULL, val, jts FROM counter"
	" WHERE ver > :from AND ver <= :to"
	"   AND (:only IS NULL OR site = :only)"
	"   AND (:skip IS NULL OR site <> :skip OR ver <= :own)"
	" ORDER BY 1 LIMIT :n";
static const char SQL_OUT_OLD[] =	/* before migration 023 */
	"SELECT ver, 0, tbl, gid, col, hlc, site, staff, prev, 0 FROM clock"
	" WHERE ver > :from AND ver <= :to"
	"   AND (:only IS NULL OR site = :only)"
	"   AND (:skip IS NULL OR site <> :skip OR ver <= :own)"
	" UNION ALL "
	"SELECT ver, 1, tbl, gid, col, hlc, site, NULL, val, 0 FROM counter"
	" WHERE ver > :from AND ver <= :to"
	"   AND (:only IS NULL OR site = :only)"
	"   AND (:skip IS NULL OR site <> :skip OR ver <= :own)"
	" ORDER BY 1 LIMIT :n";
static const char SQL_PEER_REBASE[] =
	"SELECT rebase_upto FROM peer WHERE site = :p";
static const char SQL_OWN_COLS[] =
	"SELECT col, hlc, site, prev, staff FROM clock WHERE tbl = :t AND gid = :g"
	" AND col >= 0";

static void value_from(struct op_change *c, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		c->vtype = OP_V_INT;
		c->i = sqlite3_column_int64(st, i);
		break;
	case SQLITE_FLOAT:
		c->vtype = OP_V_REAL;
		c->r = sqlite3_column_double(st, i);
		break;
	case SQLITE_TEXT:
		c->vtype = OP_V_TEXT;
		c->s = (const char *)sqlite3_column_text(st, i);
		c->s_len = (size_t)sqlite3_column_bytes(st, i);
		break;
	case SQLITE_BLOB:
		c->vtype = OP_V_BLOB;
		c->s = sqlite3_column_blob(st, i);
		c->s_len = (size_t)sqlite3_column_bytes(st, i);
		break;
	default:
		c->vtype = OP_V_NULL;
	}
}

/* Emit the row image for a creation entry: the marker, then every column,
 * at the row's version or, for a column written since, at its own (that
 * version goes out by itself too unless in_image finds it went out here,
 * a duplicate the receiver ignores; a
 * branch leaves out other sites' versions, which HQ gave it). A
 * receiver that lacks the row needs every value to create it: a NOT NULL
 * column left for a later group would fail the insert. NULL values at
 * the row's version are left out (a new row has them) unless `nulls`. */
static int emit_row(op_sync *s, const struct op_table *t, struct op_change *c,
		    sqlite3_stmt *row, int peer_schema, int nulls, op_buf *raw)
{
	struct own { uint64_t hlc, prev; char site[40], staff[80]; } own[64];
	uint64_t has = 0, skip = 0;
	sqlite3_stmt *st = op_db_stmt(s->db, SQL_OWN_COLS);
	struct op_change mk = *c;
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, t->num);
	sqlite3_bind_text(st, 2, c->gid, (int)c->gid_len, SQLITE_STATIC);
	while ((rc = op_db_step(s->db, st)) == SQLITE_ROW) {
		int col = sqlite3_column_int(st, 0);
		if (col >= 64)
			continue;
		has |= (uint64_t)1 << col;
		/* a branch speaks only for itself: another site's version of a
		 * column came from HQ, which has it (and the row) already */
		if (!s->hq && strcmp((const char *)sqlite3_column_text(st, 2), s->site) != 0) {
			skip |= (uint64_t)1 << col;
			continue;
		}
		own[col].hlc = (uint64_t)sqlite3_column_int64(st, 1);
		snprintf(own[col].site, sizeof(own[col].site), "%s", sqlite3_column_text(st, 2));
		own[col].prev = (uint64_t)sqlite3_column_int64(st, 3);
		snprintf(own[col].staff, sizeof(own[col].staff), "%s",
			 sqlite3_column_text(st, 4) ? (const char *)sqlite3_column_text(st, 4) : "");
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	int n = 1;
	c->col = OP_COL_ROW;
	c->vtype = OP_V_NULL;
	op_enc_change(raw, c);
	for (int k = 1; k < t->ncols; k++) {
		/* a NULL written since (a clear) goes at its own version: left
		 * out, the receiver would hold the clear at the row's version */
		if (k == t->counter_col || t->cols[k].since > peer_schema ||
		    (k < 64 && (skip & ((uint64_t)1 << k))) ||
		    (!nulls && sqlite3_column_type(row, k) == SQLITE_NULL &&
		     !(k < 64 && (has & ((uint64_t)1 << k)))))
			continue;
		*c = mk;
		if (k < 64 && (has & ((uint64_t)1 << k))) {
			c->hlc = own[k].hlc;
			c->prev = own[k].prev;
			c->site = own[k].site;
			c->site_len = strlen(own[k].site);
			c->staff = own[k].staff;
			c->staff_len = strlen(own[k].staff);
		}
		c->col = k;
		value_from(c, row, k);
		op_enc_change(raw, c);
		n++;
	}
	*c = mk;
	return n;
}

void op_sync_set_stream(op_sync *s, uint64_t from, uint64_t head)
{
	s->img_from = from;
	s->img_head = head;
}

/* Did column version `ver` of row c already go out in its row's image,
 * earlier in this stream? Its marker is in the stream (above its start,
 * below ver, sent to this peer) and ver existed when the stream began:
 * the image then carried that version, unless the value was NULL. */
static int in_image(op_sync *s, const struct op_change *c, const char *peer,
		    uint64_t own, uint64_t ver, sqlite3_stmt *row)
{
	struct ver mk;
	if (!s->img_head || ver > s->img_head || c->col < 1 ||
	    sqlite3_column_type(row, (int)c->col) == SQLITE_NULL ||
	    op_sync_clock_get(s, (int)c->tbl, c->gid, c->gid_len, COL_ROW, &mk) < 0 ||
	    !mk.found || mk.ver <= s->img_from || mk.ver >= ver)
		return 0;
	/* the marker went to this peer: a branch sends its own rows, HQ
	 * every row but the peer's own (unless re-baselining it) */
	if (!s->hq)
		return strcmp(mk.site, s->site) == 0;
	return strcmp(mk.site, peer) != 0 || mk.ver <= own;
}

int op_sync_build(op_sync *s, const char *peer, int peer_schema, uint64_t from,
		  op_buf *raw, uint64_t *upto, uint64_t *count)
{
	uint64_t head = op_sync_head(s), last = from;
	unsigned need = s->hq ? OP_ROUTE_DOWN : OP_ROUTE_UP;
	sqlite3_stmt *st;
	int rc, rows = 0;

	uint64_t own = 0;	/* HQ re-baselining a branch: its own versions to here */

	*upto = from;
	*count = 0;
	/* Re-baselining, a branch's rows may hold writes not stamped yet
	 * under versions HQ has with other values: nothing goes out until
	 * HQ's stream is in and the journal is stamped. */
	if (!s->hq && op_sync_rebasing(s))
		return 0;
	if (s->hq && op_sync_peer_int(s, SQL_PEER_REBASE, peer, &own) < 0)
		return -1;
	if (!(st = op_db_stmt(s->db, HAS_JTS() ? SQL_OUT : SQL_OUT_OLD)))
		return -1;
	sqlite3_bind_int64(st, 1, (int64_t)from);
	sqlite3_bind_int64(st, 2, (int64_t)head);
	/* A branch sends only what it wrote; HQ sends a branch what it lacks,
	 * and while re-baselining it, what it wrote itself. */
	if (s->hq)
		sqlite3_bind_text(st, 4, peer, -1, SQLITE_STATIC);
	else
		sqlite3_bind_text(st, 3, s->site, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (int64_t)own);
	sqlite3_bind_int(st, 6, s->cfg.batch_changes);
	while ((rc = op_db_step(s->db, st)) == SQLITE_ROW) {
		const struct op_table *t = op_table_by_num((uint64_t)sqlite3_column_int64(st, 2));
		struct op_change c = { 0 };
		last = (uint64_t)sqlite3_column_int64(st, 0);
		rows++;
		if (!t || t->since > peer_schema)
			continue;
		/* its own rows go back whatever their route (orders, tickets) */
		int mine = s->hq && last <= own &&
			   strcmp((const char *)sqlite3_column_text(st, 6), peer) == 0;
		if (!(t->route & need) && !mine)
			continue;
		c.tbl = (uint64_t)t->num;
		c.gid = (const char *)sqlite3_column_text(st, 3);
		c.gid_len = (size_t)sqlite3_column_bytes(st, 3);
		c.col = sqlite3_column_int(st, 4);
		c.hlc = (uint64_t)sqlite3_column_int64(st, 5);
		c.site = (const char *)sqlite3_column_text(st, 6);
		c.site_len = (size_t)sqlite3_column_bytes(st, 6);
		c.staff = (const char *)sqlite3_column_text(st, 7);
		c.staff_len = c.staff ? (size_t)sqlite3_column_bytes(st, 7) : 0;
		if (sqlite3_column_int(st, 1) == 1) {
			/* counter contribution: value is the site's total, prev
			 * the journal time of its newest delta (migration 023) */
			c.vtype = OP_V_INT;
			c.i = sqlite3_column_int64(st, 8);
			c.prev = (uint64_t)sqlite3_column_int64(st, 9);
			op_enc_change(raw, &c);
			(*count)++;
		} else if (c.col == OP_COL_TOMBSTONE) {
			op_enc_change(raw, &c);
			(*count)++;
		} else {
			c.prev = (uint64_t)sqlite3_column_int64(st, 8);
			if (c.col >= 0 && (c.col >= t->ncols || t->cols[c.col].since > peer_schema))
				continue;
			sqlite3_stmt *row = s->t[t->num].sel;
			sqlite3_reset(row);
			sqlite3_bind_text(row, 1, c.gid, (int)c.gid_len, SQLITE_STATIC);
			int r = op_db_step(s->db, row);
			if (r < 0) {
				sqlite3_reset(st);
				return -1;
			}
			if (r == SQLITE_ROW) {
				if (c.col == OP_COL_ROW) {
					/* a branch getting its own rows back may hold
					 * an older copy (a backup): NULLs must reach it */
					int n = emit_row(s, t, &c, row, peer_schema, mine, raw);
					if (n < 0) {
						sqlite3_reset(row);
						sqlite3_reset(st);
						return -1;
					}
					*count += (uint64_t)n;
				} else if (!in_image(s, &c, peer, own, last, row)) {
					value_from(&c, row, (int)c.col);
					op_enc_change(raw, &c);
					(*count)++;
				}
			}
			sqlite3_reset(row);
		}
		if (raw->len >= s->cfg.batch_bytes)
			break;
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (raw->oom)
		return op_errc(op_db_err(s->db), EX_SOFTWARE, "batch over its size cap");
	/* Nothing more below head: the cursor may jump to it. */
	*upto = (rc == SQLITE_DONE && rows < s->cfg.batch_changes) ? head : last;
	return 0;
}

/* --- peers and garbage collection --- */

static const char SQL_PEER_GET[] =
	"SELECT recv_ver, acked_ver FROM peer WHERE site = :p";
static const char SQL_PEER_ACK[] =
	"INSERT INTO peer(site, acked_ver) VALUES (:p, :v)"
	" ON CONFLICT(site) DO UPDATE SET acked_ver = max(acked_ver, excluded.acked_ver)";
static const char SQL_PEER_CONTACT[] =
	"INSERT INTO peer(site, last_contact, schema_version, drift_ms, last_error)"
	" VALUES (:p, datetime('now'), :sv, :d, :e)"
	" ON CONFLICT(site) DO UPDATE SET last_contact = excluded.last_contact,"
	" schema_version = excluded.schema_version, drift_ms = excluded.drift_ms,"
	" last_error = excluded.last_error";

int op_sync_peer_get(op_sync *s, const char *peer, uint64_t *recv_ver,
		     uint64_t *acked_ver)
{
	sqlite3_stmt *st = op_db_stmt(s->db, SQL_PEER_GET);
	int rc;
	*recv_ver = *acked_ver = 0;
	if (!st || op_bind_text(s->db, st, ":p", peer) < 0)
		return -1;
	if ((rc = op_db_step(s->db, st)) == SQLITE_ROW) {
		*recv_ver = (uint64_t)sqlite3_column_int64(st, 0);
		*acked_ver = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

int op_sync_peer_acked(op_sync *s, const char *peer, uint64_t acked_ver)
{
	sqlite3_stmt *st = op_db_stmt(s->db, SQL_PEER_ACK);
	if (!st || op_bind_text(s->db, st, ":p", peer) < 0 ||
	    op_bind_int(s->db, st, ":v", (int64_t)acked_ver) < 0)
		return -1;
	return op_db_run(s->db, st);
}

int op_sync_peer_contact(op_sync *s, const char *peer, int schema,
			 int64_t drift_ms, const char *error)
{
	sqlite3_stmt *st = op_db_stmt(s->db, SQL_PEER_CONTACT);
	if (!st || op_bind_text(s->db, st, ":p", peer) < 0 ||
	    op_bind_int(s->db, st, ":sv", schema) < 0 ||
	    op_bind_int(s->db, st, ":d", drift_ms) < 0 ||
	    op_bind_text(s->db, st, ":e", error) < 0)
		return -1;
	return op_db_run(s->db, st);
}

/* Journal entries are only an audit trail once stamped and acknowledged by
 * every peer; they are kept 90 days for `outpost log`, then dropped. HQ
 * runs this every minute, so each statement reads what it drops and little
 * more, never the whole store: the acknowledged mark is the newest one at
 * or below every peer's acknowledgement (marks are read from the newest
 * down, as far as the peers lag); the journal is dropped from its start up
 * to its first entry that is unacknowledged or younger than the cutoff (an
 * older entry after that one waits for it: kept longer, never shorter);
 * the marks below the one used go with the entries they covered. */
static const char SQL_GC_MARK[] =
	"SELECT seq_upto FROM stamp_mark WHERE ver_upto <= (SELECT coalesce(min(acked_ver), 0)"
	"  FROM peer WHERE revoked_at IS NULL) ORDER BY seq_upto DESC LIMIT 1";
static const char SQL_GC[] =
	"DELETE FROM journal WHERE seq < coalesce((SELECT seq FROM journal"
	"  WHERE seq > :upto OR ts >= :cutoff ORDER BY seq LIMIT 1), :upto + 1)";
static const char SQL_GC_MARKS[] =
	"DELETE FROM stamp_mark WHERE seq_upto < :upto";

/* A tombstone is needed only until every peer has it: below the version
 * all active peers acknowledged, and older than the retention, it goes. A
 * late edit for such a row then finds no row and no creation marker and
 * is logged and dropped, so the row cannot come back half-made. Read
 * through the tombstones' own index (026_gc_index.sql), oldest first, as
 * far as the cutoff: not every row the peers acknowledged. */
static const char SQL_GC_TOMBS[] =
	"DELETE FROM clock INDEXED BY clock_tomb WHERE col = -1 AND hlc < :cutoff"
	" AND ver <= (SELECT coalesce(min(acked_ver), 0) FROM peer WHERE revoked_at IS NULL)";

int64_t op_sync_gc(op_sync *s)
{
	int64_t keep = (int64_t)90 * 86400 * 1000, cutoff = op_sync_now(s) - keep, upto = 0, n;
	sqlite3_stmt *st;
	int rc;

	if (op_db_begin(s->db, NULL) < 0)
		return -1;
	if (!(st = op_db_stmt(s->db, SQL_GC_MARK)) || (rc = op_db_step(s->db, st)) < 0)
		goto fail;
	if (rc == SQLITE_ROW)
		upto = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (!(st = op_db_stmt(s->db, SQL_GC)) || op_bind_int(s->db, st, ":upto", upto) < 0 ||
	    op_bind_int(s->db, st, ":cutoff", cutoff) < 0 || op_db_run(s->db, st) < 0)
		goto fail;
	n = sqlite3_changes(op_db_handle(s->db));
	if (!(st = op_db_stmt(s->db, SQL_GC_MARKS)) || op_bind_int(s->db, st, ":upto", upto) < 0 ||
	    op_db_run(s->db, st) < 0)
		goto fail;
	if (!(st = op_db_stmt(s->db, SQL_GC_TOMBS)) ||
	    op_bind_int(s->db, st, ":cutoff", cutoff << 16) < 0 || op_db_run(s->db, st) < 0)
		goto fail;
	n += sqlite3_changes(op_db_handle(s->db));
	if (op_db_commit(s->db) < 0)
		goto fail;
	return n;
fail:
	op_db_rollback(s->db);
	return -1;
}
