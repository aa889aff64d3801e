/*
 * remind.c — the reminder list (op_report_remind, report.h): what is due
 * by now plus a look-ahead of days, one row per item, oldest first: first
 * follow-ups of new enquiries, follow-ups at each customer's class cadence
 * or promised date, birthdays, unanswered complaints, overdue deliveries,
 * home visits and low stock. One statement in two variants, the plain one
 * and the --staff one; it is run and shown like any report section
 * (report.c, report_out.c).
 */
#include <string.h>
#include "report_int.h"
#include "i18n.h"
#include "items.h"

/* Reminders. :until is now + the look-ahead; an item is listed once due
 * by then. A follow-up promised for a date is due all that local day, as
 * `followup due` says, and overdue from the next; the other items are
 * overdue from their time. Customers are narrowed by home branch (a customer without one
 * is everyone's) and, in the --staff variant, by owner: two statements,
 * because "(:staff IS NULL OR c.owner = :staff)" cannot use an index. */
#define RCUST(who) "c.merged_into IS NULL AND " who \
	" AND (:branch IS NULL OR coalesce(c.home_branch, :branch) = :branch)"
#define CADENCE "CASE coalesce(cc.class, 'regular') WHEN 'important' THEN 7" \
	" WHEN 'major' THEN 14 WHEN 'small' THEN 90 ELSE 30 END"
#define OCC(y) "CASE WHEN substr(c.birthday, 6) = '02-29'" \
	" THEN date(printf('%04d-03-01', " y "), '-1 day')" \
	" ELSE printf('%04d', " y ") || substr(c.birthday, 5) END"
#define STATE(due) "CASE WHEN " due " < :now THEN 'overdue' ELSE 'due' END"
/* The newest follow-up's time and promised date, per customer. */
#define LAST_AT "(SELECT max(f.at) FROM followup f WHERE f.customer_id = c.id)"
#define NEXT_DUE "(SELECT f.next_due FROM followup f WHERE f.customer_id = c.id" \
	" ORDER BY f.at DESC, f.rowid DESC LIMIT 1)"
/* Home visits: the day before and on the day, and overdue while still
 * scheduled after it (cmd_appt.c); starts_at is UTC, its day the local
 * one (op_local). */
#define VISIT_DAY "date(op_local(a.starts_at))"
#define REMIND_VISITS \
	" UNION ALL SELECT a.starts_at, CASE WHEN " VISIT_DAY " < :today THEN 'overdue'" \
	"  WHEN " VISIT_DAY " = :today THEN 'today' ELSE 'upcoming' END, 'visit'," \
	"  c.name, c.phone, coalesce(a.staff, c.owner)," \
	"  printf(:t_visit, a.kind, substr(op_local(a.starts_at), 1, 16)" \
	"   || coalesce('-' || substr(op_local(a.ends_at), 12, 5), ''))," \
	"  coalesce(a.address, :t_noaddr), a.created_at" \
	" FROM appointment a LEFT JOIN customer c ON c.id = a.customer_id" \
	" WHERE a.status = 'scheduled' AND (:staff IS NULL OR a.staff = :staff" \
	"  OR (a.staff IS NULL AND c.owner = :staff))" \
	"  AND (:branch IS NULL OR a.branch = :branch)" \
	"  AND " VISIT_DAY " <= date(:today, '+' || max(:days, 1) || ' days')"
/* Products under their safe level at this branch (at HQ: every branch),
 * on the general list only (cmd_stock.c). */
#define REMIND_STOCK \
	" UNION ALL SELECT :today, 'low', 'stock', p.name || ' (' || p.sku || ')', NULL, NULL," \
	"  printf(:t_lowstock, s.branch), printf(:t_onhand, " ITEMS_QTY("s.on_hand", "p.qty_scale") \
	"  , p.unit, " ITEMS_QTY("s.safe_level", "p.qty_scale") ", p.unit), NULL" \
	" FROM stock s JOIN product p ON p.id = s.product_id" \
	" WHERE s.on_hand < s.safe_level AND :staff IS NULL" \
	"  AND (:branch IS NULL OR s.branch = :branch)" \
	"  AND (s.branch = (SELECT value FROM meta WHERE key = 'site')" \
	"   OR (SELECT value FROM meta WHERE key = 'role') = 'hq')"
/* Birthdays (month-day) from today to today + :days, read from the index
 * customer_bday (024) instead of every customer: one range, or two when
 * the window crosses the new year; 29 February, kept on 1 March in other
 * years, is always a candidate. OCC decides exactly. */
#define MD(d) "strftime('%m-%d', " d ")"
#define MD_END MD("date(:today, '+' || min(:days, 366) || ' days')")
#define BDAY_NEAR "(substr(c.birthday, 6) BETWEEN " MD(":today") " AND" \
	" CASE WHEN :days >= 365 OR " MD_END " < " MD(":today") " THEN '12-31' ELSE " MD_END " END" \
	" OR substr(c.birthday, 6) BETWEEN CASE WHEN :days >= 365 THEN '01-01'" \
	"  WHEN " MD_END " < " MD(":today") " THEN '01-01' ELSE '99' END" \
	"  AND " MD_END \
	" OR substr(c.birthday, 6) = '02-29')"
