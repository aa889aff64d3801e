/*
 * serve.c — `outpost serve`: the clerk's screen in a browser, over GNU
 * libmicrohttpd (Debian's libmicrohttpd-dev; see docs/WEB.md for why).
 *
 * This file is the only one that knows HTTP. One libmicrohttpd thread
 * serves every request in turn (MHD_USE_INTERNAL_POLLING_THREAD without a
 * thread per connection), so the sessions, their store connections and
 * gettext's language (op_i18n_lang, process-wide) are never used by two
 * requests at once. A request becomes a web_req: the session from its
 * cookie, the decoded query, and for a POST its urlencoded body (at most
 * WEB_MAX_BODY bytes); the route table then says whether it needs a
 * signed-in person and a CSRF token (every POST does), and runs the
 * handler. Replies carry a strict Content-Security-Policy (no inline
 * script, nothing from elsewhere) and are never cached.
 *
 * The listening address is loopback unless --public is given; a
 * non-loopback address without it is refused, with it a warning goes to
 * stderr. The session cookie is HttpOnly and SameSite=Strict.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "i18n.h"
#include "web.h"

#define WEB_MAX_BODY (256 * 1024)
#define WEB_MAX_PAIRS 64
#define COOKIE "op_sess"

struct route {
	const char *method, *path;
	web_fn fn;
	int signed_in;		/* needs a signed-in person */
};

static const struct route routes[] = {
	{ "GET", "/login", web_login, 0 },
	{ "POST", "/login", web_login, 0 },
	{ "POST", "/logout", web_logout, 1 },
	{ "GET", "/today", web_today, 1 },
	{ "GET", "/customers", web_customers, 1 },
	{ "GET", "/customers/rows", web_customer_rows, 1 },
	{ "GET", "/customer", web_customer, 1 },
	{ "GET", "/customer/new", web_customer_new, 1 },
	{ "POST", "/customer/new", web_customer_new, 1 },
	{ "GET", "/customer/edit", web_customer_edit, 1 },
	{ "POST", "/customer/edit", web_customer_edit, 1 },
	{ "GET", "/order/new", web_order_new, 1 },
	{ "POST", "/order/new", web_order_new, 1 },
	{ "POST", "/ticket/new", web_ticket_new, 1 },
	{ "GET", "/ticket", web_ticket, 1 },
	{ "POST", "/ticket/step", web_ticket_step, 1 },
	{ "POST", "/followup/new", web_followup_new, 1 },
	{ "GET", "/reports", web_reports, 1 },
	{ "GET", "/sync", web_sync, 1 },
	{ "POST", "/conflict/resolve", web_conflict_resolve, 1 },
};

struct server {
	struct web_state st;
	const char *db_path;
	const char *lang;	/* default language of new sessions */
};

/* What one connection's request has collected so far. */
struct pending {
	char *body;
	size_t len;
	int too_big, has_nul;
};

struct kvlist {
	const char *kv[2 * WEB_MAX_PAIRS];
	char *own[2 * WEB_MAX_PAIRS];
	int n, overflow;
};

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *value)
{
	struct kvlist *l = cls;
	if (l->n >= WEB_MAX_PAIRS) {
		l->overflow = 1;
		return MHD_NO;
	}
	l->own[2 * l->n] = strdup(key);
	l->own[2 * l->n + 1] = strdup(value ? value : "");
	l->kv[2 * l->n] = l->own[2 * l->n];
	l->kv[2 * l->n + 1] = l->own[2 * l->n + 1];
	if (!l->own[2 * l->n] || !l->own[2 * l->n + 1])
		l->overflow = 1;
	l->n++;
	return MHD_YES;
}

static void kvlist_free(struct kvlist *l)
{
	for (int i = 0; i < 2 * l->n; i++)
		free(l->own[i]);
}

static void add_headers(struct MHD_Response *resp, const struct web_resp *r)
{
	MHD_add_response_header(resp, "Content-Type",
				r->type ? r->type : "text/html; charset=utf-8");
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'none'; script-src 'self'; style-src 'self'; "
				"img-src 'self' data:; connect-src 'self'; form-action 'self'; "
				"frame-ancestors 'none'; base-uri 'none'");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Cache-Control", r->asset ? "max-age=3600" : "no-store");
	if (r->location[0])
		MHD_add_response_header(resp, "Location", r->location);
}

static enum MHD_Result send_resp(struct MHD_Connection *c, struct web_resp *r,
				 const struct web_sess *s)
{
	struct MHD_Response *resp;
	enum MHD_Result ok;
	size_t len;

	if (r->asset) {
		resp = MHD_create_response_from_buffer(strlen(r->asset), (void *)r->asset,
						       MHD_RESPMEM_PERSISTENT);
	} else {
		if (r->body.oom) {
			html_free(&r->body);
			r->status = 500;
			html_raw(&r->body, "out of memory");
		}
		char *b = html_take(&r->body, &len);
		resp = MHD_create_response_from_buffer(len, b, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(b);
	}
	if (!resp)
		return MHD_NO;
	add_headers(resp, r);
	if (r->clear_cookie)
		MHD_add_response_header(resp, "Set-Cookie", COOKIE "=; Path=/; HttpOnly; "
					"SameSite=Strict; Max-Age=0");
	else if (r->new_cookie && s) {
		char cookie[128];
		snprintf(cookie, sizeof(cookie), COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict",
			 s->id);
		MHD_add_response_header(resp, "Set-Cookie", cookie);
	}
	ok = MHD_queue_response(c, (unsigned)(r->status ? r->status : 200), resp);
	MHD_destroy_response(resp);
	return ok;
}

static void client_addr(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, n, "?");
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr,
			  out, (socklen_t)n);
	else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr,
			  out, (socklen_t)n);
}

