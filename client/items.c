/*
 * items.c — the command-line side of order and quote lines: the --item
 * options split out of argv and parsed (schema/items.c prices and writes
 * them).
 */
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "items.h"

int items_begin(struct op_cli *cli, int argc, char **argv, const struct op_field *f,
		int nu, const char **vals, struct cli_opt *extra, struct op_lines *L)
{
	const char *pos[1];
	int nrest = 0, npos, help, rc;

	memset(L, 0, sizeof(*L));
	if (cli_split_multi(cli, argc, argv, "item", NULL, &L->rest, &nrest, &L->args, &L->n) < 0 ||
	    rec_parse(cli, nrest, L->rest, f, nu, vals, extra, pos, 0, &npos, &help) < 0) {
		rc = cli_fail(cli);
		cli_usage(cli->cmd, stderr);
		return rc;
	}
	if (help) {
		cli_usage(cli->cmd, stdout);
		return 0;
	}
	if (!extra[0].val || L->n == 0) {
		op_errc(&cli->err, EX_USAGE, "%s is required", !extra[0].val ?
			"--customer REF" : "at least one --item SKU:QTY[:PRICE[:DISCOUNT]]");
		rc = cli_fail(cli);
		cli_usage(cli->cmd, stderr);
		return rc;
	}
	if (cli_db(cli, &cli->db) < 0)
		return cli_fail(cli);
	if (!(L->items = calloc((size_t)L->n, sizeof(*L->items))))
		return cli_error(cli, EX_OSERR, "out of memory");
	for (int k = 0; k < L->n; k++) {
		L->items[k].arg = L->args[k];
		if (op_items_parse(&cli->ctx, k + 1, &L->items[k]) < 0)
			return cli_fail(cli);
	}
	return -1;
}
