/*
 * cmd_history.c — `outpost history commit|log|show|customer|restore|push`:
 * the store's history repository (daemon/history.h, docs/HISTORY.md).
 *
 * The repository is DB.git beside the store unless --repo names another
 * one (a backup pushed elsewhere). Commands that only read the repository
 * (log, show with a full id, restore, push) work with --repo even when the
 * store itself is gone: that is how a lost machine is recovered.
 */
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cmds.h"
#include "history.h"
#include "sealed.h"
#include "scope.h"
#include "tables.h"

/* What people call each synced table, and the unique columns a REF may
 * name (besides the id). */
static const struct kind {
	const char *word, *table, *keys;
} kinds[] = {
	{ "customer", "customer", "phone,name" },
	{ "order", "sales_order", "order_no" },
	{ "item", "order_item", NULL },
	{ "product", "product", "sku" },
	{ "staff", "staff", "code" },
	{ "branch", "branch", "code" },
	{ "ticket", "ticket", "ticket_no" },
	{ "step", "ticket_step", NULL },
	{ "followup", "followup", NULL },
	{ "follow-up", "followup", NULL },
};

static const struct kind *kind_of(const char *word)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].word, word) == 0 || strcmp(kinds[i].table, word) == 0)
			return &kinds[i];
	return NULL;
}

static void utc(time_t t, char out[24])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 24, "%Y-%m-%d %H:%M:%S", &tm);
}

/* Parse options and open the store; with --repo and need_db 0 a missing
 * store is no error (cli->db stays NULL). -1 to go on, or the exit code. */
static int begin(struct op_cli *cli, int argc, char **argv, struct cli_opt *spec,
		 const char **pos, int minpos, int maxpos, int *npos, int need_db)
{
	int help, rc;
	op_db *db;

	if (cli_parse(cli, argc, argv, spec, pos, maxpos, npos, &help) < 0) {
		rc = cli_fail(cli);
		cli_usage(cli->cmd, stderr);
		return rc;
	}
	if (help) {
		cli_usage(cli->cmd, stdout);
		return 0;
	}
	if (*npos < minpos) {
		op_errc(&cli->err, EX_USAGE, "missing argument");
		rc = cli_fail(cli);
		cli_usage(cli->cmd, stderr);
		return rc;
	}
	if (cli_opt(spec, "json"))
		cli->fmt = OP_FMT_JSON;
	if (need_db || !cli_opt(spec, "repo")) {
		if (cli_db(cli, &db) < 0)
			return cli_fail(cli);
	} else if (cli_db(cli, &db) < 0) {
		/* --repo (a backup) without a store: REFs are ids then */
		op_err_clear(&cli->err);
	}
	return -1;
}

