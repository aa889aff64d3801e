/*
 * web_customer.c — 客户: search as you type, the customer card, and the
 * form that registers a customer (an enquiry is a customer with only a
 * name, a phone and where they came from).
 *
 * Search is op_customer_search (any part of a name, its pinyin or
 * initials, phone digits …), with op_customer_search_total for "the first
 * 50 of M"; registering is op_customer_add: the CLI's
 * `customer search` and `customer add` run the same operations. Every
 * read goes through the session's scope views, so a salesperson's search
 * finds only her customers and a card of another's customer is "not
 * found" (404), showing nothing of the row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "web.h"

#define SEARCH_LIMIT 50
#define TOTAL_CAP 1000	/* "of more than 1000" beyond */

static void result_rows(struct web_resp *r, struct op_ctx *ctx, const char *q)
{
	sqlite3_stmt *st;
	int n = 0, rc;

	if (!q || !*q)
		return;
	op_ctx_clear(ctx);
	if (op_customer_search(ctx, q, SEARCH_LIMIT + 1, &st) < 0) {
		if (ctx->err.code != EX_USAGE)	/* only blanks typed: no rows */
			html_fmt(&r->body, "<p class=\"alert\">%s</p>", web_errmsg(ctx));
		return;
	}
	/* columns: id, name, phone, email, owner, branch, points */
	while ((rc = op_db_step(ctx->db, st)) == SQLITE_ROW && n < SEARCH_LIMIT) {
		if (n++ == 0)
			html_fmt(&r->body, "<table id=\"hits\"><thead><tr><th>%s</th><th>%s</th>"
				 "<th>%s</th><th>%s</th><th class=\"num\">%s</th></tr></thead><tbody>",
				 W_("Customer name"), W_("Phone"), W_("Salesperson"), W_("Branch"),
				 W_("Points"));
		const char *c[7];
		for (int i = 0; i < 7; i++)
			c[i] = (const char *)sqlite3_column_text(st, i);
		html_fmt(&r->body, "<tr><td><a href=\"/customer?id=%s\">%s</a></td><td>%s</td>"
			 "<td>%s</td><td>%s</td><td class=\"num\">%s</td></tr>",
			 c[0], c[1], c[2], c[4], c[5], c[6]);
	}
	int more = rc == SQLITE_ROW;
	sqlite3_reset(st);
	if (n)
		html_raw(&r->body, "</tbody></table>");
	else
		html_fmt(&r->body, "<p class=\"empty\">%s</p>", W_("Nobody found."));
	if (!more)
		return;
	/* how many there are, counted up to a bound: a letter typed matches
	 * tens of thousands, and counting them all would be the slow part */
	int64_t total = 0;
	op_ctx_clear(ctx);
	if (op_customer_search_total(ctx, q, TOTAL_CAP + 1, &total) < 0) {
		html_fmt(&r->body, "<p class=\"alert\">%s</p>", web_errmsg(ctx));
		return;
	}
	html_fmt(&r->body, "<p class=\"hint\" id=\"search-total\" data-shown=\"%d\" "
		 "data-total=\"%D\">", SEARCH_LIMIT, total);
	if (total > TOTAL_CAP)
		html_fmt(&r->body, W_("Showing the first %d of more than %d: type more of the "
				      "name, its pinyin or the phone."), SEARCH_LIMIT, TOTAL_CAP);
	else
		html_fmt(&r->body, W_("Showing the first %d of %d: type more of the name, its "
				      "pinyin or the phone."), SEARCH_LIMIT, (int)total);
	html_raw(&r->body, "</p>");
}

int web_customers(struct web_resp *r, struct web_req *q)
{
	const char *s = web_q(q, "q");
	web_page_begin(r, q, W_("Customers"), "customers");
	html_fmt(&r->body, "<h1>%s <a class=\"button\" href=\"/customer/new\" id=\"new-customer\">%s"
		 "</a></h1><form class=\"search\" method=\"get\" action=\"/customers\">"
		 "<input type=\"search\" id=\"q\" name=\"q\" value=\"%s\" autofocus "
		 "autocomplete=\"off\" placeholder=\"%s\"></form><div id=\"results\">",
		 W_("Customers"), W_("Register a customer"), s ? s : "",
		 W_("Name or part of it, pinyin or initials, phone digits, WeChat id…"));
	result_rows(r, web_ctx(q), s);
	html_raw(&r->body, "</div><script src=\"/assets/search.js\"></script>");
	web_page_end(r);
	return 0;
}

