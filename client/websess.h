/*
 * websess.h — the web screen's state that is not HTTP: sessions (random
 * ids, a CSRF token each, idle expiry), the limit on wrong PINs, and
 * request text parsing (urlencoded forms, cookies). libmicrohttpd never
 * appears here, so all of it is unit-tested (tests/unit/test_websess.c).
 *
 * A session is created unsigned (the sign-in page's form needs a CSRF
 * token too) and replaced by a fresh one at sign-in, so an id seen before
 * signing in never carries a signed-in person. A signed-in session owns
 * its own connection to the store, confined at sign-in to what the
 * person may read (schema/scope.h: TEMP views live per connection).
 */
#ifndef OP_WEBSESS_H
#define OP_WEBSESS_H

#include <time.h>
#include "ops.h"

#define WEB_ID_LEN 43		/* 32 random bytes, base64url without padding */
#define WEB_MAX_SESSIONS 256
#define WEB_MAX_LIMITS 512

struct web_sess {
	int used;
	char id[WEB_ID_LEN + 1];
	char csrf[WEB_ID_LEN + 1];
	time_t seen;		/* last request */
	char staff[64];		/* "" until signed in */
	char lang[8];		/* "zh" or "en" */
	struct op_ctx ctx;	/* db NULL until signed in */
};

struct web_limit {
	char key[96];		/* "staff:li.na" or "addr:127.0.0.1" */
	int fails;
	time_t first, until;
};

struct web_state {
	struct web_sess sess[WEB_MAX_SESSIONS];
	struct web_limit lim[WEB_MAX_LIMITS];
	int idle;		/* seconds a session may stay unused */
	int max_fails;		/* wrong PINs per key within window before a lock */
	int window;		/* seconds */
	int lock;		/* seconds a key stays locked after max_fails */
};

/* Defaults: idle 30 minutes, 5 wrong PINs in 15 minutes lock for 15. */
void web_state_init(struct web_state *w, int idle_seconds);

/* A new, unsigned session (the least recently seen one is reused when
 * the table is full). NULL only when the random source fails. */
struct web_sess *web_sess_new(struct web_state *w, time_t now, const char *lang);
/* The session of cookie id, or NULL (unknown, or idle too long: then it
 * is ended). Updates seen. */
struct web_sess *web_sess_find(struct web_state *w, const char *id, time_t now);
/* End s: its connection closed, its ids forgotten. */
void web_sess_end(struct web_sess *s);
/* Whether token is s's CSRF token (constant time). */
int web_csrf_ok(const struct web_sess *s, const char *token);

/* Seconds key must still wait (0: may try). */
int web_limit_wait(struct web_state *w, const char *key, time_t now);
/* A wrong PIN for key. */
void web_limit_fail(struct web_state *w, const char *key, time_t now);
/* A right PIN: key's count starts again. */
void web_limit_clear(struct web_state *w, const char *key);

/* An application/x-www-form-urlencoded body or query: pairs decoded in
 * place into kv (name, value, name, value ...; at most max pairs).
 * Returns the number of pairs, or -1 for a malformed escape, a NUL byte
 * or invalid UTF-8 (a form is refused whole, not half read). */
int web_form_parse(char *s, const char **kv, int max);
/* The value of name in kv (n pairs), or NULL. */
const char *web_form_get(const char *const *kv, int n, const char *name);

/* A random id (base64url, WEB_ID_LEN characters) into out. 0 or -1. */
int web_random_id(char out[WEB_ID_LEN + 1]);

#endif
