/*
 * web_forms.c — the forms a customer's card leads to: take an order
 * (op_order_add), open a ticket (op_ticket_open), work a ticket
 * (op_ticket_step), record a follow-up (op_followup_add). The same
 * operations `order add`, `ticket open|update|close` and `followup add`
 * run; a refused form is shown again with what was typed and the reason
 * beside the field, and nothing is saved.
 *
 * The order form has as many lines as the order needs: three to start,
 * and "add a line" adds one — in place with client/web/order.js, or,
 * without JavaScript, by posting the form back, which answers with the
 * same form and one more empty line (nothing is saved). A refused order
 * comes back with its filled lines first, numbered as the reason names
 * them ("第 2 项：…"), the reason beside that line's product or quantity.
 *
 * Every form names the customer by id. The id is looked up through the
 * session's scope views first, so a salesperson cannot write to another's
 * customer by editing the hidden field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "items.h"
#include "web.h"

#define ORDER_LINES 3		/* empty lines a new order form has */
#define ORDER_LINES_MAX 60	/* the most a form takes */

static const char SQL_VISIBLE[] =
	"SELECT name FROM customer WHERE id = :id AND merged_into IS NULL";

/* The name of customer id if the session may see them: 1 (name filled),
 * 0 (the 404 page written), -1 (500 written). */
