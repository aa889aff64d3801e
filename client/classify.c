/*
 * classify.c — customer classification (op_report_classify and
 * op_report_classes, report.h): ranking every customer by spend, orders
 * and last order over a year into the classes important, major, regular
 * and small, a purchase frequency and R/F/M scores, written to
 * customer_class in one transaction (the reminder cadence reads it);
 * then the counts per class and frequency, and the list of customers by
 * class. Parameters and sections are report.c's (report_int.h).
 */
#include <stdlib.h>
#include <string.h>
#include "report_int.h"
#include "i18n.h"
#include "valid.h"

/* classify: per customer (in customer order, from sales_order_cust)
 * the spend and orders of (:from..:to) and the newest order up to :to,
 * non-cancelled and non-returned; merged customers left out. Ranking is
 * done in C (classify_rank); customers without any such order are added
 * as small afterwards. */
/* The classes this connection may see: a manager reclassifies the branch's
 * customers only (through the scope view, schema/scope.h); HQ all. */
static const char SQL_CLASSIFY_CLEAR[] = "DELETE FROM main.customer_class"
	" WHERE customer_id IN (SELECT customer_id FROM customer_class)";
static const char SQL_CLASSIFY_SPEND[] =
	"SELECT cid, spend, n, last FROM (SELECT o.customer_id AS cid,"
	"  sum(CASE WHEN o.order_date >= :from THEN o.total ELSE 0 END) AS spend,"
	"  sum(o.order_date >= :from) AS n, max(o.order_date) AS last"
	"  FROM sales_order o INDEXED BY sales_order_cust WHERE o.order_date <= :to"
	"  AND o.status NOT IN ('cancelled', 'returned') GROUP BY o.customer_id)"
	" WHERE cid NOT IN (SELECT id FROM customer WHERE merged_into IS NOT NULL)";
static const char SQL_CLASSIFY_INSERT[] =
	"INSERT INTO main.customer_class(customer_id, spend, orders, last_order, class,"
	"  freq, r, f, m, computed_at)"
	" VALUES (:id, :spend, :n, :last, :class, :freq, :r, :f, :m, :now)";
static const char SQL_CLASSIFY_REST[] =
	"INSERT INTO main.customer_class(customer_id, class, freq, r, f, m, computed_at)"
	" SELECT c.id, 'small', 'low', 1, 1, 1, :now FROM customer c"
	" WHERE c.merged_into IS NULL AND NOT EXISTS (SELECT 1 FROM customer_class k"
	"  WHERE k.customer_id = c.id)";
#define CLASS_LABELS \
	"k(ord, class, label) AS (VALUES (1, 'important', '重要'), (2, 'major', '主要')," \
	" (3, 'regular', '普通'), (4, 'small', '小'))"
static const char SQL_CLASS_COUNTS[] =
	"WITH " CLASS_LABELS ","
	" g AS (SELECT class, count(*) AS n, sum(spend) AS s, min(spend) AS lo,"
	"  max(spend) AS hi FROM customer_class GROUP BY class)"
	" SELECT k.class, k.label, coalesce(g.n, 0), " SHARE("coalesce(g.n, 0)") ","
	"  coalesce(g.s, 0), g.lo, g.hi FROM k LEFT JOIN g ON g.class = k.class"
	" ORDER BY k.ord";
static const char SQL_FREQ_COUNTS[] =
	"WITH k(ord, freq) AS (VALUES (1, 'high'), (2, 'medium'), (3, 'low')),"
	" g AS (SELECT freq, count(*) AS n FROM customer_class GROUP BY freq)"
	" SELECT k.freq, coalesce(g.n, 0), " SHARE("coalesce(g.n, 0)")
	" FROM k LEFT JOIN g ON g.freq = k.freq ORDER BY k.ord";
static const char SQL_CLASS_LIST[] =
	"WITH " CLASS_LABELS
	" SELECT substr(c.id, -8), c.name, c.phone, c.owner, x.class, k.label,"
	"  x.freq, x.spend, x.orders, x.last_order, x.r, x.f, x.m"
	" FROM customer_class x JOIN customer c ON c.id = x.customer_id"
	" JOIN k ON k.class = x.class"
	" WHERE (:cls IS NULL OR x.class = :cls) AND (:freq IS NULL OR x.freq = :freq)"
	"  AND (:staff IS NULL OR c.owner = :staff)"
	" ORDER BY x.spend DESC, x.orders DESC, c.name COLLATE name, c.id"
	" LIMIT :limit";

static const struct sec_def
	S_CLASSES = { "classes", N_("Customers by class"), SQL_CLASS_COUNTS,
		      "class:t label:t customers:i share_pct:p spend:m* min_spend:m max_spend:m" },
	S_FREQ = { "frequency", N_("Customers by purchase frequency"), SQL_FREQ_COUNTS,
		   "freq:t customers:i* share_pct:p" },
	S_CLASSLIST = { "customers", N_("Customers by class"), SQL_CLASS_LIST,
			"id:t name:t phone:t owner:t class:t label:t freq:t spend:m*"
			" orders:i last_order:t r:i f:i m:i" };

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

