/*
 * webhooks.c - webhook endpoints and the delivery of their events: the
 * endpoints' rows (config sync, API add and remove, enable and disable),
 * and the delivery threads' side of the queue (claim under a lease, per
 * endpoint and thread in order; delivered, failed, released).  The events
 * themselves are written by webhook_events.c.  See store_webhooks.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "store_webhooks.h"

#define EP_COLS                                                                  \
	"e.id, e.name, e.url, e.secret_file, e.events, e.source = 'config', e.enabled," \
	" e.removed_at IS NOT NULL, coalesce(e.failing_since, 0),"                     \
	" coalesce(e.disabled_at, 0), e.disabled_reason, e.created_at,"                \
	" (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id"       \
	"  AND d.status IN ('queued', 'sending')),"                                     \
	" (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id"       \
	"  AND d.status = 'delivered'),"                                               \
	" (SELECT d.last_error FROM webhook_deliveries d WHERE d.endpoint_id = e.id"   \
	"  AND d.last_error IS NOT NULL ORDER BY d.id DESC LIMIT 1)"

static const char SQL_EP_GET[] = "SELECT " EP_COLS " FROM webhook_endpoints e WHERE e.id = ?1";
static const char SQL_EP_BY_NAME[] =
	"SELECT " EP_COLS " FROM webhook_endpoints e WHERE e.name = ?1";
static const char SQL_EP_LIST[] = "SELECT " EP_COLS " FROM webhook_endpoints e ORDER BY e.id";
static const char SQL_EP_SOURCE[] =
	"SELECT source = 'config' FROM webhook_endpoints WHERE name = ?1";
static const char SQL_EP_ADD[] =
	"INSERT INTO webhook_endpoints (name, url, secret_file, events, source, created_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_EP_UPDATE[] =
	"UPDATE webhook_endpoints SET url = ?2, secret_file = ?3, events = ?4,"
	" removed_at = NULL WHERE name = ?1";
static const char SQL_EP_UNMARK[] =
	"UPDATE webhook_endpoints SET removed_at = ?1 WHERE source = 'config'";
static const char SQL_EP_DELIVERIES_DELETE[] =
	"DELETE FROM webhook_deliveries WHERE endpoint_id = ?1";
static const char SQL_EP_DELETE[] =
	"DELETE FROM webhook_endpoints WHERE id = ?1 AND source = 'api'";
static const char SQL_EP_ENABLE[] =
	"UPDATE webhook_endpoints SET enabled = 1, failing_since = NULL, disabled_at = NULL,"
	" disabled_reason = NULL WHERE id = ?1";
static const char SQL_EP_DISABLE[] =
	"UPDATE webhook_endpoints SET enabled = 0, disabled_at = ?2, disabled_reason = ?3"
	" WHERE id = ?1 AND enabled = 1";
static const char SQL_EP_DUE_NOW[] =
	"UPDATE webhook_deliveries SET next_attempt_at = ?2"
	" WHERE endpoint_id = ?1 AND status = 'queued' AND next_attempt_at > ?2";

static void ep_from_row(sqlite3_stmt *st, struct store_webhook *e)
{
	e->id = store_col_i64(st, 0);
	e->name = store_col_str(st, 1);
	e->url = store_col_str(st, 2);
	e->secret_file = store_col_str(st, 3);
	e->events = (unsigned)store_col_i64(st, 4);
	e->from_config = (int)store_col_i64(st, 5);
	e->enabled = (int)store_col_i64(st, 6);
	e->removed = (int)store_col_i64(st, 7);
	e->failing_since = store_col_i64(st, 8);
	e->disabled_at = store_col_i64(st, 9);
	e->disabled_reason = store_col_str_null(st, 10);
	e->created_at = store_col_i64(st, 11);
	e->queued = store_col_i64(st, 12);
	e->delivered = store_col_i64(st, 13);
	e->last_error = store_col_str_null(st, 14);
}

static enum gw_result ep_one(struct store *s, sqlite3_stmt *st, const char *what,
			     struct store_webhook *e, char **error_r)
{
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;

	memset(e, 0, sizeof(*e));
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "webhook %s: no such endpoint", what);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "webhook %s", what);
	ep_from_row(st, e);
	sqlite3_reset(st);
	return GW_OK;
}

enum gw_result store_webhook_get(struct store *s, int64_t id, struct store_webhook *e,
				 char **error_r)
{
	char what[32];

	snprintf(what, sizeof(what), "%lld", (long long)id);
	return ep_one(s, store_db_q(s, SQL_EP_GET, "i", id), what, e, error_r);
}

enum gw_result store_webhook_find(struct store *s, const char *name, struct store_webhook *e,
				  char **error_r)
{
	if (*name != '\0' && strspn(name, "0123456789") == strlen(name) && strlen(name) < 18)
		return store_webhook_get(s, strtoll(name, NULL, 10), e, error_r);
	return ep_one(s, store_db_q(s, SQL_EP_BY_NAME, "s", name), name, e, error_r);
}

enum gw_result store_webhook_list(struct store *s, struct store_webhook_list *list,
				  char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, SQL_EP_LIST, "");
	size_t cap = 0;
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;

	memset(list, 0, sizeof(*list));
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW)
		ep_from_row(st, store_vec_push(&list->items, &list->count, &cap,
					       sizeof(*list->items)));
	if (rc != SQLITE_DONE) {
		store_webhook_list_free(list);
		return store_db_fail(s, error_r, "webhooks");
	}
	return GW_OK;
}

void store_webhook_clear(struct store_webhook *e)
{
	if (e == NULL)
		return;
	free(e->name);
	free(e->url);
	free(e->secret_file);
	free(e->disabled_reason);
	free(e->last_error);
	memset(e, 0, sizeof(*e));
}

void store_webhook_list_free(struct store_webhook_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		store_webhook_clear(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

static enum gw_result ep_check(const struct store_webhook_in *ep, char **error_r)
{
	enum gw_result r = store_text_check("webhook name", ep->name, 64, 0, error_r);

	if (r == GW_OK)
		r = store_text_check("webhook url", ep->url, 2000, 0, error_r);
	if (r == GW_OK)
		r = store_text_check("webhook secret_file", ep->secret_file, 4096, 0, error_r);
	if (r == GW_OK && ep->events == 0)
		r = store_fail(error_r, GW_INVALID, "webhook %s: no events", ep->name);
	return r;
}

/* 1 config, 0 api, -1 no such name; -2 on error. */
static int ep_source(struct store *s, const char *name, char **error_r)
{
	int64_t v = 0;
	int rc = store_db_int(s, SQL_EP_SOURCE, &v, "s", name);

	if (rc == SQLITE_DONE)
		return -1;
	if (rc != SQLITE_ROW) {
		store_db_fail(s, error_r, "webhook %s", name);
		return -2;
	}
	return (int)v;
}

