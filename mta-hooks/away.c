/*
 * away.c - the return date of an out-of-office reply (see away.h).
 *
 * The text is casefolded, decomposed and stripped of accents, then cut
 * into tokens: words, numbers and the punctuation that dates and times
 * use (. / - , :).  A phrase from the trigger table, then small words, then a
 * date pattern: the tables hold the languages, the code only walks them.
 */
#include "away.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "gw.h"

#define TOK_MAX 24
#define MAX_TOKENS 2048
#define MAX_FILLERS 6

enum tok_kind { TOK_WORD, TOK_NUM, TOK_PUNCT };

struct tok {
	enum tok_kind kind;
	char s[TOK_MAX];
	int digits; /* TOK_NUM: how many */
	int value;  /* TOK_NUM: its value (capped) */
};

/* Phrases that introduce the last day away (0) or the first day back (1). */
static const struct {
	const char *words;
	int back;
} triggers[] = {
	/* English */
	{ "until", 0 }, { "till", 0 }, { "til", 0 }, { "through", 0 }, { "thru", 0 },
	{ "to", 0 }, { "up to and including", 0 }, { "back", 1 }, { "back to work", 1 },
	{ "return", 1 }, { "returning", 1 }, { "returns", 1 }, { "available again", 1 },
	{ "in the office again", 1 },
	/* German */
	{ "bis", 0 }, { "wieder", 1 }, { "zuruck", 1 }, { "ab", 1 }, { "wieder ab", 1 },
	{ "wieder erreichbar ab", 1 }, { "wieder erreichbar am", 1 },
	/* French */
	{ "jusqu au", 0 }, { "jusqu a", 0 }, { "au", 0 }, { "retour", 1 },
	{ "de retour", 1 }, { "a partir du", 1 }, { "a partir de", 1 }, { "des le", 1 },
	{ "reviendrai", 1 }, { "serai de retour", 1 },
	/* Spanish */
	{ "hasta", 0 }, { "al", 0 }, { "regreso", 1 }, { "regresare", 1 },
	{ "de vuelta", 1 }, { "volvere", 1 }, { "a partir del", 1 },
};

/* Small words between the phrase and the date. */
static const char *const fillers[] = {
	"on", "the", "of", "in", "office", "again", "and", "including", "inclusive",
	"le", "la", "l", "du", "inclus", "bureau", "am", "dem", "den", "zum", "zur",
	"einschliesslich", "inklusive", "buro", "el", "de", "del", "incluido", "oficina",
	"en", "la",
};

/* 0 = Sunday. */
static const char *const weekdays[][7] = {
	{ "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday" },
	{ "sun", "mon", "tue", "wed", "thu", "fri", "sat" },
	{ "sonntag", "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag" },
	{ "dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi" },
	{ "domingo", "lunes", "martes", "miercoles", "jueves", "viernes", "sabado" },
};

static const struct {
	const char *name;
	int month;
} months[] = {
	{ "january", 1 }, { "february", 2 }, { "march", 3 }, { "april", 4 }, { "may", 5 },
	{ "june", 6 }, { "july", 7 }, { "august", 8 }, { "september", 9 }, { "october", 10 },
	{ "november", 11 }, { "december", 12 },
	{ "jan", 1 }, { "feb", 2 }, { "mar", 3 }, { "apr", 4 }, { "jun", 6 }, { "jul", 7 },
	{ "aug", 8 }, { "sep", 9 }, { "sept", 9 }, { "oct", 10 }, { "nov", 11 }, { "dec", 12 },
	{ "januar", 1 }, { "janner", 1 }, { "februar", 2 }, { "marz", 3 }, { "mai", 5 },
	{ "juni", 6 }, { "juli", 7 }, { "oktober", 10 }, { "dezember", 12 }, { "okt", 10 },
	{ "dez", 12 },
	{ "janvier", 1 }, { "fevrier", 2 }, { "mars", 3 }, { "avril", 4 }, { "juin", 6 },
	{ "juillet", 7 }, { "aout", 8 }, { "septembre", 9 }, { "octobre", 10 },
	{ "novembre", 11 }, { "decembre", 12 }, { "janv", 1 }, { "fevr", 2 }, { "avr", 4 },
	{ "juil", 7 },
	{ "enero", 1 }, { "febrero", 2 }, { "marzo", 3 }, { "abril", 4 }, { "mayo", 5 },
	{ "junio", 6 }, { "julio", 7 }, { "agosto", 8 }, { "septiembre", 9 },
	{ "setiembre", 9 }, { "octubre", 10 }, { "noviembre", 11 }, { "diciembre", 12 },
	{ "ene", 1 }, { "abr", 4 }, { "ago", 8 }, { "dic", 12 },
};

