/*
 * history.c — the history repository of a store (see history.h and
 * docs/HISTORY.md).
 *
 * Writing. The records that changed since the last history commit are read
 * from the sync layer (clock, counter, unstamped journal), sorted by table
 * and shard, and streamed through four git_treebuilders — root, table, xx,
 * yy — each seeded from the same directory of the parent commit: only the
 * directories above a changed record are written again, so a commit costs
 * what changed. New objects go to an in-memory object database (mempack)
 * first; a commit of a few objects is then written loose, a larger one as
 * one pack (gitpack.c), as git itself does with received packs; the commit
 * object last. The branch moves with a compare-and-swap, and the store's
 * marks only after that: a crash means the same records are written again,
 * to the same objects.
 *
 * Reading the history (log, timelines, finding a record) is in
 * histread.c; restoring a store from the history and pushing it elsewhere
 * are in backup.c.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>
#include "gitpack.h"
#include "packread.h"
#include "history.h"
#include "recfile.h"
#include "history_int.h"

#define BODY_MAX 20		/* records listed in a commit message */
#define LOOSE_MAX 128		/* objects: fewer are written loose, more as a pack */
#define PACK_BYTES (4u << 20)	/* bytes of new objects held in memory before a
				 * pack is written: a first commit of a million
				 * records runs in bounded memory */
#define MAXT 64

/* --- small helpers --- */

int op_hist_gitfail(op_err *e, int code, const char *fmt, ...)
{
	char what[300];
	va_list ap;
	const git_error *ge = git_error_last();
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return op_errc(e, code, "%s: %s", what, ge && ge->message ? ge->message : "unknown error");
}

struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void buf_add(struct buf *b, const void *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (b->len + n + 1 > cap)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* --- record files read back --- */

int op_hist_blob_parse(git_repository *repo, const git_oid *id, const struct op_table *t,
		      struct op_recfile *r)
{
	git_blob *b;
	memset(r, 0, sizeof(*r));
	if (git_blob_lookup(&b, repo, id) < 0)
		return -1;
	int rc = op_recfile_parse(r, t, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	git_blob_free(b);
	return rc;
}

/* --- what a commit message calls records --- */

static const struct noun { const char *table, *one, *many; } nouns[] = {
	{ "branch", "branch", "branches" },
	{ "staff", "staff member", "staff members" },
	{ "customer", "customer", "customers" },
	{ "product", "product", "products" },
	{ "sales_order", "order", "orders" },
	{ "order_item", "order item", "order items" },
	{ "ticket", "ticket", "tickets" },
	{ "ticket_step", "ticket step", "ticket steps" },
	{ "followup", "follow-up", "follow-ups" },
};

static const char *noun(const struct op_table *t, uint64_t n)
{
	for (size_t i = 0; i < sizeof(nouns) / sizeof(nouns[0]); i++)
		if (strcmp(nouns[i].table, t->name) == 0)
			return n == 1 ? nouns[i].one : nouns[i].many;
	return t->name;
}

char *op_history_default_path(const char *db_path)
{
	size_t n = strlen(db_path) + 5;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s.git", db_path);
	return p;
}

/* libgit2 is started once and stays up for the life of the process (each
 * call takes a reference, none is given back): starting it parses the
 * system's whole TLS certificate bundle, far too slow to repeat for every
 * sync round. */
static void git_up_once(void)
{
	git_libgit2_init();
	/* The history is the store's, not a person's: no $HOME/.gitconfig or
	 * /etc/gitconfig (an unreadable or broken one would stop it), and no
	 * owner check (safe.directory) — the daemon's user writes the
	 * repository, the clerk's CLI reads it. */
	for (int lv = GIT_CONFIG_LEVEL_SYSTEM; lv <= GIT_CONFIG_LEVEL_GLOBAL; lv++)
		git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, lv, "");
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	/* Bounded memory (invariant 6): libgit2 would cache up to 256 MiB of
	 * parsed objects and map pack files in windows of 1 GiB, and every
	 * page touched counts against the daemon. */
	git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)(2 << 20));
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)(4 << 20));
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)(8 << 20));
}

/* once per process, whichever thread comes first (outpostd's loop or its
 * history worker) */
void op_hist_git_up(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, git_up_once);
}

/* An existing directory with nothing in it (a fresh mount point). */
static int empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "lost+found"))
			n++;
	closedir(d);
	return n == 0;
}

/* Open the repository at path, creating it (bare, HEAD -> main) when it
 * does not exist and create is set. */
