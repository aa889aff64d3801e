/*
 * web.h — what the web screen's handlers share (`outpost serve`).
 *
 * serve.c owns HTTP (libmicrohttpd): it turns a request into a web_req
 * (method, path, decoded query and form pairs, the session), runs the
 * route's handler and sends the web_resp it filled. Handlers (web_*.c,
 * one file per page group) never see a libmicrohttpd type: like a CLI
 * command they read what was asked, call an operation (schema/ops.h, or
 * the report and reminder functions of report.h), and render the result
 * through html.h, which escapes every value. Page strings are English
 * msgids in the gettext domain "outpost-web" (po/outpost-web/), shown in
 * the session's language.
 */
#ifndef OP_WEB_H
#define OP_WEB_H

#include <libintl.h>
#include <time.h>
#include "html.h"
#include "i18n.h"
#include "ops.h"
#include "websess.h"

#define WEB_DOMAIN "outpost-web"
#define W_(s) dgettext(WEB_DOMAIN, (s))

/* An embedded file (tools/embed_assets.sh from client/web/). */
struct web_asset {
	const char *name, *type, *text;
};
extern const struct web_asset web_assets[];

struct web_req {
	const char *method;		/* "GET", "POST" */
	const char *path;		/* "/customers" */
	const char *const *query;	/* name, value pairs (decoded) */
	int nquery;
	const char *const *form;	/* a POST's pairs */
	int nform;
	struct web_state *st;
	struct web_sess *sess;		/* the request's session (maybe unsigned) */
	const char *client;		/* the peer's address */
	const char *db_path;
	time_t now;
};

struct web_resp {
	int status;			/* 200 unless set */
	struct op_html body;
	const char *type;		/* NULL: text/html; charset=utf-8 */
	const char *asset;		/* a static body instead of body */
	char location[512];		/* a redirect's target */
	int new_cookie;			/* send the session's id as the cookie */
	int clear_cookie;		/* forget the cookie */
};

/* The query or form value name, or NULL. */
const char *web_q(struct web_req *q, const char *name);
const char *web_f(struct web_req *q, const char *name);

/* The signed-in context of the request (NULL when not signed in). */
struct op_ctx *web_ctx(struct web_req *q);

/* The page frame: head, the navigation bar (nav: the current tab,
 * "today" "customers" "reports" "sync"), the person, sign-out and the
 * language switch; then the page's own markup; then web_page_end. */
void web_page_begin(struct web_resp *r, struct web_req *q, const char *title,
		    const char *nav);
void web_page_end(struct web_resp *r);
/* A whole page saying msg with status (403, 404...). */
void web_fail(struct web_resp *r, struct web_req *q, int status, const char *msg);
/* 303 to path (after a POST). */
void web_redirect(struct web_resp *r, const char *path);
/* The hidden CSRF input every form carries. */
void web_csrf_input(struct web_resp *r, struct web_req *q);
/* The message of the context's last error (its own, or the store's). */
const char *web_errmsg(struct op_ctx *ctx);
/* The same without the "FIELD: " it starts with when ctx->field is set
 * (the message is shown beside that field). */
const char *web_reason(struct op_ctx *ctx);
/* An HTTP status for an operation's failure: 403 for EX_NOPERM, 404 for
 * EX_NOINPUT, 422 for bad input, 500 otherwise. */
int web_status_of(struct op_ctx *ctx);
/* A refusal by role: 0 when ctx's role may run `group name`, else the
 * 403 page is written and -1 returned. */
int web_may(struct web_resp *r, struct web_req *q, const char *group,
	    const char *name);

/* A form field of a field table: label, input (value kept when the form
 * is shown again) and, when err_field is this field, the error beside it.
 * kind "text", "date", "textarea", or "select" with opts ("value|label"
 * pairs separated by "\n"). */
void web_field(struct web_resp *r, const char *name, const char *label, const char *kind,
	       const char *value, const char *opts, const char *err_field,
	       const char *err);
/* A table of a statement's rows (all columns, headers from labels: one
 * label per column, NULL: the column name), linking column link_col (-1:
 * none) to "/customer?id=" + the id column 0, the words of column tr_col
 * (-1: none) translated. Returns rows, or -1. */
int web_rows(struct web_resp *r, op_db *db, sqlite3_stmt *st, const char *const *labels,
	     int link_col, int tr_col, const char *empty);

/* Handlers: 0 when r is filled. */
typedef int (*web_fn)(struct web_resp *r, struct web_req *q);
int web_login(struct web_resp *r, struct web_req *q);	/* GET and POST /login */
int web_logout(struct web_resp *r, struct web_req *q);
int web_today(struct web_resp *r, struct web_req *q);	/* 今日 */
int web_customers(struct web_resp *r, struct web_req *q);	/* 客户 */
int web_customer_rows(struct web_resp *r, struct web_req *q);
int web_customer(struct web_resp *r, struct web_req *q);	/* the card */
int web_customer_new(struct web_resp *r, struct web_req *q);
int web_customer_edit(struct web_resp *r, struct web_req *q);
int web_order_new(struct web_resp *r, struct web_req *q);
int web_ticket_new(struct web_resp *r, struct web_req *q);
int web_ticket(struct web_resp *r, struct web_req *q);
int web_ticket_step(struct web_resp *r, struct web_req *q);
int web_followup_new(struct web_resp *r, struct web_req *q);
int web_reports(struct web_resp *r, struct web_req *q);	/* 报表 */
int web_sync(struct web_resp *r, struct web_req *q);	/* 同步 */
int web_conflict_resolve(struct web_resp *r, struct web_req *q);

#endif
