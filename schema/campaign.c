/*
 * campaign.c — defining, preparing, exporting and answering campaigns
 * (see campaign.h); the report is campaign_report.c.
 *
 * prepare walks the campaign's segment in customer-id order inside one
 * transaction: each customer is skipped (do-not-contact, no address for
 * the channel, a message within the minimum gap), held out by the seeded
 * draw, or given a rendered message (and a coupon of their own) in the
 * outbox. export hands the queued messages to a sink (the CLI writes the
 * CSV file) and marks them sent, with the access audit, in the same
 * transaction — only once the sink says the file is complete.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "campaign.h"
#include "coupon.h"
#include "scope.h"
#include "segment.h"
#include "template.h"
#include "valid.h"

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

int op_campaign_held_out(int64_t seed, int holdout_pct, const char *id)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return splitmix64((uint64_t)seed ^ h) % 10000 < (uint64_t)holdout_pct * 100;
}

static const struct op_enum_alias kind_v[] = {
	{ "greeting", "问候|祝福|生日|节日|birthday|holiday|节日问候|生日祝福" },
	{ "promotion", "促销|优惠|活动|promo" },
	{ "new-product", "新品|新品推荐|new|newproduct" },
	{ "member-day", "会员日|memberday|member" },
	{ "win-back", "召回|唤醒|挽回|winback|流失召回" },
	{ NULL, NULL },
};
static const struct op_enum kind_e = { "campaign kind", kind_v };
static const struct op_enum_alias channel_v[] = {
	{ "sms", "短信|text" },
	{ "wechat", "微信|企业微信|wecom|weixin|wx" },
	{ "call", "电话|外呼|call-list|phone" },
	{ "print", "打印|邮寄|信件|mail|letter" },
	{ NULL, NULL },
};
static const struct op_enum channel_e = { "campaign channel", channel_v };


/* --- add --- */

static const char SQL_HAVE[] = "SELECT 1 FROM main.campaign WHERE name = :name";
static const char SQL_SEGMENT[] =
	"SELECT id, coalesce(branch, '') FROM main.segment WHERE name = :name";
static const char SQL_SHARED[] =
	"SELECT id, customer_id IS NULL FROM main.coupon WHERE code = upper(trim(:code))";
static const char SQL_ADD[] =
	"INSERT INTO main.campaign(name, kind, segment_id, channel, template, starts, ends,"
	" cost, cost_per, holdout, seed, min_gap, coupon_kind, coupon_value, coupon_min,"
	" coupon_until, coupon_id, auto, branch, created_by)"
	" VALUES (:name, :kind, :seg, :channel, :tpl, :starts, :ends, :cost, :cost_per,"
	" :holdout, :seed, :gap, :ckind, :cvalue, :cmin, :cuntil, :cid, :auto,"
	" CASE WHEN (SELECT value FROM meta WHERE key = 'role') = 'hq' THEN NULL"
	" ELSE (SELECT value FROM meta WHERE key = 'site') END, :staff) RETURNING id";

/* The id (and a second text column) of the row st finds for :name / :code
 * with value, or "" when there is none. 0 or -1. */
