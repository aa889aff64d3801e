/*
 * cmd_product.c — `outpost product add|edit|show|list`.
 *
 * The product catalogue is owned by HQ: it is written only in the HQ store
 * and reaches branches by sync (product routes down only), so add and edit
 * refuse to run against a branch store. Branches read it: list and show
 * work anywhere, and `order add` prices its items from it. A SKU is what
 * staff type in `order add --item SKU:QTY`, so it may not contain ':' or
 * blanks.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "record.h"

static const struct op_field F[] = {
	{ "sku", "sku", F_TEXT, NULL, 0, 0, 1, "货号|编号|产品编号|商品编码|编码|code" },
	{ "name", "name", F_TEXT, NULL, 0, 0, 1, "名称|产品名称|商品名称|品名|product" },
	{ "category", "category", F_TEXT, NULL, 0, 0, 0, "类别|分类|品类|类目" },
	{ "spec", "spec", F_TEXT, NULL, 0, 0, 0, "规格|型号|规格型号|model" },
	{ "price", "price", F_MONEY, NULL, 0, 0, 1, "单价|价格|售价|unit price" },
	{ "active", "active", F_BOOL, NULL, 0, 0, 0, "在售|是否在售|启用" },
	{ "unit", "unit", F_LINE, NULL, 0, 0, 0, "单位|计量单位" },
	{ "precision", "qty_scale", F_INT, NULL, 0, OP_QTY_MAX_SCALE, 0, "精度|小数位" },
};
#define NF ((int)(sizeof(F) / sizeof(F[0])))
enum { SKU = 0, UNIT = 6, PRECISION = 7 };

/* Units sold by length, area or weight are counted to 0.01 unless the
 * product says otherwise; everything else (件 套 卷 个 ...) whole. */
static const char *const FINE_UNITS[] = {
	"米", "m", "平方米", "平米", "㎡", "m2", "公斤", "千克", "kg", "升", "l", NULL
};

static const char *default_precision(const char *unit)
{
	for (int i = 0; unit && FINE_UNITS[i]; i++)
		if (strcasecmp(unit, FINE_UNITS[i]) == 0)
			return "2";
	return NULL;
}

static const char SHOW_COLS[] =
	"id, sku, name, category, spec,"
	" printf('%d.%02d', price / 100, price % 100) AS price,"
	" CASE WHEN active THEN 'yes' ELSE 'no' END AS active, unit,"
	" qty_scale AS precision, created_at";

/* 0 when this store may change the catalogue, else the exit code after
 * printing why: only an initialised HQ store may. */
static int hq_only(struct op_cli *cli)
{
	if (!op_db_site(cli->db))
		return cli_error(cli, EX_CONFIG,
				 "store has no site; run 'outpost init --site CODE' first");
	if (!op_db_is_hq(cli->db))
		return cli_error(cli, EX_NOPERM, "products are managed at HQ "
				 "(this store is branch %s); run this against the HQ store",
				 op_db_site(cli->db));
	return 0;
}

static const char SQL_SKU_TAKEN[] =
	"SELECT 1 FROM product WHERE sku = :sku AND (:id IS NULL OR id <> :id)";

/* Check a raw --sku for row self (NULL on add): trimmed, no ':' or blanks,
 * not used by another product. On success *sku points at the normalised
 * value in buf. 0, or -1 with cli->err set (EX_DATAERR). */
static int check_sku(struct op_cli *cli, const char *raw, const char *self,
		     char *buf, size_t bufsz, const char **sku)
{
	int isnull, rc;

	if (rec_norm(cli, &F[SKU], raw, buf, bufsz, &isnull) < 0)
		return -1;
	if (isnull)
		return op_errc(&cli->err, EX_DATAERR, "sku: is required");
	for (const char *p = buf; *p; p++)
		if (*p == ':' || isspace((unsigned char)*p))
			return op_errc(&cli->err, EX_DATAERR, "sku: '%s' may not contain "
				       "':' or blanks (orders name items as SKU:QTY)", buf);
	if (strlen(buf) > 64)
		return op_errc(&cli->err, EX_DATAERR, "sku: is longer than 64 bytes");
	sqlite3_stmt *st = op_db_stmt(cli->db, SQL_SKU_TAKEN);
	if (!st || op_bind_text(cli->db, st, ":sku", buf) < 0 ||
	    op_bind_text(cli->db, st, ":id", self) < 0)
		return -1;
	rc = op_db_step(cli->db, st);
	sqlite3_reset(st);
	if (rc < 0)
		return -1;
	if (rc == SQLITE_ROW)
		return op_errc(&cli->err, EX_DATAERR,
			       "sku: '%s' is already used by another product", buf);
	*sku = buf;
	return 0;
}

/* The shared start of add and edit: parse, --help, open, HQ check. Returns
 * -1 to go on, or the exit code to return. */