/* The repository path: --repo, else DB.git. malloc'd. */
static char *repo_path(struct op_cli *cli, const struct cli_opt *spec)
{
	const char *r = cli_opt(spec, "repo");
	return r ? strdup(r) : op_history_default_path(cli->db_path);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static void close_history(struct op_cli *cli, op_history *h);

/* Open the history: --repo or DB.git; a sealed backup (daemon/sealed.h) is
 * first decrypted with --key into a private temporary repository, which
 * close_history removes. */
static int open_history(struct op_cli *cli, const struct cli_opt *spec, op_history **h)
{
	char *path = repo_path(cli, spec);
	int rc;
	if (!path)
		return op_errc(&cli->err, EX_OSERR, "out of memory");
	if (op_sealed_is_backup(path)) {
		char tmpl[4096], repo[4200];
		const char *tmp = getenv("TMPDIR");
		snprintf(tmpl, sizeof(tmpl), "%s/outpost-unsealed.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!cli_opt(spec, "key")) {
			rc = op_sealed_unpack(path, NULL, NULL, &cli->err);
			free(path);
			return rc;
		}
		if (!mkdtemp(tmpl)) {
			free(path);
			return op_errc(&cli->err, EX_CANTCREAT, "cannot make a temporary directory "
				       "'%s': %s", tmpl, strerror(errno));
		}
		cli->unsealed = strdup(tmpl);
		snprintf(repo, sizeof(repo), "%s/history.git", tmpl);
		rc = op_sealed_unpack(path, cli_opt(spec, "key"), repo, &cli->err);
		free(path);
		if (rc == 0 && (rc = op_history_open(h, repo, &cli->err)) == 0)
			return 0;
		close_history(cli, NULL);
		return -1;
	}
	rc = op_history_open(h, path, &cli->err);
	free(path);
	return rc;
}

static void close_history(struct op_cli *cli, op_history *h)
{
	op_history_free(h);
	if (cli->unsealed) {
		nftw(cli->unsealed, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		free(cli->unsealed);
		cli->unsealed = NULL;
	}
}

/* ------------------------------------------------------------ commit */

static int cmd_commit(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "full", 1, NULL }, { "repo", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	struct op_history_result res;
	int npos, rc;

	if ((rc = begin(cli, argc, argv, spec, pos, 0, 0, &npos, 1)) >= 0)
		return rc;
	if (op_history_commit_ex(cli->db, cli_opt(spec, "repo"), op_db_site(cli->db),
				 cli_opt(spec, "full") ? OP_HISTORY_FULL : 0, &res, &cli->err) < 0)
		return cli_fail(cli);
	if (res.commit[0])
		fprintf(cli->out, "committed %.10s: %s\n", res.commit, res.summary);
	else
		fputs(_("nothing to commit: the history is up to date\n"), cli->out);
	return 0;
}

/* ------------------------------------------------------------ log */

struct log_state {
	op_out *o;
	int64_t left;
};

static int log_row(const struct op_history_info *c, void *arg)
{
	struct log_state *ls = arg;
	char when[24], id[11];
	if (ls->left-- <= 0)
		return 1;
	utc(c->time, when);
	snprintf(id, sizeof(id), "%.10s", c->commit);
	const char *vals[] = { id, when, c->author, c->site, c->summary };
	op_out_row(ls->o, vals, NULL);
	return 0;
}

static int cmd_log(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "limit", 0, NULL }, { "repo", 0, NULL }, { "key", 0, NULL },
				  { "json", 1, NULL }, { NULL, 0, NULL } };
	static const char *const cols[] = { "commit", "time", "author", "site", "summary" };
	const char *pos[1], *why;
	struct log_state ls = { NULL, 50 };
	op_history *h = NULL;
	int npos, rc;

	if ((rc = begin(cli, argc, argv, spec, pos, 0, 0, &npos, 0)) >= 0)
		return rc;
	if (cli_opt(spec, "limit") &&
	    op_valid_int(&ls.left, cli_opt(spec, "limit"), 1, 100000000, &why) < 0)
		return cli_error(cli, EX_DATAERR, "limit: %s", why);
	if (open_history(cli, spec, &h) < 0)
		return cli_fail(cli);
	ls.o = op_out_new(cli->out, cli->fmt);
	op_out_cols(ls.o, 5, cols);
	rc = op_history_log(h, log_row, &ls, &cli->err);
	op_out_end(ls.o);
	close_history(cli, h);
	return rc < 0 ? cli_fail(cli) : 0;
}

/* ------------------------------------------------------------ show */

struct show_state {
	struct op_cli *cli;
	int n;
};

static void print_value(FILE *fp, const char *v)
{
	fputs(v ? v : "(none)", fp);
}

static const char *kind_word(enum op_history_kind k)
{
	return k == OP_HISTORY_NEW ? "new" : k == OP_HISTORY_DELETED ? "deleted" : "changed";
}