static int lookup2(op_db *db, const char *sql, const char *param, const char *value,
		   char id[64], char second[64])
{
	sqlite3_stmt *st = op_db_stmt(db, sql);
	int rc;
	id[0] = second[0] = '\0';
	if (!st || op_bind_text(db, st, param, value) < 0 || (rc = op_db_step(db, st)) < 0)
		return -1;
	if (rc == SQLITE_ROW) {
		snprintf(id, 64, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(second, 64, "%s", sqlite3_column_text(st, 1) ?
			 (const char *)sqlite3_column_text(st, 1) : "");
	}
	sqlite3_reset(st);
	return 0;
}

struct add_vals {
	const char *kind, *channel, *ckind;
	char starts[16], ends[16], cuntil[16], seg[64], shared[64];
	int64_t cost, cost_per, holdout, seed, gap, cvalue, cmin;
};

/* Validate everything about d but the name; 0 or -1 (error set). */
static int add_check(op_db *db, const struct op_campaign_def *d, struct add_vals *v)
{
	op_err *e = op_db_err(db);
	const char *why, *site = op_db_site(db);
	char segbranch[64], ok[64];
	unsigned uses;

	if (!d->kind || op_valid_enum(&v->kind, &kind_e, d->kind, &why) < 0)
		return op_errc(e, d->kind ? EX_DATAERR : EX_USAGE, "kind: %s",
			       d->kind ? why : "required (greeting promotion new-product member-day win-back)");
	if (!d->channel || op_valid_enum(&v->channel, &channel_e, d->channel, &why) < 0)
		return op_errc(e, d->channel ? EX_DATAERR : EX_USAGE, "channel: %s",
			       d->channel ? why : "required (sms wechat call print)");
	if (!d->segment)
		return op_errc(e, EX_USAGE, "segment: required (see outpost segment list)");
	if (lookup2(db, SQL_SEGMENT, ":name", d->segment, v->seg, segbranch) < 0)
		return -1;
	if (!v->seg[0])
		return op_errc(e, EX_DATAERR, "segment: no segment named %s (see outpost segment list)",
			       d->segment);
	if (segbranch[0] && !op_db_is_hq(db) && site && strcmp(segbranch, site) != 0)
		return op_errc(e, EX_DATAERR, "segment: %s is branch %s's own", d->segment, segbranch);
	if (!d->template)
		return op_errc(e, EX_USAGE, "template: required (the message, with {姓名} ...)");
	if (op_tpl_check(d->template, d->template_len, &uses, e) < 0)
		return -1;
	op_db_today(db, v->starts);
	if (d->starts && op_valid_date(v->starts, sizeof(v->starts), d->starts, &why) < 0)
		return op_errc(e, EX_DATAERR, "starts: %s", why);
	if (d->ends) {
		if (op_valid_date(v->ends, sizeof(v->ends), d->ends, &why) < 0)
			return op_errc(e, EX_DATAERR, "ends: %s", why);
		if (strcmp(v->ends, v->starts) < 0)
			return op_errc(e, EX_DATAERR, "ends: %s is before the start %s", v->ends, v->starts);
	} else {
		struct tm tm = { 0 };
		sscanf(v->starts, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
		tm.tm_year -= 1900, tm.tm_mon -= 1, tm.tm_mday += 30, tm.tm_hour = 12;
		time_t t = timegm(&tm);
		gmtime_r(&t, &tm);
		strftime(v->ends, sizeof(v->ends), "%Y-%m-%d", &tm);
	}
	v->cost = v->cost_per = v->holdout = 0;
	v->gap = 7;
	if (d->cost && op_valid_money(&v->cost, d->cost, &why) < 0)
		return op_errc(e, EX_DATAERR, "cost: %s", why);
	if (d->cost_per && op_valid_money(&v->cost_per, d->cost_per, &why) < 0)
		return op_errc(e, EX_DATAERR, "cost-per: %s", why);
	if (d->holdout) {
		char h[32];
		size_t n = strlen(d->holdout);
		snprintf(h, sizeof(h), "%.*s", (int)(n && d->holdout[n - 1] == '%' ? n - 1 : n),
			 d->holdout);
		if (op_valid_int(&v->holdout, h, 0, 90, &why) < 0)
			return op_errc(e, EX_DATAERR, "holdout: %s (a whole percentage 0-90, e.g. 10%%)", why);
	}
	if (d->seed) {
		if (op_valid_int(&v->seed, d->seed, 0, (int64_t)1 << 53, &why) < 0)
			return op_errc(e, EX_DATAERR, "seed: %s", why);
	} else {
		uint64_t r;
		sqlite3_randomness(sizeof(r), &r);
		v->seed = (int64_t)(r >> 16);	/* 48 bits: exact in JSON too */
	}
	if (d->min_gap && op_valid_int(&v->gap, d->min_gap, 0, 365, &why) < 0)
		return op_errc(e, EX_DATAERR, "min-gap: %s (days)", why);
	v->ckind = NULL;
	v->cvalue = v->cmin = 0;
	v->shared[0] = v->cuntil[0] = '\0';
	if (d->coupon_value && d->coupon_code)
		return op_errc(e, EX_USAGE, "coupon: give --coupon-value (a coupon per customer) "
			       "or --coupon CODE (a shared one), not both");
	if (d->coupon_value) {
		if (op_coupon_parse_value(db, d->coupon_value, &v->ckind, &v->cvalue) < 0)
			return op_errctx(e, "coupon");
		if (d->coupon_min && op_valid_money(&v->cmin, d->coupon_min, &why) < 0)
			return op_errc(e, EX_DATAERR, "coupon-min: %s", why);
		snprintf(v->cuntil, sizeof(v->cuntil), "%s", v->ends);
		if (d->coupon_until &&
		    op_valid_date(v->cuntil, sizeof(v->cuntil), d->coupon_until, &why) < 0)
			return op_errc(e, EX_DATAERR, "coupon-until: %s", why);
		if (strcmp(v->cuntil, v->starts) < 0)
			return op_errc(e, EX_DATAERR, "coupon-until: %s is before the start %s",
				       v->cuntil, v->starts);
	} else if (d->coupon_min || d->coupon_until) {
		return op_errc(e, EX_USAGE, "coupon: --coupon-min and --coupon-until go with "
			       "--coupon-value");
	}
	if (d->coupon_code) {
		if (lookup2(db, SQL_SHARED, ":code", d->coupon_code, v->shared, ok) < 0)
			return -1;
		if (!v->shared[0])
			return op_errc(e, EX_DATAERR, "coupon: no coupon with code %s (coupon add)",
				       d->coupon_code);
		if (strcmp(ok, "1") != 0)
			return op_errc(e, EX_DATAERR, "coupon: %s is one customer's; a campaign "
				       "shares a coupon made without --customer", d->coupon_code);
	}
	if ((uses & OP_TPL_COUPON) && !d->coupon_value && !d->coupon_code)
		return op_errc(e, EX_DATAERR, "template: {券码} needs a coupon "
			       "(--coupon-value, or --coupon CODE for a shared one)");
	return 0;
}

int op_campaign_add(op_db *db, const struct op_campaign_def *d, char **id)
{
	op_err *e = op_db_err(db);
	struct add_vals v;
	const char *why;
	sqlite3_stmt *st;
	int rc;

	if (!d->name || op_valid_text(d->name, 100, &why) < 0)
		return op_errc(e, d->name ? EX_DATAERR : EX_USAGE, "name: %s",
			       d->name ? why : "required");
	if (!(st = op_db_stmt(db, SQL_HAVE)) || op_bind_text(db, st, ":name", d->name) < 0 ||
	    (rc = op_db_step(db, st)) < 0)
		return -1;
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return op_errc(e, EX_DATAERR, "name: a campaign named %s exists already", d->name);
	if (add_check(db, d, &v) < 0)
		return -1;
	if (op_db_begin(db, d->staff) < 0)
		return -1;
	st = op_db_stmt(db, SQL_ADD);
	rc = !st || op_bind_text(db, st, ":name", d->name) < 0 ||
	     op_bind_text(db, st, ":kind", v.kind) < 0 || op_bind_text(db, st, ":seg", v.seg) < 0 ||
	     op_bind_text(db, st, ":channel", v.channel) < 0 ||
	     op_bind_text(db, st, ":tpl", d->template) < 0 ||
	     op_bind_text(db, st, ":starts", v.starts) < 0 ||
	     op_bind_text(db, st, ":ends", v.ends) < 0 || op_bind_int(db, st, ":cost", v.cost) < 0 ||
	     op_bind_int(db, st, ":cost_per", v.cost_per) < 0 ||
	     op_bind_int(db, st, ":holdout", v.holdout) < 0 ||
	     op_bind_int(db, st, ":seed", v.seed) < 0 || op_bind_int(db, st, ":gap", v.gap) < 0 ||
	     op_bind_text(db, st, ":ckind", v.ckind) < 0 ||
	     (v.ckind ? op_bind_int(db, st, ":cvalue", v.cvalue) : op_bind_null(db, st, ":cvalue")) < 0 ||
	     op_bind_int(db, st, ":cmin", v.cmin) < 0 ||
	     op_bind_text(db, st, ":cuntil", v.ckind ? v.cuntil : NULL) < 0 ||
	     op_bind_text(db, st, ":cid", v.shared[0] ? v.shared : NULL) < 0 ||
	     op_bind_int(db, st, ":auto", d->auto_daily ? 1 : 0) < 0 ||
	     op_bind_text(db, st, ":staff", d->staff) < 0 || op_db_step(db, st) != SQLITE_ROW ? -1 : 0;
	if (rc == 0 && id && !(*id = strdup((const char *)sqlite3_column_text(st, 0))))
		rc = op_errc(e, EX_OSERR, "out of memory");
	if (st)
		sqlite3_reset(st);
	if (rc == 0 && op_db_commit(db) == 0)
		return 0;
	op_db_rollback(db);
	return -1;
}

/* --- prepare --- */

static const char SQL_CAMPAIGN[] =
	"SELECT m.id, s.filter, m.channel, m.template, m.holdout, m.seed, m.min_gap,"
	" m.coupon_kind, m.coupon_value, m.coupon_min, m.coupon_until,"
	" (SELECT code FROM main.coupon WHERE id = m.coupon_id), m.starts, m.ends,"
	" coalesce(m.branch, '')"
	" FROM main.campaign m JOIN main.segment s ON s.id = m.segment_id WHERE m.name = :name";
enum { C_ID, C_FILTER, C_CHANNEL, C_TPL, C_HOLDOUT, C_SEED, C_GAP, C_CKIND, C_CVALUE,
       C_CMIN, C_CUNTIL, C_SHARED, C_STARTS, C_ENDS, C_BRANCH, C_N };

struct camp {
	char *col[C_N];
	int64_t holdout, seed, gap, cvalue, cmin;
};

static void camp_free(struct camp *c)
{
	for (int i = 0; i < C_N; i++)
		free(c->col[i]);
}

int op_campaign_step_named(op_db *db, sqlite3_stmt *st, const char *name)
{
	int rc;
	if (!st || op_bind_text(db, st, ":name", name) < 0 || (rc = op_db_step(db, st)) < 0) {
		if (st)
			sqlite3_reset(st);
		return -1;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return op_errc(op_db_err(db), EX_NOINPUT, "campaign: no campaign named %s "
			       "(see outpost campaign list)", name);
	}
	return 0;
}

/* Load the campaign named name; 0, or -1 (EX_NOINPUT when none). */
static int camp_load(op_db *db, const char *name, struct camp *c)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_CAMPAIGN);
	memset(c, 0, sizeof(*c));
	if (op_campaign_step_named(db, st, name) < 0)
		return -1;
	for (int i = 0; i < C_N; i++)
		if (sqlite3_column_type(st, i) != SQLITE_NULL &&
		    !(c->col[i] = strdup((const char *)sqlite3_column_text(st, i)))) {
			sqlite3_reset(st);
			camp_free(c);
			return op_errc(op_db_err(db), EX_OSERR, "out of memory");
		}
	c->holdout = sqlite3_column_int64(st, C_HOLDOUT);
	c->seed = sqlite3_column_int64(st, C_SEED);
	c->gap = sqlite3_column_int64(st, C_GAP);
	c->cvalue = sqlite3_column_int64(st, C_CVALUE);
	c->cmin = sqlite3_column_int64(st, C_CMIN);
	sqlite3_reset(st);
	return 0;
}

