/*
 * segment.c — segment filters: parsing, canonical text and binding (see
 * segment.h). The key table below is the whole vocabulary; the CLI builds
 * its options from it, so `segment add`, `segment count` and `customer
 * list` take the same filters with the same messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "segment.h"
#include "valid.h"

static const struct op_enum_alias class_v[] = {
	{ "important", "a|重要|重要客户" }, { "major", "b|主要|主要客户" },
	{ "regular", "c|普通|普通客户" }, { "small", "d|小|小客户" }, { NULL, NULL },
};
static const struct op_enum class_e = { "class", class_v };
static const struct op_enum_alias freq_v[] = {
	{ "high", "高|高频" }, { "medium", "中|中频" }, { "low", "低|低频" }, { NULL, NULL },
};
static const struct op_enum freq_e = { "frequency", freq_v };

const struct op_seg_key op_seg_keys[OP_SEG_NKEYS] = {
	{ "class", OP_SEG_LIST, &class_e, "customer class (classify): important major regular small, or A B C D" },
	{ "freq", OP_SEG_LIST, &freq_e, "purchase frequency (classify): high medium low" },
	{ "rfm", OP_SEG_RFM, NULL, "minimum RFM scores R,F,M (1-5, * for any), e.g. 4,*,3" },
	{ "channel", OP_SEG_LIST, NULL, "source channel codes" },
	{ "branch", OP_SEG_LIST, NULL, "home branch codes" },
	{ "region", OP_SEG_LIST, NULL, "region of the home branch" },
	{ "owner", OP_SEG_LIST, NULL, "salesperson codes" },
	{ "gender", OP_SEG_ONE, &op_enum_gender, "male or female (男 女)" },
	{ "style", OP_SEG_TEXT, NULL, "preferred style contains, e.g. 现代简约" },
	{ "colour", OP_SEG_TEXT, NULL, "preferred colour contains" },
	{ "material", OP_SEG_TEXT, NULL, "preferred material contains" },
	{ "brand", OP_SEG_TEXT, NULL, "preferred brand contains" },
	{ "tag", OP_SEG_LIST, NULL, "has any of these tags" },
	{ "birthday", OP_SEG_MMDD, NULL, "birthday in MM-DD..MM-DD (may wrap the new year)" },
	{ "birthday-within", OP_SEG_DAYS, NULL, "birthday today or in the next N days" },
	{ "bought-after", OP_SEG_DATE, NULL, "last purchase on or after DATE" },
	{ "bought-before", OP_SEG_DATE, NULL, "last purchase before DATE (bought, then stopped)" },
	{ "points-min", OP_SEG_INT, NULL, "at least N points" },
	{ "product", OP_SEG_LIST, NULL, "bought any of these SKUs" },
	{ "category", OP_SEG_LIST, NULL, "bought a product of any of these categories" },
};

int op_seg_key(const char *name)
{
	for (int i = 0; i < OP_SEG_NKEYS; i++)
		if (name && strcmp(op_seg_keys[i].name, name) == 0)
			return i;
	return -1;
}

void op_seg_clear(struct op_seg *s)
{
	for (int i = 0; i < OP_SEG_NKEYS; i++) {
		free(s->val[i]);
		s->val[i] = NULL;
	}
}

int op_seg_any(const struct op_seg *s)
{
	for (int i = 0; i < OP_SEG_NKEYS; i++)
		if (s->val[i])
			return 1;
	return 0;
}

static int unknown(op_err *e, const char *key, size_t n)
{
	char names[512];
	size_t len = 0;
	names[0] = '\0';
	for (int i = 0; i < OP_SEG_NKEYS && len < sizeof(names); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
					i ? " " : "", op_seg_keys[i].name);
	return op_errc(e, EX_DATAERR, "unknown segment filter '%.*s' (known: %s)",
		       (int)n, key, names);
}

/* One element of a list, or the whole of a one-word value: trimmed, a
 * valid word of en (canonical) when en is set. */
