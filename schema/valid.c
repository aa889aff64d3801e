/*
 * valid.c — validation and normalisation of domain values (see valid.h).
 *
 * Everything typed at a counter or read from a store's spreadsheet comes
 * through here before it reaches the database, so the reasons are written
 * for the person who typed the value: short, lowercase, and saying what was
 * wrong with *this* value ("mobile numbers have 11 digits, got 10"). Reasons
 * that quote the value are formatted into a per-thread buffer: they stay
 * valid until the next call in the same thread, which keeps the functions
 * thread-safe without making callers free anything. The functions never
 * allocate and never touch the database.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "valid.h"

/* Reasons that include the offending value. */
static _Thread_local char reason_buf[256];

static const char *reason(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static const char *reason(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason_buf, sizeof(reason_buf), _(fmt), ap);
	va_end(ap);
	return reason_buf;
}

static int fail(const char **why, const char *r)
{
	/* reason() has translated already; static reasons are msgids */
	if (why)
		*why = r == reason_buf ? r : _(r);
	return -1;
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '\v' || c == '\f';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Trim ASCII white space and the ideographic space U+3000, which Chinese
 * input methods insert in full-width mode. */
static void trim(const char **s, size_t *n)
{
	const char *p = *s;
	size_t len = *n;

	for (;;) {
		if (len && is_space((unsigned char)*p)) {
			p++;
			len--;
		} else if (len >= 3 && !memcmp(p, "\xe3\x80\x80", 3)) {
			p += 3;
			len -= 3;
		} else {
			break;
		}
	}
	for (;;) {
		if (len && is_space((unsigned char)p[len - 1]))
			len--;
		else if (len >= 3 && !memcmp(p + len - 3, "\xe3\x80\x80", 3))
			len -= 3;
		else
			break;
	}
	*s = p;
	*n = len;
}

/* trim() of the input *s (NULL counts as empty): 0, or -1 with "empty". */
static int trimmed(const char **s, size_t *n, const char **why)
{
	if (!*s)
		return fail(why, "empty");
	trim(s, n);
	return *n ? 0 : fail(why, "empty");
}

static int starts_with(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && !memcmp(s, prefix, k);
}

/* The ASCII character a full-width form U+FF01..U+FF5E at s stands for,
 * or 0. */
static int fullwidth_ascii(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	if (n < 3 || p[0] != 0xef)
		return 0;
	if (p[1] == 0xbc && p[2] >= 0x81 && p[2] <= 0xbf)
		return p[2] - 0x81 + 0x21;
	if (p[1] == 0xbd && p[2] >= 0x80 && p[2] <= 0x9e)
		return p[2] - 0x80 + 0x60;
	return 0;
}

/* A printable picture of a byte for reasons: 'x' or 0x01. */
static const char *show_char(char *buf, size_t bufsz, const char *p)
{
	unsigned char c = (unsigned char)*p;

	if (c >= 0x21 && c < 0x7f)
		snprintf(buf, bufsz, "'%c'", c);
	else if (c == ' ')
		snprintf(buf, bufsz, "a space");
	else if (c >= 0x80) {
		/* copy one UTF-8 sequence so CJK characters show as typed */
		size_t k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		size_t i;

		for (i = 1; i < k; i++)
			if (((unsigned char)p[i] & 0xc0) != 0x80)
				break;
		if (i == k && k > 1 && k + 3 <= bufsz) {
			buf[0] = '\'';
			memcpy(buf + 1, p, k);
			buf[k + 1] = '\'';
			buf[k + 2] = '\0';
		} else {
			snprintf(buf, bufsz, "byte 0x%02x", c);
		}
	} else {
		snprintf(buf, bufsz, "byte 0x%02x", c);
	}
	return buf;
}

/* ---------------------------------------------------------------- phones */

#define PHONE_MAX_DIGITS 32

/* Check the national part of a Chinese number (after +86 / 0086 / 86, or
 * as dialled at home) and write "+86..." to out. has_ext says an extension
 * marker ("ext", "转") was cut off; last_dash_group is the length of a final
 * digit group written after a dash, which for landlines may be an
 * extension. prefixed: a country code came first, so the trunk 0 is
 * optional. */
static int cn_national(char *out, size_t outsz, const char *d, size_t n,
		       int has_ext, size_t last_dash_group, int prefixed,
		       const char **why)
{
	const char *area, *local;
	size_t area_len, local_len;

	if (n == 0)
		return fail(why, "no digits after the country code");
	/* mobiles are 13x..19x; after +86 a leading 10 is Beijing */
	if (d[0] == '1' && !(prefixed && n > 1 && d[1] == '0')) {
		if (has_ext)
			return fail(why, "mobile numbers have no extension");
		if (n != 11)
			return fail(why, reason("mobile numbers have 11 digits, "
						"got %zu", n));
		if (d[1] < '3')
			return fail(why, reason("no mobile numbers start with "
						"%.2s", d));
		if ((size_t)snprintf(out, outsz, "+86%.*s", (int)n, d) >= outsz)
			return fail(why, "output buffer too small");
		return 0;
	}
	if (d[0] == '0') {
		d++;
		n--;
	} else if (!prefixed) {
		return fail(why, "not a chinese mobile (1xx) or landline (0xx) "
			    "number; write +country code for others");
	}
	if (n == 0)
		return fail(why, "area code missing");
	if (d[0] == '0')
		return fail(why, "area codes do not start with 00");
	/* 010 and 02x are the only two-digit area codes; the rest are
	 * 0xxx. */
	if (d[0] == '1' || d[0] == '2')
		area_len = 2;
	else
		area_len = 3;
	if (d[0] == '1' && (n < 2 || d[1] != '0'))
		return fail(why, reason("no such area code: 0%.*s",
					(int)(n < 3 ? n : 3), d));
	if (n <= area_len)
		return fail(why, "landline number missing after the area code");
	area = d;
	local = d + area_len;
	local_len = n - area_len;
	/* "010-12345678-801": the last dashed group is an extension when the
	 * digits before it make a whole local number. E.164 has no room for
	 * extensions, so it is dropped: the main number identifies the
	 * customer. */
	if (local_len > 8 && last_dash_group > 0 && last_dash_group <= 6 &&
	    local_len - last_dash_group >= 7 && local_len - last_dash_group <= 8)
		local_len -= last_dash_group;
	if (local_len < 7 || local_len > 8)
		return fail(why, reason("landline numbers have 7 or 8 digits "
					"after the area code 0%.*s, got %zu",
					(int)area_len, area, local_len));
	if (local[0] == '0')
		return fail(why, "local numbers do not start with 0");
	if ((size_t)snprintf(out, outsz, "+86%.*s%.*s", (int)area_len, area,
			     (int)local_len, local) >= outsz)
		return fail(why, "output buffer too small");
	return 0;
}

/* Split "... ext 801", "... x801", "... 转801" off the end. Returns the
 * length of the main part, or n when there is no extension marker. The
 * extension itself is dropped: E.164 has no room for it, and the main
 * number is what identifies a customer. */
static size_t phone_ext_marker(const char *s, size_t n, int *has_ext)
{
	static const char *const markers[] = { "ext.", "ext", "x", "#",
					       "\xe8\xbd\xac" /* 转 */ };
	size_t i, m, r, ndig;

	*has_ext = 0;
	for (i = 0; i < n; i++) {
		for (m = 0; m < sizeof(markers) / sizeof(markers[0]); m++) {
			size_t k = strlen(markers[m]), j;

			if (i + k > n)
				continue;
			for (j = 0; j < k; j++)
				if (ascii_lower((unsigned char)s[i + j]) !=
				    (unsigned char)markers[m][j])
					break;
			if (j < k)
				continue;
			/* the rest must be spaces and 1-6 digits */
			ndig = 0;
			for (r = i + k; r < n; r++) {
				if (is_digit((unsigned char)s[r]))
					ndig++;
				else if (s[r] != ' ' && s[r] != '.')
					break;
			}
			if (r == n && ndig >= 1 && ndig <= 6) {
				*has_ext = 1;
				return i;
			}
		}
	}
	return n;
}

int op_valid_phone(char *out, size_t outsz, const char *in, const char **why)
{
	char d[PHONE_MAX_DIGITS + 1], cbuf[16];
	const char *s = in;
	size_t n = in ? strlen(in) : 0, nd = 0, i, group = 0, last_dash_group = 0;
	int plus = 0, has_ext = 0, dash_before = 0, group_dashed = 0, depth = 0;

	if (trimmed(&s, &n, why) < 0)
		return -1;
	n = phone_ext_marker(s, n, &has_ext);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int fw = fullwidth_ascii(s + i, n - i);
		size_t at = i;

		/* full-width mode of a Chinese input method: １３８（） */
		if (fw) {
			c = (unsigned char)fw;
			i += 2;
		}
		if (is_digit(c)) {
			if (nd == PHONE_MAX_DIGITS)
				return fail(why, "too many digits");
			if (group == 0)
				group_dashed = dash_before;
			d[nd++] = (char)c;
			group++;
			continue;
		}
		if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') {
			if (c == '(')
				depth++;
			if (c == ')' && --depth < 0)
				return fail(why, "unbalanced parentheses");
			if (group) {
				group = 0;
				dash_before = 0;
			}
			if (c == '-')
				dash_before = 1;
			continue;
		}
		if (c == '+' && !plus && nd == 0) {
			plus = 1;	/* also "(+86) 138..." */
			continue;
		}
		if (c == '+')
			return fail(why, "'+' only goes at the start");
		return fail(why, reason("unexpected %s",
					show_char(cbuf, sizeof(cbuf), s + at)));
	}
	if (depth)
		return fail(why, "unbalanced parentheses");
	/* the length of the last digit group when a dash came before it */
	last_dash_group = group_dashed ? group : 0;
	d[nd] = '\0';
	if (nd == 0)
		return fail(why, "no digits");

	if (plus) {
		if (d[0] == '0')
			return fail(why, "country codes do not start with 0");
		if (nd >= 2 && d[0] == '8' && d[1] == '6')
			return cn_national(out, outsz, d + 2, nd - 2, has_ext,
					   last_dash_group, 1, why);
		goto international;
	}
	if (nd >= 4 && !memcmp(d, "0086", 4))
		return cn_national(out, outsz, d + 4, nd - 4, has_ext,
				   last_dash_group, 1, why);
	if (nd >= 3 && d[0] == '0' && d[1] == '0') {
		/* 00 is the international call prefix: 001 415 ... */
		memmove(d, d + 2, nd - 1);
		nd -= 2;
		if (d[0] == '0')
			return fail(why, "country codes do not start with 0");
		goto international;
	}
	if (nd >= 2 && d[0] == '8' && d[1] == '6')
		return cn_national(out, outsz, d + 2, nd - 2, has_ext,
				   last_dash_group, 1, why);
	return cn_national(out, outsz, d, nd, has_ext, last_dash_group, 0, why);