enum gw_result store_webhook_sync(struct store *s, const struct store_webhook_in *eps, size_t n,
				  char **error_r)
{
	int64_t now = clock_now();
	enum gw_result r = GW_OK;

	for (size_t i = 0; i < n && r == GW_OK; i++)
		r = ep_check(&eps[i], error_r);
	if (r != GW_OK)
		return r;
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	if (store_db_exec(s, SQL_EP_UNMARK, "i", now) != SQLITE_OK)
		r = store_db_fail(s, error_r, "webhooks");
	for (size_t i = 0; i < n && r == GW_OK; i++) {
		const struct store_webhook_in *ep = &eps[i];
		int src = ep_source(s, ep->name, error_r);
		int rc = SQLITE_OK;

		if (src == -2)
			r = GW_TEMPFAIL;
		else if (src == 0)
			r = store_fail(error_r, GW_INVALID,
				       "[webhooks] %s: the name of an endpoint made through the"
				       " API; remove that one or rename this one", ep->name);
		else if (src == 1)
			rc = store_db_exec(s, SQL_EP_UPDATE, "sssi", ep->name, ep->url,
					   ep->secret_file, (int64_t)ep->events);
		else
			rc = store_db_exec(s, SQL_EP_ADD, "sssisi", ep->name, ep->url,
					   ep->secret_file, (int64_t)ep->events, "config", now);
		if (r == GW_OK && rc != SQLITE_OK)
			r = store_db_fail(s, error_r, "webhook %s", ep->name);
	}
	return store_tx_end(s, r, error_r);
}

