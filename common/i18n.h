/*
 * i18n.h - marks the words a reader sees for the message catalogs.
 *
 * Every page, email, system note and error message a person reads goes
 * through _() (or ngettext() where a number decides the form), so that
 * xgettext finds it and the catalogs translate it.  N_() marks a string in
 * a static table that is translated where it is used, with _(table[i]).
 * Words that staff or clients wrote themselves (subjects, messages, task
 * texts, names) are never passed through _().
 */
#ifndef GW_I18N_H
#define GW_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

#endif