international:
	if (nd < 8 || nd > 15)
		return fail(why, reason("international numbers have 8 to 15 "
					"digits, got %zu", nd));
	if ((size_t)snprintf(out, outsz, "+%s", d) >= outsz)
		return fail(why, "output buffer too small");
	return 0;
}

size_t op_phone_digits(char *out, size_t outsz, const char *in)
{
	size_t n = 0;

	if (!outsz)
		return 0;
	for (; in && *in; in++)
		if (is_digit((unsigned char)*in) && n + 1 < outsz)
			out[n++] = *in;
	out[n] = '\0';
	return n;
}

/* ---------------------------------------------------------------- email */

static int email_local_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       is_digit(c) || c >= 0x80 || strchr("!#$%&'*+/=?^_`{|}~.-", c);
}

int op_valid_email(char *out, size_t outsz, const char *in, const char **why)
{
	const char *s = in;
	size_t n = in ? strlen(in) : 0, i, o = 0, at = 0, nat = 0;
	size_t label = 0, labels = 0, tld_start = 0;
	int tld_alpha = 0;
	char cbuf[16];

	if (trimmed(&s, &n, why) < 0)
		return -1;
	if (!op_utf8_valid(s, n))
		return fail(why, "not valid utf-8");
	if (outsz < n + 1)
		return fail(why, "output buffer too small");
	/* Copy, folding the full-width @ and full stops that Chinese input
	 * methods produce; the result is never longer than the input. */
	for (i = 0; i < n;) {
		if (starts_with(s + i, n - i, "\xef\xbc\xa0")) {	/* ＠ */
			out[o++] = '@';
			i += 3;
		} else if (starts_with(s + i, n - i, "\xef\xbc\x8e") ||	/* ． */
			   starts_with(s + i, n - i, "\xe3\x80\x82")) {	/* 。 */
			out[o++] = '.';
			i += 3;
		} else {
			out[o++] = s[i++];
		}
	}
	out[o] = '\0';
	for (i = 0; i < o; i++) {
		if (out[i] == '@') {
			nat++;
			at = i;
		} else if (is_space((unsigned char)out[i])) {
			return fail(why, "contains a space");
		}
	}
	if (nat == 0)
		return fail(why, "missing @");
	if (nat > 1)
		return fail(why, "more than one @");
	if (at == 0)
		return fail(why, "nothing before the @");
	if (at > 64)
		return fail(why, "more than 64 characters before the @");
	if (out[0] == '.' || out[at - 1] == '.')
		return fail(why, "the part before the @ cannot start or end "
			    "with a dot");
	for (i = 0; i < at; i++) {
		if (!email_local_char((unsigned char)out[i]))
			return fail(why, reason("%s is not allowed before the @",
						show_char(cbuf, sizeof(cbuf),
							  out + i)));
		if (out[i] == '.' && out[i + 1] == '.')
			return fail(why, "two dots in a row");
	}
	if (at + 1 == o)
		return fail(why, "no domain after the @");
	if (o - at - 1 > 253)
		return fail(why, "domain longer than 253 characters");
	for (i = at + 1; i <= o; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c == '.' || c == '\0') {
			if (label == 0)
				return fail(why, c == '.' && labels == 0 ?
					    N_("domain cannot start with a dot") :
					    N_("empty label in the domain (two dots "
					       "or a dot at the end)"));
			if (out[i - 1] == '-')
				return fail(why, "domain labels cannot end with "
					    "a hyphen");
			if (label > 63)
				return fail(why, "domain label longer than 63 "
					    "characters");
			labels++;
			if (c == '.') {
				tld_start = i + 1;
				tld_alpha = 0;
			}
			label = 0;
			continue;
		}
		if (c == '-' && label == 0)
			return fail(why, "domain labels cannot start with a "
				    "hyphen");
		if (!(c >= 0x80 || c == '-' || is_digit(c) ||
		      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return fail(why, reason("%s is not allowed in the domain",
						show_char(cbuf, sizeof(cbuf),
							  out + i)));
		if (!is_digit(c) && c != '-')
			tld_alpha = 1;
		out[i] = (char)ascii_lower(c);
		label++;
	}
	if (labels < 2)
		return fail(why, "domain needs a dot, as in example.com");
	if (!tld_alpha || o - tld_start < 2)
		return fail(why, reason("domain ends in '%s', not a top-level "
					"domain", out + tld_start));
	return 0;
}

/* ---------------------------------------------------------------- dates */

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
				  31 };

	return m == 2 && leap(y) ? 29 : dm[m - 1];
}

