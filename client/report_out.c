/*
 * report_out.c — showing a computed report (see report.h): a terminal
 * table per section with a text bar chart (op_bar), JSON, CSV, and the
 * self-contained HTML page with inline SVG charts.
 *
 * Nothing here queries the store except op_report_html, which runs the
 * reports through op_report_run like the CLI does. The HTML page has no
 * scripts, fonts, images or links to anything outside itself: styles are
 * inline and charts are SVG rect elements, so it opens the same offline,
 * in a mail attachment or in a headless browser.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report.h"

#define BAR_CELLS 24	/* text chart width */

/* The bar for row i of s as a string of block characters ("" when the
 * row has no scale), malloc'd. */
static char *bar_text(const struct op_rsec *s, size_t i)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	if (s->scale[i] > 0)
		op_bar(m, s->barv[i], s->scale[i], BAR_CELLS);
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int charted(const struct op_rsec *s)
{
	if (s->bar < 0)
		return 0;
	for (size_t i = 0; i < s->nrows; i++)
		if (s->scale[i] > 0)
			return 1;
	return 0;
}

static void print_section(FILE *fp, const struct op_rsec *s, enum op_fmt fmt)
{
	int chart = fmt == OP_FMT_TABLE && charted(s), n = s->ncols;
	op_out *o = op_out_new(fp, fmt);
	const char **names = calloc((size_t)n + 1, sizeof(char *));
	const char **vals = calloc((size_t)n + 1, sizeof(char *));
	enum op_kind *kinds = calloc((size_t)n + 1, sizeof(enum op_kind));

	if (!names || !vals || !kinds) {
		fputs("outpost: out of memory\n", stderr);
		abort();
	}
	for (int c = 0; c < n; c++)
		names[c] = s->names[c];
	names[n] = "chart";
	op_out_cols(o, n + chart, names);
	for (size_t i = 0; i < s->nrows; i++) {
		char *bar = NULL;
		for (int c = 0; c < n; c++) {
			vals[c] = s->cells[i * (size_t)n + (size_t)c];
			kinds[c] = s->kinds[i * (size_t)n + (size_t)c];
		}
		if (chart) {
			bar = bar_text(s, i);
			vals[n] = bar ? bar : "";
			kinds[n] = OP_K_TEXT;
		}
		op_out_row(o, vals, kinds);
		free(bar);
	}
	op_out_end(o);
	free(names);
	free(vals);
	free(kinds);
}

/* Meta values that are whole numbers go out as JSON numbers. */
static int all_digits(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

int op_report_print(FILE *fp, const op_report *r, enum op_fmt fmt,
		    const char *section)
{
	int n = op_report_nsections(r), shown = 0;
	const char *key, *val;

	if (section) {
		int found = 0;
		for (int i = 0; i < n; i++)
			found |= strcmp(op_report_section(r, i)->key, section) == 0;
		if (!found)
			return -1;
	}
	if (fmt == OP_FMT_JSON) {
		fputs("{\"report\": ", fp);
		op_json_str(fp, op_report_name(r));
		for (int i = 0; (key = op_report_meta(r, i, &val)); i++) {
			fputs(", ", fp);
			op_json_str(fp, key);
			fputs(": ", fp);
			if (all_digits(val))
				fputs(val, fp);
			else
				op_json_str(fp, val);
		}
	} else if (fmt == OP_FMT_TABLE) {
		fprintf(fp, "%s\n", op_report_title(r));
	}
	for (int i = 0; i < n; i++) {
		const struct op_rsec *s = op_report_section(r, i);
		if (section && strcmp(s->key, section) != 0)
			continue;
		switch (fmt) {
		case OP_FMT_JSON:
			fputs(",\n", fp);
			op_json_str(fp, s->key);
			fputs(": ", fp);
			break;
		case OP_FMT_CSV:
			if (shown)
				fputs("\r\n", fp);
			break;
		case OP_FMT_TABLE:
			if (n > 1 && !section && (i > 0 || strncmp(op_report_title(r),
					s->title, strlen(s->title)) != 0))
				fprintf(fp, "\n%s\n", s->title);
			else
				fputc('\n', fp);
			break;
		}
		print_section(fp, s, fmt);
		shown++;
	}
	if (fmt == OP_FMT_JSON)
		fputs("}\n", fp);
	return 0;
}

/* ------------------------------------------------------------ HTML */

/* The label of a chart row: the first column, and the second when it is
 * a name (branch, staff, product), cut to about max terminal cells. */
static void chart_label(char *out, size_t outsz, const struct op_rsec *s, size_t row,
			int max)
{
	const char *a = s->cells[row * (size_t)s->ncols];
	const char *b = s->ncols > 1 && s->types[1] == 't' ?
			s->cells[row * (size_t)s->ncols + 1] : NULL;
	char full[512];
	size_t o = 0;
	int w = 0;

	snprintf(full, sizeof(full), "%s%s%s", a ? a : "", b && *b ? " " : "",
		 b ? b : "");
	/* copy whole UTF-8 sequences while they fit */
	for (const char *p = full; *p && o + 8 < outsz; ) {
		size_t k = 1;
		char one[8];
		while (p[k] && ((unsigned char)p[k] & 0xc0) == 0x80 && k < 4)
			k++;
		memcpy(one, p, k);
		one[k] = '\0';
		int cw = op_display_width(one);
		if (w + cw > max) {
			memcpy(out + o, "\xe2\x80\xa6", 3);	/* … */
			o += 3;
			break;
		}
		memcpy(out + o, p, k);
		o += k;
		w += cw;
		p += k;
	}
	out[o] = '\0';
}

#define CHART_ROWS 40
#define BAR_PX 400
#define LABEL_PX 210

static void html_chart(FILE *fp, const struct op_rsec *s)
{
	size_t rows = 0;
	int h;

	/* metric rows without a scale (counts, money) are in the table only */
	for (size_t i = 0; i < s->nrows && rows < CHART_ROWS; i++)
		rows += s->scale[i] > 0;
	h = (int)rows * 24 + 8;

	fprintf(fp, "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
		" role=\"img\" aria-label=\"", LABEL_PX + BAR_PX + 110, h,
		LABEL_PX + BAR_PX + 110, h);
	op_html_esc(fp, s->title);
	fputs("\">\n", fp);
	for (size_t i = 0, k = 0; i < s->nrows && k < rows; i++) {
		char label[256];
		const char *val = s->cells[i * (size_t)s->ncols + (size_t)s->bar];
		double f;
		int y = 4 + (int)k * 24, w;

		if (s->scale[i] <= 0)
			continue;
		k++;
		f = s->barv[i] / s->scale[i];

		if (f < 0)
			f = 0;
		if (f > 1)
			f = 1;
		w = (int)(f * BAR_PX + 0.5);
		chart_label(label, sizeof(label), s, i, 28);
		fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_PX - 8, y + 15);
		op_html_esc(fp, label);
		fprintf(fp, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\">"
			"<title>", LABEL_PX, y + 2, w);
		op_html_esc(fp, label);
		fputs(": ", fp);
		op_html_esc(fp, val ? val : "");
		fprintf(fp, "</title></rect><text x=\"%d\" y=\"%d\">", LABEL_PX + w + 6, y + 15);
		op_html_esc(fp, val ? val : "");
		fputs("</text>\n", fp);
	}
	fputs("</svg>\n", fp);
}

