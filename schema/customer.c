/*
 * customer.c — the customer operations (ops.h): register, change, search,
 * and why a customer is out of sight.
 *
 * The field table below is the one description of a customer as people
 * give it: options and form fields, validation, and the spreadsheet
 * headers import accepts (English and Chinese). Search finds by any part
 * of a name, phone digits or email: 3+ characters through the FTS5
 * trigram index, shorter queries (2-character Chinese names) by instr()
 * over the table. Every read goes through the connection's scope views.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "ops.h"
#include "assign.h"
#include "scope.h"

const struct op_field op_customer_fields[] = {
	{ "name", "name", F_LINE, NULL, 0, 0, 1, "姓名|客户姓名|客户名称|名字|customer|customer name" },
	{ "gender", "gender", F_ENUM, &op_enum_gender, 0, 0, 0, "性别|sex" },
	{ "birthday", "birthday", F_DATE, NULL, 0, 0, 0, "生日|出生日期|birth date|dob" },
	{ "phone", "phone", F_PHONE, NULL, 0, 0, 0, "电话|手机|手机号|联系电话|mobile|tel|telephone" },
	{ "email", "email", F_EMAIL, NULL, 0, 0, 0, "邮箱|电子邮件|电子邮箱|e-mail|mail" },
	{ "address", "address", F_TEXT, NULL, 0, 0, 0, "地址|住址|联系地址" },
	{ "employer", "employer", F_TEXT, NULL, 0, 0, 0, "单位|工作单位|公司|company" },
	{ "title", "title", F_TEXT, NULL, 0, 0, 0, "职务|职位|job title" },
	{ "interests", "interests", F_TEXT, NULL, 0, 0, 0, "兴趣|爱好|兴趣爱好|hobbies" },
	{ "style", "pref_style", F_TEXT, NULL, 0, 0, 0, "风格|喜欢风格|pref_style" },
	{ "colour", "pref_colour", F_TEXT, NULL, 0, 0, 0, "颜色|喜欢颜色|color|pref_colour" },
	{ "material", "pref_material", F_TEXT, NULL, 0, 0, 0, "材质|材料|pref_material" },
	{ "brand", "pref_brand", F_TEXT, NULL, 0, 0, 0, "品牌|pref_brand" },
	{ "budget", "budget", F_MONEY, NULL, 0, 0, 0, "预算" },
	{ "channel", "channel", F_CHANNEL, NULL, 0, 0, 0, "来源|来源渠道|渠道|客户来源|source" },
	{ "owner", "owner", F_TEXT, NULL, 0, 0, 0, "负责人|销售|销售人员|跟进人|salesperson" },
	{ "branch", "home_branch", F_TEXT, NULL, 0, 0, 0, "门店|所属门店|分店|home_branch|store" },
	{ "tags", "tags", F_TEXT, NULL, 0, 0, 0, "标签|tag" },
	{ "notes", "notes", F_TEXT, NULL, 0, 0, 0, "备注|说明|note|remarks" },
	{ "flags", "flags", F_TEXT, NULL, 0, 0, 0, "特别标注|标注|special" },
	{ "points", "points", F_INT, NULL, 0, 1000000000, 0, "积分|会员积分" },
	{ "wechat", "wechat", F_LINE, NULL, 0, 0, 0, "微信|微信号|微信id|weixin|wx|wechat id" },
	{ "no-contact", "no_contact", F_BOOL, NULL, 0, 0, 0,
	  "免打扰|拒绝营销|勿扰|不联系|do not contact|no contact|dnc" },
};
const int op_customer_nfields = sizeof(op_customer_fields) / sizeof(op_customer_fields[0]);

#define NF op_customer_nfields
#define F op_customer_fields

/* A customer outside the signed-in person's scope is not in the scope
 * view at all; this names why, from the row's owner and home branch only. */
static const char SQL_HIDDEN[] =
	"SELECT coalesce(owner, ''), coalesce(home_branch, '') FROM main.customer"
	" WHERE phone = :ref OR name = :ref OR id = :ref"
	"  OR (length(:ref) >= 6 AND substr(id, -length(:ref)) = :ref) LIMIT 1";

