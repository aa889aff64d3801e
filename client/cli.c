/*
 * cli.c — helpers every command group shares (see cli.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "labels.h"
#include "scope.h"
#include "tables.h"

int cli_db(struct op_cli *cli, op_db **out)
{
	if (!cli->db && op_db_open(&cli->db, cli->db_path, 0, &cli->err) < 0)
		return -1;
	op_label_set_tz(op_db_tz(cli->db));
	*out = cli->db;
	return 0;
}

int cli_fail(struct op_cli *cli)
{
	op_err *e = cli->err.msg[0] ? &cli->err :
		    cli->db ? op_db_err(cli->db) : &cli->err;
	fprintf(stderr, "%s: %s\n", cli->prog,
		e->msg[0] ? e->msg : "unknown error");
	return e->code ? e->code : EX_SOFTWARE;
}

int cli_error(struct op_cli *cli, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	op_errv(&cli->err, code, fmt, ap);
	va_end(ap);
	return cli_fail(cli);
}

void cli_warn(struct op_cli *cli, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, _(fmt), ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_usage(const struct op_cmd *cmd, FILE *fp)
{
	fprintf(fp, _("usage: outpost %s\n"), cmd->usage);
	if (cmd->help)
		fprintf(fp, "\n%s\n", _(cmd->help));
}

static struct cli_opt *find_opt(struct cli_opt *spec, const char *name,
				size_t len)
{
	for (; spec && spec->name; spec++)
		if (strlen(spec->name) == len && strncmp(spec->name, name, len) == 0)
			return spec;
	return NULL;
}

int cli_parse(struct op_cli *cli, int argc, char **argv, struct cli_opt *spec,
	      const char **pos, int maxpos, int *npos, int *help)
{
	int only_pos = 0;

	*npos = 0;
	*help = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_pos || a[0] != '-' || a[1] == '\0' ||
		    (a[1] != '-' && a[1] != 'h')) {
			if (*npos >= maxpos)
				return op_errc(&cli->err, EX_USAGE,
					       "unexpected argument '%s'", a);
			pos[(*npos)++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			*help = 1;
			continue;
		}
		if (a[1] != '-')
			return op_errc(&cli->err, EX_USAGE, "unknown option '%s'", a);
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		struct cli_opt *o = find_opt(spec, name, len);
		if (!o)
			return op_errc(&cli->err, EX_USAGE, "unknown option '--%.*s'",
				       (int)len, name);
		if (o->flag) {
			if (eq)
				return op_errc(&cli->err, EX_USAGE,
					       "option '--%s' takes no value", o->name);
			o->val = "1";
		} else if (eq) {
			o->val = eq + 1;
		} else if (i + 1 < argc) {
			o->val = argv[++i];
		} else {
			return op_errc(&cli->err, EX_USAGE,
				       "option '--%s' needs a value", o->name);
		}
	}
	return 0;
}

static int is_flag(const char *a, const char *const *flags)
{
	if (strcmp(a, "--help") == 0 || strchr(a, '='))
		return 1;
	for (; flags && *flags; flags++)
		if (strcmp(a + 2, *flags) == 0)
			return 1;
	return 0;
}

int cli_split_multi(struct op_cli *cli, int argc, char **argv, const char *name,
		    const char *const *flags, char ***rest, int *nrest,
		    const char ***vals, int *nvals)
{
	char **r = calloc((size_t)argc + 1, sizeof(*r));
	const char **v = calloc((size_t)argc + 1, sizeof(*v));
	size_t len = strlen(name);
	int nr = 0, nv = 0, i;

	if (!r || !v) {
		free(r);
		free(v);
		return op_errc(&cli->err, EX_OSERR, "out of memory");
	}
	r[nr++] = argv[0];
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		if (strncmp(a, "--", 2) == 0 && strncmp(a + 2, name, len) == 0) {
			if (a[2 + len] == '=') {
				v[nv++] = a + 3 + len;
				continue;
			}
			if (a[2 + len] == '\0') {
				if (i + 1 >= argc) {
					free(r);
					free(v);
					return op_errc(&cli->err, EX_USAGE,
						       "option '--%s' needs a value", name);
				}
				v[nv++] = argv[++i];
				continue;
			}
		}
		r[nr++] = argv[i];
		if (strncmp(a, "--", 2) == 0 && !is_flag(a, flags) && i + 1 < argc)
			r[nr++] = argv[++i];
	}
	for (; i < argc; i++)
		r[nr++] = argv[i];
	*rest = r;
	*nrest = nr;
	*vals = v;
	*nvals = nv;
	return 0;
}

const char *cli_opt(const struct cli_opt *spec, const char *name)
{
	for (; spec && spec->name; spec++)
		if (strcmp(spec->name, name) == 0)
			return spec->val;
	return NULL;
}

int cli_limit_opt(struct op_cli *cli, const struct cli_opt *spec, int64_t dflt,
		  int64_t *limit)
{
	const char *l = cli_opt(spec, "limit"), *why;

	*limit = dflt;
	if (l && cli_opt(spec, "all"))
		return op_errc(&cli->err, EX_USAGE, "--limit and --all: give one");
	if (cli_opt(spec, "all"))
		*limit = INT64_MAX;
	else if (l && op_valid_int(limit, l, 1, 10000000, &why) < 0)
		return op_errc(&cli->err, EX_DATAERR, "limit: %s", why);
	return 0;
}

const char *cli_short_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	return n > 8 ? id + n - 8 : id ? id : "";
}

/* How candidates of an ambiguous reference are told apart. */
static const struct {
	const char *table, *noun, *sql;
} DESCRIBE[] = {
	{ "customer", "customer", "name || '  ' || coalesce(phone, '-') || '  ' || coalesce(home_branch, '-')"
		      " || CASE WHEN merged_into IS NOT NULL THEN '  (merged)' ELSE '' END" },
	{ "sales_order", "order", "coalesce(order_no, '') || '  ' || order_date" },
};

