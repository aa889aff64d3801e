/*
 * chores.c — what outpostd's loop (net.c) does besides messages: history
 * commits at most once a second and pack merging in a child process,
 * snapshots on schedule (--backup), the systemd watchdog and status line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "backup.h"
#include "health.h"
#include "history.h"
#include "histwork.h"
#include "net_int.h"

int64_t op_net_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t op_net_mono_ms(void)
{
	return op_mono_ms();
}

/* Commit what the batches since the last commit brought to the history;
 * failing never stops sync. With the worker (histwork.c) the commit goes
 * on there: this waits for one still running, and until the new one holds
 * its snapshot. */
void op_net_history_flush(struct dctx *d)
{
	op_err herr = { 0 };
	struct op_history_result res;
	if (d->cfg->no_history || !d->hist_dirty)
		return;
	int64_t t0 = op_net_mono_ms();
	if (d->hw)
		op_histwork_commit(d->hw, d->hist_site, 0);
	else if (op_history_commit_ex(d->db, d->cfg->history, d->hist_site, 0, &res, &herr) < 0)
		op_log(OP_LOG_WARN, "history not written: %s", herr.msg);
	else if (res.commit[0])
		op_log(OP_LOG_DEBUG, "history: %llu records of %s committed in %lld ms",
		       (unsigned long long)res.records, d->hist_site,
		       (long long)(op_net_mono_ms() - t0));
	d->hist_dirty = 0;
	d->hist_at = op_net_mono_ms();
}

/* At most one history commit per HIST_EVERY_MS while batches stream in:
 * a commit rewrites the directories above its records, so a few large
 * ones cost much less than one per batch. */
#define HIST_EVERY_MS 1000

/* With the worker the loop does not wait for a commit, and a stream is
 * committed as it comes: a commit starts a quarter of a second after the
 * one before, or, once commits grow long, four times as long as the last
 * took (at most HIST_REST_MAX_MS): each commit rewrites the directories
 * above its records (256 of them, whatever its size), so during a long
 * stream fewer, larger commits cost less in all (a 300k download: 57
 * commits took 65 s of CPU with the merge, 12 commits 57 s), and what is
 * left when it ends (which a --once run waits for) stays a few seconds. */
#define HIST_WORKER_MS 250
#define HIST_REST_MAX_MS 8000

static int64_t worker_every(struct dctx *d)
{
	int64_t e = 4 * op_histwork_last_ms(d->hw);
	return e < HIST_WORKER_MS ? HIST_WORKER_MS : e > HIST_REST_MAX_MS ? HIST_REST_MAX_MS : e;
}

/* The write-ahead log is trimmed past OP_DB_WAL_MAX (64 MiB), looked at
 * once a second:
 * while batches stream in, the worker's snapshots keep SQLite from
 * restarting it (3 GB in a 1M catch-up), so it is done in the worker's
 * gaps, before its next commit. */
#define WAL_EVERY_MS 1000

static void wal_due(struct dctx *d, int64_t t)
{
	if (t - d->wal_at < WAL_EVERY_MS || (d->hw && op_histwork_busy(d->hw)))
		return;
	d->wal_at = t;
	int r = op_db_wal_trim(d->db, OP_DB_WAL_MAX);
	if (r < 0)
		op_log(OP_LOG_WARN, "%s", op_db_err(d->db)->msg);
	else if (r)
		op_log(OP_LOG_DEBUG, "write-ahead log copied into the store and truncated in %lld ms",
		       (long long)(op_net_mono_ms() - t));
}

/* Commit when due: now (now), or once the interval has passed; not while
 * the worker still writes the one before (a later turn asks again). */
void op_net_history_due(struct dctx *d, int now)
{
	int64_t every = d->hw ? worker_every(d) : HIST_EVERY_MS, t = op_net_mono_ms();
	wal_due(d, t);
	if (d->hist_dirty && (now || t - d->hist_at >= every) &&
	    !(d->hw && op_histwork_busy(d->hw)))
		op_net_history_flush(d);
}

/* The loop stamped n local writes: they are the history's to commit, with
 * the worker as soon as it is free (nothing more comes with them: a
 * branch's upload is then committed while HQ merges it, not after). */
void op_net_history_stamped(struct dctx *d, int64_t n)
{
	if (n <= 0 || d->cfg->no_history)
		return;
	if (!d->hist_dirty) {
		snprintf(d->hist_site, sizeof(d->hist_site), "%s", op_db_site(d->db));
		d->hist_at = op_net_mono_ms() - (d->hw ? HIST_WORKER_MS : 0);
	}
	d->hist_dirty = 1;
	op_net_history_due(d, 0);
}

/* At exit: the worker's last commit ends, and what is left (with the
 * journal the loop has not stamped) is committed here. */
void op_net_history_end(struct dctx *d)
{
	op_histwork_stop(d->hw);
	d->hw = NULL;
	op_net_history_flush(d);
	op_net_history_repack(d, 1);
}

#define REPACK_EVERY_MS 60000
#define REPACK_STREAM_MS 10000

