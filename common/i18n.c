/*
 * i18n.c - the reader's language and time zone, per thread (see i18n.h).
 *
 * Lookups: one text domain per language ("gatewayd-fr"), bound to our own
 * locale directory, read with dgettext() under a C.UTF-8 LC_MESSAGES
 * locale that this thread uses for the one call (uselocale()).  glibc
 * looks a catalog up by the name of the thread's LC_MESSAGES locale;
 * "C.UTF-8" (built into libc, never missing) is looked up as
 * LOCALEDIR/C.UTF-8, C.utf8, then C: our catalogs sit in C/LC_MESSAGES.
 * In the plain "C" locale glibc would not look at all, and a named
 * locale such as fr_FR.UTF-8 would have to be generated on the machine
 * first.  dgettext() itself is thread-safe.
 *
 * This file needs libc only (gw_common, so that any library may use
 * _()); dates and zones are ICU's, in i18n_date.c (gw_i18n), which hands
 * its zone check over when it is linked in.
 */
#include "i18n.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

#ifndef GW_LANGUAGES
#define GW_LANGUAGES "en"
#endif
#ifndef GW_LOCALEDIR
#define GW_LOCALEDIR "/usr/share/gatewayd/locale"
#endif

#define DOMAIN_PREFIX "gatewayd-"

static locale_t msg_locale = (locale_t)0;
static char locale_dir[PATH_MAX + 64];
static char def_lang[I18N_LANG_MAX] = "en";
static char def_zone[I18N_ZONE_MAX] = "UTC";

/* Set by i18n_date.c (ICU); without it any plausible name is kept. */
static int (*zone_check)(const char *zone);

static __thread char tls_lang[I18N_LANG_MAX];
static __thread char tls_zone[I18N_ZONE_MAX];

/* ---- languages ---- */

int i18n_lang_valid(const char *lang)
{
	const char *p = GW_LANGUAGES;
	size_t n;

	if (lang == NULL || (n = strlen(lang)) == 0 || n >= I18N_LANG_MAX)
		return 0;
	while (*p != '\0') {
		size_t w = strcspn(p, " ");

		if (w == n && strncmp(p, lang, n) == 0)
			return 1;
		p += w;
		p += strspn(p, " ");
	}
	return 0;
}

const char *i18n_languages(void)
{
	return GW_LANGUAGES;
}

const char *i18n_lang_canonical(const char *lang)
{
	static __thread char out[I18N_LANG_MAX];
	size_t i;

	if (lang == NULL)
		return NULL;
	for (i = 0; lang[i] != '\0' && lang[i] != '_' && lang[i] != '-' && lang[i] != '.' &&
		    i + 1 < sizeof(out); i++)
		out[i] = (char)(lang[i] >= 'A' && lang[i] <= 'Z' ? lang[i] - 'A' + 'a' : lang[i]);
	out[i] = '\0';
	return i18n_lang_valid(out) ? out : NULL;
}

/* ---- the catalogs ---- */

