/*
 * history_int.h — what history.c (writing the history), histread.c
 * (reading it) and backup.c (restore and push) share. Not for other
 * modules: they use history.h.
 */
#ifndef OP_HISTORY_INT_H
#define OP_HISTORY_INT_H

#include <git2.h>
#include "history.h"
#include "tables.h"
#include "recfile.h"

#define REF_MAIN "refs/heads/main"
#define OP_HIST_NAME_MAX 400	/* longest escaped file name of a record */

struct op_history {
	git_repository *repo;
	char *path;
};

/* Start libgit2 once for the life of the process, configured for the
 * history (no user or system gitconfig, bounded caches). */
void op_hist_git_up(void);
/* Set e from git_error_last(), prefixed with a formatted "what"; -1. */
int op_hist_gitfail(op_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int op_hist_blob_parse(git_repository *repo, const git_oid *id, const struct op_table *t,
		      struct op_recfile *r);
int op_hist_repo_open(git_repository **out, const char *path, int create, int *created,
		     op_err *e);
/* Store a history mark (meta key) in its own statement; 0 or -1. */
int op_hist_set_mark(op_db *db, const char *key, int64_t v);
/* A revwalk from refs/heads/main with the given sort; *empty when the
 * repository has no commits yet. 0 or -1 with e set. */
int op_hist_walk_start(op_history *h, git_revwalk **out, unsigned sort, int *empty,
		       op_err *e);

/* histlock.c: the writers' lock on REPO/outpost.lock, held while
 * committing. Returns the lock's descriptor (give it to op_hist_unlock),
 * -2 when there is nothing to lock (no repository yet, or read-only), or
 * -1 with e set. */
int op_hist_lock(const char *repo_path, op_err *e);
void op_hist_unlock(int fd);
/* Under the lock: remove what a killed writer left (a ref lock, temporary
 * packs, packs without an index), telling warn about each. Returns how
 * many files were removed. */
int op_hist_clear_stale(const char *repo_path, void (*warn)(const char *what, void *arg),
			void *arg);
/* Record a failed commit in the store's meta (e), or clear the record
 * (e NULL). 0 or -1. */
int op_hist_note(op_db *db, const op_err *e);

#endif