enum gw_result store_webhook_add(struct store *s, const struct store_webhook_in *ep,
				 int64_t *id_r, char **error_r)
{
	enum gw_result r = ep_check(ep, error_r);

	if (r != GW_OK || (r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	int src = ep_source(s, ep->name, error_r);
	if (src == -2)
		r = GW_TEMPFAIL;
	else if (src >= 0)
		r = store_fail(error_r, GW_PERMFAIL, "webhook %s: name already in use", ep->name);
	else if (store_db_exec(s, SQL_EP_ADD, "sssisi", ep->name, ep->url, ep->secret_file,
			       (int64_t)ep->events, "api", clock_now()) != SQLITE_OK)
		r = store_db_fail(s, error_r, "webhook %s", ep->name);
	else if (id_r != NULL)
		*id_r = store_db_last_id(s);
	return store_tx_end(s, r, error_r);
}

enum gw_result store_webhook_remove(struct store *s, int64_t id, char **error_r)
{
	struct store_webhook e;
	enum gw_result r = store_tx_begin(s, 1, error_r);

	if (r != GW_OK)
		return r;
	r = store_webhook_get(s, id, &e, error_r);
	if (r == GW_OK && e.from_config)
		r = store_fail(error_r, GW_PERMFAIL,
			       "webhook %s: comes from [webhooks] in the config file; remove it there",
			       e.name);
	if (r == GW_OK && (store_db_exec(s, SQL_EP_DELIVERIES_DELETE, "i", id) != SQLITE_OK ||
			   store_db_exec(s, SQL_EP_DELETE, "i", id) != SQLITE_OK))
		r = store_db_fail(s, error_r, "webhook %lld", (long long)id);
	store_webhook_clear(&e);
	return store_tx_end(s, r, error_r);
}

enum gw_result store_webhook_set_enabled(struct store *s, int64_t id, int on, char **error_r)
{
	struct store_webhook e;
	int64_t now = clock_now();
	enum gw_result r = store_tx_begin(s, 1, error_r);

	if (r != GW_OK)
		return r;
	r = store_webhook_get(s, id, &e, error_r);
	store_webhook_clear(&e);
	if (r == GW_OK && on &&
	    (store_db_exec(s, SQL_EP_ENABLE, "i", id) != SQLITE_OK ||
	     store_db_exec(s, SQL_EP_DUE_NOW, "ii", id, now) != SQLITE_OK))
		r = store_db_fail(s, error_r, "webhook %lld", (long long)id);
	if (r == GW_OK && !on &&
	    store_db_exec(s, SQL_EP_DISABLE, "iin", id, now) != SQLITE_OK)
		r = store_db_fail(s, error_r, "webhook %lld", (long long)id);
	return store_tx_end(s, r, error_r);
}

/* ---- deliveries ---- */

/*
 * Due, endpoint enabled, and the first of its (endpoint, thread) not yet
 * delivered: an earlier one still queued or sending holds it back.
 */
static const char SQL_DL_DUE[] =
	"SELECT d.id FROM webhook_deliveries d"
	" JOIN webhook_endpoints e ON e.id = d.endpoint_id"
	" WHERE ((d.status = 'queued' AND d.next_attempt_at <= ?1)"
	"  OR (d.status = 'sending' AND d.lease_until < ?1))"
	" AND e.enabled = 1 AND e.removed_at IS NULL"
	" AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p"
	"  WHERE p.endpoint_id = d.endpoint_id AND p.thread_key = d.thread_key"
	"  AND p.status IN ('queued', 'sending') AND p.id < d.id)"
	" ORDER BY d.id LIMIT ?2";
static const char SQL_DL_CLAIM[] =
	"UPDATE webhook_deliveries SET status = 'sending', lease_until = ?2,"
	" attempts = attempts + 1 WHERE id = ?1";
static const char SQL_DL_GET[] =
	"SELECT d.id, d.endpoint_id, e.name, e.url, e.secret_file, v.event_id, v.type, v.body,"
	" d.thread_key, d.attempts, d.created_at"
	" FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id"
	" JOIN webhook_events v ON v.id = d.event_id WHERE d.id = ?1";
static const char SQL_DL_DELIVERED[] =
	"UPDATE webhook_deliveries SET status = 'delivered', delivered_at = ?2,"
	" lease_until = NULL WHERE id = ?1 AND status = 'sending'";
static const char SQL_DL_ENDPOINT_OK[] =
	"UPDATE webhook_endpoints SET failing_since = NULL WHERE id ="
	" (SELECT endpoint_id FROM webhook_deliveries WHERE id = ?1)";
static const char SQL_DL_DEFER[] =
	"UPDATE webhook_deliveries SET status = 'queued', next_attempt_at = ?2,"
	" last_error = ?3, lease_until = NULL WHERE id = ?1 AND status = 'sending'";
static const char SQL_DL_ENDPOINT_FAILING[] =
	"UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, ?2) WHERE id = ?1";
static const char SQL_DL_ENDPOINT_OF[] =
	"SELECT endpoint_id FROM webhook_deliveries WHERE id = ?1";
static const char SQL_DL_RELEASE[] =
	"UPDATE webhook_deliveries SET status = 'queued', lease_until = NULL,"
	" attempts = max(attempts - 1, 0), next_attempt_at = min(next_attempt_at, ?2)"
	" WHERE id = ?1 AND status = 'sending'";
static const char SQL_DL_NEXT[] =
	"SELECT min(CASE d.status WHEN 'queued' THEN d.next_attempt_at ELSE d.lease_until END)"
	" FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id"
	" WHERE d.status IN ('queued', 'sending') AND e.enabled = 1 AND e.removed_at IS NULL";
static const char SQL_OWNERS[] =
	"SELECT id, email FROM staff WHERE notify = 1 AND role = 'owner' ORDER BY id";

static enum gw_result delivery_get(struct store *s, int64_t id,
				   struct store_webhook_delivery *d, char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, SQL_DL_GET, "i", id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;

	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "webhook delivery %lld", (long long)id);
	d->id = store_col_i64(st, 0);
	d->endpoint_id = store_col_i64(st, 1);
	d->endpoint_name = store_col_str(st, 2);
	d->url = store_col_str(st, 3);
	d->secret_file = store_col_str(st, 4);
	d->event_id = store_col_str(st, 5);
	d->type = store_col_str(st, 6);
	d->body = store_col_str(st, 7);
	d->thread_key = store_col_i64(st, 8);
	d->attempts = (int)store_col_i64(st, 9);
	d->created_at = store_col_i64(st, 10);
	sqlite3_reset(st);
	return GW_OK;
}

enum gw_result store_webhook_claim(struct store *s, int64_t now, int64_t lease, int max,
				   struct store_webhook_delivery_list *list, char **error_r)
{
	int64_t *ids = NULL;
	size_t n = 0, cap = 0, cap2 = 0;
	enum gw_result r;

	memset(list, 0, sizeof(*list));
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	sqlite3_stmt *st = store_db_q(s, SQL_DL_DUE, "id", now, max);
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW)
		*(int64_t *)store_vec_push(&ids, &n, &cap, sizeof(*ids)) = store_col_i64(st, 0);
	if (rc != SQLITE_DONE)
		r = store_db_fail(s, error_r, "webhook claim");
	for (size_t i = 0; i < n && r == GW_OK; i++) {
		if (store_db_exec(s, SQL_DL_CLAIM, "ii", ids[i], now + lease) != SQLITE_OK)
			r = store_db_fail(s, error_r, "webhook claim");
		else
			r = delivery_get(s, ids[i],
					 store_vec_push(&list->items, &list->count, &cap2,
							sizeof(*list->items)),
					 error_r);
	}
	free(ids);
	r = store_tx_end(s, r, error_r);
	if (r != GW_OK)
		store_webhook_delivery_list_free(list);
	return r;
}

