/*
 * roles.c — who may run what, and signing a staff member in.
 *
 * A store is "secured" once any staff member has a PIN (staff.pin_hash, a
 * libsodium crypto_pwhash_str hash). In a secured store every command but
 * init and --help needs a signed-in person; the CLI reads the PIN from the
 * terminal or $OUTPOST_PIN (client/roles.c), the web screen from its
 * sign-in form. The staff member's role then decides, from the table
 * below, which operations run; a refusal names the roles that would do.
 * The table is keyed by the CLI's command names ("customer", "add"), the
 * names every interface uses for the same operation.
 *
 * Which rows the person then reads is not decided here nor by any
 * operation: op_signin confines the connection with op_scope_set
 * (scope.h) — a salesperson sees their own customers, a manager or
 * service account the branch (at a branch store and at HQ alike), HQ and
 * admin everything.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include "ops.h"
#include "scope.h"

#define R_SALES   0x01
#define R_SERVICE 0x02
#define R_MANAGER 0x04
#define R_HQ      0x08
#define R_ADMIN   0x10
#define R_ALL     0x1f
#define R_BOSS    (R_MANAGER | R_HQ | R_ADMIN)

static const struct {
	const char *group, *name;	/* name NULL: every subcommand */
	unsigned roles;
} rules[] = {
	{ "customer", "delete", R_BOSS },
	{ "customer", "dupes", R_HQ | R_ADMIN | R_MANAGER },
	{ "customer", "merge", R_HQ | R_ADMIN },
	{ "customer", "unmerge", R_HQ | R_ADMIN },
	{ "customer", "add", R_SALES | R_BOSS },
	{ "customer", "edit", R_SALES | R_BOSS },
	{ "customer", NULL, R_ALL },
	{ "product", "add", R_HQ | R_ADMIN },
	{ "product", "edit", R_HQ | R_ADMIN },
	{ "product", NULL, R_ALL },
	{ "assign", NULL, R_BOSS },	/* rules: a manager's for their branch only (assign.c) */
	{ "store", "set", R_BOSS },	/* the shop's name on its slips */
	{ "store", NULL, R_ALL },
	{ "channel", "list", R_ALL },
	{ "channel", NULL, R_HQ | R_ADMIN },
	{ "order", "add", R_SALES | R_BOSS },
	{ "order", "status", R_SALES | R_BOSS },
	{ "order", NULL, R_ALL },
	{ "quote", "add", R_SALES | R_BOSS },
	{ "quote", "convert", R_SALES | R_BOSS },
	{ "quote", NULL, R_ALL },
	{ "appt", NULL, R_ALL },
	{ "stock", "list", R_ALL },
	{ "stock", NULL, R_BOSS },
	{ "payment", "add", R_SALES | R_BOSS },
	{ "payment", "list", R_ALL },
	{ "payment", NULL, R_BOSS },
	/* campaigns (issue 14): a manager defines, prepares and exports (the
	 * export is a bulk read of personal data, audited); sales record
	 * their customers' responses; HQ defines the chain-wide ones */
	{ "segment", "add", R_BOSS },
	{ "segment", NULL, R_ALL },
	{ "campaign", "record", R_SALES | R_BOSS },
	{ "campaign", "list", R_ALL },
	{ "campaign", "show", R_ALL },
	{ "campaign", NULL, R_BOSS },
	{ "coupon", "add", R_BOSS },
	{ "coupon", NULL, R_ALL },
	{ "ticket", "open", R_ALL },
	{ "ticket", NULL, R_SERVICE | R_BOSS },
	{ "followup", NULL, R_ALL },
	{ "staff", "list", R_BOSS },
	{ "staff", "passwd", R_ALL },	/* one's own; others': admin (cmd_staff.c) */
	{ "staff", NULL, R_ADMIN },
	{ "branch", "list", R_ALL },
	{ "branch", NULL, R_ADMIN },
	{ "keys", NULL, R_ADMIN },
	{ "peer", NULL, R_ADMIN },
	{ "import", NULL, R_BOSS },
	{ "export", NULL, R_BOSS },
	{ "log", NULL, R_BOSS },
	{ "sync", NULL, R_BOSS },
	{ "conflicts", NULL, R_BOSS },
	{ "report", NULL, R_BOSS },
	{ "classify", NULL, R_BOSS },
	{ "remind", NULL, R_ALL },
	/* Whole-store reads and the backup key: HQ and admin. A manager reads
	 * the history of the rows in their scope. */
	{ "history", "commit", R_HQ | R_ADMIN },
	{ "history", "restore", R_HQ | R_ADMIN },
	{ "history", "push", R_HQ | R_ADMIN },
	{ "history", "keygen", R_ADMIN },
	{ "history", NULL, R_BOSS },
	{ "backup", NULL, R_ADMIN },	/* a snapshot is every row of the store */
};

