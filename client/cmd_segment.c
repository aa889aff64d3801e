/*
 * cmd_segment.c — `outpost segment add|show|list|count`: saved, named
 * filters over customers (schema/segment.h). The filter options come from
 * the key table op_seg_keys, here and on `customer list` alike
 * (cmd_seg_spec, cmd_seg_opts).
 */
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "segment.h"

void cmd_seg_spec(struct cli_opt *spec)
{
	for (int i = 0; i < OP_SEG_NKEYS; i++)
		spec[i] = (struct cli_opt){ op_seg_keys[i].name, 0, NULL };
	spec[OP_SEG_NKEYS] = (struct cli_opt){ NULL, 0, NULL };
}

int cmd_seg_opts(struct op_cli *cli, const struct cli_opt *spec, struct op_seg *s)
{
	for (int i = 0; i < OP_SEG_NKEYS; i++) {
		const char *v = cli_opt(spec, op_seg_keys[i].name);
		if (v && !*v)
			return op_errc(&cli->err, EX_DATAERR, "%s: empty value", op_seg_keys[i].name);
		if (v && op_seg_set(s, op_seg_keys[i].name, v, &cli->err) < 0)
			return -1;
	}
	return 0;
}

/* The filter of add and count: --filter TEXT, then the options over it. */
enum { X_FILTER, X_NOTES, X_TODAY, NX };
static int filter_args(struct op_cli *cli, int argc, char **argv, const char **pos,
		       int minpos, int *npos, struct op_seg *s, const char **notes,
		       const char **today)
{
	struct cli_opt spec[NX + OP_SEG_NKEYS + 1] = {
		{ "filter", 0, NULL }, { "notes", 0, NULL }, { "today", 0, NULL },
	};
	int rc;
	cmd_seg_spec(spec + NX);
	if ((rc = cmd_begin(cli, argc, argv, spec, pos, minpos, 1, npos)) >= 0)
		return rc;
	if ((spec[X_FILTER].val && op_seg_parse(s, spec[X_FILTER].val, &cli->err) < 0) ||
	    cmd_seg_opts(cli, spec + NX, s) < 0)
		return cli_fail(cli);
	*notes = spec[X_NOTES].val;
	*today = spec[X_TODAY].val;
	return -1;
}

static const char SHOW_COLS[] =
	"id, name, filter, notes, coalesce(branch, 'chain-wide') AS branch, created_by, created_at";

static int cmd_add(struct op_cli *cli, int argc, char **argv)
{
	struct op_seg s = { 0 };
	const char *pos[1], *notes, *today;
	char *id = NULL;
	int npos, rc;

	if ((rc = filter_args(cli, argc, argv, pos, 1, &npos, &s, &notes, &today)) < 0) {
		int64_t n;
		if (op_segment_add(cli->db, pos[0], &s, notes, cli->as, &id) < 0 ||
		    rec_show(cli, "segment", SHOW_COLS, id) < 0 ||
		    op_segment_count(cli->db, &s, today, &n) < 0)
			rc = cli_fail(cli);
		else {
			if (cli->fmt == OP_FMT_TABLE)
				fprintf(cli->out, "customers %lld\n", (long long)n);
			rc = 0;
		}
	}
	op_seg_clear(&s);
	free(id);
	return rc;
}

static int cmd_show(struct op_cli *cli, int argc, char **argv)
{
	return rec_show_ref(cli, argc, argv, "segment", "name", SHOW_COLS);
}

static const char SQL_LIST[] =
	"SELECT name, filter, coalesce(branch, 'chain-wide') AS branch, created_at"
	" FROM main.segment ORDER BY name COLLATE pinyin";

static int cmd_list(struct op_cli *cli, int argc, char **argv)
{
	return cmd_list_sql(cli, argc, argv, SQL_LIST);
}

/* count NAME: the saved segment; count with filters: those (both: the
 * saved one narrowed). */
static int cmd_count(struct op_cli *cli, int argc, char **argv)
{
	struct op_seg s = { 0 }, more = { 0 };
	const char *pos[1], *notes, *today;
	int npos, rc;
	int64_t n;

	if ((rc = filter_args(cli, argc, argv, pos, 0, &npos, &more, &notes, &today)) < 0) {
		rc = 0;
		if (npos && op_segment_load(cli->db, pos[0], &s, NULL) < 0)
			rc = cli_fail(cli);
		for (int i = 0; rc == 0 && i < OP_SEG_NKEYS; i++)
			if (more.val[i]) {
				free(s.val[i]);
				s.val[i] = more.val[i];
				more.val[i] = NULL;
			}
		if (rc == 0 && !op_seg_any(&s))
			rc = cli_error(cli, EX_USAGE, "segment count: give a segment NAME or filters");
		if (rc == 0 && op_segment_count(cli->db, &s, today, &n) < 0)
			rc = cli_fail(cli);
		if (rc == 0) {
			char num[32], *text = op_seg_text(&s);
			const char *names[] = { "customers", "filter" };
			const char *vals[] = { num, text };
			const enum op_kind kinds[] = { OP_K_INT, OP_K_TEXT };
			snprintf(num, sizeof(num), "%lld", (long long)n);
			op_out_record(cli->out, cli->fmt, 2, names, vals, kinds);
			free(text);
		}
	}
	op_seg_clear(&s);
	op_seg_clear(&more);
	return rc;
}

#define FILTER_USAGE "[--class C,C] [--freq F] [--rfm R,F,M] [--channel CODE,..] [--branch CODE,..]\n" \
	"       [--region R] [--owner STAFF] [--gender G] [--style S] [--colour C] [--material M]\n" \
	"       [--brand B] [--tag T,..] [--birthday MM-DD..MM-DD] [--birthday-within DAYS]\n" \
	"       [--bought-after DATE] [--bought-before DATE] [--points-min N] [--product SKU,..]\n" \
	"       [--category CAT,..] [--filter 'KEY=VALUE; ...']"

const struct op_cmd op_cmds_segment[] = {
	{ "segment", "add", cmd_add, "segment add NAME " FILTER_USAGE " [--notes N]",
	  "save a named filter over customers (class, RFM, preferences, birthdays, purchases ...)" },
	{ "segment", "show", cmd_show, "segment show NAME", "a segment's filter" },
	{ "segment", "list", cmd_list, "segment list", "every segment, chain-wide and this branch's" },
	{ "segment", "count", cmd_count, "segment count [NAME] [filters] [--today DATE]",
	  "how many customers (that you may see) a segment or a filter matches" },
	{ NULL, NULL, NULL, NULL, NULL },
};