/* Read 1..max digits; returns the number read. */
static int digits(const char **p, const char *end, int max, int *v)
{
	int k = 0;

	*v = 0;
	while (*p < end && k < max && is_digit((unsigned char)**p)) {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		k++;
	}
	return k;
}

static int eat(const char **p, const char *end, const char *lit)
{
	size_t k = strlen(lit);

	if ((size_t)(end - *p) >= k && !memcmp(*p, lit, k)) {
		*p += k;
		return 1;
	}
	return 0;
}

/* Parse a date at *p, leaving *p after it. */
static int parse_date(const char **pp, const char *end, int *y, int *m, int *d,
		      const char **why)
{
	const char *p = *pp;
	int k, cn = 0;
	char sep = 0;

	k = digits(&p, end, 8, y);
	if (k == 8) {
		*d = *y % 100;
		*m = *y / 100 % 100;
		*y /= 10000;
	} else if (k == 4) {
		if (eat(&p, end, "\xe5\xb9\xb4")) {	/* 年 */
			cn = 1;
		} else if (p < end && (*p == '-' || *p == '/' || *p == '.')) {
			sep = *p++;
		} else {
			return fail(why, "not a date; write it as 2024-03-31");
		}
		if (!digits(&p, end, 2, m))
			return fail(why, "month missing");
		if (cn) {
			if (!eat(&p, end, "\xe6\x9c\x88"))	/* 月 */
				return fail(why, "expected 月 after the month");
		} else if (p >= end || *p != sep) {
			return fail(why, reason("expected '%c' after the month",
						sep));
		} else {
			p++;
		}
		if (!digits(&p, end, 2, d))
			return fail(why, "day missing");
		if (cn && !eat(&p, end, "\xe6\x97\xa5"))	/* 日 */
			eat(&p, end, "\xe5\x8f\xb7");		/* 号 */
	} else {
		return fail(why, "not a date; write it as 2024-03-31");
	}
	if (*y < 1900 || *y > 2200)
		return fail(why, reason("year %d is outside 1900..2200", *y));
	if (*m < 1 || *m > 12)
		return fail(why, reason("no such month: %d", *m));
	if (*d < 1 || *d > days_in(*y, *m))
		return fail(why, reason("no such day: %04d-%02d-%02d", *y, *m,
					*d));
	*pp = p;
	return 0;
}