static const struct web_asset *asset_of(const char *path)
{
	if (strncmp(path, "/assets/", 8) != 0)
		return NULL;
	for (const struct web_asset *a = web_assets; a->name; a++)
		if (strcmp(a->name, path + 8) == 0)
			return a;
	return NULL;
}

/* Route, check sign-in and CSRF, run the handler. */
static void handle(struct server *sv, struct MHD_Connection *c, const char *url,
		   const char *method, struct pending *p, struct web_resp *r,
		   struct web_sess **out_sess)
{
	struct kvlist query = { 0 };
	const char *form_kv[2 * WEB_MAX_PAIRS];
	char addr[64];
	struct web_req q = { .method = method, .path = url, .st = &sv->st,
			     .db_path = sv->db_path, .now = time(NULL) };
	const struct route *rt = NULL;
	const struct web_asset *a;

	if ((a = asset_of(url)) && strcmp(method, "GET") == 0) {
		r->asset = a->text;
		r->type = a->type;
		return;
	}
	client_addr(c, addr, sizeof(addr));
	q.client = addr;
	q.sess = web_sess_find(&sv->st, MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE),
			       q.now);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect, &query);
	q.query = query.kv;
	q.nquery = query.n;
	const char *lang = web_q(&q, "lang");
	if (lang && (strcmp(lang, "en") == 0 || strcmp(lang, "zh") == 0) && q.sess)
		snprintf(q.sess->lang, sizeof(q.sess->lang), "%s", lang);
	op_i18n_lang(q.sess ? (strcmp(q.sess->lang, "en") == 0 ? "en" : "zh_CN") :
		     (lang ? (strcmp(lang, "en") == 0 ? "en" : "zh_CN") :
		      strcmp(sv->lang, "en") == 0 ? "en" : "zh_CN"));

	int path_known = 0;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(routes[i].path, url) == 0) {
			path_known = 1;
			if (strcmp(routes[i].method, method) == 0)
				rt = &routes[i];
		}
	if (strcmp(url, "/") == 0 && strcmp(method, "GET") == 0) {
		web_redirect(r, q.sess && q.sess->staff[0] ? "/today" : "/login");
		goto out;
	}
	if (!rt) {
		/* writes are POST only: a GET of a POST route is 405 */
		web_fail(r, &q, path_known ? 405 : 404,
			 path_known ? W_("This address takes a form, not a link.") :
				      W_("There is no such page."));
		goto out;
	}
	if (query.overflow) {
		web_fail(r, &q, 400, W_("Too many parameters."));
		goto out;
	}
	if (strcmp(method, "POST") == 0) {
		const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
		if (p->too_big) {
			web_fail(r, &q, 413, W_("The form is too large."));
			goto out;
		}
		if (!ct || strncmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
			web_fail(r, &q, 415, W_("Forms are sent as application/x-www-form-urlencoded."));
			goto out;
		}
		char none[1] = "";
		int n = p->has_nul ? -1 : web_form_parse(p->body ? p->body : none, form_kv,
							 WEB_MAX_PAIRS);
		if (n < 0) {
			web_fail(r, &q, 400, W_("The form could not be read (a bad escape, "
						"a NUL byte or text that is not UTF-8)."));
			goto out;
		}
		q.form = form_kv;
		q.nform = n;
		/* every form carries the session's token: without it, 403 */
		if (!web_csrf_ok(q.sess, web_f(&q, "csrf"))) {
			web_fail(r, &q, 403, W_("This form has expired or did not come from "
						"this page. Open the page again and resend it."));
			goto out;
		}
	}
	if (rt->signed_in && !(q.sess && q.sess->staff[0])) {
		if (strcmp(method, "GET") == 0) {
			web_redirect(r, "/login");
		} else {
			web_fail(r, &q, 403, W_("Please sign in first."));
		}
		goto out;
	}
	if (q.sess && q.sess->staff[0])
		op_ctx_clear(&q.sess->ctx);
	rt->fn(r, &q);
