/*
 * backup.c — getting data back out of the history (see history.h and
 * docs/HISTORY.md): restore builds a new store from one commit's tree, push
 * copies the repository to a second place (a USB disk, a share) with
 * libgit2's local push, incrementally. And snapshots of the store itself
 * (backup.h): verified copies taken online, their retention, and putting
 * one back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <git2.h>
#include "backup.h"
#include "history_int.h"
#include "recfile.h"

/* --- restore --- */

static const char *trailer(const git_message_trailer_array *a, const char *key)
{
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->trailers[i].key, key) == 0)
			return a->trailers[i].value;
	return NULL;
}

static sqlite3_stmt *insert_stmt(op_db *db, const struct op_table *t)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	sqlite3_stmt *st = NULL;
	sqlite3_str_appendf(s, "INSERT INTO \"%w\"(", t->name);
	for (int c = 0; c < t->ncols; c++)
		sqlite3_str_appendf(s, "%s\"%w\"", c ? ", " : "", t->cols[c].name);
	sqlite3_str_appendall(s, ") VALUES (");
	for (int c = 0; c < t->ncols; c++)
		sqlite3_str_appendf(s, "%s?%d", c ? ", " : "", c + 1);
	sqlite3_str_appendall(s, ")");
	char *sql = sqlite3_str_finish(s);
	if (!sql || sqlite3_prepare_v2(op_db_handle(db), sql, -1, &st, NULL) != SQLITE_OK) {
		op_db_fail(db, "internal: restore statement");
		st = NULL;
	}
	sqlite3_free(sql);
	return st;
}

/* Insert every record under tree (depth 1 = the table's directory). */
static int restore_tree(op_history *h, op_db *db, const struct op_table *t, sqlite3_stmt *ins,
			git_tree *tree, int depth, uint64_t *n, op_err *e)
{
	for (size_t i = 0; i < git_tree_entrycount(tree); i++) {
		const git_tree_entry *te = git_tree_entry_byindex(tree, i);
		if (depth < 3) {
			git_tree *sub;
			if (git_tree_entry_type(te) != GIT_OBJECT_TREE)
				continue;
			if (git_tree_lookup(&sub, h->repo, git_tree_entry_id(te)) < 0)
				return op_hist_gitfail(e, EX_DATAERR, "cannot read %s/%s", t->name,
					       git_tree_entry_name(te));
			int rc = restore_tree(h, db, t, ins, sub, depth + 1, n, e);
			git_tree_free(sub);
			if (rc < 0)
				return -1;
			continue;
		}
		struct op_recfile r;
		if (git_tree_entry_type(te) != GIT_OBJECT_BLOB)
			continue;
		if (op_hist_blob_parse(h->repo, git_tree_entry_id(te), t, &r) < 0)
			return op_hist_gitfail(e, EX_DATAERR, "cannot read %s record %s", t->name,
				       git_tree_entry_name(te));
		if (!r.vals[0]) {
			op_recfile_free(&r);
			continue;	/* not a record file */
		}
		sqlite3_reset(ins);
		sqlite3_clear_bindings(ins);
		for (int c = 0; c < t->ncols && c < 64; c++)
			if (r.vals[c])
				sqlite3_bind_text(ins, c + 1, r.vals[c], (int)r.lens[c], SQLITE_TRANSIENT);
		int rc = op_db_run(db, ins);
		op_recfile_free(&r);
		if (rc < 0) {
			*e = *op_db_err(db);
			return op_errctx(e, "%s %s", t->name, git_tree_entry_name(te));
		}
		(*n)++;
	}
	return 0;
}

int op_history_restore(op_history *h, time_t at, const char *to_path,
		       struct op_history_restored *res, op_err *e)
{
	git_revwalk *walk;
	git_oid cid;
	git_commit *c = NULL;
	git_tree *root = NULL;
	git_message_trailer_array tr = { 0 };
	op_db *db = NULL;
	sqlite3_stmt *ins = NULL;
	int empty, r, rc = -1, made = 0;