int web_customer_rows(struct web_resp *r, struct web_req *q)
{
	result_rows(r, web_ctx(q), web_q(q, "q"));
	return 0;
}

/* ------------------------------------------------------------ card */

static const char SQL_CARD[] =
	"SELECT id, name, gender, birthday, phone, email, address,"
	"       (SELECT CASE WHEN :en THEN coalesce(ch.name_en, ch.code) ELSE ch.name_zh END"
	"          FROM channel ch WHERE ch.code = customer.channel), owner,"
	"       home_branch, points, tags, notes, wechat, op_local(created_at)"
	"  FROM customer WHERE id = :id AND merged_into IS NULL";
static const char *const CARD_LABELS[] = {
	NULL, N_("Customer name"), N_("Gender"), N_("Birthday"), N_("Phone"), N_("Email"),
	N_("Address"), N_("Source channel"), N_("Salesperson"), N_("Branch"), N_("Points"),
	N_("Tags"), N_("Notes"), N_("WeChat"), N_("Registered"),
};
static const char SQL_ORDERS[] =
	"SELECT order_no, order_date, status, printf('%.2f', total / 100.0), expected_date"
	"  FROM sales_order WHERE customer_id = :id ORDER BY order_date DESC, rowid DESC";
static const char *const ORDER_LABELS[] = {
	N_("Order no."), N_("Date"), N_("Status"), N_("Total (yuan)"), N_("Delivery"),
};
static const char SQL_TICKETS[] =
	"SELECT id, ticket_no, kind, status, problem, op_local(received_at)"
	"  FROM ticket WHERE customer_id = :id ORDER BY received_at DESC";
static const char SQL_FOLLOWUPS[] =
	"SELECT op_local(at), staff, kind, purpose, opinion, next_due"
	"  FROM followup WHERE customer_id = :id ORDER BY at DESC, rowid DESC";
static const char *const FOLLOWUP_LABELS[] = {
	N_("Time"), N_("Staff"), N_("Kind"), N_("Purpose"), N_("Opinion"), N_("Next due"),
};
/* The change history this store still holds of the row (its journal;
 * HQ's history.git keeps all of it). */
static const char SQL_CHANGES[] =
	"SELECT op_local(datetime(ts / 1000, 'unixepoch')),"
	"       CASE op WHEN 1 THEN 'registered' WHEN 2 THEN 'changed' ELSE 'deleted' END, staff"
	"  FROM journal WHERE gid = :id ORDER BY seq DESC LIMIT 50";
static const char *const CHANGE_LABELS[] = { N_("Time"), N_("Change"), N_("Staff") };

static int section(struct web_resp *r, op_db *db, const char *sql, const char *id,
		   const char *title, const char *const *labels, int tr_col, const char *empty)
{
	sqlite3_stmt *st = op_db_stmt(db, sql);
	html_fmt(&r->body, "<section class=\"card\"><h2>%s</h2>", title);
	if (!st || op_bind_text(db, st, ":id", id) < 0 ||
	    web_rows(r, db, st, labels, -1, tr_col, empty) < 0)
		return -1;
	html_raw(&r->body, "</section>");
	return 0;
}

static void ticket_form(struct web_resp *r, struct web_req *q, const char *id)
{
	html_fmt(&r->body, "<form method=\"post\" action=\"/ticket/new\" class=\"grid\" "
		 "id=\"ticket-form\"><input type=\"hidden\" name=\"customer\" value=\"%s\">", id);
	web_csrf_input(r, q);
	web_field(r, "kind", W_("Kind"), "select", "complaint", W_("complaint|Complaint\n"
		  "repair|Repair\ninstallation|Installation\nreturn|Return\nenquiry|Enquiry"),
		  NULL, NULL);
	web_field(r, "problem", W_("Problem"), "textarea", NULL, NULL, NULL, NULL);
	html_fmt(&r->body, "<span></span><div><button type=\"submit\" id=\"open-ticket\">%s"
		 "</button></div></form>", W_("Open a ticket"));
}