static const char *const role_names[] = { "sales", "service", "manager", "hq", "admin" };

static unsigned role_bit(const char *role)
{
	for (int i = 0; i < 5; i++)
		if (role && strcmp(role, role_names[i]) == 0)
			return 1u << i;
	return 0;
}

static unsigned needed(const char *group, const char *name)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcmp(rules[i].group, group) == 0 &&
		    (!rules[i].name || (name && strcmp(rules[i].name, name) == 0)))
			return rules[i].roles;
	return R_BOSS;
}

static void roles_text(char *out, size_t n, unsigned roles)
{
	size_t len = 0;
	int k = 0, total = __builtin_popcount(roles);
	out[0] = '\0';
	for (int i = 0; i < 5; i++) {
		if (!(roles & (1u << i)))
			continue;
		k++;
		len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%s%s",
					k == 1 ? "" : k == total ? " or " : ", ", role_names[i]);
	}
}


static const char SQL_SECURED[] =
	"SELECT EXISTS (SELECT 1 FROM staff WHERE pin_hash IS NOT NULL AND active)";
static const char SQL_WHO[] =
	"SELECT role, branch, pin_hash, active FROM main.staff WHERE code = :code";

int op_secured(op_db *db)
{
	sqlite3_stmt *st;
	int secured;

	if (!(st = op_db_stmt(db, SQL_SECURED)) || op_db_step(db, st) != SQLITE_ROW)
		return -1;
	secured = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return secured;
}

struct who {
	int known, active;
	char role[16], branch[32], hash[crypto_pwhash_STRBYTES];
};

static int lookup(struct op_ctx *ctx, const char *code, struct who *w)
{
	sqlite3_stmt *st;
	int rc;

	memset(w, 0, sizeof(*w));
	if (!(st = op_db_stmt(ctx->db, SQL_WHO)) ||
	    op_bind_text(ctx->db, st, ":code", code) < 0)
		return -1;
	if ((rc = op_db_step(ctx->db, st)) == SQLITE_ROW) {
		w->known = 1;
		snprintf(w->role, sizeof(w->role), "%s", sqlite3_column_text(st, 0));
		if (sqlite3_column_text(st, 1))
			snprintf(w->branch, sizeof(w->branch), "%s", sqlite3_column_text(st, 1));
		if (sqlite3_column_text(st, 2))
			snprintf(w->hash, sizeof(w->hash), "%s", sqlite3_column_text(st, 2));
		w->active = sqlite3_column_int(st, 3);
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

int op_staff_has_pin(struct op_ctx *ctx, const char *code)
{
	struct who w;
	if (lookup(ctx, code, &w) < 0)
		return -1;
	return w.known && w.active && w.hash[0];
}

int op_signin(struct op_ctx *ctx, const char *code, const char *pin)
{
	struct who w;
	int secured;

	if ((secured = op_secured(ctx->db)) < 0 || lookup(ctx, code, &w) < 0)
		return -1;
	if (!w.known || !w.active)
		return op_errc(&ctx->err, EX_NOPERM, "no active staff member '%s'", code);
	if (w.hash[0]) {
		if (!pin || sodium_init() < 0 ||
		    crypto_pwhash_str_verify(w.hash, pin, strlen(pin)) != 0)
			return op_errc(&ctx->err, EX_NOPERM, "wrong PIN for %s", code);
	} else if (secured) {
		return op_errc(&ctx->err, EX_NOPERM, "%s has no PIN yet; an admin sets one with "
			       "'outpost staff passwd %s'", code, code);
	}
	ctx->as = code;
	snprintf(ctx->role, sizeof(ctx->role), "%s", w.role);
	return op_scope_set(ctx->db, code, w.role, w.branch[0] ? w.branch : NULL);
}

int op_role_may(const char *role, const char *group, const char *name)
{
	return (role_bit(role) & needed(group, name)) != 0;
}

int op_role_check(struct op_ctx *ctx, const char *group, const char *name)
{
	char roles[80];

	if (op_role_may(ctx->role, group, name))
		return 0;
	roles_text(roles, sizeof(roles), needed(group, name));
	return op_errc(&ctx->err, EX_NOPERM, "%s %s needs the role %s (%s is %s)",
		       group, name ? name : "", roles, ctx->as ? ctx->as : "nobody", ctx->role);
}
