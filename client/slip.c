/*
 * slip.c — the sales slip and the quotation as printable HTML (see slip.h).
 *
 * One layout serves both: a head (shop, title, number, date, customer),
 * the item table, the sums, payments (orders only) and signature lines.
 * The head and the items come from SQL with fixed column positions, so
 * the order and the quote differ only in their statements and labels.
 * Money is integer cents formatted here (rec_money), quantities steps of
 * the unit formatted at the unit's precision (op_qty_format): nothing
 * goes through a float. Dates are the shop's local calendar day.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "out.h"
#include "record.h"
#include "setting.h"
#include "slip.h"
#include "valid.h"

int slip_paper_parse(const char *s, enum slip_paper *p)
{
	if (s && strcasecmp(s, "a5") == 0)
		*p = SLIP_A5;
	else if (s && strcasecmp(s, "a4") == 0)
		*p = SLIP_A4;
	else
		return -1;
	return 0;
}

/* Head columns, in this order, for both documents. */
enum { H_NO, H_DATE, H_CUST, H_PHONE, H_ADDR, H_STAFF, H_STAFFNAME, H_BRANCH,
       H_DISCOUNT, H_TOTAL, H_PAID, H_STATUS, H_NOTES, H_EXTRA, H_METHOD, H_N };

/* A date typed or defaulted: an order_date left to its default is the UTC
 * day it was created, which is the shop's local day only after 08:00. */
#define LOCAL_DAY(d, created) "CASE WHEN " d " = date(" created ") THEN date(" created \
	", 'localtime') ELSE " d " END"
#define PAID "(SELECT coalesce(sum(CASE kind WHEN 'refund' THEN -amount ELSE amount END), 0)" \
	" FROM payment WHERE order_id = o.id)"

static const char SQL_ORDER[] =
	"SELECT o.order_no, " LOCAL_DAY("o.order_date", "o.created_at") ", c.name, c.phone,"
	"       coalesce(o.delivery_address, c.address), o.staff,"
	"       (SELECT name FROM main.staff s WHERE s.code = o.staff), o.branch,"
	"       o.discount, o.total, " PAID ", o.status, o.notes, o.expected_date, o.payment"
	" FROM sales_order o LEFT JOIN customer c ON c.id = o.customer_id WHERE o.id = :id";
static const char SQL_QUOTE[] =
	"SELECT q.quote_no, " LOCAL_DAY("q.quote_date", "q.created_at") ", c.name, c.phone,"
	"       c.address, q.staff, (SELECT name FROM main.staff s WHERE s.code = q.staff),"
	"       q.branch, q.discount, q.total, NULL, q.status, q.notes, q.valid_until, NULL"
	" FROM quote q LEFT JOIN customer c ON c.id = q.customer_id WHERE q.id = :id";

/* Item columns, in this order. */
enum { I_SKU, I_NAME, I_SPEC, I_QTY, I_SCALE, I_UNIT, I_PRICE, I_DISC, I_LINE };
#define ITEM_COLS "sku, name, spec, qty, qty_scale, unit, unit_price, discount, line_total"
static const char SQL_ORDER_ITEMS[] =
	"SELECT " ITEM_COLS " FROM order_item WHERE order_id = :id ORDER BY rowid";
static const char SQL_QUOTE_ITEMS[] =
	"SELECT " ITEM_COLS " FROM quote_item WHERE quote_id = :id ORDER BY rowid";
static const char SQL_PAYMENTS[] =
	"SELECT datetime(paid_at, 'localtime'), kind, amount, method, staff FROM payment"
	" WHERE order_id = :id ORDER BY paid_at, rowid";

struct doc {
	const char *title;	/* 销售单 / 报价单 */
	const char *what;	/* "order" / "quote", for errors */
	const char *head_sql, *items_sql;
	int payments;
	const char *no_label, *extra_label;
};

static const struct doc order_doc = {
	"销售单", "order", SQL_ORDER, SQL_ORDER_ITEMS, 1, "单号", "预计送货",
};
static const struct doc quote_doc = {
	"报价单", "quote", SQL_QUOTE, SQL_QUOTE_ITEMS, 0, "报价单号", "有效期至",
};

