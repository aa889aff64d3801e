/*
 * main.c — `outpostd`, the sync daemon: options and config file in, one
 * call to op_daemon_run out. SIGTERM/SIGINT stop it cleanly (the loop
 * finishes the message in hand; every apply is one transaction, so nothing
 * is ever half-applied). Tells systemd it is ready when NOTIFY_SOCKET is set
 * (Type=notify), without linking libsystemd.
 */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "daemon.h"
#include "health.h"
#include "db.h"
#include "sync.h"
#include "protocol.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

static void usage(FILE *fp)
{
	fputs("usage: outpostd --hq --db HQ.db --listen tcp://ADDR:PORT [options]\n"
	      "       outpostd --branch --db BRANCH.db --connect tcp://HOST:PORT [--once] [options]\n\n"
	      "options:\n"
	      "  --config FILE      INI file; keys are these option names (db=, listen=, ...)\n"
	      "  --key FILE         this site's secret key (default DB.key)\n"
	      "  --hq-key KEY       HQ's public key (default: set by 'outpost peer hq')\n"
	      "  --once             branch: sync both ways until drained, then exit 0\n"
	      "  --timeout SECONDS  with --once: exit 69 if HQ is not reached (default 30)\n"
	      "  --heartbeat SECONDS  ping interval; 3 missed = peer dead (default 5)\n"
	      "  --max-ahead SECONDS  clock bound for hybrid logical clocks (default 300)\n"
	      "  --log-level LEVEL  error|warning|info|debug (default info)\n"
	      "  --classify-every SECONDS  HQ: reclassify customers after sync at most\n"
	      "                     this often (default 300; 0: never)\n"
	      "  --history PATH     history repository (default DB.git); --no-history: none\n"
	      "  --backup DIR       take verified snapshots of the store into DIR (repeat for\n"
	      "                     more targets), even while HQ cannot be reached\n"
	      "  --backup-every SECONDS  how often (default 86400)\n"
	      "  --backup-keep DAILY,WEEKLY  retention (default 7,4)\n"
	      "  --backup-now       with --db and --backup: one snapshot now, then exit\n"
	      "                     (a systemd timer where no daemon runs)\n"
	      "  --version, --help\n", fp);
}

static int level_of(const char *s)
{
	if (!strcmp(s, "error")) return OP_LOG_ERR;
	if (!strcmp(s, "warning")) return OP_LOG_WARN;
	if (!strcmp(s, "info")) return OP_LOG_INFO;
	if (!strcmp(s, "debug")) return OP_LOG_DEBUG;
	return -1;
}

static int num(const char *opt, const char *v, long lo, long hi, long *out)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < lo || n > hi) {
		fprintf(stderr, "outpostd: %s: '%s' is not a number from %ld to %ld\n",
			opt, v, lo, hi);
		return -1;
	}
	*out = n;
	return 0;
}

/* Replace a string option; the config owns its strings. */
static void set_str(const char **slot, const char *v)
{
	free((char *)*slot);
	*slot = strdup(v);
}

static void free_cfg(struct op_dcfg *c)
{
	free((char *)c->db);
	free((char *)c->endpoint);
	free((char *)c->key_file);
	free((char *)c->hq_key);
	free((char *)c->history);
	for (int i = 0; i < c->backup.ntargets; i++)
		free((char *)c->backup.targets[i]);
}

/* Set one option by name (from argv or the config file); strings are
 * kept (strdup) for the life of the process. */
static int set_opt(struct op_dcfg *c, const char *k, const char *v, int *role)
{
	long n;
	if (!strcmp(k, "hq")) { *role = 1; return 0; }
	if (!strcmp(k, "branch")) { *role = 2; return 0; }
	if (!strcmp(k, "once")) { c->once = 1; return 0; }
	if (!strcmp(k, "no-history")) { c->no_history = 1; return 0; }
	if (!strcmp(k, "backup-now")) { c->backup_now = 1; return 0; }
	if (!v) {
		fprintf(stderr, "outpostd: option '%s' needs a value\n", k);
		return -1;
	}
	if (!strcmp(k, "db")) set_str(&c->db, v);
	else if (!strcmp(k, "listen") || !strcmp(k, "connect")) set_str(&c->endpoint, v);
	else if (!strcmp(k, "key")) set_str(&c->key_file, v);
	else if (!strcmp(k, "hq-key")) set_str(&c->hq_key, v);
	else if (!strcmp(k, "history")) set_str(&c->history, v);
	else if (!strcmp(k, "backup")) {
		if (c->backup.ntargets >= OP_BACKUP_MAX_TARGETS) {
			fprintf(stderr, "outpostd: at most %d backup targets\n", OP_BACKUP_MAX_TARGETS);
			return -1;
		}
		c->backup.targets[c->backup.ntargets++] = strdup(v);
	} else if (!strcmp(k, "backup-every")) {
		if (num(k, v, 60, 86400 * 30, &n) < 0) return -1;
		c->backup.every_s = (int)n;
	} else if (!strcmp(k, "backup-keep")) {
		int dd, ww, used = 0;
		if (sscanf(v, "%d,%d%n", &dd, &ww, &used) != 2 || v[used] || dd < 0 || ww < 0 ||
		    dd > 10000 || ww > 10000) {
			fprintf(stderr, "outpostd: backup-keep: '%s' is not DAILY,WEEKLY (e.g. 7,4)\n", v);
			return -1;
		}
		c->backup.daily = dd;
		c->backup.weekly = ww;
	}
	else if (!strcmp(k, "timeout")) {
		if (num(k, v, 1, 86400, &n) < 0) return -1;
		c->timeout_s = (int)n;
	} else if (!strcmp(k, "classify-every")) {
		if (num(k, v, 0, 86400 * 7, &n) < 0) return -1;
		c->classify_s = (int)n;
	} else if (!strcmp(k, "heartbeat")) {
		if (num(k, v, 1, 3600, &n) < 0) return -1;
		c->heartbeat_s = (int)n;
	} else if (!strcmp(k, "max-ahead")) {
		if (num(k, v, 1, 86400 * 30, &n) < 0) return -1;
		c->max_ahead_ms = n * 1000;
	} else if (!strcmp(k, "log-level")) {
		if ((c->log_level = level_of(v)) < 0) {
			fprintf(stderr, "outpostd: log-level: '%s' is not error, warning, info "
				"or debug\n", v);
			return -1;
		}
	} else {
		fprintf(stderr, "outpostd: unknown option '%s'\n", k);
		return -1;
	}
	return 0;
}

