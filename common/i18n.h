/*
 * i18n.h - marks the words a reader sees for the message catalogs, and
 * says in whose language and time zone they are read.
 *
 * Every page, email, system note and error message a person reads goes
 * through _() (or ngettext() where a number decides the form), so that
 * xgettext finds it and the catalogs translate it.  N_() marks a string in
 * a static table that is translated where it is used, with _(table[i]).
 * Words that staff or clients wrote themselves (subjects, messages, task
 * texts, names) are never passed through _().
 *
 * The language is the reader's, not the process's: each thread has a
 * current reader (a language and a time zone, i18n_reader_set()), and _()
 * looks the text up in that language's catalog.  A thread that set no
 * reader reads in the firm's language ([firm] language, i18n_defaults()).
 * English is the language of the sources: it needs no catalog.
 *
 * How the lookup stays per thread (docs/design.md, "Languages"): one GNU
 * gettext text domain per language ("gatewayd-fr"), looked up with
 * dgettext() while the calling thread uses a C.UTF-8 LC_MESSAGES locale
 * (uselocale(), around the one call).  C.UTF-8 is built into Debian's libc,
 * so nothing has to be generated with locale-gen; the catalogs live in our
 * own directory as LOCALEDIR/C/LC_MESSAGES/gatewayd-LANG.mo.
 *
 * Lookups need libc only (gw_common: any library may use _()); the
 * dates below need ICU and are gw_i18n's (i18n_date.c, tz.c).
 *
 * The compiled catalogs are found, in this order, in $GATEWAYD_LOCALEDIR,
 * in the build tree (a program that runs from it), beside the program
 * (PREFIX/share/gatewayd/locale) and at the configured install path.
 */
#ifndef GW_I18N_H
#define GW_I18N_H

#include <libintl.h>
#include <stddef.h>
#include <stdint.h>

/* format_arg: printf(_("%d files"), n) is checked against the msgid, as
 * -Wformat=2 wants; msgfmt --check makes each translation keep its
 * directives. */
const char *gw_gettext(const char *msgid) __attribute__((format_arg(1)));
const char *gw_ngettext(const char *msgid, const char *plural, unsigned long n)
	__attribute__((format_arg(1))) __attribute__((format_arg(2)));
/* A text with a context (msgctxt), for words that are short and ambiguous. */
const char *gw_pgettext(const char *context, const char *msgid) __attribute__((format_arg(2)));

#define _(s) gw_gettext(s)
#define N_(s) (s)
#undef ngettext
#define ngettext(s, p, n) gw_ngettext((s), (p), (unsigned long)(n))
#define pgettext(c, s) gw_pgettext((c), (s))

/* The longest language tag and zone name a reader may have. */
#define I18N_LANG_MAX 16
#define I18N_ZONE_MAX 64

/*
 * Bind the catalogs of every language this build has (po/LINGUAS).  Call
 * once at start-up, before threads (it unsets LANGUAGE, which would
 * otherwise override the per-thread choice).  Safe to call again.  0, or
 * -1 with *error_r when the catalogs cannot be found (English still works).
 */
int i18n_init(char **error_r);
/* The directory the catalogs were bound from ("" before i18n_init()). */
const char *i18n_locale_dir(void);

/*
 * The firm's language and time zone ([firm] language and timezone), used
 * for every reader that has none of their own.  Set at start-up, before
 * threads.  NULL keeps the current value ("en", "UTC").
 */
void i18n_defaults(const char *lang, const char *zone);
const char *i18n_default_lang(void);
const char *i18n_default_zone(void);

/* How a reader's zone is checked: set by i18n_date.c (ICU) when it is
 * linked in; before that a name of the right spelling is taken. */
void i18n_set_zone_check(int (*check)(const char *zone));

/* 1 when lang is a language of this build ("en", "fr", ...). */
int i18n_lang_valid(const char *lang);
/* The languages of this build, space-separated ("en fr"). */
const char *i18n_languages(void);
/* The name of lang in its own language ("Français"), from its catalog. */
const char *i18n_lang_name(const char *lang);
/* lang as a catalog would spell it: "fr" for "FR" or "fr_FR"; NULL when
 * it is no language of this build.  Static storage. */
const char *i18n_lang_canonical(const char *lang);

/*
 * The reader of what this thread writes next: a language and a time zone
 * (NULL or "" for the firm's).  An unknown language or zone falls back to
 * the firm's.  i18n_reader_reset() returns to the firm's.
 */
void i18n_reader_set(const char *lang, const char *zone);
void i18n_reader_reset(void);
/* This thread's reader, defaults applied. */
const char *i18n_lang(void);
const char *i18n_zone(void);
/* Saved and put back by callers that write for someone else in between. */
struct i18n_saved {
	char lang[I18N_LANG_MAX];
	char zone[I18N_ZONE_MAX];
};
void i18n_reader_save(struct i18n_saved *s);
void i18n_reader_restore(const struct i18n_saved *s);

/*
 * Dates and times for the current reader, in their zone and language
 * ("6 déc. 2026, 08:11", "Dec 6, 2026, 8:11 AM").  I18N_ZONE names the
 * zone after the time ("UTC+1", "EST"); I18N_ZONE_IF_OTHER only when the
 * reader's zone is not the firm's.  The output is UTF-8, cut to fit.
 */
enum i18n_date_style {
	I18N_DATETIME = 0,
	I18N_DATE = 1,          /* "6 déc. 2026" */
	I18N_DATE_LONG = 2,     /* "6 décembre 2026" */
	I18N_ZONE = 0x10,
	I18N_ZONE_IF_OTHER = 0x20,
	I18N_UTC = 0x40,        /* a calendar day kept as UTC midnight: no zone */
};
void i18n_format_date(int64_t t, int style, char *out, size_t size);

#endif
