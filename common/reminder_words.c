/*
 * reminder_words.c - the stop rule of reminders in words (see
 * reminder_words.h).
 */
#include "reminder_words.h"

#include <stdlib.h>

#include "buf.h"
#include "i18n.h"

const char *reminder_words_rule(enum reminder_reader who, int has_tasks)
{
	if (who == REMINDER_TO_STAFF)
		return has_tasks ? _("Reminders stop when the client answers, or when all their "
				     "tasks are done and all messages are read.")
				 : _("Reminders stop when the client answers, or when all "
				     "messages are read.");
	return has_tasks ? _("Reminders stop when you answer, or when all your tasks are done "
			     "and all messages are read.")
			 : _("Reminders stop when you answer, or when all messages are read.");
}

char *reminder_words_left(int64_t tasks_open, int64_t unread)
{
	char *tasks = NULL, *msgs = NULL, *list, *out;

	if (tasks_open <= 0 && unread <= 0)
		return NULL;
	if (tasks_open > 0)
		tasks = xasprintf(ngettext("%lld task open", "%lld tasks open",
					   (unsigned long)tasks_open), (long long)tasks_open);
	if (unread > 0)
		msgs = xasprintf(ngettext("%lld unread message", "%lld unread messages",
					  (unsigned long)unread), (long long)unread);
	if (tasks != NULL && msgs != NULL)
		/* TRANSLATORS: a list of two things left to do, e.g. "1 task
		   open, 2 unread messages" */
		list = xasprintf(_("%1$s, %2$s"), tasks, msgs);
	else
		list = xstrdup(tasks != NULL ? tasks : msgs);
	/* TRANSLATORS: %s is a list such as "1 task open, 2 unread messages" */
	out = xasprintf(_("Still to do: %s."), list);
	free(tasks);
	free(msgs);
	free(list);
	return out;
}
