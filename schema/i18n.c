/*
 * i18n.c — finding and binding the gettext catalogues (see i18n.h).
 *
 * The state kept here is the process's locale, which is process-wide by
 * nature: which directory was bound, and the LANGUAGE the environment
 * started with (so op_i18n_lang(NULL) can put it back).
 */
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "i18n.h"

#ifndef OP_LOCALEDIR
#define OP_LOCALEDIR "/usr/local/share/locale"
#endif

/* glibc's catalogue generation counter: bumped, gettext forgets the
 * translations it cached for the previous LANGUAGE. */
extern int _nl_msg_cat_cntr;

static int inited;
static char localedir[PATH_MAX + 32];
static char env_language[128];	/* LANGUAGE at init, "" when unset */
static int env_language_set;

static int has_catalogue(const char *dir)
{
	char p[PATH_MAX + 64];
	struct stat st;

	if (!dir || !*dir)
		return 0;
	snprintf(p, sizeof(p), "%s/zh_CN/LC_MESSAGES/" OP_TEXTDOMAIN ".mo", dir);
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Candidate directories relative to the running binary's directory. */
static const char *const NEAR_EXE[] = {
	"../build/locale",	/* bin/outpost in the source tree */
	"../locale",		/* build-san/bin/outpost */
	"locale",		/* build/unit, build/tools/x */
	"../../build/locale",	/* build/tools/x from a SANITIZE=... tree */
	"../share/locale",	/* PREFIX/bin/outpost after make install */
	NULL
};

static void find_dir(void)
{
	const char *env = getenv("OUTPOST_LOCALEDIR");
	char exe[PATH_MAX], cand[PATH_MAX + 32];
	ssize_t n;

	if (env && has_catalogue(env)) {
		snprintf(localedir, sizeof(localedir), "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			for (const char *const *c = NEAR_EXE; *c; c++) {
				snprintf(cand, sizeof(cand), "%s/%s", exe, *c);
				if (has_catalogue(cand)) {
					/* realpath only tidies the name; the
					 * unresolved one works as well */
					if (!realpath(cand, localedir))
						snprintf(localedir, sizeof(localedir), "%s", cand);
					return;
				}
			}
		}
	}
	snprintf(localedir, sizeof(localedir), "%s", env && *env ? env : OP_LOCALEDIR);
}

/* The language part of a locale name: "zh_CN.UTF-8@x" -> "zh_CN"; "" for
 * C and POSIX. */
static void lang_of(char *out, size_t n, const char *loc)
{
	size_t len = strcspn(loc, ".@");

	if (len == 0 || strcmp(loc, "POSIX") == 0 ||
	    (len == 1 && loc[0] == 'C'))
		len = 0;
	if (len >= n)
		len = n - 1;
	memcpy(out, loc, len);
	out[len] = '\0';
}

/* The locale the environment asks for messages, as setlocale reads it. */
static const char *env_messages_locale(void)
{
	static const char *const VARS[] = { "LC_ALL", "LC_MESSAGES", "LANG", NULL };

	for (const char *const *v = VARS; *v; v++) {
		const char *s = getenv(*v);
		if (s && *s)
			return s;
	}
	return "C";
}

int op_i18n_init(void)
{
	const char *lg;

	if (inited)
		return has_catalogue(localedir) ? 0 : -1;
	inited = 1;
	lg = getenv("LANGUAGE");
	if (!setlocale(LC_ALL, "")) {
		/* The locale named is not generated here. Keep UTF-8 and the
		 * language: gettext reads LANGUAGE whenever LC_MESSAGES is
		 * not plain C. */
		char want[64];
		lang_of(want, sizeof(want), env_messages_locale());
		setlocale(LC_ALL, "C.UTF-8");
		if (*want && !(lg && *lg))
			setenv("LANGUAGE", want, 1);
	}
	lg = getenv("LANGUAGE");
	env_language_set = lg != NULL;
	snprintf(env_language, sizeof(env_language), "%s", lg ? lg : "");
	find_dir();
	bindtextdomain(OP_TEXTDOMAIN, localedir);
	bind_textdomain_codeset(OP_TEXTDOMAIN, "UTF-8");
	return has_catalogue(localedir) ? 0 : -1;
}

int op_i18n_bind(const char *domain)
{
	int rc = op_i18n_init();

	bindtextdomain(domain, localedir);
	bind_textdomain_codeset(domain, "UTF-8");
	return rc;
}

const char *op_i18n_dir(void)
{
	if (!inited)
		op_i18n_init();
	return localedir;
}

int op_i18n_lang(const char *lang)
{
	if (!inited)
		op_i18n_init();
	if (lang) {
		if (!*lang || strlen(lang) > 32)
			return -1;
		for (const char *p = lang; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      *p == '_' || *p == '-'))
				return -1;
	}
	if (!lang) {
		if (env_language_set)
			setenv("LANGUAGE", env_language, 1);
		else
			unsetenv("LANGUAGE");
	} else if (strcmp(lang, "C") == 0 || strcmp(lang, "en") == 0 ||
		   strncmp(lang, "en_", 3) == 0) {
		setenv("LANGUAGE", "en", 1);
	} else {
		const char *cur = setlocale(LC_MESSAGES, NULL);
		/* under plain C gettext ignores LANGUAGE */
		if (!cur || strcmp(cur, "C") == 0 || strcmp(cur, "POSIX") == 0)
			setlocale(LC_MESSAGES, "C.UTF-8");
		setenv("LANGUAGE", strcmp(lang, "zh") == 0 ? "zh_CN" : lang, 1);
	}
	++_nl_msg_cat_cntr;
	return 0;
}

const char *op_i18n_current(void)
{
	/* The catalogue's header names its language; no catalogue, English. */
	static const char header[] = "";	/* msgid "" is the header */
	const char *h = dgettext(OP_TEXTDOMAIN, header);
	const char *l = h && *h ? strstr(h, "Language: ") : NULL;

	if (l && strncmp(l + 10, "zh", 2) == 0)
		return "zh_CN";
	return "en";
}