/* After a day: 1st, 2nd, 3rd, 4th, 1er, 2e, 2eme, 1o (1º). */
static const char *const ordinals[] = { "st", "nd", "rd", "th", "er", "e", "eme", "o", "a" };

const char *away_result_name(enum away_result r)
{
	switch (r) {
	case AWAY_NONE:
		return "none";
	case AWAY_DATE:
		return "date";
	case AWAY_CAPPED:
		return "capped";
	case AWAY_PAST:
		return "past";
	case AWAY_IMPOSSIBLE:
		return "impossible";
	}
	return "unknown";
}

/* ---- days ---- */

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t away_day_from_civil(int year, int month, int day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void away_civil_from_day(int64_t z, int *year_r, int *month_r, int *day_r)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;

	*year_r = (int)(yoe + era * 400 + (m <= 2));
	*month_r = (int)m;
	*day_r = (int)d;
}

int away_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday */
	int64_t w = (days + 4) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

int64_t away_next_business_day(int64_t day)
{
	do
		day++;
	while (away_weekday(day) == 0 || away_weekday(day) == 6);
	return day;
}

static int days_in_month(int year, int month)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (month < 1 || month > 12)
		return 0;
	return dim[month - 1] + (month == 2 && leap);
}

static int valid_date(int year, int month, int day)
{
	return year >= 1970 && year <= 9999 && day >= 1 && day <= days_in_month(year, month);
}

const char *away_format_day(int64_t day, int64_t now, char buf[AWAY_DAY_MAX])
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int y, m, d, ny, nm, nd;

	away_civil_from_day(day, &y, &m, &d);
	away_civil_from_day(now / 86400, &ny, &nm, &nd);
	if (y == ny)
		snprintf(buf, AWAY_DAY_MAX, "%s %d %s", wd[away_weekday(day)], d, mon[m - 1]);
	else
		snprintf(buf, AWAY_DAY_MAX, "%s %d %s %d", wd[away_weekday(day)], d, mon[m - 1], y);
	return buf;
}

const char *away_format_iso(int64_t day, char buf[AWAY_DAY_MAX])
{
	int y, m, d;

	away_civil_from_day(day, &y, &m, &d);
	snprintf(buf, AWAY_DAY_MAX, "%04d-%02d-%02d", y, m, d);
	return buf;
}

/* ---- tokens ---- */

/* Casefolded, decomposed, accents dropped, typographic apostrophes plain. */
static char *fold(const char *text)
{
	gchar *cf = g_utf8_casefold(text, -1);
	gchar *nf = g_utf8_normalize(cf, -1, G_NORMALIZE_NFKD);
	GString *out = g_string_new(NULL);
	const char *p;

	g_free(cf);
	for (p = nf; p && *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_ismark(c))
			continue;
		if (c == 0x2019 || c == 0x2018)
			c = '\'';
		g_string_append_unichar(out, c);
	}
	g_free(nf);
	return g_string_free(out, FALSE);
}