static const char *const words[][2] = {
	{ "deposit", "定金" }, { "balance", "尾款" }, { "payment", "付款" }, { "refund", "退款" },
	{ "cash", "现金" }, { "card", "银行卡" }, { "wechat", "微信" }, { "alipay", "支付宝" },
	{ "transfer", "对公转账" }, { "credit", "挂账" }, { "other", "其他" },
	{ "pending", "待发货" }, { "shipped", "已发货" }, { "delivered", "已送达" },
	{ "completed", "已完成" }, { "cancelled", "已取消" }, { "returned", "已退货" },
	{ "open", "有效" }, { "converted", "已转订单" },
};

/* The Chinese word for a stored code, or the code itself. */
static const char *zh(const char *code)
{
	for (size_t i = 0; code && i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(code, words[i][0]) == 0)
			return words[i][1];
	return code;
}

static const char CSS[] =
	"*{box-sizing:border-box}"
	"html{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
	"body{margin:0;color:#000;background:#fff;font-family:\"Noto Sans CJK SC\","
	"\"Noto Sans SC\",\"Source Han Sans SC\",\"PingFang SC\",\"Hiragino Sans GB\","
	"\"Microsoft YaHei\",\"微软雅黑\",\"SimHei\",\"黑体\",\"SimSun\",\"宋体\",sans-serif;"
	"line-height:1.35}"
	"@media screen{body{margin:8mm auto;padding:0 10mm}}"
	"h1{margin:0;text-align:center;font-size:1.45em;letter-spacing:.05em}"
	".shop{margin:.5mm 0 0;text-align:center;font-size:.85em}"
	"h2{margin:2mm 0 2mm;text-align:center;font-size:1.25em;letter-spacing:.6em}"
	"table{width:100%;border-collapse:collapse}"
	".meta td,.meta th{padding:.6mm 1mm;text-align:left;vertical-align:top}"
	".meta th{white-space:nowrap;font-weight:normal;width:1%}"
	".items{margin-top:1.5mm}"
	".items th,.items td{border:.25mm solid #000;padding:.8mm 1.2mm;vertical-align:top}"
	".items th{background:#eee;font-weight:bold;white-space:nowrap}"
	".num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
	".c{text-align:center}"
	".sku{font-size:.8em;color:#333}"
	".sums{width:auto;margin:1.5mm 0 0 auto}"
	".sums th{text-align:right;font-weight:normal;padding:.3mm 2mm}"
	".sums td{text-align:right;padding:.3mm 1mm;white-space:nowrap}"
	".sums .due td,.sums .due th{font-weight:bold}"
	".pays,.notes{margin:1.5mm 0 0;font-size:.85em}"
	".sign{display:flex;justify-content:space-between;margin-top:7mm;gap:4mm}"
	".sign div{flex:1;white-space:nowrap}"
	".sign span{display:inline-block;min-width:22mm;border-bottom:.25mm solid #000}"
	"footer{margin-top:4mm;font-size:.75em;text-align:center;color:#444}"
	"tr{break-inside:avoid}";

static void text(FILE *fp, sqlite3_stmt *st, int col)
{
	op_html_esc(fp, (const char *)sqlite3_column_text(st, col));
}

static void money(FILE *fp, const char *id, int64_t cents)
{
	char m[32];
	rec_money(m, sizeof(m), cents);
	if (id)
		fprintf(fp, "<td id=\"%s\" data-cents=\"%lld\">¥%s</td>", id, (long long)cents, m);
	else
		fprintf(fp, "<td class=\"num\">%s</td>", m);
}

/* The shop's lines: name, then address and phone when set. */
static void shop(FILE *fp, op_db *db, const char *site)
{
	char *name = op_setting_get(db, site, "name"), *addr = op_setting_get(db, site, "address"),
	     *phone = op_setting_get(db, site, "phone");
	fputs("<header><h1 id=\"shop\">", fp);
	op_html_esc(fp, name ? name : "");
	fputs("</h1>", fp);
	if (addr || phone) {
		fputs("<p class=\"shop\">", fp);
		if (addr) {
			fputs("地址：<span id=\"address\">", fp);
			op_html_esc(fp, addr);
			fputs("</span>", fp);
		}
		if (phone) {
			fputs(addr ? "　电话：<span id=\"phone\">" : "电话：<span id=\"phone\">", fp);
			op_html_esc(fp, phone);
			fputs("</span>", fp);
		}
		fputs("</p>", fp);
	}
	free(name);
	free(addr);
	free(phone);
}

