/*
 * signin.c - sign-in links asked for by address, their limits, and web
 * sessions as rows (see signin.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signin.h"
#include "store_int.h"

static const char SQL_RATE_FORGET[] =
	"DELETE FROM signin_rate WHERE at <= ?1";
static const char SQL_RATE_COUNT[] =
	"SELECT count(*) FROM signin_rate WHERE key = ?1 AND at > ?2";
static const char SQL_RATE_ADD[] =
	"INSERT INTO signin_rate (key, at) VALUES (?1, ?2)";

/* Staff first, then contacts by account: the order of the pick page. */
static const char SQL_IDENTITIES[] =
	"SELECT 'staff', id, name, NULL FROM staff WHERE email = ?1"
	" UNION ALL"
	" SELECT 'contact', c.id, c.name, a.name FROM contacts c"
	" JOIN accounts a ON a.id = c.account_id"
	" WHERE c.email = ?1 AND c.removed_at IS NULL"
	" ORDER BY 1 DESC, 4, 2";

static const char SQL_LINK_ADD[] =
	"INSERT INTO signin_links (email, salt, identities, created_at, expires_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_LINK_GET[] =
	"SELECT email, salt, expires_at, used_at, picked_at FROM signin_links WHERE id = ?1";
static const char SQL_LINK_USE[] =
	"UPDATE signin_links SET used_at = ?2, picked_at = CASE WHEN ?3 THEN ?2 END"
	" WHERE id = ?1 AND used_at IS NULL";
static const char SQL_LINK_PICK[] =
	"UPDATE signin_links SET picked_at = ?2 WHERE id = ?1 AND picked_at IS NULL";
/* Written the same way for everyone: queued, or failed already. */
static const char SQL_OUTBOX_STATE[] =
	"UPDATE outbox SET status = ?2, last_error = ?3 WHERE id = ?1";

static const char SQL_SESSION_ADD[] =
	"INSERT INTO sessions (principal_kind, principal_id, user_agent, created_at,"
	" last_seen_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?4, ?5)";
static const char SQL_SESSION_GET[] =
	"SELECT id, principal_kind, principal_id, user_agent, created_at, last_seen_at,"
	" expires_at FROM sessions WHERE id = ?1";
static const char SQL_SESSION_LIST[] =
	"SELECT id, principal_kind, principal_id, user_agent, created_at, last_seen_at,"
	" expires_at FROM sessions WHERE principal_kind = ?1 AND principal_id = ?2"
	" AND expires_at > ?3 ORDER BY last_seen_at DESC, id DESC";
static const char SQL_SESSION_TOUCH[] =
	"UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1 AND last_seen_at < ?2";
static const char SQL_SESSION_END[] =
	"DELETE FROM sessions WHERE principal_kind = ?1 AND principal_id = ?2 AND id = ?3";
static const char SQL_SESSION_END_ALL[] =
	"DELETE FROM sessions WHERE principal_kind = ?1 AND principal_id = ?2";