static int visible(struct web_resp *r, struct web_req *q, const char *id, char *name,
		   size_t n)
{
	struct op_ctx *ctx = web_ctx(q);
	sqlite3_stmt *st;
	int rc;

	if (!id || !(st = op_db_stmt(ctx->db, SQL_VISIBLE)) ||
	    op_bind_text(ctx->db, st, ":id", id) < 0 || (rc = op_db_step(ctx->db, st)) < 0) {
		web_fail(r, q, id ? 500 : 404, id ? web_errmsg(ctx) :
			 W_("There is no such customer, or not one of yours."));
		return id ? -1 : 0;
	}
	if (rc == SQLITE_ROW)
		snprintf(name, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		web_fail(r, q, 404, W_("There is no such customer, or not one of yours."));
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------------ order */

/* What op_items_price filled into the form's lines (the array is ours). */
static void free_items(struct op_item *items, int n)
{
	for (int k = 0; k < n; k++) {
		free(items[k].product_id);
		free(items[k].name);
		free(items[k].spec);
		free(items[k].unit);
	}
}

static const char SQL_PRODUCTS[] =
	"SELECT sku, name || coalesce(' ' || spec, '') || ' ¥' || printf('%.2f', price / 100.0)"
	"  FROM product WHERE active ORDER BY sku LIMIT 500";

/* One line of the form as typed. */
struct order_line {
	const char *sku, *qty;
};

/* How many lines the posted form had: its "lines" count (what the page or
 * order.js said), or more when a later line is filled. */
static int posted_lines(struct web_req *q)
{
	const char *v = web_f(q, "lines");
	long n = v ? strtol(v, NULL, 10) : 0;

	if (n < ORDER_LINES)
		n = ORDER_LINES;
	for (int k = (int)n + 1; k <= ORDER_LINES_MAX; k++) {
		char sku[16];
		snprintf(sku, sizeof(sku), "sku%d", k);
		if (web_f(q, sku) && *web_f(q, sku))
			n = k;
	}
	return n > ORDER_LINES_MAX ? ORDER_LINES_MAX : (int)n;
}

/* The form: nlines lines (values from lines[], NULL: empty), the reason
 * err beside the field err_field ("sku2", "payment" ...) or, when no field
 * is at fault, above the form. */
static void order_form(struct web_resp *r, struct web_req *q, const char *cust,
		       const char *name, const struct order_line *lines, int nlines,
		       const char *err_field, const char *err)
{
	struct op_ctx *ctx = web_ctx(q);
	struct op_html opts = { 0 };
	sqlite3_stmt *st = op_db_stmt(ctx->db, SQL_PRODUCTS);

	html_raw(&opts, "|—");
	while (st && op_db_step(ctx->db, st) == SQLITE_ROW)
		html_fmt(&opts, "\n%r|%r", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1));
	if (st)
		sqlite3_reset(st);
	web_page_begin(r, q, W_("Take an order"), "customers");
	html_fmt(&r->body, "<h1>%s — <a href=\"/customer?id=%s\">%s</a></h1>", W_("Take an order"),
		 cust, name);
	if (err && !err_field)
		html_fmt(&r->body, "<p class=\"alert\" id=\"order-error\">%s</p>", err);
	html_fmt(&r->body, "<section class=\"card\"><form method=\"post\" action=\"/order/new\" "
		 "class=\"grid\" id=\"order-form\"><input type=\"hidden\" name=\"customer\" "
		 "value=\"%s\"><input type=\"hidden\" name=\"lines\" id=\"f-lines\" value=\"%d\">",
		 cust, nlines);
	web_csrf_input(r, q);
	/* order.js copies the last line and numbers it with these labels */
	html_fmt(&r->body, "<div class=\"lines\" id=\"order-lines\" data-product=\"%s\" "
		 "data-qty=\"%s\" data-max=\"%d\">", W_("Product %d"), W_("Quantity %d"),
		 ORDER_LINES_MAX);
	for (int k = 1; k <= nlines; k++) {
		char sku[16], qty[16], label[64];
		snprintf(sku, sizeof(sku), "sku%d", k);
		snprintf(qty, sizeof(qty), "qty%d", k);
		html_raw(&r->body, "<div class=\"line\">");
		snprintf(label, sizeof(label), W_("Product %d"), k);
		web_field(r, sku, label, "select", lines ? lines[k - 1].sku : NULL, opts.buf,
			  err_field, err);
		snprintf(label, sizeof(label), W_("Quantity %d"), k);
		web_field(r, qty, label, "text", lines ? lines[k - 1].qty : NULL, NULL, err_field,
			  err);
		html_raw(&r->body, "</div>");
	}
	html_raw(&r->body, "</div>");
	if (nlines < ORDER_LINES_MAX)
		html_fmt(&r->body, "<span></span><div><button type=\"submit\" name=\"add-line\" "
			 "value=\"1\" id=\"add-line\" class=\"quiet\">%s</button></div>",
			 W_("Add a line"));
	web_field(r, "payment", W_("Payment"), "select", web_f(q, "payment"),
		  W_("|—\ncash|Cash\ncard|Bank card\nwechat|WeChat Pay\nalipay|Alipay\n"
		     "transfer|Bank transfer"), err_field, err);
	web_field(r, "expected", W_("Delivery date"), "date", web_f(q, "expected"), NULL,
		  err_field, err);
	web_field(r, "delivery-address", W_("Delivery address"), "text",
		  web_f(q, "delivery-address"), NULL, err_field, err);
	web_field(r, "notes", W_("Notes"), "textarea", web_f(q, "notes"), NULL, err_field, err);
	html_fmt(&r->body, "<span></span><div><button type=\"submit\" id=\"save-order\">%s"
		 "</button></div></form></section><script src=\"/assets/order.js\"></script>",
		 W_("Save the order"));
	web_page_end(r);
	html_free(&opts);
}

/* The form's field an item's error is about: "sku2" or "qty2" for item 2
 * (the price and discount of a line are typed into its quantity's row). */
static const char *line_field(char *out, size_t n, const char *part, int item)
{
	if (!part || item <= 0)
		return NULL;
	snprintf(out, n, "%s%d", strcmp(part, "sku") == 0 ? "sku" : "qty", item);
	return out;
}

int web_order_new(struct web_resp *r, struct web_req *q)
{
	struct op_ctx *ctx = web_ctx(q);
	const char *cust = strcmp(q->method, "GET") == 0 ? web_q(q, "customer") :
			   web_f(q, "customer");
	const char *vals[OP_ORD_NF] = { 0 }, *err_field;
	char name[512], to[128], bad_field[16];
	struct order_line lines[ORDER_LINES_MAX + 1] = { { 0 } };
	char args[ORDER_LINES_MAX][160];
	struct op_item items[ORDER_LINES_MAX];
	struct op_lines L = { .items = items };
	char *id = NULL, *merged = NULL;
	int nlines, filled = 0, bad = 0;

	if (web_may(r, q, "order", "add") < 0 || visible(r, q, cust, name, sizeof(name)) <= 0)
		return 0;
	if (strcmp(q->method, "GET") == 0) {
		order_form(r, q, cust, name, NULL, ORDER_LINES, NULL, NULL);
		return 0;
	}
	/* the filled lines first, in order: item N of a reason is line N */
	nlines = posted_lines(q);
	for (int k = 1; k <= nlines; k++) {
		char sku[16], qty[16];
		snprintf(sku, sizeof(sku), "sku%d", k);
		snprintf(qty, sizeof(qty), "qty%d", k);
		if (web_f(q, sku) && *web_f(q, sku)) {
			lines[filled].sku = web_f(q, sku);
			lines[filled++].qty = web_f(q, qty);
		}
	}
	if (web_f(q, "add-line")) {
		/* without JavaScript: the same form, one more line, nothing saved */
		order_form(r, q, cust, name, lines, nlines < ORDER_LINES_MAX ? nlines + 1 : nlines,
			   NULL, NULL);
		return 0;
	}
	memset(items, 0, sizeof(items));
	op_ctx_clear(ctx);
	for (int i = 0; i < filled; i++) {
		const char *n = lines[i].qty;
		snprintf(args[L.n], sizeof(args[L.n]), "%s:%s", lines[i].sku, n && *n ? n : "1");
		items[L.n].arg = args[L.n];
		if (op_items_parse(ctx, L.n + 1, &items[L.n]) < 0) {
			bad = L.n + 1;
			goto refused;
		}
		L.n++;
	}
	for (int i = 0; i < OP_ORD_NU; i++) {
		const char *v = web_f(q, op_order_fields[i].opt);
		if (v && *v)
			vals[i] = v;
	}
	vals[OP_ORD_CUSTOMER] = cust;
	if (L.n == 0) {
		op_errc(&ctx->err, EX_DATAERR, "%s", W_("Choose at least one product."));
		goto refused;
	}
	if (op_order_add(ctx, vals, &L, NULL, NULL, &id, &merged) < 0) {
		bad = L.bad;
		goto refused;
	}
	snprintf(to, sizeof(to), "/customer?id=%s", merged ? merged : cust);
	web_redirect(r, to);
	free_items(items, L.n);
	free(id);
	free(merged);
	return 0;
refused:
	free_items(items, L.n);
	r->status = web_status_of(ctx) == 500 ? 500 : 422;
	err_field = bad ? line_field(bad_field, sizeof(bad_field), ctx->field, bad) : ctx->field;
	order_form(r, q, cust, name, lines, nlines, err_field, web_reason(ctx));
	return 0;
}

/* ------------------------------------------------------------ tickets */

int web_ticket_new(struct web_resp *r, struct web_req *q)
{
	struct op_ctx *ctx = web_ctx(q);
	const char *cust = web_f(q, "customer");
	const char *vals[OP_TK_NALL] = { 0 };
	char name[512], to[128];
	char *id = NULL;

	if (web_may(r, q, "ticket", "open") < 0 || visible(r, q, cust, name, sizeof(name)) <= 0)
		return 0;
	vals[OP_TK_CUSTOMER] = cust;
	vals[OP_TK_PROBLEM] = web_f(q, "problem");
	vals[OP_TK_KIND] = web_f(q, "kind");
	op_ctx_clear(ctx);
	if (op_ticket_open(ctx, vals, &id) < 0) {
		web_fail(r, q, web_status_of(ctx), web_errmsg(ctx));
		return 0;
	}
	snprintf(to, sizeof(to), "/ticket?id=%s", id);
	free(id);
	web_redirect(r, to);
	return 0;
}

static const char SQL_TICKET[] =
	"SELECT t.ticket_no, t.customer_id, c.name, t.kind, t.status, t.problem,"
	"       op_local(t.received_at), t.handler, op_local(t.first_reply_at),"
	"       op_local(t.closed_at)"
	"  FROM ticket t JOIN customer c ON c.id = t.customer_id WHERE t.id = :id";
static const char SQL_STEPS[] =
	"SELECT op_local(at), staff, status, action FROM ticket_step WHERE ticket_id = :id"
	" ORDER BY at, rowid";
static const char *const STEP_LABELS[] = {
	N_("Time"), N_("Staff"), N_("Status"), N_("What was done"),
};

int web_ticket(struct web_resp *r, struct web_req *q)
{
	struct op_ctx *ctx = web_ctx(q);
	const char *id = web_q(q, "id");
	sqlite3_stmt *st;
	int rc;

	if (!id || !(st = op_db_stmt(ctx->db, SQL_TICKET)) ||
	    op_bind_text(ctx->db, st, ":id", id) < 0 || (rc = op_db_step(ctx->db, st)) < 0) {
		web_fail(r, q, 404, W_("There is no such ticket."));
		return 0;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		web_fail(r, q, 404, W_("There is no such ticket."));
		return 0;
	}
	const char *c[10];
	char *copy[10];
	for (int i = 0; i < 10; i++) {
		c[i] = (const char *)sqlite3_column_text(st, i);
		copy[i] = c[i] ? strdup(c[i]) : NULL;
	}
	sqlite3_reset(st);
	web_page_begin(r, q, copy[0] ? copy[0] : W_("Ticket"), "customers");
	html_fmt(&r->body, "<h1>%s %s — <a href=\"/customer?id=%s\">%s</a></h1>"
		 "<section class=\"card\"><dl class=\"kv\"><dt>%s</dt><dd>%s</dd>"
		 "<dt>%s</dt><dd id=\"ticket-status\">%s</dd><dt>%s</dt><dd>%s</dd>"
		 "<dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd></dl></section>",
		 W_("Ticket"), copy[0], copy[1], copy[2], W_("Kind"), W_(copy[3]),
		 W_("Status"), W_(copy[4]), W_("Problem"), copy[5], W_("Received"), copy[6],
		 W_("First reply"), copy[8] ? copy[8] : "—");
	int closed = copy[4] && strcmp(copy[4], "closed") == 0;
	if ((st = op_db_stmt(ctx->db, SQL_STEPS)) && op_bind_text(ctx->db, st, ":id", id) == 0) {
		html_fmt(&r->body, "<section class=\"card\"><h2>%s</h2>", W_("Steps"));
		web_rows(r, ctx->db, st, STEP_LABELS, -1, 2, NULL);
		html_raw(&r->body, "</section>");
	}
	if (!closed && op_role_may(ctx->role, "ticket", "update")) {
		html_fmt(&r->body, "<section class=\"card\"><h2>%s</h2><form method=\"post\" "
			 "action=\"/ticket/step\" class=\"grid\" id=\"step-form\">"
			 "<input type=\"hidden\" name=\"id\" value=\"%s\">", W_("Reply or update"), id);
		web_csrf_input(r, q);
		web_field(r, "action", W_("What was done"), "textarea", NULL, NULL, NULL, NULL);
		web_field(r, "status", W_("Status"), "select", NULL,
			  W_("|unchanged\nin_progress|In progress\nresolved|Resolved\nclosed|Closed"),
			  NULL, NULL);
		html_fmt(&r->body, "<span></span><div><button type=\"submit\" id=\"save-step\">%s"
			 "</button></div></form></section>", W_("Save"));
	}
	web_page_end(r);
	for (int i = 0; i < 10; i++)
		free(copy[i]);
	return 0;
}

static const char SQL_TICKET_VISIBLE[] = "SELECT 1 FROM ticket WHERE id = :id";

int web_ticket_step(struct web_resp *r, struct web_req *q)
{
	struct op_ctx *ctx = web_ctx(q);
	const char *id = web_f(q, "id"), *status = web_f(q, "status");
	struct op_ticket_step s = { .action = web_f(q, "action"),
				    .status = status && *status ? status : NULL };
	sqlite3_stmt *st;
	char to[128];
	int rc;

	if (web_may(r, q, "ticket", "update") < 0)
		return 0;
	if (!id || !(st = op_db_stmt(ctx->db, SQL_TICKET_VISIBLE)) ||
	    op_bind_text(ctx->db, st, ":id", id) < 0 || (rc = op_db_step(ctx->db, st)) < 0 ||
	    (sqlite3_reset(st), rc != SQLITE_ROW)) {
		web_fail(r, q, 404, W_("There is no such ticket."));
		return 0;
	}
	op_ctx_clear(ctx);
	if (!s.action || !*s.action) {
		web_fail(r, q, 422, W_("Say what was done."));
		return 0;
	}
	if (op_ticket_step(ctx, id, &s) < 0) {
		web_fail(r, q, web_status_of(ctx), web_errmsg(ctx));
		return 0;
	}
	snprintf(to, sizeof(to), "/ticket?id=%s", id);
	web_redirect(r, to);
	return 0;
}

/* ------------------------------------------------------------ follow-ups */

int web_followup_new(struct web_resp *r, struct web_req *q)
{
	struct op_ctx *ctx = web_ctx(q);
	const char *cust = web_f(q, "customer");
	const char *vals[OP_FU_NALL] = { 0 };
	char name[512], to[128];
	char *id = NULL;

	if (web_may(r, q, "followup", "add") < 0 || visible(r, q, cust, name, sizeof(name)) <= 0)
		return 0;
	vals[OP_FU_CUSTOMER] = cust;
	for (int i = 1; i < OP_FU_NOPTS; i++) {
		const char *v = web_f(q, op_followup_fields[i].opt);
		if (v && *v)
			vals[i] = v;
	}
	op_ctx_clear(ctx);
	if (op_followup_add(ctx, vals, &id) < 0) {
		web_fail(r, q, web_status_of(ctx), web_errmsg(ctx));
		return 0;
	}
	snprintf(to, sizeof(to), "/customer?id=%s", cust);
	free(id);
	web_redirect(r, to);
	return 0;
}