int op_valid_date(char *out, size_t outsz, const char *in, const char **why)
{
	const char *s = in, *p, *end;
	size_t n = in ? strlen(in) : 0;
	int y, m, d;

	if (trimmed(&s, &n, why) < 0)
		return -1;
	p = s;
	end = s + n;
	if (parse_date(&p, end, &y, &m, &d, why) < 0)
		return -1;
	if (p != end)
		return fail(why, reason("unexpected '%.*s' after the date",
					(int)(end - p > 20 ? 20 : end - p), p));
	if ((size_t)snprintf(out, outsz, "%04d-%02d-%02d", y, m, d) >= outsz)
		return fail(why, "output buffer too small");
	return 0;
}

int op_valid_datetime(char *out, size_t outsz, const char *in,
		      const char **why)
{
	const char *s = in, *p, *end;
	size_t n = in ? strlen(in) : 0;
	int y, mo, d, h = 0, mi = 0, se = 0;

	if (trimmed(&s, &n, why) < 0)
		return -1;
	p = s;
	end = s + n;
	if (parse_date(&p, end, &y, &mo, &d, why) < 0)
		return -1;
	if (p < end) {
		if (*p == 'T' || *p == 't')
			p++;
		else if (*p == ' ')
			while (p < end && *p == ' ')
				p++;
		else
			return fail(why, reason("unexpected '%.*s' after the "
						"date", (int)(end - p > 20 ? 20 :
							      end - p), p));
		if (!digits(&p, end, 2, &h))
			return fail(why, "time must be HH:MM or HH:MM:SS");
		if (p >= end || *p != ':')
			return fail(why, "time must be HH:MM or HH:MM:SS");
		p++;
		if (digits(&p, end, 2, &mi) != 2)
			return fail(why, "minutes need two digits");
		if (p < end && *p == ':') {
			p++;
			if (digits(&p, end, 2, &se) != 2)
				return fail(why, "seconds need two digits");
		}
		if (p != end)
			return fail(why, reason("unexpected '%.*s' after the "
						"time", (int)(end - p > 20 ? 20 :
							      end - p), p));
		if (h > 23)
			return fail(why, reason("no such hour: %d", h));
		if (mi > 59)
			return fail(why, reason("no such minute: %d", mi));
		if (se > 59)
			return fail(why, reason("no such second: %d", se));
	}
	if ((size_t)snprintf(out, outsz, "%04d-%02d-%02d %02d:%02d:%02d", y, mo,
			     d, h, mi, se) >= outsz)
		return fail(why, "output buffer too small");
	return 0;
}

