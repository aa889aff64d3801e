/*
 * roles.c — sign-in for the command line: who the person is (--as STAFF)
 * and their PIN (terminal or $OUTPOST_PIN). The table of who may run what
 * and the PIN check are the operations layer's (schema/roles.c, ops.h),
 * shared with the web screen.
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

int cli_authorize(struct op_cli *cli, const struct op_cmd *c)
{
	op_db *db;
	int secured;

	/* init makes the store; serve signs each person in at the browser */
	if (strcmp(c->group, "init") == 0 || strcmp(c->group, "serve") == 0)
		return 0;
	if (op_db_schema_max() < 7)
		return 0;	/* behaving as a build before PINs (upgrade tests) */
	if (cli_db(cli, &cli->db) < 0)
		return 0;	/* the command reports the missing store itself */
	db = cli->db;
	if ((secured = op_secured(db)) < 0)
		return -1;
	if (!secured)
		return 0;	/* open until someone sets a PIN: --as just names the actor */
	if (!cli->as)
		return op_errc(&cli->err, EX_NOPERM, "this store requires sign-in: "
			       "outpost --as STAFF %s%s%s ...", c->group, c->name ? " " : "",
			       c->name ? c->name : "");
	char pin[256];
	int known = op_staff_has_pin(&cli->ctx, cli->as);
	if (known < 0)
		return -1;
	if (known && cli_pin_read(cli, cli->as, pin, sizeof(pin)) < 0)
		return -1;
	int rc = op_signin(&cli->ctx, cli->as, known ? pin : NULL);
	sodium_memzero(pin, sizeof(pin));
	if (rc < 0)
		return -1;
	return op_role_check(&cli->ctx, c->group, c->name);
}
