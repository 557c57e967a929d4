/*
 * shortcodes.c - the [CODES] a new chat's text may hold, and who reads
 * what in their place.
 *
 * Account-level codes ([ACCOUNT_NAME], [FIRM_NAME], [CURRENT_DATE]) mean
 * the same for everyone in the account: they are replaced when the chat is
 * created, per account.  Contact-level codes ([CONTACT_FIRST_NAME], ...)
 * differ per reader: the stored message keeps them (messages.per_reader),
 * and each contact's page, email and export resolve them with that
 * contact's own name; staff read the placeholder.  So "Dear Anna" never
 * reaches Ben, and erasing Anna leaves no "Anna" in a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "store_int.h"

enum code_value {
	CODE_ACCOUNT_NAME,
	CODE_FIRM_NAME,
	CODE_CURRENT_DATE,
	CODE_CONTACT_FIRST_NAME,
	CODE_CONTACT_NAME,
	CODE_CONTACT_EMAIL,
};

const struct store_shortcode store_shortcodes[] = {
	{ "[CONTACT_FIRST_NAME]", N_("Contact's first name"),
	  N_("the first name of each contact who reads it"), 1 },
	{ "[CONTACT_NAME]", N_("Contact's full name"),
	  N_("the full name of each contact who reads it"), 1 },
	{ "[CONTACT_EMAIL]", N_("Contact's email address"),
	  N_("the email address of each contact who reads it"), 1 },
	{ "[ACCOUNT_NAME]", N_("Account name"), N_("the name of the client account"), 0 },
	{ "[FIRM_NAME]", N_("Firm name"), N_("the name of your firm"), 0 },
	{ "[CURRENT_DATE]", N_("Today's date"), N_("the date the chat is created"), 0 },
};
const size_t store_n_shortcodes = GW_ARRAY_SIZE(store_shortcodes);

/* Values of the codes, by enum code_value (the order of store_shortcodes
 * does not matter here). */
static const char *const code_names[] = {
	[CODE_ACCOUNT_NAME] = "[ACCOUNT_NAME]",
	[CODE_FIRM_NAME] = "[FIRM_NAME]",
	[CODE_CURRENT_DATE] = "[CURRENT_DATE]",
	[CODE_CONTACT_FIRST_NAME] = "[CONTACT_FIRST_NAME]",
	[CODE_CONTACT_NAME] = "[CONTACT_NAME]",
	[CODE_CONTACT_EMAIL] = "[CONTACT_EMAIL]",
};

const struct store_shortcode *store_shortcode_find(const char *code, size_t len)
{
	for (size_t i = 0; i < store_n_shortcodes; i++)
		if (strlen(store_shortcodes[i].code) == len &&
		    memcmp(store_shortcodes[i].code, code, len) == 0)
			return &store_shortcodes[i];
	return NULL;
}

/*
 * Length of the shortcode-looking token at p ("[" capitals, digits and
 * underscores "]" with an underscore or a known prefix), 0 if none.
 * "[URGENT]" in a subject is text, "[CLIENT_NAME]" a code we do not know.
 */
size_t store_shortcode_token(const char *p)
{
	size_t n = 1;
	int underscore = 0;

	if (p[0] != '[' || !(p[1] >= 'A' && p[1] <= 'Z'))
		return 0;
	while ((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9') || p[n] == '_') {
		underscore |= p[n] == '_';
		if (++n > 40)
			return 0;
	}
	if (p[n] != ']' || !underscore)
		return 0;
	return n + 1;
}

static int code_index(const char *p, size_t len)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(code_names); i++)
		if (strlen(code_names[i]) == len && memcmp(code_names[i], p, len) == 0)
			return (int)i;
	return -1;
}

/* A known code's value, or NULL to keep it as it is. */
typedef const char *code_fn(int code, void *ctx);

static char *replace_codes(const char *text, code_fn *fn, void *ctx, int markdown)
{
	struct buf b = BUF_INIT;
	const char *p = text;

	while (*p != '\0') {
		const char *open = strchr(p, '[');
		if (open == NULL) {
			buf_puts(&b, p);
			break;
		}
		buf_append(&b, p, (size_t)(open - p));
		size_t n = store_shortcode_token(open);
		int code = n > 0 ? code_index(open, n) : -1;
		const char *v = code >= 0 ? fn(code, ctx) : NULL;
		if (v == NULL) {
			size_t keep = n > 0 ? n : 1;
			buf_append(&b, open, keep);
			p = open + keep;
			continue;
		}
		/* A name in CommonMark is text, never markup. */
		for (; *v != '\0'; v++) {
			if (markdown && strchr("\\`*_[]<>~&#!|", *v) != NULL)
				buf_putc(&b, '\\');
			buf_putc(&b, *v);
		}
		p = open + n;
	}
	return buf_detach(&b);
}