static size_t tokenize(const char *s, struct tok *toks, size_t max)
{
	size_t n = 0;
	const char *p = s;

	while (*p && n < max) {
		gunichar c = g_utf8_get_char(p);
		struct tok *t = &toks[n];
		size_t len = 0;

		if (c < 0x80 && g_ascii_isdigit((char)c)) {
			t->kind = TOK_NUM;
			t->value = 0;
			t->digits = 0;
			while (g_ascii_isdigit(*p)) {
				if (len < TOK_MAX - 1)
					t->s[len++] = *p;
				if (t->value < 100000)
					t->value = t->value * 10 + (*p - '0');
				t->digits++;
				p++;
			}
			t->s[len] = '\0';
			n++;
		} else if (g_unichar_isalpha(c)) {
			t->kind = TOK_WORD;
			while (*p && g_unichar_isalpha(g_utf8_get_char(p))) {
				const char *next = g_utf8_next_char(p);

				if (len + (size_t)(next - p) < TOK_MAX) {
					memcpy(t->s + len, p, (size_t)(next - p));
					len += (size_t)(next - p);
				}
				p = next;
			}
			t->s[len] = '\0';
			n++;
		} else {
			if (c == '.' || c == '/' || c == '-' || c == ',' || c == ':') {
				t->kind = TOK_PUNCT;
				t->s[0] = (char)c;
				t->s[1] = '\0';
				n++;
			}
			p = g_utf8_next_char(p);
		}
	}
	return n;
}

static int is_word(const struct tok *t, const char *w)
{
	return t->kind == TOK_WORD && !strcmp(t->s, w);
}

static int is_punct(const struct tok *t, char c)
{
	return t->kind == TOK_PUNCT && t->s[0] == c;
}

static int month_of(const struct tok *t)
{
	size_t i;

	if (t->kind != TOK_WORD)
		return 0;
	for (i = 0; i < GW_ARRAY_SIZE(months); i++)
		if (!strcmp(t->s, months[i].name))
			return months[i].month;
	return 0;
}

static int weekday_of(const struct tok *t)
{
	size_t i, k;

	if (t->kind != TOK_WORD)
		return -1;
	for (i = 0; i < GW_ARRAY_SIZE(weekdays); i++)
		for (k = 0; k < 7; k++)
			if (!strcmp(t->s, weekdays[i][k]))
				return (int)k;
	return -1;
}

static int is_filler(const struct tok *t)
{
	size_t i;

	if (is_punct(t, ','))
		return 1;
	for (i = 0; i < GW_ARRAY_SIZE(fillers); i++)
		if (is_word(t, fillers[i]))
			return 1;
	return 0;
}

static int is_ordinal(const struct tok *t)
{
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(ordinals); i++)
		if (is_word(t, ordinals[i]))
			return 1;
	return 0;
}

/* Length of the trigger phrase at toks[i], or 0; *back_r its kind. */
static size_t trigger_at(const struct tok *toks, size_t n, size_t i, int *back_r)
{
	size_t best = 0, k;

	for (k = 0; k < GW_ARRAY_SIZE(triggers); k++) {
		char words[64];
		char *save = NULL, *w;
		size_t j = i;
		int ok = 1;

		snprintf(words, sizeof(words), "%s", triggers[k].words);
		for (w = strtok_r(words, " ", &save); w && ok; w = strtok_r(NULL, " ", &save)) {
			if (j >= n || !is_word(&toks[j], w))
				ok = 0;
			else
				j++;
		}
		if (ok && j - i > best) {
			best = j - i;
			*back_r = triggers[k].back;
		}
	}
	return best;
}

/* ---- dates ---- */

struct found_date {
	int year, month, day; /* 0 = not given */
	int weekday;          /* a weekday alone; -1 = none */
	size_t end;           /* token after the date */
};

static int small(const struct tok *t)
{
	return t->kind == TOK_NUM && t->digits <= 2;
}

static int year_tok(const struct tok *t)
{
	return t->kind == TOK_NUM && t->digits == 4;
}

