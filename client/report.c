/*
 * report.c — computing reports (see report.h; the definitions people
 * read are in docs/REPORTS.md). Customer classes are computed in
 * classify.c and the reminder list in remind.c, both with the parameters
 * and sections made here (report_int.h).
 *
 * Each report is a short list of sections, and each section is one static
 * SQL statement plus a column description ("sales:m*": a money column,
 * charted). The statement's result columns map to the description in
 * order; a column typed h is not shown but gives the scale its row's bar
 * is drawn against. Statements share one set of named parameters (:from,
 * :to, :branch, :today, :now ...), resolved once per run: every parameter
 * a statement names must be one of them, so a typo fails loudly.
 *
 * The SQL is written for a store of millions of orders: a period of
 * orders is one range scan of the covering index sales_order_report
 * (006_classes.sql), grouped first by order_date (the index order, so no
 * sort) and regrouped by month afterwards; one-row aggregates with FILTER
 * replace GROUP BY status; per-customer questions are answered from
 * sales_order_cust in customer order. Work two sections share goes into a
 * TEMP table first. Printing lives in report_out.c.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report_int.h"
#include "i18n.h"
#include "scope.h"
#include "valid.h"

/* ------------------------------------------------------------ SQL */

#define PERIOD(a) a ".order_date BETWEEN :from AND :to" \
	" AND (:branch IS NULL OR " a ".branch = :branch)"
#define SOLD(a) a ".status <> 'cancelled'"
/* Tickets and follow-ups carry times (UTC); a period of dates covers
 * [from 00:00, to + 1 day). */
#define TPERIOD(col) col " >= :from AND " col " < date(:to, '+1 day')"

/* Non-cancelled orders of the period per day (and branch, staff), in the
 * index's order: GROUP BY streams, no sort. */
#define SALES_DAYS(extra) \
	"d AS (SELECT o.order_date AS day" extra ", count(*) AS n," \
	" sum(o.total) AS s," \
	" sum(CASE WHEN o.status = 'returned' THEN o.total ELSE 0 END) AS r" \
	" FROM sales_order o WHERE " PERIOD("o") " AND " SOLD("o") \
	" GROUP BY o.order_date" extra ")"
#define MONTHS "m(k) AS (SELECT substr(:from, 1, 7) UNION ALL" \
	" SELECT substr(date(k || '-01', '+1 month'), 1, 7) FROM m" \
	" WHERE k < substr(:to, 1, 7))"
#define SALES_COLS(g) "coalesce(" g ".n, 0), coalesce(" g ".s, 0)," \
	" coalesce(" g ".r, 0), coalesce(" g ".s, 0) - coalesce(" g ".r, 0)," \
	" " SHARE("coalesce(" g ".s, 0)")
#define QUARTER(x) "substr(" x ", 1, 4) || '-Q' ||" \
	" ((CAST(substr(" x ", 6, 2) AS INTEGER) + 2) / 3)"

static const char SQL_SALES_MONTH[] =
	"WITH RECURSIVE " MONTHS ", " SALES_DAYS("") ","
	" g AS (SELECT substr(day, 1, 7) AS k, sum(n) AS n, sum(s) AS s,"
	"  sum(r) AS r FROM d GROUP BY 1)"
	" SELECT m.k, " SALES_COLS("g") " FROM m LEFT JOIN g ON g.k = m.k"
	" ORDER BY m.k";
static const char SQL_SALES_QUARTER[] =
	"WITH RECURSIVE " MONTHS ", " SALES_DAYS("") ","
	" q AS (SELECT DISTINCT " QUARTER("k") " AS k FROM m),"
	" g AS (SELECT " QUARTER("day") " AS k, sum(n) AS n, sum(s) AS s,"
	"  sum(r) AS r FROM d GROUP BY 1)"
	" SELECT q.k, " SALES_COLS("g") " FROM q LEFT JOIN g ON g.k = q.k"
	" ORDER BY q.k";
/* Every branch of the branch table is listed, with or without sales. */
static const char SQL_SALES_BRANCH[] =
	"WITH " SALES_DAYS(", o.branch") ","
	" g AS (SELECT branch, sum(n) AS n, sum(s) AS s, sum(r) AS r FROM d"
	"  GROUP BY branch),"
	" k AS (SELECT code AS branch FROM branch WHERE :branch IS NULL OR code = :branch"
	"  UNION SELECT branch FROM g)"
	" SELECT coalesce(k.branch, '(none)'), b.name, " SALES_COLS("g")
	" FROM k LEFT JOIN g ON g.branch IS k.branch"
	" LEFT JOIN branch b ON b.code = k.branch ORDER BY 4 DESC, 1";
static const char SQL_SALES_STAFF[] =
	"WITH " SALES_DAYS(", o.branch, o.staff") ","
	" g AS (SELECT staff, sum(n) AS n, sum(s) AS s, sum(r) AS r FROM d"
	"  GROUP BY staff)"
	" SELECT coalesce(g.staff, '(none)'), s.name, " SALES_COLS("g")
	" FROM g LEFT JOIN staff s ON s.code = g.staff ORDER BY 4 DESC, 1";

/* Items of the period's non-cancelled orders, per product, qty in the
 * product's unit (3.5 m is 3.5, not the 350 steps stored). Items are
 * fewer than orders: each item finds its order through sales_order_item
 * (id, order_date, status, branch) without reading the order row. */
#define ITEMS \
	"i AS (SELECT coalesce(i.product_id, i.sku, i.name) AS k," \
	" max(i.product_id) AS pid, max(i.sku) AS sku, max(i.name) AS name," \
	" CASE WHEN max(i.qty_scale) = 0 THEN sum(i.qty) ELSE sum(i.qty * 1.0 /" \
	"  (CASE i.qty_scale WHEN 1 THEN 10 WHEN 2 THEN 100 ELSE 1000 END)) END AS qty," \
	" count(DISTINCT i.order_id) AS n," \
	" sum(i.line_total) AS s" \
	" FROM order_item i CROSS JOIN sales_order o ON o.id = i.order_id" \
	" WHERE " PERIOD("o") " AND " SOLD("o") " GROUP BY 1)"
static const char SQL_PRODUCTS[] =
	"WITH " ITEMS
	" SELECT coalesce(p.sku, i.sku), coalesce(p.name, i.name), p.category,"
	"  i.qty, i.n, i.s, " SHARE("i.s")
	" FROM i LEFT JOIN product p ON p.id = i.pid"
	" ORDER BY i.s DESC, i.qty DESC, 1 LIMIT :limit";