/* ---------------------------------------------------------------- money */

#define MONEY_MAX_CENTS 10000000000000LL	/* 10^13 */

static int eat_ci(const char **p, const char *end, const char *lit)
{
	size_t k = strlen(lit), i;

	if ((size_t)(end - *p) < k)
		return 0;
	for (i = 0; i < k; i++)
		if (ascii_lower((unsigned char)(*p)[i]) != lit[i])
			return 0;
	*p += k;
	return 1;
}

static void skip_spaces(const char **p, const char *end)
{
	while (*p < end && **p == ' ')
		(*p)++;
}

int op_valid_money(int64_t *cents, const char *in, const char **why)
{
	const char *s = in, *p, *end;
	size_t n = in ? strlen(in) : 0;
	int64_t v = 0;
	int group = 0, commas = 0, dec = 0, neg = 0;

	if (trimmed(&s, &n, why) < 0)
		return -1;
	p = s;
	end = s + n;
	if (p < end && *p == '-') {
		neg = 1;
		p++;
		skip_spaces(&p, end);
	}
	if (eat(&p, end, "\xc2\xa5") || eat(&p, end, "\xef\xbf\xa5") ||
	    eat_ci(&p, end, "rmb") || eat_ci(&p, end, "cny"))
		skip_spaces(&p, end);
	if (p < end && *p == '-') {
		neg = 1;
		p++;
		skip_spaces(&p, end);
	}
	if (neg)
		return fail(why, "amounts cannot be negative");
	if (p < end && *p == '+')
		p++;
	if (p >= end || !is_digit((unsigned char)*p))
		return fail(why, p < end && *p == '.' ?
			    N_("write a digit before the decimal point (0.50)") :
			    N_("not an amount; write it as 1234.50"));
	while (p < end && (is_digit((unsigned char)*p) || *p == ',')) {
		if (*p == ',') {
			/* thousands separators: 1-3 digits, then groups of 3 */
			if (commas ? group != 3 : group > 3)
				return fail(why, "misplaced thousands separator");
			commas++;
			group = 0;
			p++;
			continue;
		}
		v = v * 10 + (*p - '0');
		if (v > MONEY_MAX_CENTS)
			return fail(why, "amount too large (at most "
				    "100,000,000,000.00)");
		group++;
		p++;
	}
	if (commas && group != 3)
		return fail(why, "misplaced thousands separator");
	v *= 100;
	if (p < end && *p == '.') {
		p++;
		while (p < end && is_digit((unsigned char)*p)) {
			if (++dec > 2)
				return fail(why, "more than two decimals");
			v += (*p - '0') * (dec == 1 ? 10 : 1);
			p++;
		}
	}
	skip_spaces(&p, end);
	if (eat(&p, end, "\xe5\x85\x83") || eat_ci(&p, end, "rmb") ||	/* 元 */
	    eat_ci(&p, end, "cny"))
		skip_spaces(&p, end);
	if (p != end)
		return fail(why, reason("unexpected '%.*s' in the amount",
					(int)(end - p > 20 ? 20 : end - p), p));
	if (v > MONEY_MAX_CENTS)
		return fail(why, "amount too large (at most "
			    "100,000,000,000.00)");
	*cents = v;
	return 0;
}

