/*
 * syncstat.c — how sync is going, read from the tables outpostd keeps (see
 * syncstat.h): the health of HQ's branches and of the store's machinery,
 * and the figures of `sync status` at a branch and at HQ, which the CLI
 * prints and the web screen's 同步 page shows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "syncstat.h"
#include "tables.h"

void op_health_route_tables(char *out, size_t n, unsigned route)
{
	size_t len = (size_t)snprintf(out, n, ",");
	for (int i = 0; i < op_ntables && len < n; i++)
		if (op_tables[i].route & route)
			len += (size_t)snprintf(out + len, n - len, "%d,", op_tables[i].num);
}

/* Per peer: what it lacks of ours (routed its way, not its own), the
 * oldest of it, and what we lack of its. */
static const char SQL_PEERS[] =
	"SELECT p.site, p.last_contact,"
	"   CAST((julianday('now') - julianday(p.last_contact)) * 86400 AS INTEGER),"
	"   p.recv_ver, p.acked_ver,"
	"   (SELECT count(*) FROM clock c WHERE c.ver > p.acked_ver"
	"      AND c.site <> p.site AND instr(:tbls, ',' || c.tbl || ',') > 0)"
	" + (SELECT count(*) FROM counter k WHERE k.ver > p.acked_ver"
	"      AND k.site <> p.site AND instr(:tbls, ',' || k.tbl || ',') > 0),"
	"   CASE WHEN p.head_ver IS NULL THEN -1 WHEN p.head_ver > p.recv_ver"
	"        THEN p.head_ver - p.recv_ver ELSE 0 END,"
	"   (SELECT min(h) FROM ("
	"      SELECT min(c.hlc) AS h FROM clock c WHERE c.ver > p.acked_ver"
	"        AND c.site <> p.site AND instr(:tbls, ',' || c.tbl || ',') > 0"
	"      UNION ALL SELECT min(k.hlc) FROM counter k WHERE k.ver > p.acked_ver"
	"        AND k.site <> p.site AND instr(:tbls, ',' || k.tbl || ',') > 0)),"
	"   p.drift_ms, coalesce(p.schema_version, 0), p.revoked_at IS NOT NULL,"
	"   p.refused, p.refused > p.refused_ok, p.last_error_at, p.last_error"
	"  FROM peer p ORDER BY p.site";

int op_health_branches(op_db *db, int64_t stale_s,
		       void (*cb)(const struct op_health_branch *b, void *arg), void *arg)
{
	char tbls[256];
	int rc, bad = 0;
	int64_t now = (int64_t)time(NULL);
	sqlite3_stmt *st = op_db_stmt(db, SQL_PEERS);

	op_health_route_tables(tbls, sizeof(tbls), OP_ROUTE_DOWN);
	if (!st || op_bind_text(db, st, ":tbls", tbls) < 0)
		return -1;
	while ((rc = op_db_step(db, st)) == SQLITE_ROW) {
		struct op_health_branch b = { 0 };
		b.site = (const char *)sqlite3_column_text(st, 0);
		b.last_contact = (const char *)sqlite3_column_text(st, 1);
		b.age_s = b.last_contact ? sqlite3_column_int64(st, 2) : -1;
		b.recv_ver = sqlite3_column_int64(st, 3);
		b.acked_ver = sqlite3_column_int64(st, 4);
		b.pending = sqlite3_column_int64(st, 5);
		b.unreceived = sqlite3_column_int64(st, 6);
		b.lag_s = -1;
		if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
			int64_t ms = (int64_t)((uint64_t)sqlite3_column_int64(st, 7) >> 16);
			b.lag_s = now - ms / 1000 > 0 ? now - ms / 1000 : 0;
		}
		if (b.unreceived > 0 && b.age_s > b.lag_s)
			b.lag_s = b.age_s;	/* its changes wait since its last contact */
		b.has_drift = sqlite3_column_type(st, 8) != SQLITE_NULL;
		b.drift_ms = sqlite3_column_int64(st, 8);
		b.schema_version = sqlite3_column_int64(st, 9);
		b.revoked = sqlite3_column_int(st, 10);
		b.refused = sqlite3_column_int64(st, 11);
		int refused_since = sqlite3_column_int(st, 12);
		b.last_error_at = (const char *)sqlite3_column_text(st, 13);
		b.last_error = (const char *)sqlite3_column_text(st, 14);
		if (b.revoked || refused_since)
			b.state = "refused";
		else if (b.age_s < 0 || b.age_s > stale_s)
			b.state = "stale";
		else if (b.pending > 0 || b.unreceived > 0 || b.last_error)
			b.state = "behind";
		else
			b.state = "ok";
		if (!b.revoked && (b.state[0] == 'r' || b.state[0] == 's'))
			bad++;
		if (cb)
			cb(&b, arg);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? bad : -1;
}

