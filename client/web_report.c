/*
 * web_report.c — 今日 (today's reminders) and 报表 (the reports), drawn
 * from the same computed reports the CLI prints (report.h): `remind`'s
 * op_report_remind and `report NAME`'s op_report_run. A section becomes a
 * table; a section with a charted column also gets a bar chart as inline
 * SVG, drawn here on the server (no script, no fetched library). The
 * session's scope views narrow every figure to what the person may read.
 */
#include <stdio.h>
#include <string.h>
#include "i18n.h"
#include "labels.h"
#include "report.h"
#include "web.h"

/* Words of the store's data the pages show translated (ticket kinds and
 * statuses, the reminder list's titles, columns, states and kinds): listed
 * here so xgettext puts them in the catalogue. */
const char *const web_data_words[] = {
	N_("complaint"), N_("repair"), N_("return"), N_("installation"), N_("enquiry"),
	N_("other"), N_("open"), N_("in_progress"), N_("resolved"), N_("closed"),
	N_("Reminders"), N_("due"), N_("state"), N_("kind"), N_("customer"), N_("phone"),
	N_("staff"), N_("what"), N_("why"), N_("since"), N_("overdue"), N_("today"),
	N_("upcoming"), N_("followup"), N_("birthday"), N_("delivery"), N_("pending"),
	N_("shipped"), N_("delivered"), N_("completed"), N_("cancelled"), N_("returned"),
	N_("male"), N_("female"), N_("call"), N_("visit"), N_("message"), NULL,
};

/* A title or column name: the web catalogue's, else the CLI's. */
static const char *tr(const char *s)
{
	const char *t = W_(s);
	return t != s ? t : _(s);
}

static void chart(struct web_resp *r, const struct op_rsec *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nrows; i++)
		n += s->scale[i] > 0;
	if (s->bar < 0 || n == 0 || n > 40)
		return;
	int h = (int)n * 22 + 8, y = 4;
	html_fmt(&r->body, "<svg class=\"chart\" width=\"640\" height=\"%d\" viewBox=\"0 0 640 %d\" "
		 "role=\"img\" aria-label=\"%s\">", h, h, tr(s->title));
	for (size_t i = 0; i < s->nrows; i++) {
		if (s->scale[i] <= 0)
			continue;
		const char *label = s->cells[i * (size_t)s->ncols];
		const char *val = s->cells[i * (size_t)s->ncols + (size_t)s->bar];
		double f = s->barv[i] / s->scale[i];
		int w = (int)(f < 0 ? 0 : f > 1 ? 380 : f * 380);
		html_fmt(&r->body, "<text x=\"0\" y=\"%d\">%s</text><rect x=\"160\" y=\"%d\" "
			 "width=\"%d\" height=\"14\"></rect><text x=\"%d\" y=\"%d\">%s</text>",
			 y + 12, label ? label : "", y + 1, w, 166 + w, y + 12, val ? val : "");
		y += 22;
	}
	html_raw(&r->body, "</svg>");
}

static void sections(struct web_resp *r, const op_report *rep, const char *id_prefix)
{
	for (int k = 0; k < op_report_nsections(rep); k++) {
		const struct op_rsec *s = op_report_section(rep, k);
		html_fmt(&r->body, "<section class=\"card\" id=\"%r-%s\"><h2>%s "
			 "<span class=\"count\">%D</span></h2>", id_prefix, s->key, tr(s->title),
			 (int64_t)s->nrows);
		chart(r, s);
		if (s->nrows == 0) {
			html_fmt(&r->body, "<p class=\"empty\">%s</p></section>", W_("Nothing."));
			continue;
		}
		html_raw(&r->body, "<table><thead><tr>");
		for (int c = 0; c < s->ncols; c++)
			html_fmt(&r->body, "<th%r>%s</th>", s->types[c] == 't' ? "" : " class=\"num\"",
				 op_label(s->names[c]));
		html_raw(&r->body, "</tr></thead><tbody>");
		for (size_t i = 0; i < s->nrows; i++) {
			html_raw(&r->body, "<tr>");
			for (int c = 0; c < s->ncols; c++) {
				const char *v = s->cells[i * (size_t)s->ncols + (size_t)c];
				char buf[64];
				/* the CLI's labels: enumeration words translated, stored
				 * UTC times in the store's zone */
				if (v)
					v = op_label_value(s->names[c], v, buf, sizeof(buf));
				/* short words stay on one line; sentences wrap */
				html_fmt(&r->body, "<td%r>%s</td>", s->types[c] != 't' ? " class=\"num\"" :
					 v && strlen(v) <= 24 ? " class=\"nw\"" : "", v ? v : "");
			}
			html_raw(&r->body, "</tr>");
		}
		html_raw(&r->body, "</tbody></table></section>");
	}
}