static int show_event(const struct op_history_event *ev, void *arg)
{
	struct show_state *ss = arg;
	FILE *fp = ss->cli->out;
	char when[24];

	utc(ev->info.time, when);
	if (ss->cli->fmt == OP_FMT_JSON) {
		fputs(ss->n ? ",\n " : "[", fp);
		fputs("{\"commit\": ", fp);
		op_json_str(fp, ev->info.commit);
		fputs(", \"time\": ", fp);
		op_json_str(fp, when);
		fputs(", \"author\": ", fp);
		op_json_str(fp, ev->info.author);
		fputs(", \"staff\": ", fp);
		if (ev->info.staff)
			op_json_str(fp, ev->info.staff);
		else
			fputs("null", fp);
		fputs(", \"site\": ", fp);
		if (ev->info.site)
			op_json_str(fp, ev->info.site);
		else
			fputs("null", fp);
		fputs(", \"message\": ", fp);
		op_json_str(fp, ev->info.summary);
		fprintf(fp, ", \"change\": \"%s\", \"fields\": [", kind_word(ev->kind));
		for (int i = 0; i < ev->nfields; i++) {
			const struct op_history_field *f = &ev->fields[i];
			fputs(i ? ", {\"field\": " : "{\"field\": ", fp);
			op_json_str(fp, f->name);
			fputs(", \"old\": ", fp);
			if (f->old)
				op_json_str(fp, f->old);
			else
				fputs("null", fp);
			fputs(", \"new\": ", fp);
			if (f->new)
				op_json_str(fp, f->new);
			else
				fputs("null", fp);
			fputs("}", fp);
		}
		fputs("]}", fp);
	} else {
		char who[128];
		if (ev->info.staff && ev->info.site)
			snprintf(who, sizeof(who), "%s (%s)", ev->info.staff, ev->info.site);
		else
			snprintf(who, sizeof(who), "%s", ev->info.author);
		fprintf(fp, "%s%s  ", ss->n ? "\n" : "", when);
		op_pad(fp, who, 16);
		fprintf(fp, "  %-7s  %.10s  %s\n", kind_word(ev->kind), ev->info.commit,
			ev->info.summary);
		if (ev->kind != OP_HISTORY_DELETED)
			for (int i = 0; i < ev->nfields; i++) {
				const struct op_history_field *f = &ev->fields[i];
				fputs("    ", fp);
				op_pad(fp, f->name, 14);
				fputs(" ", fp);
				if (ev->kind == OP_HISTORY_CHANGED) {
					print_value(fp, f->old);
					fputs(" → ", fp);
				}
				print_value(fp, f->new);
				fputs("\n", fp);
			}
	}
	ss->n++;
	return 0;
}

static int first_event(const struct op_history_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
	return 1;
}

/* The id REF stands for: the store first (id, prefix, suffix, key
 * columns), then the history (a deleted record). */
static int resolve(struct op_cli *cli, op_history *h, const struct kind *k,
		   const struct op_table *t, const char *ref, char **id)
{
	if (cli->db) {
		int rc = strcmp(t->name, "customer") == 0 ? cmd_customer_ref(cli, ref, id) :
			 cli_resolve(cli, t->name, k->keys, ref, id);
		if (rc == 0)
			return 0;
		if (cli->err.code != EX_NOINPUT)
			return -1;
		/* A scoped reader (schema/scope.h) sees the history of the rows
		 * the store shows them; whose a row outside it, or deleted,
		 * was is for HQ and admin to read. */
		if (op_scope_kind(cli->db) != OP_SCOPE_ALL)
			return op_errc(&cli->err, EX_NOPERM, "no %s '%s' in your scope (%s); "
				       "the history of other rows and deleted ones is for "
				       "role hq or admin", k->word, ref, op_scope_text(cli->db));
		op_err_clear(&cli->err);
	}
	/* A full id needs no scan: its file's path is known. */
	if (op_history_timeline(h, t, ref, 0, first_event, NULL, &cli->err) == 1)
		return (*id = strdup(ref)) ? 0 : op_errc(&cli->err, EX_OSERR, "out of memory");
	op_err_clear(&cli->err);
	return op_history_find(h, t, ref, id, &cli->err);
}

