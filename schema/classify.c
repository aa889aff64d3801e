/*
 * classify.c — customer classification (classify.h): the buyers of the
 * year read in customer order, ranked in C, their rows written, then every
 * other customer as small; all in one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "classify.h"
#include "valid.h"

/* The period: the twelve months up to as_of (default: today, local). */
static const char SQL_CLASSIFY_PERIOD[] =
	"SELECT t, date(t, '-12 months', '+1 day')"
	" FROM (SELECT coalesce(:to, date(op_local(:now))) AS t)";

struct period {
	char from[11], to[11], now[20];
};

/* classify: per customer (in customer order, from sales_order_cust)
 * the spend and orders of (:from..:to) and the newest order up to :to,
 * non-cancelled and non-returned; merged customers left out. Ranking is
 * done in C (classify_rank); customers without any such order are added
 * as small afterwards. */
/* The classes this connection may see: a manager reclassifies the branch's
 * customers only (through the scope view, schema/scope.h); HQ all. */
static const char SQL_CLASSIFY_STALE[] = "DELETE FROM main.customer_class"
	" WHERE customer_id IN (SELECT customer_id FROM customer_class)"
	" AND computed_at IS NOT :now";
static const char SQL_CLASSIFY_SPEND[] =
	"SELECT cid, spend, n, last FROM (SELECT o.customer_id AS cid,"
	"  sum(CASE WHEN o.order_date >= :from THEN o.total ELSE 0 END) AS spend,"
	"  sum(o.order_date >= :from) AS n, max(o.order_date) AS last"
	"  FROM sales_order o INDEXED BY sales_order_cust WHERE o.order_date <= :to"
	"  AND o.status NOT IN ('cancelled', 'returned') GROUP BY o.customer_id)"
	" WHERE cid NOT IN (SELECT id FROM customer WHERE merged_into IS NOT NULL)";
static const char SQL_CLASSIFY_INSERT[] =
	"INSERT OR REPLACE INTO main.customer_class(customer_id, spend, orders, last_order, class,"
	"  freq, r, f, m, computed_at)"
	" VALUES (:id, :spend, :n, :last, :class, :freq, :r, :f, :m, :now)";
static const char SQL_CLASSIFY_REST[] =
	"INSERT OR REPLACE INTO main.customer_class(customer_id, class, freq, r, f, m, computed_at)"
	" SELECT c.id, 'small', 'low', 1, 1, 1, :now FROM customer c"
	" WHERE c.id > :after AND (:upto IS NULL OR c.id <= :upto) AND c.merged_into IS NULL"
	" AND NOT EXISTS (SELECT 1 FROM main.customer_class k"
	"  WHERE k.customer_id = c.id AND k.computed_at = :now)";
/* the last id of the next CLASSIFY_PART customers after :after, or none */
static const char SQL_CLASSIFY_UPTO[] =
	"SELECT id FROM customer WHERE id > :after ORDER BY id LIMIT 1 OFFSET :part";
struct buyer {
	char *id;
	int64_t spend;
	int n;
	char last[11];
	int above, m_below, f_below, r_below;	/* strictly more / less */
};

static int by_spend(const void *a, const void *b)
{
	const struct buyer *x = *(const struct buyer *const *)a,
			   *y = *(const struct buyer *const *)b;
	return (x->spend < y->spend) - (x->spend > y->spend);	/* descending */
}
static int by_orders(const void *a, const void *b)
{
	const struct buyer *x = *(const struct buyer *const *)a,
			   *y = *(const struct buyer *const *)b;
	return (x->n > y->n) - (x->n < y->n);
}
static int by_last(const void *a, const void *b)
{
	const struct buyer *x = *(const struct buyer *const *)a,
			   *y = *(const struct buyer *const *)b;
	return strcmp(x->last, y->last);
}

/* For the n ranked buyers in v: how many rank strictly better (spend) or
 * strictly worse (last order, orders, spend). Equal values share counts,
 * so ties get the same class and the same score. */
static void classify_rank(struct buyer **v, size_t n)
{
	size_t i, j;

	qsort(v, n, sizeof(*v), by_spend);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && v[j]->spend == v[i]->spend; j++)
			;
		for (size_t k = i; k < j; k++) {
			v[k]->above = (int)i;
			v[k]->m_below = (int)(n - j);
		}
	}
	qsort(v, n, sizeof(*v), by_orders);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && v[j]->n == v[i]->n; j++)
			;
		for (size_t k = i; k < j; k++)
			v[k]->f_below = (int)i;
	}
	qsort(v, n, sizeof(*v), by_last);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && strcmp(v[j]->last, v[i]->last) == 0; j++)
			;
		for (size_t k = i; k < j; k++)
			v[k]->r_below = (int)i;
	}
}

