/*
 * main.c — `outpost`, the command-line client store staff use.
 *
 * Parses the global options (--db, --as, --json, --csv, --version, --help)
 * and hands the rest to the command table (commands.c). Nothing else lives
 * here.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "i18n.h"

#ifndef OP_VERSION
#define OP_VERSION "0.1.0"
#endif

static void usage(FILE *fp)
{
	fputs(_("usage: outpost [--db PATH] [--as STAFF] [--json|--csv] COMMAND [ARGS]\n"
	      "       outpost --version | --help | COMMAND --help\n\n"
	      "The store is --db PATH, else $OUTPOST_DB, else\n"
	      "$XDG_DATA_HOME/outpost/store.db (~/.local/share/outpost/store.db).\n\n"
	      "Commands:\n"), fp);
	const char *group = "";
	for (const struct op_cmd *c = op_cli_commands(); c->group; c++) {
		if (strcmp(c->group, group) != 0)
			fprintf(fp, "  %-10s", c->group);
		else
			fprintf(fp, "  %-10s", "");
		group = c->group;
		fprintf(fp, " %-10s %s\n", c->name ? c->name : "",
			c->help ? _(c->help) : "");
	}
}

static char *default_db(void)
{
	const char *env = getenv("OUTPOST_DB"), *xdg = getenv("XDG_DATA_HOME"),
		   *home = getenv("HOME");
	char buf[4096];

	if (env && *env)
		return strdup(env);
	if (xdg && *xdg)
		snprintf(buf, sizeof(buf), "%s/outpost/store.db", xdg);
	else
		snprintf(buf, sizeof(buf), "%s/.local/share/outpost/store.db",
			 home && *home ? home : ".");
	return strdup(buf);
}

int main(int argc, char **argv)
{
	struct op_cli cli = { .prog = "outpost", .fmt = OP_FMT_TABLE, .out = stdout };
	char *dbpath = NULL;
	int i, rc;

	op_i18n_init();
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--db") == 0 && i + 1 < argc)
			dbpath = strdup(argv[++i]);
		else if (strncmp(a, "--db=", 5) == 0)
			dbpath = strdup(a + 5);
		else if (strcmp(a, "--as") == 0 && i + 1 < argc)
			cli.as = argv[++i];
		else if (strncmp(a, "--as=", 5) == 0)
			cli.as = a + 5;
		else if (strcmp(a, "--json") == 0)
			cli.fmt = OP_FMT_JSON;
		else if (strcmp(a, "--csv") == 0)
			cli.fmt = OP_FMT_CSV;
		else if (strcmp(a, "--version") == 0) {
			printf("outpost %s (schema %d)\n", OP_VERSION, op_db_schema_max());
			return 0;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, _("outpost: unknown option '%s'\n"), a);
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (!cli.as)
		cli.as = getenv("OUTPOST_AS");
	cli.db_path = dbpath ? dbpath : (dbpath = default_db());
	rc = op_cli_dispatch(&cli, argc - i, argv + i);
	if (fflush(stdout) != 0 && rc == 0) {
		fputs(_("outpost: cannot write output\n"), stderr);
		rc = EX_IOERR;
	}
	op_db_free(cli.db);
	free(dbpath);
	return rc;
}