static const char SQL_CATEGORIES[] =
	"WITH " ITEMS ","
	" c AS (SELECT coalesce(p.category, '(none)') AS cat, count(*) AS np,"
	"  sum(i.qty) AS qty, sum(i.s) AS s"
	"  FROM i LEFT JOIN product p ON p.id = i.pid GROUP BY 1)"
	" SELECT cat, np, qty, s, " SHARE("s") " FROM c"
	" ORDER BY s DESC, cat LIMIT :limit";

/* Customers: one pass over sales_order_cust (customer order, no sort)
 * from the start of the churn base to the end of the period, one row per
 * customer into a temp table both sections read: n, s = non-cancelled
 * orders and spend in the period, prior = bought in the 12 months before.
 * "new" buyers have no non-cancelled order before the period (in scope);
 * only those without a prior one need a look further back. */
static const char SQL_CUST_TEMP[] =
	"CREATE TEMP TABLE IF NOT EXISTS rp_cust(cid TEXT, n INTEGER, s INTEGER,"
	" prior INTEGER); DELETE FROM temp.rp_cust";
static const char SQL_CUST_PREP[] =
	"INSERT INTO temp.rp_cust SELECT o.customer_id, sum(o.order_date >= :from),"
	" sum(CASE WHEN o.order_date >= :from THEN o.total ELSE 0 END),"
	" max(o.order_date < :from)"
	" FROM sales_order o INDEXED BY sales_order_cust"
	" WHERE o.order_date BETWEEN :pfrom AND :to AND " SOLD("o")
	" AND (:branch IS NULL OR o.branch = :branch) GROUP BY o.customer_id";
static const char SQL_CUST_SEGMENTS[] =
	"WITH seg AS (SELECT CASE WHEN r.prior OR EXISTS (SELECT 1 FROM sales_order x"
	"   WHERE x.customer_id = r.cid AND x.order_date < :pfrom"
	"   AND x.status <> 'cancelled' AND (:branch IS NULL OR x.branch = :branch))"
	"  THEN 'returning' ELSE 'new' END AS segment, n, s FROM temp.rp_cust r"
	"  WHERE n > 0),"
	" g AS (SELECT segment, count(*) AS cu, sum(n) AS n, sum(s) AS s"
	"  FROM seg GROUP BY segment),"
	" k(ord, segment) AS (VALUES (1, 'new'), (2, 'returning'))"
	" SELECT k.segment, coalesce(g.cu, 0), coalesce(g.n, 0), coalesce(g.s, 0),"
	"  " SHARE("coalesce(g.s, 0)")
	" FROM k LEFT JOIN g ON g.segment = k.segment ORDER BY k.ord";
static const char SQL_CUST_RATES[] =
	"WITH a AS MATERIALIZED (SELECT coalesce(sum(n > 0), 0) AS buyers,"
	"  coalesce(sum(n >= 2), 0) AS rep, coalesce(sum(prior), 0) AS base,"
	"  coalesce(sum(prior AND n = 0), 0) AS churned FROM temp.rp_cust)"
	" SELECT 'buyers', buyers, 'customers', NULL, NULL, NULL FROM a"
	" UNION ALL SELECT 'repurchase_rate', 100.0 * rep / nullif(buyers, 0),"
	"  '%', rep, buyers, 100 FROM a"
	" UNION ALL SELECT 'churn_rate', 100.0 * churned / nullif(base, 0),"
	"  '%', churned, base, 100 FROM a";

/* An order's channel; when it has none, its customer's source channel.
 * Orders are grouped per customer and channel in sales_order_cust order
 * (no sort), so a customer is looked up once and in key order; the few
 * channels are then summed in C (add_channels), cheaper than a GROUP BY
 * over a million groups. */
static const char SQL_CHANNELS[] =
	"SELECT coalesce(g.ch, c.channel), g.n, g.s FROM (SELECT o.customer_id AS cid,"
	"  o.channel AS ch, count(*) AS n, sum(o.total) AS s"
	"  FROM sales_order o INDEXED BY sales_order_cust"
	"  WHERE " PERIOD("o") " AND " SOLD("o") " GROUP BY o.customer_id, o.channel) g"
	" LEFT JOIN customer c INDEXED BY customer_channel"
	"  ON g.ch IS NULL AND c.id = g.cid";

#define TICKETS "ticket t WHERE " TPERIOD("t.received_at") \
	" AND (:branch IS NULL OR t.branch = :branch)"
static const char SQL_SERVICE_STATUS[] =
	"WITH a AS MATERIALIZED (SELECT"
	"  count(*) FILTER (WHERE t.status = 'open') AS s1,"
	"  count(*) FILTER (WHERE t.status = 'in_progress') AS s2,"
	"  count(*) FILTER (WHERE t.status = 'resolved') AS s3,"
	"  count(*) FILTER (WHERE t.status = 'closed') AS s4, count(*) AS n"
	"  FROM " TICKETS ")"
	" SELECT 'open', s1, 100.0 * s1 / nullif(n, 0) FROM a"
	" UNION ALL SELECT 'in_progress', s2, 100.0 * s2 / nullif(n, 0) FROM a"
	" UNION ALL SELECT 'resolved', s3, 100.0 * s3 / nullif(n, 0) FROM a"
	" UNION ALL SELECT 'closed', s4, 100.0 * s4 / nullif(n, 0) FROM a";
/* A complaint counts towards the 24 h share once answered or once its 24
 * hours are over (strictly): one received 2 hours ago is still in time. */
static const char SQL_SERVICE_SUMMARY[] =
	"WITH a AS MATERIALIZED (SELECT count(*) AS n,"
	"  round(avg(t.satisfaction), 2) AS sat, count(t.satisfaction) AS rated,"
	"  count(*) FILTER (WHERE t.kind = 'complaint') AS comp,"
	"  count(*) FILTER (WHERE t.kind = 'complaint' AND (t.first_reply_at IS NOT NULL"
	"   OR datetime(t.received_at, '+24 hours') < :now)) AS due,"
	"  count(*) FILTER (WHERE t.kind = 'complaint'"
	"   AND t.first_reply_at <= datetime(t.received_at, '+24 hours')) AS ontime,"
	"  count(*) FILTER (WHERE t.kind = 'complaint' AND t.first_reply_at IS NULL"
	"   AND datetime(t.received_at, '+24 hours') < :now) AS late"
	"  FROM " TICKETS ")"
	" SELECT 'tickets', n, 'tickets', NULL, NULL, NULL FROM a"
	" UNION ALL SELECT 'average_satisfaction', sat, '/5', rated, n, 5 FROM a"
	" UNION ALL SELECT 'complaints', comp, 'tickets', NULL, NULL, NULL FROM a"
	" UNION ALL SELECT 'complaints_replied_24h', 100.0 * ontime / nullif(due, 0),"
	"  '%', ontime, due, 100 FROM a"
	" UNION ALL SELECT 'complaints_unanswered_late', late, 'tickets', NULL, NULL,"
	"  NULL FROM a";