/* ---------------------------------------------------------------- quantities */

#define QTY_MAX_STEPS INT64_C(1000000000)

static int64_t pow10i(int k)
{
	int64_t d = 1;
	while (k-- > 0)
		d *= 10;
	return d;
}

int op_valid_qty(int64_t *steps, const char *in, int scale, const char **why)
{
	const char *s = in, *p, *end;
	size_t n = in ? strlen(in) : 0;
	int64_t v = 0;
	int dec = 0;

	if (scale < 0 || scale > OP_QTY_MAX_SCALE)
		return fail(why, "the unit has no valid precision");
	if (trimmed(&s, &n, why) < 0)
		return -1;
	p = s;
	end = s + n;
	if (*p == '-')
		return fail(why, "must be more than zero");
	if (!is_digit((unsigned char)*p))
		return fail(why, *p == '.' ? N_("write a digit before the decimal "
			    "point (0.5)") : N_("not a quantity; write it as 3 or 3.5"));
	for (; p < end && is_digit((unsigned char)*p); p++)
		if ((v = v * 10 + (*p - '0')) > QTY_MAX_STEPS)
			return fail(why, "quantity too large");
	v *= pow10i(scale);
	if (p < end && *p == '.') {
		for (p++; p < end && is_digit((unsigned char)*p); p++) {
			if (++dec > scale) {
				if (*p == '0')
					continue;	/* "3.500" of a 0.01 unit */
				if (scale == 0)
					return fail(why, "must be a whole number "
						    "(the product's unit is counted whole)");
				return fail(why, scale == 1 ?
					    reason("has more than %d decimal (the "
						   "product's unit is counted in steps "
						   "of 0.%0*d)", scale, scale, 1) :
					    reason("has more than %d decimals (the "
						   "product's unit is counted in steps "
						   "of 0.%0*d)", scale, scale, 1));
			}
			v += (*p - '0') * pow10i(scale - dec);
		}
	}
	if (p != end)
		return fail(why, reason("unexpected '%.*s' in the quantity",
					(int)(end - p > 20 ? 20 : end - p), p));
	if (v == 0)
		return fail(why, "must be more than zero");
	if (v > QTY_MAX_STEPS)
		return fail(why, "quantity too large");
	*steps = v;
	return 0;
}

void op_qty_format(char *out, size_t outsz, int64_t steps, int scale)
{
	int64_t d;
	if (scale > OP_QTY_MAX_SCALE)
		scale = OP_QTY_MAX_SCALE;
	d = pow10i(scale);
	if (scale <= 0)
		snprintf(out, outsz, "%lld", (long long)steps);
	else
		snprintf(out, outsz, "%lld.%0*lld", (long long)(steps / d), scale,
			 (long long)(steps % d));
}

int op_line_total(int64_t *cents, int64_t steps, int scale, int64_t price)
{
	int64_t d = pow10i(scale), q;

	if (steps < 0 || price < 0 || __builtin_mul_overflow(steps, price, &q))
		return -1;
	/* half up: a remainder of half a cent or more rounds up */
	q = q / d + (q % d * 2 >= d);
	if (q > MONEY_MAX_CENTS)
		return -1;
	*cents = q;
	return 0;
}

/* ---------------------------------------------------------------- ints */

int op_valid_int(int64_t *v, const char *in, int64_t lo, int64_t hi,
		 const char **why)
{
	const char *s = in;
	size_t n = in ? strlen(in) : 0, i;
	char buf[32], *endp;
	long long x;

	if (trimmed(&s, &n, why) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (is_digit((unsigned char)s[i]) ||
		    (i == 0 && (s[i] == '-' || s[i] == '+')))
			continue;
		if (s[i] == '.' || s[i] == ',')
			return fail(why, "must be a whole number");
		return fail(why, reason("not a number: '%.*s'",
					(int)(n > 20 ? 20 : n), s));
	}
	if (n == 1 && (s[0] == '-' || s[0] == '+'))
		return fail(why, "not a number");
	if (n >= sizeof(buf))
		return fail(why, reason("must be between %lld and %lld",
					(long long)lo, (long long)hi));
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	x = strtoll(buf, &endp, 10);
	if (errno || *endp || x < lo || x > hi)
		return fail(why, reason("must be between %lld and %lld",
					(long long)lo, (long long)hi));
	*v = x;
	return 0;
}

