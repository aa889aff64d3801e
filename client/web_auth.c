/*
 * web_auth.c — signing in and out of `outpost serve`.
 *
 * Sign-in is op_signin (schema/roles.c), the check the CLI makes: the
 * staff code, the libsodium PIN hash, an active account; then the new
 * session's own connection is confined to the person's rows. Wrong PINs
 * are counted per staff code and per client address (websess.h); once
 * either reaches the limit, sign-in is refused (429) until the lock ends,
 * even with the right PIN. A store where nobody has a PIN cannot be
 * signed into from the browser at all: an open store trusts whoever runs
 * the CLI, which a browser on the network is not.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include "web.h"

static void login_page(struct web_resp *r, struct web_req *q, const char *code,
		       const char *msg)
{
	web_page_begin(r, q, W_("Sign in"), NULL);
	html_fmt(&r->body, "<section class=\"card login\"><h1>%s</h1>", W_("Sign in"));
	if (msg)
		html_fmt(&r->body, "<p class=\"alert\" id=\"login-error\">%s</p>", msg);
	html_raw(&r->body, "<form method=\"post\" action=\"/login\" class=\"grid\">");
	web_csrf_input(r, q);
	web_field(r, "code", W_("Staff code"), "text", code, NULL, NULL, NULL);
	html_fmt(&r->body, "<label for=\"f-pin\">%s</label><div class=\"field\">"
		 "<input type=\"password\" id=\"f-pin\" name=\"pin\" autocomplete=\"current-password\">"
		 "</div><span></span><div><button type=\"submit\" id=\"signin\">%s</button></div>"
		 "</form></section>", W_("PIN"), W_("Sign in"));
	web_page_end(r);
}

int web_login(struct web_resp *r, struct web_req *q)
{
	struct web_state *st = q->st;
	struct web_sess *s = q->sess;
	char key_staff[96], key_addr[96], msg[256];

	if (strcmp(q->method, "GET") == 0) {
		if (s && s->staff[0]) {
			web_redirect(r, "/today");
			return 0;
		}
		if (!s) {
			const char *lang = web_q(q, "lang");
			if (!(s = web_sess_new(st, q->now, lang)))
				return web_fail(r, q, 500, "no random source"), 0;
			r->new_cookie = 1;
			q->sess = s;
		}
		login_page(r, q, NULL, NULL);
		return 0;
	}
	const char *code = web_f(q, "code"), *pin = web_f(q, "pin");
	if (!code || !*code || !pin) {
		r->status = 422;
		login_page(r, q, code, W_("Give your staff code and PIN."));
		return 0;
	}
	snprintf(key_staff, sizeof(key_staff), "staff:%s", code);
	snprintf(key_addr, sizeof(key_addr), "addr:%s", q->client);
	int wait = web_limit_wait(st, key_staff, q->now);
	int wait2 = web_limit_wait(st, key_addr, q->now);
	if (wait2 > wait)
		wait = wait2;
	if (wait > 0) {
		r->status = 429;
		snprintf(msg, sizeof(msg), W_("Too many wrong PINs. Try again in %d minutes."),
			 (wait + 59) / 60);
		login_page(r, q, code, msg);
		return 0;
	}

	/* a fresh session for the person: the id seen before signing in is dropped */
	struct web_sess *n = web_sess_new(st, q->now, s->lang);
	if (!n) {
		web_fail(r, q, 500, "no random source");
		return 0;
	}
	snprintf(n->staff, sizeof(n->staff), "%s", code);
	int secured = -1;
	if (op_db_open(&n->ctx.db, q->db_path, 0, &n->ctx.err) == 0)
		secured = op_secured(n->ctx.db);
	if (secured == 0) {
		web_sess_end(n);
		r->status = 403;
		login_page(r, q, code, W_("Nobody in this store has a PIN yet, so nobody can sign "
					  "in here. An admin sets one with: outpost staff passwd CODE"));
		return 0;
	}
	if (secured < 0 || op_signin(&n->ctx, n->staff, pin) < 0) {
		int noperm = n->ctx.err.code == EX_NOPERM;
		web_sess_end(n);
		if (!noperm) {
			web_fail(r, q, 500, web_errmsg(&n->ctx));
			return 0;
		}
		web_limit_fail(st, key_staff, q->now);
		web_limit_fail(st, key_addr, q->now);
		r->status = 403;
		login_page(r, q, code, W_("Wrong staff code or PIN."));
		return 0;
	}
	web_limit_clear(st, key_staff);
	web_limit_clear(st, key_addr);
	if (s != n)
		web_sess_end(s);
	q->sess = n;
	r->new_cookie = 1;
	web_redirect(r, "/today");
	return 0;
}

int web_logout(struct web_resp *r, struct web_req *q)
{
	web_sess_end(q->sess);
	q->sess = NULL;
	r->clear_cookie = 1;
	web_redirect(r, "/login");
	return 0;
}
