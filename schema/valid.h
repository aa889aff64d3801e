/*
 * valid.h — validation and normalisation of domain values.
 *
 * Every value a person or a file hands Outpost passes through here before it
 * is written: phones, emails, dates, money, quantities, enumerations. Each
 * function returns 0 and writes the canonical form, or -1 and points *why at
 * a static, lowercase reason ("has 10 digits, a mobile number needs 11").
 * Callers add the field name: "phone: has 10 digits ...". Nothing here
 * touches the database; the functions are pure and thread-safe.
 */
#ifndef OP_VALID_H
#define OP_VALID_H

#include <stddef.h>
#include <stdint.h>

/* Phone numbers. Accepted:
 *  - Chinese mobiles: 11 digits starting 1[3-9], with optional +86 / 0086 /
 *    86 prefix and spaces, dashes, dots or parentheses:
 *    "138 0013 8000", "+86 138-0013-8000" -> "+8613800138000"
 *  - Chinese landlines: area code 0XX or 0XXX then a 7-8 digit number,
 *    optional "-ext": "010-12345678", "(0755) 8888 6666", "+86 10 12345678"
 *    -> "+861012345678" (the trunk 0 dropped, E.164)
 *  - International E.164: "+" then 8..15 digits, first digit not 0:
 *    "+1 415 555 2671" -> "+14155552671".
 * Output is E.164 ("+" and digits). A number without "+" that is not a
 * valid Chinese mobile or landline is refused. out needs 17 bytes. */
int op_valid_phone(char *out, size_t outsz, const char *in, const char **why);

/* The digits of a phone-ish string (for search): "+86 138-0013" -> "86138001 3"
 * without separators. Returns the number of digits written. */
size_t op_phone_digits(char *out, size_t outsz, const char *in);

/* Email: one "@", non-empty local part of allowed characters, a domain with
 * at least one dot, labels of letters/digits/hyphens (or UTF-8), no spaces.
 * The domain is lowercased. out needs strlen(in)+1 bytes. */
int op_valid_email(char *out, size_t outsz, const char *in, const char **why);

/* Calendar date -> "YYYY-MM-DD". Accepts YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD,
 * YYYYMMDD, YYYY年MM月DD日, with 1-digit month/day; checks the day exists
 * (leap years). Years 1900..2200. out needs 11 bytes. */
int op_valid_date(char *out, size_t outsz, const char *in, const char **why);

/* Date and time -> "YYYY-MM-DD HH:MM:SS" (local wall time as typed). Accepts
 * a date (time 00:00:00), "DATE HH:MM", "DATE HH:MM:SS", "DATETHH:MM[:SS]".
 * out needs 20 bytes. */
int op_valid_datetime(char *out, size_t outsz, const char *in, const char **why);

/* Money -> integer cents. Accepts "12", "12.5", "12.50", "1,234.56",
 * "¥12", "￥12", "RMB 12", "12元", surrounding spaces. More than two decimals,
 * a negative amount, or more than 10^13 cents is refused. */
int op_valid_money(int64_t *cents, const char *in, const char **why);

/* An integer in [lo, hi]: "3", " 42 ". No decimals, no trailing junk. */
int op_valid_int(int64_t *v, const char *in, int64_t lo, int64_t hi,
		 const char **why);

/* A quantity in a unit counted in steps of 10^-scale (scale 0..3: 件 is
 * counted whole, 米 in 0.01 m): "3.5", "3.50", " 12 " -> *steps = 350 for
 * scale 2. More decimals than the unit has, zero, a negative amount, or
 * more than 10^9 steps is refused. Never goes through floating point. */
#define OP_QTY_MAX_SCALE 3
int op_valid_qty(int64_t *steps, const char *in, int scale, const char **why);

/* steps (a quantity of scale decimals, as above) as text: 350, 2 -> "3.50";
 * 3, 0 -> "3". out needs 32 bytes. */
void op_qty_format(char *out, size_t outsz, int64_t steps, int scale);

/* The exact line total in cents of steps at price cents per whole unit:
 * steps * price / 10^scale, rounded half up to the cent (四舍五入). 0, or
 * -1 when the result exceeds the money limit. */
int op_line_total(int64_t *cents, int64_t steps, int scale, int64_t price);

/* Enumerations. Each set maps many spellings (English, Chinese, short forms,
 * any case) to one canonical English word stored in the database. */
struct op_enum_alias {
	const char *canon;	/* stored value, e.g. "walk-in" */
	const char *aliases;	/* '|'-separated, e.g. "walkin|store|门店|到店" */
};
struct op_enum {
	const char *what;	/* "source channel", used in reasons */
	const struct op_enum_alias *v;	/* terminated by {NULL, NULL} */
};
extern const struct op_enum op_enum_gender;	/* male|female|other: 男 女 */
extern const struct op_enum op_enum_channel;	/* walk-in website social phone referral other */
extern const struct op_enum op_enum_order_status; /* pending shipped delivered completed cancelled returned */
extern const struct op_enum op_enum_payment;	/* cash card wechat alipay transfer credit other */
extern const struct op_enum op_enum_payment_kind; /* deposit balance payment refund */
extern const struct op_enum op_enum_appt_kind; /* measure install repair delivery */
extern const struct op_enum op_enum_ticket_status; /* open in_progress resolved closed */
extern const struct op_enum op_enum_ticket_kind; /* complaint repair return installation enquiry other */
extern const struct op_enum op_enum_role;	/* sales service manager hq admin */

/* Map in to its canonical word; on failure *why lists the accepted words
 * (points into a buffer inside the enum table, static). */
int op_valid_enum(const char **canon, const struct op_enum *e, const char *in,
		  const char **why);

/* True when the order status may move from -> to:
 * pending -> shipped | cancelled; shipped -> delivered | returned;
 * delivered -> completed | returned; completed -> returned.
 * Anything else (including to itself) is refused. */
int op_order_transition_ok(const char *from, const char *to);

/* Decode one code point at s[0..n): its length, or 0 when the bytes are not
 * valid UTF-8 (overlong, surrogate, beyond U+10FFFF, truncated). Stops at a
 * NUL, so n may be SIZE_MAX for a NUL-terminated string. */
size_t op_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* UTF-8 checks: 1 when s is valid UTF-8 (no overlongs, no surrogates). */
int op_utf8_valid(const char *s, size_t n);

/* A trimmed, non-empty text of at most maxchars code points, valid UTF-8,
 * no control characters other than tab. */
int op_valid_text(const char *in, size_t maxchars, const char **why);
/* The same, but line breaks are allowed (notes, addresses). */
int op_valid_lines(const char *in, size_t maxchars, const char **why);

#endif
