/*
 * templates.c - chat templates, the shortcodes they may hold, and the
 * admin API's keys.
 *
 * Shortcodes are expanded once, when a chat is created, per account; the
 * stored message holds the expanded text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* ---- templates ---- */

static const char SQL_TEMPLATE_SET[] =
	"INSERT INTO templates (name, subject, body, updated_at) VALUES (?1, ?2, ?3, ?4)"
	" ON CONFLICT (name) DO UPDATE SET subject = excluded.subject, body = excluded.body,"
	" updated_at = excluded.updated_at";
static const char SQL_TEMPLATE_GET[] =
	"SELECT id, name, subject, body FROM templates WHERE name = ?1";
static const char SQL_TEMPLATE_DELETE[] = "DELETE FROM templates WHERE name = ?1";
static const char SQL_TEMPLATE_LIST[] =
	"SELECT id, name, subject, body FROM templates ORDER BY name";

static void template_from_row(sqlite3_stmt *st, struct store_template *t)
{
	t->id = store_col_i64(st, 0);
	t->name = store_col_str(st, 1);
	t->subject = store_col_str(st, 2);
	t->body = store_col_str(st, 3);
}

enum gw_result store_template_set(struct store *s, const char *name, const char *subject,
				  const char *body, char **error_r)
{
	enum gw_result r = store_text_check("template name", name, TEXT_MAX_NAME, 0, error_r);
	if (r == GW_OK)
		r = store_text_check("template subject", subject, TEXT_MAX_SUBJECT, 0, error_r);
	if (r == GW_OK)
		r = store_text_check("template body", body, TEXT_MAX_BODY, 1, error_r);
	if (r != GW_OK)
		return r;
	if (store_db_exec(s, SQL_TEMPLATE_SET, "sssi", name, subject, body, clock_now()) != SQLITE_OK)
		return store_db_fail(s, error_r, "template \"%s\"", name);
	return GW_OK;
}

enum gw_result store_template_get(struct store *s, const char *name,
				  struct store_template *t, char **error_r)
{
	memset(t, 0, sizeof(*t));
	sqlite3_stmt *st = store_db_q(s, SQL_TEMPLATE_GET, "s", name != NULL ? name : "");
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "template \"%s\": no such template",
				  name != NULL ? name : "");
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "template \"%s\"", name);
	template_from_row(st, t);
	sqlite3_reset(st);
	return GW_OK;
}

enum gw_result store_template_delete(struct store *s, const char *name, char **error_r)
{
	if (store_db_exec(s, SQL_TEMPLATE_DELETE, "s", name != NULL ? name : "") != SQLITE_OK)
		return store_db_fail(s, error_r, "delete template \"%s\"", name);
	if (store_db_changes(s) == 0)
		return store_fail(error_r, GW_NOTFOUND, "template \"%s\": no such template",
				  name != NULL ? name : "");
	return GW_OK;
}

enum gw_result store_template_list(struct store *s, struct store_template_list *list,
				   char **error_r)
{
	memset(list, 0, sizeof(*list));
	size_t cap = 0;
	sqlite3_stmt *st = store_db_q(s, SQL_TEMPLATE_LIST, "");
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW)
		template_from_row(st, store_vec_push(&list->items, &list->count, &cap,
						     sizeof(*list->items)));
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_template_list_free(list);
		return store_db_fail(s, error_r, "template list");
	}
	return GW_OK;
}

/* ---- shortcodes ---- */

static const char SQL_FIRST_CONTACT[] =
	"SELECT name FROM contacts WHERE account_id = ?1 AND removed_at IS NULL"
	" ORDER BY (notify = 1 AND email_status = 'ok') DESC, id LIMIT 1";
static const char SQL_ACCOUNT_NAME[] = "SELECT name FROM accounts WHERE id = ?1";

static enum gw_result one_text(struct store *s, const char *sql, int64_t id, char **text_r,
			       const char *what, char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, sql, "i", id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_ROW) {
		*text_r = store_col_str(st, 0);
		sqlite3_reset(st);
		return GW_OK;
	}
	*text_r = NULL;
	if (rc == SQLITE_DONE)
		return GW_NOTFOUND;
	return store_db_fail(s, error_r, "%s %lld", what, (long long)id);
}

