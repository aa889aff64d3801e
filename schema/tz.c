/*
 * tz.c — UTC <-> the store's local time through ICU's calendar (see tz.h).
 *
 * ICU rather than TZ=/localtime_r: the zone is the store's, not the
 * process's, and several stores (HQ's view of branches, tests) may be open
 * in one process; setenv("TZ") is neither thread-safe nor per store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>
#include "tz.h"

struct op_tz {
	UCalendar *cal;
	char name[64];
};

static int zone_known(const char *zone)
{
	UChar id[64], canon[64];
	UBool sys = 0;
	UErrorCode st = U_ZERO_ERROR;

	if (!zone || !*zone || strlen(zone) >= 63)
		return 0;
	u_uastrcpy(id, zone);
	ucal_getCanonicalTimeZoneID(id, -1, canon, 64, &sys, &st);
	return U_SUCCESS(st) && sys;
}

void op_tz_default(char *out, size_t n)
{
	const char *env = getenv("TZ");
	char buf[256];
	FILE *fp;
	ssize_t len;

	if (env && *env == ':')
		env++;
	if (env && zone_known(env)) {
		snprintf(out, n, "%s", env);
		return;
	}
	if ((fp = fopen("/etc/timezone", "r"))) {
		if (fgets(buf, sizeof(buf), fp)) {
			buf[strcspn(buf, " \t\r\n")] = '\0';
			if (zone_known(buf)) {
				fclose(fp);
				snprintf(out, n, "%s", buf);
				return;
			}
		}
		fclose(fp);
	}
	len = readlink("/etc/localtime", buf, sizeof(buf) - 1);
	if (len > 0) {
		buf[len] = '\0';
		const char *z = strstr(buf, "zoneinfo/");
		if (z && zone_known(z + 9)) {
			snprintf(out, n, "%s", z + 9);
			return;
		}
	}
	snprintf(out, n, "%s", "Asia/Shanghai");
}

int op_tz_open(op_tz **out, const char *zone)
{
	UChar id[64];
	UErrorCode st = U_ZERO_ERROR;
	op_tz *tz;

	*out = NULL;
	if (!zone_known(zone) || !(tz = calloc(1, sizeof(*tz))))
		return -1;
	u_uastrcpy(id, zone);
	tz->cal = ucal_open(id, -1, "en_US_POSIX", UCAL_GREGORIAN, &st);
	if (U_FAILURE(st)) {
		free(tz);
		return -1;
	}
	snprintf(tz->name, sizeof(tz->name), "%s", zone);
	*out = tz;
	return 0;
}

void op_tz_free(op_tz *tz)
{
	if (!tz)
		return;
	ucal_close(tz->cal);
	free(tz);
}

const char *op_tz_name(const op_tz *tz) { return tz->name; }

static int offset_ms(op_tz *tz, UDate ms)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t zo, dst;

	ucal_setMillis(tz->cal, ms, &st);
	zo = ucal_get(tz->cal, UCAL_ZONE_OFFSET, &st);
	dst = ucal_get(tz->cal, UCAL_DST_OFFSET, &st);
	return U_SUCCESS(st) ? zo + dst : 0;
}

int op_tz_offset(op_tz *tz, time_t t)
{
	return offset_ms(tz, (UDate)t * 1000.0) / 60000;
}

/* "YYYY-MM-DD[ T]HH:MM[:SS][.fff][Z]" -> broken-down fields; with
 * date_ok a bare "YYYY-MM-DD" too (midnight). */
static int parse_ts(const char *s, struct tm *tm, int date_ok)
{
	int y, mo, d, h = 0, mi = 0, se = 0, used = 0;
	char sep;

	if (date_ok && s && strlen(s) == 10 &&
	    sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) == 3 && used == 10)
		goto fields;
	if (!s || sscanf(s, "%4d-%2d-%2d%c%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi,
			 &used) != 6 || used != 16 || (sep != ' ' && sep != 'T'))
		return -1;
	s += used;
	if (*s == ':') {
		if (sscanf(s, ":%2d%n", &se, &used) != 1 || used != 3)
			return -1;
		s += used;
		if (*s == '.')
			for (s++; *s >= '0' && *s <= '9'; s++)
				;
	}
	if (*s == 'Z')
		s++;
	if (*s)
		return -1;
fields:
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = se;
	return 0;
}

static void fmt_ts(char *out, size_t n, time_t t, const char *fmt)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, fmt, &tm);
}

int op_tz_local(op_tz *tz, char *out, size_t n, const char *utc)
{
	struct tm tm;
	time_t t;

	if (parse_ts(utc, &tm, 0) < 0)
		return -1;
	t = timegm(&tm);
	t += offset_ms(tz, (UDate)t * 1000.0) / 1000;
	fmt_ts(out, n, t, "%Y-%m-%d %H:%M:%S");
	return 0;
}

int op_tz_utc(op_tz *tz, char *out, size_t n, const char *local)
{
	struct tm tm;
	UErrorCode st = U_ZERO_ERROR;
	UDate ms;

	if (parse_ts(local, &tm, 1) < 0)
		return -1;
	ucal_clear(tz->cal);
	ucal_setDateTime(tz->cal, tm.tm_year + 1900, tm.tm_mon, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, &st);
	ms = ucal_getMillis(tz->cal, &st);
	if (U_FAILURE(st))
		return -1;
	fmt_ts(out, n, (time_t)(ms / 1000.0), "%Y-%m-%d %H:%M:%S");
	return 0;
}

void op_tz_date(op_tz *tz, char *out, size_t n, time_t t)
{
	t += offset_ms(tz, (UDate)t * 1000.0) / 1000;
	fmt_ts(out, n, t, "%Y-%m-%d");
}