enum gw_result store_shortcodes_check(const char *field, const char *text, int allow_contact,
				      char **error_r)
{
	for (const char *p = text != NULL ? strchr(text, '[') : NULL; p != NULL;
	     p = strchr(p + 1, '[')) {
		size_t n = store_shortcode_token(p);
		if (n == 0)
			continue;
		const struct store_shortcode *sc = store_shortcode_find(p, n);
		if (sc == NULL)
			return store_fail(error_r, GW_INVALID,
					  _("%s: unknown shortcode %.*s; the shortcodes are listed "
					    "under the field"), field, (int)n, p);
		if (sc->per_contact && !allow_contact)
			return store_fail(error_r, GW_INVALID,
					  _("%s: %s differs for each contact and can only be used "
					    "in the message"), field, sc->code);
	}
	return GW_OK;
}

int store_shortcodes_per_reader(const char *text)
{
	for (const char *p = text != NULL ? strchr(text, '[') : NULL; p != NULL;
	     p = strchr(p + 1, '[')) {
		size_t n = store_shortcode_token(p);
		const struct store_shortcode *sc = n > 0 ? store_shortcode_find(p, n) : NULL;
		if (sc != NULL && sc->per_contact)
			return 1;
	}
	return 0;
}

/* ---- account level, at creation ---- */

struct account_values {
	const char *account, *firm, *date;
};

static const char *account_value(int code, void *ctx)
{
	const struct account_values *v = ctx;

	switch (code) {
	case CODE_ACCOUNT_NAME:
		return v->account;
	case CODE_FIRM_NAME:
		return v->firm;
	case CODE_CURRENT_DATE:
		return v->date;
	default:
		return NULL; /* contact level: resolved per reader */
	}
}

static const char SQL_ACCOUNT_NAME[] = "SELECT name FROM accounts WHERE id = ?1";

enum gw_result store_expand_shortcodes(struct store *s, int64_t account_id, const char *text,
				       char **text_r, char **error_r)
{
	*text_r = NULL;
	if (text == NULL)
		text = "";
	char *account = NULL, *firm = NULL;
	sqlite3_stmt *st = store_db_q(s, SQL_ACCOUNT_NAME, "i", account_id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "account %lld: no such account",
				  (long long)account_id);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "account %lld", (long long)account_id);
	account = store_col_str(st, 0);
	sqlite3_reset(st);
	enum gw_result r = store_firm_name_get(s, &firm, error_r);
	if (r != GW_OK) {
		free(account);
		return r;
	}
	/* the day (UTC, as before) in the words of the one who writes the
	 * chat, the language of the text around it */
	char date[64];
	i18n_format_date(clock_now(), I18N_DATE_LONG | I18N_UTC, date, sizeof(date));
	struct account_values v = { account, firm, date };
	*text_r = replace_codes(text, account_value, &v, 0);
	free(account);
	free(firm);
	return GW_OK;
}

/* ---- contact level, per reader ---- */

struct contact_values {
	const char *name, *email;
	char *first;
};

static const char *contact_value(int code, void *ctx)
{
	struct contact_values *v = ctx;

	switch (code) {
	case CODE_CONTACT_FIRST_NAME:
		return v->first[0] != '\0' ? v->first : _("there");
	case CODE_CONTACT_NAME:
		return v->name[0] != '\0' ? v->name : v->email;
	case CODE_CONTACT_EMAIL:
		return v->email;
	default:
		return NULL;
	}
}

char *store_shortcodes_for_contact(const char *text, const char *name, const char *email,
				   int markdown)
{
	struct contact_values v = { name != NULL ? name : "", email != NULL ? email : "", NULL };

	v.first = store_text_first_word(v.name);
	char *out = replace_codes(text != NULL ? text : "", contact_value, &v, markdown);
	free(v.first);
	return out;
}
