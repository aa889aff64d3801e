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
#include <stdio.h>
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
			if (n == 1)
				op_errc(&ctx->err, EX_DATAERR, "phone: %s already belongs "
					"to a customer", norm);
			else
				op_errc(&ctx->err, EX_DATAERR, "phone: %s already belongs "
					"to other customers", norm);
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

/*
 * Search. Candidates come from indexes of the tables themselves, and the
 * scope view (when the person has one) is checked for those rows only:
 *   - the name keys (024_name_keys.sql): any part of the name, its pinyin
 *     in full or as initials from any syllable on ("zhang", "zhangwei",
 *     "zw", "wei"); a query mixing Han and Latin ("张w") is read in pinyin
 *     and must contain its Han characters;
 *   - 3+ characters: the FTS5 trigram index of name, phone, email, address;
 *   - the WeChat id (exactly, any case), the custom fields' values (any part);
 *   - digits typed: the phone (E.164) along the phone index.
 * Rows come in name order from customer_sortkey (a BLOB in the name
 * collation's order, compared as bytes, no ICU call per comparison).
 * The name keys give at most BOUND candidates, the first in key order: a
 * letter typed matches tens of thousands of keys, and reading and sorting
 * them all at each keystroke would be the slow part; the first 50 in
 * name order of those BOUND are what is shown (the keys that begin with
 * the name's own pinyin are in pinyin order, so these are close to the
 * first names of all of them), and the count says how many there are.
 * Digits come in phone order along the phone index.
 * A role that sees phones masked matches digits against what it sees.
 */
#define BOUND "1000"	/* candidates the name keys give at most */
#define KEYS "SELECT rid FROM main.customer_key WHERE key >= :k AND key < :kend" \
	" UNION ALL SELECT rid FROM main.customer_key WHERE :k2 IS NOT NULL" \
	"  AND key >= :k2 AND key < :kend2"
#define KEYS_BOUNDED "SELECT rid FROM (" KEYS " LIMIT " BOUND ")"
#define FTS "SELECT rowid FROM customer_fts WHERE customer_fts MATCH :match"
#define OTHERS(op) "SELECT rowid FROM main.customer WHERE lower(wechat) = lower(:q)" \
	" " op " SELECT m.rowid FROM main.customer_attr a JOIN main.customer m" \
	"  ON m.id = a.customer_id WHERE instr(a.value, :q) > 0"
#define CANDS_SHORT KEYS_BOUNDED " UNION " OTHERS("UNION")
#define CANDS_LONG KEYS_BOUNDED " UNION " FTS " UNION " OTHERS("UNION")
#define COLS "SELECT " OP_SHORT_ID("c.id") " AS id, c.name, c.phone, c.email, c.owner," \
	" c.home_branch AS branch, c.points"
#define HAN " AND (:han IS NULL OR instr(c.name, :han) > 0)"
#define MASKED_DIGITS " OR (:digits IS NOT NULL AND instr(c.phone, :digits) > 0)"
#define SORTED(cands, extra) COLS " FROM customer c" \
	" LEFT JOIN main.customer_sortkey k ON k.rid = c.rowid" \
	" WHERE c.merged_into IS NULL AND (c.rowid IN (" cands ")" extra ")" HAN \
	" ORDER BY k.sk, c.id LIMIT :limit"
#define BY_PHONE(cands) COLS " FROM customer c" \
	" WHERE c.merged_into IS NULL AND (instr(c.phone, :digits) > 0" \
	"  OR c.rowid IN (" cands "))" HAN \
	" ORDER BY c.phone, c.id LIMIT :limit"
/* 3+ digits found in few phones: those from the trigram index, sorted */
#define PHONE_FTS "SELECT rowid FROM customer_fts WHERE customer_fts MATCH :pmatch"
#define FEW_PHONES(cands) COLS " FROM customer c" \
	" WHERE c.merged_into IS NULL AND c.rowid IN (" PHONE_FTS " UNION " cands ")" HAN \
	" ORDER BY c.phone, c.id LIMIT :limit"
#define FEW 200	/* phones from which reading along the phone index is cheaper */
static const char SQL_PHONE_PROBE[] =
	"SELECT count(*) FROM (" PHONE_FTS " LIMIT :few)";
enum { S_SORTED, S_PHONE, S_FEW_PHONES, S_MASKED, S_NMODES };
static const char *const SQL_SEARCH[S_NMODES][2] = {	/* [mode][3+ characters] */
	{ SORTED(CANDS_SHORT, ""), SORTED(CANDS_LONG, "") },
	{ BY_PHONE(CANDS_SHORT), BY_PHONE(CANDS_LONG) },
	{ FEW_PHONES(CANDS_SHORT), FEW_PHONES(CANDS_LONG) },
	{ SORTED(CANDS_SHORT, MASKED_DIGITS), SORTED(CANDS_LONG, MASKED_DIGITS) },
};
/* How many match, up to :cap: the candidates as a stream, each row once. */
#define COUNT(cands) "SELECT count(*) FROM (SELECT DISTINCT c.rowid FROM (" cands ") m" \
	" CROSS JOIN customer c ON c.rowid = m.rid WHERE c.merged_into IS NULL" HAN \
	" LIMIT :cap)"