/* The item rows; *sum gets the lines' total (after line discounts). */
static int items(FILE *fp, op_db *db, const struct doc *d, const char *id, int64_t *sum)
{
	sqlite3_stmt *st = op_db_stmt(db, d->items_sql);
	int rc, k = 0;
	char q[64];

	*sum = 0;
	if (!st || op_bind_text(db, st, ":id", id) < 0)
		return -1;
	fputs("<table class=\"items\"><thead><tr><th>序号</th><th>商品名称</th><th>规格型号</th>"
	      "<th>单位</th><th>数量</th><th>单价</th><th>优惠</th><th>金额</th></tr></thead>"
	      "<tbody>", fp);
	while ((rc = op_db_step(db, st)) == SQLITE_ROW) {
		op_qty_format(q, sizeof(q), sqlite3_column_int64(st, I_QTY),
			      sqlite3_column_int(st, I_SCALE));
		fprintf(fp, "<tr class=\"item\"><td class=\"c\">%d</td><td>", ++k);
		text(fp, st, I_NAME);
		if (sqlite3_column_text(st, I_SKU)) {
			fputs("<br><span class=\"sku\">", fp);
			text(fp, st, I_SKU);
			fputs("</span>", fp);
		}
		fputs("</td><td>", fp);
		text(fp, st, I_SPEC);
		fputs("</td><td class=\"c\">", fp);
		text(fp, st, I_UNIT);
		fprintf(fp, "</td><td class=\"num qty\">%s</td>", q);
		money(fp, NULL, sqlite3_column_int64(st, I_PRICE));
		money(fp, NULL, sqlite3_column_int64(st, I_DISC));
		money(fp, NULL, sqlite3_column_int64(st, I_LINE));
		fputs("</tr>", fp);
		*sum += sqlite3_column_int64(st, I_LINE);
	}
	sqlite3_reset(st);
	fputs("</tbody></table>", fp);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int payments(FILE *fp, op_db *db, const char *id)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_PAYMENTS);
	int rc, k = 0;
	char m[32];

	if (!st || op_bind_text(db, st, ":id", id) < 0)
		return -1;
	while ((rc = op_db_step(db, st)) == SQLITE_ROW) {
		fputs(k++ ? "；" : "<p class=\"pays\">收款记录：", fp);
		rec_money(m, sizeof(m), sqlite3_column_int64(st, 2));
		/* the day of paid_at: any text a sqlite3 shell left there, escaped */
		char day[11];
		snprintf(day, sizeof(day), "%s", sqlite3_column_text(st, 0) ?
			 (const char *)sqlite3_column_text(st, 0) : "");
		fputs("<span class=\"pay\">", fp);
		op_html_esc(fp, day);
		fputc(' ', fp);
		op_html_esc(fp, zh((const char *)sqlite3_column_text(st, 1)));
		fprintf(fp, " ¥%s ", m);
		op_html_esc(fp, zh((const char *)sqlite3_column_text(st, 3)));
		fputs("</span>", fp);
	}
	if (k)
		fputs("</p>", fp);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void meta_cell(FILE *fp, const char *label, const char *id, sqlite3_stmt *st,
		      int col, int span)
{
	fprintf(fp, "<th>%s：</th><td%s%s%s%s>", label, id ? " id=\"" : "", id ? id : "",
		id ? "\"" : "", span ? " colspan=\"3\"" : "");
	text(fp, st, col);
	fputs("</td>", fp);
}

static int render(FILE *fp, op_db *db, const struct doc *d, const char *id,
		  enum slip_paper paper)
{
	sqlite3_stmt *st = op_db_stmt(db, d->head_sql);
	int64_t sum;
	int rc;