#define REMIND(owner, handler, seller) \
	"WITH u(until) AS (SELECT datetime(:now, '+' || :days || ' days'))," \
	" e AS (SELECT c.*, datetime(c.created_at, '+24 hours') AS due FROM customer c" \
	"  WHERE " RCUST(owner) " AND NOT EXISTS (SELECT 1 FROM followup f" \
	"  WHERE f.customer_id = c.id) AND NOT EXISTS (SELECT 1 FROM sales_order o" \
	"  WHERE o.customer_id = c.id))," \
	" cad AS (SELECT c.*, " LAST_AT " AS last_at, " CADENCE " AS every," \
	"  coalesce(cc.class, 'regular') AS cls, op_utc(" NEXT_DUE ") AS pdue" \
	"  FROM customer c LEFT JOIN customer_class cc ON cc.customer_id = c.id" \
	"  WHERE " RCUST(owner) " AND c.id IN (SELECT customer_id FROM followup" \
	"   UNION SELECT customer_id FROM sales_order))," \
	" cad2 AS (SELECT *, datetime(coalesce(last_at, created_at), '+' || every" \
	"  || ' days') AS cdue FROM cad WHERE last_at IS NOT NULL OR EXISTS" \
	"  (SELECT 1 FROM sales_order o WHERE o.customer_id = cad.id))," \
	" cad3 AS (SELECT *, CASE WHEN pdue < cdue THEN pdue ELSE cdue END AS due" \
	"  FROM cad2)," \
	" bd AS (SELECT c.*, CASE WHEN " OCC("y.y") " >= :today THEN " OCC("y.y") \
	"  ELSE " OCC("y.y + 1") " END AS nb" \
	"  FROM customer c, (SELECT CAST(strftime('%Y', :today) AS INTEGER) AS y) y" \
	"  WHERE " RCUST(owner) " AND c.birthday GLOB" \
	"  '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]' AND " BDAY_NEAR ")" \
	" SELECT * FROM (SELECT due, " STATE("due") ", 'enquiry', name, phone, owner," \
	"  :t_enquiry, :t_enquiry_why, created_at" \
	" FROM e WHERE due <= (SELECT until FROM u) ORDER BY created_at LIMIT :limit)" \
	" UNION ALL SELECT due, CASE WHEN due = pdue THEN CASE WHEN date(op_local(due))" \
	"  < :today THEN 'overdue' ELSE 'due' END ELSE " STATE("due") " END," \
	"  'followup', name, phone, owner," \
	"  CASE cls WHEN 'important' THEN printf(:t_cad_important, every)" \
	"   WHEN 'major' THEN printf(:t_cad_major, every)" \
	"   WHEN 'regular' THEN printf(:t_cad_regular, every)" \
	"   WHEN 'small' THEN printf(:t_cad_small, every)" \
	"   ELSE printf(:t_cadence, cls, every) END," \
	"  CASE WHEN due = pdue THEN printf(:t_promised, date(op_local(pdue)))" \
	"   WHEN last_at IS NULL THEN :t_never" \
	"   ELSE printf(:t_last, op_local(last_at)) END, coalesce(last_at, created_at)" \
	" FROM cad3 WHERE due <= (SELECT until FROM u)" \
	" UNION ALL SELECT nb, CASE WHEN nb = :today THEN 'today' ELSE 'upcoming' END," \
	"  'birthday', name, phone, owner," \
	"  printf(:t_bday, CAST(substr(nb, 1, 4) AS INTEGER)" \
	"   - CAST(substr(birthday, 1, 4) AS INTEGER))," \
	"  printf(:t_bday_on, substr(nb, 6)), birthday" \
	" FROM bd WHERE nb <= date(:today, '+' || :days || ' days')" \
	" UNION ALL SELECT datetime(t.received_at, '+24 hours')," \
	"  " STATE("datetime(t.received_at, '+24 hours')") ", 'complaint', c.name," \
	"  c.phone, coalesce(t.handler, c.owner)," \
	"  printf(:t_complaint, coalesce(t.ticket_no, substr(t.id, -8)))," \
	"  printf(:t_noreply, t.status, substr(t.problem, 1, 40))," \
	"  t.received_at" \
	" FROM ticket t LEFT JOIN customer c ON c.id = t.customer_id" \
	" WHERE t.kind = 'complaint' AND t.first_reply_at IS NULL" \
	"  AND t.status IN ('open', 'in_progress') AND " handler \
	"  AND (:branch IS NULL OR t.branch = :branch)" \
	"  AND datetime(t.received_at, '+24 hours') <= (SELECT until FROM u)" \
	" UNION ALL SELECT o.expected_date, 'overdue', 'delivery', c.name, c.phone," \
	"  coalesce(o.staff, c.owner), printf(:t_delivery, o.order_no)," \
	"  printf(:t_expected, o.expected_date, o.status), o.order_date" \
	" FROM sales_order o LEFT JOIN customer c ON c.id = o.customer_id" \
	" WHERE " OVERDUE("o") " AND " seller \
	REMIND_VISITS REMIND_STOCK \
	" ORDER BY 1, 3, 4 COLLATE pinyin"
