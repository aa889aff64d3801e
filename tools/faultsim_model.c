/*
 * faultsim_model.c — the reference model of the fault harness
 * (tools/faultsim.c, docs/FAULTS.md) and what it is checked against: what
 * every replica must hold, entry by entry (per column the write with the
 * greatest (hlc, site), points the sum of every increment, deleted rows
 * gone, a branch's own follow-ups at HQ and at that branch), how backups
 * put back and rebuilt stores change that, and the canonical dumps of the
 * model and of each store that must be equal after the final sync. Here
 * too are the seeded randomness and the simulated clock (a VFS answering
 * SQLite's 'now' and randomness from the seed), so a seed replays exactly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "faultsim.h"
#include "tables.h"
#include "wire.h"

#define JD_UNIX_MS 210866760000000LL	/* julian day 2440587.5 in ms */

/* --- seeded randomness --- */

uint64_t rnd(struct rng *r)	/* splitmix64 */
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
uint64_t below(struct rng *r, uint64_t n) { return n ? rnd(r) % n : 0; }
int pct(struct rng *r, int p) { return (int)below(r, 100) < p; }

/* --- the simulated clock, seen by SQLite through a wrapping VFS --- */

int64_t g_clock_ms;		/* the clock of the site being driven */
struct rng g_sqlite_rng;	/* what SQLite's PRNG is seeded from */
static sqlite3_vfs g_vfs;

static int vfs_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
	(void)v;
	*out = g_clock_ms + JD_UNIX_MS;
	return SQLITE_OK;
}
static int vfs_time(sqlite3_vfs *v, double *out)
{
	(void)v;
	*out = (double)(g_clock_ms + JD_UNIX_MS) / 86400000.0;
	return SQLITE_OK;
}
static int vfs_random(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	for (int i = 0; i < n; i++)
		out[i] = (char)rnd(&g_sqlite_rng);
	return n;
}

void vfs_install(void)
{
	sqlite3_vfs *base = sqlite3_vfs_find(NULL);
	g_vfs = *base;		/* pAppData stays the unix VFS's own */
	g_vfs.zName = "faultsim";
	g_vfs.xCurrentTime = vfs_time;
	g_vfs.xCurrentTimeInt64 = vfs_time64;
	g_vfs.xRandomness = vfs_random;
	sqlite3_vfs_register(&g_vfs, 1);
}

/* Make x the site being driven: SQLite's 'now' is its clock. */
struct site *on(struct site *x)
{
	g_clock_ms = x->sim->now + x->skew;
	return x;
}

/* --- small SQL helpers (harness code: statements prepared per call) --- */

int64_t q_int(sqlite3 *db, const char *sql, const char *a, int64_t b)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (a)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, b);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int64_t journal_max(struct site *x)
{
	return q_int(op_db_handle(x->db), "SELECT coalesce(max(seq), 0) FROM journal", NULL, 0);
}

int64_t stamped_seq(struct site *x)
{
	return op_db_meta_int(x->db, "stamped_seq", 0);
}

