/*
 * health.c — the health of a store and of its branches (see health.h).
 * What is read from peer, clock, counter and meta is schema/syncstat.c's
 * (the CLI's sync status and the web screen read it too); the daemon adds
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