int op_customer_hidden(struct op_ctx *ctx, const char *ref)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (op_scope_kind(ctx->db) == OP_SCOPE_ALL)
		return 0;
	if (!(st = op_db_stmt(ctx->db, SQL_HIDDEN)) ||
	    op_bind_text(ctx->db, st, ":ref", ref) < 0)
		return -1;
	if (op_db_step(ctx->db, st) == SQLITE_ROW) {
		const char *owner = (const char *)sqlite3_column_text(st, 0);
		const char *branch = (const char *)sqlite3_column_text(st, 1);
		if (op_scope_kind(ctx->db) == OP_SCOPE_OWNER)
			op_errc(&ctx->err, EX_NOPERM, "customer %s is not yours (owner: %s); "
				"sales staff work with their own customers, a manager with "
				"the branch's", ref, *owner ? owner : "nobody");
		else
			op_errc(&ctx->err, EX_NOPERM, "customer %s belongs to branch %s; "
				"you work for %s (role hq sees every branch)", ref,
				*branch ? branch : "none", op_scope_text(ctx->db));
		rc = -1;
	}
	sqlite3_reset(st);
	return rc;
}

/* main.: a duplicate is a duplicate even if another salesperson owns it
 * (the person typed the value; the refusal must not depend on who asks). */
static const char SQL_PHONE_TAKEN[] =
	"SELECT count(*) FROM main.customer WHERE phone = :p AND merged_into IS NULL";

int op_customer_phone_taken(struct op_ctx *ctx, const char *raw, char *phone, size_t n)
{
	const struct op_field *f = op_rec_field(F, NF, "phone", 0);
	sqlite3_stmt *st;
	int isnull, count;

	phone[0] = '\0';
	if (!raw || op_rec_norm(ctx, f, raw, phone, n, &isnull) < 0)
		return raw ? -1 : 0;
	if (isnull)
		return 0;
	if (!(st = op_db_stmt(ctx->db, SQL_PHONE_TAKEN)) ||
	    op_bind_text(ctx->db, st, ":p", phone) < 0 ||
	    op_db_step(ctx->db, st) != SQLITE_ROW)
		return -1;
	count = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return count;
}

int op_customer_add(struct op_ctx *ctx, const char **vals, int allow_dup,
		    op_hook hook, void *arg, struct op_assign *a, char **id)
{
	struct op_assign none;
	int phone = (int)(op_rec_field(F, NF, "phone", 0) - F),
	    branch = (int)(op_rec_field(F, NF, "branch", 0) - F),
	    owner = (int)(op_rec_field(F, NF, "owner", 0) - F);
	char norm[64];
	int n;

	*id = NULL;
	if (!a)
		a = &none;
	memset(a, 0, sizeof(*a));
	/* New customers belong to this branch unless told otherwise; without
	 * an owner the rules decide, the person registering them by default. */
	if (!vals[branch] && op_db_site(ctx->db) && !op_db_is_hq(ctx->db))
		vals[branch] = op_db_site(ctx->db);
	int by_hand = vals[owner] != NULL;
	if (!by_hand && ctx->as)
		vals[owner] = ctx->as;
	if (op_db_begin(ctx->db, ctx->as) < 0)
		return -1;
	if (!allow_dup && (n = op_customer_phone_taken(ctx, vals[phone], norm, sizeof(norm))) != 0) {
		if (n > 0) {
			ctx->field = "phone";
			op_errc(&ctx->err, EX_DATAERR, "phone: %s already belongs to %s",
				norm, n == 1 ? "a customer" : "other customers");
		}
		goto fail;
	}
	if (op_rec_insert(ctx, "customer", F, NF, (const char *const *)vals, id) < 0 ||
	    (hook && hook(ctx, *id, arg) < 0) ||
	    (!by_hand && op_assign_customer(ctx->db, *id, a) < 0) ||
	    op_db_commit(ctx->db) < 0)
		goto fail;
	return 0;
fail:
	op_db_rollback(ctx->db);
	free(*id);
	*id = NULL;
	return -1;
}

/* Through the scope views: a customer the person may not read is one
 * they may not change either, whoever asks and however. */