	if (!st || op_bind_text(db, st, ":id", id) < 0 || (rc = op_db_step(db, st)) < 0)
		return -1;
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return op_errc(op_db_err(db), EX_NOINPUT, "no %s with id %s", d->what, id);
	}
	fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width\"><title>", fp);
	fputs(d->title, fp);
	fputc(' ', fp);
	text(fp, st, H_NO);
	fprintf(fp, "</title><style>@page{size:%s portrait;margin:%s}"
		"body{font-size:%s}@media screen{body{max-width:%s}}%s</style></head>\n"
		"<body class=\"%s\">", paper == SLIP_A4 ? "A4" : "A5",
		paper == SLIP_A4 ? "15mm 15mm 15mm 15mm" : "9mm 9mm 9mm 9mm",
		paper == SLIP_A4 ? "11pt" : "9pt", paper == SLIP_A4 ? "210mm" : "148mm",
		CSS, paper == SLIP_A4 ? "a4" : "a5");
	const char *branch = (const char *)sqlite3_column_text(st, H_BRANCH);
	shop(fp, db, branch ? branch : op_db_site(db) ? op_db_site(db) : "");
	fprintf(fp, "<h2>%s</h2></header>\n<table class=\"meta\"><tr>", d->title);
	meta_cell(fp, d->no_label, "number", st, H_NO, 0);
	meta_cell(fp, "日期", "date", st, H_DATE, 0);
	fputs("</tr><tr>", fp);
	meta_cell(fp, "客户", "customer", st, H_CUST, 0);
	meta_cell(fp, "电话", "customer-phone", st, H_PHONE, 0);
	fputs("</tr><tr>", fp);
	meta_cell(fp, d->payments ? "送货地址" : "地址", NULL, st, H_ADDR, 0);
	meta_cell(fp, d->extra_label, NULL, st, H_EXTRA, 0);
	fputs("</tr></table>\n", fp);
	if (items(fp, db, d, id, &sum) < 0)
		goto fail;
	int64_t disc = sqlite3_column_int64(st, H_DISCOUNT), total = sqlite3_column_int64(st, H_TOTAL);
	fputs("\n<table class=\"sums\"><tr><th>小计</th>", fp);
	money(fp, "subtotal", sum);
	fputs("</tr><tr><th>整单优惠</th>", fp);
	money(fp, "discount", disc);
	fputs("</tr><tr class=\"due\"><th>合计</th>", fp);
	money(fp, "total", total);
	fputs("</tr>", fp);
	if (d->payments) {
		int64_t paid = sqlite3_column_int64(st, H_PAID);
		fputs("<tr><th>已付</th>", fp);
		money(fp, "paid", paid);
		fputs("</tr><tr class=\"due\"><th>未付（尾款）</th>", fp);
		money(fp, "outstanding", total - paid);
		fputs("</tr>", fp);
	}
	fputs("</table>\n", fp);
	if (d->payments && payments(fp, db, id) < 0)
		goto fail;
	if (sqlite3_column_text(st, H_METHOD) || sqlite3_column_text(st, H_NOTES)) {
		fputs("<p class=\"notes\">", fp);
		if (sqlite3_column_text(st, H_METHOD)) {
			fputs("付款方式：", fp);
			op_html_esc(fp, zh((const char *)sqlite3_column_text(st, H_METHOD)));
			fputs("　", fp);
		}
		if (sqlite3_column_text(st, H_NOTES)) {
			fputs("备注：", fp);
			text(fp, st, H_NOTES);
		}
		fputs("</p>", fp);
	}
	fputs("\n<div class=\"sign\"><div>销售员：<span id=\"staff\">", fp);
	text(fp, st, sqlite3_column_text(st, H_STAFFNAME) ? H_STAFFNAME : H_STAFF);
	fprintf(fp, "</span></div><div>客户签字：<span></span></div><div>%s<span></span></div></div>\n",
		d->payments ? "收款人：" : "日期：");
	fprintf(fp, "<footer>%s</footer>\n</body></html>\n", d->payments ?
		"请核对商品、数量与金额；定金收据请妥善保管。" :
		"本报价单在有效期内有效，价格以签订订单时为准。");
	sqlite3_reset(st);
	return 0;
fail:
	sqlite3_reset(st);
	return -1;
}

static int to_buffer(op_db *db, const struct doc *d, const char *id, enum slip_paper paper,
		     char **html, size_t *len)
{
	FILE *fp = open_memstream(html, len);
	int rc;

	if (!fp)
		return op_errc(op_db_err(db), EX_OSERR, "out of memory for the %s page", d->what);
	rc = render(fp, db, d, id, paper);
	if (fclose(fp) != 0 && rc == 0)
		rc = op_errc(op_db_err(db), EX_OSERR, "out of memory for the %s page", d->what);
	if (rc < 0) {
		free(*html);
		*html = NULL;
		*len = 0;
	}
	return rc;
}

int slip_order_html(op_db *db, const char *id, enum slip_paper paper, char **html, size_t *len)
{
	return to_buffer(db, &order_doc, id, paper, html, len);
}

int slip_quote_html(op_db *db, const char *id, enum slip_paper paper, char **html, size_t *len)
{
	return to_buffer(db, &quote_doc, id, paper, html, len);
}