static void followup_form(struct web_resp *r, struct web_req *q, const char *id)
{
	html_fmt(&r->body, "<form method=\"post\" action=\"/followup/new\" class=\"grid\" "
		 "id=\"followup-form\"><input type=\"hidden\" name=\"customer\" value=\"%s\">", id);
	web_csrf_input(r, q);
	web_field(r, "kind", W_("Kind"), "select", "call",
		  W_("call|Phone call\nvisit|Visit\nmessage|Message"), NULL, NULL);
	web_field(r, "purpose", W_("Purpose"), "text", NULL, NULL, NULL, NULL);
	web_field(r, "opinion", W_("Opinion"), "textarea", NULL, NULL, NULL, NULL);
	web_field(r, "next-due", W_("Next follow-up"), "date", NULL, NULL, NULL, NULL);
	html_fmt(&r->body, "<span></span><div><button type=\"submit\" id=\"add-followup\">%s"
		 "</button></div></form>", W_("Record the follow-up"));
}

int web_customer(struct web_resp *r, struct web_req *q)
{
	struct op_ctx *ctx = web_ctx(q);
	const char *id = web_q(q, "id");
	sqlite3_stmt *st;
	int rc;

	if (!id || !(st = op_db_stmt(ctx->db, SQL_CARD)) ||
	    op_bind_text(ctx->db, st, ":id", id) < 0 ||
	    op_bind_int(ctx->db, st, ":en", strcmp(q->sess->lang, "en") == 0) < 0)
		return web_fail(r, q, 404, W_("There is no such customer, or not one of yours.")), 0;
	if ((rc = op_db_step(ctx->db, st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		/* out of scope and nonexistent look the same: nothing of the row */
		web_fail(r, q, rc == SQLITE_DONE ? 404 : 500,
			 rc == SQLITE_DONE ? W_("There is no such customer, or not one of yours.") :
			 web_errmsg(ctx));
		return 0;
	}
	char name[512];
	snprintf(name, sizeof(name), "%s", (const char *)sqlite3_column_text(st, 1));
	web_page_begin(r, q, name, "customers");
	html_fmt(&r->body, "<h1 id=\"card-name\">%s</h1><div class=\"row\"><section class=\"card\">"
		 "<dl class=\"kv\">", name);
	for (int i = 2; i < sqlite3_column_count(st); i++)
		if (sqlite3_column_type(st, i) != SQLITE_NULL)
			html_fmt(&r->body, "<dt>%s</dt><dd>%s</dd>", W_(CARD_LABELS[i]),
				 i == 2 ? W_((const char *)sqlite3_column_text(st, i)) :
				 (const char *)sqlite3_column_text(st, i));
	sqlite3_reset(st);
	html_fmt(&r->body, "</dl><p><a class=\"button\" href=\"/order/new?customer=%s\" "
		 "id=\"take-order\">%s</a> <a class=\"button quiet\" href=\"/customer/edit?id=%s\" "
		 "id=\"edit-customer\">%s</a></p></section>", id, W_("Take an order"), id,
		 W_("Change"));
	html_fmt(&r->body, "<section class=\"card\"><h2>%s</h2>", W_("Open a ticket"));
	ticket_form(r, q, id);
	html_fmt(&r->body, "</section><section class=\"card\"><h2>%s</h2>", W_("Record a follow-up"));
	followup_form(r, q, id);
	html_raw(&r->body, "</section></div>");

	if (section(r, ctx->db, SQL_ORDERS, id, W_("Orders"), ORDER_LABELS, 2, W_("No orders.")) < 0)
		goto fail;
	/* tickets link to their page */
	if (!(st = op_db_stmt(ctx->db, SQL_TICKETS)) || op_bind_text(ctx->db, st, ":id", id) < 0)
		goto fail;
	html_fmt(&r->body, "<section class=\"card\"><h2>%s</h2>", W_("Tickets"));
	int n = 0;
	while ((rc = op_db_step(ctx->db, st)) == SQLITE_ROW) {
		const char *c[6];
		for (int i = 0; i < 6; i++)
			c[i] = (const char *)sqlite3_column_text(st, i);
		if (n++ == 0)
			html_fmt(&r->body, "<table id=\"tickets\"><thead><tr><th>%s</th><th>%s</th>"
				 "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
				 W_("Ticket no."), W_("Kind"), W_("Status"), W_("Problem"),
				 W_("Received"));
		html_fmt(&r->body, "<tr><td><a href=\"/ticket?id=%s\">%s</a></td><td>%s</td>"
			 "<td>%s</td><td>%s</td><td>%s</td></tr>", c[0], c[1], W_(c[2]), W_(c[3]),
			 c[4], c[5]);
	}
	sqlite3_reset(st);
	if (rc < 0)
		goto fail;
	html_fmt(&r->body, n ? "</tbody></table></section>" : "<p class=\"empty\">%s</p></section>",
		 W_("No tickets."));
	if (section(r, ctx->db, SQL_FOLLOWUPS, id, W_("Follow-ups"), FOLLOWUP_LABELS,
		    2, W_("No follow-ups yet.")) < 0)
		goto fail;
	if (section(r, ctx->db, SQL_CHANGES, id, W_("Change history"), CHANGE_LABELS, 1,
		    W_("No changes kept at this store (HQ keeps the whole history).")) < 0)
		goto fail;
	web_page_end(r);
	return 0;
fail:
	web_fail(r, q, 500, web_errmsg(ctx));
	return 0;
}

/* ------------------------------------------------------------ register */

/* The fields the form shows, by the field table's names (ops.h). */
static const struct {
	const char *name, *label, *kind;
} FORM[] = {
	{ "name", N_("Customer name"), "text" },
	{ "phone", N_("Phone"), "text" },
	{ "channel", N_("Source channel"), "channel" },
	{ "owner", N_("Salesperson"), "text" },
	{ "gender", N_("Gender"), "gender" },
	{ "birthday", N_("Birthday"), "date" },
	{ "wechat", N_("WeChat"), "text" },
	{ "address", N_("Address"), "textarea" },
	{ "notes", N_("Notes"), "textarea" },
};

static const char SQL_CHANNELS[] =
	"SELECT code, name_zh, coalesce(name_en, code) FROM channel WHERE active ORDER BY rowid";

/* The form of a new customer (id NULL) or of customer id, whose stored
 * values are cur (one per FORM field) unless the form was just posted. */
static void customer_form(struct web_resp *r, struct web_req *q, const char *id,
			  char **cur, const char *err_field, const char *err)
{
	struct op_ctx *ctx = web_ctx(q);
	int en = strcmp(q->sess->lang, "en") == 0;
	const char *title = id ? W_("Change the customer") : W_("Register a customer");

	web_page_begin(r, q, title, "customers");
	html_fmt(&r->body, "<h1>%s</h1>", title);
	if (err && !err_field)
		html_fmt(&r->body, "<p class=\"alert\">%s</p>", err);
	html_fmt(&r->body, "<section class=\"card\"><form method=\"post\" action=\"%r\" "
		 "class=\"grid\" id=\"customer-form\">", id ? "/customer/edit" : "/customer/new");
	if (id)
		html_fmt(&r->body, "<input type=\"hidden\" name=\"id\" value=\"%s\">", id);
	web_csrf_input(r, q);
	for (size_t i = 0; i < sizeof(FORM) / sizeof(FORM[0]); i++) {
		const char *v = q->form ? web_f(q, FORM[i].name) : cur ? cur[i] : NULL;
		const char *kind = FORM[i].kind;
		struct op_html opts = { 0 };
		if (strcmp(kind, "channel") == 0) {
			sqlite3_stmt *st = op_db_stmt(ctx->db, SQL_CHANNELS);
			html_raw(&opts, "|—");
			while (st && op_db_step(ctx->db, st) == SQLITE_ROW)
				html_fmt(&opts, "\n%r|%r", sqlite3_column_text(st, 0),
					 sqlite3_column_text(st, en ? 2 : 1));
			if (st)
				sqlite3_reset(st);
			kind = "select";
		} else if (strcmp(kind, "gender") == 0) {
			html_raw(&opts, W_("|—\nfemale|Female\nmale|Male\nother|Other"));
			kind = "select";
		}
		if (!v && !id && strcmp(FORM[i].name, "owner") == 0)
			v = q->sess->staff;
		web_field(r, FORM[i].name, W_(FORM[i].label), kind, v, opts.buf, err_field, err);
		html_free(&opts);
	}
	html_fmt(&r->body, "<span></span><div><button type=\"submit\" id=\"save-customer\">%s"
		 "</button></div></form></section>", W_("Save"));
	web_page_end(r);
}

int web_customer_new(struct web_resp *r, struct web_req *q)
{
	struct op_ctx *ctx = web_ctx(q);
	const char *vals[OP_MAX_FIELDS] = { 0 };
	char *id = NULL, to[128];

	if (web_may(r, q, "customer", "add") < 0)
		return 0;
	if (strcmp(q->method, "GET") == 0) {
		customer_form(r, q, NULL, NULL, NULL, NULL);
		return 0;
	}
	for (size_t i = 0; i < sizeof(FORM) / sizeof(FORM[0]); i++) {
		const struct op_field *f = op_rec_field(op_customer_fields, op_customer_nfields,
							FORM[i].name, 0);
		const char *v = web_f(q, FORM[i].name);
		/* an empty field is "not given", so defaults apply */
		if (f && v && *v)
			vals[f - op_customer_fields] = v;
	}
	op_ctx_clear(ctx);
	if (op_customer_add(ctx, vals, 0, NULL, NULL, NULL, &id) < 0) {
		/* shown again with what was typed; nothing was saved */
		r->status = web_status_of(ctx) == 500 ? 500 : 422;
		customer_form(r, q, NULL, NULL, ctx->field, web_reason(ctx));
		return 0;
	}
	snprintf(to, sizeof(to), "/customer?id=%s", id);
	free(id);
	web_redirect(r, to);
	return 0;
}

static const char SQL_FORM_VALUES[] =
	"SELECT name, phone, channel, owner, gender, birthday, wechat, address, notes"
	"  FROM customer WHERE id = :id AND merged_into IS NULL";

int web_customer_edit(struct web_resp *r, struct web_req *q)
{
	struct op_ctx *ctx = web_ctx(q);
	const char *vals[OP_MAX_FIELDS] = { 0 };
	const char *id = q->form ? web_f(q, "id") : web_q(q, "id");
	char *cur[sizeof(FORM) / sizeof(FORM[0])] = { 0 }, to[128];
	sqlite3_stmt *st;
	int rc;

	_Static_assert(sizeof(FORM) / sizeof(FORM[0]) == 9, "SQL_FORM_VALUES has a column per field");
	if (web_may(r, q, "customer", "edit") < 0)
		return 0;
	if (!id || !(st = op_db_stmt(ctx->db, SQL_FORM_VALUES)) ||
	    op_bind_text(ctx->db, st, ":id", id) < 0 || (rc = op_db_step(ctx->db, st)) != SQLITE_ROW) {
		if (id && st)
			sqlite3_reset(st);
		web_fail(r, q, 404, W_("There is no such customer, or not one of yours."));
		return 0;
	}
	for (size_t i = 0; i < sizeof(FORM) / sizeof(FORM[0]); i++)
		if (sqlite3_column_text(st, (int)i))
			cur[i] = strdup((const char *)sqlite3_column_text(st, (int)i));
	sqlite3_reset(st);
	if (!q->form) {
		customer_form(r, q, id, cur, NULL, NULL);
		goto out;
	}
	/* every field of the form is given: an emptied one clears its column */
	for (size_t i = 0; i < sizeof(FORM) / sizeof(FORM[0]); i++) {
		const struct op_field *f = op_rec_field(op_customer_fields, op_customer_nfields,
							FORM[i].name, 0);
		const char *v = web_f(q, FORM[i].name);
		if (f && v)
			vals[f - op_customer_fields] = v;
	}
	op_ctx_clear(ctx);
	if (op_customer_edit(ctx, vals, id, NULL, NULL) < 0) {
		r->status = web_status_of(ctx) == 500 ? 500 : 422;
		customer_form(r, q, id, cur, ctx->field, web_reason(ctx));
		goto out;
	}
	snprintf(to, sizeof(to), "/customer?id=%s", id);
	web_redirect(r, to);
out:
	for (size_t i = 0; i < sizeof(FORM) / sizeof(FORM[0]); i++)
		free(cur[i]);
	return 0;
}