static int show(struct op_cli *cli, const struct kind *k, const char *ref,
		const struct cli_opt *spec)
{
	const struct op_table *t = op_table_by_name(k->table);
	struct show_state ss = { cli, 0 };
	op_history *h = NULL;
	char *id = NULL;
	int rc = 0;

	if (!t)
		return cli_error(cli, EX_SOFTWARE, "internal: no table %s", k->table);
	if (open_history(cli, spec, &h) < 0 || resolve(cli, h, k, t, ref, &id) < 0) {
		close_history(cli, h);
		return cli_fail(cli);
	}
	if (cli->fmt != OP_FMT_JSON)
		fprintf(cli->out, "%s %s\n\n", t->name, id);
	int n = op_history_timeline(h, t, id, cli_opt(spec, "reverse") != NULL, show_event, &ss,
				    &cli->err);
	if (cli->fmt == OP_FMT_JSON)
		fputs(ss.n ? "]\n" : "[]\n", cli->out);
	if (n < 0)
		rc = cli_fail(cli);
	else if (n == 0)
		rc = cli_error(cli, EX_NOINPUT, "%s %s has no history yet (it is written at "
			       "each sync, or by 'outpost history commit')", t->name, id);
	free(id);
	close_history(cli, h);
	return rc;
}

static int cmd_show(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "reverse", 1, NULL }, { "repo", 0, NULL }, { "key", 0, NULL },
				  { "json", 1, NULL }, { NULL, 0, NULL } };
	const char *pos[2];
	int npos, rc;

	if ((rc = begin(cli, argc, argv, spec, pos, 2, 2, &npos, 0)) >= 0)
		return rc;
	const struct kind *k = kind_of(pos[0]);
	if (!k || !op_table_by_name(k->table))
		return cli_error(cli, EX_USAGE, "'%s' is not a kind of record (customer, order, "
				 "item, product, staff, branch, ticket, step, followup)", pos[0]);
	return show(cli, k, pos[1], spec);
}

static int cmd_customer(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "reverse", 1, NULL }, { "repo", 0, NULL }, { "key", 0, NULL },
				  { "json", 1, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	int npos, rc;

	if ((rc = begin(cli, argc, argv, spec, pos, 1, 1, &npos, 0)) >= 0)
		return rc;
	return show(cli, kind_of("customer"), pos[0], spec);
}

/* ------------------------------------------------------------ restore */

static int cmd_restore(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "at", 0, NULL }, { "to", 0, NULL }, { "repo", 0, NULL }, { "key", 0, NULL },
				  { NULL, 0, NULL } };
	const char *pos[1];
	struct op_history_restored res;
	op_history *h = NULL;
	time_t at;
	char when[24];
	int npos, rc;

	if ((rc = begin(cli, argc, argv, spec, pos, 0, 0, &npos, 0)) >= 0)
		return rc;
	if (!cli_opt(spec, "at") || !cli_opt(spec, "to")) {
		cli_usage(cli->cmd, stderr);
		return cli_error(cli, EX_USAGE, "restore needs --at DATE and --to FILE.db");
	}
	if (op_history_parse_time(cli_opt(spec, "at"), &at) < 0)
		return cli_error(cli, EX_DATAERR, "at: '%s' is not a date (YYYY-MM-DD) or a time "
				 "(YYYY-MM-DD HH:MM[:SS], UTC)", cli_opt(spec, "at"));
	if (open_history(cli, spec, &h) < 0)
		return cli_fail(cli);
	rc = op_history_restore(h, at, cli_opt(spec, "to"), &res, &cli->err);
	close_history(cli, h);
	if (rc < 0)
		return cli_fail(cli);
	/* A whole store leaves the history in readable form: audited, where
	 * there is a store to hold the record. */
	if (cli->db && cli_audit(cli, (int64_t)res.records, 1) < 0)
		return cli_fail(cli);
	utc(res.time, when);
	fprintf(cli->out, "restored %llu records of %s%s as of commit %.10s (%s UTC) into %s\n",
		(unsigned long long)res.records, res.site, res.hq ? " (HQ)" : "", res.commit,
		when, cli_opt(spec, "to"));
	return 0;
}

/* ------------------------------------------------------------ push */