/* ---------------------------------------------------------------- enums */

static const struct op_enum_alias gender_v[] = {
	{ "male", "m|man|男|男性|先生" },
	{ "female", "f|woman|女|女性|女士|小姐" },
	{ "other", "x|unknown|其他|其它|未知" },
	{ NULL, NULL }
};
const struct op_enum op_enum_gender = { N_("gender"), gender_v };

static const struct op_enum_alias channel_v[] = {
	{ "walk-in", "walkin|store|shop|门店|到店|进店|自然到店" },
	{ "website", "web|online|官网|网站|网络" },
	{ "social", "social-media|wechat-moments|moments|wechat|weibo|douyin|"
		    "xiaohongshu|社交媒体|社交|朋友圈|微信|微博|抖音|小红书" },
	{ "phone", "telephone|tel|call|电话|来电|电话咨询" },
	{ "referral", "partner|designer|referred|推荐|合作伙伴推荐|合作伙伴|"
		      "设计师|设计师推荐|介绍|转介绍|老客户介绍" },
	{ "other", "其他|其它" },
	{ NULL, NULL }
};
const struct op_enum op_enum_channel = { N_("source channel"), channel_v };

static const struct op_enum_alias order_status_v[] = {
	{ "pending", "new|待发货|未发货" },
	{ "shipped", "dispatched|sent|已发货|发货" },
	{ "delivered", "已送达|送达|已到货|已签收|签收" },
	{ "completed", "complete|done|finished|已完成|完成" },
	{ "cancelled", "canceled|cancel|已取消|取消" },
	{ "returned", "return|退货|已退货" },
	{ NULL, NULL }
};
const struct op_enum op_enum_order_status = { N_("order status"),
					       order_status_v };

static const struct op_enum_alias payment_v[] = {
	{ "cash", "现金" },
	{ "card", "bank-card|debit-card|credit-card|pos|unionpay|刷卡|银行卡|"
		  "信用卡|借记卡|银联" },
	{ "wechat", "wechat-pay|weixin|wx|微信|微信支付" },
	{ "alipay", "zhifubao|zfb|支付宝" },
	{ "transfer", "bank-transfer|wire|转账|银行转账|对公转账" },
	{ "credit", "on-account|赊账|挂账|赊欠" },
	{ "other", "其他|其它" },
	{ NULL, NULL }
};
const struct op_enum op_enum_payment = { N_("payment method"), payment_v };

static const struct op_enum_alias payment_kind_v[] = {
	{ "deposit", "定金|订金|预付|预付款|首付" },
	{ "balance", "尾款|余款|balance-payment" },
	{ "payment", "pay|full|付款|货款|全款|收款" },
	{ "refund", "退款|退钱" },
	{ NULL, NULL }
};
const struct op_enum op_enum_payment_kind = { N_("payment kind"), payment_kind_v };

static const struct op_enum_alias appt_kind_v[] = {
	{ "measure", "measurement|测量|上门测量|量尺|量尺寸" },
	{ "install", "installation|安装|上门安装" },
	{ "repair", "fix|维修|上门维修|返修" },
	{ "delivery", "deliver|送货|配送|送货上门" },
	{ NULL, NULL }
};
const struct op_enum op_enum_appt_kind = { N_("appointment kind"), appt_kind_v };

static const struct op_enum_alias ticket_status_v[] = {
	{ "open", "new|待处理|未处理|新建" },
	{ "in_progress", "progress|doing|处理中|进行中" },
	{ "resolved", "已解决|解决" },
	{ "closed", "close|已关闭|关闭|已结案|结案" },
	{ NULL, NULL }
};
const struct op_enum op_enum_ticket_status = { N_("ticket status"),
						ticket_status_v };

static const struct op_enum_alias ticket_kind_v[] = {
	{ "complaint", "complain|投诉" },
	{ "repair", "fix|维修|修理|报修" },
	{ "return", "returns|exchange|退货|换货|退换货" },
	{ "installation", "install|安装" },
	{ "enquiry", "inquiry|question|query|咨询" },
	{ "other", "其他|其它" },
	{ NULL, NULL }
};
const struct op_enum op_enum_ticket_kind = { N_("ticket kind"), ticket_kind_v };

static const struct op_enum_alias role_v[] = {
	{ "sales", "salesperson|seller|销售|销售人员|导购" },
	{ "service", "after-sales|support|售后|客服|售后服务" },
	{ "manager", "branch-manager|store-manager|店长|经理" },
	{ "hq", "headquarters|head-office|总部" },
	{ "admin", "administrator|管理员|系统管理员" },
	{ NULL, NULL }
};
const struct op_enum op_enum_role = { N_("role"), role_v };

