/*
 * record.c — the command-line side of field-table records (record.h):
 * options parsed by the field table, add/edit commands that print the row
 * they wrote. Validation and the writes themselves are the operations
 * layer's (schema/record.c, ops.h); the functions here open the store a
 * command has not opened yet and call them with the command's context.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "cmds.h"
#include "record.h"

void rec_money(char *out, size_t n, int64_t cents)
{
	op_money(out, n, cents);
}

int rec_channel(struct op_cli *cli, const char *opt, const char *in, char *out,
		size_t outsz)
{
	if (!cli->db && cli_db(cli, &cli->db) < 0)
		return -1;
	return op_rec_channel(&cli->ctx, opt, in, out, outsz);
}

int rec_norm(struct op_cli *cli, const struct op_field *f, const char *raw,
	     char *out, size_t outsz, int *isnull)
{
	/* a channel is a row of the store: open it for the lookup */
	if (f->kind == F_CHANNEL && !cli->db && cli_db(cli, &cli->db) < 0)
		return -1;
	return op_rec_norm(&cli->ctx, f, raw, out, outsz, isnull);
}

const struct op_field *rec_field(const struct op_field *f, int n,
				 const char *name, int by_header)
{
	return op_rec_field(f, n, name, by_header);
}

int rec_insert(struct op_cli *cli, const char *table, const struct op_field *f,
	       int n, const char *const *vals, char **id)
{
	return op_rec_insert(&cli->ctx, table, f, n, vals, id);
}

int rec_update(struct op_cli *cli, const char *table, const struct op_field *f,
	       int n, const char *const *vals, const char *id)
{
	return op_rec_update(&cli->ctx, table, f, n, vals, id);
}

int rec_parse(struct op_cli *cli, int argc, char **argv,
	      const struct op_field *f, int n, const char **vals,
	      struct cli_opt *extra, const char **pos, int maxpos, int *npos,
	      int *help)
{
	struct cli_opt spec[OP_MAX_FIELDS + 16];
	int k = 0;

	for (int i = 0; i < n && k < OP_MAX_FIELDS; i++)
		spec[k++] = (struct cli_opt){ f[i].opt, 0, NULL };
	int nextra = 0;
	for (; extra && extra[nextra].name && k < OP_MAX_FIELDS + 15; nextra++)
		spec[k++] = extra[nextra];
	spec[k] = (struct cli_opt){ NULL, 0, NULL };
	if (cli_parse(cli, argc, argv, spec, pos, maxpos, npos, help) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		vals[i] = spec[i].val;
	for (int i = 0; i < nextra; i++)
		extra[i].val = spec[n + i].val;
	return 0;
}

int rec_begin(struct op_cli *cli, int argc, char **argv,
	      const struct op_field *f, int n, const char **vals,
	      struct cli_opt *extra, const char **pos, int maxpos, int *npos)
{
	int help, rc;

	if (rec_parse(cli, argc, argv, f, n, vals, extra, pos, maxpos, npos, &help) < 0) {
		rc = cli_fail(cli);
		cli_usage(cli->cmd, stderr);
		return rc;
	}
	if (help) {
		cli_usage(cli->cmd, stdout);
		return 0;
	}
	return -1;
}

static int write_show(struct op_cli *cli, const char *table, const struct op_field *f,
		      int n, const char *const *vals, const char *edit_id,
		      const char *cols, rec_hook hook, void *arg)
{
	char *id = NULL;
	int rc;

	if (op_db_begin(cli->db, cli->as) < 0)
		return cli_fail(cli);
	if ((edit_id ? rec_update(cli, table, f, n, vals, edit_id) :
	     rec_insert(cli, table, f, n, vals, &id)) < 0 ||
	    (hook && hook(cli, edit_id ? edit_id : id, arg) < 0) ||
	    op_db_commit(cli->db) < 0) {
		op_db_rollback(cli->db);
		free(id);
		return cli_fail(cli);
	}
	rc = rec_show(cli, table, cols, edit_id ? edit_id : id) < 0 ? cli_fail(cli) : 0;
	free(id);
	return rc;
}

int rec_add_show(struct op_cli *cli, const char *table, const struct op_field *f,
		 int n, const char *const *vals, const char *cols, rec_hook hook,
		 void *arg)
{
	return write_show(cli, table, f, n, vals, NULL, cols, hook, arg);
}

int rec_edit_show(struct op_cli *cli, const char *table, const struct op_field *f,
		  int n, const char *const *vals, const char *id, const char *cols,
		  rec_hook hook, void *arg)
{
	return write_show(cli, table, f, n, vals, id, cols, hook, arg);
}

int rec_show_ref(struct op_cli *cli, int argc, char **argv, const char *table,
		 const char *keycols, const char *cols)
{
	const char *pos[1];
	int npos, rc;
	char *id = NULL;

	if ((rc = cmd_begin(cli, argc, argv, NULL, pos, 1, 1, &npos)) >= 0)
		return rc;
	if (cli_resolve(cli, table, keycols, pos[0], &id) < 0)
		return cli_fail(cli);
	rc = rec_show(cli, table, cols, id) < 0 ? cli_fail(cli) : 0;
	free(id);
	return rc;
}

int rec_show(struct op_cli *cli, const char *table, const char *cols,
	     const char *id)
{
	sqlite3_stmt *st = NULL;
	char *sql = sqlite3_mprintf("SELECT %s FROM \"%w\" WHERE id = ?1", cols, table);
	int rc = -1;

	if (!sql || sqlite3_prepare_v2(op_db_handle(cli->db), sql, -1, &st, NULL)) {
		op_db_fail(cli->db, "show");
		goto out;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	switch (op_db_step(cli->db, st)) {
	case SQLITE_ROW:
		op_out_record_stmt(cli->out, cli->fmt, st);
		rc = 0;
		break;
	case SQLITE_DONE:
		op_errc(&cli->err, EX_NOINPUT, "no %s with id %s", table, id);
		break;
	}
out:
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return rc;
}
