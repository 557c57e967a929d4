/*
 * i18n_date.c - dates and times for the current reader, with ICU's date
 * formats (CLDR) in their language and zone (see i18n.h).
 *
 * A few formatters per thread, for the (language, zone, style) last used,
 * freed when the thread ends.  Linked in, this file also gives i18n.c and
 * the config their zone check (ICU's zones).
 */
#include "i18n.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/udat.h>
#include <unicode/ustring.h>

#include "buf.h"
#include "config.h"
#include "tz.h"

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
	     ((style & I18N_ZONE_IF_OTHER) && strcmp(zone, i18n_default_zone()) != 0))) {
		char zn[64];

		zone_name(lang, zone, t, zn, sizeof(zn));
		used = strlen(out);
		if (zn[0] != '\0' && used + 1 + strlen(zn) < size)
			snprintf(out + used, size - used, " %s", zn);
	}
}

/* ---- checks ---- */

/* A program that links gw_i18n checks [firm] timezone and readers' zones
 * against ICU's zones; gatewayd-pipe, without it, checks the spelling
 * only (config.h). */
static void register_checks(void) __attribute__((constructor));
static void register_checks(void)
{
	cfg_zone_valid = tz_valid;
	i18n_set_zone_check(tz_valid);
}
