/*
 * test_websess.c — the web screen's sessions, CSRF tokens, wrong-PIN
 * limit and form parsing (client/websess.c), without HTTP.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "websess.h"

static struct web_state W;

Test(websess, ids_are_random_base64url)
{
	char a[WEB_ID_LEN + 1], b[WEB_ID_LEN + 1];
	cr_assert_eq(web_random_id(a), 0);
	cr_assert_eq(web_random_id(b), 0);
	cr_assert_eq(strlen(a), WEB_ID_LEN);
	cr_assert_str_neq(a, b);
	cr_assert_eq(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
		     WEB_ID_LEN);
}

Test(websess, find_by_id_and_idle_expiry)
{
	web_state_init(&W, 60);
	struct web_sess *s = web_sess_new(&W, 1000, NULL);
	cr_assert_not_null(s);
	cr_assert_str_eq(s->lang, "zh");
	cr_assert_str_neq(s->id, s->csrf, "the token is not the cookie");
	char id[WEB_ID_LEN + 1];
	strcpy(id, s->id);
	cr_assert_eq(web_sess_find(&W, id, 1030), s);
	cr_assert_eq(web_sess_find(&W, id, 1089), s, "each request renews the idle time");
	cr_assert_null(web_sess_find(&W, id, 1150), "idle longer than 60 s: gone");
	cr_assert_null(web_sess_find(&W, id, 1151), "and stays gone");
	cr_assert_null(web_sess_find(&W, NULL, 1000));
	cr_assert_null(web_sess_find(&W, "short", 1000));
}

Test(websess, a_wrong_id_of_the_right_length_finds_nothing)
{
	web_state_init(&W, 60);
	struct web_sess *s = web_sess_new(&W, 1000, "en");
	char id[WEB_ID_LEN + 1];
	strcpy(id, s->id);
	id[5] = id[5] == 'A' ? 'B' : 'A';
	cr_assert_null(web_sess_find(&W, id, 1000));
	cr_assert_str_eq(s->lang, "en");
}

Test(websess, csrf)
{
	web_state_init(&W, 60);
	struct web_sess *s = web_sess_new(&W, 1000, NULL);
	char tok[WEB_ID_LEN + 1];
	strcpy(tok, s->csrf);
	cr_assert(web_csrf_ok(s, tok));
	cr_assert_not(web_csrf_ok(s, NULL));
	cr_assert_not(web_csrf_ok(s, ""));
	cr_assert_not(web_csrf_ok(NULL, tok));
	tok[WEB_ID_LEN - 1] ^= 1;
	cr_assert_not(web_csrf_ok(s, tok));
	char longer[WEB_ID_LEN + 2];
	snprintf(longer, sizeof(longer), "%sx", s->csrf);
	cr_assert_not(web_csrf_ok(s, longer));
}

Test(websess, end_forgets)
{
	web_state_init(&W, 60);
	struct web_sess *s = web_sess_new(&W, 1000, NULL);
	char id[WEB_ID_LEN + 1];
	strcpy(id, s->id);
	web_sess_end(s);
	cr_assert_null(web_sess_find(&W, id, 1000));
	web_sess_end(NULL);
}

Test(websess, a_full_table_reuses_the_oldest)
{
	web_state_init(&W, 3600);
	struct web_sess *first = web_sess_new(&W, 1, NULL);
	char id[WEB_ID_LEN + 1];
	strcpy(id, first->id);
	for (int i = 1; i < WEB_MAX_SESSIONS; i++)
		cr_assert_not_null(web_sess_new(&W, 10 + i, NULL));
	cr_assert_eq(web_sess_find(&W, id, 20), first);	/* now the newest seen */
	struct web_sess *n = web_sess_new(&W, 400, NULL);
	cr_assert_neq(n, first, "the least recently seen goes, not the one just used");
	cr_assert_eq(web_sess_find(&W, id, 401), first);
}

Test(websess, wrong_pins_lock_then_expire)
{
	web_state_init(&W, 60);
	W.max_fails = 3;
	W.window = 100;
	W.lock = 50;
	cr_assert_eq(web_limit_wait(&W, "staff:li", 1000), 0);
	web_limit_fail(&W, "staff:li", 1000);
	web_limit_fail(&W, "staff:li", 1001);
	cr_assert_eq(web_limit_wait(&W, "staff:li", 1002), 0, "two of three");
	web_limit_fail(&W, "staff:li", 1002);
	cr_assert_eq(web_limit_wait(&W, "staff:li", 1002), 50);
	cr_assert_eq(web_limit_wait(&W, "staff:li", 1040), 12);
	cr_assert_eq(web_limit_wait(&W, "staff:wang", 1040), 0, "per key");
	cr_assert_eq(web_limit_wait(&W, "staff:li", 1052), 0, "the lock ends");
}

Test(websess, fails_outside_the_window_start_again)
{
	web_state_init(&W, 60);
	W.max_fails = 2;
	W.window = 10;
	web_limit_fail(&W, "addr:1", 0);
	web_limit_fail(&W, "addr:1", 20);
	cr_assert_eq(web_limit_wait(&W, "addr:1", 20), 0);
	web_limit_fail(&W, "addr:1", 21);
	cr_assert_gt(web_limit_wait(&W, "addr:1", 21), 0);
	web_limit_clear(&W, "addr:1");
	cr_assert_eq(web_limit_wait(&W, "addr:1", 21), 0);
}

Test(websess, form_parse)
{
	char s[] = "name=%E5%BC%A0+%E4%BC%9F&phone=138&empty=&flag&csrf=a%2Bb";
	const char *kv[16];
	int n = web_form_parse(s, kv, 8);
	cr_assert_eq(n, 5);
	cr_assert_str_eq(web_form_get(kv, n, "name"), "张 伟");
	cr_assert_str_eq(web_form_get(kv, n, "phone"), "138");
	cr_assert_str_eq(web_form_get(kv, n, "empty"), "");
	cr_assert_str_eq(web_form_get(kv, n, "flag"), "");
	cr_assert_str_eq(web_form_get(kv, n, "csrf"), "a+b");
	cr_assert_null(web_form_get(kv, n, "nope"));
}

Test(websess, form_parse_refuses)
{
	const char *kv[8];
	char nul[] = "name=a%00b", bad[] = "name=%zz", cut[] = "name=%4", latin[] = "name=%FF",
	     many[] = "a=1&b=2&c=3", none[] = "";
	cr_assert_eq(web_form_parse(nul, kv, 4), -1, "a NUL byte");
	cr_assert_eq(web_form_parse(bad, kv, 4), -1, "a bad escape");
	cr_assert_eq(web_form_parse(cut, kv, 4), -1, "a cut escape");
	cr_assert_eq(web_form_parse(latin, kv, 4), -1, "not UTF-8");
	cr_assert_eq(web_form_parse(many, kv, 2), -1, "more pairs than room");
	cr_assert_eq(web_form_parse(none, kv, 4), 0);
}