/* Another branch's own campaign is not this store's to run. */
static int camp_mine(op_db *db, const char *name, const struct camp *c)
{
	const char *site = op_db_site(db);
	if (c->col[C_BRANCH][0] && !op_db_is_hq(db) && site && strcmp(c->col[C_BRANCH], site) != 0)
		return op_errc(op_db_err(db), EX_DATAERR, "campaign: %s is branch %s's own",
			       name, c->col[C_BRANCH]);
	return 0;
}

/* The segment's customers this store prepares for (a branch: its own and
 * those without a home branch; HQ: all it may see), not yet in this
 * campaign's outbox, in id order (the draw does not depend on it). */
static const char SQL_CANDIDATES[] =
	"SELECT c.id, c.name, c.gender, c.points, coalesce(c.no_contact, 0),"
	" CASE :channel WHEN 'wechat' THEN coalesce(nullif(c.wechat, ''), c.phone)"
	"  WHEN 'print' THEN c.address ELSE c.phone END,"
	" coalesce((SELECT b.name FROM branch b WHERE b.code = c.home_branch),"
	"  (SELECT b.name FROM branch b WHERE b.code = (SELECT value FROM meta WHERE key = 'site')),"
	"  c.home_branch, (SELECT value FROM meta WHERE key = 'site')),"
	" EXISTS (SELECT 1 FROM main.campaign_outbox x WHERE x.customer_id = c.id"
	"  AND x.status IN ('queued', 'sent') AND :gap > 0"
	"  AND date(op_local(coalesce(x.sent_at, x.prepared_at))) > date(:today, '-' || :gap || ' days'))"
	" FROM " OP_SEG_FROM " WHERE " OP_SEG_WHERE
	" AND (:site IS NULL OR coalesce(c.home_branch, :site) = :site)"
	" AND NOT EXISTS (SELECT 1 FROM main.campaign_outbox x WHERE x.campaign_id = :cid"
	"  AND x.customer_id = c.id)"
	" ORDER BY c.id";
