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
 * Dates: ICU's date formats (CLDR), a few formatters per thread for the
 * (language, zone, style) last used, freed when the thread ends.
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

#include <unicode/udat.h>
#include <unicode/ustring.h>

#include "buf.h"
#include "config.h"
#include "tz.h"

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

void i18n_defaults(const char *lang, const char *zone)
{
	const char *l = i18n_lang_canonical(lang);

	if (l != NULL)
		snprintf(def_lang, sizeof(def_lang), "%s", l);
	if (zone != NULL && tz_valid(zone))
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
	if (zone != NULL && *zone != '\0' && strlen(zone) < sizeof(tls_zone) && tz_valid(zone))
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

/* ---- dates ---- */

/* A few formatters per thread, for the (language, zone, style) last used:
 * a page alternates dates, times and zone names of one reader. */
#define FMT_SLOTS 6
#define STYLE_ZONE_NAME 0x0f

struct fmt_slot {
	char lang[I18N_LANG_MAX];
	char zone[I18N_ZONE_MAX];
	int style;
	UDateFormat *fmt;
};

struct fmt_cache {
	struct fmt_slot slot[FMT_SLOTS];
	unsigned next;
};

static pthread_key_t fmt_key;
static pthread_once_t fmt_once = PTHREAD_ONCE_INIT;

static void fmt_free(void *p)
{
	struct fmt_cache *c = p;

	for (int i = 0; i < FMT_SLOTS; i++)
		if (c->slot[i].fmt != NULL)
			udat_close(c->slot[i].fmt);
	free(c);
}

static void fmt_key_make(void)
{
	(void)pthread_key_create(&fmt_key, fmt_free);
}

static UDateFormat *fmt_open(const char *lang, const char *zone, int style)
{
	UChar z[I18N_ZONE_MAX], pat[] = { 'z', 0 };
	UErrorCode st = U_ZERO_ERROR;
	UDateFormat *f;

	u_uastrncpy(z, zone, I18N_ZONE_MAX - 1);
	z[I18N_ZONE_MAX - 1] = 0;
	if (style == STYLE_ZONE_NAME)
		f = udat_open(UDAT_PATTERN, UDAT_PATTERN, lang, z, -1, pat, -1, &st);
	else
		f = udat_open(style == I18N_DATETIME ? UDAT_SHORT : UDAT_NONE,
			      style == I18N_DATE_LONG ? UDAT_LONG : UDAT_MEDIUM, lang, z, -1,
			      NULL, 0, &st);
	if (U_FAILURE(st)) {
		if (f != NULL)
			udat_close(f);
		return NULL;
	}
	return f;
}

static UDateFormat *formatter(const char *lang, const char *zone, int style)
{
	struct fmt_cache *c;
	struct fmt_slot *e;

	pthread_once(&fmt_once, fmt_key_make);
	c = pthread_getspecific(fmt_key);
	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		(void)pthread_setspecific(fmt_key, c);
	}
	for (int i = 0; i < FMT_SLOTS; i++) {
		e = &c->slot[i];
		if (e->fmt != NULL && e->style == style && strcmp(e->lang, lang) == 0 &&
		    strcmp(e->zone, zone) == 0)
			return e->fmt;
	}
	e = &c->slot[c->next++ % FMT_SLOTS];
	if (e->fmt != NULL)
		udat_close(e->fmt);
	e->fmt = fmt_open(lang, zone, style);
	snprintf(e->lang, sizeof(e->lang), "%s", lang);
	snprintf(e->zone, sizeof(e->zone), "%s", zone);
	e->style = style;
	return e->fmt;
}

/* The zone's short name in the reader's language ("UTC+1", "EST"). */
static void zone_name(const char *lang, const char *zone, int64_t t, char *out, size_t size)
{
	UDateFormat *f = formatter(lang, zone, STYLE_ZONE_NAME);
	UErrorCode st = U_ZERO_ERROR;
	UChar buf[64];
	int32_t len;

	out[0] = '\0';
	if (f == NULL)
		return;
	len = udat_format(f, (UDate)t * 1000.0, buf, 64, NULL, &st);
	if (U_SUCCESS(st) && len > 0)
		u_strToUTF8(out, (int32_t)size, NULL, buf, len, &st);
	if (U_FAILURE(st))
		out[0] = '\0';
}

void i18n_format_date(int64_t t, int style, char *out, size_t size)
{
	const char *lang = i18n_lang(), *zone = (style & I18N_UTC) ? "UTC" : i18n_zone();
	int base = style & 0x0f;
	UDateFormat *f = formatter(lang, zone, base);
	UChar buf[128];
	UErrorCode st = U_ZERO_ERROR;
	int32_t len;
	size_t used;

	if (size == 0)
		return;
	out[0] = '\0';
	if (f == NULL) {
		snprintf(out, size, "@%lld", (long long)t);
		return;
	}
	len = udat_format(f, (UDate)t * 1000.0, buf, 128, NULL, &st);
	if (U_FAILURE(st) || len <= 0) {
		snprintf(out, size, "@%lld", (long long)t);
		return;
	}
	u_strToUTF8(out, (int32_t)size, NULL, buf, len, &st);
	if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING) {
		snprintf(out, size, "@%lld", (long long)t);
		return;
	}
	if (base == I18N_DATETIME && !(style & I18N_UTC) &&
	    ((style & I18N_ZONE) ||
	     ((style & I18N_ZONE_IF_OTHER) && strcmp(zone, def_zone) != 0))) {
		char zn[64];

		zone_name(lang, zone, t, zn, sizeof(zn));
		used = strlen(out);
		if (zn[0] != '\0' && used + 1 + strlen(zn) < size)
			snprintf(out + used, size - used, " %s", zn);
	}
}

/* ---- config ---- */

/* A program that links gw_i18n checks [firm] language and timezone against
 * the catalogs and zones it has; gatewayd-pipe, without it, checks the
 * spelling only (config.h). */
static void register_config_checks(void) __attribute__((constructor));
static void register_config_checks(void)
{
	cfg_lang_valid = i18n_lang_valid;
	cfg_zone_valid = tz_valid;
}