static void html_table(FILE *fp, const struct op_rsec *s)
{
	fputs("<table><thead><tr>", fp);
	for (int c = 0; c < s->ncols; c++) {
		fputs("<th>", fp);
		op_html_esc(fp, s->names[c]);
		fputs("</th>", fp);
	}
	fputs("</tr></thead><tbody>\n", fp);
	for (size_t i = 0; i < s->nrows; i++) {
		fputs("<tr>", fp);
		for (int c = 0; c < s->ncols; c++) {
			enum op_kind k = s->kinds[i * (size_t)s->ncols + (size_t)c];
			fputs(k == OP_K_INT || k == OP_K_REAL ? "<td class=\"n\">" : "<td>", fp);
			op_html_esc(fp, s->cells[i * (size_t)s->ncols + (size_t)c]);
			fputs("</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</tbody></table>\n", fp);
}

static void html_report(FILE *fp, const op_report *r, const char *id)
{
	fprintf(fp, "<section id=\"%s\">\n<h2>", id);
	op_html_esc(fp, op_report_title(r));
	fputs("</h2>\n", fp);
	for (int i = 0; i < op_report_nsections(r); i++) {
		const struct op_rsec *s = op_report_section(r, i);
		/* the first table's title is usually the report's own */
		if (op_report_nsections(r) > 1 &&
		    (i > 0 || strncmp(op_report_title(r), s->title, strlen(s->title)) != 0)) {
			fputs("<h3>", fp);
			op_html_esc(fp, s->title);
			fputs("</h3>\n", fp);
		}
		if (charted(s))
			html_chart(fp, s);
		html_table(fp, s);
	}
	fputs("</section>\n", fp);
}

static const char STYLE[] =
	"body{font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',"
	"sans-serif;margin:2em auto;max-width:60em;color:#222;padding:0 1em}"
	"h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc}"
	"h3{font-size:1em;color:#555}"
	"table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}"
	"th,td{border-bottom:1px solid #e4e4e4;padding:.2em .6em;text-align:left}"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"svg.chart{display:block;max-width:100%;height:auto;font-size:12px}"
	"svg.chart rect{fill:#3b73b9}svg.chart text{fill:#333}"
	"nav a{margin-right:1em}";

int op_report_html(FILE *fp, op_db *db, const struct op_report_opts *o)
{
	static const struct { const char *name, *by, *id; int hq; } parts[] = {
		{ "sales", "month", "sales-month", 0 },
		{ "sales", "branch", "sales-branch", 1 },
		{ "products", "product", "products", 0 },
		{ "products", "category", "categories", 0 },
		{ "customers", NULL, "customers", 0 },
		{ "channels", NULL, "channels", 0 },
		{ "service", NULL, "service", 0 },
		{ "orders", NULL, "orders", 0 },
		{ "staff", NULL, "staff", 0 },
	};
	const char *site = op_db_site(db);
	char now[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%d %H:%M UTC", &tm);
	fputs("<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>Outpost report ", fp);
	op_html_esc(fp, site ? site : "");
	fprintf(fp, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>Outpost report ", STYLE);
	op_html_esc(fp, site ? site : "");
	fprintf(fp, "</h1>\n<p>Generated %s. Money in yuan; sales exclude cancelled "
		"orders.</p>\n<nav>", now);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (!parts[i].hq || (op_db_is_hq(db) && !o->branch))
			fprintf(fp, "<a href=\"#%s\">%s%s%s</a>", parts[i].id, parts[i].name,
				parts[i].by ? " by " : "", parts[i].by ? parts[i].by : "");
	fputs("</nav>\n", fp);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		struct op_report_opts ro = *o;
		op_report *r;

		if (parts[i].hq && (!op_db_is_hq(db) || o->branch))
			continue;
		ro.by = parts[i].by;
		if (op_report_run(&r, db, parts[i].name, &ro) < 0)
			return -1;
		html_report(fp, r, parts[i].id);
		op_report_free(r);
	}
	fputs("</body>\n</html>\n", fp);
	return 0;
}
