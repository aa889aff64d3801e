/*
 * history.h — the history of a store's records in a git repository
 * (libgit2), and reading it back: timelines, restore, push (docs/HISTORY.md).
 *
 * The repository is bare and lives beside the store: DB.git for DB (for
 * hq.db, hq.db.git). Each commit holds one canonical text file per record,
 * TABLE/xx/yy/ID, sharded by the last four hex digits of the id, with one
 * "column: value" line per non-NULL column in description order
 * (schema/tables.c). outpostd commits after each sync round; `outpost
 * history commit` commits on demand. Only changed records are rewritten and
 * only the directories above them: a commit costs what changed, not what
 * the store holds.
 *
 * What changed is read from the sync layer: clock and counter rows with a
 * version above meta 'history_ver', and journal entries not yet stamped
 * above 'history_seq'. Those marks are written only after the commit is on
 * disk, so a crash re-writes the same records next time, to the same
 * objects: committing is idempotent.
 */
#ifndef OP_HISTORY_H
#define OP_HISTORY_H

#include <stdint.h>
#include <time.h>
#include "db.h"
#include "error.h"
#include "tables.h"

/* The default repository of the store at db_path: "<db_path>.git"
 * (malloc'd; NULL when out of memory). */
char *op_history_default_path(const char *db_path);

/* --- writing --- */

#define OP_HISTORY_FULL 0x01	/* rebuild the tree from every row (repair) */
/* Only what the sync layer has versioned: journal entries not yet stamped
 * are left to a later commit, and so (in a first commit) are the rows they
 * touch. outpostd's history worker commits so while its loop stamps the
 * journal: an entry is then never committed once unstamped and again,
 * at its new version, after the loop stamped it during the commit. */
#define OP_HISTORY_STAMPED 0x02

struct op_history_result {
	char commit[41];	/* the new commit, "" when nothing changed */
	char summary[256];	/* its first line */
	uint64_t records, added, deleted;
};

/* Commit every record changed since the last history commit to the
 * repository at repo_path (NULL: the default path; created bare on first
 * use, branch refs/heads/main). author_site names the author when the
 * changes have no single staff member or site (the peer whose batch was
 * applied, or this site). The store must not be inside a transaction.
 * Returns 0 (also when nothing changed: no commit is made) or -1 with e set;
 * the store is never written except for the two meta marks. */
int op_history_commit(op_db *db, const char *repo_path, const char *author_site,
		      op_err *e);

/* Keep the repository at repo_path compact: when it has more than
 * OP_HISTORY_PACKS packs, merge the smallest into one, so that at most
 * that many remain and they grow geometrically (gitpack.c; memory stays
 * the same whatever their size). Needs no store; safe while commits are
 * written. Returns
 * the packs merged (0: none needed, or no repository yet), or -1 with e
 * set. outpostd runs it in a child process when idle. */
#define OP_HISTORY_PACKS 8
int op_history_repack(const char *repo_path, op_err *e);
/* The same with flags (OP_HISTORY_FULL) and, when res is not NULL, what
 * was committed. */
int op_history_commit_ex(op_db *db, const char *repo_path, const char *author_site,
			 unsigned flags, struct op_history_result *res, op_err *e);

/* Called once, as soon as a commit holds its snapshot of the store (or
 * when it fails before): writes after that are not in the commit. */
struct op_history_hook {
	void (*snapshot)(void *arg);
	void *arg;
};
/* op_history_commit_ex with a hook (NULL: none). */
int op_history_commit_hook(op_db *db, const char *repo_path, const char *author_site,
			   unsigned flags, const struct op_history_hook *hook,
			   struct op_history_result *res, op_err *e);
/* Has the repository at repo_path (NULL: db's default) a commit? 1, 0
 * (also when it does not exist yet). */
int op_history_started(op_db *db, const char *repo_path);

/* The first commit of a store that already holds data, before any round
 * is committed on top of it: every record, authored by the store's own
 * site (outpostd runs it at start-up). Does nothing when the history has a
 * commit. 0 or -1 with e set. */