static int word(char *out, size_t outsz, const struct op_seg_key *k, const char *in,
		size_t n, op_err *e)
{
	char buf[256];
	const char *why, *canon;
	while (n && (*in == ' ' || *in == '\t'))
		in++, n--;
	while (n && (in[n - 1] == ' ' || in[n - 1] == '\t'))
		n--;
	if (!n)
		return op_errc(e, EX_DATAERR, "%s: empty value in the list", k->name);
	if (n >= sizeof(buf) || n >= outsz)
		return op_errc(e, EX_DATAERR, "%s: value too long", k->name);
	memcpy(buf, in, n);
	buf[n] = '\0';
	if (op_valid_text(buf, 100, &why) < 0)
		return op_errc(e, EX_DATAERR, "%s: %s", k->name, why);
	if (!k->en) {
		memcpy(out, buf, n + 1);
		return 0;
	}
	if (op_valid_enum(&canon, k->en, buf, &why) < 0)
		return op_errc(e, EX_DATAERR, "%s: %s", k->name, why);
	snprintf(out, outsz, "%s", canon);
	return 0;
}

/* Split at ',' '，' '、'; the canonical list joins with ','. */
static int list(char *out, size_t outsz, const struct op_seg_key *k, const char *raw,
		op_err *e)
{
	static const char *const seps[] = { ",", "，", "、" };
	size_t len = 0;
	const char *p = raw;
	out[0] = '\0';
	for (;;) {
		const char *end = p + strlen(p);
		size_t sl = 0;
		for (size_t i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
			const char *q = strstr(p, seps[i]);
			if (q && q < end)
				end = q, sl = strlen(seps[i]);
		}
		char w[256];
		if (word(w, sizeof(w), k, p, (size_t)(end - p), e) < 0)
			return -1;
		if (len + strlen(w) + 2 > outsz)
			return op_errc(e, EX_DATAERR, "%s: list too long", k->name);
		len += (size_t)snprintf(out + len, outsz - len, "%s%s", len ? "," : "", w);
		if (!sl)
			return 0;
		p = end + sl;
	}
}

static int mmdd(const char *s, size_t n)
{
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (n != 5 || s[2] != '-')
		return 0;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return 0;
	int m = (s[0] - '0') * 10 + (s[1] - '0'), d = (s[3] - '0') * 10 + (s[4] - '0');
	return m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1];
}

static int canon(char *out, size_t outsz, const struct op_seg_key *k, const char *raw,
		 op_err *e)
{
	const char *why, *dots;
	int64_t v;
	switch (k->kind) {
	case OP_SEG_LIST:
		return list(out, outsz, k, raw, e);
	case OP_SEG_ONE:
	case OP_SEG_TEXT:
		return word(out, outsz, k, raw, strlen(raw), e);
	case OP_SEG_RFM: {
		char part[3][8] = { "*", "*", "*" };
		int n = 0;
		const char *p = raw;
		for (; n < 3; n++) {
			while (*p == ' ')
				p++;
			if (*p == '*' || (*p >= '1' && *p <= '5'))
				part[n][0] = *p++;
			else
				break;
			while (*p == ' ')
				p++;
			if (*p != ',')
				break;
			p++;
		}
		if (*p || n != 2)
			return op_errc(e, EX_DATAERR, "rfm: '%s' is not three scores R,F,M "
				       "(1-5, * for any), e.g. 4,*,3", raw);
		snprintf(out, outsz, "%s,%s,%s", part[0], part[1], part[2]);
		return 0;
	}
	case OP_SEG_MMDD:
		if (!(dots = strstr(raw, "..")) || !mmdd(raw, (size_t)(dots - raw)) ||
		    !mmdd(dots + 2, strlen(dots + 2)))
			return op_errc(e, EX_DATAERR, "birthday: '%s' is not a month-day range "
				       "MM-DD..MM-DD, e.g. 12-20..01-10", raw);
		snprintf(out, outsz, "%s", raw);
		return 0;
	case OP_SEG_DAYS:
		if (op_valid_int(&v, raw, 0, 366, &why) < 0)
			return op_errc(e, EX_DATAERR, "%s: %s", k->name, why);
		snprintf(out, outsz, "%lld", (long long)v);
		return 0;
	case OP_SEG_DATE:
		if (op_valid_date(out, outsz, raw, &why) < 0)
			return op_errc(e, EX_DATAERR, "%s: %s", k->name, why);
		return 0;
	case OP_SEG_INT:
		if (op_valid_int(&v, raw, 0, 1000000000, &why) < 0)
			return op_errc(e, EX_DATAERR, "%s: %s", k->name, why);
		snprintf(out, outsz, "%lld", (long long)v);
		return 0;
	}
	return op_errc(e, EX_SOFTWARE, "%s: unknown kind of filter", k->name);
}

