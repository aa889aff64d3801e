/*
 * syncout.h — what cmd_sync.c (keys, peers, conflicts), cmd_status.c
 * (sync status) and web_sync.c (同步) share: one-value queries, ages for
 * people, records assembled for op_out_record / op_out_row, and the
 * fields sync status shows of schema/syncstat.h's figures. Client-internal.
 */
#ifndef OP_SYNCOUT_H
#define OP_SYNCOUT_H

#include <stdint.h>
#include <stdio.h>
#include "cli.h"
#include "out.h"
#include "syncstat.h"

/* A record being assembled for op_out_record / op_out_row: it owns copies
 * of its values. */
#define REC_MAX 24
struct rec {
	int n;
	const char *names[REC_MAX];
	char *vals[REC_MAX];
	enum op_kind kinds[REC_MAX];
};

void rec_put(struct rec *r, const char *name, const char *v, enum op_kind k);
void rec_int(struct rec *r, const char *name, int64_t v);
/* Column i of the current row of st, NULL staying NULL. */
void rec_col(struct rec *r, const char *name, sqlite3_stmt *st, int i);
void rec_clear(struct rec *r);
void rec_print(struct op_cli *cli, const struct rec *r);
/* The fields of r as JSON members, without the braces. */
void rec_json_members(FILE *fp, const struct rec *r);

/* `--json` given after the command name works like the global option. */
void json_opt(struct op_cli *cli, const struct cli_opt *spec);
/* 0, or -1 with cli->err set when the store has no site yet. */
int need_site(struct op_cli *cli);
/* One integer from the first column of a one-row query; *isnull says the
 * value was NULL (then *v is 0). 0 or -1 with the db error set. */
int one_int(op_db *db, sqlite3_stmt *st, int64_t *v, int *isnull);
int64_t now_ms(void);
/* "42s", "5m 03s", "2h 10m", "3d 4h": an age for people. */
void fmt_age(char *out, size_t n, int64_t s);

/* The fields `sync status` shows of s (a branch's, or HQ's totals) into
 * r, in order; human: for people (ages in words, "never"), else for
 * machines (numbers, null). */
void sync_status_fields(const struct op_sync_status *s, int human, struct rec *r);
/* The same for one branch of an HQ store: its row of the branch table,
 * whose columns are sync_branch_cols. */
void sync_branch_fields(const struct op_health_branch *b, int human, struct rec *r);
extern const char *const sync_branch_cols[];
extern const int sync_branch_ncols;

#endif