static const char *class_of(const struct buyer *b, size_t n)
{
	long long above = b->above, total = (long long)n;

	if (b->spend <= 0)
		return "small";
	if (5 * above < total)
		return "important";
	if (2 * above < total)
		return "major";
	if (5 * above < 4 * total)
		return "regular";
	return "small";
}

static int score(int below, size_t n, int ranked)
{
	return ranked ? 1 + (int)(5LL * below / (long long)n) : 1;
}

/* A clerk's write goes first (as in a merge, daemon/merge.c): between
 * parts of CLASSIFY_PART rows, when a command waits for the write lock,
 * what is written so far is committed and the command let in. Until the
 * last part every customer keeps a class, the old or the new one. */
#define CLASSIFY_PART 5000

static int room(op_db *db, const char *staff, long long *seen)
{
	if (!op_db_writer_waiting(db, seen))
		return 0;
	if (op_db_commit(db) < 0)
		return -1;
	op_db_room_pause();
	return op_db_begin(db, staff);
}

/* The buyers of the period, read before the write begins (reading five
 * million orders takes seconds, in which nobody else could write). */
static int read_buyers(op_db *db, const struct period *p, struct buyer **out, size_t *nout)
{
	struct buyer *b = NULL;
	size_t nb = 0, cap = 0;
	sqlite3_stmt *st;
	int step;

	*out = NULL;
	*nout = 0;
	if (!(st = op_db_stmt(db, SQL_CLASSIFY_SPEND)) ||
	    op_bind_text(db, st, ":from", p->from) < 0 ||
	    op_bind_text(db, st, ":to", p->to) < 0)
		return -1;
	while ((step = op_db_step(db, st)) == SQLITE_ROW) {
		if (nb == cap) {
			cap = cap ? cap * 2 : 1024;
			struct buyer *g = realloc(b, cap * sizeof(*b));
			if (!g)
				goto oom;
			b = g;
		}
		const char *id = (const char *)sqlite3_column_text(st, 0),
			   *last = (const char *)sqlite3_column_text(st, 3);
		memset(&b[nb], 0, sizeof(b[nb]));
		if (!id || !(b[nb].id = strdup(id)))
			goto oom;
		b[nb].spend = sqlite3_column_int64(st, 1);
		b[nb].n = sqlite3_column_int(st, 2);
		snprintf(b[nb].last, sizeof(b[nb].last), "%s", last ? last : "");
		nb++;
	}
	sqlite3_reset(st);
	*out = b;
	*nout = nb;
	return step < 0 ? -1 : 0;
oom:
	sqlite3_reset(st);
	*out = b;
	*nout = nb;
	return op_errc(op_db_err(db), EX_OSERR, "out of memory");
}

/* Rank the buyers, write their rows (in the order read, which is customer
 * order: the table's key), then everyone else, a part at a time; then
 * remove the rows of customers gone (merged, deleted) since the last run.
 * In the caller's transaction, which may be committed between parts. */
