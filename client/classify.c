/*
 * classify.c — the reports of customer classification (op_report_classify
 * and op_report_classes, report.h): `outpost classify` ranks every
 * customer (op_classify, schema/classify.h, the one writer of
 * customer_class) and shows the counts per class and frequency; `classify
 * list` lists customers by class. Parameters and sections are report.c's
 * (report_int.h).
 */
#include <stdlib.h>
#include <string.h>
#include "report_int.h"
#include "classify.h"
#include "i18n.h"
#include "valid.h"

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

int op_report_classify(op_report **out, op_db *db, const char *as_of,
		       const char *staff)
{
	struct op_report_opts o = { .to = as_of, .months = 12 };
	struct params p;
	op_report *r = NULL;

	*out = NULL;
	/* The report's period is classify's: twelve months up to as_of. */
	if (op_rp_params_init(db, &p, &o, 1) < 0 ||
	    op_classify(db, p.to, staff, p.b_from, p.b_to) < 0)
		return -1;
	p.from = p.b_from;
	p.to = p.b_to;
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
