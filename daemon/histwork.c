/*
 * histwork.c — history commits on a thread of their own.
 *
 * A history commit of a batch stream's records takes as long as merging
 * them (hashing, deflating and writing a pack of their files and
 * directories): done by the loop, HQ answered no one meanwhile, and a
 * branch's upload or download waited for both, one after the other, on a
 * machine with a core to spare. The worker commits on its own connection
 * while the loop merges the next batches.
 *
 * What a commit holds stays what the loop decides (net.c): the loop asks
 * for a commit and waits until the worker has begun its read transaction
 * — its snapshot, taken between two of the loop's transactions — so a
 * commit holds exactly the batches before the request, all of one peer
 * (a commit has one author), and none after it. One commit runs at a time;
 * a request waits for the one before. The worker commits with
 * OP_HISTORY_STAMPED: the journal entries the loop has not stamped wait
 * for the commit after their stamping, which the loop does meanwhile.
 *
 * The connection is the worker's own (SQLite connections are not shared
 * between threads here); the store's WAL lets it read while the loop
 * writes, and its two marks are written after the loop's transaction,
 * under the store's busy handler. libgit2 is thread-safe; each commit
 * opens its repository.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "daemon.h"
#include "db.h"
#include "history.h"
#include "histwork.h"
#include "sync.h"

struct op_histwork {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	op_db *db;
	char *repo;		/* NULL: the store's default */
	/* under mu */
	int asked;		/* a request waits for the worker */
	int running;		/* a commit runs (from its request to its end) */
	int snapped;		/* the running commit holds its snapshot */
	int quit;
	int baseline;
	char site[64];
	int64_t last_ms;	/* how long the last commit took */
};

static void on_snapshot(void *arg)
{
	op_histwork *w = arg;
	pthread_mutex_lock(&w->mu);
	w->snapped = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void commit(op_histwork *w, const char *site, int baseline)
{
	struct op_history_hook hook = { on_snapshot, w };
	struct op_history_result res;
	op_err e = { 0 };
	int64_t t0 = op_mono_ms();

	if (baseline && op_history_started(w->db, w->repo)) {
		on_snapshot(w);
		return;
	}
	if (op_history_commit_hook(w->db, w->repo, site, OP_HISTORY_STAMPED, &hook, &res,
				   &e) < 0)
		op_log(OP_LOG_WARN, "history not written: %s", e.msg);
	else if (res.commit[0])
		op_log(OP_LOG_DEBUG, "history: %llu records of %s committed in %lld ms",
		       (unsigned long long)res.records, site, (long long)(op_mono_ms() - t0));
	on_snapshot(w);	/* in case it failed before taking one */
}

static void *worker(void *arg)
{
	op_histwork *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->asked && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->asked)
			break;
		char site[64];
		int baseline = w->baseline;
		snprintf(site, sizeof(site), "%s", w->site);
		w->asked = 0;
		pthread_mutex_unlock(&w->mu);
		int64_t t0 = op_mono_ms();
		commit(w, site, baseline);
		pthread_mutex_lock(&w->mu);
		w->last_ms = op_mono_ms() - t0;
		w->running = 0;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int64_t op_histwork_last_ms(op_histwork *w)
{
	pthread_mutex_lock(&w->mu);
	int64_t ms = w->last_ms;
	pthread_mutex_unlock(&w->mu);
	return ms;
}

op_histwork *op_histwork_start(const char *db_path, const char *repo_path, op_err *e)
{
	op_histwork *w = calloc(1, sizeof(*w));
	if (!w || (repo_path && !(w->repo = strdup(repo_path)))) {
		free(w);
		op_errc(e, EX_OSERR, "out of memory");
		return NULL;
	}
	if (op_db_open(&w->db, db_path, OP_DB_DAEMON, e) < 0) {
		free(w->repo);
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	int err = pthread_create(&w->thread, NULL, worker, w);
	if (err) {
		op_errc(e, EX_OSERR, "cannot start the history worker: %s", strerror(err));
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		op_db_free(w->db);
		free(w->repo);
		free(w);
		return NULL;
	}
	return w;
}

void op_histwork_commit(op_histwork *w, const char *author_site, int baseline)
{
	pthread_mutex_lock(&w->mu);
	while (w->running)
		pthread_cond_wait(&w->cv, &w->mu);
	snprintf(w->site, sizeof(w->site), "%s", author_site ? author_site : "");
	w->baseline = baseline;
	w->asked = w->running = 1;
	w->snapped = 0;
	pthread_cond_broadcast(&w->cv);
	while (!w->snapped)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

int op_histwork_busy(op_histwork *w)
{
	pthread_mutex_lock(&w->mu);
	int busy = w->running;
	pthread_mutex_unlock(&w->mu);
	return busy;
}

void op_histwork_wait(op_histwork *w)
{
	pthread_mutex_lock(&w->mu);
	while (w->running)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

void op_histwork_stop(op_histwork *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	while (w->running)
		pthread_cond_wait(&w->cv, &w->mu);
	w->quit = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	op_db_free(w->db);
	free(w->repo);
	free(w);
}