/* Candidates listed at most; one more is fetched to say "and more". */
#define MAX_CANDIDATES 10

/* Print the rows of st (id, description; stepped once already and reset)
 * to stderr under the line "outpost: <head>:". */
static void print_candidates(struct op_cli *cli, const char *head, sqlite3_stmt *st)
{
	/* TRANSLATORS: the program, then what the list below is */
	fprintf(stderr, _("%s: %s:\n"), cli->prog, head);
	for (int k = 0; k < MAX_CANDIDATES && op_db_step(cli->db, st) == SQLITE_ROW; k++) {
		const char *d = (const char *)sqlite3_column_text(st, 1);
		fprintf(stderr, "  %s  %s\n",
			cli_short_id((const char *)sqlite3_column_text(st, 0)), d ? d : "");
	}
}

/* "3 customers", "more than 10 orders" (3 个客户): the noun is the
 * table's word in the reader's language (op_label_noun). */
static void count_noun(char *out, size_t n, int count, const char *noun)
{
	if (count > MAX_CANDIDATES)
		snprintf(out, n, _("more than %d %ss"), MAX_CANDIDATES, op_label_noun(noun));
	else
		snprintf(out, n, P_("%d %s", "%d %ss", count), count, op_label_noun(noun));
}

/* The description of table's rows for a list of candidates, and the word
 * for one of them. */
static const char *describe_sql(const char *table, const char **noun)
{
	const struct op_table *t = op_table_by_name(table);

	*noun = table;
	for (size_t k = 0; k < sizeof(DESCRIBE) / sizeof(DESCRIBE[0]); k++)
		if (strcmp(DESCRIBE[k].table, table) == 0) {
			*noun = DESCRIBE[k].noun;
			return DESCRIBE[k].sql;
		}
	return t && t->label_sql ? t->label_sql : "''";
}

