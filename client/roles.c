/*
 * roles.c — who may run what.
 *
 * A store is "secured" once any staff member has a PIN (staff.pin_hash, a
 * libsodium crypto_pwhash_str hash). In a secured store every command but
 * init and --help needs `--as STAFF`; the PIN is read from the terminal
 * with echo off, or from $OUTPOST_PIN in scripts (never prompted without a
 * terminal). The staff member's role then decides, from the table below,
 * which commands run; a refusal names the roles that would do. A store
 * nobody has secured yet is open: commands run as given (so the first
 * admin can be created) and --as only names the actor in the journal.
 *
 * Which rows the person then reads is not decided here nor by any
 * command: cli_authorize confines the connection with op_scope_set
 * (schema/scope.h) — a salesperson sees their own customers, a manager or
 * service account the branch (at a branch store and at HQ alike), HQ and
 * admin everything.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "cli.h"
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

static unsigned needed(const struct op_cmd *c)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcmp(rules[i].group, c->group) == 0 &&
		    (!rules[i].name || (c->name && strcmp(rules[i].name, c->name) == 0)))
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

/* Read a PIN with echo off from the terminal. */
static int read_pin(const char *who, char *pin, size_t n)
{
	struct termios old, quiet;
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty)
		return -1;
	fprintf(tty, "PIN for %s: ", who);
	fflush(tty);
	tcgetattr(fileno(tty), &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	char *ok = fgets(pin, (int)n, tty);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	if (!ok)
		return -1;
	pin[strcspn(pin, "\r\n")] = '\0';
	return 0;
}

int cli_pin_hash(struct op_cli *cli, const char *pin, char out[crypto_pwhash_STRBYTES])
{
	if (sodium_init() < 0)
		return op_errc(&cli->err, EX_SOFTWARE, "libsodium failed to start");
	if (strlen(pin) < 4)
		return op_errc(&cli->err, EX_DATAERR, "pin: at least 4 characters");
	if (crypto_pwhash_str(out, pin, strlen(pin), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return op_errc(&cli->err, EX_OSERR, "out of memory hashing the PIN");
	return 0;
}

int cli_pin_read(struct op_cli *cli, const char *who, char *pin, size_t n)
{
	const char *env = getenv("OUTPOST_PIN");
	if (env) {
		snprintf(pin, n, "%s", env);
		return 0;
	}
	if (!isatty(0) || read_pin(who, pin, n) < 0)
		return op_errc(&cli->err, EX_NOPERM, "%s has a PIN: set OUTPOST_PIN, or run "
			       "outpost from a terminal", who);
	return 0;
}

static const char SQL_SECURED[] =
	"SELECT EXISTS (SELECT 1 FROM staff WHERE pin_hash IS NOT NULL AND active)";
static const char SQL_WHO[] =
	"SELECT role, branch, pin_hash, active FROM staff WHERE code = :code";

int cli_authorize(struct op_cli *cli, const struct op_cmd *c)
{
	op_db *db;
	sqlite3_stmt *st;
	int secured, rc;
	char role[16] = "", branch[32] = "", hash[crypto_pwhash_STRBYTES] = "";
	int active = 1, known = 0;

	if (strcmp(c->group, "init") == 0)
		return 0;
	if (op_db_schema_max() < 7)
		return 0;	/* behaving as a build before PINs (upgrade tests) */
	if (cli_db(cli, &db) < 0)
		return 0;	/* the command reports the missing store itself */
	if (!(st = op_db_stmt(db, SQL_SECURED)) || op_db_step(db, st) != SQLITE_ROW)
		return -1;
	secured = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (cli->as) {
		if (!(st = op_db_stmt(db, SQL_WHO)) || op_bind_text(db, st, ":code", cli->as) < 0)
			return -1;
		if ((rc = op_db_step(db, st)) == SQLITE_ROW) {
			known = 1;
			snprintf(role, sizeof(role), "%s", sqlite3_column_text(st, 0));
			if (sqlite3_column_text(st, 1))
				snprintf(branch, sizeof(branch), "%s", sqlite3_column_text(st, 1));
			if (sqlite3_column_text(st, 2))
				snprintf(hash, sizeof(hash), "%s", sqlite3_column_text(st, 2));
			active = sqlite3_column_int(st, 3);
		}
		sqlite3_reset(st);
		if (rc < 0)
			return -1;
	}
	if (!secured)
		return 0;	/* open until someone sets a PIN: --as just names the actor */
	if (!cli->as)
		return op_errc(&cli->err, EX_NOPERM, "this store requires sign-in: "
			       "outpost --as STAFF %s%s%s ...", c->group, c->name ? " " : "",
			       c->name ? c->name : "");
	if (!known || !active)
		return op_errc(&cli->err, EX_NOPERM, "no active staff member '%s'", cli->as);
	if (hash[0]) {
		char pin[256];
		if (cli_pin_read(cli, cli->as, pin, sizeof(pin)) < 0)
			return -1;
		if (sodium_init() < 0 ||
		    crypto_pwhash_str_verify(hash, pin, strlen(pin)) != 0) {
			sodium_memzero(pin, sizeof(pin));
			return op_errc(&cli->err, EX_NOPERM, "wrong PIN for %s", cli->as);
		}
		sodium_memzero(pin, sizeof(pin));
	} else if (secured) {
		return op_errc(&cli->err, EX_NOPERM, "%s has no PIN yet; an admin sets one with "
			       "'outpost staff passwd %s'", cli->as, cli->as);
	}
	unsigned have = role_bit(role), need = needed(c);
	snprintf(cli->role, sizeof(cli->role), "%s", role);
	if (!(have & need)) {
		char roles[80];
		roles_text(roles, sizeof(roles), need);
		return op_errc(&cli->err, EX_NOPERM, "%s %s needs the role %s (%s is %s)",
			       c->group, c->name ? c->name : "", roles, cli->as, role);
	}
	return op_scope_set(db, cli->as, role, branch[0] ? branch : NULL);
}