/* The version of (tbl, gid, col) at x: its own clock row, else the row's. */
static int version_at(struct site *x, int tbl, const char *gid, int col,
		      uint64_t *hlc, char site[16])
{
	static const char *sql =
		"SELECT hlc, site FROM clock WHERE tbl = ?1 AND gid = ?2 AND col = ?3";
	sqlite3_stmt *st;
	int found = 0;
	for (int pass = 0; pass < 2 && !found; pass++) {
		if (sqlite3_prepare_v2(op_db_handle(x->db), sql, -1, &st, NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_int(st, 1, tbl);
		sqlite3_bind_text(st, 2, gid, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, pass == 0 ? col : OP_COL_ROW);
		if (sqlite3_step(st) == SQLITE_ROW) {
			found = 1;
			*hlc = (uint64_t)sqlite3_column_int64(st, 0);
			snprintf(site, 16, "%s", sqlite3_column_text(st, 1));
		}
		sqlite3_finalize(st);
		if (col < 0)
			break;
	}
	return found;
}

static int counter_at(struct site *x, int tbl, const char *gid, int col,
		      const char *who, uint64_t *hlc)
{
	sqlite3_stmt *st;
	int found = 0;
	if (sqlite3_prepare_v2(op_db_handle(x->db), "SELECT hlc FROM counter WHERE tbl = ?1"
			       " AND gid = ?2 AND col = ?3 AND site = ?4", -1, &st, NULL))
		return -1;
	sqlite3_bind_int(st, 1, tbl);
	sqlite3_bind_text(st, 2, gid, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, col);
	sqlite3_bind_text(st, 4, who, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		found = 1;
		*hlc = (uint64_t)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return found;
}

/* --- the model --- */

struct mtab mtabs[] = {
	{ "customer", 1, 4, { "name", "phone", "email", "notes" }, 1, 0, { 0 } },
	{ "followup", 0, 3, { "customer_id", "purpose", "opinion" }, 0, 0, { 0 } },
	{ "staff", 1, 3, { "code", "name", "pin_hash" }, 0, 0, { 0 } },
};

struct mrow *row_find(struct sim *m, int tab, const char *gid)
{
	for (int i = 0; i < m->nrows; i++)
		if (m->rows[i].tab == tab && strcmp(m->rows[i].gid, gid) == 0)
			return &m->rows[i];
	return NULL;
}

/* Room for one more element in a growable array (aborts when memory is
 * gone: a harness has nothing better to do). */
void *grow(void *p, int n, int *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 16;
	if (!(p = realloc(p, (size_t)*cap * size)))
		abort();
	return p;
}

struct mrow *row_add(struct sim *m, int tab, const char *gid, int creator)
{
	m->rows = grow(m->rows, m->nrows, &m->caprows, sizeof(*m->rows));
	struct mrow *r = &m->rows[m->nrows++];
	memset(r, 0, sizeof(*r));
	r->tab = tab;
	r->creator = creator;
	snprintf(r->gid, sizeof(r->gid), "%s", gid);
	return r;
}

struct ent *ent_add(struct mrow *r, int kind, int col, const char *val,
			   int64_t delta, int site, int64_t jseq)
{
	r->e = grow(r->e, r->n, &r->cap, sizeof(*r->e));
	struct ent *e = &r->e[r->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->col = col;
	e->val = val ? strdup(val) : NULL;
	e->delta = delta;
	e->site = site;
	e->jseq = jseq;
	return e;
}

void model_free(struct sim *m)
{
	for (int i = 0; i < m->nrows; i++) {
		for (int k = 0; k < m->rows[i].n; k++)
			free(m->rows[i].e[k].val);
		free(m->rows[i].e);
	}
	free(m->rows);
	m->rows = NULL;
	m->nrows = m->caprows = 0;
}

/* Entries of x journaled up to its stamped_seq learn the version they were
 * stamped into. A version that is not x's own any more was beaten, in the
 * same transaction, by a newer one merged from a peer: it can never win. */
void absorb(struct site *x)
{
	struct sim *m = x->sim;
	int64_t upto = stamped_seq(x);
	if (upto == x->stamped_seen)
		return;
	for (int i = 0; i < m->nrows; i++) {
		struct mrow *r = &m->rows[i];
		int tbl = mtabs[r->tab].num;
		for (int k = 0; k < r->n; k++) {
			struct ent *e = &r->e[k];
			uint64_t h = 0;
			char who[16] = "";
			int f = 0;
			if (e->dead || e->stamped || e->site != x->idx || e->detached || e->jseq > upto)
				continue;
			e->stamped = 1;
			if (e->kind == E_INC)
				f = counter_at(x, tbl, r->gid, e->col, x->code, &h) > 0 &&
				    (snprintf(who, sizeof(who), "%s", x->code), 1);
			else
				f = version_at(x, tbl, r->gid, e->kind == E_COL ? e->col :
					       e->kind == E_DEL ? OP_COL_TOMBSTONE : OP_COL_ROW,
					       &h, who) > 0;
			if (f && strcmp(who, x->code) == 0)
				e->hlc = h;
			else
				e->dominated = 1;
		}
	}
	x->stamped_seen = upto;
}

/* Is e's effect held at HQ (or beaten there by something newer)? */
static int durable(struct sim *m, struct mrow *r, struct ent *e)
{
	struct site *h = hq(m), *x = &m->site[e->site];
	int tbl = mtabs[r->tab].num;
	uint64_t hh = 0;
	char who[16] = "";
	if (!e->stamped || e->dominated)
		return 0;
	switch (e->kind) {
	case E_INS:
		return version_at(h, tbl, r->gid, OP_COL_ROW, &hh, who) > 0 ||
		       version_at(h, tbl, r->gid, OP_COL_TOMBSTONE, &hh, who) > 0;
	case E_DEL:
		return version_at(h, tbl, r->gid, OP_COL_TOMBSTONE, &hh, who) > 0;
	case E_INC:
		return counter_at(h, tbl, r->gid, e->col, x->code, &hh) > 0 && hh >= e->hlc;
	default:
		if (version_at(h, tbl, r->gid, OP_COL_TOMBSTONE, &hh, who) > 0)
			return 1;
		if (version_at(h, tbl, r->gid, e->col, &hh, who) <= 0)
			return 0;
		return hh > e->hlc || (hh == e->hlc && strcmp(who, x->code) >= 0);
	}
}

/* Site x's store went back to its backup (or, maxseq = stamped = 0, to an
 * empty store). What it had journaled since is gone unless HQ holds it;
 * what the backup held unstamped will be stamped again, as a new version
 * (an earlier stamping of it may survive at HQ: both are kept). */
void model_restore(struct site *x, int64_t maxseq, int64_t stamped)
{
	struct sim *m = x->sim;
	for (int i = 0; i < m->nrows; i++) {
		struct mrow *r = &m->rows[i];
		int n = r->n;
		for (int k = 0; k < n; k++) {
			struct ent *e = &r->e[k];
			if (e->dead || e->site != x->idx || e->detached)
				continue;
			if (e->jseq <= maxseq && e->jseq <= stamped)
				continue;
			int keep = e->held || durable(m, r, e);
			if (keep && e->kind != E_COL)
				e->held = 1;	/* HQ keeps it, whatever this store does */
			if (e->jseq <= maxseq) {
				if (keep && e->kind == E_COL) {
					struct ent *c = ent_add(r, E_COL, e->col, NULL, 0, e->site, 0);
					e = &r->e[k];	/* ent_add may move the array */
					c->val = e->val ? strdup(e->val) : NULL;
					c->hlc = e->hlc;
					c->jseq = e->jseq;
					c->stamped = c->detached = 1;
				}
				e->stamped = e->dominated = 0;
				e->hlc = 0;
			} else if (keep) {
				e->detached = 1;
			} else {
				e->dead = 1;
				if (getenv("FAULTSIM_ROW") && strcmp(getenv("FAULTSIM_ROW"), r->gid) == 0)
					printf("  (%s went back: entry %d of %s lost; stamped %d dominated %d hlc %llu; HQ has %lld versions of the row)\n", x->code,
					       k, r->gid, e->stamped, e->dominated, (unsigned long long)e->hlc,
					       (long long)q_int(op_db_handle(hq(m)->db), "SELECT count(*) FROM"
								 " clock WHERE gid = ?1", r->gid, 0));
			}
		}
		/* a row whose creation is lost is lost whole: only x had it */
		for (int k = 0; k < r->n; k++)
			if (r->e[k].kind == E_INS && r->e[k].dead)
				for (int j = 0; j < r->n; j++)
					r->e[j].dead = 1;
	}
	x->stamped_seen = stamped;
}

static int row_alive(const struct mrow *r)
{
	int ins = 0;
	for (int k = 0; k < r->n; k++) {
		if (r->e[k].dead)
			continue;
		if (r->e[k].kind == E_DEL)
			return 0;
		if (r->e[k].kind == E_INS)
			ins = 1;
	}
	return ins;
}

/* The model's value of column c: the live write with the greatest
 * (hlc, site), later journal entries of one site breaking ties. */
static const struct ent *winner(struct sim *m, const struct mrow *r, int col)
{
	const struct ent *w = NULL;
	for (int k = 0; k < r->n; k++) {
		const struct ent *e = &r->e[k];
		if (e->dead || e->kind != E_COL || e->col != col || e->dominated)
			continue;
		if (!e->stamped) {
			failf(m, "%s %s: a write at %s was never stamped", mtabs[r->tab].name,
			      r->gid, m->site[e->site].code);
			continue;
		}
		int c = !w ? 1 : e->hlc != w->hlc ? (e->hlc > w->hlc ? 1 : -1) :
			strcmp(m->site[e->site].code, m->site[w->site].code);
		if (c > 0 || (c == 0 && e->jseq >= w->jseq))
			w = e;
	}
	return w;
}

static void dump_add(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = realloc(*buf, *cap);
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

/* The model's canonical dump for site x: table by table, rows by id. */
static char *model_dump(struct sim *m, struct site *x)
{
	char *buf = NULL, line[2048];
	size_t len = 0, cap = 0;
	dump_add(&buf, &len, &cap, "");
	for (int t = 0; t < NTABS; t++) {
		const struct mtab *mt = &mtabs[t];
		/* rows in id order */
		int *ord = malloc(sizeof(int) * (size_t)(m->nrows + 1)), n = 0;
		for (int i = 0; i < m->nrows; i++) {
			struct mrow *r = &m->rows[i];
			if (r->tab != t || !row_alive(r))
				continue;
			if (!mt->everywhere && !x->hq && r->creator != x->idx)
				continue;
			int j = n++;
			while (j > 0 && strcmp(m->rows[ord[j - 1]].gid, r->gid) > 0) {
				ord[j] = ord[j - 1];
				j--;
			}
			ord[j] = i;
		}
		for (int i = 0; i < n; i++) {
			struct mrow *r = &m->rows[ord[i]];
			int o = snprintf(line, sizeof(line), "%s %s", mt->name, r->gid);
			for (int c = 0; c < mt->ncols; c++) {
				const struct ent *w = winner(m, r, mt->colnum[c]);
				o += snprintf(line + o, sizeof(line) - (size_t)o, "|%s",
					      w && w->val ? w->val : "\\N");
			}
			if (mt->counter) {
				int64_t sum = 0;
				for (int k = 0; k < r->n; k++)
					if (!r->e[k].dead && r->e[k].kind == E_INC)
						sum += r->e[k].delta;
				snprintf(line + o, sizeof(line) - (size_t)o, "|%lld", (long long)sum);
			}
			dump_add(&buf, &len, &cap, line);
			dump_add(&buf, &len, &cap, "\n");
		}
		free(ord);
	}
	return buf;
}

/* The same dump read from x's store. */
static char *store_dump(struct site *x)
{
	char *buf = NULL, line[2048];
	size_t len = 0, cap = 0;
	dump_add(&buf, &len, &cap, "");
	for (int t = 0; t < NTABS; t++) {
		const struct mtab *mt = &mtabs[t];
		sqlite3_str *q = sqlite3_str_new(NULL);
		sqlite3_stmt *st;
		sqlite3_str_appendall(q, "SELECT id");
		for (int c = 0; c < mt->ncols; c++)
			sqlite3_str_appendf(q, ", \"%w\"", mt->cols[c]);
		sqlite3_str_appendf(q, "%s FROM \"%w\" ORDER BY id", mt->counter ? ", points" : "",
				    mt->name);
		char *sql = sqlite3_str_finish(q);
		if (sqlite3_prepare_v2(op_db_handle(x->db), sql, -1, &st, NULL) != SQLITE_OK) {
			sqlite3_free(sql);
			continue;
		}
		sqlite3_free(sql);
		while (sqlite3_step(st) == SQLITE_ROW) {
			int o = snprintf(line, sizeof(line), "%s %s", mt->name,
					 sqlite3_column_text(st, 0));
			for (int c = 1; c <= mt->ncols + mt->counter; c++)
				o += snprintf(line + o, sizeof(line) - (size_t)o, "|%s",
					      sqlite3_column_type(st, c) == SQLITE_NULL ? "\\N" :
					      (const char *)sqlite3_column_text(st, c));
			dump_add(&buf, &len, &cap, line);
			dump_add(&buf, &len, &cap, "\n");
		}
		sqlite3_finalize(st);
	}
	return buf;
}

/* The model's entries for one row (FAULTSIM_ROW=id, for debugging). */
static void model_print(struct sim *m, const char *gid)
{
	static const char *kinds[] = { "insert", "column", "delete", "points" };
	for (int i = 0; i < m->nrows; i++) {
		struct mrow *r = &m->rows[i];
		if (strcmp(r->gid, gid) != 0)
			continue;
		for (int k = 0; k < r->n; k++) {
			struct ent *e = &r->e[k];
			printf("  %s col %d '%s' %+lld by %s seq %lld hlc %llu%s%s%s%s%s\n",
			       kinds[e->kind], e->col, e->val ? e->val : "NULL", (long long)e->delta,
			       m->site[e->site].code, (long long)e->jseq,
			       (unsigned long long)e->hlc, e->stamped ? " stamped" : "",
			       e->dominated ? " beaten" : "", e->detached ? " detached" : "",
			       e->held ? " held" : "", e->dead ? " dead" : "");
		}
	}
}

/* The first line of dump a that dump b does not have, or NULL. */
static const char *first_missing(const char *a, const char *b)
{
	for (const char *l = a; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != 0)) {
		size_t n = strcspn(l, "\n");
		const char *f = b;
		int found = 0;
		while (!found && (f = strstr(f, (char[]){ l[0], 0 })) != NULL) {
			found = (f == b || f[-1] == '\n') && strncmp(f, l, n) == 0 &&
				(f[n] == '\n' || f[n] == 0);
			f++;
		}
		if (!found)
			return l;
	}
	return NULL;
}

/* Every replica's dump against the model's. */
int check(struct sim *m)
{
	for (int i = 0; i < m->nsites; i++)
		absorb(&m->site[i]);
	for (int i = 0; i < m->nsites && !m->fail[0]; i++) {
		struct site *x = &m->site[i];
		char *want = model_dump(m, x), *got = store_dump(on(x));
		if (!m->fail[0] && strcmp(want, got) != 0) {
			const char *a = first_missing(want, got), *b = first_missing(got, want);
			failf(m, "%s differs from the model: model has '%.*s' (store lacks it), "
			      "store has '%.*s' (model lacks it)", x->code,
			      a ? (int)strcspn(a, "\n") : 4, a ? a : "none",
			      b ? (int)strcspn(b, "\n") : 4, b ? b : "none");
		}
		if (m->verbose && i == 0)
			printf("--- model at HQ\n%s---\n", want);
		if (getenv("FAULTSIM_ROW"))
			model_print(m, getenv("FAULTSIM_ROW"));
		free(want);
		free(got);
	}
	return m->fail[0] ? -1 : 0;
}