int op_hist_repo_open(git_repository **out, const char *path, int create, int *created,
		     op_err *e)
{
	struct stat st;
	*out = NULL;
	if (created)
		*created = 0;
	int fresh = stat(path, &st) != 0;
	if (fresh && errno != ENOENT)
		return op_errc(e, EX_IOERR, "cannot read '%s': %s", path, strerror(errno));
	if (!fresh && create && S_ISDIR(st.st_mode) && empty_dir(path))
		fresh = 1;
	if (fresh) {
		if (!create)
			return op_errc(e, EX_NOINPUT, "no history at '%s' (outpostd writes it "
				       "after each sync; or run 'outpost history commit')", path);
		git_repository_init_options o;
		git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
		o.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH |
			  GIT_REPOSITORY_INIT_NO_REINIT;
		o.initial_head = "main";
		o.description = "Outpost store history (one file per record; see docs/HISTORY.md)";
		if (git_repository_init_ext(out, path, &o) < 0)
			return op_hist_gitfail(e, EX_CANTCREAT, "cannot create the history repository '%s'",
				       path);
		if (created)
			*created = 1;
		return 0;
	}
	int r = git_repository_open_ext(out, path, GIT_REPOSITORY_OPEN_NO_SEARCH |
					GIT_REPOSITORY_OPEN_BARE, NULL);
	if (r == 0)
		return 0;
	/* Say what really stopped it: "not a repository" only when it is not. */
	const git_error *ge = git_error_last();
	if (r == GIT_EOWNER)
		return op_hist_gitfail(e, EX_NOPERM, "cannot open the history '%s' (owned by "
				       "another user)", path);
	if (ge && ge->klass == GIT_ERROR_CONFIG)
		return op_hist_gitfail(e, EX_CONFIG, "cannot open the history '%s': git "
				       "configuration", path);
	if (ge && ge->klass == GIT_ERROR_OS)
		return op_hist_gitfail(e, EX_IOERR, "cannot open the history '%s'", path);
	return op_hist_gitfail(e, EX_DATAERR, "'%s' is not a git repository", path);
}

/* --- writing --- */

struct level {
	git_treebuilder *b;
	git_tree *old;		/* this directory in the parent commit, or NULL */
	char name[64];
	int open, dirty;
};

struct writer {
	op_db *db;
	op_err *e;
	git_repository *repo;	/* the history: old trees are read from it */
	git_odb *odb;		/* its object database: packs go there */
	/* New objects are built in a repository of their own whose only
	 * object database is in memory: writing a tree there costs no file
	 * system look-ups (an object missing from the disk database makes
	 * libgit2 rescan the pack directory), and nothing reaches the disk
	 * until flush_objects. */
	git_repository *wrepo;
	git_odb *memdb;
	git_odb_backend *mem;
	git_oid *objs;		/* what went into mem */
	size_t nobjs, cap, membytes;
	uint64_t flushed;	/* objects already written out as packs */
	struct level lv[4];	/* root, table, xx, yy */
	const struct op_table *t;
	sqlite3_stmt *sel[MAXT];	/* every column and the label, by id */
	sqlite3_stmt *all[MAXT];	/* the same for every row, by shard */
	struct { uint64_t changed, added, deleted; } cnt[MAXT];
	uint64_t total, added, deleted;
	char *text;		/* a record file, reused */
	size_t textcap;
	struct buf body;
	int listed;
};

static int track(struct writer *w, const git_oid *id)
{
	if (w->nobjs == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 1024;
		git_oid *p = realloc(w->objs, cap * sizeof(*p));
		if (!p)
			return op_errc(w->e, EX_OSERR, "out of memory");
		w->objs = p;
		w->cap = cap;
	}
	git_oid_cpy(&w->objs[w->nobjs++], id);
	return 0;
}

/* Write what mem holds to disk: loose objects when they are few (and
 * nothing went to a pack yet), else one pack with its index. */
static int flush_objects(struct writer *w, int final)
{
	int rc = -1;

	if (w->nobjs == 0)
		return 0;
	if (final && !w->flushed && w->nobjs < LOOSE_MAX) {
		git_odb_backend *loose = NULL;
		char dir[4096];
		snprintf(dir, sizeof(dir), "%sobjects", git_repository_path(w->repo));
		if (git_odb_backend_loose(&loose, dir, -1, 0, 0, 0) < 0)
			return op_hist_gitfail(w->e, EX_IOERR, "cannot write to '%s'", dir);
		for (size_t i = 0; i < w->nobjs; i++) {
			git_odb_object *o;
			if (git_odb_read(&o, w->memdb, &w->objs[i]) < 0) {
				op_hist_gitfail(w->e, EX_SOFTWARE, "cannot read a new object");
				goto loose_out;
			}
			int r = loose->write(loose, &w->objs[i], git_odb_object_data(o),
					     git_odb_object_size(o), git_odb_object_type(o));
			git_odb_object_free(o);
			if (r < 0) {
				op_hist_gitfail(w->e, EX_IOERR, "cannot write an object to '%s'", dir);
				goto loose_out;
			}
		}
		rc = 0;
loose_out:
		loose->free(loose);
	} else {
		char dir[4096];
		snprintf(dir, sizeof(dir), "%sobjects/pack", git_repository_path(w->repo));
		if (op_gitpack_write(w->memdb, dir, w->objs, w->nobjs, w->e) < 0)
			return -1;
		w->flushed += w->nobjs;
		rc = 0;
	}
	if (rc == 0) {
		git_mempack_reset(w->mem);
		w->nobjs = 0;
		w->membytes = 0;
	}
	return rc;
}

