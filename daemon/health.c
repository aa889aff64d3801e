/*
 * health.c — the health of a store and of its branches (see health.h).
 * Everything is read from peer, clock, counter and meta; the daemon adds
 * two facts it alone knows (a branch's head version at HELLO, why a run gave
 * up) and tells systemd a summary.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "health.h"
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

static const char SQL_HEAD[] = "UPDATE peer SET head_ver = :v WHERE site = :s";

int op_health_hello(op_db *db, const char *site, uint64_t head_ver)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_HEAD);
	if (!st || op_bind_int(db, st, ":v", (int64_t)head_ver) < 0 ||
	    op_bind_text(db, st, ":s", site) < 0)
		return -1;
	return op_db_run(db, st);
}

/* The HQ row as `sync status` picks it at a branch. */
static const char SQL_ERR_HQ[] =
	"UPDATE peer SET last_error = :e WHERE site = (SELECT site FROM peer"
	" ORDER BY site = 'HQ' DESC, revoked_at IS NOT NULL, last_contact DESC, site LIMIT 1)";

int op_health_record_error(op_db *db, const char *msg)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_ERR_HQ);
	char at[32];
	time_t now = time(NULL);
	struct tm tm;
	if (!st || op_bind_text(db, st, ":e", msg) < 0 || op_db_run(db, st) < 0)
		return -1;
	if (sqlite3_changes(op_db_handle(db)) > 0)
		return 0;
	gmtime_r(&now, &tm);
	strftime(at, sizeof(at), "%Y-%m-%d %H:%M:%S", &tm);
	return op_db_meta_set(db, "sync_error", msg) < 0 ||
	       op_db_meta_set(db, "sync_error_at", at) < 0 ? -1 : 0;
}

struct tally { int n[4]; };

static void count_state(const struct op_health_branch *b, void *arg)
{
	struct tally *t = arg;
	static const char *const states[] = { "ok", "behind", "stale", "refused" };
	if (b->revoked)
		return;
	for (int i = 0; i < 4; i++)
		if (strcmp(b->state, states[i]) == 0)
			t->n[i]++;
}

void op_health_summary(op_db *db, char *out, size_t n)
{
	struct op_health_store h;
	size_t len = 0;
	op_health_store_read(db, &h);
	if (op_db_is_hq(db)) {
		struct tally t = { { 0 } };
		op_health_branches(db, OP_HEALTH_STALE_DEFAULT, count_state, &t);
		len = (size_t)snprintf(out, n, "branches: %d ok, %d behind, %d stale, %d refused",
				       t.n[0], t.n[1], t.n[2], t.n[3]);
	} else {
		len = (size_t)snprintf(out, n, "site %s", op_db_site(db) ? op_db_site(db) : "?");
	}
	if (len < n)
		len += (size_t)snprintf(out + len, n - len, "; history %s%s%s",
					h.history_error ? "FAILING since " : "ok",
					h.history_error ? h.history_error_at : "", "");
	if (len < n && (h.backup_last || h.backup_error))
		snprintf(out + len, n - len, "; backup %s", h.backup_error ? "FAILING" : "ok");
	op_health_store_free(&h);
}

void op_health_notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, strlen(path));
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';	/* abstract namespace */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path)));
	close(fd);
}

int64_t op_health_watchdog_ms(void)
{
	const char *us = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	if (!us || !*us || (pid && *pid && strtol(pid, NULL, 10) != (long)getpid()))
		return 0;
	long long v = strtoll(us, NULL, 10);
	return v > 0 ? v / 1000 : 0;
}