static int begin_write(struct op_cli *cli, int argc, char **argv,
		       const char **vals, const char **pos, int maxpos, int *npos)
{
	int help, rc;

	if (rec_parse(cli, argc, argv, F, NF, vals, NULL, pos, maxpos, npos, &help) < 0) {
		rc = cli_fail(cli);
		cli_usage(cli->cmd, stderr);
		return rc;
	}
	if (help) {
		cli_usage(cli->cmd, stdout);
		return 0;
	}
	if (*npos < maxpos) {
		op_errc(&cli->err, EX_USAGE, "missing argument");
		rc = cli_fail(cli);
		cli_usage(cli->cmd, stderr);
		return rc;
	}
	if (cli_db(cli, &cli->db) < 0)
		return cli_fail(cli);
	if ((rc = hq_only(cli)) != 0)
		return rc;
	return -1;
}

static int cmd_add(struct op_cli *cli, int argc, char **argv)
{
	const char *vals[NF], *pos[1];
	char skubuf[256];
	int npos, rc;

	memset(vals, 0, sizeof(vals));
	if ((rc = begin_write(cli, argc, argv, vals, pos, 0, &npos)) >= 0)
		return rc;
	if (!vals[PRECISION])
		vals[PRECISION] = default_precision(vals[UNIT]);
	if (vals[SKU] && check_sku(cli, vals[SKU], NULL, skubuf, sizeof(skubuf),
				   &vals[SKU]) < 0)
		return cli_fail(cli);
	return rec_add_show(cli, "product", F, NF, vals, SHOW_COLS, NULL, NULL);
}

static int cmd_edit(struct op_cli *cli, int argc, char **argv)
{
	const char *vals[NF], *pos[1];
	char skubuf[256];
	int npos, rc;
	char *id = NULL;

	memset(vals, 0, sizeof(vals));
	if ((rc = begin_write(cli, argc, argv, vals, pos, 1, &npos)) >= 0)
		return rc;
	if (cli_resolve(cli, "product", "sku", pos[0], &id) < 0)
		return cli_fail(cli);
	if (op_db_begin(cli->db, cli->as) < 0)
		goto fail;
	if (vals[SKU] && check_sku(cli, vals[SKU], id, skubuf, sizeof(skubuf),
				   &vals[SKU]) < 0)
		goto fail;
	if (rec_update(cli, "product", F, NF, vals, id) < 0 || op_db_commit(cli->db) < 0)
		goto fail;
	rc = rec_show(cli, "product", SHOW_COLS, id) < 0 ? cli_fail(cli) : 0;
	free(id);
	return rc;
fail:
	op_db_rollback(cli->db);
	free(id);
	return cli_fail(cli);
}

static int cmd_show(struct op_cli *cli, int argc, char **argv)
{
	return rec_show_ref(cli, argc, argv, "product", "sku", SHOW_COLS);
}

static const char SQL_LIST[] =
	"SELECT sku, name, category, spec, unit,"
	"       printf('%d.%02d', price / 100, price % 100) AS price FROM product"
	" WHERE active AND (:category IS NULL OR category = :category)"
	" ORDER BY coalesce(category, '') COLLATE pinyin, sku";
static const char SQL_LIST_ALL[] =
	"SELECT sku, name, category, spec, unit,"
	"       printf('%d.%02d', price / 100, price % 100) AS price,"
	"       CASE WHEN active THEN 'yes' ELSE 'no' END AS active FROM product"
	" WHERE :category IS NULL OR category = :category"
	" ORDER BY coalesce(category, '') COLLATE pinyin, sku";

static int cmd_list(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "category", 0, NULL }, { "all", 1, NULL },
				  { NULL, 0, NULL } };
	const char *pos[1];
	int npos, rc;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	sqlite3_stmt *st = op_db_stmt(cli->db, cli_opt(spec, "all") ? SQL_LIST_ALL : SQL_LIST);
	if (!st || op_bind_text(cli->db, st, ":category", cli_opt(spec, "category")) < 0)
		return cli_fail(cli);
	return cli_print_rows(cli, st) < 0 ? cli_fail(cli) : 0;
}

const struct op_cmd op_cmds_product[] = {
	{ "product", "add", cmd_add,
	  "product add --sku SKU --name NAME --price MONEY [--category C] [--spec S]\n"
	  "       [--unit U] [--precision 0-3]",
	  "add a product to the catalogue (HQ store only); PRICE is per UNIT (default 件); "
	  "PRECISION is the decimals a quantity may have (米, 平方米, kg: 2 unless given)" },
	{ "product", "edit", cmd_edit,
	  "product edit REF [--sku S] [--name N] [--price MONEY] [--category C] [--spec S]\n"
	  "       [--active yes|no] [--unit U] [--precision 0-3]",
	  "change a product (HQ store only; REF: id, its first 6+ characters, or sku)" },
	{ "product", "show", cmd_show, "product show REF", "one product" },
	{ "product", "list", cmd_list, "product list [--category C] [--all]",
	  "the catalogue by category (--all includes products no longer sold)" },
	{ NULL, NULL, NULL, NULL, NULL },
};
