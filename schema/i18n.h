/*
 * i18n.h — the language people read Outpost in: gettext catalogues.
 *
 * Every string a person reads (messages, usage lines, column headers,
 * reminder texts, validation reasons) goes through _() — dgettext over the
 * domain "outpost" — and static tables mark theirs with N_() and translate
 * where they print. What machines read (--json keys, CSV header keys, log
 * lines for operators, the wire protocol) is never translated.
 *
 * The language follows LANGUAGE / LC_ALL / LC_MESSAGES / LANG as gettext
 * does; English (the msgids) under LANG=C. A server picks the language of
 * each reply with op_i18n_lang(), independently of the environment.
 *
 * Catalogues are po/<domain>/<lang>.po, compiled by the Makefile to
 * <localedir>/<lang>/LC_MESSAGES/<domain>.mo. The web screen keeps its
 * page strings in the domain "outpost-web" (bind it with op_i18n_bind).
 */
#ifndef OP_I18N_H
#define OP_I18N_H

#include <libintl.h>

#define OP_TEXTDOMAIN "outpost"

#ifndef _
#define _(s) dgettext(OP_TEXTDOMAIN, (s))
#endif
#define N_(s) (s)
/* s or its plural p, as n asks (the catalogue's Plural-Forms) */
#define P_(s, p, n) dngettext(OP_TEXTDOMAIN, (s), (p), (unsigned long)(n))

/* Set the process locale from the environment (setlocale LC_ALL ""), find
 * the catalogue directory and bind the domain "outpost" to it, in UTF-8.
 * When the environment names a locale this system has not generated
 * (LANG=zh_CN.UTF-8 on a bare Debian), the character set falls back to
 * C.UTF-8 and the language is kept through LANGUAGE, so the catalogue is
 * still used. Idempotent; returns 0, or -1 when no catalogue directory was
 * found (messages then stay English; nothing else changes). */
int op_i18n_init(void);

/* Bind another domain ("outpost-web") to the same directory, in UTF-8.
 * Calls op_i18n_init() first if needed. Returns 0 or -1 as above. */
int op_i18n_bind(const char *domain);

/* The directory the catalogues were found in (static; never NULL after
 * op_i18n_init: the install directory when none was found). Searched in
 * order: $OUTPOST_LOCALEDIR; next to the running binary in a build tree
 * (bin/../build/locale, build-san/bin/../locale, build/locale beside
 * build/unit); the install prefix's share/locale (bin/../share/locale);
 * the compiled-in OP_LOCALEDIR. A directory counts when it holds
 * zh_CN/LC_MESSAGES/outpost.mo. */
const char *op_i18n_dir(void);

/* Choose the language of messages from now on, whatever LANG says: "zh_CN",
 * "zh" (both Simplified Chinese), "en" or "C" (English, the msgids), NULL
 * (back to the environment's choice). Process-wide (it sets LANGUAGE and
 * makes gettext drop its cache): a server calls it at the start of each
 * request on the thread that renders the reply, and must not render two
 * requests in different languages at the same time. Returns 0, or -1 for a
 * language name that is not letters, '_' and '-' (nothing changes). */
int op_i18n_lang(const char *lang);

/* The language messages are in now: "zh_CN" or "en" (static). */
const char *op_i18n_current(void);

#endif
