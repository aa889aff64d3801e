/*
 * web_sync.c — 同步: how sync is going (last contact, what waits, errors)
 * and the open conflicts, which a manager (or HQ, admin) resolves here.
 *
 * The status is `sync status` itself and resolving is `conflicts resolve`:
 * their command functions run with the session's context (its scoped
 * connection, its staff code and role) and their output captured into
 * the page, so the web and the CLI cannot disagree. (They are the two
 * commands of the web screen not yet split into an operation beneath the
 * CLI; docs/WEB.md says so.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "web.h"

/* Run `group name args...` as the session's person; its stdout into out
 * (malloc'd), its error into ctx. The command's exit code. */
static int run_cmd(struct web_req *q, const char *group, const char *name, int argc,
		   char **argv, char **out)
{
	struct op_ctx *ctx = web_ctx(q);
	struct op_cli cli = { .prog = "outpost", .fmt = OP_FMT_TABLE,
			      .db_path = q->db_path };
	size_t len = 0;
	int rc = EX_SOFTWARE;

	*out = NULL;
	cli.ctx = *ctx;		/* the session's connection, staff and role */
	op_ctx_clear(&cli.ctx);
	for (const struct op_cmd *c = op_cli_commands(); c->group; c++) {
		if (strcmp(c->group, group) != 0 || !c->name || strcmp(c->name, name) != 0)
			continue;
		if (!(cli.out = open_memstream(out, &len)))
			break;
		cli.cmd = c;
		rc = c->fn(&cli, argc, argv);
		fclose(cli.out);
		break;
	}
	ctx->err = cli.ctx.err;
	ctx->field = cli.ctx.field;
	return rc;
}

static const char SQL_CONFLICTS[] =
	"SELECT id, tbl, gid, col, kept, kept_site, lost, lost_site, reason, op_local(at)"
	"  FROM conflict WHERE resolved_at IS NULL ORDER BY id LIMIT 200";

int web_sync(struct web_resp *r, struct web_req *q)
{
	struct op_ctx *ctx = web_ctx(q);
	char *text = NULL, *argv[] = { "status", NULL };
	sqlite3_stmt *st;
	int rc, n = 0;

	if (web_may(r, q, "sync", "status") < 0)
		return 0;
	rc = run_cmd(q, "sync", "status", 1, argv, &text);
	web_page_begin(r, q, W_("Sync"), "sync");
	html_fmt(&r->body, "<h1>%s</h1><section class=\"card\" id=\"sync-status\"><h2>%s</h2>",
		 W_("Sync"), W_("Status"));
	if (rc != 0 && rc != EX_UNAVAILABLE)
		html_fmt(&r->body, "<p class=\"alert\">%s</p>", web_errmsg(ctx));
	html_fmt(&r->body, "<pre>%s</pre></section>", text ? text : "");
	free(text);
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
	char *text = NULL;

	if (web_may(r, q, "conflicts", "resolve") < 0)
		return 0;
	if (!id || !keep || (strcmp(keep, "kept") != 0 && strcmp(keep, "lost") != 0)) {
		web_fail(r, q, 422, W_("Which conflict, and which value to keep?"));
		return 0;
	}
	char *argv[] = { "resolve", (char *)id, "--keep", (char *)keep, NULL };
	int rc = run_cmd(q, "conflicts", "resolve", 4, argv, &text);
	free(text);
	if (rc != 0) {
		web_fail(r, q, web_status_of(web_ctx(q)), web_errmsg(web_ctx(q)));
		return 0;
	}
	web_redirect(r, "/sync");
	return 0;
}