static const char SQL_REMIND[] = REMIND("1", "1", "1");
/* The --staff variant lists what the plain one attributes to :staff: a
 * complaint nobody handles yet is its customer's owner's. */
static const char SQL_REMIND_STAFF[] = REMIND("c.owner = :staff",
	"coalesce(t.handler, c.owner) = :staff", "(o.staff = :staff OR c.owner = :staff)");

/* The reminder texts, bound as :t_* (op_rp_bind_params) in the reader's
 * language; formats are SQLite printf's. */
static const struct { const char *name, *msgid; } TEXTS[] = {
	{ ":t_visit", N_("%s visit %s") },
	{ ":t_noaddr", N_("no address") },
	{ ":t_lowstock", N_("low stock at %s") },
	{ ":t_onhand", N_("on hand %s %s, safe level %s %s") },
	{ ":t_enquiry", N_("first follow-up of a new enquiry") },
	{ ":t_enquiry_why", N_("registered with no follow-up or order yet; due within 24 h") },
	{ ":t_cadence", N_("follow-up (%s: every %d days)") },
	/* each class its own sentence: no English class word in a Chinese one */
	{ ":t_cad_important", N_("follow-up (important: every %d days)") },
	{ ":t_cad_major", N_("follow-up (major: every %d days)") },
	{ ":t_cad_regular", N_("follow-up (regular: every %d days)") },
	{ ":t_cad_small", N_("follow-up (small: every %d days)") },
	{ ":t_promised", N_("promised for %s") },
	{ ":t_never", N_("no follow-up since registered") },
	{ ":t_last", N_("last follow-up %s") },
	{ ":t_bday", N_("birthday greeting (turns %d)") },
	{ ":t_bday_on", N_("birthday on %s") },
	{ ":t_complaint", N_("first reply to complaint %s") },
	{ ":t_noreply", N_("no reply yet (%s): %s") },
	{ ":t_delivery", N_("delivery of order %s") },
	{ ":t_expected", N_("expected %s, still %s") },
};

const char *op_rp_text(const char *name)
{
	for (size_t i = 0; i < sizeof(TEXTS) / sizeof(TEXTS[0]); i++)
		if (strcmp(TEXTS[i].name, name) == 0)
			return _(TEXTS[i].msgid);
	return NULL;
}

#define REMIND_COLS "due:t state:t kind:t customer:t phone:t staff:t what:t why:t since:t"
static const struct sec_def
	S_REMIND = { "reminders", N_("Reminders"), SQL_REMIND, REMIND_COLS },
	S_REMIND_STAFF = { "reminders", N_("Reminders"), SQL_REMIND_STAFF, REMIND_COLS };

int op_report_remind(op_report **out, op_db *db, const struct op_report_opts *o)
{
	struct params p;
	op_report *r;
	char num[32], t[128];

	*out = NULL;
	if (op_rp_params_init(db, &p, o, 0) < 0)
		return -1;
	p.days = o->days >= 0 ? o->days : 7;
	/* o->limit: new enquiries listed at most (the oldest first); else all */
	p.limit = o->limit > 0 ? o->limit : -1;
	snprintf(num, sizeof(num), "%lld", (long long)p.days);
	char local[20];
	if (op_tz_local(op_db_tz(db), local, sizeof(local), p.now) < 0)
		snprintf(local, sizeof(local), "%s", p.now);
	snprintf(t, sizeof(t), _("Reminders: due by %s (%s) + %lld days"), local,
		 op_tz_name(op_db_tz(db)), (long long)p.days);
	if (!(r = op_rp_report_new("remind")) || op_rp_set_title(r, t, &p, 0) < 0 ||
	    op_rp_meta_add(r, "now", p.now) < 0 || op_rp_meta_add(r, "today", p.today) < 0 ||
	    op_rp_meta_add(r, "days", num) < 0 || op_rp_meta_add(r, "staff", p.staff) < 0 ||
	    op_rp_meta_add(r, "branch", p.branch) < 0) {
		op_report_free(r);
		return op_errc(op_db_err(db), EX_OSERR, "out of memory");
	}
	if (op_rp_add_section(r, db, p.staff ? &S_REMIND_STAFF : &S_REMIND, &p) < 0) {
		op_report_free(r);
		return -1;
	}
	*out = r;
	return 0;
}