void op_health_store_read(op_db *db, struct op_health_store *h)
{
	h->history_error = op_db_meta_get(db, "history_error");
	h->history_error_at = op_db_meta_get(db, "history_error_at");
	h->backup_last = op_db_meta_get(db, "backup_last");
	h->backup_error = op_db_meta_get(db, "backup_error");
	h->sync_error = op_db_meta_get(db, "sync_error");
}

void op_health_store_free(struct op_health_store *h)
{
	free(h->history_error);
	free(h->history_error_at);
	free(h->backup_last);
	free(h->backup_error);
	free(h->sync_error);
	memset(h, 0, sizeof(*h));
}

/* ------------------------------------------------------------ sync status */

/* On a branch: the HQ row (a branch has one peer; prefer one named HQ). */
static const char SQL_ST_HQ[] =
	"SELECT site, last_contact, acked_ver, recv_ver, drift_ms, schema_version,"
	"       last_error,"
	"       CAST((julianday('now') - julianday(last_contact)) * 86400 AS INTEGER)"
	"  FROM peer"
	" ORDER BY site = 'HQ' DESC, revoked_at IS NOT NULL, last_contact DESC, site"
	" LIMIT 1";
static const char SQL_ST_UNSTAMPED[] =
	"SELECT count(*) FROM main.journal WHERE seq > :stamped";
/* Our own versions the peer has not acknowledged, of tables routed its way. */
static const char SQL_ST_UNACKED[] =
	"SELECT (SELECT count(*) FROM clock WHERE ver > :acked AND site = :site"
	"          AND instr(:tbls, ',' || tbl || ',') > 0)"
	"     + (SELECT count(*) FROM counter WHERE ver > :acked AND site = :site"
	"          AND instr(:tbls, ',' || tbl || ',') > 0)";
/* The oldest journal entry HQ does not have yet. While stamped versions are
 * unacknowledged, stamp_mark says which journal entries those acked
 * versions covered; otherwise everything stamped is through. */
static const char SQL_ST_OLDEST[] =
	"SELECT min(ts) FROM main.journal WHERE seq > CASE WHEN :unacked > 0"
	"  THEN coalesce((SELECT max(seq_upto) FROM stamp_mark"
	"                 WHERE ver_upto <= :acked), 0)"
	"  ELSE :stamped END";
static const char SQL_ST_CONFLICTS[] =
	"SELECT count(*) FROM conflict WHERE resolved_at IS NULL";
static const char SQL_ST_BRANCHES[] =
	"SELECT count(*) FROM peer WHERE revoked_at IS NULL";

/* The first column of a one-row query; *isnull (when given) says it was
 * NULL, then *v is 0. 0 or -1. */
static int one_int(op_db *db, sqlite3_stmt *st, int64_t *v, int *isnull)
{
	int rc = op_db_step(db, st);
	if (rc < 0)
		return -1;
	*v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	if (isnull)
		*isnull = rc != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL;
	sqlite3_reset(st);
	return 0;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	return v ? strdup(v) : NULL;
}