/* Options that take no value. */
static int flag_opt(const char *k)
{
	return !strcmp(k, "hq") || !strcmp(k, "branch") || !strcmp(k, "once") ||
	       !strcmp(k, "no-history") || !strcmp(k, "backup-now");
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int read_config(struct op_dcfg *c, const char *path, int *role)
{
	FILE *fp = fopen(path, "r");
	char line[1024];
	int lineno = 0;
	if (!fp) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *s = trim(line), *eq;
		lineno++;
		if (!*s || *s == '#' || *s == ';' || *s == '[')
			continue;
		if (!(eq = strchr(s, '='))) {
			fprintf(stderr, "outpostd: %s:%d: expected key = value\n", path, lineno);
			fclose(fp);
			return -1;
		}
		*eq = '\0';
		char *k = trim(s), *v = trim(eq + 1);
		if (flag_opt(k) &&
		    strcmp(v, "true") && strcmp(v, "1") && strcmp(v, "yes"))
			continue;
		if (!strcmp(k, "role")) {
			k = v;
			v = NULL;
		}
		if (set_opt(c, k, v, role) < 0) {
			fprintf(stderr, "outpostd: in %s line %d\n", path, lineno);
			fclose(fp);
			return -1;
		}
	}
	fclose(fp);
	return 0;
}

static void notify_ready(void) { op_health_notify("READY=1"); }

/* --backup-now: one snapshot into every --backup target, retention, exit. */
static int backup_now(const struct op_dcfg *cfg)
{
	op_db *db = NULL;
	op_err e = { 0 };
	struct op_backup_result res;
	int rc = 0;

	op_log_set_level(cfg->log_level);
	if (!cfg->db || !cfg->backup.ntargets) {
		fprintf(stderr, "outpostd: --backup-now needs --db and --backup DIR\n");
		return EX_USAGE;
	}
	if (op_db_open(&db, cfg->db, OP_DB_DAEMON, &e) < 0 ||
	    op_backup_run(db, &cfg->backup, op_backup_now(&cfg->backup), &res, &e) < 0) {
		op_log(OP_LOG_ERR, "backup: %s", e.msg);
		rc = e.code ? e.code : EX_SOFTWARE;
	}
	if (db && res.written)
		op_log(OP_LOG_INFO, "backup: snapshot %s (%.1f MiB) in %d of %d targets; "
		       "retention removed %d", res.name, (double)res.bytes / 1048576.0,
		       res.written, cfg->backup.ntargets, res.removed);
	op_db_free(db);
	return rc;
}

int main(int argc, char **argv)
{
	struct op_dcfg cfg;
	int role = 0, rc = 0;

	op_dcfg_default(&cfg);
	/* Not for people: the daemon's own background pack merge. */
	if (argc == 3 && !strcmp(argv[1], OP_REPACK_OPTION))
		return op_daemon_repack(argv[2]);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			goto out;
		}
		if (!strcmp(a, "--version")) {
			printf("outpostd 0.1.0 (protocol %d)\n", OP_PROTO_VERSION);
			goto out;
		}
		if (strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "outpostd: unexpected argument '%s'\n", a);
			usage(stderr);
			{ rc = EX_USAGE; goto out; }
		}
		char key[64];
		const char *v = NULL, *eq = strchr(a + 2, '=');
		snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - a - 2) : 63, a + 2);
		if (eq)
			v = eq + 1;
		else if (!flag_opt(key) && i + 1 < argc)
			v = argv[++i];
		if (!strcmp(key, "config")) {
			if (!v || read_config(&cfg, v, &role) < 0)
				{ rc = EX_CONFIG; goto out; }
			continue;
		}
		if (set_opt(&cfg, key, v, &role) < 0) {
			usage(stderr);
			{ rc = EX_USAGE; goto out; }
		}
	}
	if (cfg.backup_now) {
		rc = backup_now(&cfg);
		goto out;
	}
	if (!role || !cfg.db || !cfg.endpoint) {
		fprintf(stderr, "outpostd: need --hq or --branch, --db, and --listen or --connect\n");
		usage(stderr);
		{ rc = EX_USAGE; goto out; }
	}
	cfg.hq = role == 1;
	if (cfg.once && cfg.hq) {
		fprintf(stderr, "outpostd: --once is for branches\n");
		{ rc = EX_USAGE; goto out; }
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	cfg.ready = notify_ready;
	rc = op_daemon_run(&cfg, &stop);
out:
	free_cfg(&cfg);
	return rc;
}