#define PHONES " UNION ALL SELECT rowid FROM customer WHERE :digits IS NOT NULL" \
	" AND instr(phone, :digits) > 0"
static const char *const SQL_SEARCH_COUNT[2][2] = {	/* [3+ characters][3+ digits] */
	{ COUNT(KEYS " UNION ALL " OTHERS("UNION ALL") PHONES),
	  COUNT(KEYS " UNION ALL " OTHERS("UNION ALL") " UNION ALL " PHONE_FTS) },
	{ COUNT(KEYS " UNION ALL " FTS " UNION ALL " OTHERS("UNION ALL") PHONES),
	  COUNT(KEYS " UNION ALL " FTS " UNION ALL " OTHERS("UNION ALL") " UNION ALL " PHONE_FTS) },
};
static const char SQL_QUERY_PINYIN[] = "SELECT op_pinyin(:q)";

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

/* The code point at *p (UTF-8), *p moved past it. */
static unsigned utf8_next(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;
	unsigned c = *s++;
	int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
	c &= more ? 0x3f >> more : 0xff;
	for (; more && (*s & 0xc0) == 0x80; more--)
		c = (c << 6) | (*s++ & 0x3f);
	*p = (const char *)s;
	return c;
}

static int is_han(unsigned c)
{
	return (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) ||
	       (c >= 0x20000 && c <= 0x3134f);
}

/* A query as search reads it. */
struct query {
	const char *q;			/* the text, leading blanks skipped */
	char key[256], kend[260];	/* the name keys from key up to kend */
	char key2[256], kend2[260];	/* mixed: the Han characters' initials too */
	char han[128];			/* mixed Han and Latin: its first Han run */
	char digits[64];		/* a phone being typed: its digits, or "" */
	int masked;			/* the person sees phones masked */
	int lng;			/* 3+ characters: the trigram index too */
	char *match;			/* the FTS5 query (sqlite3_free) */
	char *pmatch;			/* 3+ digits, not masked: the FTS5 query of phones */
};

static int query_read(struct op_ctx *ctx, const char *q, struct query *r)
{
	op_db *db = ctx->db;
	int han = 0, latin = 0;

	memset(r, 0, sizeof(*r));
	while (isspace((unsigned char)*q))
		q++;
	if (!*q)
		return op_errc(&ctx->err, EX_USAGE, "search: empty query");
	r->q = q;
	/* A query of digits and phone punctuation also searches phones. */
	int phoneish = 1;
	for (const char *p = q; *p; p++)
		if (!isdigit((unsigned char)*p) && !strchr("+-() .", *p))
			phoneish = 0;
	size_t nd = phoneish ? op_phone_digits(r->digits, sizeof(r->digits), q) : 0;
	/* A leading trunk 0 of a landline is dropped in E.164. */
	if (nd > 1 && r->digits[0] == '0')
		memmove(r->digits, r->digits + 1, nd);
	const char *hs = NULL, *he = NULL;	/* the first run of Han characters */
	for (const char *p = q; *p;) {
		const char *at = p;
		unsigned c = utf8_next(&p);
		if (is_han(c)) {
			han = 1;
			if (!hs)
				hs = at;
			if (hs && (!he || he == at))
				he = p;
		} else {
			latin |= c < 0x80 && isalpha((int)c);
		}
	}
	if (hs)
		snprintf(r->han, sizeof(r->han), "%.*s", (int)(he - hs), hs);
	if (han && latin) {
		/* 张w: the Han characters read as the keys spell them */
		sqlite3_stmt *st = op_db_stmt(db, SQL_QUERY_PINYIN);
		if (!st || op_bind_text(db, st, ":q", q) < 0 || op_db_step(db, st) != SQLITE_ROW) {
			if (st)
				sqlite3_reset(st);
			return -1;
		}
		op_name_key_fold((const char *)sqlite3_column_text(st, 0), r->key, sizeof(r->key));
		sqlite3_reset(st);
		/* 张sf: 张's initial and the rest as typed ("zsf") */
		size_t o = 0;
		for (const char *p = q; *p && o + 8 < sizeof(r->key2);) {
			const char *at = p;
			char one[8];
			int hanzi = is_han(utf8_next(&p));
			snprintf(one, sizeof(one), "%.*s", (int)(p - at), at);
			if (!hanzi) {
				op_name_key_fold(one, r->key2 + o, sizeof(r->key2) - o);
				o += strlen(r->key2 + o);
				continue;
			}
			if (!(st = op_db_stmt(db, SQL_QUERY_PINYIN)) || op_bind_text(db, st, ":q", one) < 0 ||
			    op_db_step(db, st) != SQLITE_ROW) {
				if (st)
					sqlite3_reset(st);
				return -1;
			}
			const unsigned char *py = sqlite3_column_text(st, 0);
			if (py && isalpha(py[0]))
				r->key2[o++] = (char)tolower(py[0]);
			r->key2[o] = '\0';
			sqlite3_reset(st);
		}
		if (strlen(r->key2) > 64)
			r->key2[64] = '\0';
		snprintf(r->kend2, sizeof(r->kend2), "%s\xff", r->key2);
	} else {
		r->han[0] = '\0';
		op_name_key_fold(q, r->key, sizeof(r->key));
	}
	if (strlen(r->key) > 64)	/* keys are cut at 64 bytes (db.c) */
		r->key[64] = '\0';
	snprintf(r->kend, sizeof(r->kend), "%s\xff", r->key);
	r->masked = op_scope_masks(ctx->role);
	r->lng = utf8_chars(q) >= 3;
	/* digits: the phone index; the trigram index for the rest */
	if (r->lng && !(r->match = fts_phrase(*r->digits ? "{name email address} : " : "", q)))
		return op_errc(&ctx->err, EX_OSERR, "out of memory");
	/* the trigram index has the phones as stored, which a masked role
	 * does not see: its digits match what it sees, row by row */
	if (strlen(r->digits) >= 3 && !r->masked &&
	    !(r->pmatch = fts_phrase("{phone} : ", r->digits)))
		return op_errc(&ctx->err, EX_OSERR, "out of memory");
	return 0;
}

