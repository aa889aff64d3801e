/*
 * histlock.c — keeping the history writable after a writer died (see
 * history_int.h, docs/HISTORY.md "When a writer is killed").
 *
 * Every outpost writer of a history repository (outpostd, `outpost history
 * commit`) holds an flock on REPO/outpost.lock while it commits. Holding
 * it, a writer knows no other outpost process is half-way through a
 * commit, so what a killed one left behind can be cleared safely:
 *   - refs/heads/main.lock, left by a kill during the ref update, which
 *     would make every later commit fail;
 *   - objects/pack/tmp_outpost_PID_* files whose process is gone, and
 *     packs that have been without their index for 10 minutes, left by a
 *     kill while a pack was written (gitpack.c writes the pack, then the
 *     index: a pack without one is invisible to git and libgit2).
 * A ref lock younger than a few seconds is left alone: it may be the stock
 * git client's, working right now.
 *
 * A failed commit is also recorded in the store (meta 'history_error' and
 * 'history_error_at'), so `outpost sync status` and the health check show
 * it, not only the daemon's log; the next successful commit clears it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "history_int.h"

#define STALE_LOCK_S 5		/* a ref lock older than this, under our lock, is dead */
#define STALE_PACK_S 600	/* a pack without an index for this long is dead */

int op_hist_lock(const char *repo_path, op_err *e)
{
	char p[4200];
	struct stat st;
	if (stat(repo_path, &st) != 0 || !S_ISDIR(st.st_mode))
		return -2;	/* no repository yet: nothing to lock or clear */
	snprintf(p, sizeof(p), "%s/outpost.lock", repo_path);
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0664);
	if (fd < 0)
		return -2;	/* a read-only copy: committing will say why */
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int err = errno;
			close(fd);
			return op_errc(e, EX_IOERR, "cannot lock '%s': %s", p, strerror(err));
		}
	}
	return fd;
}

void op_hist_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* releases the flock */
}

static time_t mtime_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_mtime : time(NULL);
}

static int old_enough(const char *path, time_t now)
{
	return access(path, F_OK) == 0 && now - mtime_of(path) >= STALE_LOCK_S;
}

int op_hist_clear_stale(const char *repo_path, void (*warn)(const char *what, void *arg),
			void *arg)
{
	char p[4200], q[4500];
	time_t now = time(NULL);
	int n = 0;

	snprintf(p, sizeof(p), "%s/refs/heads/main.lock", repo_path);
	if (old_enough(p, now) && unlink(p) == 0) {
		n++;
		if (warn)
			warn("removed refs/heads/main.lock left by a killed writer", arg);
	}
	snprintf(p, sizeof(p), "%s/objects/pack", repo_path);
	DIR *d = opendir(p);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		const char *name = de->d_name;
		size_t len = strlen(name);
		int drop = 0;
		snprintf(q, sizeof(q), "%s/%s", p, name);
		if (strncmp(name, "tmp_outpost_", 12) == 0) {
			/* tmp_outpost_PID_...: its writer is gone (the pack
			 * merger runs in a child of its own, lock or no lock) */
			long pid = strtol(name + 12, NULL, 10);
			drop = pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH);
		} else if (strncmp(name, "pack-", 5) == 0 && len > 5 &&
			   strcmp(name + len - 5, ".pack") == 0) {
			char idx[4600];
			snprintf(idx, sizeof(idx), "%.*s.idx", (int)(strlen(q) - 5), q);
			drop = access(idx, F_OK) != 0 && now - mtime_of(q) >= STALE_PACK_S;
		}
		if (drop && unlink(q) == 0) {
			n++;
			if (warn)
				warn("removed a pack file a killed writer left half-written", arg);
		}
	}
	if (d)
		closedir(d);
	return n;
}

int op_hist_note(op_db *db, const op_err *e)
{
	if (op_db_in_txn(db))
		return 0;
	if (!e) {
		char *was = op_db_meta_get(db, "history_error");
		int rc = was ? op_db_exec(db, "DELETE FROM meta WHERE key IN"
					  " ('history_error', 'history_error_at')") : 0;
		free(was);
		return rc;
	}
	char at[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(at, sizeof(at), "%Y-%m-%d %H:%M:%S", &tm);
	return op_db_meta_set(db, "history_error", e->msg[0] ? e->msg : "unknown error") < 0 ||
	       op_db_meta_set(db, "history_error_at", at) < 0 ? -1 : 0;
}