static const char SQL_VISIBLE[] =
	"SELECT 1 FROM customer WHERE id = :id AND merged_into IS NULL";

int op_customer_edit(struct op_ctx *ctx, const char *const *vals, const char *id,
		     op_hook hook, void *arg)
{
	sqlite3_stmt *st;
	int given = 0, rc;

	for (int i = 0; i < NF; i++)
		given |= vals[i] != NULL;
	if (!(st = op_db_stmt(ctx->db, SQL_VISIBLE)) || op_bind_text(ctx->db, st, ":id", id) < 0 ||
	    (rc = op_db_step(ctx->db, st)) < 0)
		return -1;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return op_errc(&ctx->err, EX_NOINPUT, "no customer with id %s", id);
	if (op_db_begin(ctx->db, ctx->as) < 0)
		return -1;
	if ((given && op_rec_update(ctx, "customer", F, NF, vals, id) < 0) ||
	    (hook && hook(ctx, id, arg) < 0) || op_db_commit(ctx->db) < 0) {
		op_db_rollback(ctx->db);
		return -1;
	}
	return 0;
}

/* 3+ characters: the trigram index; fewer: a scan with instr(). Phone
 * digits are matched against the E.164 form either way; the WeChat id
 * (exactly, any case) and the custom fields' values (any part) too. */
#define OTHER_FIELDS(c) "lower(" c ".wechat) = lower(:q) OR " c ".id IN" \
	" (SELECT customer_id FROM customer_attr WHERE instr(value, :q) > 0)"
static const char SQL_SEARCH_FTS[] =
	"SELECT " OP_SHORT_ID("c.id") " AS id, c.name, c.phone, c.email, c.owner,"
	"       c.home_branch AS branch, c.points FROM customer c"
	" WHERE c.merged_into IS NULL"
	"   AND (c.rowid IN (SELECT rowid FROM customer_fts"
	"        WHERE customer_fts MATCH :match)"
	"    OR (:digits IS NOT NULL AND instr(c.phone, :digits) > 0)"
	"    OR " OTHER_FIELDS("c") ")"
	" ORDER BY c.name COLLATE name, c.id LIMIT :limit";
static const char SQL_SEARCH_SHORT[] =
	"SELECT " OP_SHORT_ID("id") " AS id, name, phone, email, owner,"
	"       home_branch AS branch, points FROM customer"
	" WHERE merged_into IS NULL"
	"   AND (instr(name, :q) > 0"
	"    OR instr(lower(email), lower(:q)) > 0"
	"    OR (:digits IS NOT NULL AND instr(phone, :digits) > 0)"
	"    OR " OTHER_FIELDS("customer") ")"
	" ORDER BY name COLLATE name, id LIMIT :limit";

/* For everyone else: candidates first, from the tables themselves (the
 * trigram index, the WeChat index, custom values, or one scan of the names
 * for a short query), and the scope view filters only those. Evaluating the
 * view's predicate for every row of a 100,000-customer scan is what made a
 * keystroke of search-as-you-type slow. The rows, their order and the
 * limit are those of the queries above; those stay for the roles that see
 * phones masked, whose phone digits must match what they see. */
#define CANDIDATES_OTHER \
	" UNION SELECT rowid FROM main.customer WHERE lower(wechat) = lower(:q)" \
	" UNION SELECT m.rowid FROM main.customer_attr a JOIN main.customer m" \
	"  ON m.id = a.customer_id WHERE instr(a.value, :q) > 0"
#define FROM_CANDIDATES(cands) \
	"SELECT " OP_SHORT_ID("c.id") " AS id, c.name, c.phone, c.email, c.owner," \
	"       c.home_branch AS branch, c.points FROM customer c" \
	" WHERE c.merged_into IS NULL AND c.rowid IN (" cands ")" \
	" ORDER BY c.name COLLATE pinyin, c.id LIMIT :limit"
/* Digits typed are a phone being looked for: those rows come in phone
 * order, read along the phone index until the limit is reached (a few
 * digits match thousands of customers; collecting and sorting them all
 * would be the slow part), the other fields' matches beside them. */