/* An optional year after a day and month: ", 2026", " de 2026". */
static size_t opt_year(const struct tok *toks, size_t n, size_t j, int *year_r)
{
	size_t k = j;

	if (k < n && (is_punct(&toks[k], ',') || is_word(&toks[k], "de")))
		k++;
	if (k < n && year_tok(&toks[k])) {
		*year_r = toks[k].value;
		return k + 1;
	}
	return j;
}

/* A date pattern starting at toks[i]: 1, with *d filled, or 0. */
static int date_at(const struct tok *toks, size_t n, size_t i, struct found_date *d)
{
	size_t j = i;
	int m;

	d->year = d->month = d->day = 0;
	d->weekday = -1;
	/* 2026-12-12 */
	if (i + 4 < n && year_tok(&toks[i]) && is_punct(&toks[i + 1], '-') && small(&toks[i + 2]) &&
	    is_punct(&toks[i + 3], '-') && small(&toks[i + 4])) {
		d->year = toks[i].value;
		d->month = toks[i + 2].value;
		d->day = toks[i + 4].value;
		d->end = i + 5;
		return 1;
	}
	/* December 12(th)(, 2026) */
	if ((m = month_of(&toks[i])) != 0) {
		j = i + 1;
		if (j < n && is_punct(&toks[j], '.'))
			j++;
		if (j < n && small(&toks[j])) {
			d->month = m;
			d->day = toks[j].value;
			j++;
			if (j < n && is_ordinal(&toks[j]))
				j++;
			d->end = opt_year(toks, n, j, &d->year);
			return 1;
		}
		return 0;
	}
	if (!small(&toks[i]))
		return 0;
	d->day = toks[i].value;
	j = i + 1;
	/* 12.12.(2026) and 12/12(/2026) */
	if (j + 1 < n && (is_punct(&toks[j], '.') || is_punct(&toks[j], '/')) &&
	    small(&toks[j + 1])) {
		char sep = toks[j].s[0];

		d->month = toks[j + 1].value;
		j += 2;
		if (j + 1 < n && is_punct(&toks[j], sep) &&
		    (year_tok(&toks[j + 1]) || (toks[j + 1].kind == TOK_NUM && toks[j + 1].digits == 2))) {
			d->year = toks[j + 1].value < 100 ? 2000 + toks[j + 1].value : toks[j + 1].value;
			j += 2;
		}
		/* 12/25: only the American order fits */
		if (sep == '/' && d->month > 12 && d->day <= 12) {
			int t = d->month;

			d->month = d->day;
			d->day = t;
		}
		d->end = j;
		return 1;
	}
	/* 12(.|th|er) (of|de) December( 2026) */
	if (j < n && (is_punct(&toks[j], '.') || is_ordinal(&toks[j])))
		j++;
	if (j < n && (is_word(&toks[j], "of") || is_word(&toks[j], "de")))
		j++;
	if (j < n && (m = month_of(&toks[j])) != 0) {
		d->month = m;
		j++;
		if (j < n && is_punct(&toks[j], '.'))
			j++;
		d->end = opt_year(toks, n, j, &d->year);
		return 1;
	}
	/* a day alone, "Monday 14th"; not an hour ("until 5 pm", "bis 17:00") */
	j = i + 1 < n && is_ordinal(&toks[i + 1]) ? i + 2 : i + 1;
	if (j == i + 1 && j < n &&
	    (is_punct(&toks[j], ':') || is_word(&toks[j], "pm") || is_word(&toks[j], "am") ||
	     is_word(&toks[j], "h") || is_word(&toks[j], "uhr") || is_word(&toks[j], "hrs")))
		return 0;
	d->end = j;
	return 1;
}