static int dir_has_catalogs(const char *dir)
{
	char p[PATH_MAX + 128];
	struct stat st;

	snprintf(p, sizeof(p), "%s/C/LC_MESSAGES", dir);
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void find_locale_dir(void)
{
	const char *env = getenv("GATEWAYD_LOCALEDIR");
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	ssize_t n;

	if (env != NULL && *env != '\0') {
		snprintf(locale_dir, sizeof(locale_dir), "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
#ifdef GW_BUILD_LOCALEDIR
		/* a program of the build tree reads the build's catalogs */
		size_t b = strlen(GW_BUILD_ROOT);
		if (strncmp(exe, GW_BUILD_ROOT, b) == 0 && exe[b] == '/' &&
		    dir_has_catalogs(GW_BUILD_LOCALEDIR)) {
			snprintf(locale_dir, sizeof(locale_dir), "%s", GW_BUILD_LOCALEDIR);
			return;
		}
#endif
		/* PREFIX/sbin/gatewayd, PREFIX/libexec/gatewayd/gatewayd-pipe-local */
		for (int up = 1; up <= 2; up++) {
			slash = strrchr(exe, '/');
			if (slash == NULL)
				break;
			*slash = '\0';
			snprintf(cand, sizeof(cand), "%s/../share/gatewayd/locale", exe);
			if (dir_has_catalogs(cand)) {
				snprintf(locale_dir, sizeof(locale_dir), "%s", cand);
				return;
			}
		}
	}
	snprintf(locale_dir, sizeof(locale_dir), "%s", GW_LOCALEDIR);
}

int i18n_init(char **error_r)
{
	const char *p = GW_LANGUAGES;

	/* LANGUAGE would be consulted before the thread's locale name */
	unsetenv("LANGUAGE");
	if (msg_locale == (locale_t)0) {
		msg_locale = newlocale(LC_MESSAGES_MASK, "C.UTF-8", (locale_t)0);
		if (msg_locale == (locale_t)0) {
			*error_r = xasprintf("cannot load the C.UTF-8 locale: %s", strerror(errno));
			return -1;
		}
	}
	find_locale_dir();
	while (*p != '\0') {
		size_t w = strcspn(p, " ");
		char domain[64];

		snprintf(domain, sizeof(domain), DOMAIN_PREFIX "%.*s", (int)w, p);
		if (strcmp(domain, DOMAIN_PREFIX "en") != 0) {
			bindtextdomain(domain, locale_dir);
			bind_textdomain_codeset(domain, "UTF-8");
		}
		p += w;
		p += strspn(p, " ");
	}
	if (!dir_has_catalogs(locale_dir)) {
		*error_r = xasprintf("no message catalogs in %s: pages and emails will be in English",
				     locale_dir);
		return -1;
	}
	return 0;
}

const char *i18n_locale_dir(void)
{
	return locale_dir;
}

/* ---- lookups ---- */

static const char *lookup_in(const char *lang, const char *msgid, const char *plural,
			     unsigned long n)
{
	char domain[I18N_LANG_MAX + sizeof(DOMAIN_PREFIX)];
	const char *r;
	locale_t old;

	if (strcmp(lang, "en") == 0 || msg_locale == (locale_t)0)
		return plural == NULL || n == 1 ? msgid : plural;
	snprintf(domain, sizeof(domain), DOMAIN_PREFIX "%s", lang);
	old = uselocale(msg_locale);
	r = plural != NULL ? dngettext(domain, msgid, plural, n) : dgettext(domain, msgid);
	uselocale(old);
	return r;
}

const char *gw_gettext(const char *msgid)
{
	return lookup_in(i18n_lang(), msgid, NULL, 0);
}

const char *gw_ngettext(const char *msgid, const char *plural, unsigned long n)
{
	return lookup_in(i18n_lang(), msgid, plural, n);
}

const char *gw_pgettext(const char *context, const char *msgid)
{
	char key[512];
	const char *r;

	if (snprintf(key, sizeof(key), "%s\004%s", context, msgid) >= (int)sizeof(key))
		return msgid;
	r = lookup_in(i18n_lang(), key, NULL, 0);
	return r == key ? msgid : r;
}

const char *i18n_lang_name(const char *lang)
{
	char saved[I18N_LANG_MAX];
	const char *r;

	if (!i18n_lang_valid(lang))
		return lang != NULL ? lang : "";
	memcpy(saved, tls_lang, sizeof(saved));
	snprintf(tls_lang, sizeof(tls_lang), "%s", lang);
	/* TRANSLATORS: the name of your language, in your language. */
	r = pgettext("language name", "English");
	memcpy(tls_lang, saved, sizeof(tls_lang));
	return r;
}

/* ---- readers ---- */

void i18n_set_zone_check(int (*check)(const char *zone))
{
	zone_check = check;
}

static int zone_ok(const char *zone)
{
	size_t n = strlen(zone);

	if (zone_check != NULL)
		return zone_check(zone);
	return n > 0 && n < I18N_ZONE_MAX && strstr(zone, "..") == NULL &&
	       strspn(zone, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789/_+-") == n;
}

void i18n_defaults(const char *lang, const char *zone)
{
	const char *l = i18n_lang_canonical(lang);

	if (l != NULL)
		snprintf(def_lang, sizeof(def_lang), "%s", l);
	if (zone != NULL && zone_ok(zone))
		snprintf(def_zone, sizeof(def_zone), "%s", zone);
}

const char *i18n_default_lang(void)
{
	return def_lang;
}

const char *i18n_default_zone(void)
{
	return def_zone;
}

void i18n_reader_set(const char *lang, const char *zone)
{
	const char *l = lang != NULL && *lang != '\0' ? i18n_lang_canonical(lang) : NULL;

	snprintf(tls_lang, sizeof(tls_lang), "%s", l != NULL ? l : "");
	if (zone != NULL && *zone != '\0' && strlen(zone) < sizeof(tls_zone) && zone_ok(zone))
		snprintf(tls_zone, sizeof(tls_zone), "%s", zone);
	else
		tls_zone[0] = '\0';
}

void i18n_reader_reset(void)
{
	tls_lang[0] = '\0';
	tls_zone[0] = '\0';
}

const char *i18n_lang(void)
{
	return tls_lang[0] != '\0' ? tls_lang : def_lang;
}

const char *i18n_zone(void)
{
	return tls_zone[0] != '\0' ? tls_zone : def_zone;
}

void i18n_reader_save(struct i18n_saved *s)
{
	memcpy(s->lang, tls_lang, sizeof(s->lang));
	memcpy(s->zone, tls_zone, sizeof(s->zone));
}

void i18n_reader_restore(const struct i18n_saved *s)
{
	memcpy(tls_lang, s->lang, sizeof(tls_lang));
	memcpy(tls_zone, s->zone, sizeof(tls_zone));
}