static int level_open(struct writer *w, int k, const char *name)
{
	struct level *l = &w->lv[k], *up = &w->lv[k - 1];
	const git_tree_entry *te = up->old ? git_tree_entry_byname(up->old, name) : NULL;

	snprintf(l->name, sizeof(l->name), "%s", name);
	l->old = NULL;
	l->dirty = 0;
	if (te && git_tree_entry_type(te) == GIT_OBJECT_TREE &&
	    git_tree_lookup(&l->old, w->repo, git_tree_entry_id(te)) < 0)
		return op_hist_gitfail(w->e, EX_DATAERR, "cannot read directory '%s' of the history",
			       name);
	if (git_treebuilder_new(&l->b, w->wrepo, l->old) < 0)
		return op_hist_gitfail(w->e, EX_SOFTWARE, "cannot start a tree");
	l->open = 1;
	return 0;
}

/* Write directory k (when it changed) into its parent and close it. */
static int level_close(struct writer *w, int k)
{
	struct level *l = &w->lv[k], *up = &w->lv[k - 1];
	int rc = 0;

	if (!l->open)
		return 0;
	if (l->dirty) {
		git_oid id;
		w->membytes += git_treebuilder_entrycount(l->b) * 72;	/* about */
		if (git_treebuilder_entrycount(l->b) == 0) {
			if (git_treebuilder_get(up->b, l->name))
				git_treebuilder_remove(up->b, l->name);
		} else if (git_treebuilder_write(&id, l->b) < 0 || track(w, &id) < 0 ||
			   git_treebuilder_insert(NULL, up->b, l->name, &id,
						  GIT_FILEMODE_TREE) < 0) {
			rc = w->e->msg[0] ? -1 : op_hist_gitfail(w->e, EX_SOFTWARE, "cannot write a tree");
		}
		up->dirty = 1;
	}
	git_treebuilder_free(l->b);
	git_tree_free(l->old);
	memset(l, 0, sizeof(*l));
	return rc;
}

/* Make levels 1-3 the directories of table t, shard sh. */
static int descend(struct writer *w, const struct op_table *t, const char *sh)
{
	char xx[3] = { sh[0], sh[1], 0 }, yy[3] = { sh[2], sh[3], 0 };
	const char *want[4] = { NULL, t->name, xx, yy };

	for (int k = 1; k <= 3; k++) {
		if (w->lv[k].open && strcmp(w->lv[k].name, want[k]) == 0)
			continue;
		for (int j = 3; j >= k; j--)
			if (level_close(w, j) < 0)
				return -1;
		for (int j = k; j <= 3; j++)
			if (level_open(w, j, want[j]) < 0)
				return -1;
		break;
	}
	w->t = t;
	return 0;
}

static void body_line(struct writer *w, const char *kind, const struct op_table *t,
		      const char *id, const char *label)
{
	char lab[80] = "";
	if (w->listed >= BODY_MAX)
		return;
	w->listed++;
	if (label) {
		size_t n = 0;
		for (const char *p = label; *p && n < sizeof(lab) - 1; p++)
			lab[n++] = (unsigned char)*p < 0x20 ? ' ' : *p;
		/* never cut a UTF-8 sequence in two */
		if (label[n])
			while (n > 0 && ((unsigned char)lab[n] & 0xc0) == 0x80)
				n--;
		lab[n] = '\0';
	}
	buf_printf(&w->body, "%-8s %s %s%s%s\n", kind, noun(t, 1), id,
		   lab[0] ? "  " : "", lab);
}

/* One record: row is its current row (every column, then the label), or
 * NULL when it is gone. */
static int put_record(struct writer *w, const struct op_table *t, const char *id,
		      const char *sh, sqlite3_stmt *row)
{
	char name[OP_HIST_NAME_MAX];
	git_oid id_new, id_old;
	int had;

	if (op_recfile_name(id, name, sizeof(name)) < 0)
		return 0;	/* an empty or absurdly long id: not a record file */
	if ((!w->lv[3].open || w->t != t || strncmp(w->lv[2].name, sh, 2) != 0 ||
	     strncmp(w->lv[3].name, sh + 2, 2) != 0) && descend(w, t, sh) < 0)
		return -1;
	const git_tree_entry *te = git_treebuilder_get(w->lv[3].b, name);
	if ((had = te != NULL))
		git_oid_cpy(&id_old, git_tree_entry_id(te));

	if (row) {
		long len = op_recfile_text(t, row, &w->text, &w->textcap);
		if (len < 0)
			return op_errc(w->e, EX_OSERR, "out of memory");
		if (git_odb_hash(&id_new, w->text, (size_t)len, GIT_OBJECT_BLOB) < 0)
			return op_hist_gitfail(w->e, EX_SOFTWARE, "cannot hash a record");
		if (had && git_oid_equal(&id_new, &id_old))
			return 0;	/* written before (a re-run after a crash) */
		w->membytes += (size_t)len + 64;
		if (w->mem->write(w->mem, &id_new, w->text, (size_t)len, GIT_OBJECT_BLOB) < 0 ||
		    track(w, &id_new) < 0 ||
		    git_treebuilder_insert(NULL, w->lv[3].b, name, &id_new, GIT_FILEMODE_BLOB) < 0)
			return w->e->msg[0] ? -1 : op_hist_gitfail(w->e, EX_SOFTWARE, "cannot add %s %s",
							   t->name, id);
		if (w->listed < BODY_MAX)
			body_line(w, had ? "changed" : "new", t, id,
				  (const char *)sqlite3_column_text(row, t->ncols));
	} else {
		if (!had)
			return 0;
		if (w->listed < BODY_MAX) {
			struct op_recfile r;
			int lc = op_table_col(t, t->label_sql);
			if (lc >= 0 && op_hist_blob_parse(w->repo, &id_old, t, &r) == 0) {
				body_line(w, "deleted", t, id, r.vals[lc]);
				op_recfile_free(&r);
			} else {
				body_line(w, "deleted", t, id, NULL);
			}
		}
		git_treebuilder_remove(w->lv[3].b, name);
		w->deleted++;
		w->cnt[t->num].deleted++;
	}
	if (row && !had) {
		w->added++;
		w->cnt[t->num].added++;
	}
	w->total++;
	w->cnt[t->num].changed++;
	w->lv[3].dirty = 1;
	if (w->membytes >= PACK_BYTES)
		return flush_objects(w, 0);
	return 0;
}

