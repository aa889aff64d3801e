/*
 * cmd_slip.c — `outpost order slip` and `outpost quote print`: the sales
 * slip (销售单) and the quotation (报价单) as a printable HTML page
 * (slip.h renders it), written to a file or standard output.
 */
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "slip.h"

typedef int (*render_fn)(op_db *db, const char *id, enum slip_paper paper,
			 char **html, size_t *len);

static int write_page(struct op_cli *cli, const char *out, const char *html, size_t len)
{
	FILE *fp = out && strcmp(out, "-") != 0 ? fopen(out, "w") : cli->out;
	if (!fp)
		return cli_error(cli, EX_CANTCREAT, "out: cannot create '%s': %m", out);
	size_t w = fwrite(html, 1, len, fp);
	int bad = fp == cli->out ? fflush(fp) != 0 : fclose(fp) != 0;
	if (w != len || bad)
		return cli_error(cli, EX_IOERR, "out: cannot write '%s': %m", out ? out : "-");
	if (fp != cli->out)
		fprintf(stderr, _("outpost: wrote %s (%zu bytes)\n"), out, len);
	return 0;
}

/* ref resolved by resolve, rendered by render, written per the options. */
static int print_doc(struct op_cli *cli, int argc, char **argv,
		     int (*resolve)(struct op_cli *, const char *, char **), render_fn render)
{
	struct cli_opt spec[] = { { "out", 0, NULL }, { "paper", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	char *id = NULL, *html = NULL;
	size_t len = 0;
	int npos, rc;
	enum slip_paper paper = SLIP_A5;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (cli_opt(spec, "paper") && slip_paper_parse(cli_opt(spec, "paper"), &paper) < 0)
		return cli_error(cli, EX_USAGE, "paper: '%s' is not a4 or a5", cli_opt(spec, "paper"));
	if (resolve(cli, pos[0], &id) < 0)
		return cli_fail(cli);
	if (render(cli->db, id, paper, &html, &len) < 0)
		rc = cli_fail(cli);
	else
		rc = write_page(cli, cli_opt(spec, "out"), html, len);
	free(html);
	free(id);
	return rc;
}

static int quote_ref(struct op_cli *cli, const char *ref, char **id)
{
	if (cli_resolve(cli, "quote", "quote_no", ref, id) == 0)
		return 0;
	if (cli->err.code == EX_NOINPUT)
		op_errc(&cli->err, EX_NOINPUT, "no quote matches '%s'", ref);
	else if (cli->err.code == EX_DATAERR)
		op_errc(&cli->err, EX_DATAERR, "'%s' matches more than one quote; "
			"give the quote number or one of the ids above", ref);
	return -1;
}

static int cmd_order_slip(struct op_cli *cli, int argc, char **argv)
{
	return print_doc(cli, argc, argv, cmd_order_ref, slip_order_html);
}

static int cmd_quote_print(struct op_cli *cli, int argc, char **argv)
{
	return print_doc(cli, argc, argv, quote_ref, slip_quote_html);
}

const struct op_cmd op_cmds_slip[] = {
	{ "order", "slip", cmd_order_slip, "order slip REF [--out FILE] [--paper a5|a4]",
	  "the sales slip (销售单) as a printable HTML page (A5 unless --paper a4; stdout unless --out)" },
	{ "quote", "print", cmd_quote_print, "quote print REF [--out FILE] [--paper a5|a4]",
	  "the quotation (报价单) as a printable HTML page" },
	{ NULL, NULL, NULL, NULL, NULL },
};