/* New enquiries 今日 lists at most, the longest waiting first: a store
 * that never recorded follow-ups has every customer there. */
#define TODAY_ENQUIRIES 100

/* How many of rep's reminders are of kind (its column "kind"). */
static int64_t reminders_of(const op_report *rep, const char *kind)
{
	int64_t n = 0;
	for (int k = 0; k < op_report_nsections(rep); k++) {
		const struct op_rsec *s = op_report_section(rep, k);
		for (int c = 0; c < s->ncols; c++)
			if (strcmp(s->names[c], "kind") == 0)
				for (size_t i = 0; i < s->nrows; i++) {
					const char *v = s->cells[i * (size_t)s->ncols + (size_t)c];
					n += v && strcmp(v, kind) == 0;
				}
	}
	return n;
}

int web_today(struct web_resp *r, struct web_req *q)
{
	struct op_ctx *ctx = web_ctx(q);
	struct op_report_opts o = { .days = 1, .limit = TODAY_ENQUIRIES };
	op_report *rep = NULL;

	if (web_may(r, q, "remind", NULL) < 0)
		return 0;
	if (op_report_remind(&rep, ctx->db, &o) < 0) {
		web_fail(r, q, 500, web_errmsg(ctx));
		return 0;
	}
	web_page_begin(r, q, W_("Today"), "today");
	html_fmt(&r->body, "<h1>%s</h1><p class=\"hint\">%s</p>", W_("Today"),
		 W_("Follow-ups due, first contacts inside 24 hours, complaints near the 24-hour "
		    "reply limit, deliveries and overdue orders, birthdays."));
	if (reminders_of(rep, "enquiry") >= TODAY_ENQUIRIES)
		html_fmt(&r->body, "<p class=\"hint\" id=\"today-cut\">%s</p>",
			 W_("Only the 100 new enquiries waiting longest are listed; "
			    "outpost remind lists them all."));
	sections(r, rep, "today");
	web_page_end(r);
	op_report_free(rep);
	return 0;
}

int web_reports(struct web_resp *r, struct web_req *q)
{
	struct op_ctx *ctx = web_ctx(q);
	struct op_report_opts o = { 0 };

	if (web_may(r, q, "report", "sales") < 0)
		return 0;
	o.branch = web_q(q, "branch") && *web_q(q, "branch") ? web_q(q, "branch") : NULL;
	web_page_begin(r, q, W_("Reports"), "reports");
	html_fmt(&r->body, "<h1>%s</h1><form method=\"get\" action=\"/reports\" class=\"row\">"
		 "<input type=\"text\" name=\"branch\" value=\"%s\" placeholder=\"%s\">"
		 "<button type=\"submit\">%s</button></form>", W_("Reports"),
		 o.branch ? o.branch : "", W_("Branch code (empty: all I may see)"), W_("Show"));
	for (int i = 0; op_report_names[i]; i++) {
		op_report *rep = NULL;
		if (op_report_run(&rep, ctx->db, op_report_names[i], &o) < 0) {
			html_fmt(&r->body, "<p class=\"alert\">%s: %s</p>", op_report_names[i],
				 web_errmsg(ctx));
			op_err_clear(op_db_err(ctx->db));
			continue;
		}
		html_fmt(&r->body, "<h2>%s</h2>", tr(op_report_title(rep)));
		sections(r, rep, op_report_names[i]);
		op_report_free(rep);
	}
	web_page_end(r);
	return 0;
}
