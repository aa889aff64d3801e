/*
 * histread.c — the reading side of the history repository (see history.h
 * and docs/HISTORY.md): opening it for reading, the log of its commits,
 * the timeline of one record, and finding a record — a deleted one too —
 * by part of its id. Timelines walk the commits (git_revwalk) and compare
 * the record's file at each commit with its parent; finding a record
 * compares trees level by level, skipping identical subtrees. Nothing here
 * writes: committing is in history.c, restoring and pushing in backup.c;
 * what they share is declared in history_int.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <git2.h>
#include "history.h"
#include "recfile.h"
#include "history_int.h"

int op_history_open(op_history **out, const char *repo_path, op_err *e)
{
	op_history *h = calloc(1, sizeof(*h));
	*out = NULL;
	if (!h || !(h->path = strdup(repo_path))) {
		free(h);
		return op_errc(e, EX_OSERR, "out of memory");
	}
	op_hist_git_up();
	if (op_hist_repo_open(&h->repo, repo_path, 0, NULL, e) < 0) {
		op_history_free(h);
		return -1;
	}
	*out = h;
	return 0;
}

void op_history_free(op_history *h)
{
	if (!h)
		return;
	git_repository_free(h->repo);
	free(h->path);
	free(h);
}

/* The commit's author as readers see it. */
static void info_of(git_commit *c, struct op_history_info *in, char *site, size_t sn)
{
	const git_signature *a = git_commit_author(c);
	memset(in, 0, sizeof(*in));
	git_oid_tostr(in->commit, sizeof(in->commit), git_commit_id(c));
	in->time = (time_t)git_commit_time(c);
	in->author = a->name;
	in->summary = git_commit_summary(c);
	in->message = git_commit_message(c);
	site[0] = '\0';
	const char *at = strrchr(a->email, '@');
	if (at) {
		const char *dot = strstr(at, ".outpost");
		size_t n = dot ? (size_t)(dot - at - 1) : strlen(at + 1);
		snprintf(site, sn, "%.*s", (int)n, at + 1);
	}
	in->site = site[0] ? site : NULL;
	in->staff = in->site && strcmp(a->name, in->site) != 0 ? a->name : NULL;
}

int op_hist_walk_start(op_history *h, git_revwalk **out, unsigned sort, int *empty, op_err *e)
{
	git_oid head;
	*out = NULL;
	*empty = 0;
	int r = git_reference_name_to_id(&head, h->repo, REF_MAIN);
	if (r == GIT_ENOTFOUND) {
		*empty = 1;
		return 0;
	}
	if (r < 0 || git_revwalk_new(out, h->repo) < 0 || git_revwalk_sorting(*out, sort) < 0 ||
	    git_revwalk_push(*out, &head) < 0) {
		git_revwalk_free(*out);
		*out = NULL;
		return op_hist_gitfail(e, EX_DATAERR, "cannot walk the history at '%s'", h->path);
	}
	return 0;
}

int op_history_log(op_history *h, op_history_log_cb cb, void *arg, op_err *e)
{
	git_revwalk *walk;
	git_oid id;
	int empty, rc = 0, r;

	if (op_hist_walk_start(h, &walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME, &empty, e) < 0)
		return -1;
	if (empty)
		return 0;
	while ((r = git_revwalk_next(&id, walk)) == 0) {
		git_commit *c;
		struct op_history_info in;
		char site[64];
		if (git_commit_lookup(&c, h->repo, &id) < 0) {
			rc = op_hist_gitfail(e, EX_DATAERR, "cannot read a commit");
			break;
		}
		info_of(c, &in, site, sizeof(site));
		rc = cb(&in, arg);
		git_commit_free(c);
		if (rc)
			break;
	}
	if (r < 0 && r != GIT_ITEROVER && !rc)
		rc = op_hist_gitfail(e, EX_DATAERR, "cannot walk the history");
	git_revwalk_free(walk);
	return rc;
}