static sqlite3_stmt *prep(struct writer *w, sqlite3_str *s)
{
	char *sql = sqlite3_str_finish(s);
	sqlite3_stmt *st = NULL;
	if (!sql || sqlite3_prepare_v2(op_db_handle(w->db), sql, -1, &st, NULL) != SQLITE_OK) {
		op_db_fail(w->db, "internal: history statement");
		*w->e = *op_db_err(w->db);
		st = NULL;
	}
	sqlite3_free(sql);
	return st;
}

/* A row an unstamped journal entry touched (OP_HISTORY_STAMPED): the
 * commit after its stamping writes it. */
#define SQL_UNSTAMPED_ROWS \
	"SELECT gid FROM journal WHERE tbl = %d AND seq > (SELECT max(" \
	"coalesce((SELECT value FROM meta WHERE key = 'stamped_seq'), 0)," \
	"coalesce((SELECT value FROM meta WHERE key = 'history_seq'), 0)))"

/* SELECT every column, the label[, the shard] FROM t WHERE id = ?1 | ORDER
 * BY shard (all: 1 every row, 2 every row but those of SQL_UNSTAMPED_ROWS) */
static sqlite3_stmt *table_select(struct writer *w, const struct op_table *t, int all)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	sqlite3_str_appendall(s, "SELECT ");
	for (int c = 0; c < t->ncols; c++)	/* newer than this build: NULL */
		sqlite3_str_appendf(s, op_col_known(t, c) ? "\"%w\", " : "NULL, ",
				    t->cols[c].name);
	/* label_sql is an expression from the table description, not data */
	sqlite3_str_appendf(s, "(%s)", t->label_sql ? t->label_sql : "NULL");
	if (all)
		sqlite3_str_appendf(s, ", " OP_RECFILE_SHARD_SQL("id") " AS sh FROM \"%w\"%s",
				    t->name, all == 2 ? " WHERE id NOT IN (" : "");
	if (all == 2)
		sqlite3_str_appendf(s, SQL_UNSTAMPED_ROWS ")", t->num);
	if (all)
		sqlite3_str_appendall(s, " ORDER BY sh");
	else
		sqlite3_str_appendf(s, " FROM \"%w\" WHERE id = ?1", t->name);
	return prep(w, s);
}

static const char SQL_CHANGED[] =
	"SELECT tbl, gid, " OP_RECFILE_SHARD_SQL("gid") " AS sh FROM ("
	" SELECT tbl, gid FROM clock WHERE ver > :v0 AND ver <= :v1"
	" UNION SELECT tbl, gid FROM counter WHERE ver > :v0 AND ver <= :v1"
	" UNION SELECT tbl, gid FROM journal WHERE seq > :j0 AND seq <= :j1)"
	" ORDER BY tbl, sh";
/* Who made the changes: one staff member? one site? Counter rows carry
 * no staff, so they only count towards the sites. */
static const char SQL_AUTHORS[] =
	"SELECT count(DISTINCT site), min(site),"
	" count(DISTINCT CASE WHEN k THEN coalesce(staff, '') END),"
	" min(CASE WHEN k THEN staff END) FROM ("
	" SELECT site, staff, 1 AS k FROM clock WHERE ver > :v0 AND ver <= :v1"
	" UNION ALL SELECT site, NULL, 0 FROM counter WHERE ver > :v0 AND ver <= :v1"
	" UNION ALL SELECT :me, staff, 1 FROM journal WHERE seq > :j0 AND seq <= :j1)";
static const char SQL_JOURNAL_MAX[] = "SELECT coalesce(max(seq), 0) FROM journal";
static const char SQL_MARK[] =
	"INSERT INTO meta(key, value) VALUES (:k, :v)"
	" ON CONFLICT(key) DO UPDATE SET value = max(coalesce(value, 0), excluded.value)";

struct range { int64_t v0, v1, j0, j1; };