/* Every minute (a --once run: from its first idle turn on, see
 * op_daemon_run), every 10 s while batches stream in, a child process
 * merges the history's small packs (op_history_repack) and the loop goes
 * on; wait: reap it (at exit). */
void op_net_history_repack(struct dctx *d, int wait)
{
	if (d->repack_pid > 0) {
		if (waitpid(d->repack_pid, NULL, wait ? 0 : WNOHANG) != d->repack_pid)
			return;
		d->repack_pid = 0;
	}
	/* During a long stream too, less often than its commits add packs
	 * (a merge of packs is safe beside a commit): a catch-up of 100,000
	 * customers left 45 packs when merges waited for it to end. */
	int streaming = d->hist_dirty || (d->hw && op_histwork_busy(d->hw));
	if (wait || d->cfg->no_history ||
	    op_net_mono_ms() - d->repack_at < (streaming ? REPACK_STREAM_MS : REPACK_EVERY_MS))
		return;
	d->repack_at = op_net_mono_ms();
	char *path = d->cfg->history ? strdup(d->cfg->history) :
		     op_history_default_path(d->cfg->db);
	pid_t p = path ? fork() : -1;
	if (p == 0) {
		if (nice(10) < 0)	/* background work: the clerk's commands first */
			op_log(OP_LOG_DEBUG, "pack merge at normal priority: %s", strerror(errno));
		/* A fresh process: a forked one counts every page of the
		 * daemon it shares (81-97 MiB after a 1M catch-up) on top of
		 * what the merge needs. */
		execl("/proc/self/exe", "outpostd", OP_REPACK_OPTION, path, (char *)NULL);
		op_log(OP_LOG_DEBUG, "pack merge in the forked daemon: %s", strerror(errno));
		_exit(op_daemon_repack(path));
	}
	if (p < 0)
		op_log(OP_LOG_WARN, "cannot start merging the history's packs: %s", strerror(errno));
	else
		d->repack_pid = p;
	free(path);
}

int op_daemon_repack(const char *path)
{
	op_err e = { 0 };
	int n = op_history_repack(path, &e);
	if (n < 0)
		op_log(OP_LOG_WARN, "history not repacked: %s", e.msg);
	else if (n > 0)
		op_log(OP_LOG_INFO, "history: merged %d packs into one", n);
	return n < 0;
}

/* Snapshots on schedule (--backup DIR), whether or not the peer can be
 * reached: a branch offline for a week still has its dailies. */
static void backup_tick(struct dctx *d)
{
	const struct op_backup_cfg *b = &d->cfg->backup;
	int64_t now = op_net_mono_ms();
	if (!b->ntargets || (d->backup_checked &&
			     now - d->backup_checked < (b->speed > 1 ? 1000 : 30000)))
		return;
	d->backup_checked = now;
	time_t t = op_backup_now(b);
	if (!op_backup_due(b, op_db_site(d->db), t))
		return;
	struct op_backup_result res;
	op_err e = { 0 };
	if (op_backup_run(d->db, b, t, &res, &e) < 0)
		op_log(OP_LOG_ERR, "backup: %s", e.msg);
	if (res.written)
		op_log(OP_LOG_INFO, "backup: snapshot %s (%.1f MiB) in %d of %d targets in %lld ms; "
		       "retention removed %d", res.name, (double)res.bytes / 1048576.0,
		       res.written, b->ntargets, (long long)(op_net_mono_ms() - now), res.removed);
}

/* systemd: the watchdog fed at half its interval, the STATUS= line (what
 * `systemctl status outpostd` shows) every 30 seconds. */
static void health_tick(struct dctx *d)
{
	int64_t now = op_net_mono_ms(), wd = op_health_watchdog_ms();
	if (wd > 0 && now - d->watchdog_at >= wd / 2) {
		op_health_notify("WATCHDOG=1");
		d->watchdog_at = now;
	}
	if (!getenv("NOTIFY_SOCKET") || (d->status_at && now - d->status_at < 30000))
		return;
	char line[400];
	memcpy(line, "STATUS=", 7);
	op_health_summary(d->db, line + 7, sizeof(line) - 7);
	op_health_notify(line);
	d->status_at = now;
}

/* What the loops do besides messages: snapshots and systemd. */
void op_net_chores(struct dctx *d)
{
	backup_tick(d);
	health_tick(d);
}

/* A store that held data before its history began gets its first commit
 * now, authored by this site: the first round committed on top of it is
 * then authored by whoever made that round's changes. With the worker it
 * is written there, beside the handshake; the rows the journal still has
 * to stamp follow in the commit after their stamping. */
void op_net_history_baseline(struct dctx *d)
{
	op_err herr = { 0 };
	if (d->cfg->no_history)
		return;
	if (!(d->hw = op_histwork_start(d->cfg->db, d->cfg->history, &herr)))
		op_log(OP_LOG_WARN, "history written by the loop itself: %s", herr.msg);
	if (d->hw)
		op_histwork_commit(d->hw, op_db_site(d->db), 1);
	else if (op_history_baseline(d->db, d->cfg->history, &herr) < 0)
		op_log(OP_LOG_WARN, "history not written: %s", herr.msg);
}