int cli_same(struct op_cli *cli, const char *table, const char *col,
	     const char *val, char **first, int print)
{
	const struct op_table *t = op_table_by_name(table);
	const char *noun, *describe = describe_sql(table, &noun);
	sqlite3_stmt *st = NULL;
	int n = 0, step;
	op_db *db;

	if (first)
		*first = NULL;
	if (cli_db(cli, &db) < 0)
		return -1;
	/* names from the caller's constants and the table description */
	/* main.: a duplicate is a duplicate even if another salesperson
	 * owns it (the person typed the value; the refusal must not depend
	 * on who asks) */
	char *sql = sqlite3_mprintf("SELECT id, %s FROM main.\"%w\" WHERE \"%w\" = :v%s"
				    " ORDER BY id LIMIT %d", describe, table, col,
				    t && t->merged_col >= 0 ? " AND merged_into IS NULL" : "",
				    MAX_CANDIDATES + 1);
	if (!sql || sqlite3_prepare_v2(op_db_handle(db), sql, -1, &st, NULL) != SQLITE_OK ||
	    op_bind_text(db, st, ":v", val) < 0) {
		n = op_db_fail(db, "lookup");
		goto out;
	}
	while ((step = op_db_step(db, st)) == SQLITE_ROW)
		if (n++ == 0 && first &&
		    !(*first = strdup((const char *)sqlite3_column_text(st, 0)))) {
			n = op_errc(&cli->err, EX_OSERR, "out of memory");
			goto out;
		}
	if (step < 0) {
		n = -1;
		goto out;
	}
	if (n && print) {
		char what[64], head[512];
		count_noun(what, sizeof(what), n, noun);
		/* TRANSLATORS: "1 customer with phone +8613800138000" */
		snprintf(head, sizeof(head), _("%s with %s %s"), what, op_label(col), val);
		sqlite3_reset(st);
		print_candidates(cli, head, st);
	}
out:
	if (n < 0 && first) {
		free(*first);
		*first = NULL;
	}
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return n;
}

int cli_resolve(struct op_cli *cli, const char *table, const char *keycols,
		const char *ref, char **id)
{
	op_db *db;
	sqlite3_str *s;
	sqlite3_stmt *st = NULL;
	char *sql, *found = NULL;
	int n = 0, rc = -1;
	size_t reflen = strlen(ref);
	const char *noun, *describe = describe_sql(table, &noun);

	*id = NULL;
	if (cli_db(cli, &db) < 0)
		return -1;
	if (reflen == 0)
		return op_errc(&cli->err, EX_USAGE, "empty %s reference", op_label_noun(table));
	/* An id prefix uses the primary key index as a range; key columns
	 * must match exactly. Both names come from the caller's constants. */
	s = sqlite3_str_new(op_db_handle(db));
	sqlite3_str_appendf(s, "SELECT id, %s FROM \"%w\" WHERE id = :ref", describe, table);
	/* UUIDv7 ids start with a timestamp, so people quote the random tail
	 * that lists show; a prefix of the full id works too. */
	if (reflen >= 6)
		sqlite3_str_appendf(s, " OR (id >= :ref AND id < :ref || '~')"
				    " OR substr(id, -length(:ref)) = :ref");
	/* Key columns are matched in the base table, as typed: a scope view
	 * may show a phone masked, yet the person who typed the whole number
	 * finds the row (the outer query keeps only rows in scope). */
	for (const char *k = keycols; k && *k; ) {
		char col[64];
		size_t l = strcspn(k, ",");
		snprintf(col, sizeof(col), "%.*s", (int)(l < 63 ? l : 63), k);
		sqlite3_str_appendf(s, " OR id IN (SELECT id FROM main.\"%w\" WHERE \"%w\" = :ref)",
				    table, col);
		k += l + (k[l] == ',');
	}
	sqlite3_str_appendf(s, " LIMIT %d", MAX_CANDIDATES + 1);
	sql = sqlite3_str_finish(s);
	if (!sql || sqlite3_prepare_v2(op_db_handle(db), sql, -1, &st, NULL) != SQLITE_OK) {
		op_db_fail(db, "lookup");
		goto out;
	}
	if (op_bind_text(db, st, ":ref", ref) < 0)
		goto out;
	int step;
	while ((step = op_db_step(db, st)) == SQLITE_ROW) {
		if (n++ == 0)
			found = strdup((const char *)sqlite3_column_text(st, 0));
	}
	if (step < 0)
		goto out;
	if (n == 0) {
		op_errc(&cli->err, EX_NOINPUT, "no %s matches '%s'", op_label_noun(table), ref);
		goto out;
	}
	if (n > 1) {
		char what[64], head[512];
		count_noun(what, sizeof(what), n, noun);
		snprintf(head, sizeof(head), _("'%s' matches %s"), ref, what);
		sqlite3_reset(st);
		print_candidates(cli, head, st);
		op_errc(&cli->err, EX_DATAERR,
			"'%s' matches more than one %s; give one of the ids above", ref,
			op_label_noun(noun));
		goto out;
	}
	*id = found;
	found = NULL;
	rc = 0;
out:
	free(found);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return rc;
}