int op_seg_set(struct op_seg *s, const char *key, const char *raw, op_err *e)
{
	int i = op_seg_key(key);
	char out[1024];
	if (i < 0)
		return unknown(e, key, strlen(key));
	free(s->val[i]);
	s->val[i] = NULL;
	if (!raw || !*raw)
		return 0;
	if (strchr(raw, ';'))
		return op_errc(e, EX_DATAERR, "%s: ';' cannot be part of a filter value", key);
	if (canon(out, sizeof(out), &op_seg_keys[i], raw, e) < 0)
		return -1;
	if (!(s->val[i] = strdup(out)))
		return op_errc(e, EX_OSERR, "out of memory");
	return 0;
}

int op_seg_parse(struct op_seg *s, const char *text, op_err *e)
{
	char key[64], val[1024];
	const char *p = text ? text : "";
	op_seg_clear(s);
	while (*p) {
		const char *end = strchr(p, ';'), *eq;
		size_t n;
		if (!end)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		n = (size_t)(end - p);
		if (n) {
			if (!(eq = memchr(p, '=', n)))
				return op_errc(e, EX_DATAERR, "filter: '%.*s' is not KEY=VALUE",
					       (int)n, p);
			size_t kn = (size_t)(eq - p), vn = n - kn - 1;
			while (kn && p[kn - 1] == ' ')
				kn--;
			if (kn >= sizeof(key) || vn >= sizeof(val))
				return op_errc(e, EX_DATAERR, "filter: '%.*s' is too long", (int)n, p);
			memcpy(key, p, kn);
			key[kn] = '\0';
			memcpy(val, eq + 1, vn);
			val[vn] = '\0';
			if (op_seg_key(key) < 0)
				return unknown(e, key, kn);
			char *v = val;
			while (*v == ' ')
				v++;
			if (!*v)
				return op_errc(e, EX_DATAERR, "%s: no value", key);
			if (op_seg_set(s, key, v, e) < 0)
				return -1;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

char *op_seg_text(const struct op_seg *s)
{
	size_t n = 1;
	for (int i = 0; i < OP_SEG_NKEYS; i++)
		if (s->val[i])
			n += strlen(op_seg_keys[i].name) + strlen(s->val[i]) + 3;
	char *out = malloc(n);
	size_t len = 0;
	if (!out)
		return NULL;
	out[0] = '\0';
	for (int i = 0; i < OP_SEG_NKEYS; i++)
		if (s->val[i])
			len += (size_t)snprintf(out + len, n - len, "%s%s=%s", len ? "; " : "",
						op_seg_keys[i].name, s->val[i]);
	return out;
}

/* A canonical list as a JSON array for json_each(). */
static char *json_list(const char *v)
{
	size_t n = strlen(v);
	char *out = malloc(n * 6 + 8), *o = out;
	if (!out)
		return NULL;
	*o++ = '[';
	*o++ = '"';
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == ',') {
			memcpy(o, "\",\"", 3);
			o += 3;
		} else if (*p == '"' || *p == '\\') {
			*o++ = '\\';
			*o++ = (char)*p;
		} else if (*p < 0x20) {
			o += sprintf(o, "\\u%04x", *p);
		} else {
			*o++ = (char)*p;
		}
	}
	*o++ = '"';
	*o++ = ']';
	*o = '\0';
	return out;
}

/* The month-days of today and today + days. */
static int window(char from[16], char to[16], const char *today, int64_t days)
{
	struct tm tm = { 0 };
	time_t t;
	if (today && sscanf(today, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) == 3) {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		tm.tm_hour = 12;
		t = timegm(&tm);
	} else {
		t = time(NULL);
	}
	struct tm a, b;
	time_t u = t + (time_t)days * 86400;
	gmtime_r(&t, &a);
	gmtime_r(&u, &b);
	if (days >= 365) {	/* the whole year */
		snprintf(from, 16, "01-01");
		snprintf(to, 16, "12-31");
		return 0;
	}
	snprintf(from, 16, "%02d-%02d", a.tm_mon + 1, a.tm_mday);
	snprintf(to, 16, "%02d-%02d", b.tm_mon + 1, b.tm_mday);
	return 0;
}

static const char *const list_params[OP_SEG_NKEYS] = {
	[0] = ":s_class", [1] = ":s_freq", [3] = ":s_channel", [4] = ":s_branch",
	[5] = ":s_region", [6] = ":s_owner", [12] = ":s_tag", [18] = ":s_product",
	[19] = ":s_category",
};
static const char *const text_params[OP_SEG_NKEYS] = {
	[7] = ":s_gender", [8] = ":s_style", [9] = ":s_colour", [10] = ":s_material",
	[11] = ":s_brand", [15] = ":s_after", [16] = ":s_before",
};

int op_seg_bind(op_db *db, sqlite3_stmt *st, const struct op_seg *s, const char *today)
{
	static const char *const rfm[3] = { ":s_rmin", ":s_fmin", ":s_mmin" };
	char f[16], t[16];
	for (int i = 0; i < OP_SEG_NKEYS; i++) {
		const char *v = s->val[i];
		if (list_params[i]) {
			char *j = v ? json_list(v) : NULL;
			int rc = op_bind_text(db, st, list_params[i], j);
			free(j);
			if (rc < 0 || (v && !j))
				return -1;
		} else if (text_params[i]) {
			if (op_bind_text(db, st, text_params[i], v) < 0)
				return -1;
		}
	}
	for (int k = 0; k < 3; k++) {
		const char *v = s->val[2];
		if (v && v[k * 2] != '*' ? op_bind_int(db, st, rfm[k], v[k * 2] - '0') < 0 :
		    op_bind_null(db, st, rfm[k]) < 0)
			return -1;
	}
	const char *bd = s->val[13];
	if (bd) {
		snprintf(f, sizeof(f), "%.5s", bd);
		snprintf(t, sizeof(t), "%.5s", bd + 7);
	}
	if (op_bind_text(db, st, ":s_bd_from", bd ? f : NULL) < 0 ||
	    op_bind_text(db, st, ":s_bd_to", bd ? t : NULL) < 0)
		return -1;
	const char *bw = s->val[14];
	if (bw)
		window(f, t, today, strtoll(bw, NULL, 10));
	if (op_bind_text(db, st, ":s_bw_from", bw ? f : NULL) < 0 ||
	    op_bind_text(db, st, ":s_bw_to", bw ? t : NULL) < 0)
		return -1;
	if (s->val[17] ? op_bind_int(db, st, ":s_points", strtoll(s->val[17], NULL, 10)) < 0 :
	    op_bind_null(db, st, ":s_points") < 0)
		return -1;
	return 0;
}

/* --- saved segments --- */

static const char SQL_SEG_ADD[] =
	"INSERT INTO main.segment(name, filter, notes, branch, created_by)"
	" VALUES (:name, :filter, :notes, CASE WHEN (SELECT value FROM meta WHERE key = 'role')"
	" = 'hq' THEN NULL ELSE (SELECT value FROM meta WHERE key = 'site') END, :staff)"
	" RETURNING id";
static const char SQL_SEG_HAVE[] = "SELECT 1 FROM main.segment WHERE name = :name";

int op_segment_add(op_db *db, const char *name, const struct op_seg *s,
		   const char *notes, const char *staff, char **id)
{
	const char *why;
	op_err *e = op_db_err(db);
	sqlite3_stmt *st;
	char *text;
	int rc;

	if (!name || op_valid_text(name, 100, &why) < 0)
		return op_errc(e, EX_DATAERR, "name: %s", name ? why : "required");
	if (notes && op_valid_lines(notes, 1000, &why) < 0)
		return op_errc(e, EX_DATAERR, "notes: %s", why);
	if (!op_seg_any(s))
		return op_errc(e, EX_USAGE, "a segment needs at least one filter "
			       "(see outpost segment add --help)");
	if (!(st = op_db_stmt(db, SQL_SEG_HAVE)) || op_bind_text(db, st, ":name", name) < 0 ||
	    (rc = op_db_step(db, st)) < 0)
		return -1;
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return op_errc(e, EX_DATAERR, "name: a segment named %s exists already", name);
	if (!(text = op_seg_text(s)))
		return op_errc(e, EX_OSERR, "out of memory");
	rc = -1;
	if (op_db_begin(db, staff) == 0 && (st = op_db_stmt(db, SQL_SEG_ADD)) &&
	    op_bind_text(db, st, ":name", name) == 0 && op_bind_text(db, st, ":filter", text) == 0 &&
	    op_bind_text(db, st, ":notes", notes) == 0 && op_bind_text(db, st, ":staff", staff) == 0 &&
	    op_db_step(db, st) == SQLITE_ROW) {
		rc = 0;
		if (id && !(*id = strdup((const char *)sqlite3_column_text(st, 0))))
			rc = op_errc(e, EX_OSERR, "out of memory");
		sqlite3_reset(st);
		if (rc == 0)
			rc = op_db_commit(db);
	}
	if (rc < 0)
		op_db_rollback(db);
	free(text);
	return rc;
}

static const char SQL_SEG_LOAD[] = "SELECT id, filter FROM main.segment WHERE name = :name";

int op_segment_load(op_db *db, const char *name, struct op_seg *s, char **id)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_SEG_LOAD);
	int rc;
	if (!st || op_bind_text(db, st, ":name", name) < 0 || (rc = op_db_step(db, st)) < 0)
		return -1;
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return op_errc(op_db_err(db), EX_NOINPUT, "segment: no segment named %s "
			       "(see outpost segment list)", name);
	}
	rc = op_seg_parse(s, (const char *)sqlite3_column_text(st, 1), op_db_err(db));
	if (rc == 0 && id && !(*id = strdup((const char *)sqlite3_column_text(st, 0))))
		rc = op_errc(op_db_err(db), EX_OSERR, "out of memory");
	sqlite3_reset(st);
	if (rc < 0)
		op_errctx(op_db_err(db), "segment %s", name);
	return rc;
}

static const char SQL_SEG_COUNT[] =
	"SELECT count(*) FROM " OP_SEG_FROM " WHERE " OP_SEG_WHERE;

int op_segment_count(op_db *db, const struct op_seg *s, const char *today, int64_t *n)
{
	sqlite3_stmt *st = op_db_stmt(db, SQL_SEG_COUNT);
	if (!st || op_seg_bind(db, st, s, today) < 0 || op_db_step(db, st) != SQLITE_ROW) {
		if (st)
			sqlite3_reset(st);
		return -1;
	}
	*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}