out:
	*out_sess = q.sess;
	kvlist_free(&query);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	struct server *sv = cls;
	struct pending *p = *con_cls;

	if (!p) {
		if (!(p = calloc(1, sizeof(*p))))
			return MHD_NO;
		*con_cls = p;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!p->too_big && p->len + *upload_size <= WEB_MAX_BODY) {
			char *b = realloc(p->body, p->len + *upload_size + 1);
			if (!b)
				return MHD_NO;
			memcpy(b + p->len, upload, *upload_size);
			p->body = b;
			p->len += *upload_size;
			p->body[p->len] = '\0';
			/* a NUL would end the text early: the form is refused */
			if (memchr(upload, '\0', *upload_size))
				p->has_nul = 1;
		} else {
			p->too_big = 1;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	struct web_resp r = { 0 };
	struct web_sess *s = NULL;
	handle(sv, c, url, method, p, &r, &s);
	return send_resp(c, &r, s);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode why)
{
	struct pending *p = *con_cls;
	if (p) {
		free(p->body);
		free(p);
		*con_cls = NULL;
	}
}

static int parse_listen(struct op_cli *cli, const char *in, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(in, ':');
	char *end;
	long port;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (!colon || (size_t)(colon - in) >= sizeof(host))
		return op_errc(&cli->err, EX_USAGE, "listen: '%s' is not HOST:PORT "
			       "(e.g. 127.0.0.1:8080)", in);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - in), in);
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 0 || port > 65535)
		return op_errc(&cli->err, EX_USAGE, "listen: port '%s' is not 0-65535", colon + 1);
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return op_errc(&cli->err, EX_USAGE, "listen: '%s' is not an IPv4 address", host);
	sa->sin_port = htons((uint16_t)port);
	return 0;
}

static int cmd_serve(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "listen", 0, NULL }, { "public", 1, NULL },
				  { "idle", 0, NULL }, { "lang", 0, NULL },
				  { NULL, 0, NULL } };
	const char *pos[1], *why;
	int npos, rc, secured;
	int64_t idle = 30;
	struct sockaddr_in sa;
	op_db *db;

	if ((rc = cmd_begin(cli, argc, argv, spec, pos, 0, 0, &npos)) >= 0)
		return rc;
	const char *listen = cli_opt(spec, "listen") ? cli_opt(spec, "listen") : "127.0.0.1:8080";
	const char *lang = cli_opt(spec, "lang") ? cli_opt(spec, "lang") : "zh";
	if (strcmp(lang, "zh") != 0 && strcmp(lang, "en") != 0)
		return cli_error(cli, EX_USAGE, "lang: '%s' is not zh or en", lang);
	if (cli_opt(spec, "idle") &&
	    op_valid_int(&idle, cli_opt(spec, "idle"), 1, 24 * 60, &why) < 0)
		return cli_error(cli, EX_DATAERR, "idle: %s (minutes)", why);
	if (parse_listen(cli, listen, &sa) < 0)
		return cli_fail(cli);
	int loopback = (ntohl(sa.sin_addr.s_addr) >> 24) == 127;
	if (!loopback && !cli_opt(spec, "public"))
		return cli_error(cli, EX_USAGE, "listen: %s is not a loopback address; other "
				 "machines could reach the screen. Give --public to mean it", listen);
	if (cli_db(cli, &db) < 0)
		return cli_fail(cli);
	if ((secured = op_secured(db)) < 0)
		return cli_fail(cli);
	if (!secured)
		cli_warn(cli, "nobody has a PIN in this store yet, so nobody can sign in; "
			 "an admin sets one with 'outpost staff passwd CODE'");
	op_i18n_bind(WEB_DOMAIN);

	static struct server sv;	/* sessions outlive no request; one server per process */
	web_state_init(&sv.st, (int)idle * 60);
	sv.db_path = cli->db_path;
	sv.lang = lang;
	if (getenv("OUTPOST_WEB_LOCK_SECONDS"))	/* tests: a lock they can wait out */
		sv.st.lock = atoi(getenv("OUTPOST_WEB_LOCK_SECONDS")) > 0 ?
			     atoi(getenv("OUTPOST_WEB_LOCK_SECONDS")) : sv.st.lock;

	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);	/* the server thread inherits it */

	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		on_request, &sv,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)128,
		MHD_OPTION_END);
	if (!d)
		return cli_error(cli, EX_UNAVAILABLE, "listen: cannot listen on %s "
				 "(in use, or not an address of this machine)", listen);
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
	if (!loopback)
		fprintf(stderr, "%s: warning: serving on %s, reachable from other machines; "
			"use it only on a network you trust (there is no TLS)\n", cli->prog, ip);
	fprintf(cli->out, "outpost serve: http://%s:%u/ (store %s; Ctrl-C stops)\n", ip,
		di ? (unsigned)di->port : (unsigned)ntohs(sa.sin_port), cli->db_path);
	fflush(cli->out);
	int sig;
	sigwait(&sigs, &sig);
	MHD_stop_daemon(d);
	for (int i = 0; i < WEB_MAX_SESSIONS; i++)
		web_sess_end(&sv.st.sess[i]);
	return 0;
}

const struct op_cmd op_cmds_serve[] = {
	{ "serve", NULL, cmd_serve,
	  "serve [--listen HOST:PORT] [--public] [--idle MINUTES] [--lang zh|en]",
	  "the clerk's screen in a browser (default http://127.0.0.1:8080/)" },
	{ NULL, NULL, NULL, NULL, NULL },
};