static int status_branch(op_db *db, struct op_sync_status *s)
{
	int64_t stamped = op_db_meta_int(db, "stamped_seq", 0), unstamped, unacked, oldest;
	int null_oldest, rc;
	char tbls[256];
	sqlite3_stmt *st;

	s->lag_s = s->contact_age_s = -1;
	s->hq_pubkey = op_db_meta_get(db, "hq_pubkey");
	op_health_route_tables(tbls, sizeof(tbls), OP_ROUTE_UP);
	if (!(st = op_db_stmt(db, SQL_ST_HQ)) || (rc = op_db_step(db, st)) < 0)
		return -1;
	if (rc == SQLITE_ROW) {
		s->has_hq = 1;
		s->hq_site = col_dup(st, 0);
		s->last_contact = col_dup(st, 1);
		s->acked_ver = sqlite3_column_int64(st, 2);
		s->has_recv_ver = sqlite3_column_type(st, 3) != SQLITE_NULL;
		s->recv_ver = sqlite3_column_int64(st, 3);
		s->has_drift = sqlite3_column_type(st, 4) != SQLITE_NULL;
		s->drift_ms = sqlite3_column_int64(st, 4);
		s->has_hq_schema = sqlite3_column_type(st, 5) != SQLITE_NULL;
		s->hq_schema_version = sqlite3_column_int64(st, 5);
		s->last_error = col_dup(st, 6);
		if (s->last_contact && sqlite3_column_type(st, 7) != SQLITE_NULL)
			s->contact_age_s = sqlite3_column_int64(st, 7);
	}
	sqlite3_reset(st);
	if (!(st = op_db_stmt(db, SQL_ST_UNSTAMPED)) ||
	    op_bind_int(db, st, ":stamped", stamped) < 0 || one_int(db, st, &unstamped, NULL) < 0 ||
	    !(st = op_db_stmt(db, SQL_ST_UNACKED)) ||
	    op_bind_int(db, st, ":acked", s->acked_ver) < 0 ||
	    op_bind_text(db, st, ":site", s->site) < 0 ||
	    op_bind_text(db, st, ":tbls", tbls) < 0 || one_int(db, st, &unacked, NULL) < 0 ||
	    !(st = op_db_stmt(db, SQL_ST_OLDEST)) ||
	    op_bind_int(db, st, ":unacked", unacked) < 0 ||
	    op_bind_int(db, st, ":acked", s->acked_ver) < 0 ||
	    op_bind_int(db, st, ":stamped", stamped) < 0 ||
	    one_int(db, st, &oldest, &null_oldest) < 0)
		return -1;
	s->unsent = unstamped + unacked;
	if (!null_oldest) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		s->lag_s = (now - oldest) / 1000 > 0 ? (now - oldest) / 1000 : 0;
	}
	/* a branch that never reached HQ keeps why in meta */
	if (!s->has_hq && s->store.sync_error)
		s->last_error = strdup(s->store.sync_error);
	return 0;
}

/* op_health_branches' callback: a copy of each branch into the status. */
static void keep_branch(const struct op_health_branch *b, void *arg)
{
	struct op_sync_status *s = arg;
	struct op_health_branch *n = realloc(s->branches, (s->nbranches + 1) * sizeof(*n));
	if (!n)
		return;
	s->branches = n;
	n += s->nbranches++;
	*n = *b;
	n->site = b->site ? strdup(b->site) : NULL;
	n->last_contact = b->last_contact ? strdup(b->last_contact) : NULL;
	n->last_error = b->last_error ? strdup(b->last_error) : NULL;
	n->last_error_at = b->last_error_at ? strdup(b->last_error_at) : NULL;
}

static int status_hq(op_db *db, int64_t stale_s, struct op_sync_status *s)
{
	int64_t stamped = op_db_meta_int(db, "stamped_seq", 0);
	sqlite3_stmt *st;

	if (!(st = op_db_stmt(db, SQL_ST_UNSTAMPED)) ||
	    op_bind_int(db, st, ":stamped", stamped) < 0 ||
	    one_int(db, st, &s->unstamped, NULL) < 0 ||
	    !(st = op_db_stmt(db, SQL_ST_BRANCHES)) ||
	    one_int(db, st, &s->active_branches, NULL) < 0)
		return -1;
	s->nbad = op_health_branches(db, stale_s, keep_branch, s);
	return s->nbad < 0 ? -1 : 0;
}

int op_sync_status_read(op_db *db, int64_t stale_s, struct op_sync_status **out)
{
	struct op_sync_status *s = calloc(1, sizeof(*s));
	sqlite3_stmt *st;

	*out = NULL;
	if (!s)
		return op_errc(op_db_err(db), EX_OSERR, "out of memory");
	s->hq = op_db_is_hq(db);
	s->site = op_db_site(db) ? strdup(op_db_site(db)) : NULL;
	s->schema_version = op_db_schema_version(db);
	op_health_store_read(db, &s->store);
	s->unhealthy = s->store.history_error || s->store.backup_error;
	if (!(st = op_db_stmt(db, SQL_ST_CONFLICTS)) ||
	    one_int(db, st, &s->open_conflicts, NULL) < 0 ||
	    (s->hq ? status_hq(db, stale_s > 0 ? stale_s : OP_HEALTH_STALE_DEFAULT, s) :
		     status_branch(db, s)) < 0) {
		op_sync_status_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void op_sync_status_free(struct op_sync_status *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nbranches; i++) {
		free((char *)s->branches[i].site);
		free((char *)s->branches[i].last_contact);
		free((char *)s->branches[i].last_error);
		free((char *)s->branches[i].last_error_at);
	}
	free(s->branches);
	op_health_store_free(&s->store);
	free(s->site);
	free(s->hq_site);
	free(s->hq_pubkey);
	free(s->last_contact);
	free(s->last_error);
	free(s);
}