static const char SQL_OUTBOX[] =
	"INSERT INTO main.campaign_outbox(campaign_id, customer_id, status, address, message,"
	" coupon_id, prepared_at, branch)"
	" VALUES (:cid, :cust, :status, :address, :message, :coupon,"
	/* :today is a local day: now, or that day at the local time now, in UTC */
	" CASE WHEN :today = op_today() THEN datetime('now')"
	"  ELSE op_utc(:today || ' ' || time(op_local(datetime('now')))) END,"
	" (SELECT value FROM meta WHERE key = 'site'))";

/* One candidate (the current row of cand): skipped, held out or queued. */
static int prepare_one(op_db *db, const struct camp *c, sqlite3_stmt *cand,
		       const char *today, struct op_campaign_prep *r)
{
	const char *id = (const char *)sqlite3_column_text(cand, 0);
	const char *addr = (const char *)sqlite3_column_text(cand, 5);
	char code[40], *coupon = NULL, *msg = NULL;
	int held, rc = -1;

	r->matched++;
	if (sqlite3_column_int(cand, 4))
		return r->no_contact++, 0;
	if (!addr || !*addr)
		return r->no_address++, 0;
	if (sqlite3_column_int(cand, 7))
		return r->recent++, 0;
	held = op_campaign_held_out(c->seed, (int)c->holdout, id);
	if (!held && c->col[C_CKIND]) {
		if (op_coupon_make(db, NULL, c->col[C_ID], id, c->col[C_CKIND], c->cvalue, c->cmin,
				   today, c->col[C_CUNTIL], code, &coupon) < 0)
			return -1;
		r->coupons++;
	}
	if (!held) {
		struct op_tpl_vars v = {
			.name = (const char *)sqlite3_column_text(cand, 1),
			.gender = (const char *)sqlite3_column_text(cand, 2),
			.points = sqlite3_column_int64(cand, 3),
			.coupon = coupon ? code : c->col[C_SHARED],
			.store = (const char *)sqlite3_column_text(cand, 6),
		};
		if (!(msg = op_tpl_render(c->col[C_TPL], &v))) {
			free(coupon);
			return op_errc(op_db_err(db), EX_OSERR, "out of memory");
		}
	}
	sqlite3_stmt *st = op_db_stmt(db, SQL_OUTBOX);
	if (st && op_bind_text(db, st, ":cid", c->col[C_ID]) == 0 &&
	    op_bind_text(db, st, ":cust", id) == 0 &&
	    op_bind_text(db, st, ":status", held ? "holdout" : "queued") == 0 &&
	    op_bind_text(db, st, ":address", held ? NULL : addr) == 0 &&
	    op_bind_text(db, st, ":message", msg) == 0 &&
	    op_bind_text(db, st, ":coupon", coupon) == 0 &&
	    op_bind_text(db, st, ":today", today) == 0 && op_db_run(db, st) == 0) {
		rc = 0;
		if (held)
			r->holdout++;
		else
			r->queued++;
	}
	free(coupon);
	free(msg);
	return rc;
}

