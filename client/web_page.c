/*
 * web_page.c — the parts every page of `outpost serve` shares (web.h):
 * the frame with its navigation, error pages, redirects, the CSRF input,
 * form fields with their errors, and tables of a statement's rows. All
 * markup goes through html_fmt, whose %s escapes.
 */
#include <stdio.h>
#include <string.h>
#include "web.h"

const char *web_q(struct web_req *q, const char *name)
{
	return web_form_get(q->query, q->nquery, name);
}

const char *web_f(struct web_req *q, const char *name)
{
	return q->form ? web_form_get(q->form, q->nform, name) : NULL;
}

struct op_ctx *web_ctx(struct web_req *q)
{
	return q->sess && q->sess->staff[0] ? &q->sess->ctx : NULL;
}

const char *web_errmsg(struct op_ctx *ctx)
{
	if (ctx->err.msg[0])
		return ctx->err.msg;
	if (ctx->db && op_db_err(ctx->db)->msg[0])
		return op_db_err(ctx->db)->msg;
	return "unknown error";
}

const char *web_reason(struct op_ctx *ctx)
{
	const char *m = web_errmsg(ctx);
	size_t l = ctx->field ? strlen(ctx->field) : 0;
	if (l && strncmp(m, ctx->field, l) == 0 && m[l] == ':' && m[l + 1] == ' ')
		return m + l + 2;
	return m;
}

int web_status_of(struct op_ctx *ctx)
{
	int code = ctx->err.msg[0] ? ctx->err.code :
		   ctx->db ? op_db_err(ctx->db)->code : 0;
	switch (code) {
	case EX_NOPERM: return 403;
	case EX_NOINPUT: return 404;
	case EX_DATAERR: case EX_USAGE: return 422;
	default: return 500;
	}
}

static const struct {
	const char *key, *label, *href, *group, *name;	/* group, name: the role rule */
} tabs[] = {
	{ "today", N_("Today"), "/today", "remind", NULL },
	{ "customers", N_("Customers"), "/customers", "customer", "search" },
	{ "reports", N_("Reports"), "/reports", "report", "sales" },
	{ "sync", N_("Sync"), "/sync", "sync", "status" },
};

void web_page_begin(struct web_resp *r, struct web_req *q, const char *title,
		    const char *nav)
{
	int en = q->sess && strcmp(q->sess->lang, "en") == 0;
	html_fmt(&r->body, "<!DOCTYPE html>\n<html lang=\"%r\"><head><meta charset=\"utf-8\">"
		 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		 "<title>%s · Outpost</title><link rel=\"stylesheet\" href=\"/assets/style.css\">"
		 "</head><body><header><span class=\"brand\">%s</span>",
		 en ? "en" : "zh-CN", title, W_("Outpost"));
	if (web_ctx(q)) {
		html_raw(&r->body, "<nav>");
		for (size_t i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++)
			if (op_role_may(q->sess->ctx.role, tabs[i].group, tabs[i].name))
				html_fmt(&r->body, "<a href=\"%r\"%r>%s</a>", tabs[i].href,
					 nav && strcmp(nav, tabs[i].key) == 0 ? " class=\"on\"" : "",
					 W_(tabs[i].label));
		html_fmt(&r->body, "</nav><div class=\"who\"><span>%s</span>"
			 "<form method=\"post\" action=\"/logout\">", q->sess->staff);
		web_csrf_input(r, q);
		html_fmt(&r->body, "<button type=\"submit\" id=\"logout\">%s</button></form>",
			 W_("Sign out"));
	} else {
		html_raw(&r->body, "<div class=\"who\">");
	}
	html_fmt(&r->body, "<span class=\"lang\"><a href=\"?lang=%r\">%r</a></span></div>"
		 "</header><main>", en ? "zh" : "en", en ? "中文" : "English");
}

void web_page_end(struct web_resp *r)
{
	html_raw(&r->body, "</main></body></html>\n");
}

void web_fail(struct web_resp *r, struct web_req *q, int status, const char *msg)
{
	html_free(&r->body);
	r->status = status;
	web_page_begin(r, q, W_("Not possible"), NULL);
	html_fmt(&r->body, "<h1>%s</h1><p class=\"alert\">%s</p><p><a href=\"/today\">%s</a></p>",
		 W_("Not possible"), msg, W_("Back to Today"));
	web_page_end(r);
}

