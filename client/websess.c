/*
 * websess.c — sessions, CSRF tokens, the wrong-PIN limit and form
 * parsing for `outpost serve` (websess.h).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include "websess.h"

void web_state_init(struct web_state *w, int idle_seconds)
{
	memset(w, 0, sizeof(*w));
	w->idle = idle_seconds > 0 ? idle_seconds : 30 * 60;
	w->max_fails = 5;
	w->window = 15 * 60;
	w->lock = 15 * 60;
}

int web_random_id(char out[WEB_ID_LEN + 1])
{
	unsigned char raw[32];

	if (sodium_init() < 0)
		return -1;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, WEB_ID_LEN + 1, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

void web_sess_end(struct web_sess *s)
{
	if (!s || !s->used)
		return;
	op_db_free(s->ctx.db);
	sodium_memzero(s, sizeof(*s));
}

struct web_sess *web_sess_new(struct web_state *w, time_t now, const char *lang)
{
	struct web_sess *pick = NULL;

	for (int i = 0; i < WEB_MAX_SESSIONS; i++) {
		struct web_sess *s = &w->sess[i];
		if (s->used && now - s->seen > w->idle)
			web_sess_end(s);
		if (!s->used) {
			pick = s;
			break;
		}
		if (!pick || s->seen < pick->seen)
			pick = s;
	}
	web_sess_end(pick);
	if (web_random_id(pick->id) < 0 || web_random_id(pick->csrf) < 0) {
		sodium_memzero(pick, sizeof(*pick));
		return NULL;
	}
	pick->used = 1;
	pick->seen = now;
	snprintf(pick->lang, sizeof(pick->lang), "%s", lang && *lang ? lang : "zh");
	return pick;
}

struct web_sess *web_sess_find(struct web_state *w, const char *id, time_t now)
{
	if (!id || strlen(id) != WEB_ID_LEN)
		return NULL;
	for (int i = 0; i < WEB_MAX_SESSIONS; i++) {
		struct web_sess *s = &w->sess[i];
		if (!s->used || sodium_memcmp(s->id, id, WEB_ID_LEN) != 0)
			continue;
		if (now - s->seen > w->idle) {
			web_sess_end(s);
			return NULL;
		}
		s->seen = now;
		return s;
	}
	return NULL;
}

int web_csrf_ok(const struct web_sess *s, const char *token)
{
	return s && token && strlen(token) == WEB_ID_LEN &&
	       sodium_memcmp(s->csrf, token, WEB_ID_LEN) == 0;
}

static struct web_limit *limit_of(struct web_state *w, const char *key, time_t now, int make)
{
	struct web_limit *free_slot = NULL, *oldest = NULL;

	for (int i = 0; i < WEB_MAX_LIMITS; i++) {
		struct web_limit *l = &w->lim[i];
		if (l->key[0] && strcmp(l->key, key) == 0)
			return l;
		if (!l->key[0] || (now >= l->until && now - l->first > w->window)) {
			if (!free_slot)
				free_slot = l;
		} else if (!oldest || l->first < oldest->first) {
			oldest = l;
		}
	}
	if (!make)
		return NULL;
	/* a full table forgets the oldest count, never a running lock first */
	struct web_limit *l = free_slot ? free_slot : oldest;
	memset(l, 0, sizeof(*l));
	snprintf(l->key, sizeof(l->key), "%s", key);
	l->first = now;
	return l;
}

int web_limit_wait(struct web_state *w, const char *key, time_t now)
{
	struct web_limit *l = limit_of(w, key, now, 0);
	return l && now < l->until ? (int)(l->until - now) : 0;
}

void web_limit_fail(struct web_state *w, const char *key, time_t now)
{
	struct web_limit *l = limit_of(w, key, now, 1);
	if (now - l->first > w->window) {
		l->fails = 0;
		l->first = now;
	}
	if (++l->fails >= w->max_fails)
		l->until = now + w->lock;
}

void web_limit_clear(struct web_state *w, const char *key)
{
	struct web_limit *l = limit_of(w, key, 0, 0);
	if (l)
		memset(l, 0, sizeof(*l));
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode s in place ('+' is a space, %XX a byte). 0, or -1. */
static int decode(char *s)
{
	char *o = s, *start = s;
	for (; *s; s++) {
		if (*s == '+') {
			*o++ = ' ';
		} else if (*s == '%') {
			int hi = hexval((unsigned char)s[1]), lo = hi < 0 ? -1 : hexval((unsigned char)s[2]);
			if (lo < 0 || (hi == 0 && lo == 0))
				return -1;
			*o++ = (char)(hi * 16 + lo);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return op_utf8_valid(start, (size_t)(o - start)) ? 0 : -1;
}

int web_form_parse(char *s, const char **kv, int max)
{
	int n = 0;

	while (s && *s) {
		char *amp = strchr(s, '&'), *eq;
		if (amp)
			*amp = '\0';
		if (*s) {
			if (n >= max)
				return -1;
			if ((eq = strchr(s, '=')))
				*eq++ = '\0';
			else
				eq = s + strlen(s);
			if (decode(s) < 0 || decode(eq) < 0)
				return -1;
			kv[2 * n] = s;
			kv[2 * n + 1] = eq;
			n++;
		}
		s = amp ? amp + 1 : NULL;
	}
	return n;
}

const char *web_form_get(const char *const *kv, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(kv[2 * i], name) == 0)
			return kv[2 * i + 1];
	return NULL;
}