static void query_free(struct query *r)
{
	sqlite3_free(r->match);
	sqlite3_free(r->pmatch);
}

/* text on st's parameter name, if st has one */
static int bind_named(op_db *db, sqlite3_stmt *st, const char *name, const char *text)
{
	return sqlite3_bind_parameter_index(st, name) ? op_bind_text(db, st, name, text) : 0;
}

/* The query's parameters on st: those st names. */
static int query_bind(op_db *db, sqlite3_stmt *st, const struct query *r)
{
	return (bind_named(db, st, ":q", r->q) < 0 || bind_named(db, st, ":k", r->key) < 0 ||
		bind_named(db, st, ":kend", r->kend) < 0 ||
		bind_named(db, st, ":k2", r->key2[0] ? r->key2 : NULL) < 0 ||
		bind_named(db, st, ":kend2", r->kend2) < 0 ||
		bind_named(db, st, ":han", r->han[0] ? r->han : NULL) < 0 ||
		bind_named(db, st, ":match", r->match) < 0 ||
		bind_named(db, st, ":pmatch", r->pmatch) < 0 ||
		bind_named(db, st, ":digits", *r->digits ? r->digits : NULL) < 0) ? -1 : 0;
}

int op_customer_search(struct op_ctx *ctx, const char *q, int64_t limit,
		       sqlite3_stmt **out)
{
	sqlite3_stmt *st = NULL;
	op_db *db = ctx->db;
	struct query r;
	int mode, rc = -1;

	*out = NULL;
	if (query_read(ctx, q, &r) < 0 || op_db_name_keys(db) < 0)
		goto out;
	mode = r.masked ? S_MASKED : *r.digits ? S_PHONE : S_SORTED;
	if (r.pmatch) {
		/* few phones have these digits: the index's; many: the first
		 * along the phone index, which reaches the limit soon */
		if (!(st = op_db_stmt(db, SQL_PHONE_PROBE)) || query_bind(db, st, &r) < 0 ||
		    op_bind_int(db, st, ":few", FEW) < 0 || op_db_step(db, st) != SQLITE_ROW)
			goto out;
		if (sqlite3_column_int(st, 0) < FEW)
			mode = S_FEW_PHONES;
		sqlite3_reset(st);
	}
	if (!(st = op_db_stmt(db, SQL_SEARCH[mode][r.lng])) || query_bind(db, st, &r) < 0 ||
	    op_bind_int(db, st, ":limit", limit) < 0) {
		if (st)
			sqlite3_reset(st);
		goto out;
	}
	*out = st;
	rc = 0;
out:
	query_free(&r);
	return rc;
}

int op_customer_search_total(struct op_ctx *ctx, const char *q, int64_t cap, int64_t *total)
{
	sqlite3_stmt *st;
	struct query r;
	int rc = -1;

	*total = 0;
	if (query_read(ctx, q, &r) < 0 || op_db_name_keys(ctx->db) < 0)
		goto out;
	if (!(st = op_db_stmt(ctx->db, SQL_SEARCH_COUNT[r.lng][r.pmatch != NULL])) ||
	    query_bind(ctx->db, st, &r) < 0 || op_bind_int(ctx->db, st, ":cap", cap) < 0 ||
	    op_db_step(ctx->db, st) != SQLITE_ROW)
		goto out;
	*total = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	rc = 0;
out:
	query_free(&r);
	return rc;
}