static int bind_range(op_db *db, sqlite3_stmt *st, const struct range *r)
{
	return op_bind_int(db, st, ":v0", r->v0) < 0 || op_bind_int(db, st, ":v1", r->v1) < 0 ||
	       op_bind_int(db, st, ":j0", r->j0) < 0 || op_bind_int(db, st, ":j1", r->j1) < 0 ?
		-1 : 0;
}

static int write_changed(struct writer *w, const struct range *r)
{
	sqlite3_stmt *st = op_db_stmt(w->db, SQL_CHANGED);
	int rc;
	if (!st || bind_range(w->db, st, r) < 0)
		goto dbfail;
	while ((rc = op_db_step(w->db, st)) == SQLITE_ROW) {
		const struct op_table *t = op_table_by_num((uint64_t)sqlite3_column_int64(st, 0));
		const char *gid = (const char *)sqlite3_column_text(st, 1);
		const char *sh = (const char *)sqlite3_column_text(st, 2);
		if (!t || t->num >= MAXT || !w->sel[t->num] || !gid || !sh || strlen(sh) != 4)
			continue;
		sqlite3_stmt *row = w->sel[t->num];
		sqlite3_reset(row);
		sqlite3_bind_text(row, 1, gid, -1, SQLITE_STATIC);
		int have = op_db_step(w->db, row);
		if (have < 0) {
			sqlite3_reset(st);
			goto dbfail;
		}
		int r2 = put_record(w, t, gid, sh, have == SQLITE_ROW ? row : NULL);
		sqlite3_reset(row);
		if (r2 < 0) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	if (rc < 0)
		goto dbfail;
	return 0;
dbfail:
	*w->e = *op_db_err(w->db);
	return -1;
}

static int write_all(struct writer *w)
{
	for (int i = 0; i < op_ntables; i++) {
		const struct op_table *t = &op_tables[i];
		if (!op_table_known(t))
			continue;
		sqlite3_stmt *st = w->all[t->num];
		int rc;
		if (!st)
			continue;	/* a table this build's schema lacks */
		while ((rc = op_db_step(w->db, st)) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st, 0);
			const char *sh = (const char *)sqlite3_column_text(st, t->ncols + 1);
			if (!id || !sh || strlen(sh) != 4)
				continue;
			if (put_record(w, t, id, sh, st) < 0) {
				sqlite3_reset(st);
				return -1;
			}
		}
		sqlite3_reset(st);
		if (rc < 0) {
			*w->e = *op_db_err(w->db);
			return -1;
		}
	}
	return 0;
}

/* "SH01: 3 customers, 1 order changed (2 new, 1 deleted)" */
static void summary(struct writer *w, const char *site, char *out, size_t n)
{
	struct buf b = { 0 };
	int first = 1;
	buf_printf(&b, "%s: ", site);
	for (int i = 0; i < op_ntables; i++) {
		const struct op_table *t = &op_tables[i];
		uint64_t c = op_table_known(t) ? w->cnt[t->num].changed : 0;
		if (!c)
			continue;
		buf_printf(&b, "%s%llu %s", first ? "" : ", ", (unsigned long long)c, noun(t, c));
		first = 0;
	}
	buf_puts(&b, " changed");
	if (w->added && w->deleted)
		buf_printf(&b, " (%llu new, %llu deleted)", (unsigned long long)w->added,
			   (unsigned long long)w->deleted);
	else if (w->added)
		buf_printf(&b, " (%llu new)", (unsigned long long)w->added);
	else if (w->deleted)
		buf_printf(&b, " (%llu deleted)", (unsigned long long)w->deleted);
	snprintf(out, n, "%s", b.p ? b.p : site);
	buf_free(&b);
}

/* A signature part: no angle brackets or line breaks. */
static void sig_part(char *out, size_t n, const char *s)
{
	size_t o = 0;
	for (; s && *s && o + 1 < n; s++)
		out[o++] = strchr("<>\n\r", *s) ? '_' : *s;
	out[o] = '\0';
	if (!o)
		snprintf(out, n, "unknown");
}

int op_hist_set_mark(op_db *db, const char *key, int64_t v)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_MARK);
	if (!st || op_bind_text(db, st, ":k", key) < 0 || op_bind_int(db, st, ":v", v) < 0)
		return -1;
	return op_db_run(db, st);
}

/* A full rebuild counted every record as new: count again against the
 * parent's tree, so the message says what really changed. */
