/*
 * notes.c - system notes kept as a kind and its parameters, and said in
 * the reader's language when they are read.
 *
 * A note's row keeps its English text in messages.body (what the API,
 * exports and rows written before notes had kinds show) and, beside it,
 * note_kind and note_args: the reader paths (store_message_get, thread
 * views) say it again with the catalogs of the thread's reader
 * (i18n_reader_set()), dates in the reader's zone.  A kind this build
 * does not know keeps its stored text.
 *
 * Arguments are text fields joined by STORE_NOTE_SEP; numbers and times
 * (Unix seconds) are decimal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n.h"
#include "store_int.h"

#define MAX_ARGS 8

typedef char *note_render_fn(char *const *args, size_t n);

static long arg_long(char *const *args, size_t n, size_t i)
{
	return i < n ? strtol(args[i], NULL, 10) : 0;
}

static const char *arg_str(char *const *args, size_t n, size_t i)
{
	return i < n ? args[i] : "";
}

/* A person named in a note; "someone" when the mail did not say. */
static const char *arg_who(char *const *args, size_t n, size_t i)
{
	return i < n && *args[i] != '\0' ? args[i] : _("someone");
}

/* "reminders": enabled, days, count, 1 when the thread has tasks */
static char *note_reminders(char *const *args, size_t n)
{
	return store_reminder_note_text((int)arg_long(args, n, 0), (int)arg_long(args, n, 1),
					(int)arg_long(args, n, 2), (int)arg_long(args, n, 3));
}

/* "email_reply": sender, the addressee's name, 1 when the sender is the
 * addressee, when (Unix seconds) */
static char *note_email_reply(char *const *args, size_t n)
{
	const char *sender = arg_str(args, n, 0), *name = arg_str(args, n, 1);
	char when[96], *who, *text;

	if (arg_long(args, n, 2) && *name != '\0')
		who = xstrdup(name);
	else if (*name != '\0')
		who = xasprintf(_("%s (not %s's address)"), sender, name);
	else
		who = xstrdup(sender);
	i18n_format_date(arg_long(args, n, 3), I18N_DATETIME | I18N_ZONE, when, sizeof(when));
	text = xasprintf(_("%s replied by email at %s; the reply was not posted and they were "
			   "told to use the chat."), who, when);
	free(who);
	return text;
}

/* "email_reply_default": sender, quoted text */
static char *note_email_reply_default(char *const *args, size_t n)
{
	return store_email_reply_note_text(arg_str(args, n, 0), arg_str(args, n, 1));
}

/* "away": who, last day away (YYYY-MM-DD), what the reply said ("" when
 * the date was taken as it was), the cap in days */
static char *note_away(char *const *args, size_t n)
{
	const char *day = arg_str(args, n, 1), *found = arg_str(args, n, 2);
	char shown[96];
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(day, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) == 3) {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		tm.tm_hour = 12;
		i18n_format_date((int64_t)timegm(&tm), I18N_DATE_LONG | I18N_UTC, shown,
				 sizeof(shown));
	}
	else
		snprintf(shown, sizeof(shown), "%s", day);
	if (*found != '\0')
		return xasprintf(_("%s is away until %s (automatic reply; it said \"%s\", more "
				   "than %d days ahead)."), arg_who(args, n, 0), shown, found,
				 (int)arg_long(args, n, 3));
	return xasprintf(_("%s is away until %s (automatic reply)."), arg_who(args, n, 0), shown);
}

/* "auto_reply": who */
static char *note_auto_reply(char *const *args, size_t n)
{
	return xasprintf(_("Automatic reply received from %s."), arg_who(args, n, 0));
}

/* "task": change (0 added, 1 edited, 2 removed, 3 moved), who ("" for
 * the firm's tools), the task's text, the old text or the new place */
static char *note_task(char *const *args, size_t n)
{
	return store_task_note_text((int)arg_long(args, n, 0), arg_str(args, n, 1),
				    arg_str(args, n, 2), arg_str(args, n, 3));
}

static const struct {
	const char *kind;
	note_render_fn *render;
} kinds[] = {
	{ "reminders", note_reminders },
	{ "email_reply", note_email_reply },
	{ "email_reply_default", note_email_reply_default },
	{ "away", note_away },
	{ "auto_reply", note_auto_reply },
	{ "task", note_task },
};

char *store_note_render(const char *kind, const char *args)
{
	char *copy, *fields[MAX_ARGS], *p;
	size_t n = 0;
	char *out = NULL;

	if (kind == NULL || args == NULL)
		return NULL;
	copy = xstrdup(args);
	for (p = copy; n < MAX_ARGS;) {
		char *sep = strchr(p, STORE_NOTE_SEP[0]);

		fields[n++] = p;
		if (sep == NULL)
			break;
		*sep = '\0';
		p = sep + 1;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].kind, kind) == 0) {
			out = kinds[i].render(fields, n);
			break;
		}
	free(copy);
	return out;
}

char *store_note_english(const char *kind, const char *args)
{
	struct i18n_saved saved;
	char *text;

	i18n_reader_save(&saved);
	i18n_reader_set("en", "UTC");
	text = store_note_render(kind, args);
	i18n_reader_restore(&saved);
	return text;
}

enum gw_result store_note_insert(struct store *s, int64_t thread_id, int staff_only,
				 int64_t now, const char *kind, const char *args,
				 int64_t *id_r, char **error_r)
{
	char *text = store_note_english(kind, args);
	enum gw_result r;

	if (text == NULL)
		return store_fail(error_r, GW_INVALID, "note kind \"%s\": unknown", kind);
	r = store_message_insert(s, thread_id, STORE_SYSTEM, 0, text, staff_only, now, id_r,
				 error_r);
	if (r == GW_OK &&
	    store_db_exec(s, "UPDATE messages SET note_kind = ?2, note_args = ?3 WHERE id = ?1",
			  "iss", *id_r, kind, args) != SQLITE_OK)
		r = store_db_fail(s, error_r, "thread %lld: note", (long long)thread_id);
	free(text);
	return r;
}