/* One scan of the period's orders into a one-row temp table that the
 * summary and status sections both read. */
static const char SQL_ORDERS_TEMP[] =
	"CREATE TEMP TABLE IF NOT EXISTS rp_orders(every, n, s, s1, s2, s3, s4,"
	" s5, s6, t1, t2, t3, t4, t5, t6, late); DELETE FROM temp.rp_orders";
#define CNT(x) "count(CASE WHEN o.status = '" x "' THEN 1 END)"
#define AMT(x) "coalesce(sum(CASE WHEN o.status = '" x "' THEN o.total END), 0)"
static const char SQL_ORDERS_PREP[] =
	"INSERT INTO temp.rp_orders SELECT count(*), count(*) - " CNT("cancelled") ","
	" coalesce(sum(o.total), 0) - " AMT("cancelled") ","
	" " CNT("pending") ", " CNT("shipped") ", " CNT("delivered") ","
	" " CNT("completed") ", " CNT("cancelled") ", " CNT("returned") ","
	" " AMT("pending") ", " AMT("shipped") ", " AMT("delivered") ","
	" " AMT("completed") ", " AMT("cancelled") ", " AMT("returned") ","
	" (SELECT count(*) FROM sales_order x WHERE " OVERDUE("x") ")"
	" FROM sales_order o WHERE " PERIOD("o");
static const char SQL_ORDERS_SUMMARY[] =
	"SELECT 'orders', n, 'orders', NULL, NULL, NULL FROM temp.rp_orders"
	" UNION ALL SELECT 'sales', s / 100.0, 'yuan', NULL, NULL, NULL FROM temp.rp_orders"
	" UNION ALL SELECT 'average_order_value', round(1.0 * s / nullif(n, 0)) / 100.0,"
	"  'yuan', NULL, n, NULL FROM temp.rp_orders"
	" UNION ALL SELECT 'return_rate', 100.0 * s6 / nullif(n, 0), '%', s6, n, 100"
	"  FROM temp.rp_orders"
	" UNION ALL SELECT 'cancelled', s5, 'orders', NULL, every, NULL FROM temp.rp_orders"
	" UNION ALL SELECT 'overdue_deliveries', late, 'orders', NULL, NULL, NULL"
	"  FROM temp.rp_orders";
#define ST(k, name) " SELECT '" name "', s" k ", t" k "," \
	" 100.0 * s" k " / nullif(every, 0) FROM temp.rp_orders"
static const char SQL_ORDERS_STATUS[] =
	ST("1", "pending") " UNION ALL" ST("2", "shipped") " UNION ALL"
	ST("3", "delivered") " UNION ALL" ST("4", "completed") " UNION ALL"
	ST("5", "cancelled") " UNION ALL" ST("6", "returned");
/* The first :limit overdue orders from the index alone, then their rows. */
static const char SQL_ORDERS_OVERDUE[] =
	"WITH top AS MATERIALIZED (SELECT o.rowid AS rid FROM sales_order o"
	"  WHERE " OVERDUE("o") " ORDER BY o.expected_date, o.rowid LIMIT :limit)"
	" SELECT o.order_no, o.order_date, o.expected_date,"
	"  CAST(julianday(:today) - julianday(o.expected_date) AS INTEGER),"
	"  o.status, c.name, o.staff, o.branch, o.total"
	" FROM top CROSS JOIN sales_order o ON o.rowid = top.rid"
	" LEFT JOIN customer c ON c.id = o.customer_id"
	" ORDER BY o.expected_date, o.rowid";

/* Enquiries: customers registered in the period, by owner; converted
 * when they placed a non-cancelled order by the end of the period. */
static const char SQL_STAFF[] =
	"WITH " SALES_DAYS(", o.branch, o.staff") ","
	" o AS (SELECT staff, sum(n) AS n, sum(s) AS s FROM d WHERE staff IS NOT NULL"
	"  GROUP BY staff),"
	" f AS (SELECT f.staff, count(*) AS n FROM followup f"
	"  WHERE " TPERIOD("f.at") " AND (:branch IS NULL OR f.branch = :branch)"
	"  AND f.staff IS NOT NULL GROUP BY f.staff),"
	" e AS (SELECT c.owner AS staff, count(*) AS n,"
	"  sum(EXISTS (SELECT 1 FROM sales_order x WHERE x.customer_id = c.id"
	"   AND x.order_date <= :to AND x.status <> 'cancelled')) AS conv"
	"  FROM customer c WHERE " TPERIOD("c.created_at")
	"  AND c.merged_into IS NULL AND c.owner IS NOT NULL"
	"  AND (:branch IS NULL OR c.home_branch = :branch) GROUP BY c.owner),"
	" t AS (SELECT t.handler AS staff, round(avg(t.satisfaction), 2) AS sat,"
	"  count(t.satisfaction) AS rated FROM " TICKETS
	"  AND t.handler IS NOT NULL GROUP BY t.handler),"
	" k AS (SELECT code AS staff FROM staff WHERE :branch IS NULL OR branch = :branch"
	"  UNION SELECT staff FROM o UNION SELECT staff FROM f"
	"  UNION SELECT staff FROM e UNION SELECT staff FROM t)"
	" SELECT k.staff, s.name, s.branch, coalesce(f.n, 0), coalesce(e.n, 0),"
	"  coalesce(e.conv, 0), 100.0 * e.conv / nullif(e.n, 0), coalesce(o.n, 0),"
	"  coalesce(o.s, 0), t.sat, coalesce(t.rated, 0)"
	" FROM k LEFT JOIN staff s ON s.code = k.staff"
	" LEFT JOIN o ON o.staff = k.staff LEFT JOIN f ON f.staff = k.staff"
	" LEFT JOIN e ON e.staff = k.staff LEFT JOIN t ON t.staff = k.staff"
	" ORDER BY 9 DESC, 1";

/* Defaults of the period: today is the local date of :now; the period
 * ends today and starts :months back (+1 day) or with the month 11
 * months before the month of :to. */
static const char SQL_PERIOD[] =
	"SELECT today, t, f, date(f, '-12 months') FROM"
	" (SELECT today, t, coalesce(:from, CASE WHEN :months > 0"
	"   THEN date(t, '-' || :months || ' months', '+1 day')"
	"   ELSE date(t, 'start of month', '-11 months') END) AS f"
	"  FROM (SELECT date(op_local(:now)) AS today,"
	"   coalesce(:to, date(op_local(:now))) AS t))";

/* ------------------------------------------------------------ definitions */

/* Quotations per salesperson in the period, and how many became orders
 * (cmd_quote.c): the quote's date decides the period. */
