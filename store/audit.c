/*
 * audit.c - the append-only audit log (audit.h): appending entries and
 * reading them back, newest first, a page at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "store_int.h"

#define AUDIT_FIELD_MAX 200
#define AUDIT_LIMIT_DEFAULT 100
#define AUDIT_LIMIT_MAX 1000

static const char *const actions[] = {
	"view", "post", "note", "archive", "reopen", "resend", "reminders", "task", "link",
	"contact", "account", "hold", "export", "erase", "key_rotation", "api_key",
	"audit", "webhook", "follow", "signin", "view_as",
	"template", "content", "language",
};

static const char *const actor_names[] = {
	[STORE_AUDIT_STAFF] = "staff",
	[STORE_AUDIT_API] = "api",
	[STORE_AUDIT_CLI] = "cli",
	[STORE_AUDIT_SYSTEM] = "system",
};

int store_audit_action_known(const char *action)
{
	if (action == NULL)
		return 0;
	for (size_t i = 0; i < GW_ARRAY_SIZE(actions); i++)
		if (strcmp(action, actions[i]) == 0)
			return 1;
	return 0;
}

const char *store_audit_actor_name(enum store_audit_actor a)
{
	if ((size_t)a < GW_ARRAY_SIZE(actor_names) && actor_names[a] != NULL)
		return actor_names[a];
	return "unknown";
}

static enum store_audit_actor actor_parse(const char *s)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(actor_names); i++)
		if (actor_names[i] != NULL && strcmp(s, actor_names[i]) == 0)
			return (enum store_audit_actor)i;
	return 0;
}

static const char SQL_AUDIT_ADD[] =
	"INSERT INTO audit_log (at, actor_kind, actor_id, actor_name, action, account_id,"
	" thread_id, target, client, api_key) VALUES (?1, ?2, ?3, ?4, ?5,"
	" coalesce(?6, (SELECT account_id FROM threads WHERE id = ?7)), ?7, ?8, ?9, ?10)";

/* One short line: no control characters, at most AUDIT_FIELD_MAX bytes. */
static enum gw_result check_field(const char *what, const char *v, int required,
				  char **error_r)
{
	if (v == NULL || v[0] == '\0')
		return required ? store_fail(error_r, GW_INVALID, "audit: no %s", what) : GW_OK;
	if (strlen(v) > AUDIT_FIELD_MAX)
		return store_fail(error_r, GW_INVALID, "audit: %s over %d bytes", what,
				  AUDIT_FIELD_MAX);
	for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return store_fail(error_r, GW_INVALID, "audit: %s: control character",
					  what);
	return GW_OK;
}

static enum gw_result audit_check(const struct store_audit_in *in, char **error_r)
{
	enum gw_result r;

	if (!store_audit_action_known(in->action))
		return store_fail(error_r, GW_INVALID, "audit: unknown action \"%s\"",
				  in->action != NULL ? in->action : "");
	if (strcmp(store_audit_actor_name(in->actor), "unknown") == 0)
		return store_fail(error_r, GW_INVALID, "audit: unknown actor kind %d",
				  (int)in->actor);
	if ((r = check_field("actor name", in->actor_name, 1, error_r)) != GW_OK ||
	    (r = check_field("target", in->target, 0, error_r)) != GW_OK ||
	    (r = check_field("client", in->client, 0, error_r)) != GW_OK ||
	    (r = check_field("api key name", in->api_key, 0, error_r)) != GW_OK)
		return r;
	return GW_OK;
}

static enum gw_result audit_insert(struct store *s, const struct store_audit_in *in,
				   int64_t *id_r, char **error_r)
{
	enum gw_result r = audit_check(in, error_r);

	if (r != GW_OK)
		return r;
	int rc = store_db_exec(s, SQL_AUDIT_ADD, "isIssIIsss",
			       in->at != 0 ? in->at : clock_now(),
			       store_audit_actor_name(in->actor), in->actor_id, in->actor_name,
			       in->action, in->account_id, in->thread_id, in->target,
			       in->client, in->api_key);
	if (rc != SQLITE_OK)
		return store_db_fail(s, error_r, "audit log");
	if (id_r != NULL)
		*id_r = store_db_last_id(s);
	return GW_OK;
}

