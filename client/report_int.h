/*
 * report_int.h — what report.c shares with remind.c and classify.c, and
 * nothing else includes: the section description (struct sec_def), the
 * resolved parameters of a run (struct params), the SQL fragments more
 * than one file's statements use, and the building steps of report.c
 * (parameters, a new report, its title and meta data, a section run
 * from its statement). Not part of the public interface (report.h).
 */
#ifndef OP_REPORT_INT_H
#define OP_REPORT_INT_H

#include <stdint.h>
#include "report.h"

#define SHARE(x) "100.0 * (" x ") / nullif(sum(" x ") OVER (), 0)"
/* Open (pending or shipped) orders whose expected date has passed. */
#define OVERDUE(a) a ".status IN ('pending', 'shipped')" \
	" AND " a ".expected_date < :today" \
	" AND (:branch IS NULL OR " a ".branch = :branch)"

struct sec_def {
	const char *key, *title, *sql;
	const char *cols;	/* "name:type[*] ...": t i m p n, h hidden scale */
};

struct params {
	const char *from, *to, *pfrom, *today, *now, *branch, *staff, *cls, *freq;
	const char *scope;	/* the reader's row scope (scope.h), or NULL: not bound */
	int64_t limit, days, months;
	char b_from[11], b_to[11], b_pfrom[11], b_today[11], b_now[20], b_branch[17];
};

int op_rp_bind_params(op_db *db, sqlite3_stmt *st, const struct params *p);
int op_rp_params_init(op_db *db, struct params *p, const struct op_report_opts *o,
		int months);
op_report *op_rp_report_new(const char *name);
int op_rp_meta_add(op_report *r, const char *key, const char *val);
int op_rp_set_title(op_report *r, const char *title, const struct params *p,
	      int period);
int op_rp_add_section(op_report *r, op_db *db, const struct sec_def *d,
		const struct params *p);

/* A reminder text for the SQL parameter name (":t_visit"), translated;
 * NULL for an unknown name (remind.c). */
const char *op_rp_text(const char *name);

#endif