/* The blob id of path in commit c; 0 found, 1 absent, -1 error. */
static int blob_at(git_commit *c, const char *path, git_oid *out)
{
	git_tree *t;
	git_tree_entry *te;
	if (git_commit_tree(&t, c) < 0)
		return -1;
	int r = git_tree_entry_bypath(&te, t, path);
	git_tree_free(t);
	if (r == GIT_ENOTFOUND)
		return 1;
	if (r < 0)
		return -1;
	git_oid_cpy(out, git_tree_entry_id(te));
	git_tree_entry_free(te);
	return 0;
}

int op_history_timeline(op_history *h, const struct op_table *t, const char *id,
			int reverse, op_history_event_cb cb, void *arg, op_err *e)
{
	char path[OP_HIST_NAME_MAX + 128];
	git_revwalk *walk;
	git_oid cid;
	int empty, n = 0, r, rc = 0;

	if (op_recfile_path(path, sizeof(path), t, id) < 0)
		return op_errc(e, EX_DATAERR, "'%s' cannot be a record id", id);
	if (op_hist_walk_start(h, &walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME |
		       (reverse ? GIT_SORT_REVERSE : 0), &empty, e) < 0)
		return -1;
	if (empty)
		return 0;
	while (rc == 0 && (r = git_revwalk_next(&cid, walk)) == 0) {
		git_commit *c = NULL, *p = NULL;
		git_oid now_id, was_id;
		int now, was = 1;
		if (git_commit_lookup(&c, h->repo, &cid) < 0 ||
		    (now = blob_at(c, path, &now_id)) < 0 ||
		    (git_commit_parentcount(c) > 0 &&
		     (git_commit_parent(&p, c, 0) < 0 || (was = blob_at(p, path, &was_id)) < 0))) {
			rc = op_hist_gitfail(e, EX_DATAERR, "cannot read commit %.10s", git_oid_tostr_s(&cid));
			git_commit_free(p);
			git_commit_free(c);
			break;
		}
		git_commit_free(p);
		if ((now && was) || (!now && !was && git_oid_equal(&now_id, &was_id))) {
			git_commit_free(c);
			continue;
		}
		struct op_recfile before = { 0 }, after = { 0 };
		struct op_history_field fields[64];
		struct op_history_event ev;
		char site[64];
		if ((!was && op_hist_blob_parse(h->repo, &was_id, t, &before) < 0) ||
		    (!now && op_hist_blob_parse(h->repo, &now_id, t, &after) < 0)) {
			rc = op_hist_gitfail(e, EX_DATAERR, "cannot read %s at commit %.10s", path,
				     git_oid_tostr_s(&cid));
		} else {
			info_of(c, &ev.info, site, sizeof(site));
			ev.kind = was ? OP_HISTORY_NEW : now ? OP_HISTORY_DELETED : OP_HISTORY_CHANGED;
			ev.nfields = 0;
			for (int k = 0; k < t->ncols && k < 64; k++) {
				const char *o = before.vals[k], *v = after.vals[k];
				if ((!o && !v) || (o && v && strcmp(o, v) == 0))
					continue;
				fields[ev.nfields++] = (struct op_history_field){ t->cols[k].name, o, v };
			}
			ev.fields = fields;
			n++;
			rc = cb(&ev, arg);
		}
		op_recfile_free(&before);
		op_recfile_free(&after);
		git_commit_free(c);
	}
	git_revwalk_free(walk);
	return rc ? rc : n;
}

/* --- finding a record by part of its id --- */

struct found {
	const char *ref;
	size_t reflen;
	char *ids[2];
	int n;
};

static void consider(struct found *f, const char *name)
{
	char *id = op_recfile_id(name);
	size_t n;
	if (!id)
		return;
	n = strlen(id);
	int match = strcmp(id, f->ref) == 0 ||
		    (f->reflen >= 6 && n >= f->reflen &&
		     (strncmp(id, f->ref, f->reflen) == 0 ||
		      strcmp(id + n - f->reflen, f->ref) == 0));
	for (int i = 0; i < f->n && match; i++)
		if (strcmp(f->ids[i], id) == 0)
			match = 0;
	if (match && f->n < 2)
		f->ids[f->n++] = id;
	else
		free(id);
}