static int full_stats(struct writer *w, git_tree *old, git_tree *new)
{
	git_diff *d = NULL;
	if (git_diff_tree_to_tree(&d, w->repo, old, new, NULL) < 0)
		return op_hist_gitfail(w->e, EX_SOFTWARE, "cannot compare with the last commit");
	memset(w->cnt, 0, sizeof(w->cnt));
	w->total = w->added = w->deleted = 0;
	w->body.len = 0;
	w->listed = 0;
	for (size_t i = 0; i < git_diff_num_deltas(d); i++) {
		const git_diff_delta *dd = git_diff_get_delta(d, i);
		const char *path = dd->status == GIT_DELTA_DELETED ? dd->old_file.path : dd->new_file.path;
		char table[64];
		if (!path)
			continue;
		snprintf(table, sizeof(table), "%.*s", (int)strcspn(path, "/"), path);
		const struct op_table *t = op_table_by_name(table);
		const char *base = strrchr(path, '/');
		if (!t || t->num >= MAXT || !base)
			continue;
		char *id = op_recfile_id(base + 1);
		const char *kind = dd->status == GIT_DELTA_ADDED ? "new" :
				   dd->status == GIT_DELTA_DELETED ? "deleted" : "changed";
		if (id)
			body_line(w, kind, t, id, NULL);
		free(id);
		w->added += dd->status == GIT_DELTA_ADDED;
		w->cnt[t->num].added += dd->status == GIT_DELTA_ADDED;
		w->deleted += dd->status == GIT_DELTA_DELETED;
		w->cnt[t->num].deleted += dd->status == GIT_DELTA_DELETED;
		w->cnt[t->num].changed++;
		w->total++;
	}
	git_diff_free(d);
	return 0;
}

static void writer_free(struct writer *w)
{
	for (int k = 3; k >= 0; k--) {
		git_treebuilder_free(w->lv[k].b);
		git_tree_free(w->lv[k].old);
	}
	for (int i = 0; i < MAXT; i++) {
		sqlite3_finalize(w->sel[i]);
		sqlite3_finalize(w->all[i]);
	}
	free(w->objs);
	free(w->text);
	buf_free(&w->body);
	git_repository_free(w->wrepo);
	git_odb_free(w->memdb);	/* frees mem with it */
	git_odb_free(w->odb);
	git_repository_free(w->repo);
}

/* What a commit and a pack merge read objects through: the repository's
 * own files, read (packread.h), not mapped, made the repository's object
 * database. */
static int hist_odb(git_odb **out, git_repository *repo, op_err *e)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%sobjects", git_repository_path(repo));
	if (op_packread_odb(out, dir, e) < 0)
		return -1;
	if (git_repository_set_odb(repo, *out) < 0) {
		git_odb_free(*out);
		*out = NULL;
		return op_hist_gitfail(e, EX_SOFTWARE, "cannot read the objects of '%s'", dir);
	}
	return 0;
}

/* The hook's snapshot call, at most once. */
static void hook_snapshot(const struct op_history_hook *hook, int *called)
{
	if (hook && hook->snapshot && !*called)
		hook->snapshot(hook->arg);
	*called = 1;
}

static int commit_once(op_db *db, const char *path, const char *author_site,
		       unsigned flags, const struct op_history_hook *hook, int *hooked,
		       struct op_history_result *res, op_err *e)
{
	struct writer w = { .db = db, .e = e };
	git_oid parent_id, tree_id, commit_id;
	git_commit *parent = NULL;
	git_tree *tree = NULL;
	git_signature *author = NULL, *committer = NULL;
	struct range r = { 0 };
	char who[128] = "", site[64] = "", email[200], subject[256];
	int have_parent, rc = -1, in_read = 0;
	const char *me = op_db_site(db);

	if (op_hist_repo_open(&w.repo, path, 1, NULL, e) < 0)
		return -1;
	if (hist_odb(&w.odb, w.repo, e) < 0)
		goto out;
	if (git_odb_new(&w.memdb) < 0 ||
	    git_mempack_new(&w.mem) < 0 || git_odb_add_backend(w.memdb, w.mem, 1) < 0 ||
	    git_repository_wrap_odb(&w.wrepo, w.memdb) < 0) {
		op_hist_gitfail(e, EX_SOFTWARE, "cannot prepare '%s'", path);
		goto out;
	}
	int gr = git_reference_name_to_id(&parent_id, w.repo, REF_MAIN);
	if (gr < 0 && gr != GIT_ENOTFOUND) {
		op_hist_gitfail(e, EX_DATAERR, "cannot read %s of '%s'", REF_MAIN, path);
		goto out;
	}
	have_parent = gr == 0;
	if (have_parent && git_commit_lookup(&parent, w.repo, &parent_id) < 0) {
		op_hist_gitfail(e, EX_DATAERR, "cannot read the last commit of '%s'", path);
		goto out;
	}
	/* Without a parent, or asked to, write every row: the first commit
	 * of a store that had data before its history began. */
	int full = !have_parent || (flags & OP_HISTORY_FULL);

	for (int i = 0; i < op_ntables; i++) {
		const struct op_table *t = &op_tables[i];
		if (t->num >= MAXT || !op_table_known(t))
			continue;
		if (!(w.sel[t->num] = table_select(&w, t, 0)) ||
		    (full && !(w.all[t->num] = table_select(&w, t,
				(flags & OP_HISTORY_STAMPED) ? 2 : 1))))
			goto out;
	}
	/* One read transaction: the marks and the rows are one snapshot. */
	if (op_db_exec(db, "BEGIN") < 0) {
		*e = *op_db_err(db);
		goto out;
	}
	in_read = 1;
	sqlite3_stmt *st = op_db_stmt(db, SQL_JOURNAL_MAX);
	if (!st || op_db_step(db, st) != SQLITE_ROW) {
		*e = *op_db_err(db);
		goto out;
	}
	r.j1 = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	hook_snapshot(hook, hooked);	/* the read above began the snapshot */
	r.v0 = op_db_meta_int(db, "history_ver", 0);
	r.v1 = op_db_meta_int(db, "ver", 0);
	r.j0 = op_db_meta_int(db, "history_seq", 0);
	int64_t stamped = op_db_meta_int(db, "stamped_seq", 0);
	if (stamped > r.j0)
		r.j0 = stamped;	/* stamped entries are in the clock */
	if (flags & OP_HISTORY_STAMPED)
		r.j1 = r.j0;	/* the unstamped journal waits for its stamping */
	if (r.v0 > r.v1)
		r.v0 = r.v1;