void web_redirect(struct web_resp *r, const char *path)
{
	r->status = 303;
	snprintf(r->location, sizeof(r->location), "%s", path);
}

void web_csrf_input(struct web_resp *r, struct web_req *q)
{
	html_fmt(&r->body, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
		 q->sess ? q->sess->csrf : "");
}

int web_may(struct web_resp *r, struct web_req *q, const char *group, const char *name)
{
	struct op_ctx *ctx = web_ctx(q);
	if (ctx && op_role_may(ctx->role, group, name))
		return 0;
	web_fail(r, q, 403, W_("Your role may not do this."));
	return -1;
}

void web_field(struct web_resp *r, const char *name, const char *label, const char *kind,
	       const char *value, const char *opts, const char *err_field, const char *err)
{
	int bad = err_field && strcmp(err_field, name) == 0;
	html_fmt(&r->body, "<label for=\"f-%s\">%s</label><div class=\"field%r\">", name, label,
		 bad ? " has-err" : "");
	if (strcmp(kind, "textarea") == 0) {
		html_fmt(&r->body, "<textarea id=\"f-%s\" name=\"%s\">%s</textarea>", name, name,
			 value ? value : "");
	} else if (strcmp(kind, "select") == 0) {
		html_fmt(&r->body, "<select id=\"f-%s\" name=\"%s\">", name, name);
		for (const char *o = opts; o && *o; ) {
			size_t l = strcspn(o, "\n");
			char opt[256], *bar;
			snprintf(opt, sizeof(opt), "%.*s", (int)l, o);
			if ((bar = strchr(opt, '|')))
				*bar++ = '\0';
			html_fmt(&r->body, "<option value=\"%s\"%r>%s</option>", opt,
				 value && strcmp(value, opt) == 0 ? " selected" : "",
				 bar ? bar : opt);
			o += l + (o[l] == '\n');
		}
		html_raw(&r->body, "</select>");
	} else {
		html_fmt(&r->body, "<input type=\"%r\" id=\"f-%s\" name=\"%s\" value=\"%s\">",
			 strcmp(kind, "date") == 0 ? "date" : "text", name, name,
			 value ? value : "");
	}
	if (bad)
		html_fmt(&r->body, "<div class=\"err\" id=\"err-%s\">%s</div>", name, err);
	html_raw(&r->body, "</div>");
}

int web_rows(struct web_resp *r, op_db *db, sqlite3_stmt *st, const char *const *labels,
	     int link_col, int tr_col, const char *empty)
{
	int n = 0, rc, cols = sqlite3_column_count(st);

	while ((rc = op_db_step(db, st)) == SQLITE_ROW) {
		if (n++ == 0) {
			html_raw(&r->body, "<table><thead><tr>");
			for (int i = link_col >= 0 ? 1 : 0; i < cols; i++)
				html_fmt(&r->body, "<th>%s</th>", labels && labels[i] ? W_(labels[i]) :
					 sqlite3_column_name(st, i));
			html_raw(&r->body, "</tr></thead><tbody>");
		}
		html_raw(&r->body, "<tr>");
		for (int i = link_col >= 0 ? 1 : 0; i < cols; i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);
			int num = sqlite3_column_type(st, i) == SQLITE_INTEGER ||
				  sqlite3_column_type(st, i) == SQLITE_FLOAT;
			html_fmt(&r->body, "<td%r>", num ? " class=\"num\"" : "");
			if (i == link_col)
				html_fmt(&r->body, "<a href=\"/customer?id=%s\">%s</a>",
					 (const char *)sqlite3_column_text(st, 0), v ? v : "—");
			else if (i == tr_col && v)
				html_text(&r->body, W_(v));
			else
				html_text(&r->body, v ? v : "");
			html_raw(&r->body, "</td>");
		}
		html_raw(&r->body, "</tr>");
	}
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (n)
		html_raw(&r->body, "</tbody></table>");
	else if (empty)
		html_fmt(&r->body, "<p class=\"empty\">%s</p>", empty);
	return n;
}