static const char SQL_QUOTES[] =
	"SELECT coalesce(q.staff, '(none)'), s.name, count(*),"
	" sum(q.status = 'converted'), 100.0 * sum(q.status = 'converted') / count(*),"
	" sum(q.total)"
	" FROM quote q LEFT JOIN staff s ON s.code = q.staff"
	" WHERE q.quote_date BETWEEN :from AND :to AND (:branch IS NULL OR q.branch = :branch)"
	"   AND q.status <> 'cancelled'"
	" GROUP BY q.staff ORDER BY 3 DESC, 1";

#define SALES_C " orders:i sales:m* returned:m net:m share_pct:p"
static const struct sec_def
	S_MONTH = { "sales", N_("Sales by month"), SQL_SALES_MONTH, "month:t" SALES_C },
	S_QUARTER = { "sales", N_("Sales by quarter"), SQL_SALES_QUARTER, "quarter:t" SALES_C },
	S_BRANCH = { "sales", N_("Sales by branch"), SQL_SALES_BRANCH, "branch:t name:t" SALES_C },
	S_STAFF = { "sales", N_("Sales by salesperson"), SQL_SALES_STAFF, "staff:t name:t" SALES_C },
	S_PRODUCTS = { "products", N_("Best-selling products"), SQL_PRODUCTS,
		       "sku:t name:t category:t qty:n orders:i sales:m* share_pct:p" },
	S_CATEGORIES = { "categories", N_("Best-selling categories"), SQL_CATEGORIES,
			 "category:t products:i qty:n sales:m* share_pct:p" },
	S_SEGMENTS = { "segments", N_("Sales from new and returning customers"),
		       SQL_CUST_SEGMENTS, "segment:t customers:i orders:i sales:m* share_pct:p" },
	S_RATES = { "rates", N_("Repurchase and churn"), SQL_CUST_RATES,
		    "metric:t value:n* unit:t count:i of:i scale:h" },
	S_CHANNELS = { "channels", N_("Sales by channel"), SQL_CHANNELS,
		       "channel:t orders:i sales:m* share_pct:p" },
	S_SVC_STATUS = { "status", N_("Tickets by status"), SQL_SERVICE_STATUS,
			 "status:t tickets:i* share_pct:p" },
	S_SVC_SUMMARY = { "summary", N_("Satisfaction and replies"), SQL_SERVICE_SUMMARY,
			  "metric:t value:n* unit:t count:i of:i scale:h" },
	S_ORD_SUMMARY = { "summary", N_("Orders"), SQL_ORDERS_SUMMARY,
			  "metric:t value:n* unit:t count:i of:i scale:h" },
	S_ORD_STATUS = { "status", N_("Orders by status"), SQL_ORDERS_STATUS,
			 "status:t orders:i* amount:m share_pct:p" },
	S_ORD_OVERDUE = { "overdue", N_("Overdue deliveries"), SQL_ORDERS_OVERDUE,
			  "order_no:t date:t expected:t days_late:i* status:t customer:t"
			  " staff:t branch:t total:m" },
	S_STAFFPERF = { "staff", N_("Staff performance"), SQL_STAFF,
			"staff:t name:t branch:t followups:i enquiries:i converted:i"
			" conversion_pct:p orders:i sales:m* satisfaction:n rated:i" },
	S_QUOTES = { "quotes", N_("Quotations by salesperson"), SQL_QUOTES,
		     "staff:t name:t quotes:i converted:i conversion_pct:p quoted:m" };

struct rep_def {
	const char *name, *by, *title;
	const struct sec_def *secs[4];
	int total;		/* add a "total" section summing section 0 */
	int months;		/* the period is --months long (customers) */
	/* work shared by the sections: temp table DDL (no parameters), then
	 * the statement that fills it */
	const char *temp, *prep;
};

static const struct rep_def reports[] = {
	{ "sales", "month", N_("Sales by month"), { &S_MONTH }, 1, 0, NULL, NULL },
	{ "sales", "quarter", N_("Sales by quarter"), { &S_QUARTER }, 1, 0, NULL, NULL },
	{ "sales", "branch", N_("Sales by branch"), { &S_BRANCH }, 1, 0, NULL, NULL },
	{ "sales", "staff", N_("Sales by salesperson"), { &S_STAFF }, 1, 0, NULL, NULL },
	{ "products", "product", N_("Best sellers"), { &S_PRODUCTS }, 0, 0, NULL, NULL },
	{ "products", "category", N_("Best-selling categories"), { &S_CATEGORIES }, 0, 0, NULL, NULL },
	{ "customers", NULL, N_("New and returning customers"), { &S_SEGMENTS, &S_RATES }, 0, 1,
	  SQL_CUST_TEMP, SQL_CUST_PREP },
	{ "channels", NULL, N_("Sales by channel"), { &S_CHANNELS }, 0, 0, NULL, NULL },
	{ "service", NULL, N_("After-sales service"), { &S_SVC_SUMMARY, &S_SVC_STATUS }, 0, 0, NULL, NULL },
	{ "orders", NULL, N_("Orders"), { &S_ORD_SUMMARY, &S_ORD_STATUS, &S_ORD_OVERDUE }, 0, 0,
	  SQL_ORDERS_TEMP, SQL_ORDERS_PREP },
	{ "staff", NULL, N_("Staff performance"), { &S_STAFFPERF, &S_QUOTES }, 0, 0, NULL, NULL },
};
#define NREPORTS (sizeof(reports) / sizeof(reports[0]))

const char *const op_report_names[] = {
	"sales", "products", "customers", "channels", "service", "orders",
	"staff", NULL,
};

/* ------------------------------------------------------------ the report */

#define MAXSEC 6
#define MAXMETA 10

struct sec {
	struct op_rsec pub;
	char **names, *types, **cells;
	enum op_kind *kinds;
	double *barv, *scale;
	size_t cap;
};

struct op_report {
	char *name, *title;
	int nmeta;
	char *mkey[MAXMETA], *mval[MAXMETA];
	int nsec;
	struct sec *sec[MAXSEC];
};

static void sec_free(struct sec *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->pub.nrows * (size_t)s->pub.ncols; i++)
		free(s->cells[i]);
	for (int i = 0; i < s->pub.ncols; i++)
		free(s->names[i]);
	free(s->names);
	free(s->types);
	free(s->cells);
	free(s->kinds);
	free(s->barv);
	free(s->scale);
	free((char *)s->pub.key);
	free((char *)s->pub.title);
	free(s);
}

void op_report_free(op_report *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nsec; i++)
		sec_free(r->sec[i]);
	for (int i = 0; i < r->nmeta; i++) {
		free(r->mkey[i]);
		free(r->mval[i]);
	}
	free(r->name);
	free(r->title);
	free(r);
}