/* The first day from TODAY on that matches D; -1 when none can. */
static enum away_result resolve(const struct found_date *d, int64_t today, int back,
				int64_t *day_r)
{
	int ty, tm, td, y, m, k;

	away_civil_from_day(today, &ty, &tm, &td);
	if (d->weekday >= 0) {
		int64_t day = today + (back ? 1 : 0);

		while (away_weekday(day) != d->weekday)
			day++;
		*day_r = day;
		return AWAY_DATE;
	}
	if (d->month == 0) {
		/* a day of the month: this month or the next ones */
		if (d->day < 1 || d->day > 31)
			return AWAY_IMPOSSIBLE;
		for (k = 0, y = ty, m = tm; k < 3; k++) {
			if (valid_date(y, m, d->day) && away_day_from_civil(y, m, d->day) >= today) {
				*day_r = away_day_from_civil(y, m, d->day);
				return AWAY_DATE;
			}
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
		return AWAY_IMPOSSIBLE;
	}
	if (d->month < 1 || d->month > 12 || d->day < 1 || d->day > days_in_month(2000, d->month))
		return AWAY_IMPOSSIBLE;
	if (d->year != 0) {
		if (!valid_date(d->year, d->month, d->day))
			return AWAY_IMPOSSIBLE;
		*day_r = away_day_from_civil(d->year, d->month, d->day);
		return AWAY_DATE;
	}
	/* year-less: the next occurrence (29 February waits for a leap year) */
	for (y = ty; y < ty + 8; y++) {
		if (valid_date(y, d->month, d->day) &&
		    away_day_from_civil(y, d->month, d->day) >= today) {
			*day_r = away_day_from_civil(y, d->month, d->day);
			return AWAY_DATE;
		}
	}
	return AWAY_IMPOSSIBLE;
}

static void describe(const struct tok *toks, size_t from, size_t to, char *found, size_t size)
{
	size_t i, len = 0;

	if (!found || size == 0)
		return;
	found[0] = '\0';
	for (i = from; i < to && len + 1 < size; i++) {
		int w = snprintf(found + len, size - len, "%s%s",
				 i > from && toks[i].kind != TOK_PUNCT ? " " : "", toks[i].s);

		if (w < 0 || (size_t)w >= size - len)
			break;
		len += (size_t)w;
	}
}

enum away_result away_parse(const char *text, int64_t now, int64_t *day_r, char *found,
			    size_t size)
{
	int64_t today = now >= 0 ? now / 86400 : (now - 86399) / 86400;
	struct tok *toks;
	char *folded;
	size_t n, i;
	enum away_result res = AWAY_NONE;

	if (found && size)
		found[0] = '\0';
	if (!text || !*text || !g_utf8_validate(text, -1, NULL))
		return AWAY_NONE;
	folded = fold(text);
	toks = g_new0(struct tok, MAX_TOKENS);
	n = tokenize(folded, toks, MAX_TOKENS);
	g_free(folded);

	for (i = 0; i < n && res == AWAY_NONE; i++) {
		struct found_date d;
		int back = 0, wd = -1;
		size_t len = trigger_at(toks, n, i, &back), j, skipped = 0;
		int64_t day = 0;

		if (len == 0)
			continue;
		for (j = i + len; j < n && skipped < MAX_FILLERS; j++, skipped++) {
			int w = weekday_of(&toks[j]);

			if (w >= 0)
				wd = w;
			else if (!is_filler(&toks[j]))
				break;
		}
		if (j < n && date_at(toks, n, j, &d)) {
			/* "Monday 14th" names the 14th: the weekday only decorates */
		} else if (wd >= 0) {
			memset(&d, 0, sizeof(d));
			d.weekday = wd;
			d.end = j;
		} else {
			continue;
		}
		describe(toks, i, d.end, found, size);
		res = resolve(&d, today, back, &day);
		if (res != AWAY_DATE)
			break;
		if (back)
			day--;
		if (day < today) {
			res = AWAY_PAST;
		} else if (day > today + AWAY_MAX_DAYS) {
			*day_r = today + AWAY_MAX_DAYS;
			res = AWAY_CAPPED;
		} else {
			*day_r = day;
		}
	}
	g_free(toks);
	return res;
}