	snprintf(site, sizeof(site), "%s", author_site ? author_site : me);
	snprintf(who, sizeof(who), "%s", site);
	{
		if (!(st = op_db_stmt(db, SQL_AUTHORS)) || bind_range(db, st, &r) < 0 ||
		    op_bind_text(db, st, ":me", me) < 0 || op_db_step(db, st) != SQLITE_ROW) {
			*e = *op_db_err(db);
			goto out;
		}
		if (sqlite3_column_int(st, 0) == 1)
			snprintf(site, sizeof(site), "%s", sqlite3_column_text(st, 1));
		if (sqlite3_column_int(st, 2) == 1 && sqlite3_column_type(st, 3) != SQLITE_NULL)
			snprintf(who, sizeof(who), "%s", sqlite3_column_text(st, 3));
		else
			snprintf(who, sizeof(who), "%s", site);
		sqlite3_reset(st);
	}

	git_tree *base = NULL;
	if (have_parent && !full && git_commit_tree(&base, parent) < 0) {
		op_hist_gitfail(e, EX_DATAERR, "cannot read the last commit's tree");
		goto out;
	}
	w.lv[0].old = base;
	if (git_treebuilder_new(&w.lv[0].b, w.wrepo, base) < 0) {
		op_hist_gitfail(e, EX_SOFTWARE, "cannot start a tree");
		goto out;
	}
	w.lv[0].open = 1;
	if ((full ? write_all(&w) : write_changed(&w, &r)) < 0)
		goto out;
	for (int k = 3; k >= 1; k--)
		if (level_close(&w, k) < 0)
			goto out;
	op_db_rollback(db);	/* ends the read transaction */
	in_read = 0;

	if (w.total > 0) {
		if (git_treebuilder_write(&tree_id, w.lv[0].b) < 0 || track(&w, &tree_id) < 0) {
			if (!e->msg[0])
				op_hist_gitfail(e, EX_SOFTWARE, "cannot write the root tree");
			goto out;
		}
		/* A full rebuild that changed nothing makes no commit. */
		if (full && have_parent && git_oid_equal(&tree_id, git_commit_tree_id(parent)))
			w.total = 0;
	}
	if (w.total > 0) {
		/* The trees and records go to disk first; the commit (one loose
		 * object) is written in the history itself, after them. */
		if (flush_objects(&w, 1) < 0)
			goto out;
		if (git_tree_lookup(&tree, w.repo, &tree_id) < 0) {
			op_hist_gitfail(e, EX_SOFTWARE, "cannot read the new tree");
			goto out;
		}
	}
	if (w.total > 0 && full && have_parent) {
		git_tree *was = NULL;
		int fr = git_commit_tree(&was, parent) < 0 ? op_hist_gitfail(e, EX_DATAERR,
			"cannot read the last commit's tree") : full_stats(&w, was, tree);
		git_tree_free(was);
		if (fr < 0)
			goto out;
	}
	if (w.total > 0) {
		summary(&w, site, subject, sizeof(subject));
		struct buf msg = { 0 };
		buf_printf(&msg, "%s\n\n", subject);
		if (w.body.len) {
			buf_add(&msg, w.body.p, w.body.len);
			if (w.total > (uint64_t)w.listed)
				buf_printf(&msg, "... and %llu more\n",
					   (unsigned long long)(w.total - (uint64_t)w.listed));
			buf_puts(&msg, "\n");
		}
		buf_printf(&msg, "Outpost-Site: %s\nOutpost-Role: %s\nOutpost-Schema: %d\n"
			   "Outpost-Version: %lld\n", me, op_db_is_hq(db) ? "hq" : "branch",
			   op_db_schema_version(db), (long long)r.v1);
		char name[128], csite[64];
		sig_part(name, sizeof(name), who);
		sig_part(csite, sizeof(csite), site);
		snprintf(email, sizeof(email), "%s@%s.outpost", name, csite);
		git_time_t now = (git_time_t)time(NULL);
		int sr = git_signature_new(&author, name, email, now, 0);
		sig_part(csite, sizeof(csite), me);
		snprintf(email, sizeof(email), "%s@%s.outpost", csite, csite);
		if (sr == 0)
			sr = git_signature_new(&committer, csite, email, now, 0);
		const git_commit *parents[1] = { parent };
		if (msg.oom || sr < 0 ||
		    git_commit_create(&commit_id, w.repo, NULL, author, committer, NULL, msg.p,
				      tree, have_parent ? 1 : 0, parents) < 0) {
			buf_free(&msg);
			op_hist_gitfail(e, EX_SOFTWARE, "cannot write the commit");
			goto out;
		}
		buf_free(&msg);
		/* Compare-and-swap: a concurrent writer makes this fail. */
		git_reference *ref = NULL;
		int cr = git_reference_create_matching(&ref, w.repo, REF_MAIN, &commit_id,
						       have_parent, have_parent ? &parent_id : NULL,
						       "outpost history commit");
		git_reference_free(ref);
		if (cr == GIT_EMODIFIED || cr == GIT_EEXISTS) {
			op_errc(e, EX_TEMPFAIL, "the history at '%s' moved while committing", path);
			rc = 1;	/* try again from the new head */
			goto out;
		}
		if (cr < 0) {
			op_hist_gitfail(e, EX_IOERR, "cannot update %s of '%s'", REF_MAIN, path);
			goto out;
		}
		if (res) {
			git_oid_tostr(res->commit, sizeof(res->commit), &commit_id);
			snprintf(res->summary, sizeof(res->summary), "%s", subject);
		}
	}
	if (res) {
		res->records = w.total;
		res->added = w.added;
		res->deleted = w.deleted;
	}
	/* Only now: a crash before this line writes the same records again. */
	if (op_hist_set_mark(db, "history_ver", r.v1) < 0 || op_hist_set_mark(db, "history_seq", r.j1) < 0) {
		*e = *op_db_err(db);
		op_errctx(e, "history committed but not marked (it is written again next time)");
		goto out;
	}
	rc = 0;
out:
	if (in_read)
		op_db_rollback(db);
	git_signature_free(author);
	git_signature_free(committer);
	git_tree_free(tree);
	git_commit_free(parent);
	writer_free(&w);
	return rc;
}