/* ASCII is compared without case, and ' ', '-' and '_' are the same
 * character, so "In Progress", "in-progress" and "in_progress" all match. */
static int fold(unsigned char c)
{
	if (c == ' ' || c == '_')
		return '-';
	return ascii_lower(c);
}

static int word_eq(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i;

	if (an != bn)
		return 0;
	for (i = 0; i < an; i++)
		if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
			return 0;
	return 1;
}

static const char *enum_reason(const struct op_enum *e)
{
	size_t o;
	int i, k;

	o = (size_t)snprintf(reason_buf, sizeof(reason_buf),
			     _("not a known %s; use "), _(e->what));
	for (k = 0; e->v[k].canon; k++)
		;
	for (i = 0; i < k && o < sizeof(reason_buf); i++)
		o += (size_t)snprintf(reason_buf + o, sizeof(reason_buf) - o,
				      "%s%s", i == 0 ? "" :
				      i == k - 1 ? _(" or ") : _(", "), e->v[i].canon);
	return reason_buf;
}

int op_valid_enum(const char **canon, const struct op_enum *e, const char *in,
		  const char **why)
{
	const char *s = in;
	size_t n = in ? strlen(in) : 0;
	const struct op_enum_alias *a;

	if (trimmed(&s, &n, why) < 0)
		return -1;
	for (a = e->v; a->canon; a++) {
		const char *p = a->aliases, *bar;

		if (word_eq(s, n, a->canon, strlen(a->canon)))
			goto found;
		while (p && *p) {
			bar = strchr(p, '|');
			if (!bar)
				bar = p + strlen(p);
			if (word_eq(s, n, p, (size_t)(bar - p)))
				goto found;
			p = *bar ? bar + 1 : bar;
		}
	}
	return fail(why, enum_reason(e));
found:
	*canon = a->canon;
	return 0;
}

int op_order_transition_ok(const char *from, const char *to)
{
	static const struct {
		const char *from, *to;
	} ok[] = {
		{ "pending", "shipped" }, { "pending", "cancelled" },
		{ "shipped", "delivered" }, { "shipped", "returned" },
		{ "delivered", "completed" }, { "delivered", "returned" },
		{ "completed", "returned" },
	};
	const char *f, *t;
	size_t i;

	if (!from || !to)
		return 0;
	if (op_valid_enum(&f, &op_enum_order_status, from, NULL) < 0 ||
	    op_valid_enum(&t, &op_enum_order_status, to, NULL) < 0)
		return 0;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(ok[i].from, f) && !strcmp(ok[i].to, t))
			return 1;
	return 0;
}

/* ---------------------------------------------------------------- text */

/* Decode one code point at s[0..n); returns its length, or 0 when the bytes
 * are not valid UTF-8 (overlong, surrogate, beyond U+10FFFF, truncated). */
size_t op_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t k, i;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		k = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		k = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		k = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return k;
}

int op_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t k;

	while (n) {
		if (*p < 0x80) {
			p++;
			n--;
			continue;
		}
		k = op_utf8_decode(p, n, &cp);
		if (!k)
			return 0;
		p += k;
		n -= k;
	}
	return 1;
}

/* maxchars 0 means no limit. Leading and trailing white space is not part
 * of the text (callers store the trimmed form). */
static int valid_text(const char *in, size_t maxchars, int lines,
		      const char **why)
{
	const char *s = in;
	size_t n = in ? strlen(in) : 0, i = 0, chars = 0, k;
	uint32_t cp;

	if (trimmed(&s, &n, why) < 0)
		return -1;
	while (i < n) {
		k = op_utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (!k)
			return fail(why, "not valid utf-8");
		if ((cp == '\n' || cp == '\r') && !lines)
			return fail(why, "contains a line break");
		if (cp == '\n' || cp == '\r') {
			chars++;
			i += k;
			continue;
		}
		if ((cp < 0x20 && cp != '\t') || (cp >= 0x7f && cp < 0xa0))
			return fail(why, reason("contains control character "
						"U+%04X", (unsigned)cp));
		chars++;
		i += k;
	}
	if (maxchars && chars > maxchars)
		return fail(why, reason("longer than %zu characters (%zu)",
					maxchars, chars));
	return 0;
}

int op_valid_text(const char *in, size_t maxchars, const char **why)
{
	return valid_text(in, maxchars, 0, why);
}

int op_valid_lines(const char *in, size_t maxchars, const char **why)
{
	return valid_text(in, maxchars, 1, why);
}
