/*
 * reminder_words.h - the words that tell people when reminders stop and
 * what is left before they do.
 *
 * The rule (store/reminders.c): reminders about a staff message stop when
 * a contact answers after it, or when every task of the thread is done and
 * the client has read every message they can see.  The banner, the bell,
 * the reminder email and the staff note all say it with these functions,
 * so that what people are told and what the scheduler does never drift.
 */
#ifndef GW_REMINDER_WORDS_H
#define GW_REMINDER_WORDS_H

#include <stdint.h>

/* Who reads the sentence: the client ("you") or staff ("the client"). */
enum reminder_reader {
	REMINDER_TO_CLIENT = 0,
	REMINDER_TO_STAFF = 1,
};

/*
 * The stop rule as one translated sentence.  has_tasks: the thread has a
 * checklist (without one, reading everything is enough).  Static storage.
 */
const char *reminder_words_rule(enum reminder_reader who, int has_tasks);

/*
 * What is left, as one translated sentence: "Still to do: 1 task open,
 * 2 unread messages."  NULL when nothing is left.  Malloc'd.
 */
char *reminder_words_left(int64_t tasks_open, int64_t unread);

#endif