int op_history_commit_ex(op_db *db, const char *repo_path, const char *author_site,
			 unsigned flags, struct op_history_result *res, op_err *e)
{
	return op_history_commit_hook(db, repo_path, author_site, flags, NULL, res, e);
}

int op_history_commit_hook(op_db *db, const char *repo_path, const char *author_site,
			   unsigned flags, const struct op_history_hook *hook,
			   struct op_history_result *res, op_err *e)
{
	int hooked = 0;
	char *path = repo_path ? strdup(repo_path) : op_history_default_path(op_db_path(db));
	int rc = -1;

	if (res)
		memset(res, 0, sizeof(*res));
	if (!path)
		return op_errc(e, EX_OSERR, "out of memory");
	if (!op_db_site(db)) {
		free(path);
		return op_errc(e, EX_CONFIG, "the store has no site; run 'outpost init' first");
	}
	if (op_db_in_txn(db)) {
		free(path);
		return op_errc(e, EX_SOFTWARE, "internal: history commit inside a transaction");
	}
	op_hist_git_up();
	int lock = op_hist_lock(path, e);
	if (lock == -1) {
		op_hist_note(db, e);
		free(path);
		return -1;
	}
	if (lock >= 0)
		op_hist_clear_stale(path, NULL, NULL);
	for (int attempt = 0; attempt < 3; attempt++) {
		op_err_clear(e);
		if ((rc = commit_once(db, path, author_site, flags, hook, &hooked, res, e)) <= 0)
			break;
	}
	hook_snapshot(hook, &hooked);	/* failed before its snapshot */
	op_hist_unlock(lock);
	if (rc > 0)
		rc = -1;
	op_hist_note(db, rc < 0 ? e : NULL);
	free(path);
	return rc;
}

int op_history_commit(op_db *db, const char *repo_path, const char *author_site,
		      op_err *e)
{
	return op_history_commit_ex(db, repo_path, author_site, 0, NULL, e);
}

int op_history_repack(const char *repo_path, op_err *e)
{
	git_repository *repo = NULL;
	struct stat st;
	char dir[4096];

	if (stat(repo_path, &st) != 0 && errno == ENOENT)
		return 0;
	op_hist_git_up();
	if (op_hist_repo_open(&repo, repo_path, 0, NULL, e) < 0)
		return -1;
	snprintf(dir, sizeof(dir), "%sobjects/pack", git_repository_path(repo));
	git_repository_free(repo);
	return op_gitpack_consolidate(dir, OP_HISTORY_PACKS, e);
}

int op_history_started(op_db *db, const char *repo_path)
{
	char *path = repo_path ? strdup(repo_path) : op_history_default_path(op_db_path(db));
	git_repository *r = NULL;
	git_oid head;
	op_err e = { 0 };
	int has = 0;

	op_hist_git_up();
	if (path && op_hist_repo_open(&r, path, 0, NULL, &e) == 0)
		has = git_reference_name_to_id(&head, r, REF_MAIN) == 0;
	git_repository_free(r);
	free(path);
	return has;
}

int op_history_baseline(op_db *db, const char *repo_path, op_err *e)
{
	/* a repository that cannot be read fails in the commit, with why */
	return op_history_started(db, repo_path) ? 0 :
	       op_history_commit_ex(db, repo_path, op_db_site(db), 0, NULL, e);
}