enum gw_result store_webhook_delivered(struct store *s, int64_t id, int64_t now, char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);

	if (r != GW_OK)
		return r;
	if (store_db_exec(s, SQL_DL_DELIVERED, "ii", id, now) != SQLITE_OK ||
	    store_db_exec(s, SQL_DL_ENDPOINT_OK, "i", id) != SQLITE_OK)
		r = store_db_fail(s, error_r, "webhook delivery %lld", (long long)id);
	return store_tx_end(s, r, error_r);
}

/* A staff_webhook_disabled email to every owner with notify on. */
static enum gw_result tell_owners(struct store *s, const struct store_webhook *e,
				  const char *why, int64_t now, char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, SQL_OWNERS, "");
	int64_t *ids = NULL;
	char **addrs = NULL;
	size_t n = 0, cap = 0, cap2 = 0, n2 = 0;
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;
	enum gw_result r = GW_OK;
	char *extra = xasprintf("%s (%s): %s", e->name, e->url, why);

	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW) {
		*(int64_t *)store_vec_push(&ids, &n, &cap, sizeof(*ids)) = store_col_i64(st, 0);
		*(char **)store_vec_push(&addrs, &n2, &cap2, sizeof(*addrs)) = store_col_str(st, 1);
	}
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		r = store_db_fail(s, error_r, "owners");
	for (size_t i = 0; i < n && r == GW_OK; i++) {
		char *key = xasprintf("webhook_disabled:%lld:%lld:%lld", (long long)e->id,
				      (long long)ids[i], (long long)now);
		struct outbox_new o = {
			.kind = MAIL_STAFF_WEBHOOK_DISABLED, .rkind = STORE_STAFF, .rid = ids[i],
			.address = addrs[i], .extra = extra, .dedup_key = key, .now = now,
		};
		r = store_outbox_add(s, &o, 1, NULL, NULL, error_r);
		free(key);
	}
	for (size_t i = 0; i < n2; i++)
		free(addrs[i]);
	free(addrs);
	free(ids);
	free(extra);
	return r;
}