	memset(res, 0, sizeof(*res));
	if (!*to_path)
		return op_errc(e, EX_USAGE, "restore needs the name of the new store file");
	if (access(to_path, F_OK) == 0)
		return op_errc(e, EX_CANTCREAT, "'%s' exists; restore makes a new store", to_path);
	/* The store is built under a temporary name and renamed when whole: a
	 * failure (a full disk) leaves nothing that blocks a retry. */
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.restoring", to_path) >= (int)sizeof(tmp))
		return op_errc(e, EX_USAGE, "'%s': path too long", to_path);
	op_db_remove(tmp);
	if (op_hist_walk_start(h, &walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME, &empty, e) < 0)
		return -1;
	while (!empty && (r = git_revwalk_next(&cid, walk)) == 0) {
		if (git_commit_lookup(&c, h->repo, &cid) < 0) {
			git_revwalk_free(walk);
			return op_hist_gitfail(e, EX_DATAERR, "cannot read a commit");
		}
		if ((time_t)git_commit_time(c) <= at)
			break;
		git_commit_free(c);
		c = NULL;
	}
	git_revwalk_free(walk);
	if (!c)
		return op_errc(e, EX_NOINPUT, "the history at '%s' has no commit at or before "
			       "that time", h->path);
	git_oid_tostr(res->commit, sizeof(res->commit), git_commit_id(c));
	res->time = (time_t)git_commit_time(c);
	if (git_message_trailers(&tr, git_commit_message(c)) < 0 || !trailer(&tr, "Outpost-Site")) {
		op_errc(e, EX_DATAERR, "commit %.10s does not say which site it belongs to",
			res->commit);
		goto out;
	}
	snprintf(res->site, sizeof(res->site), "%s", trailer(&tr, "Outpost-Site"));
	res->hq = trailer(&tr, "Outpost-Role") && strcmp(trailer(&tr, "Outpost-Role"), "hq") == 0;
	if (git_commit_tree(&root, c) < 0) {
		op_hist_gitfail(e, EX_DATAERR, "cannot read commit %.10s", res->commit);
		goto out;
	}
	/* Foreign keys off (OP_DB_DAEMON): rows arrive table by table. */
	made = 1;
	if (op_db_open(&db, tmp, OP_DB_CREATE | OP_DB_DAEMON, e) < 0)
		goto out;
	if (op_db_init_site(db, res->site, res->hq) < 0 || op_db_begin_apply(db) < 0) {
		*e = *op_db_err(db);
		goto out;
	}
	for (int i = 0; i < op_ntables; i++) {
		const struct op_table *t = &op_tables[i];
		if (!op_table_known(t))
			continue;
		const git_tree_entry *te = git_tree_entry_byname(root, t->name);
		git_tree *sub;
		if (!te || git_tree_entry_type(te) != GIT_OBJECT_TREE || !op_table_known(t))
			continue;
		if (git_tree_lookup(&sub, h->repo, git_tree_entry_id(te)) < 0) {
			op_hist_gitfail(e, EX_DATAERR, "cannot read %s", t->name);
			goto out;
		}
		sqlite3_finalize(ins);
		/* The commit's records are the table: rows a new store starts
		 * with (the seeded source channels) give way to them. */
		char *clear = sqlite3_mprintf("DELETE FROM \"%w\"", t->name);
		int cleared = clear ? op_db_exec(db, clear) : -1;
		sqlite3_free(clear);
		if (cleared < 0 || !(ins = insert_stmt(db, t))) {
			git_tree_free(sub);
			*e = *op_db_err(db);
			goto out;
		}
		int rr = restore_tree(h, db, t, ins, sub, 1, &res->records, e);
		git_tree_free(sub);
		if (rr < 0)
			goto out;
	}
	/* New local versions continue above the ones this snapshot holds. */
	const char *ver = trailer(&tr, "Outpost-Version");
	if ((ver && op_hist_set_mark(db, "ver", strtoll(ver, NULL, 10)) < 0) ||
	    op_db_meta_set(db, "restored_from", res->commit) < 0 || op_db_commit(db) < 0) {
		*e = *op_db_err(db);
		goto out;
	}
	sqlite3_finalize(ins);
	ins = NULL;
	/* Leaving WAL mode moves everything into the one file (and can fail
	 * on a full disk too); the next open turns WAL on again. */
	if (op_db_exec(db, "PRAGMA journal_mode = DELETE") < 0) {
		*e = *op_db_err(db);
		goto out;
	}
	op_db_free(db);
	db = NULL;
	if (rename(tmp, to_path) < 0) {
		op_errc(e, EX_CANTCREAT, "cannot create '%s': %s", to_path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(ins);
	if (db)
		op_db_rollback(db);
	op_db_free(db);
	if (rc < 0 && made)
		op_db_remove(tmp);
	git_message_trailer_array_free(&tr);
	git_tree_free(root);
	git_commit_free(c);
	return rc;
}

/* --- push --- */

struct push_state {
	uint64_t objects;
	char status[256];
};

static int on_transfer(unsigned int current, unsigned int total, size_t bytes, void *arg)
{
	struct push_state *ps = arg;
	(void)bytes;
	if (total > ps->objects)
		ps->objects = total;
	if (current > ps->objects)
		ps->objects = current;
	return 0;
}

static int on_update(const char *refname, const char *status, void *arg)
{
	struct push_state *ps = arg;
	if (status)
		snprintf(ps->status, sizeof(ps->status), "%s: %s", refname, status);
	return 0;
}

int op_history_push(op_history *h, const char *path, struct op_history_pushed *res,
		    op_err *e)
{
	git_repository *target = NULL;
	git_remote *remote = NULL;
	git_revwalk *walk = NULL;
	git_oid ours, theirs, id;
	struct push_state ps = { 0 };
	char abs[4096];
	int rc = -1, have_theirs;

	memset(res, 0, sizeof(*res));
	if (git_reference_name_to_id(&ours, h->repo, REF_MAIN) < 0)
		return op_errc(e, EX_NOINPUT, "the history at '%s' has no commits yet", h->path);
	if (op_hist_repo_open(&target, path, 1, &res->created, e) < 0)
		return -1;
	if (!git_repository_is_bare(target)) {
		op_errc(e, EX_CANTCREAT, "'%s' is not a bare repository (make one with "
			"'git init --bare', or give a new path)", path);
		goto out;
	}
	have_theirs = git_reference_name_to_id(&theirs, target, REF_MAIN) == 0;
	if (have_theirs && git_oid_equal(&ours, &theirs)) {
		rc = 0;	/* up to date */
		goto out;
	}
	/* Count what the target lacks; its head must be one of ours. */
	if (git_revwalk_new(&walk, h->repo) < 0 || git_revwalk_push(walk, &ours) < 0) {
		op_hist_gitfail(e, EX_SOFTWARE, "cannot walk the history");
		goto out;
	}
	if (have_theirs) {
		git_commit *tc = NULL;
		int anc = git_commit_lookup(&tc, h->repo, &theirs) == 0 &&
			  git_graph_descendant_of(h->repo, &ours, &theirs) == 1;
		git_commit_free(tc);
		if (!anc) {
			op_errc(e, EX_DATAERR, "the history at '%s' is not an earlier state of "
				"this one (another store's backup?); push to a new path", path);
			goto out;
		}
		if (git_revwalk_hide(walk, &theirs) < 0) {
			op_hist_gitfail(e, EX_SOFTWARE, "cannot walk the history");
			goto out;
		}
	}
	while (git_revwalk_next(&id, walk) == 0)
		res->commits++;
	git_repository_free(target);
	target = NULL;

	if (!realpath(path, abs)) {
		op_errc(e, EX_IOERR, "cannot resolve '%s': %s", path, strerror(errno));
		goto out;
	}
	char *spec = REF_MAIN ":" REF_MAIN;
	git_strarray specs = { &spec, 1 };
	git_push_options po;
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	po.callbacks.push_transfer_progress = on_transfer;
	po.callbacks.push_update_reference = on_update;
	po.callbacks.payload = &ps;
	/* An anonymous remote; url.*.insteadOf rewriting does not apply to a
	 * path (and leaks in libgit2 1.5). */
	git_remote_create_options ro;
	git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	ro.repository = h->repo;
	ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (git_remote_create_with_opts(&remote, abs, &ro) < 0 ||
	    git_remote_push(remote, &specs, &po) < 0) {
		op_hist_gitfail(e, EX_IOERR, "cannot push to '%s'", path);
		goto out;
	}
	if (ps.status[0]) {
		op_errc(e, EX_IOERR, "'%s' refused the push: %s", path, ps.status);
		goto out;
	}
	res->objects = ps.objects;
	rc = 0;
out:
	git_remote_free(remote);
	git_revwalk_free(walk);
	git_repository_free(target);
	return rc;
}

/* --- time --- */

int op_history_parse_time(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	int y, mo, d, hh = 23, mi = 59, ss = 59, n = 0;
	char sep;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	s += n;
	if (*s) {
		int m = 0;
		sep = *s++;
		if (sep != ' ' && sep != 'T')
			return -1;
		ss = 0;
		if (sscanf(s, "%2d:%2d%n", &hh, &mi, &m) != 2 || m != 5)
			return -1;
		s += m;
		if (*s == ':') {
			if (sscanf(s, ":%2d%n", &ss, &m) != 1 || m != 3)
				return -1;
			s += m;
		}
		if (*s == 'Z')
			s++;
		if (*s)
			return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 || ss > 60 ||
	    hh < 0 || mi < 0 || ss < 0)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mi;
	tm.tm_sec = ss;
	time_t t = timegm(&tm);
	struct tm back;
	gmtime_r(&t, &back);
	if (back.tm_mday != d)
		return -1;	/* 2025-02-30 */
	*out = t;
	return 0;
}


/* --- snapshots of the store (backup.h) --- */

#define SNAP_FMT "%Y%m%dT%H%M%SZ"

void op_backup_cfg_default(struct op_backup_cfg *cfg)
{
	const char *now = getenv("OUTPOST_TEST_BACKUP_NOW");
	const char *speed = getenv("OUTPOST_TEST_BACKUP_SPEED");
	memset(cfg, 0, sizeof(*cfg));
	cfg->daily = 7;
	cfg->weekly = 4;
	cfg->every_s = 86400;
	cfg->started = time(NULL);
	cfg->base = now && *now ? (time_t)strtoll(now, NULL, 10) : cfg->started;
	cfg->speed = speed && *speed ? strtod(speed, NULL) : 1.0;
	if (cfg->speed <= 0)
		cfg->speed = 1.0;
}

time_t op_backup_now(const struct op_backup_cfg *cfg)
{
	return cfg->base + (time_t)((double)(time(NULL) - cfg->started) * cfg->speed);
}

static int sync_path(const char *path, int dir)
{
	int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int op_backup_verify(const char *path, op_err *e)
{
	sqlite3 *s = NULL;
	sqlite3_stmt *st = NULL;
	char what[300] = "";
	int ok = 0;

	if (sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(what, sizeof(what), "%s", s ? sqlite3_errmsg(s) : "out of memory");
	} else if (sqlite3_prepare_v2(s, "SELECT (SELECT group_concat(integrity_check, '; ')"
				      " FROM pragma_integrity_check), (SELECT user_version FROM"
				      " pragma_user_version), (SELECT value FROM meta WHERE key ="
				      " 'site')", -1, &st, NULL) != SQLITE_OK ||
		   sqlite3_step(st) != SQLITE_ROW) {
		snprintf(what, sizeof(what), "%s", sqlite3_errmsg(s));
	} else if (!sqlite3_column_text(st, 0) ||
		   strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
		snprintf(what, sizeof(what), "integrity check: %.200s",
			 sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "?");
	} else if (sqlite3_column_int(st, 1) < 1 || !sqlite3_column_text(st, 2)) {
		snprintf(what, sizeof(what), "not an Outpost store with a site");
	} else {
		ok = 1;
	}
	sqlite3_finalize(st);
	sqlite3_close(s);
	return ok ? 0 : op_errc(e, EX_DATAERR, "snapshot '%s' is not usable: %s", path, what);
}

int op_backup_snapshot(op_db *db, const char *path, op_err *e)
{
	char tmp[4200];
	sqlite3_stmt *st = NULL;

	if (access(path, F_OK) == 0)
		return op_errc(e, EX_CANTCREAT, "'%s' exists", path);
	snprintf(tmp, sizeof(tmp), "%s.partial", path);
	unlink(tmp);
	/* One read transaction of the WAL store: consistent, and writers
	 * (the clerk's CLI, an import) go on meanwhile. */
	if (sqlite3_prepare_v2(op_db_handle(db), "VACUUM INTO ?1", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, tmp, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE) {
		op_errc(e, EX_IOERR, "cannot write snapshot '%s': %s", path,
			sqlite3_errmsg(op_db_handle(db)));
		sqlite3_finalize(st);
		unlink(tmp);
		return -1;
	}
	sqlite3_finalize(st);
	if (op_backup_verify(tmp, e) < 0) {
		unlink(tmp);
		return -1;
	}
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	/* A snapshot holds every customer: the owner and the group (the
	 * operators) read it, nobody else. */
	if (chmod(tmp, 0640) < 0 || sync_path(tmp, 0) < 0 || rename(tmp, path) < 0) {
		op_errc(e, EX_IOERR, "cannot write snapshot '%s': %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	sync_path(dir, 1);
	return 0;
}

/* The time in a snapshot's name "SITE-YYYYMMDDTHHMMSSZ.db", or -1. */
static time_t snap_time(const char *name, const char *site)
{
	size_t n = strlen(site);
	struct tm tm = { 0 };
	if (strncmp(name, site, n) != 0 || name[n] != '-')
		return -1;
	const char *p = name + n + 1, *end = strptime(p, SNAP_FMT, &tm);
	if (!end || strcmp(end, ".db") != 0)
		return -1;
	return timegm(&tm);
}

struct snap { char name[96]; time_t t; };

static int snap_cmp(const void *a, const void *b)
{
	const struct snap *x = a, *y = b;
	return x->t < y->t ? 1 : x->t > y->t ? -1 : strcmp(y->name, x->name);
}

/* The snapshots of site in dir, newest first (malloc'd), and leftovers of a
 * crash (.partial files older than an hour) removed. */
static int snaps(const char *dir, const char *site, struct snap **out, op_err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct snap *v = NULL;
	int n = 0, cap = 0;

	*out = NULL;
	if (!d)
		return op_errc(e, EX_CANTCREAT, "backup target '%s': %s (not mounted?)", dir,
			       strerror(errno));
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len > 8 && strcmp(de->d_name + len - 8, ".partial") == 0 &&
		    strncmp(de->d_name, site, strlen(site)) == 0) {
			char p[4400];
			struct stat st;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			if (stat(p, &st) == 0 && time(NULL) - st.st_mtime > 3600)
				unlink(p);
			continue;
		}
		time_t t = snap_time(de->d_name, site);
		if (t < 0 || len >= sizeof(v->name))
			continue;
		if (n == cap) {
			struct snap *nv = realloc(v, (size_t)(cap = cap ? cap * 2 : 32) * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return op_errc(e, EX_OSERR, "out of memory");
			}
			v = nv;
		}
		snprintf(v[n].name, sizeof(v[n].name), "%s", de->d_name);
		v[n++].t = t;
	}
	closedir(d);
	if (n)
		qsort(v, (size_t)n, sizeof(*v), snap_cmp);
	*out = v;
	return n;
}

int op_backup_list(const char *dir, const char *site,
		   void (*cb)(const char *name, time_t t, void *arg), void *arg, op_err *e)
{
	struct snap *v;
	int n = snaps(dir, site, &v, e);
	for (int i = 0; i < n; i++)
		cb(v[i].name, v[i].t, arg);
	free(v);
	return n;
}

int op_backup_prune(const char *dir, const char *site, int daily, int weekly, time_t now,
		    op_err *e)
{
	struct snap *v;
	int n = snaps(dir, site, &v, e), removed = 0, days = 0, weeks = 0;
	long last_day = -1, last_week = -1;

	for (int i = 0; i < n; i++) {
		struct tm tm;
		char wk[16];
		localtime_r(&v[i].t, &tm);
		long day = (tm.tm_year + 1900L) * 1000 + tm.tm_yday;
		strftime(wk, sizeof(wk), "%G%V", &tm);
		long week = strtol(wk, NULL, 10);
		int keep = i == 0 || v[i].t > now;	/* the newest, and any from the future */
		if (day != last_day && days < daily) {
			keep = 1;
			days++;
		}
		if (week != last_week && weeks < weekly) {
			keep = 1;
			weeks++;
		}
		last_day = day;
		last_week = week;
		if (keep)
			continue;
		char p[4400];
		snprintf(p, sizeof(p), "%s/%s", dir, v[i].name);
		if (unlink(p) == 0)
			removed++;
	}
	free(v);
	return n < 0 ? -1 : removed;
}

int op_backup_due(const struct op_backup_cfg *cfg, const char *site, time_t now)
{
	struct snap *v;
	op_err e = { 0 };
	if (cfg->ntargets == 0)
		return 0;
	int n = snaps(cfg->targets[0], site, &v, &e);
	int due = n <= 0 || now - v[0].t >= cfg->every_s;
	free(v);
	return n < 0 ? 1 : due;
}

static void utc_text(time_t t, const char *fmt, char *out, size_t n)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, fmt, &tm);
}

/* key = value in meta on connection c, or the key removed (value NULL). */
static void meta_put(sqlite3 *c, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	const char *sql = value ? "INSERT INTO meta(key, value) VALUES (?1, ?2)"
				  " ON CONFLICT(key) DO UPDATE SET value = excluded.value" :
				  "DELETE FROM meta WHERE key = ?1";
	if (sqlite3_prepare_v2(c, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		if (value)
			sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
}

/* Keep the outcome in the store's meta, so sync status and the health
 * check see it; on a connection of its own that gives up after 200 ms: a
 * snapshot never waits for a writer (an import) to say how it went. */
static void backup_note(op_db *db, const char *name, const char *errs)
{
	sqlite3 *c = NULL;
	char at[32], last[160];
	utc_text(time(NULL), "%Y-%m-%d %H:%M:%S", at, sizeof(at));
	if (sqlite3_open_v2(op_db_path(db), &c, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(c, 200);
		if (sqlite3_exec(c, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK) {
			snprintf(last, sizeof(last), "%s %s", at, name ? name : "");
			if (name)
				meta_put(c, "backup_last", last);
			meta_put(c, "backup_error", errs);
			meta_put(c, "backup_error_at", errs ? at : NULL);
			sqlite3_exec(c, "COMMIT", NULL, NULL, NULL);
		}
	}
	sqlite3_close(c);
}

int op_backup_run(op_db *db, const struct op_backup_cfg *cfg, time_t now,
		  struct op_backup_result *res, op_err *e)
{
	const char *site = op_db_site(db);
	char stamp[32], errs[600] = "";
	int failed = 0;

	memset(res, 0, sizeof(*res));
	if (!site)
		return op_errc(e, EX_CONFIG, "the store has no site; run 'outpost init' first");
	if (cfg->ntargets == 0)
		return op_errc(e, EX_USAGE, "no backup target (a directory: a second disk, a "
			       "mounted share)");
	utc_text(now, SNAP_FMT, stamp, sizeof(stamp));
	snprintf(res->name, sizeof(res->name), "%s-%s.db", site, stamp);
	for (int i = 0; i < cfg->ntargets; i++) {
		char path[4200];
		op_err te = { 0 };
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", cfg->targets[i], res->name);
		if (stat(cfg->targets[i], &st) != 0 || !S_ISDIR(st.st_mode))
			op_errc(&te, EX_CANTCREAT, "backup target '%s' is not a directory (not "
				"mounted?)", cfg->targets[i]);
		else if (access(path, F_OK) != 0)
			op_backup_snapshot(db, path, &te);
		if (te.msg[0]) {
			failed++;
			size_t k = strlen(errs);
			snprintf(errs + k, sizeof(errs) - k, "%s%s", k ? "; " : "", te.msg);
			continue;
		}
		res->written++;
		if (stat(path, &st) == 0)
			res->bytes = st.st_size;
		int r = op_backup_prune(cfg->targets[i], site, cfg->daily, cfg->weekly, now, &te);
		if (r > 0)
			res->removed += r;
	}
	backup_note(db, res->written ? res->name : NULL, failed ? errs : NULL);
	return failed ? op_errc(e, EX_IOERR, "%s", errs) : 0;
}

/* Copy the store file from to to (which must not exist) with SQLite's
 * backup API. */
static int copy_store(const char *from, const char *to, op_err *e)
{
	sqlite3 *src = NULL, *dst = NULL;
	int rc = -1;
	if (sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_open_v2(to, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		op_errc(e, EX_CANTCREAT, "cannot copy '%s' to '%s': %s", from, to,
			sqlite3_errmsg(dst ? dst : src));
		goto out;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	int r = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
	if (b)
		sqlite3_backup_finish(b);
	if (r != SQLITE_DONE ||
	    sqlite3_exec(dst, "PRAGMA journal_mode = DELETE;"
			 " UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = 'incarnation';",
			 NULL, NULL, NULL) != SQLITE_OK) {
		op_errc(e, EX_IOERR, "cannot copy '%s' to '%s': %s", from, to, sqlite3_errmsg(dst));
		goto out;
	}
	rc = 0;
out:
	sqlite3_close(src);
	sqlite3_close(dst);
	if (rc < 0)
		unlink(to);
	return rc;
}

int op_backup_restore(const char *from, const char *store_path, char **aside, op_err *e)
{
	char tmp[4200], old[4200], stamp[32];
	static const char *const side[] = { "", "-wal", "-shm" };

	*aside = NULL;
	if (op_backup_verify(from, e) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.restoring", store_path);
	op_db_remove(tmp);
	if (copy_store(from, tmp, e) < 0 || sync_path(tmp, 0) < 0) {
		if (!e->msg[0])
			op_errc(e, EX_IOERR, "cannot write '%s': %s", tmp, strerror(errno));
		op_db_remove(tmp);
		return -1;
	}
	utc_text(time(NULL), "%Y%m%dT%H%M%SZ", stamp, sizeof(stamp));
	snprintf(old, sizeof(old), "%s.before-restore-%s", store_path, stamp);
	if (access(store_path, F_OK) == 0) {
		/* The store with its WAL files, moved together: nothing is lost. */
		for (int i = 0; i < 3; i++) {
			char a[4300], b[4300];
			snprintf(a, sizeof(a), "%s%s", store_path, side[i]);
			snprintf(b, sizeof(b), "%s%s", old, side[i]);
			if (rename(a, b) < 0 && errno != ENOENT) {
				op_errc(e, EX_CANTCREAT, "cannot move '%s' aside: %s", a, strerror(errno));
				op_db_remove(tmp);
				return -1;
			}
		}
		*aside = strdup(old);
	}
	if (rename(tmp, store_path) < 0) {
		op_errc(e, EX_CANTCREAT, "cannot put the snapshot in place at '%s': %s",
			store_path, strerror(errno));
		op_db_remove(tmp);
		return -1;
	}
	return 0;
}