#define BY_PHONE(cands) \
	"SELECT " OP_SHORT_ID("c.id") " AS id, c.name, c.phone, c.email, c.owner," \
	"       c.home_branch AS branch, c.points FROM customer c" \
	" WHERE c.merged_into IS NULL AND (instr(c.phone, :digits) > 0" \
	"  OR c.rowid IN (" cands "))" \
	" ORDER BY c.phone, c.id LIMIT :limit"
#define SHORT_OTHER \
	"SELECT rowid FROM main.customer WHERE instr(name, :q) > 0" \
	"  OR instr(lower(email), lower(:q)) > 0" CANDIDATES_OTHER
static const char *const SQL_FAST[2][2] = {	/* [short][digits] */
	{ FROM_CANDIDATES("SELECT rowid FROM customer_fts WHERE customer_fts MATCH :match"
			  CANDIDATES_OTHER),
	  BY_PHONE("SELECT rowid FROM customer_fts WHERE customer_fts MATCH :other_match"
		   CANDIDATES_OTHER) },
	{ FROM_CANDIDATES(SHORT_OTHER), BY_PHONE(SHORT_OTHER) },
};

/* One FTS5 phrase of text (prefix, e.g. "{phone} : ", before it): quotes
 * doubled, so any text is literal. sqlite3_free it. */
static char *fts_phrase(const char *prefix, const char *text)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	sqlite3_str_appendall(s, prefix);
	sqlite3_str_appendchar(s, 1, '"');
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			sqlite3_str_appendchar(s, 1, '"');
		sqlite3_str_appendchar(s, 1, *p);
	}
	sqlite3_str_appendchar(s, 1, '"');
	return sqlite3_str_finish(s);
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}


int op_customer_search(struct op_ctx *ctx, const char *q, int64_t limit,
		       sqlite3_stmt **out)
{
	char digits[64], *match = NULL, *pmatch = NULL;
	sqlite3_stmt *st = NULL;
	op_db *db = ctx->db;

	*out = NULL;
	while (isspace((unsigned char)*q))
		q++;
	if (!*q)
		return op_errc(&ctx->err, EX_USAGE, "search: empty query");
	/* A query of digits and phone punctuation also searches phones. */
	int phoneish = 1;
	for (const char *p = q; *p; p++)
		if (!isdigit((unsigned char)*p) && !strchr("+-() .", *p))
			phoneish = 0;
	size_t nd = phoneish ? op_phone_digits(digits, sizeof(digits), q) : 0;
	/* A leading trunk 0 of a landline is dropped in E.164. */
	const char *dg = digits;
	if (nd > 1 && digits[0] == '0')
		dg++, nd--;

	int fast = !op_scope_masks(ctx->role);
	if (utf8_chars(q) >= 3) {
		match = fts_phrase("", q);
		st = op_db_stmt(db, fast ? SQL_FAST[0][nd > 0] : SQL_SEARCH_FTS);
		if (!st || !match || op_bind_text(db, st, ":q", q) < 0 ||
		    (!(fast && nd > 0) && op_bind_text(db, st, ":match", match) < 0))
			goto fail;
		/* digits: the phone index; the trigram index for the rest */
		if (fast && nd > 0 && (!(pmatch = fts_phrase("{name email address} : ", q)) ||
				       op_bind_text(db, st, ":other_match", pmatch) < 0))
			goto fail;
	} else {
		st = op_db_stmt(db, fast ? SQL_FAST[1][nd > 0] : SQL_SEARCH_SHORT);
		if (!st || op_bind_text(db, st, ":q", q) < 0)
			goto fail;
	}
	/* the fast statements name :digits only when digits were typed */
	if (((!fast || nd > 0) && op_bind_text(db, st, ":digits", nd ? dg : NULL) < 0) ||
	    op_bind_int(db, st, ":limit", limit) < 0)
		goto fail;
	sqlite3_free(match);
	sqlite3_free(pmatch);
	*out = st;
	return 0;
fail:
	if (st)
		sqlite3_reset(st);
	sqlite3_free(match);
	sqlite3_free(pmatch);
	return -1;
}
