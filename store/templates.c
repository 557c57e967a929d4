/*
 * templates.c - chat templates and the admin API's keys.  The shortcodes
 * a template may hold are in shortcodes.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* ---- templates ---- */

/* tasks NULL (?5) keeps a template's tasks as they are. */
static const char SQL_TEMPLATE_SET[] =
	"INSERT INTO templates (name, subject, body, updated_at, tasks)"
	" VALUES (?1, ?2, ?3, ?4, coalesce(?5, ''))"
	" ON CONFLICT (name) DO UPDATE SET subject = excluded.subject, body = excluded.body,"
	" updated_at = excluded.updated_at, tasks = coalesce(?5, tasks)";
static const char SQL_TEMPLATE_GET[] =
	"SELECT id, name, subject, body, tasks FROM templates WHERE name = ?1";
static const char SQL_TEMPLATE_GET_ID[] =
	"SELECT id, name, subject, body, tasks FROM templates WHERE id = ?1";
static const char SQL_TEMPLATE_DELETE[] = "DELETE FROM templates WHERE name = ?1";
static const char SQL_TEMPLATE_LIST[] =
	"SELECT id, name, subject, body, tasks FROM templates ORDER BY name";
static const char SQL_TEMPLATE_RENAME[] =
	"UPDATE templates SET name = ?2, subject = ?3, body = ?4, tasks = ?5, updated_at = ?6"
	" WHERE id = ?1";

static void template_from_row(sqlite3_stmt *st, struct store_template *t)
{
	t->id = store_col_i64(st, 0);
	t->name = store_col_str(st, 1);
	t->subject = store_col_str(st, 2);
	t->body = store_col_str(st, 3);
	t->tasks = store_col_str(st, 4);
}

/* The fields of a template, each checked the way a new chat checks them. */
static enum gw_result template_check(const char *name, const char *subject, const char *body,
				     const char *tasks, char **error_r)
{
	enum gw_result r = store_text_check("template name", name, TEXT_MAX_NAME, 0, error_r);
	if (r == GW_OK)
		r = store_text_check("template subject", subject, TEXT_MAX_SUBJECT, 0, error_r);
	if (r == GW_OK)
		r = store_text_check("template body", body, TEXT_MAX_BODY, 1, error_r);
	if (r == GW_OK)
		r = store_shortcodes_check("template subject", subject, 0, error_r);
	if (r == GW_OK)
		r = store_shortcodes_check("template body", body, 1, error_r);
	size_t n = 0;
	char **lines = tasks != NULL ? store_text_lines(tasks, &n) : NULL;
	if (r == GW_OK && n > 100)
		r = store_fail(error_r, GW_INVALID, "template tasks: more than 100");
	for (size_t i = 0; i < n; i++) {
		if (r == GW_OK)
			r = store_text_check("template task", lines[i], TEXT_MAX_TASK, 0, error_r);
		free(lines[i]);
	}
	free(lines);
	return r;
}

enum gw_result store_template_set(struct store *s, const char *name, const char *subject,
				  const char *body, char **error_r)
{
	return store_template_save(s, name, subject, body, NULL, error_r);
}

enum gw_result store_template_save(struct store *s, const char *name, const char *subject,
				   const char *body, const char *tasks, char **error_r)
{
	enum gw_result r = template_check(name, subject, body, tasks, error_r);
	if (r != GW_OK)
		return r;
	if (store_db_exec(s, SQL_TEMPLATE_SET, "sssis", name, subject, body, clock_now(), tasks) !=
	    SQLITE_OK)
		return store_db_fail(s, error_r, "template \"%s\"", name);
	return GW_OK;
}

enum gw_result store_template_update(struct store *s, int64_t id, const char *name,
				     const char *subject, const char *body, const char *tasks,
				     char **error_r)
{
	enum gw_result r = template_check(name, subject, body, tasks != NULL ? tasks : "",
					  error_r);
	if (r != GW_OK)
		return r;
	int rc = store_db_exec(s, SQL_TEMPLATE_RENAME, "issssi", id, name, subject, body,
			       tasks != NULL ? tasks : "", clock_now());
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return store_fail(error_r, GW_PERMFAIL, "template \"%s\": the name is taken", name);
	if (rc != SQLITE_OK)
		return store_db_fail(s, error_r, "template %lld", (long long)id);
	if (store_db_changes(s) == 0)
		return store_fail(error_r, GW_NOTFOUND, "template %lld: no such template",
				  (long long)id);
	return GW_OK;
}

enum gw_result store_template_get_id(struct store *s, int64_t id, struct store_template *t,
				     char **error_r)
{
	memset(t, 0, sizeof(*t));
	sqlite3_stmt *st = store_db_q(s, SQL_TEMPLATE_GET_ID, "i", id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "template %lld: no such template",
				  (long long)id);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "template %lld", (long long)id);
	template_from_row(st, t);
	sqlite3_reset(st);
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
