/*
 * tz.h — the store's time zone: UTC as stored, local as people read and
 * type it, and the local business day that dates and numbers use.
 *
 * Every timestamp in the store is UTC text "YYYY-MM-DD HH:MM:SS"; calendar
 * dates (order_date, next_due, birthdays) are local business dates. A store
 * has one zone (meta 'tz', set by `outpost init --tz`), kept per store and
 * never synced: HQ shows times in HQ's zone, a branch in its own, and an
 * order number carries the business day of the site that made it. Zones are
 * IANA names resolved by ICU (DST and historical offsets included).
 */
#ifndef OP_TZ_H
#define OP_TZ_H

#include <stddef.h>
#include <time.h>

typedef struct op_tz op_tz;

/* The zone used when none is given: $TZ when it names a zone, else the
 * system's (/etc/timezone, the /etc/localtime link), else Asia/Shanghai.
 * Writes a NUL-terminated IANA name into out. */
void op_tz_default(char *out, size_t n);

/* Open zone (an IANA name such as "Asia/Shanghai"). Returns 0, or -1 for a
 * name ICU does not know (no *out). Free with op_tz_free (NULL-safe). */
int op_tz_open(op_tz **out, const char *zone);
void op_tz_free(op_tz *tz);
const char *op_tz_name(const op_tz *tz);

/* Minutes east of UTC at the instant t ("+480" for Beijing). */
int op_tz_offset(op_tz *tz, time_t t);

/* UTC text -> local text, "YYYY-MM-DD HH:MM:SS" (out 20 bytes). Accepts a
 * 'T' for the space, no seconds, fractions and a trailing 'Z' (dropped).
 * Returns 0, or -1 when in is not such a timestamp (out unchanged). */
int op_tz_local(op_tz *tz, char *out, size_t n, const char *utc);

/* Local wall time (as op_valid_datetime writes it; a bare date is its
 * local midnight) -> UTC text. A time that
 * a DST change skips or repeats resolves as ICU's lenient calendar does
 * (the later offset). Returns 0 or -1 as above. */
int op_tz_utc(op_tz *tz, char *out, size_t n, const char *local);

/* The local business date of instant t, "YYYY-MM-DD" (out 11 bytes). */
void op_tz_date(op_tz *tz, char *out, size_t n, time_t t);

#endif