void store_identity_list_free(struct store_identity_list *list)
{
	if (list == NULL)
		return;
	for (size_t i = 0; i < list->count; i++) {
		free(list->items[i].name);
		free(list->items[i].account_name);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

static enum gw_result identities(struct store *s, const char *email,
				 struct store_identity_list *out, char **error_r)
{
	size_t cap = 0;
	sqlite3_stmt *st = store_db_q(s, SQL_IDENTITIES, "s", email);
	int rc;

	if (st == NULL)
		return store_db_fail(s, error_r, "sign-in: people with an address");
	while ((rc = store_db_step(s, st)) == SQLITE_ROW) {
		struct store_identity *id = store_vec_push(&out->items, &out->count, &cap,
							   sizeof(*id));

		id->kind = store_kind_from_col(st, 0);
		id->id = store_col_i64(st, 1);
		id->name = store_col_str(st, 2);
		id->account_name = store_col_str_null(st, 3);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_identity_list_free(out);
		return store_db_fail(s, error_r, "sign-in: people with an address");
	}
	return GW_OK;
}

/* 1 when key has had fewer than max requests since the window began. */
static enum gw_result rate_under(struct store *s, const char *key, int64_t since, int max,
				 int *under_r, char **error_r)
{
	int64_t n = 0;

	if (store_db_int(s, SQL_RATE_COUNT, &n, "si", key, since) != SQLITE_ROW)
		return store_db_fail(s, error_r, "sign-in: rate of %s", key);
	*under_r = n < max;
	return GW_OK;
}

static enum gw_result rate_check(struct store *s, const char *email, const char *client,
				 int64_t now, char keys[2][300], int *under_r, char **error_r)
{
	int64_t since = now - STORE_SIGNIN_WINDOW;
	int a = 0, c = 0;
	enum gw_result r;

	snprintf(keys[0], 300, "a:%s", email);
	snprintf(keys[1], 300, "i:%s", client);
	/* Lower-case the address: the same person, however it was typed. */
	for (char *p = keys[0]; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (store_db_exec(s, SQL_RATE_FORGET, "i", since) != SQLITE_OK)
		return store_db_fail(s, error_r, "sign-in: forget old requests");
	r = rate_under(s, keys[0], since, STORE_SIGNIN_PER_ADDRESS, &a, error_r);
	if (r == GW_OK)
		r = rate_under(s, keys[1], since, STORE_SIGNIN_PER_CLIENT, &c, error_r);
	*under_r = a && c;
	return r;
}

static enum gw_result request_queue(struct store *s, const char *email,
				    const struct store_identity_list *ids, int64_t now,
				    char keys[2][300], char **error_r)
{
	char hex[33], extra[96];
	uint32_t salt;
	int64_t link_id, outbox_id = 0;
	enum gw_result r;

	for (int i = 0; i < 2; i++)
		if (store_db_exec(s, SQL_RATE_ADD, "si", keys[i], now) != SQLITE_OK)
			return store_db_fail(s, error_r, "sign-in: count a request");
	if (store_text_random_hex(hex) < 0)
		return store_fail(error_r, GW_TEMPFAIL, "sign-in: no random bytes");
	hex[8] = '\0';
	salt = (uint32_t)strtoul(hex, NULL, 16);
	if (store_db_exec(s, SQL_LINK_ADD, "siiii", email, (int64_t)salt, (int64_t)ids->count,
			  now, now + STORE_SIGNIN_TTL) != SQLITE_OK)
		return store_db_fail(s, error_r, "sign-in: new link");
	link_id = store_db_last_id(s);
	snprintf(extra, sizeof(extra), "%lld:%lu:%lld", (long long)link_id, (unsigned long)salt,
		 (long long)(now + STORE_SIGNIN_TTL));
	/* The greeting names the first person; the link signs in whoever
	 * is picked. */
	struct outbox_new o = {
		.kind = MAIL_SIGNIN_LINK,
		.rkind = ids->count > 0 ? ids->items[0].kind : STORE_ADDRESS,
		.rid = ids->count > 0 ? ids->items[0].id : 0,
		.address = email, .extra = extra, .now = now,
	};
	r = store_outbox_add(s, &o, 0, &outbox_id, NULL, error_r);
	if (r != GW_OK)
		return r;
	if (store_db_exec(s, SQL_OUTBOX_STATE, "iss", outbox_id,
			  ids->count > 0 ? "queued" : "failed",
			  ids->count > 0 ? NULL : "no one signs in with this address") != SQLITE_OK)
		return store_db_fail(s, error_r, "sign-in: outbox %lld", (long long)outbox_id);
	return GW_OK;
}

enum gw_result store_signin_request(struct store *s, const char *email, const char *client,
				    int64_t now, enum store_signin_outcome *outcome_r,
				    char **error_r)
{
	struct store_identity_list ids = { 0 };
	char keys[2][300];
	int under = 0;
	enum gw_result r;

	*outcome_r = STORE_SIGNIN_LIMITED;
	if (email == NULL || *email == '\0' || strlen(email) > 254)
		return store_fail(error_r, GW_INVALID, "sign-in: email: empty or too long");
	if (client == NULL || *client == '\0')
		return store_fail(error_r, GW_INVALID, "sign-in: client address: empty");
	r = store_tx_begin(s, 1, error_r);
	if (r != GW_OK)
		return r;
	/* The look-up comes first whatever follows: the same work for every
	 * address, known or not, limited or not. */
	r = identities(s, email, &ids, error_r);
	if (r == GW_OK)
		r = rate_check(s, email, client, now, keys, &under, error_r);
	if (r == GW_OK && under) {
		r = request_queue(s, email, &ids, now, keys, error_r);
		*outcome_r = ids.count > 0 ? STORE_SIGNIN_QUEUED : STORE_SIGNIN_NOBODY;
	}
	store_identity_list_free(&ids);
	return store_tx_end(s, r, error_r);
}

/* The row of link (id, salt): its verdict at now, and its address. */
static enum gw_result link_read(struct store *s, int64_t id, uint32_t salt, int64_t now,
				int pick, enum store_signin_verdict *v_r, char **email_r,
				char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, SQL_LINK_GET, "i", id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;

	*email_r = NULL;
	*v_r = STORE_SIGNIN_UNKNOWN;
	if (rc == SQLITE_DONE)
		return GW_OK;
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "sign-in link %lld", (long long)id);
	if ((uint32_t)store_col_i64(st, 1) != salt) {
		sqlite3_reset(st);
		return GW_OK;
	}
	if (!pick) {
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			*v_r = STORE_SIGNIN_USED;
		else if (now >= store_col_i64(st, 2))
			*v_r = STORE_SIGNIN_EXPIRED;
		else
			*v_r = STORE_SIGNIN_OK;
	} else {
		if (sqlite3_column_type(st, 3) == SQLITE_NULL)
			*v_r = STORE_SIGNIN_UNKNOWN;   /* not used yet: no pick */
		else if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			*v_r = STORE_SIGNIN_USED;
		else if (now >= store_col_i64(st, 3) + STORE_SIGNIN_PICK_TTL)
			*v_r = STORE_SIGNIN_EXPIRED;
		else
			*v_r = STORE_SIGNIN_OK;
	}
	*email_r = store_col_str(st, 0);
	sqlite3_reset(st);
	return GW_OK;
}

enum gw_result store_signin_check(struct store *s, int64_t id, uint32_t salt, int64_t now,
				  int consume, enum store_signin_verdict *v_r,
				  struct store_identity_list *ids_r, char **error_r)
{
	char *email = NULL;
	enum gw_result r;

	memset(ids_r, 0, sizeof(*ids_r));
	r = store_tx_begin(s, consume, error_r);
	if (r != GW_OK)
		return r;
	r = link_read(s, id, salt, now, 0, v_r, &email, error_r);
	if (r == GW_OK && *v_r == STORE_SIGNIN_OK)
		r = identities(s, email, ids_r, error_r);
	if (r == GW_OK && *v_r == STORE_SIGNIN_OK && consume) {
		if (store_db_exec(s, SQL_LINK_USE, "iid", id, now, ids_r->count == 1) != SQLITE_OK)
			r = store_db_fail(s, error_r, "sign-in link %lld: use", (long long)id);
		else if (store_db_changes(s) == 0)
			*v_r = STORE_SIGNIN_USED;
	}
	if (r != GW_OK || *v_r != STORE_SIGNIN_OK)
		store_identity_list_free(ids_r);
	free(email);
	return store_tx_end(s, r, error_r);
}

enum gw_result store_signin_pick(struct store *s, int64_t id, uint32_t salt, int64_t now,
				 enum store_kind kind, int64_t person,
				 enum store_signin_verdict *v_r, char **error_r)
{
	struct store_identity_list ids = { 0 };
	char *email = NULL;
	int found = 0;
	enum gw_result r = store_tx_begin(s, 1, error_r);

	if (r != GW_OK)
		return r;
	r = link_read(s, id, salt, now, 1, v_r, &email, error_r);
	if (r == GW_OK && *v_r == STORE_SIGNIN_OK)
		r = identities(s, email, &ids, error_r);
	for (size_t i = 0; r == GW_OK && i < ids.count; i++)
		found |= ids.items[i].kind == kind && ids.items[i].id == person;
	if (r == GW_OK && *v_r == STORE_SIGNIN_OK && !found)
		*v_r = STORE_SIGNIN_UNKNOWN;
	if (r == GW_OK && *v_r == STORE_SIGNIN_OK) {
		if (store_db_exec(s, SQL_LINK_PICK, "ii", id, now) != SQLITE_OK)
			r = store_db_fail(s, error_r, "sign-in link %lld: pick", (long long)id);
		else if (store_db_changes(s) == 0)
			*v_r = STORE_SIGNIN_USED;
	}
	store_identity_list_free(&ids);
	free(email);
	return store_tx_end(s, r, error_r);
}

/* ---- sessions -------------------------------------------------------------- */

void store_session_clear(struct store_session *x)
{
	if (x == NULL)
		return;
	free(x->user_agent);
	memset(x, 0, sizeof(*x));
}

void store_session_list_free(struct store_session_list *list)
{
	if (list == NULL)
		return;
	for (size_t i = 0; i < list->count; i++)
		store_session_clear(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

static void session_row(sqlite3_stmt *st, struct store_session *x)
{
	x->id = store_col_i64(st, 0);
	x->kind = store_kind_from_col(st, 1);
	x->person = store_col_i64(st, 2);
	x->user_agent = store_col_str(st, 3);
	x->created_at = store_col_i64(st, 4);
	x->last_seen_at = store_col_i64(st, 5);
	x->expires_at = store_col_i64(st, 6);
}

enum gw_result store_session_create(struct store *s, enum store_kind kind, int64_t person,
				    const char *user_agent, int64_t now, int64_t expires_at,
				    int64_t *id_r, char **error_r)
{
	char *ua = xstrndup(user_agent != NULL ? user_agent : "", STORE_SESSION_AGENT_MAX);
	enum gw_result r;
	int rc;

	*id_r = 0;
	if (kind != STORE_STAFF && kind != STORE_CONTACT) {
		free(ua);
		return store_fail(error_r, GW_INVALID, "session: kind must be staff or contact");
	}
	/* Only text that is safe to show: a cut inside a UTF-8 sequence or
	 * a control character becomes "?". */
	for (unsigned char *p = (unsigned char *)ua; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
	r = store_tx_begin(s, 1, error_r);
	if (r != GW_OK) {
		free(ua);
		return r;
	}
	rc = store_db_exec(s, SQL_SESSION_ADD, "sisii", store_kind_name(kind), person, ua, now,
			   expires_at);
	free(ua);
	if (rc != SQLITE_OK)
		r = store_db_fail(s, error_r, "session: new for %s %lld", store_kind_name(kind),
				  (long long)person);
	else
		*id_r = store_db_last_id(s);
	return store_tx_end(s, r, error_r);
}

enum gw_result store_session_get(struct store *s, int64_t id, struct store_session *x,
				 char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, SQL_SESSION_GET, "i", id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;

	memset(x, 0, sizeof(*x));
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "session %lld: no such session",
				  (long long)id);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "session %lld", (long long)id);
	session_row(st, x);
	sqlite3_reset(st);
	return GW_OK;
}

enum gw_result store_session_touch(struct store *s, int64_t id, int64_t now, char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);

	if (r != GW_OK)
		return r;
	if (store_db_exec(s, SQL_SESSION_TOUCH, "ii", id, now) != SQLITE_OK)
		r = store_db_fail(s, error_r, "session %lld: last seen", (long long)id);
	return store_tx_end(s, r, error_r);
}

enum gw_result store_session_list(struct store *s, enum store_kind kind, int64_t person,
				  int64_t now, struct store_session_list *out, char **error_r)
{
	size_t cap = 0;
	sqlite3_stmt *st = store_db_q(s, SQL_SESSION_LIST, "sii", store_kind_name(kind), person,
				      now);
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return store_db_fail(s, error_r, "sessions of %s %lld", store_kind_name(kind),
				     (long long)person);
	while ((rc = store_db_step(s, st)) == SQLITE_ROW)
		session_row(st, store_vec_push(&out->items, &out->count, &cap,
					       sizeof(*out->items)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_session_list_free(out);
		return store_db_fail(s, error_r, "sessions of %s %lld", store_kind_name(kind),
				     (long long)person);
	}
	return GW_OK;
}

enum gw_result store_session_end(struct store *s, enum store_kind kind, int64_t person,
				 int64_t id, int64_t *n_r, char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);
	int rc;

	if (n_r != NULL)
		*n_r = 0;
	if (r != GW_OK)
		return r;
	rc = id != 0 ? store_db_exec(s, SQL_SESSION_END, "sii", store_kind_name(kind), person, id)
		     : store_db_exec(s, SQL_SESSION_END_ALL, "si", store_kind_name(kind), person);
	if (rc != SQLITE_OK)
		r = store_db_fail(s, error_r, "sessions of %s %lld: end", store_kind_name(kind),
				  (long long)person);
	else if (n_r != NULL)
		*n_r = store_db_changes(s);
	return store_tx_end(s, r, error_r);
}