/* Names of files that differ between trees a and b (either may be NULL),
 * depth 1 = a table's directory; identical subtrees are skipped. */
static int tree_changes(op_history *h, git_tree *a, git_tree *b, int depth, struct found *f)
{
	size_t na = a ? git_tree_entrycount(a) : 0, nb = b ? git_tree_entrycount(b) : 0;
	size_t i = 0, j = 0;
	int rc = 0;

	while (rc == 0 && (i < na || j < nb) && f->n < 2) {
		const git_tree_entry *ea = i < na ? git_tree_entry_byindex(a, i) : NULL;
		const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
		int cmp = !ea ? 1 : !eb ? -1 : strcmp(git_tree_entry_name(ea), git_tree_entry_name(eb));
		const git_tree_entry *x = cmp <= 0 ? ea : NULL, *y = cmp >= 0 ? eb : NULL;
		i += cmp <= 0;
		j += cmp >= 0;
		if (x && y && git_oid_equal(git_tree_entry_id(x), git_tree_entry_id(y)))
			continue;
		if (depth < 3) {
			git_tree *sa = NULL, *sb = NULL;
			if ((x && git_tree_entry_type(x) == GIT_OBJECT_TREE &&
			     git_tree_lookup(&sa, h->repo, git_tree_entry_id(x)) < 0) ||
			    (y && git_tree_entry_type(y) == GIT_OBJECT_TREE &&
			     git_tree_lookup(&sb, h->repo, git_tree_entry_id(y)) < 0))
				rc = -1;
			else
				rc = tree_changes(h, sa, sb, depth + 1, f);
			git_tree_free(sa);
			git_tree_free(sb);
		} else {
			consider(f, git_tree_entry_name(x ? x : y));
		}
	}
	return rc;
}

static int table_tree(op_history *h, git_commit *c, const struct op_table *t, git_tree **out)
{
	git_tree *root;
	*out = NULL;
	if (git_commit_tree(&root, c) < 0)
		return -1;
	const git_tree_entry *te = git_tree_entry_byname(root, t->name);
	int r = te ? git_tree_lookup(out, h->repo, git_tree_entry_id(te)) : 0;
	git_tree_free(root);
	return r;
}

int op_history_find(op_history *h, const struct op_table *t, const char *ref,
		    char **id, op_err *e)
{
	struct found f = { .ref = ref, .reflen = strlen(ref) };
	git_revwalk *walk;
	git_oid cid;
	int empty, r, rc = 0;

	*id = NULL;
	if (op_hist_walk_start(h, &walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME, &empty, e) < 0)
		return -1;
	while (!empty && f.n < 2 && (r = git_revwalk_next(&cid, walk)) == 0) {
		git_commit *c = NULL, *p = NULL;
		git_tree *now = NULL, *was = NULL;
		if (git_commit_lookup(&c, h->repo, &cid) < 0 || table_tree(h, c, t, &now) < 0 ||
		    (git_commit_parentcount(c) > 0 &&
		     (git_commit_parent(&p, c, 0) < 0 || table_tree(h, p, t, &was) < 0)) ||
		    tree_changes(h, was, now, 1, &f) < 0)
			rc = op_hist_gitfail(e, EX_DATAERR, "cannot read commit %.10s", git_oid_tostr_s(&cid));
		git_tree_free(now);
		git_tree_free(was);
		git_commit_free(p);
		git_commit_free(c);
		if (rc)
			break;
	}
	git_revwalk_free(walk);
	if (!rc && f.n == 0)
		rc = op_errc(e, EX_NOINPUT, "no %s matches '%s', now or in the history", t->name, ref);
	else if (!rc && f.n > 1)
		rc = op_errc(e, EX_DATAERR, "'%s' matches more than one %s in the history; "
			     "give the full id", ref, t->name);
	if (!rc) {
		*id = f.ids[0];
		f.ids[0] = NULL;
	}
	for (int i = 0; i < f.n; i++)
		free(f.ids[i]);
	return rc ? -1 : 0;
}