int op_history_baseline(op_db *db, const char *repo_path, op_err *e);

/* --- reading --- */

typedef struct op_history op_history;

/* Open an existing history repository. 0 and *out (free with
 * op_history_free), or -1 with e set (EX_NOINPUT when there is none). */
int op_history_open(op_history **out, const char *repo_path, op_err *e);
void op_history_free(op_history *h);

/* One commit as the readers see it; strings live until the callback
 * returns. */
struct op_history_info {
	char commit[41];
	time_t time;		/* commit time, UTC */
	const char *author;	/* staff code or site code */
	const char *staff;	/* NULL when the author is a site */
	const char *site;	/* the site the change came from */
	const char *summary;	/* first line of the message */
	const char *message;	/* the whole message */
};

/* A field of a record at one commit compared with its parent. Values are
 * unescaped; NULL when the field is absent (NULL in the store). */
struct op_history_field {
	const char *name, *old, *new;
};

enum op_history_kind { OP_HISTORY_NEW, OP_HISTORY_CHANGED, OP_HISTORY_DELETED };

struct op_history_event {
	struct op_history_info info;
	enum op_history_kind kind;
	int nfields;		/* fields that differ, in description order */
	const struct op_history_field *fields;
};

/* Callbacks return 0 to go on, anything else to stop (and that value is
 * returned). */
typedef int (*op_history_log_cb)(const struct op_history_info *c, void *arg);
typedef int (*op_history_event_cb)(const struct op_history_event *ev, void *arg);

/* The commits, newest first. Returns 0, the callback's stop value, or -1
 * with e set. */
int op_history_log(op_history *h, op_history_log_cb cb, void *arg, op_err *e);

/* The timeline of record id of table t: every commit that created, changed
 * or deleted it, newest first (oldest first with reverse). Returns the
 * number of events (0: the record has no history), the callback's stop
 * value, or -1 with e set. */
int op_history_timeline(op_history *h, const struct op_table *t, const char *id,
			int reverse, op_history_event_cb cb, void *arg, op_err *e);

/* Find a record of table t that is in the history (deleted ones too) by its
 * full id or an id prefix or suffix of 6+ characters. 0 and *id (malloc'd),
 * or -1: EX_NOINPUT when nothing matches, EX_DATAERR when ambiguous. Scans
 * every commit's changes (each commit costs what it changed). */
int op_history_find(op_history *h, const struct op_table *t, const char *ref,
		    char **id, op_err *e);

struct op_history_restored {
	char commit[41];
	time_t time;
	char site[40];
	int hq;
	uint64_t records;
};

/* Create a new store at to_path holding every record of the last commit at
 * or before `at` (the site and role recorded in that commit, rows inserted
 * in one transaction as a remote apply, so nothing is journaled). Refuses
 * (EX_CANTCREAT) when to_path exists; EX_NOINPUT when no commit is that
 * old. 0 and *res, or -1 with e set (a half-made file is removed). */
int op_history_restore(op_history *h, time_t at, const char *to_path,
		       struct op_history_restored *res, op_err *e);

struct op_history_pushed {
	int created;		/* the target repository was created */
	uint64_t commits;	/* commits the target did not have */
	uint64_t objects;	/* objects transferred */
};

/* Push refs/heads/main to the bare repository at path (created when
 * missing) with libgit2's local transport: only objects the target lacks
 * are sent. 0 and *res, or -1 with e set (EX_DATAERR when the target's
 * history is not an ancestor of ours). */
int op_history_push(op_history *h, const char *path, struct op_history_pushed *res,
		    op_err *e);

/* Parse a point in time typed by a person: "YYYY-MM-DD" (the end of that
 * day), "YYYY-MM-DD HH:MM[:SS]" or with a 'T', optionally ending in 'Z';
 * UTC like every time in a store. 0 and *out, or -1. */
int op_history_parse_time(const char *s, time_t *out);

#endif