enum gw_result store_expand_shortcodes(struct store *s, int64_t account_id, const char *text,
				       char **text_r, char **error_r)
{
	*text_r = NULL;
	if (text == NULL)
		text = "";
	char *account = NULL, *firm = NULL, *contact = NULL;
	enum gw_result r = one_text(s, SQL_ACCOUNT_NAME, account_id, &account, "account",
				    error_r);
	if (r == GW_NOTFOUND)
		return store_fail(error_r, GW_NOTFOUND, "account %lld: no such account",
				  (long long)account_id);
	if (r != GW_OK)
		return r;
	if ((r = store_firm_name_get(s, &firm, error_r)) != GW_OK) {
		free(account);
		return r;
	}
	r = one_text(s, SQL_FIRST_CONTACT, account_id, &contact, "account", error_r);
	if (r != GW_OK && r != GW_NOTFOUND) {
		free(account);
		free(firm);
		return r;
	}
	char *first = contact != NULL ? store_text_first_word(contact) : NULL;
	char date[32];
	store_text_date(clock_now(), date);

	const struct {
		const char *code;
		const char *value;
	} codes[] = {
		{ "[ACCOUNT_NAME]", account },
		{ "[FIRM_NAME]", firm },
		{ "[CURRENT_DATE]", date },
		{ "[CONTACT_FIRST_NAME]", first != NULL && first[0] != '\0' ? first : "there" },
	};
	struct buf b = BUF_INIT;
	const char *p = text;
	while (*p != '\0') {
		const char *open = strchr(p, '[');
		if (open == NULL) {
			buf_puts(&b, p);
			break;
		}
		buf_append(&b, p, (size_t)(open - p));
		size_t i;
		for (i = 0; i < GW_ARRAY_SIZE(codes); i++) {
			size_t n = strlen(codes[i].code);
			if (strncmp(open, codes[i].code, n) == 0) {
				buf_puts(&b, codes[i].value);
				p = open + n;
				break;
			}
		}
		if (i == GW_ARRAY_SIZE(codes)) {
			buf_putc(&b, '[');
			p = open + 1;
		}
	}
	*text_r = buf_detach(&b);
	free(account);
	free(firm);
	free(contact);
	free(first);
	return GW_OK;
}

/* ---- API keys ---- */

static const char SQL_APIKEY_ADD[] =
	"INSERT INTO api_keys (name, key_sha256, created_at) VALUES (?1, ?2, ?3)";
static const char SQL_APIKEY_FIND[] =
	"SELECT id, name, key_sha256, created_at, revoked_at FROM api_keys"
	" WHERE key_sha256 = ?1 AND revoked_at IS NULL";
static const char SQL_APIKEY_REVOKE[] =
	"UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL";
static const char SQL_APIKEY_EXISTS[] = "SELECT id FROM api_keys WHERE id = ?1";
static const char SQL_APIKEY_LIST[] =
	"SELECT id, name, key_sha256, created_at, revoked_at FROM api_keys ORDER BY id";

static int is_sha256_hex(const char *h)
{
	if (h == NULL || strlen(h) != 64)
		return 0;
	for (const char *p = h; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

static void apikey_from_row(sqlite3_stmt *st, struct store_apikey *k)
{
	k->id = store_col_i64(st, 0);
	k->name = store_col_str(st, 1);
	k->key_sha256 = store_col_str(st, 2);
	k->created_at = store_col_i64(st, 3);
	k->revoked_at = store_col_i64(st, 4);
}

enum gw_result store_apikey_add(struct store *s, const char *name, const char *hash,
				int64_t *id_r, char **error_r)
{
	enum gw_result r = store_text_check("api key name", name, TEXT_MAX_NAME, 0, error_r);
	if (r != GW_OK)
		return r;
	if (!is_sha256_hex(hash))
		return store_fail(error_r, GW_INVALID,
				  "api key \"%s\": hash is not 64 lowercase hex digits", name);
	int rc = store_db_exec(s, SQL_APIKEY_ADD, "ssi", name, hash, clock_now());
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return store_fail(error_r, GW_PERMFAIL, "api key \"%s\": name or key already exists",
				  name);
	if (rc != SQLITE_OK)
		return store_db_fail(s, error_r, "api key \"%s\"", name);
	if (id_r != NULL)
		*id_r = store_db_last_id(s);
	return GW_OK;
}

enum gw_result store_apikey_find(struct store *s, const char *hash, struct store_apikey *k,
				 char **error_r)
{
	memset(k, 0, sizeof(*k));
	sqlite3_stmt *st = store_db_q(s, SQL_APIKEY_FIND, "s", hash != NULL ? hash : "");
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "api key: unknown or revoked");
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "api key");
	apikey_from_row(st, k);
	sqlite3_reset(st);
	return GW_OK;
}

enum gw_result store_apikey_revoke(struct store *s, int64_t id, char **error_r)
{
	if (store_db_exec(s, SQL_APIKEY_REVOKE, "ii", id, clock_now()) != SQLITE_OK)
		return store_db_fail(s, error_r, "revoke api key %lld", (long long)id);
	if (store_db_changes(s) > 0)
		return GW_OK;
	int64_t v;
	int rc = store_db_int(s, SQL_APIKEY_EXISTS, &v, "i", id);
	if (rc == SQLITE_ROW)
		return GW_OK; /* already revoked */
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "api key %lld: no such id", (long long)id);
	return store_db_fail(s, error_r, "revoke api key %lld", (long long)id);
}

enum gw_result store_apikey_list(struct store *s, struct store_apikey_list *list,
				 char **error_r)
{
	memset(list, 0, sizeof(*list));
	size_t cap = 0;
	sqlite3_stmt *st = store_db_q(s, SQL_APIKEY_LIST, "");
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW)
		apikey_from_row(st, store_vec_push(&list->items, &list->count, &cap,
						   sizeof(*list->items)));
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_apikey_list_free(list);
		return store_db_fail(s, error_r, "api key list");
	}
	return GW_OK;
}
