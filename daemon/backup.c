/*
 * backup.c — getting data back out of the history (see history.h and
 * docs/HISTORY.md): restore builds a new store from one commit's tree, push
 * copies the repository to a second place (a USB disk, a share) with
 * libgit2's local push, incrementally.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <git2.h>
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
				sqlite3_bind_text(ins, c + 1, r.vals[c], -1, SQLITE_TRANSIENT);
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
	if (access(to_path, F_OK) == 0)
		return op_errc(e, EX_CANTCREAT, "'%s' exists; restore makes a new store", to_path);
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
	if (op_db_open(&db, to_path, OP_DB_CREATE | OP_DB_DAEMON, e) < 0)
		goto out;
	made = 1;
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
		/* The new store's migrations seeded some rows (the channel
		 * list); the snapshot's own copy of them replaces them. */
		char *del = sqlite3_mprintf("DELETE FROM \"%w\"", t->name);
		int dr = del ? op_db_exec(db, del) : -1;
		sqlite3_free(del);
		if (dr < 0) {
			git_tree_free(sub);
			*e = *op_db_err(db);
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
	rc = 0;
out:
	sqlite3_finalize(ins);
	if (db)
		op_db_rollback(db);
	op_db_free(db);
	if (rc < 0 && made)
		op_db_remove(to_path);
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

