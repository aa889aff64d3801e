/*
 * web_sync.c — 同步: how sync is going (last contact, what waits, errors)
 * and the open conflicts, which a manager (or HQ, admin) resolves here.
 *
 * The status is the operation beneath `sync status`, op_sync_status_read
 * (schema/syncstat.h), shown with the same fields the CLI prints
 * (sync_status_fields, client/syncout.h) as a table of Chinese labels; at
 * HQ every branch is a row, as in the CLI's table. Resolving is the
 * operation beneath `conflicts resolve`, op_conflict_resolve
 * (schema/conflict.h), run as the session's person (its connection, staff
 * code and role), so the web and the CLI cannot disagree (docs/WEB.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "conflict.h"
#include "labels.h"
#include "syncout.h"
#include "web.h"

static const char SQL_CONFLICTS[] =
	"SELECT id, tbl, gid, col, kept, kept_site, lost, lost_site, reason, op_local(at)"
	"  FROM conflict WHERE resolved_at IS NULL ORDER BY id LIMIT 200";

/* A field's value as tables show it: a UTC time local, a state's word
 * translated; "" for none. */
static const char *shown(const char *name, const char *v, char *buf, size_t n)
{
	return v ? op_label_value(name, v, buf, n) : "";
}

/* The store's figures: one row a field, its label beside its value. */
static void status_table(struct web_resp *r, const struct op_sync_status *s)
{
	struct rec rec = { 0 };
	char buf[64];

	sync_status_fields(s, 1, &rec);
	html_raw(&r->body, "<table class=\"status\"><tbody>");
	for (int i = 0; i < rec.n; i++) {
		const char *v = shown(rec.names[i], rec.vals[i], buf, sizeof(buf));
		if (strcmp(rec.names[i], "role") == 0)
			v = s->hq ? W_("HQ") : W_("Branch store");
		html_fmt(&r->body, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>",
			 op_label(rec.names[i]), v);
	}
	html_raw(&r->body, "</tbody></table>");
	rec_clear(&rec);
}

/* HQ: every branch a row, the columns of the CLI's branch table. */
static void branch_table(struct web_resp *r, const struct op_sync_status *s)
{
	char buf[64];

	html_fmt(&r->body, "<h2>%s</h2>", W_("Branches"));
	if (!s->nbranches) {
		html_fmt(&r->body, "<p class=\"empty\">%s</p>", W_("No branch enrolled yet."));
		return;
	}
	html_raw(&r->body, "<table id=\"sync-branches\"><thead><tr>");
	for (int c = 0; c < sync_branch_ncols; c++)
		html_fmt(&r->body, "<th>%s</th>", op_label(sync_branch_cols[c]));
	html_raw(&r->body, "</tr></thead><tbody>");
	for (size_t i = 0; i < s->nbranches; i++) {
		struct rec rec = { 0 };
		sync_branch_fields(&s->branches[i], 1, &rec);
		html_fmt(&r->body, "<tr class=\"%s\">", s->branches[i].state);
		for (int c = 0; c < rec.n; c++)
			html_fmt(&r->body, "<td>%s</td>", shown(rec.names[c], rec.vals[c], buf,
								 sizeof(buf)));
		html_raw(&r->body, "</tr>");
		rec_clear(&rec);
	}
	html_raw(&r->body, "</tbody></table>");
}

int web_sync(struct web_resp *r, struct web_req *q)
{
	struct op_ctx *ctx = web_ctx(q);
	struct op_sync_status *s = NULL;
	sqlite3_stmt *st;
	int rc, n = 0;

	if (web_may(r, q, "sync", "status") < 0)
		return 0;
	op_ctx_clear(ctx);
	rc = op_sync_status_read(ctx->db, 0, &s);
	web_page_begin(r, q, W_("Sync"), "sync");
	html_fmt(&r->body, "<h1>%s</h1><section class=\"card\" id=\"sync-status\"><h2>%s</h2>",
		 W_("Sync"), W_("Status"));
	if (rc < 0) {
		html_fmt(&r->body, "<p class=\"alert\">%s</p>", web_errmsg(ctx));
	} else {
		status_table(r, s);
		if (s->hq)
			branch_table(r, s);
	}
	op_sync_status_free(s);
	html_raw(&r->body, "</section>");
	int may = op_role_may(ctx->role, "conflicts", "resolve");
	html_fmt(&r->body, "<section class=\"card\" id=\"conflicts\"><h2>%s</h2>", W_("Open conflicts"));
	if (!(st = op_db_stmt(ctx->db, SQL_CONFLICTS))) {
		html_fmt(&r->body, "<p class=\"alert\">%s</p>", web_errmsg(ctx));
	} else {
		while ((rc = op_db_step(ctx->db, st)) == SQLITE_ROW) {
			const char *c[10];
			for (int i = 0; i < 10; i++)
				c[i] = (const char *)sqlite3_column_text(st, i);
			if (n++ == 0)
				html_fmt(&r->body, "<table><thead><tr><th>#</th><th>%s</th><th>%s</th>"
					 "<th>%s</th><th>%s</th><th>%s</th><th></th></tr></thead><tbody>",
					 W_("Row"), W_("Kept"), W_("Lost"), W_("Why"), W_("When"));
			html_fmt(&r->body, "<tr><td>%s</td><td>%s/%s</td><td>%s (%s)</td>"
				 "<td>%s (%s)</td><td>%s</td><td>%s</td><td>", c[0], c[1], c[2],
				 c[4], c[5], c[6], c[7], c[8], c[9]);
			if (may) {
				for (int k = 0; k < 2; k++) {
					html_raw(&r->body, "<form method=\"post\" action=\"/conflict/resolve\">");
					web_csrf_input(r, q);
					html_fmt(&r->body, "<input type=\"hidden\" name=\"id\" value=\"%s\">"
						 "<input type=\"hidden\" name=\"keep\" value=\"%r\">"
						 "<button type=\"submit\" class=\"quiet\">%s</button></form>",
						 c[0], k ? "lost" : "kept",
						 k ? W_("Take the lost value") : W_("Keep"));
				}
			}
			html_raw(&r->body, "</td></tr>");
		}
		sqlite3_reset(st);
		html_fmt(&r->body, n ? "</tbody></table>" : "<p class=\"empty\">%s</p>",
			 W_("No open conflicts."));
	}
	html_raw(&r->body, "</section>");
	web_page_end(r);
	return 0;
}

int web_conflict_resolve(struct web_resp *r, struct web_req *q)
{
	const char *id = web_f(q, "id"), *keep = web_f(q, "keep");
	struct op_conflict_done d;
	char *end = NULL;
	long long n = id ? strtoll(id, &end, 10) : 0;

	if (web_may(r, q, "conflicts", "resolve") < 0)
		return 0;
	if (n <= 0 || *end || !keep || (strcmp(keep, "kept") != 0 && strcmp(keep, "lost") != 0)) {
		web_fail(r, q, 422, W_("Which conflict, and which value to keep?"));
		return 0;
	}
	op_ctx_clear(web_ctx(q));
	if (op_conflict_resolve(web_ctx(q), n, keep, NULL, &d) < 0) {
		web_fail(r, q, web_status_of(web_ctx(q)), web_errmsg(web_ctx(q)));
		return 0;
	}
	op_conflict_done_free(&d);
	web_redirect(r, "/sync");
	return 0;
}