enum gw_result store_webhook_failed(struct store *s, int64_t id, int64_t now, int64_t next,
				    const char *why, int64_t disable_after, int *disabled_r,
				    char **error_r)
{
	struct store_webhook e = { 0 };
	int64_t ep = 0;
	char *cut = xstrndup(why != NULL ? why : "", 1000);
	enum gw_result r = store_tx_begin(s, 1, error_r);

	if (disabled_r != NULL)
		*disabled_r = 0;
	if (r != GW_OK)
		goto out;
	int rc = store_db_int(s, SQL_DL_ENDPOINT_OF, &ep, "i", id);
	if (rc != SQLITE_ROW ||
	    store_db_exec(s, SQL_DL_DEFER, "iis", id, next, cut) != SQLITE_OK ||
	    store_db_exec(s, SQL_DL_ENDPOINT_FAILING, "ii", ep, now) != SQLITE_OK)
		r = rc == SQLITE_DONE ? store_fail(error_r, GW_NOTFOUND,
						   "webhook delivery %lld: no such id", (long long)id)
				      : store_db_fail(s, error_r, "webhook delivery %lld",
						      (long long)id);
	if (r == GW_OK)
		r = store_webhook_get(s, ep, &e, error_r);
	if (r == GW_OK && e.enabled && now - e.failing_since >= disable_after) {
		if (store_db_exec(s, SQL_EP_DISABLE, "iis", ep, now, cut) != SQLITE_OK)
			r = store_db_fail(s, error_r, "webhook %s", e.name);
		else
			r = tell_owners(s, &e, cut, now, error_r);
		if (r == GW_OK && disabled_r != NULL)
			*disabled_r = 1;
	}
	r = store_tx_end(s, r, error_r);
out:
	store_webhook_clear(&e);
	free(cut);
	return r;
}

enum gw_result store_webhook_release(struct store *s, int64_t id, char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);

	if (r != GW_OK)
		return r;
	if (store_db_exec(s, SQL_DL_RELEASE, "ii", id, clock_now()) != SQLITE_OK)
		r = store_db_fail(s, error_r, "webhook delivery %lld", (long long)id);
	return store_tx_end(s, r, error_r);
}

enum gw_result store_webhook_next_due(struct store *s, int64_t *due_r, char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, SQL_DL_NEXT, "");
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;

	*due_r = 0;
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "webhook next due");
	int null = sqlite3_column_type(st, 0) == SQLITE_NULL;
	*due_r = store_col_i64(st, 0);
	sqlite3_reset(st);
	return null ? GW_NOTFOUND : GW_OK;
}

static const char SQL_PRUNE_DELIVERIES[] =
	"DELETE FROM webhook_deliveries WHERE status = 'delivered' AND delivered_at < ?1";
static const char SQL_PRUNE_EVENTS[] =
	"DELETE FROM webhook_events WHERE created_at < ?1 AND NOT EXISTS"
	" (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)";

enum gw_result store_webhook_prune(struct store *s, int64_t before, int64_t *n_r,
				   char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);

	*n_r = 0;
	if (r != GW_OK)
		return r;
	if (store_db_exec(s, SQL_PRUNE_DELIVERIES, "i", before) != SQLITE_OK ||
	    store_db_exec(s, SQL_PRUNE_EVENTS, "i", before) != SQLITE_OK)
		r = store_db_fail(s, error_r, "webhook prune");
	else
		*n_r = store_db_changes(s);
	return store_tx_end(s, r, error_r);
}

void store_webhook_delivery_list_free(struct store_webhook_delivery_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		struct store_webhook_delivery *d = &list->items[i];

		free(d->endpoint_name);
		free(d->url);
		free(d->secret_file);
		free(d->event_id);
		free(d->type);
		free(d->body);
	}
	free(list->items);
	memset(list, 0, sizeof(*list));
}