static int cmd_push(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "repo", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	struct op_history_pushed res;
	op_history *h = NULL;
	int npos, rc;

	if ((rc = begin(cli, argc, argv, spec, pos, 1, 1, &npos, 1)) >= 0)
		return rc;
	char *pk = op_db_meta_get(cli->db, "backup_pubkey");
	if (!pk)
		return cli_error(cli, EX_CONFIG, "history push: this store has no backup key, and "
				 "a backup leaves the PC only encrypted; an admin makes one with "
				 "'outpost history keygen --secret FILE' (FILE stays with the admin)");
	if (open_history(cli, spec, &h) < 0) {
		free(pk);
		return cli_fail(cli);
	}
	rc = op_sealed_push(h, pos[0], pk, &res, &cli->err);
	free(pk);
	close_history(cli, h);
	if (rc < 0)
		return cli_fail(cli);
	if (res.created)
		fprintf(cli->out, "created %s\n", pos[0]);
	if (res.commits == 0)
		fprintf(cli->out, _("%s is up to date\n"), pos[0]);
	else
		fprintf(cli->out, P_("pushed %llu commit (%llu objects) to %s\n",
				     "pushed %llu commits (%llu objects) to %s\n", res.commits),
			(unsigned long long)res.commits, (unsigned long long)res.objects, pos[0]);
	return 0;
}

/* ------------------------------------------------------------ keygen */

static int cmd_keygen(struct op_cli *cli, int argc, char **argv)
{
	struct cli_opt spec[] = { { "secret", 0, NULL }, { NULL, 0, NULL } };
	const char *pos[1];
	char pk[65];
	int npos, rc;

	if ((rc = begin(cli, argc, argv, spec, pos, 0, 0, &npos, 1)) >= 0)
		return rc;
	if (!cli_opt(spec, "secret"))
		return cli_error(cli, EX_USAGE, "keygen needs --secret FILE: where the secret "
				 "key goes (a USB stick the admin keeps, not this PC's disk)");
	if (op_sealed_keygen(cli_opt(spec, "secret"), pk, &cli->err) < 0)
		return cli_fail(cli);
	if (op_db_meta_set(cli->db, "backup_pubkey", pk) < 0)
		return cli_fail(cli);
	fprintf(cli->out, _("backup key %.16s…: the public key is in the store (history push "
		"seals to it); the secret key is in %s (mode 600): keep it off this PC, "
		"restores need it\n"), pk, cli_opt(spec, "secret"));
	return 0;
}

const struct op_cmd op_cmds_history[] = {
	{ "history", "commit", cmd_commit, "history commit [--full] [--repo PATH]",
	  "write the records changed since the last history commit (outpostd does this "
	  "after each sync)" },
	{ "history", "log", cmd_log, "history log [--limit N] [--repo PATH [--key FILE]] [--json]",
	  "the history's commits, newest first (50 unless --limit)" },
	{ "history", "show", cmd_show,
	  "history show KIND REF [--reverse] [--repo PATH [--key FILE]] [--json]",
	  "a record's timeline: when, who, from which branch, which fields changed "
	  "(KIND: customer order item product staff branch ticket step followup)" },
	{ "history", "customer", cmd_customer,
	  "history customer REF [--reverse] [--repo PATH [--key FILE]] [--json]",
	  "a customer's timeline (REF may be a deleted customer's id or its 6+ first "
	  "or last characters)" },
	{ "history", "restore", cmd_restore,
	  "history restore --at DATE|'DATE HH:MM[:SS]' --to FILE.db [--repo PATH [--key FILE]]",
	  "a new store holding the data as it was then (UTC; a date alone means the end "
	  "of that day)" },
	{ "history", "push", cmd_push, "history push DIR [--repo PATH]",
	  "an encrypted off-site backup of the history (a USB disk, a share), sealed to "
	  "the backup key; only what DIR lacks is sent" },
	{ "history", "keygen", cmd_keygen, "history keygen --secret FILE",
	  "make the backup key: the secret key into FILE (for the admin to keep), the "
	  "public key into the store" },
	{ NULL, NULL, NULL, NULL, NULL },
};