int op_campaign_prepare(op_db *db, const char *name, const char *today_in,
			const char *staff, struct op_campaign_prep *r)
{
	struct op_seg seg = { 0 };
	struct camp c;
	char today[16];
	const char *why;
	sqlite3_stmt *st = NULL;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	op_db_today(db, today);
	if (today_in && op_valid_date(today, sizeof(today), today_in, &why) < 0)
		return op_errc(op_db_err(db), EX_DATAERR, "today: %s", why);
	if (camp_load(db, name, &c) < 0)
		return -1;
	if (camp_mine(db, name, &c) < 0)
		goto out;
	if (strcmp(today, c.col[C_ENDS]) > 0) {
		op_errc(op_db_err(db), EX_DATAERR, "campaign: %s ended on %s", name, c.col[C_ENDS]);
		goto out;
	}
	if (op_seg_parse(&seg, c.col[C_FILTER], op_db_err(db)) < 0) {
		op_errctx(op_db_err(db), "campaign %s: its segment", name);
		goto out;
	}
	if (op_db_begin(db, staff) < 0)
		goto out;
	const char *site = op_db_is_hq(db) ? NULL : op_db_site(db);
	if (!(st = op_db_stmt(db, SQL_CANDIDATES)) || op_seg_bind(db, st, &seg, today) < 0 ||
	    op_bind_text(db, st, ":channel", c.col[C_CHANNEL]) < 0 ||
	    op_bind_int(db, st, ":gap", c.gap) < 0 || op_bind_text(db, st, ":today", today) < 0 ||
	    op_bind_text(db, st, ":site", site) < 0 || op_bind_text(db, st, ":cid", c.col[C_ID]) < 0)
		goto fail;
	while ((rc = op_db_step(db, st)) == SQLITE_ROW)
		if (prepare_one(db, &c, st, today, r) < 0)
			goto fail;
	sqlite3_reset(st);
	if (rc < 0 || op_db_commit(db) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	if (st)
		sqlite3_reset(st);
	op_db_rollback(db);
	memset(r, 0, sizeof(*r));
	rc = -1;
out:
	op_seg_clear(&seg);
	camp_free(&c);
	return rc;
}

static const char SQL_AUTO[] =
	"SELECT name FROM main.campaign WHERE auto = 1 AND :today BETWEEN starts AND ends"
	" AND (branch IS NULL OR branch = (SELECT value FROM meta WHERE key = 'site')"
	"  OR (SELECT value FROM meta WHERE key = 'role') = 'hq')"
	" ORDER BY name";

int op_campaign_auto(op_db *db, const char *today_in, const char *staff,
		     op_campaign_done done, void *arg)
{
	char today[16], **names = NULL;
	const char *why;
	size_t n = 0;
	int rc = 0;

	op_db_today(db, today);
	if (today_in && op_valid_date(today, sizeof(today), today_in, &why) < 0)
		return op_errc(op_db_err(db), EX_DATAERR, "today: %s", why);
	sqlite3_stmt *st = op_db_stmt(db, SQL_AUTO);
	if (!st || op_bind_text(db, st, ":today", today) < 0)
		return -1;
	while ((rc = op_db_step(db, st)) == SQLITE_ROW) {
		char **grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown || !(grown[n] = strdup((const char *)sqlite3_column_text(st, 0)))) {
			names = grown ? grown : names;
			rc = op_errc(op_db_err(db), EX_OSERR, "out of memory");
			break;
		}
		names = grown;
		n++;
	}
	sqlite3_reset(st);
	rc = rc < 0 ? -1 : 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct op_campaign_prep r;
		if ((rc = op_campaign_prepare(db, names[i], today, staff, &r)) == 0 && done)
			done(arg, names[i], &r);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* --- export --- */

const char *const op_campaign_export_cols[OP_CAMPAIGN_EXPORT_NCOLS] = {
	"客户编号", "姓名", "联系方式", "内容", "券码", "活动", "渠道",
};
/* The queued messages this connection may see; the same set is marked. */
static const char SQL_QUEUED[] =
	"SELECT x.customer_id, c.name, x.address, x.message,"
	" coalesce((SELECT code FROM main.coupon WHERE id = x.coupon_id),"
	"  (SELECT code FROM main.coupon WHERE id = m.coupon_id)), m.name, m.channel"
	" FROM campaign_outbox x JOIN main.campaign m ON m.id = x.campaign_id"
	" JOIN main.customer c ON c.id = x.customer_id"
	" WHERE x.campaign_id = :cid AND x.status = 'queued' ORDER BY x.customer_id";
static const char SQL_MARK[] =
	"UPDATE main.campaign_outbox SET status = 'sent', sent_at = datetime('now')"
	" WHERE campaign_id = :cid AND status = 'queued'"
	" AND id IN (SELECT id FROM campaign_outbox WHERE campaign_id = :cid)";

int op_campaign_export(op_db *db, const char *name, const char *staff,
		       const struct op_export_sink *sink, int64_t *rows)
{
	struct camp c;
	sqlite3_stmt *st = NULL;
	int64_t n = 0;
	int rc;
	char what[200];

	*rows = 0;
	if (camp_load(db, name, &c) < 0)
		return -1;
	if (camp_mine(db, name, &c) < 0 || op_db_begin(db, staff) < 0) {
		camp_free(&c);
		return -1;
	}
	if (!(st = op_db_stmt(db, SQL_QUEUED)) || op_bind_text(db, st, ":cid", c.col[C_ID]) < 0)
		goto fail;
	while ((rc = op_db_step(db, st)) == SQLITE_ROW) {
		const char *v[OP_CAMPAIGN_EXPORT_NCOLS];
		for (int i = 0; i < OP_CAMPAIGN_EXPORT_NCOLS; i++)
			v[i] = (const char *)sqlite3_column_text(st, i);
		if (sink->row(sink->arg, v) < 0)
			goto fail;
		n++;
	}
	sqlite3_reset(st);
	if (rc < 0 || sink->finish(sink->arg) < 0)
		goto fail;
	snprintf(what, sizeof(what), "campaign export %s", name);
	if (!(st = op_db_stmt(db, SQL_MARK)) || op_bind_text(db, st, ":cid", c.col[C_ID]) < 0 ||
	    op_db_run(db, st) < 0)
		goto fail_after;
	if (sqlite3_changes(op_db_handle(db)) != n) {
		op_errc(op_db_err(db), EX_SOFTWARE, "campaign export: %lld rows written but %d "
			"to mark", (long long)n, sqlite3_changes(op_db_handle(db)));
		goto fail_after;
	}
	if (op_access_record(db, staff, what, n) < 0 || op_db_commit(db) < 0)
		goto fail_after;
	camp_free(&c);
	*rows = n;
	return 0;
fail:
	if (st)
		sqlite3_reset(st);
	op_db_rollback(db);
	camp_free(&c);
	return -1;
fail_after:
	/* the file is complete but nothing is marked: it must not be sent */
	if (sink->abort)
		sink->abort(sink->arg);
	st = NULL;
	goto fail;
}

/* --- record --- */

static const struct op_enum_alias response_v[] = {
	{ "replied", "回复|已回复|reply|answered" },
	{ "visited", "到店|来店|visit|came" },
	{ "declined", "拒绝|不感兴趣|decline|no" },
	{ "opt-out", "退订|unsubscribe|stop|td|optout|免打扰" },
	{ NULL, NULL },
};
static const struct op_enum response_e = { "response", response_v };

static const char SQL_IN_OUTBOX[] =
	"SELECT status FROM main.campaign_outbox WHERE campaign_id = :cid AND customer_id = :cust";
static const char SQL_RESPONSE[] =
	"INSERT INTO main.campaign_response(campaign_id, customer_id, kind, staff, branch, notes)"
	" VALUES (:cid, :cust, :kind, :staff, (SELECT value FROM meta WHERE key = 'site'), :notes)";
static const char SQL_OPT_OUT[] =
	"UPDATE main.customer SET no_contact = 1 WHERE id = :cust AND coalesce(no_contact, 0) = 0";

int op_campaign_record(op_db *db, const char *name, const char *customer_id,
		       const char *kind_in, const char *notes, const char *staff,
		       const char **canon)
{
	op_err *e = op_db_err(db);
	const char *kind, *why;
	struct camp c;
	sqlite3_stmt *st;
	int rc;

	if (!kind_in || op_valid_enum(&kind, &response_e, kind_in, &why) < 0)
		return op_errc(e, kind_in ? EX_DATAERR : EX_USAGE, "response: %s",
			       kind_in ? why : "required (replied visited declined opt-out)");
	if (notes && op_valid_lines(notes, 1000, &why) < 0)
		return op_errc(e, EX_DATAERR, "notes: %s", why);
	if (camp_load(db, name, &c) < 0)
		return -1;
	if (!(st = op_db_stmt(db, SQL_IN_OUTBOX)) || op_bind_text(db, st, ":cid", c.col[C_ID]) < 0 ||
	    op_bind_text(db, st, ":cust", customer_id) < 0 || (rc = op_db_step(db, st)) < 0) {
		camp_free(&c);
		return -1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		camp_free(&c);
		return op_errc(e, EX_DATAERR, "customer: not in campaign %s's outbox "
			       "(campaign prepare chooses who gets it)", name);
	}
	rc = -1;
	if (op_db_begin(db, staff) == 0 && (st = op_db_stmt(db, SQL_RESPONSE)) &&
	    op_bind_text(db, st, ":cid", c.col[C_ID]) == 0 &&
	    op_bind_text(db, st, ":cust", customer_id) == 0 &&
	    op_bind_text(db, st, ":kind", kind) == 0 && op_bind_text(db, st, ":staff", staff) == 0 &&
	    op_bind_text(db, st, ":notes", notes) == 0 && op_db_run(db, st) == 0 &&
	    (strcmp(kind, "opt-out") != 0 ||
	     ((st = op_db_stmt(db, SQL_OPT_OUT)) && op_bind_text(db, st, ":cust", customer_id) == 0 &&
	      op_db_run(db, st) == 0)) &&
	    op_db_commit(db) == 0)
		rc = 0;
	else
		op_db_rollback(db);
	camp_free(&c);
	if (rc == 0 && canon)
		*canon = kind;
	return rc;
}