int cli_print_rows(struct op_cli *cli, sqlite3_stmt *st)
{
	int k = sqlite3_bind_parameter_index(st, ":short_ids");
	if (k)
		sqlite3_bind_int(st, k, cli->fmt == OP_FMT_TABLE);
	op_out *o = op_out_new(cli->out, cli->fmt);
	int n = op_out_stmt(o, st);
	op_out_end(o);
	if (n < 0 && cli->db)
		op_db_fail(cli->db, "query");
	if (n >= 0 && cli_audit(cli, n, 0) < 0)
		return -1;
	return n;
}

/* 2345 -> "2,345" */
static void thousands(char *out, size_t n, int64_t v)
{
	char d[32];
	int len = snprintf(d, sizeof(d), "%lld", (long long)v), o = 0;

	for (int i = 0; i < len && o + 2 < (int)n; i++) {
		if (i && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = d[i];
	}
	out[o] = '\0';
}

int cli_print_limited(struct op_cli *cli, sqlite3_stmt *st, int64_t limit)
{
	int k = sqlite3_bind_parameter_index(st, ":short_ids");
	int64_t total = 0;
	char shown[32], all[32];

	if (k)
		sqlite3_bind_int(st, k, cli->fmt == OP_FMT_TABLE);
	/* every match is stepped through, so the notice can give the total */
	if ((k = sqlite3_bind_parameter_index(st, ":limit")))
		sqlite3_bind_int64(st, k, -1);
	op_out *o = op_out_new(cli->out, cli->fmt);
	int n = op_out_stmt_max(o, st, limit, &total);
	op_out_end(o);
	if (n < 0 && cli->db)
		op_db_fail(cli->db, "query");
	if (n >= 0 && total > n) {
		thousands(shown, sizeof(shown), n);
		thousands(all, sizeof(all), total);
		/* stderr in every format: --json stays an array, and is not cut
		 * silently (docs/OPERATIONS.md) */
		fprintf(stderr, _("%s: showing %s of %s; use --limit N or --all\n"),
			cli->prog, shown, all);
	}
	if (n >= 0 && cli_audit(cli, n, 0) < 0)
		return -1;
	return n;
}

int cli_audit(struct op_cli *cli, int64_t rows, int always)
{
	const struct op_cmd *c = cli->cmd;
	char what[96];

	if (!cli->db || !c)
		return 0;
	if (!always && strcmp(c->group, "export") != 0 &&
	    (cli->fmt == OP_FMT_TABLE || rows < OP_ACCESS_BULK))
		return 0;
	snprintf(what, sizeof(what), "%s%s%s%s", c->group, c->name ? " " : "",
		 c->name ? c->name : "", cli->fmt == OP_FMT_JSON ? " --json" :
		 cli->fmt == OP_FMT_CSV ? " --csv" : "");
	if (strcmp(c->group, "export") == 0 && cli->cmd_arg)
		snprintf(what, sizeof(what), "export %s%s", cli->cmd_arg,
			 cli->fmt == OP_FMT_JSON ? " --json" : "");
	return op_access_record(cli->db, cli->as, what, rows);
}

void cli_now(char out[20])
{
	op_now(out);
}