const char *op_report_name(const op_report *r) { return r->name; }
const char *op_report_title(const op_report *r) { return r->title; }
int op_report_nsections(const op_report *r) { return r->nsec; }

const struct op_rsec *op_report_section(const op_report *r, int i)
{
	return i >= 0 && i < r->nsec ? &r->sec[i]->pub : NULL;
}

const char *op_report_meta(const op_report *r, int i, const char **value)
{
	if (i < 0 || i >= r->nmeta)
		return NULL;
	*value = r->mval[i];
	return r->mkey[i];
}

size_t op_report_rows(const op_report *r, const char *section)
{
	size_t n = 0;
	for (int i = 0; i < r->nsec; i++)
		if (!section || strcmp(r->sec[i]->pub.key, section) == 0)
			n += r->sec[i]->pub.nrows;
	return n;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

op_report *op_rp_report_new(const char *name)
{
	op_report *r = calloc(1, sizeof(*r));
	if (r && !(r->name = strdup(name))) {
		free(r);
		r = NULL;
	}
	return r;
}

int op_rp_meta_add(op_report *r, const char *key, const char *val)
{
	if (r->nmeta >= MAXMETA)
		return -1;
	r->mkey[r->nmeta] = strdup(key);
	r->mval[r->nmeta] = dup_or_null(val);
	if (!r->mkey[r->nmeta] || (val && !r->mval[r->nmeta])) {
		free(r->mkey[r->nmeta]);
		free(r->mval[r->nmeta]);
		return -1;
	}
	r->nmeta++;
	return 0;
}

/* Parse a column description into a fresh section (no rows). */
static struct sec *sec_new(const struct sec_def *d)
{
	struct sec *s = calloc(1, sizeof(*s));
	const char *p = d->cols;
	int n = 0, cap = 0;

	if (!s)
		return NULL;
	s->pub.bar = -1;
	s->pub.key = strdup(d->key);
	s->pub.title = strdup(_(d->title));
	if (!s->pub.key || !s->pub.title)
		goto fail;
	while (*p) {
		size_t len = strcspn(p, " ");
		const char *colon = memchr(p, ':', len);
		if (!colon)
			goto fail;
		if (n >= cap) {
			cap = cap ? cap * 2 : 8;
			char **nn = realloc(s->names, sizeof(char *) * (size_t)cap);
			char *nt = nn ? realloc(s->types, (size_t)cap + 1) : NULL;
			if (nn)
				s->names = nn;
			if (!nt)
				goto fail;
			s->types = nt;
		}
		s->names[n] = strndup(p, (size_t)(colon - p));
		if (!s->names[n])
			goto fail;
		s->types[n] = colon[1];
		if (colon + 2 < p + len && colon[2] == '*')
			s->pub.bar = n;
		n++;
		p += len;
		while (*p == ' ')
			p++;
	}
	s->types[n] = '\0';
	s->pub.ncols = n;
	return s;
fail:
	s->pub.ncols = n;
	sec_free(s);
	return NULL;
}

static int sec_grow(struct sec *s, int visible)
{
	if (s->pub.nrows < s->cap)
		return 0;
	size_t cap = s->cap ? s->cap * 2 : 16, w = (size_t)visible;
	char **c = realloc(s->cells, sizeof(char *) * cap * w);
	if (!c)
		return -1;
	s->cells = c;
	enum op_kind *k = realloc(s->kinds, sizeof(enum op_kind) * cap * w);
	if (!k)
		return -1;
	s->kinds = k;
	double *b = realloc(s->barv, sizeof(double) * cap);
	if (!b)
		return -1;
	s->barv = b;
	b = realloc(s->scale, sizeof(double) * cap);
	if (!b)
		return -1;
	s->scale = b;
	s->cap = cap;
	return 0;
}

static void money_str(char *buf, size_t n, long long cents)
{
	unsigned long long a = cents < 0 ? 0ull - (unsigned long long)cents :
				(unsigned long long)cents;
	snprintf(buf, n, "%s%llu.%02llu", cents < 0 ? "-" : "", a / 100, a % 100);
}

/* One cell of a typed column from statement column i. */
static int cell(sqlite3_stmt *st, int i, char type, char **out, enum op_kind *kind,
		double *num)
{
	char buf[64];
	int ct = sqlite3_column_type(st, i);

	*out = NULL;
	*kind = OP_K_NULL;
	*num = 0;
	if (ct == SQLITE_NULL)
		return 0;
	switch (type) {
	case 'i':
		snprintf(buf, sizeof(buf), "%lld", (long long)sqlite3_column_int64(st, i));
		*kind = OP_K_INT;
		*num = (double)sqlite3_column_int64(st, i);
		break;
	case 'm':
		money_str(buf, sizeof(buf), (long long)sqlite3_column_int64(st, i));
		*kind = OP_K_REAL;
		*num = (double)sqlite3_column_int64(st, i) / 100.0;
		break;
	case 'p':
		snprintf(buf, sizeof(buf), "%.1f", sqlite3_column_double(st, i));
		*kind = OP_K_REAL;
		*num = sqlite3_column_double(st, i);
		break;
	case 'n':
	case 'h':
		if (ct == SQLITE_INTEGER) {
			snprintf(buf, sizeof(buf), "%lld",
				 (long long)sqlite3_column_int64(st, i));
			*kind = OP_K_INT;
		} else {
			snprintf(buf, sizeof(buf), "%.2f", sqlite3_column_double(st, i));
			*kind = OP_K_REAL;
		}
		*num = sqlite3_column_double(st, i);
		break;
	default: {
		const char *t = (const char *)sqlite3_column_text(st, i);
		*out = strdup(t ? t : "");
		*kind = OP_K_TEXT;
		return *out ? 0 : -1;
	}
	}
	*out = strdup(buf);
	return *out ? 0 : -1;
}

/* ------------------------------------------------------------ parameters */

/* Bind every parameter st names from p; a name p does not know is a
 * programming error, reported like op_bind_*'s unknown names. */
int op_rp_bind_params(op_db *db, sqlite3_stmt *st, const struct params *p)
{
	static const struct { const char *name; size_t off; } text[] = {
		{ ":from", offsetof(struct params, from) },
		{ ":to", offsetof(struct params, to) },
		{ ":pfrom", offsetof(struct params, pfrom) },
		{ ":today", offsetof(struct params, today) },
		{ ":now", offsetof(struct params, now) },
		{ ":branch", offsetof(struct params, branch) },
		{ ":staff", offsetof(struct params, staff) },
		{ ":cls", offsetof(struct params, cls) },
		{ ":freq", offsetof(struct params, freq) },
	};
	int n = sqlite3_bind_parameter_count(st);

	for (int i = 1; i <= n; i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);
		size_t k;
		int rc = -2;

		if (!name)
			return op_errf(op_db_err(db), "internal: unnamed report parameter");
		for (k = 0; k < sizeof(text) / sizeof(text[0]); k++)
			if (strcmp(name, text[k].name) == 0)
				rc = op_bind_text(db, st, name,
						  *(const char *const *)((const char *)p + text[k].off));
		if (strcmp(name, ":limit") == 0)
			rc = op_bind_int(db, st, name, p->limit);
		else if (strcmp(name, ":days") == 0)
			rc = op_bind_int(db, st, name, p->days);
		else if (strcmp(name, ":months") == 0)
			rc = op_bind_int(db, st, name, p->months);
		else if (strncmp(name, ":t_", 3) == 0 && op_rp_text(name))
			rc = op_bind_text(db, st, name, op_rp_text(name));
		if (rc == -2)
			return op_errf(op_db_err(db), "internal: no value for report parameter %s",
				       name);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int valid_date(op_db *db, const char *what, const char *in, char out[11],
		      const char **res)
{
	const char *why;
	if (!in) {
		*res = NULL;
		return 0;
	}
	if (op_valid_date(out, 11, in, &why) < 0)
		return op_errc(op_db_err(db), EX_DATAERR, "%s: %s", what, why);
	*res = out;
	return 0;
}

static const char SQL_TEMP_STORE[] = "PRAGMA temp_store";
static const char SQL_CACHE_SIZE[] = "PRAGMA cache_size";
static const char SQL_PAGE_SIZE[] = "PRAGMA page_size";

#define REPORT_CACHE_KIB 262144		/* 256 MiB */

static int pragma_int(op_db *db, const char *sql, int *v)
{
	sqlite3_stmt *st = op_db_stmt(db, sql);
	if (!st || op_db_step(db, st) != SQLITE_ROW)
		return -1;
	*v = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return 0;
}

/* Reports sort and group up to millions of rows, keep small working
 * tables, and look rows up by key across indexes of hundreds of MB: they
 * sort in memory (not in temp files) and use a page cache of up to 256
 * MiB (only what is read is allocated). Both are settings of the
 * connection, made once; changing temp_store drops TEMP tables, so it is
 * only changed when it is not MEMORY yet. */
static int report_tune(op_db *db)
{
	int mode, cache, page;

	/* A daemon's memory stays bounded (invariant 6): there a report runs
	 * with SQLite's own cache and temporary files. */
	if (op_db_flags(db) & OP_DB_DAEMON)
		return 0;
	if (pragma_int(db, SQL_TEMP_STORE, &mode) < 0 ||
	    pragma_int(db, SQL_CACHE_SIZE, &cache) < 0 ||
	    pragma_int(db, SQL_PAGE_SIZE, &page) < 0)
		return -1;
	if (mode != 2 && op_db_exec(db, "PRAGMA temp_store = MEMORY") < 0)
		return -1;
	long long kib = cache < 0 ? -(long long)cache : (long long)cache * page / 1024;
	if (kib < REPORT_CACHE_KIB &&
	    op_db_exec(db, "PRAGMA cache_size = -262144") < 0)
		return -1;
	return 0;
}

/* Resolve o into p: validated dates, defaults, the branch scope. */
int op_rp_params_init(op_db *db, struct params *p, const struct op_report_opts *o,
		int months)
{
	const char *from, *to, *why;

	memset(p, 0, sizeof(*p));
	if (report_tune(db) < 0)
		return -1;
	if (o->now) {
		char local[20];
		/* typed by a person: the store's local time, kept as UTC */
		if (op_valid_datetime(local, sizeof(local), o->now, &why) < 0)
			return op_errc(op_db_err(db), EX_DATAERR, "now: %s", why);
		if (op_tz_utc(op_db_tz(db), p->b_now, sizeof(p->b_now), local) < 0)
			return op_errc(op_db_err(db), EX_DATAERR, "now: '%s' is not a time", local);
	} else {
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(p->b_now, sizeof(p->b_now), "%Y-%m-%d %H:%M:%S", &tm);
	}
	p->now = p->b_now;
	if (valid_date(db, "from", o->from, p->b_from, &from) < 0 ||
	    valid_date(db, "to", o->to, p->b_to, &to) < 0)
		return -1;
	p->months = months ? (o->months > 0 ? o->months : 3) : 0;
	p->from = from;
	p->to = to;
	sqlite3_stmt *st = op_db_stmt(db, SQL_PERIOD);
	if (!st || op_rp_bind_params(db, st, p) < 0 || op_db_step(db, st) != SQLITE_ROW)
		return -1;
	snprintf(p->b_today, sizeof(p->b_today), "%s", sqlite3_column_text(st, 0));
	snprintf(p->b_to, sizeof(p->b_to), "%s", sqlite3_column_text(st, 1));
	snprintf(p->b_from, sizeof(p->b_from), "%s", sqlite3_column_text(st, 2));
	snprintf(p->b_pfrom, sizeof(p->b_pfrom), "%s", sqlite3_column_text(st, 3));
	sqlite3_reset(st);
	p->today = p->b_today;
	p->to = p->b_to;
	p->from = p->b_from;
	p->pfrom = p->b_pfrom;
	if (strcmp(p->from, p->to) > 0)
		return op_errc(op_db_err(db), EX_DATAERR,
			       "the period ends (%s) before it starts (%s)", p->to, p->from);
	/* Branch codes are upper case (branch add); a branch store reports on
	 * its own branch unless told otherwise. */
	const char *b = o->branch, *mine = op_scope_branch(db);
	if (!b && !op_db_is_hq(db))
		b = op_db_site(db);
	/* A manager's reports are of their branch: the scope views hold no
	 * other, and saying so beats a table of zeros. */
	if (mine && o->branch && strcasecmp(o->branch, mine) != 0)
		return op_errc(op_db_err(db), EX_NOPERM, "branch: you see %s; "
			       "another branch's figures are for its manager or HQ",
			       op_scope_text(db));
	if (mine && *mine)
		b = mine;
	p->scope = op_scope_text(db);
	if (b) {
		size_t i;
		for (i = 0; b[i] && i < sizeof(p->b_branch) - 1; i++)
			p->b_branch[i] = (char)toupper((unsigned char)b[i]);
		if (b[i])
			return op_errc(op_db_err(db), EX_DATAERR,
				       "branch: '%s' is longer than a branch code", b);
		p->branch = p->b_branch;
	}
	p->staff = o->staff;
	p->cls = o->cls;
	p->freq = o->freq;
	p->days = o->days;
	return 0;
}

/* ------------------------------------------------------------ building */

/* Run d with p and append its section to r. */
int op_rp_add_section(op_report *r, op_db *db, const struct sec_def *d,
		const struct params *p)
{
	struct sec *s;
	sqlite3_stmt *st;
	int rc, visible = 0;

	if (r->nsec >= MAXSEC || !(s = sec_new(d)))
		return op_errc(op_db_err(db), EX_OSERR, "out of memory");
	r->sec[r->nsec++] = s;
	for (int i = 0; i < s->pub.ncols; i++)
		visible += s->types[i] != 'h';
	if (!(st = op_db_stmt(db, d->sql)) || op_rp_bind_params(db, st, p) < 0)
		return -1;
	if (sqlite3_column_count(st) != s->pub.ncols)
		return op_errf(op_db_err(db), "internal: section %s has %d columns, "
			       "described %d", d->key, sqlite3_column_count(st),
			       s->pub.ncols);
	while ((rc = op_db_step(db, st)) == SQLITE_ROW) {
		size_t row = s->pub.nrows, base = row * (size_t)visible;
		int v = 0;
		if (sec_grow(s, visible) < 0)
			goto oom;
		s->barv[row] = 0;
		s->scale[row] = 0;
		for (int i = 0; i < s->pub.ncols; i++) {
			char *val;
			enum op_kind kind;
			double num;
			if (cell(st, i, s->types[i], &val, &kind, &num) < 0) {
				for (int j = 0; j < v; j++)
					free(s->cells[base + (size_t)j]);
				goto oom;
			}
			if (s->types[i] == 'h') {
				s->scale[row] = val ? num : -1;
				free(val);
				continue;
			}
			if (i == s->pub.bar)
				s->barv[row] = num;
			s->cells[base + (size_t)v] = val;
			s->kinds[base + (size_t)v] = kind;
			v++;
		}
		s->pub.nrows++;
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	/* Drop the hidden columns from the description. */
	int v = 0;
	for (int i = 0; i < s->pub.ncols; i++) {
		if (s->types[i] == 'h') {
			free(s->names[i]);
			if (s->pub.bar > v)
				s->pub.bar--;
			continue;
		}
		s->names[v] = s->names[i];
		s->types[v++] = s->types[i];
	}
	s->types[v] = '\0';
	/* A section without per-row scales charts against its largest value;
	 * a row whose scale is NULL has no bar. */
	int scaled = visible != s->pub.ncols;
	double max = 0;
	for (size_t i = 0; i < s->pub.nrows; i++)
		if (s->barv[i] > max)
			max = s->barv[i];
	for (size_t i = 0; !scaled && i < s->pub.nrows; i++)
		s->scale[i] = max;
	s->pub.ncols = visible;
	s->pub.names = (const char *const *)s->names;
	s->pub.types = s->types;
	s->pub.cells = (const char *const *)s->cells;
	s->pub.kinds = s->kinds;
	s->pub.barv = s->barv;
	s->pub.scale = s->scale;
	return 0;
oom:
	sqlite3_reset(st);
	return op_errc(op_db_err(db), EX_OSERR, "out of memory");
}

struct chan {
	char *key;
	long long n, s;
};

static int chan_cmp(const void *a, const void *b)
{
	const struct chan *x = a, *y = b;
	if (x->s != y->s)
		return x->s < y->s ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* The channels section: SQL_CHANNELS' (channel, orders, sales) rows summed
 * per channel; the six channels of the enum always listed. */
static int add_channels(op_report *r, op_db *db, const struct sec_def *d,
			const struct params *p)
{
	static const char *const known[] = { "walk-in", "website", "social",
					     "phone", "referral", "other" };
	struct chan *v = NULL;
	size_t nv = 0, cap = 0, k;
	struct sec *s;
	sqlite3_stmt *st;
	int rc = -1, step;
	long long total = 0;
	char buf[64];

	if (r->nsec >= MAXSEC || !(s = sec_new(d)))
		return op_errc(op_db_err(db), EX_OSERR, "out of memory");
	r->sec[r->nsec++] = s;
	if (!(st = op_db_stmt(db, d->sql)) || op_rp_bind_params(db, st, p) < 0)
		return -1;
	for (k = 0; ; k++) {
		const char *key;
		long long n = 0, sum = 0;
		if (k < 6) {
			key = known[k];
		} else {
			if ((step = op_db_step(db, st)) != SQLITE_ROW)
				break;
			key = (const char *)sqlite3_column_text(st, 0);
			n = sqlite3_column_int64(st, 1);
			sum = sqlite3_column_int64(st, 2);
		}
		if (!key)
			key = "(unknown)";
		size_t i;
		for (i = 0; i < nv && strcmp(v[i].key, key) != 0; i++)
			;
		if (i == nv) {
			if (nv == cap) {
				cap = cap ? cap * 2 : 16;
				struct chan *g = realloc(v, cap * sizeof(*v));
				if (!g)
					goto oom;
				v = g;
			}
			if (!(v[nv].key = strdup(key)))
				goto oom;
			v[nv].n = v[nv].s = 0;
			nv++;
		}
		v[i].n += n;
		v[i].s += sum;
		total += sum;
	}
	sqlite3_reset(st);
	if (step < 0)
		goto out;
	qsort(v, nv, sizeof(*v), chan_cmp);
	for (size_t i = 0; i < nv; i++) {
		size_t base = i * 4;
		if (sec_grow(s, 4) < 0)
			goto oom;
		memset(s->cells + base, 0, 4 * sizeof(char *));
		s->pub.nrows++;
		s->cells[base] = strdup(v[i].key);
		snprintf(buf, sizeof(buf), "%lld", v[i].n);
		s->cells[base + 1] = strdup(buf);
		money_str(buf, sizeof(buf), v[i].s);
		s->cells[base + 2] = strdup(buf);
		if (total > 0) {
			snprintf(buf, sizeof(buf), "%.1f", 100.0 * (double)v[i].s / (double)total);
			s->cells[base + 3] = strdup(buf);
		}
		if (!s->cells[base] || !s->cells[base + 1] || !s->cells[base + 2] ||
		    (total > 0 && !s->cells[base + 3]))
			goto oom;
		s->kinds[base] = OP_K_TEXT;
		s->kinds[base + 1] = OP_K_INT;
		s->kinds[base + 2] = OP_K_REAL;
		s->kinds[base + 3] = total > 0 ? OP_K_REAL : OP_K_NULL;
		s->barv[i] = (double)v[i].s / 100.0;
		s->scale[i] = (double)v[0].s / 100.0;
	}
	s->pub.names = (const char *const *)s->names;
	s->pub.types = s->types;
	s->pub.cells = (const char *const *)s->cells;
	s->pub.kinds = s->kinds;
	s->pub.barv = s->barv;
	s->pub.scale = s->scale;
	rc = 0;
	goto out;
oom:
	sqlite3_reset(st);
	op_errc(op_db_err(db), EX_OSERR, "out of memory");
out:
	for (size_t i = 0; i < nv; i++)
		free(v[i].key);
	free(v);
	return rc;
}

/* A one-row "total" section: the sums of src's count and money columns. */
static int add_total(op_report *r, op_db *db, const struct sec *src)
{
	struct sec_def d = { "total", N_("Total"), NULL, NULL };
	char desc[256] = "", buf[64];
	size_t len = 0;
	int n = 0;

	for (int i = 0; i < src->pub.ncols; i++)
		if (src->types[i] == 'i' || src->types[i] == 'm') {
			len += (size_t)snprintf(desc + len, sizeof(desc) - len, "%s%s:%c",
						n++ ? " " : "", src->names[i], src->types[i]);
			if (len >= sizeof(desc))
				return op_errf(op_db_err(db), "internal: total too wide");
		}
	d.cols = desc;
	struct sec *s;
	if (r->nsec >= MAXSEC || !(s = sec_new(&d)) )
		return op_errc(op_db_err(db), EX_OSERR, "out of memory");
	r->sec[r->nsec++] = s;
	if (sec_grow(s, n) < 0)
		return op_errc(op_db_err(db), EX_OSERR, "out of memory");
	int c = 0;
	for (int i = 0; i < src->pub.ncols; i++) {
		if (src->types[i] != 'i' && src->types[i] != 'm')
			continue;
		long long sum = 0;
		for (size_t row = 0; row < src->pub.nrows; row++) {
			const char *v = src->cells[row * (size_t)src->pub.ncols + (size_t)i];
			if (!v)
				continue;
			if (src->types[i] == 'i') {
				sum += strtoll(v, NULL, 10);
			} else {
				/* "-12.34" back to cents, exactly */
				int neg = v[0] == '-';
				char *dot;
				long long y = strtoll(v + neg, &dot, 10), ct = 0;
				if (*dot == '.')
					ct = strtoll(dot + 1, NULL, 10);
				sum += (neg ? -1 : 1) * (y * 100 + ct);
			}
		}
		if (src->types[i] == 'i')
			snprintf(buf, sizeof(buf), "%lld", sum);
		else
			money_str(buf, sizeof(buf), sum);
		if (!(s->cells[c] = strdup(buf)))
			return op_errc(op_db_err(db), EX_OSERR, "out of memory");
		s->kinds[c++] = src->types[i] == 'i' ? OP_K_INT : OP_K_REAL;
	}
	s->barv[0] = 0;
	s->scale[0] = 0;
	s->pub.nrows = 1;
	s->pub.names = (const char *const *)s->names;
	s->pub.types = s->types;
	s->pub.cells = (const char *const *)s->cells;
	s->pub.kinds = s->kinds;
	s->pub.barv = s->barv;
	s->pub.scale = s->scale;
	return 0;
}

int op_rp_set_title(op_report *r, const char *title, const struct params *p,
	      int period)
{
	char buf[256];
	if (period)
		snprintf(buf, sizeof(buf), _("%s: %s to %s, %s%s"), _(title), p->from, p->to,
			 p->branch ? _("branch ") : _("all branches"), p->branch ? p->branch : "");
	else
		snprintf(buf, sizeof(buf), "%s", _(title));
	if (p->scope) {
		size_t l = strlen(buf);
		snprintf(buf + l, sizeof(buf) - l, _(" (scope: %s)"), p->scope);
		if (op_rp_meta_add(r, "scope", p->scope) < 0)
			return -1;
	}
	return (r->title = strdup(buf)) ? 0 : -1;
}

int op_report_run(op_report **out, op_db *db, const char *name,
		  const struct op_report_opts *o)
{
	const struct rep_def *d = NULL;
	struct params p;
	op_report *r;
	char num[32];

	*out = NULL;
	for (size_t i = 0; i < NREPORTS; i++) {
		if (strcmp(reports[i].name, name) != 0)
			continue;
		if (!reports[i].by || !o->by || strcmp(o->by, reports[i].by) == 0) {
			d = &reports[i];
			break;
		}
	}
	if (!d) {
		int known = 0;
		for (size_t i = 0; i < NREPORTS; i++)
			known |= strcmp(reports[i].name, name) == 0;
		if (!known)
			return op_errc(op_db_err(db), EX_USAGE, "no report named '%s'", name);
		char ways[128] = "";
		size_t len = 0;
		for (size_t i = 0; i < NREPORTS; i++)
			if (strcmp(reports[i].name, name) == 0 && reports[i].by)
				len += (size_t)snprintf(ways + len, sizeof(ways) - len, "%s%s",
							len ? ", " : "", reports[i].by);
		return op_errc(op_db_err(db), EX_USAGE, "by: report %s can be by %s, not '%s'",
			       name, ways, o->by);
	}
	if (op_rp_params_init(db, &p, o, d->months) < 0)
		return -1;
	p.limit = o->limit > 0 ? o->limit : strcmp(name, "orders") == 0 ? 20 : 10;
	if (!(r = op_rp_report_new(name)) || op_rp_set_title(r, d->title, &p, 1) < 0 ||
	    op_rp_meta_add(r, "from", p.from) < 0 || op_rp_meta_add(r, "to", p.to) < 0 ||
	    op_rp_meta_add(r, "branch", p.branch) < 0 ||
	    (d->by && op_rp_meta_add(r, "by", d->by) < 0)) {
		op_report_free(r);
		return op_errc(op_db_err(db), EX_OSERR, "out of memory");
	}
	if (d->months) {
		snprintf(num, sizeof(num), "%lld", (long long)p.months);
		if (op_rp_meta_add(r, "months", num) < 0 || op_rp_meta_add(r, "churn_from", p.pfrom) < 0) {
			op_report_free(r);
			return op_errc(op_db_err(db), EX_OSERR, "out of memory");
		}
	}
	if (d->temp) {
		sqlite3_stmt *st;
		if (op_db_exec(db, d->temp) < 0 || !(st = op_db_stmt(db, d->prep)) ||
		    op_rp_bind_params(db, st, &p) < 0 || op_db_run(db, st) < 0)
			goto fail;
	}
	for (int i = 0; i < 4 && d->secs[i]; i++)
		if ((d->secs[i] == &S_CHANNELS ? add_channels(r, db, d->secs[i], &p) :
		     op_rp_add_section(r, db, d->secs[i], &p)) < 0)
			goto fail;
	if (d->total && add_total(r, db, r->sec[0]) < 0)
		goto fail;
	*out = r;
	return 0;
fail:
	op_report_free(r);
	return -1;
}