enum gw_result store_audit_append(struct store *s, const struct store_audit_in *in,
				  int64_t *id_r, char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);

	if (r != GW_OK)
		return r;
	r = audit_insert(s, in, id_r, error_r);
	return store_tx_end(s, r, error_r);
}

enum gw_result store_audit_append_many(struct store *s, const struct store_audit_in *in,
				       size_t n, char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);

	for (size_t i = 0; r == GW_OK && i < n; i++) {
		char *why = NULL;

		/* One bad entry must not cost the others their row. */
		if (audit_check(&in[i], &why) != GW_OK) {
			free(why);
			continue;
		}
		r = audit_insert(s, &in[i], NULL, error_r);
	}
	return store_tx_end(s, r, error_r);
}

static const char SQL_AUDIT_LIST[] =
	"SELECT id, at, actor_kind, coalesce(actor_id, 0), actor_name, action,"
	" coalesce(account_id, 0), coalesce(thread_id, 0), target, client, api_key"
	" FROM audit_log WHERE (?1 = 0 OR account_id = ?1) AND at >= ?2"
	" AND (?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?4";

enum gw_result store_audit_list(struct store *s, const struct store_audit_filter *f,
				struct store_audit_list *list_r, char **error_r)
{
	int limit = f->limit > 0 ? f->limit : AUDIT_LIMIT_DEFAULT;
	size_t cap = 0;
	int rc;

	memset(list_r, 0, sizeof(*list_r));
	if (limit > AUDIT_LIMIT_MAX)
		return store_fail(error_r, GW_INVALID, "audit: limit %d over %d", limit,
				  AUDIT_LIMIT_MAX);
	/* One more than asked tells whether another page follows. */
	sqlite3_stmt *st = store_db_q(s, SQL_AUDIT_LIST, "iiii", f->account_id, f->since,
				      f->before_id, (int64_t)limit + 1);
	if (st == NULL)
		return store_db_fail(s, error_r, "audit log");
	while ((rc = store_db_step(s, st)) == SQLITE_ROW) {
		if (list_r->count == (size_t)limit) {
			list_r->more = 1;
			continue;
		}
		struct store_audit *a = store_vec_push(&list_r->items, &list_r->count, &cap,
						       sizeof(*a));
		char *kind = store_col_str(st, 2);

		a->id = store_col_i64(st, 0);
		a->at = store_col_i64(st, 1);
		a->actor = actor_parse(kind);
		free(kind);
		a->actor_id = store_col_i64(st, 3);
		a->actor_name = store_col_str(st, 4);
		a->action = store_col_str(st, 5);
		a->account_id = store_col_i64(st, 6);
		a->thread_id = store_col_i64(st, 7);
		a->target = store_col_str_null(st, 8);
		a->client = store_col_str_null(st, 9);
		a->api_key = store_col_str_null(st, 10);
	}
	if (rc != SQLITE_DONE) {
		store_audit_list_free(list_r);
		return store_db_fail(s, error_r, "audit log");
	}
	sqlite3_reset(st);
	return GW_OK;
}

void store_audit_list_free(struct store_audit_list *list)
{
	if (list == NULL)
		return;
	for (size_t i = 0; i < list->count; i++) {
		struct store_audit *a = &list->items[i];

		free(a->actor_name);
		free(a->action);
		free(a->target);
		free(a->client);
		free(a->api_key);
	}
	free(list->items);
	memset(list, 0, sizeof(*list));
}

static char *dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void store_audit_in_copy(struct store_audit_in *dst, const struct store_audit_in *src)
{
	*dst = *src;
	dst->actor_name = dup_or_null(src->actor_name);
	dst->action = dup_or_null(src->action);
	dst->target = dup_or_null(src->target);
	dst->client = dup_or_null(src->client);
	dst->api_key = dup_or_null(src->api_key);
}

void store_audit_in_free(struct store_audit_in *in)
{
	if (in == NULL)
		return;
	free((char *)in->actor_name);
	free((char *)in->action);
	free((char *)in->target);
	free((char *)in->client);
	free((char *)in->api_key);
	memset(in, 0, sizeof(*in));
}