static int classify_write(op_db *db, const struct period *p, struct buyer *b, size_t nb,
			  const char *staff)
{
	struct buyer **rank = NULL;
	size_t nr = 0;
	sqlite3_stmt *st;
	long long seen = 0;
	int rc = -1;

	if (nb && !(rank = malloc(nb * sizeof(*rank))))
		return op_errc(op_db_err(db), EX_OSERR, "out of memory");
	for (size_t i = 0; i < nb; i++)
		if (b[i].spend > 0)
			rank[nr++] = &b[i];
	classify_rank(rank, nr);
	for (size_t i = 0; i < nb; i++) {
		const struct buyer *x = &b[i];
		int ranked = x->spend > 0;
		if (!(st = op_db_stmt(db, SQL_CLASSIFY_INSERT)) ||
		    op_bind_text(db, st, ":id", x->id) < 0 ||
		    op_bind_int(db, st, ":spend", x->spend) < 0 ||
		    op_bind_int(db, st, ":n", x->n) < 0 ||
		    op_bind_text(db, st, ":last", x->last[0] ? x->last : NULL) < 0 ||
		    op_bind_text(db, st, ":class", class_of(x, nr)) < 0 ||
		    op_bind_text(db, st, ":freq", x->n >= 6 ? "high" :
				 x->n >= 2 ? "medium" : "low") < 0 ||
		    op_bind_int(db, st, ":r", score(x->r_below, nr, ranked)) < 0 ||
		    op_bind_int(db, st, ":f", score(x->f_below, nr, ranked)) < 0 ||
		    op_bind_int(db, st, ":m", score(x->m_below, nr, ranked)) < 0 ||
		    op_bind_text(db, st, ":now", p->now) < 0 || op_db_run(db, st) < 0 ||
		    ((i + 1) % CLASSIFY_PART == 0 && room(db, staff, &seen) < 0))
			goto out;
	}
	char after[64] = "", upto[64];
	for (;;) {
		if (!(st = op_db_stmt(db, SQL_CLASSIFY_UPTO)) ||
		    op_bind_text(db, st, ":after", after) < 0 ||
		    op_bind_int(db, st, ":part", CLASSIFY_PART - 1) < 0)
			goto out;
		int step = op_db_step(db, st);
		if (step == SQLITE_ROW)
			snprintf(upto, sizeof(upto), "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		if (step < 0)
			goto out;
		if (!(st = op_db_stmt(db, SQL_CLASSIFY_REST)) ||
		    op_bind_text(db, st, ":after", after) < 0 ||
		    op_bind_text(db, st, ":upto", step == SQLITE_ROW ? upto : NULL) < 0 ||
		    op_bind_text(db, st, ":now", p->now) < 0 || op_db_run(db, st) < 0)
			goto out;
		if (step != SQLITE_ROW)
			break;
		memcpy(after, upto, sizeof(after));
		if (room(db, staff, &seen) < 0)
			goto out;
	}
	if (!(st = op_db_stmt(db, SQL_CLASSIFY_STALE)) ||
	    op_bind_text(db, st, ":now", p->now) < 0 || op_db_run(db, st) < 0)
		goto out;
	rc = 0;
out:
	free(rank);
	return rc;
}

/* The run's computed_at, which tells its rows from the last run's (a part
 * at a time, classify_write): a second no row has yet — a run in the same
 * second as the last one waits for the next. */
static const char SQL_CLASSIFY_SAME[] =
	"SELECT 1 FROM main.customer_class WHERE computed_at = :now LIMIT 1";

static int run_time(op_db *db, char *now, size_t n)
{
	for (;;) {
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(now, n, "%Y-%m-%d %H:%M:%S", &tm);
		sqlite3_stmt *st = op_db_stmt(db, SQL_CLASSIFY_SAME);
		int step;
		if (!st || op_bind_text(db, st, ":now", now) < 0 || (step = op_db_step(db, st)) < 0)
			return -1;
		sqlite3_reset(st);
		if (step != SQLITE_ROW)
			return 0;
		struct timespec ms = { 0, 50000000 };
		nanosleep(&ms, NULL);
	}
}

int op_classify(op_db *db, const char *as_of, const char *staff, char from[11],
		char to[11])
{
	struct period p;
	const char *why;
	sqlite3_stmt *st;
	if (run_time(db, p.now, sizeof(p.now)) < 0)
		return -1;
	if (as_of && op_valid_date(p.to, sizeof(p.to), as_of, &why) < 0)
		return op_errc(op_db_err(db), EX_DATAERR, "as of: %s", why);
	if (!(st = op_db_stmt(db, SQL_CLASSIFY_PERIOD)) ||
	    op_bind_text(db, st, ":to", as_of ? p.to : NULL) < 0 ||
	    op_bind_text(db, st, ":now", p.now) < 0 || op_db_step(db, st) != SQLITE_ROW)
		return -1;
	snprintf(p.to, sizeof(p.to), "%s", (const char *)sqlite3_column_text(st, 0));
	snprintf(p.from, sizeof(p.from), "%s", (const char *)sqlite3_column_text(st, 1));
	sqlite3_reset(st);
	struct buyer *b;
	size_t nb;
	int rc = read_buyers(db, &p, &b, &nb);
	if (rc == 0 && (rc = op_db_begin(db, staff)) == 0) {
		if ((rc = classify_write(db, &p, b, nb, staff)) < 0)
			op_db_rollback(db);
		else
			rc = op_db_commit(db);
	}
	for (size_t i = 0; i < nb; i++)
		free(b[i].id);
	free(b);
	if (rc < 0)
		return -1;
	if (from)
		memcpy(from, p.from, sizeof(p.from));
	if (to)
		memcpy(to, p.to, sizeof(p.to));
	return 0;
}
