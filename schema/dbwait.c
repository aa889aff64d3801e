/*
 * dbwait.c — connections that wait for each other: the busy handler, the
 * note a waiting writer leaves for the daemon (op_db_writer_waiting), and
 * trimming a write-ahead log that readers kept from restarting
 * (op_db_wal_trim).
 *
 * A clerk's command and the daemon's merge share one store. The merge
 * holds the write lock for a batch at a time; a command that finds it
 * held touches "<store>-waiting" and keeps trying; the merge looks at
 * that file every few hundred changes and, when it is fresh, commits what
 * it has, pauses and goes on (daemon/merge.c), so the command waits for a
 * part of a batch, not for all of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "db.h"
#include "dbwait.h"

#define BUSY_TRIES 5000		/* about 5 s */
#define WAITING_EVERY 10	/* tries between two touches of the note */
#define WAITING_FRESH_NS 1000000000LL	/* a note older than 1 s is stale */

static void waiting_path(const op_db *db, char *p, size_t n)
{
	snprintf(p, n, "%s-waiting", op_db_path(db));
}

/* The note: its time is what counts. Created group-writable, so that a
 * clerk's account and the daemon's can both touch it; when neither can,
 * the command just waits longer. */
static void waiting_touch(const op_db *db)
{
	char p[4096];
	waiting_path(db, p, sizeof(p));
	if (utimensat(AT_FDCWD, p, NULL, 0) == 0 || errno != ENOENT)
		return;
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0664);
	if (fd >= 0)
		close(fd);
}

/* Waiting for another connection's write lock: try again every
 * millisecond. SQLite's own busy timeout sleeps up to 100 ms between
 * tries and keeps missing the short gaps between a catching-up daemon's
 * batch transactions, so the clerk's write waited for the whole catch-up.
 * Anyone but a daemon says it waits, at once and then every 10 tries:
 * a merge that made room the command missed (it was not scheduled in
 * time) makes room again for the next touch. */
int op_db_busy(void *arg, int tries)
{
	const op_db *db = arg;
	struct timespec ms = { 0, 1000000 };
	if (tries >= BUSY_TRIES)
		return 0;
	if (db && tries % WAITING_EVERY == 0 &&
	    !(op_db_flags(db) & (OP_DB_DAEMON | OP_DB_READONLY)))
		waiting_touch(db);
	nanosleep(&ms, NULL);
	return 1;
}

int op_db_writer_waiting(const op_db *db, long long *seen)
{
	char p[4096];
	struct stat st;
	struct timespec now;
	waiting_path(db, p, sizeof(p));
	if (stat(p, &st) < 0 || clock_gettime(CLOCK_REALTIME, &now) < 0)
		return 0;
	long long t = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	if (t <= *seen || now.tv_sec * 1000000000LL + now.tv_nsec - t >= WAITING_FRESH_NS)
		return 0;
	*seen = t;
	return 1;
}

void op_db_room_pause(void)
{
	static const struct timespec pause = { 0, 5000000 };
	nanosleep(&pause, NULL);
}

/* For op_db_wal_trim: a few milliseconds, then give up. */
static int busy_brief(void *arg, int tries)
{
	return tries < 20 ? op_db_busy(NULL, tries) : 0;
}

int op_db_wal_trim(op_db *db, long long max)
{
	char p[4096];
	struct stat st;
	sqlite3 *h = op_db_handle(db);
	snprintf(p, sizeof(p), "%s-wal", op_db_path(db));
	if (stat(p, &st) < 0 || st.st_size <= max || !sqlite3_get_autocommit(h))
		return 0;
	/* First what blocks nobody: copy the frames no reader needs. Only when
	 * that was all of them is the log cut — then the truncation, which
	 * holds writers off, has next to nothing left to copy. */
	int nlog = 0, ndone = 0;
	int rc = sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog, &ndone);
	if (rc == SQLITE_OK && ndone < nlog)
		return 0;
	sqlite3_busy_handler(h, busy_brief, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	sqlite3_busy_handler(h, op_db_busy, db);
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return 0;
	if (rc != SQLITE_OK)
		return op_errf(op_db_err(db), "checkpoint of '%s': %s", op_db_path(db),
			       sqlite3_errmsg(h));
	return 1;
}