/* Read the buyers, rank them, write their rows (in the order read, which
 * is customer order: the table's key), then everyone else. In the caller's
 * transaction. */
static int classify_write(op_db *db, const struct params *p)
{
	struct buyer *b = NULL, **rank = NULL;
	size_t nb = 0, cap = 0, nr = 0;
	sqlite3_stmt *st;
	int rc = -1, step;

	if (!(st = op_db_stmt(db, SQL_CLASSIFY_SPEND)) || op_rp_bind_params(db, st, p) < 0)
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
	if (step < 0)
		goto out;
	if (nb && !(rank = malloc(nb * sizeof(*rank))))
		goto oom;
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
		    op_bind_text(db, st, ":now", p->now) < 0 || op_db_run(db, st) < 0)
			goto out;
	}
	if (!(st = op_db_stmt(db, SQL_CLASSIFY_REST)) || op_rp_bind_params(db, st, p) < 0 ||
	    op_db_run(db, st) < 0)
		goto out;
	rc = 0;
	goto out;
oom:
	sqlite3_reset(st);
	op_errc(op_db_err(db), EX_OSERR, "out of memory");
out:
	for (size_t i = 0; i < nb; i++)
		free(b[i].id);
	free(b);
	free(rank);
	return rc;
}

int op_report_classify(op_report **out, op_db *db, const char *as_of,
		       const char *staff)
{
	struct op_report_opts o = { .to = as_of, .months = 12 };
	struct params p;
	op_report *r = NULL;
	sqlite3_stmt *st;

	*out = NULL;
	if (op_rp_params_init(db, &p, &o, 1) < 0)
		return -1;
	p.branch = NULL;	/* every customer of the store */
	if (op_db_begin(db, staff) < 0)
		return -1;
	if (!(st = op_db_stmt(db, SQL_CLASSIFY_CLEAR)) || op_db_run(db, st) < 0 ||
	    classify_write(db, &p) < 0) {
		op_db_rollback(db);
		return -1;
	}
	if (op_db_commit(db) < 0)
		return -1;
	char t[256];
	snprintf(t, sizeof(t), _("Customer classes: spend from %s to %s"), p.from, p.to);
	if (!(r = op_rp_report_new("classify")) || op_rp_set_title(r, t, &p, 0) < 0 ||
	    op_rp_meta_add(r, "as_of", p.to) < 0 || op_rp_meta_add(r, "from", p.from) < 0) {
		op_report_free(r);
		return op_errc(op_db_err(db), EX_OSERR, "out of memory");
	}
	if (op_rp_add_section(r, db, &S_CLASSES, &p) < 0 || op_rp_add_section(r, db, &S_FREQ, &p) < 0) {
		op_report_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

/* Accept the Chinese names too: 重要 主要 普通 小, 高 中 低. */
static const struct op_enum_alias class_v[] = {
	{ "important", "重要|重要客户|a" }, { "major", "主要|主要客户|b" },
	{ "regular", "普通|普通客户|c" }, { "small", "小|小客户|d" }, { NULL, NULL },
};
static const struct op_enum class_enum = { "class", class_v };
static const struct op_enum_alias freq_v[] = {
	{ "high", "高|高频" }, { "medium", "中|中频" }, { "low", "低|低频" }, { NULL, NULL },
};
static const struct op_enum freq_enum = { "frequency", freq_v };

int op_report_classes(op_report **out, op_db *db, const struct op_report_opts *o)
{
	struct params p;
	const char *why;
	op_report *r;

	*out = NULL;
	if (op_rp_params_init(db, &p, o, 0) < 0)
		return -1;
	if (o->cls && op_valid_enum(&p.cls, &class_enum, o->cls, &why) < 0)
		return op_errc(op_db_err(db), EX_DATAERR, "class: %s", why);
	if (o->freq && op_valid_enum(&p.freq, &freq_enum, o->freq, &why) < 0)
		return op_errc(op_db_err(db), EX_DATAERR, "freq: %s", why);
	p.limit = o->limit > 0 ? o->limit : 1000;
	if (!(r = op_rp_report_new("classes")) || op_rp_set_title(r, N_("Customers by class"), &p, 0) < 0 ||
	    op_rp_meta_add(r, "class", p.cls) < 0 || op_rp_meta_add(r, "freq", p.freq) < 0) {
		op_report_free(r);
		return op_errc(op_db_err(db), EX_OSERR, "out of memory");
	}
	if (op_rp_add_section(r, db, &S_CLASSLIST, &p) < 0) {
		op_report_free(r);
		return -1;
	}
	*out = r;
	return 0;
}
