/*
 * histwork.h — outpostd's history worker: history commits on a thread of
 * their own, beside the loop that merges batches (see histwork.c).
 */
#ifndef OP_HISTWORK_H
#define OP_HISTWORK_H

#include <stdint.h>
#include "error.h"

typedef struct op_histwork op_histwork;

/* Start the worker on its own connection to the store at db_path, the
 * history at repo_path (NULL: the store's default). NULL with e set. */
op_histwork *op_histwork_start(const char *db_path, const char *repo_path, op_err *e);

/* Commit what the store holds now (OP_HISTORY_STAMPED: what the loop has
 * stamped), author_site naming the author when the records have no single
 * one; baseline: only when the history has no commit yet. Waits for a
 * commit still running, then until this one holds its snapshot: writes
 * the loop makes after the call are not in it. The commit itself, and its
 * log line, go on on the worker. */
void op_histwork_commit(op_histwork *w, const char *author_site, int baseline);

/* How long the last commit took, in ms (0: none yet). */
int64_t op_histwork_last_ms(op_histwork *w);
/* Is a commit running? */
int op_histwork_busy(op_histwork *w);

/* Wait until no commit runs. */
void op_histwork_wait(op_histwork *w);

/* Wait, stop the thread, close its connection. NULL is allowed. */
void op_histwork_stop(op_histwork *w);

#endif
