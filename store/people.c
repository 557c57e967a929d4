/*
 * people.c - the firm's settings, staff, client accounts and contacts:
 * adding, reading, switching notifications, recording bounces and bumping
 * link generations.  Each write is one short transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "store_int.h"
#include "tz.h"

/* A single-statement write in its own transaction, with "no such row"
 * reported as GW_NOTFOUND. */
static enum gw_result write_one(struct store *s, int rc, const char *what,
				int64_t id, char **error_r)
{
	if (rc != SQLITE_OK)
		return store_db_fail(s, error_r, "%s %lld", what, (long long)id);
	if (store_db_changes(s) == 0)
		return store_fail(error_r, GW_NOTFOUND, "%s %lld: no such id", what, (long long)id);
	return GW_OK;
}

/* ---- firm ---- */

static const char SQL_FIRM_GET[] =
	"SELECT name, allow_client_chats, notify_display_name FROM firm WHERE id = 1";
static const char SQL_FIRM_SET[] =
	"UPDATE firm SET name = ?1, allow_client_chats = ?2, notify_display_name = ?3"
	" WHERE id = 1";

enum gw_result store_firm_get(struct store *s, struct store_firm *f, char **error_r)
{
	memset(f, 0, sizeof(*f));
	sqlite3_stmt *st = store_db_q(s, SQL_FIRM_GET, "");
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? store_fail(error_r, GW_PERMFAIL, "firm: settings row missing")
					 : store_db_fail(s, error_r, "firm settings");
	f->name = store_col_str(st, 0);
	f->allow_client_chats = (int)store_col_i64(st, 1);
	f->notify_display_name = store_col_str_null(st, 2);
	sqlite3_reset(st);
	return GW_OK;
}

enum gw_result store_firm_name_get(struct store *s, char **name_r, char **error_r)
{
	struct store_firm f;
	enum gw_result r = store_firm_get(s, &f, error_r);
	if (r != GW_OK)
		return r;
	*name_r = f.name;
	f.name = NULL;
	store_firm_clear(&f);
	return GW_OK;
}

struct store_firm_in store_firm_in_of(const struct store_firm *f)
{
	struct store_firm_in in = { f->name, f->allow_client_chats, f->notify_display_name };

	return in;
}

enum gw_result store_firm_set(struct store *s, const struct store_firm_in *f, char **error_r)
{
	enum gw_result r = store_text_check("firm name", f->name, TEXT_MAX_NAME, 0, error_r);
	if (r == GW_OK && f->notify_display_name != NULL && f->notify_display_name[0] != '\0')
		r = store_text_check("notification display name", f->notify_display_name,
				     TEXT_MAX_NAME, 0, error_r);
	if (r != GW_OK)
		return r;
	const char *dn = f->notify_display_name != NULL && f->notify_display_name[0] != '\0'
				 ? f->notify_display_name : NULL;
	int rc = store_db_exec(s, SQL_FIRM_SET, "sds", f->name, f->allow_client_chats ? 1 : 0, dn);
	if (rc != SQLITE_OK)
		return store_db_fail(s, error_r, "firm settings");
	return GW_OK;
}

/* ---- staff ---- */

#define STAFF_COLS "id, name, email, role, notify, generation, created_at, view_all, language, timezone"

static const char SQL_STAFF_ADD[] =
	"INSERT INTO staff (name, email, role, created_at) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_STAFF_EMAIL_EXISTS[] =
	"SELECT id FROM staff WHERE email = ?1";
static const char SQL_STAFF_GET[] = "SELECT " STAFF_COLS " FROM staff WHERE id = ?1";
static const char SQL_STAFF_BY_EMAIL[] = "SELECT " STAFF_COLS " FROM staff WHERE email = ?1";
static const char SQL_STAFF_LIST[] = "SELECT " STAFF_COLS " FROM staff ORDER BY id";
static const char SQL_STAFF_ASSIGNED[] =
	"SELECT " STAFF_COLS " FROM staff WHERE id IN"
	" (SELECT staff_id FROM staff_accounts WHERE account_id = ?1) ORDER BY id";
static const char SQL_STAFF_ROLE[] = "UPDATE staff SET role = ?2 WHERE id = ?1";
static const char SQL_STAFF_NOTIFY[] = "UPDATE staff SET notify = ?2 WHERE id = ?1";
static const char SQL_STAFF_BUMP[] =
	"UPDATE staff SET generation = generation + 1 WHERE id = ?1 RETURNING generation";
static const char SQL_STAFF_ASSIGN[] =
	"INSERT OR IGNORE INTO staff_accounts (staff_id, account_id) VALUES (?1, ?2)";
static const char SQL_STAFF_UNASSIGN[] =
	"DELETE FROM staff_accounts WHERE staff_id = ?1 AND account_id = ?2";
static const char SQL_STAFF_ROLE_OF[] =
	"SELECT role IN ('owner', 'admin') FROM staff WHERE id = ?1";
static const char SQL_STAFF_VIEW_ALL[] = "UPDATE staff SET view_all = ?2 WHERE id = ?1";

static void staff_from_row(sqlite3_stmt *st, struct store_staff *p)
{
	p->id = store_col_i64(st, 0);
	p->name = store_col_str(st, 1);
	p->email = store_col_str(st, 2);
	const char *role = (const char *)sqlite3_column_text(st, 3);
	if (role == NULL || store_role_parse(role, &p->role) < 0)
		p->role = STORE_ROLE_MEMBER;
	p->notify = (int)store_col_i64(st, 4);
	p->generation = (uint32_t)store_col_i64(st, 5);
	p->created_at = store_col_i64(st, 6);
	p->view_all = (int)store_col_i64(st, 7);
	p->language = store_col_str_null(st, 8);
	p->timezone = store_col_str_null(st, 9);
}

static enum gw_result staff_one(struct store *s, const char *sql, const char *fmt,
				const void *key, struct store_staff *p, const char *what,
				char **error_r)
{
	memset(p, 0, sizeof(*p));
	sqlite3_stmt *st = fmt[0] == 'i' ? store_db_q(s, sql, "i", *(const int64_t *)key)
					 : store_db_q(s, sql, "s", (const char *)key);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "%s: no such staff member", what);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "%s", what);
	staff_from_row(st, p);
	sqlite3_reset(st);
	return GW_OK;
}

static enum gw_result staff_many(struct store *s, const char *sql, int64_t arg,
				 struct store_staff_list *list, char **error_r)
{
	memset(list, 0, sizeof(*list));
	size_t cap = 0;
	sqlite3_stmt *st = arg != 0 ? store_db_q(s, sql, "i", arg) : store_db_q(s, sql, "");
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW)
		staff_from_row(st, store_vec_push(&list->items, &list->count, &cap,
						  sizeof(*list->items)));
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_staff_list_free(list);
		return store_db_fail(s, error_r, "staff list");
	}
	return GW_OK;
}

enum gw_result store_staff_add(struct store *s, const char *name, const char *email,
			       enum store_role role, int64_t *id_r, char **error_r)
{
	enum gw_result r = store_text_check("staff name", name, TEXT_MAX_NAME, 0, error_r);
	if (r == GW_OK)
		r = store_text_check_email("staff email", email, error_r);
	if (r != GW_OK)
		return r;
	if (role < STORE_ROLE_OWNER || role > STORE_ROLE_MEMBER)
		return store_fail(error_r, GW_INVALID, "staff role %d: unknown", (int)role);
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	int64_t other;
	int rc = store_db_int(s, SQL_STAFF_EMAIL_EXISTS, &other, "s", email);
	if (rc == SQLITE_ROW)
		r = store_fail(error_r, GW_PERMFAIL, "staff email \"%s\": already used by staff %lld",
			       email, (long long)other);
	else if (rc != SQLITE_DONE)
		r = store_db_fail(s, error_r, "add staff \"%s\"", email);
	else if (store_db_exec(s, SQL_STAFF_ADD, "sssi", name, email, store_role_name(role),
			       clock_now()) != SQLITE_OK)
		r = store_db_fail(s, error_r, "add staff \"%s\"", email);
	else if (id_r != NULL)
		*id_r = store_db_last_id(s);
	return store_tx_end(s, r, error_r);
}

enum gw_result store_staff_get(struct store *s, int64_t id, struct store_staff *p,
			       char **error_r)
{
	char what[48];
	snprintf(what, sizeof(what), "staff %lld", (long long)id);
	return staff_one(s, SQL_STAFF_GET, "i", &id, p, what, error_r);
}

enum gw_result store_staff_find_email(struct store *s, const char *email,
				      struct store_staff *p, char **error_r)
{
	char *what = xasprintf("staff \"%s\"", email != NULL ? email : "");
	enum gw_result r = staff_one(s, SQL_STAFF_BY_EMAIL, "s", email != NULL ? email : "",
				     p, what, error_r);
	free(what);
	return r;
}

enum gw_result store_staff_list(struct store *s, struct store_staff_list *list, char **error_r)
{
	return staff_many(s, SQL_STAFF_LIST, 0, list, error_r);
}

enum gw_result store_staff_assigned(struct store *s, int64_t account_id,
				    struct store_staff_list *list, char **error_r)
{
	return staff_many(s, SQL_STAFF_ASSIGNED, account_id, list, error_r);
}

enum gw_result store_staff_set_role(struct store *s, int64_t id, enum store_role role,
				    char **error_r)
{
	if (role < STORE_ROLE_OWNER || role > STORE_ROLE_MEMBER)
		return store_fail(error_r, GW_INVALID, "staff role %d: unknown", (int)role);
	int rc = store_db_exec(s, SQL_STAFF_ROLE, "is", id, store_role_name(role));
	return write_one(s, rc, "staff", id, error_r);
}

enum gw_result store_staff_set_notify(struct store *s, int64_t id, int on, char **error_r)
{
	int rc = store_db_exec(s, SQL_STAFF_NOTIFY, "id", id, on ? 1 : 0);
	return write_one(s, rc, "staff", id, error_r);
}

static enum gw_result bump(struct store *s, const char *sql, const char *what, int64_t id,
			   uint32_t *gen_r, char **error_r)
{
	int64_t g = 0;
	int rc = store_db_int(s, sql, &g, "i", id);
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "%s %lld: no such id", what, (long long)id);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "%s %lld: bump generation", what, (long long)id);
	if (gen_r != NULL)
		*gen_r = (uint32_t)g;
	return GW_OK;
}

enum gw_result store_staff_bump_generation(struct store *s, int64_t id, uint32_t *gen_r,
					   char **error_r)
{
	return bump(s, SQL_STAFF_BUMP, "staff", id, gen_r, error_r);
}

enum gw_result store_staff_assign(struct store *s, int64_t staff_id, int64_t account_id,
				  int on, char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);
	if (r != GW_OK)
		return r;
	int64_t v;
	int rc = store_db_int(s, SQL_STAFF_ROLE_OF, &v, "i", staff_id);
	if (rc == SQLITE_DONE)
		r = store_fail(error_r, GW_NOTFOUND, "staff %lld: no such id", (long long)staff_id);
	else if (rc != SQLITE_ROW)
		r = store_db_fail(s, error_r, "assign staff %lld", (long long)staff_id);
	if (r == GW_OK) {
		struct store_account a;
		r = store_account_get(s, account_id, &a, error_r);
		store_account_clear(&a);
	}
	if (r == GW_OK) {
		rc = store_db_exec(s, on ? SQL_STAFF_ASSIGN : SQL_STAFF_UNASSIGN, "ii", staff_id,
				   account_id);
		if (rc != SQLITE_OK)
			r = store_db_fail(s, error_r, "assign staff %lld to account %lld",
					  (long long)staff_id, (long long)account_id);
	}
	return store_tx_end(s, r, error_r);
}

/* 1 when staff ?1 sees account ?2; no row when there is no such staff. */
static const char SQL_STAFF_SEES[] =
	"SELECT " STORE_SQL_STAFF_SEES("?1", "?2") " FROM staff WHERE id = ?1";

enum gw_result store_staff_sees_account(struct store *s, int64_t staff_id, int64_t account_id,
					char **error_r)
{
	int64_t sees = 0;
	int rc = store_db_int(s, SQL_STAFF_SEES, &sees, "ii", staff_id, account_id);
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "staff %lld: no such id", (long long)staff_id);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "staff %lld", (long long)staff_id);
	if (sees)
		return GW_OK;
	return store_fail(error_r, GW_NOTFOUND, "account %lld: not assigned to staff %lld",
			  (long long)account_id, (long long)staff_id);
}

enum gw_result store_staff_set_view_all(struct store *s, int64_t id, int on, char **error_r)
{
	int rc = store_db_exec(s, SQL_STAFF_VIEW_ALL, "ii", id, on ? 1 : 0);
	return write_one(s, rc, "staff", id, error_r);
}

/* ---- accounts ---- */

static const char SQL_ACCOUNT_ADD[] =
	"INSERT INTO accounts (name, created_at) VALUES (?1, ?2)";
static const char SQL_ACCOUNT_GET[] =
	"SELECT id, name, created_at FROM accounts WHERE id = ?1";
static const char SQL_ACCOUNT_BY_NAME[] =
	"SELECT id, name, created_at FROM accounts WHERE name = ?1";
static const char SQL_ACCOUNT_LIST[] =
	"SELECT id, name, created_at FROM accounts WHERE ?1 = 0"
	" OR " STORE_SQL_STAFF_SEES("?1", "accounts.id")
	" ORDER BY name, id";

static void account_from_row(sqlite3_stmt *st, struct store_account *a)
{
	a->id = store_col_i64(st, 0);
	a->name = store_col_str(st, 1);
	a->created_at = store_col_i64(st, 2);
}

enum gw_result store_account_add(struct store *s, const char *name, int64_t *id_r,
				 char **error_r)
{
	enum gw_result r = store_text_check("account name", name, TEXT_MAX_NAME, 0, error_r);
	if (r != GW_OK)
		return r;
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	int64_t other;
	int rc = store_db_int(s, SQL_ACCOUNT_BY_NAME, &other, "s", name);
	if (rc == SQLITE_ROW)
		r = store_fail(error_r, GW_PERMFAIL, "account \"%s\": already exists (id %lld)", name,
			       (long long)other);
	else if (rc != SQLITE_DONE ||
		 store_db_exec(s, SQL_ACCOUNT_ADD, "si", name, clock_now()) != SQLITE_OK)
		r = store_db_fail(s, error_r, "add account \"%s\"", name);
	else if (id_r != NULL)
		*id_r = store_db_last_id(s);
	return store_tx_end(s, r, error_r);
}

static enum gw_result account_one(struct store *s, sqlite3_stmt *st, const char *what,
				  struct store_account *a, char **error_r)
{
	memset(a, 0, sizeof(*a));
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "%s: no such account", what);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "%s", what);
	account_from_row(st, a);
	sqlite3_reset(st);
	return GW_OK;
}

enum gw_result store_account_get(struct store *s, int64_t id, struct store_account *a,
				 char **error_r)
{
	char what[48];
	snprintf(what, sizeof(what), "account %lld", (long long)id);
	return account_one(s, store_db_q(s, SQL_ACCOUNT_GET, "i", id), what, a, error_r);
}

enum gw_result store_account_find_name(struct store *s, const char *name,
				       struct store_account *a, char **error_r)
{
	char *what = xasprintf("account \"%s\"", name != NULL ? name : "");
	enum gw_result r = account_one(s, store_db_q(s, SQL_ACCOUNT_BY_NAME, "s",
						     name != NULL ? name : ""),
				       what, a, error_r);
	free(what);
	return r;
}

enum gw_result store_account_list(struct store *s, int64_t staff_id,
				  struct store_account_list *list, char **error_r)
{
	memset(list, 0, sizeof(*list));
	size_t cap = 0;
	sqlite3_stmt *st = store_db_q(s, SQL_ACCOUNT_LIST, "i", staff_id);
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW)
		account_from_row(st, store_vec_push(&list->items, &list->count, &cap,
						    sizeof(*list->items)));
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_account_list_free(list);
		return store_db_fail(s, error_r, "account list");
	}
	return GW_OK;
}

/* ---- contacts ---- */

static const char SQL_CONTACT_ADD[] =
	"INSERT INTO contacts (account_id, name, email, created_at) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_CONTACT_DUP[] =
	"SELECT id FROM contacts WHERE account_id = ?1 AND email = ?2";
static const char SQL_CONTACT_GET[] = "SELECT " CONTACT_COLS " FROM contacts WHERE id = ?1";
static const char SQL_CONTACT_LIST[] =
	"SELECT " CONTACT_COLS " FROM contacts WHERE ?1 = 0 OR account_id = ?1"
	" ORDER BY account_id, id";
static const char SQL_CONTACT_BY_EMAIL[] =
	"SELECT " CONTACT_COLS " FROM contacts WHERE email = ?1 ORDER BY id";
/* Who turned emails off is kept (the thread page says "unsubscribed" or
 * "notifications off"); turning them on forgets it. */
static const char SQL_CONTACT_NOTIFY[] =
	"UPDATE contacts SET notify = ?2, notify_changed_at = ?4,"
	" notify_off_by = CASE WHEN ?2 = 1 THEN NULL ELSE ?3 END"
	" WHERE id = ?1 AND (notify <> ?2 OR notify_off_by IS NOT ?3)";
static const char SQL_CONTACT_MAY_CREATE[] =
	"UPDATE contacts SET may_create_chats = ?2 WHERE id = ?1";
static const char SQL_CONTACT_EMAIL_OK[] =
	"UPDATE contacts SET email_status = 'ok' WHERE id = ?1";
/* email is COLLATE NOCASE: another case of the same address is no change. */
static const char SQL_CONTACT_SET_EMAIL[] =
	"UPDATE contacts SET generation = generation + (email <> ?2), email = ?2,"
	" email_status = 'ok' WHERE id = ?1 AND removed_at IS NULL";
static const char SQL_CONTACT_REMOVE[] =
	"UPDATE contacts SET removed_at = ?2, notify = 0, generation = generation + 1"
	" WHERE id = ?1 AND removed_at IS NULL";
static const char SQL_CONTACT_CANCEL_OUTBOX[] =
	"UPDATE outbox SET status = 'failed', last_error = 'contact removed', lease_until = NULL"
	" WHERE recipient_kind = 'contact' AND recipient_id = ?1 AND status = 'queued'";
static const char SQL_CONTACT_BUMP[] =
	"UPDATE contacts SET generation = generation + 1 WHERE id = ?1 RETURNING generation";
static const char SQL_CONTACT_LOGIN[] =
	"UPDATE contacts SET last_login_at = ?2 WHERE id = ?1";
/* A removed contact has no generation at all: no link of theirs verifies,
 * whatever generation it carries (one minted after the removal too). */
static const char SQL_CONTACT_GEN[] =
	"SELECT generation FROM contacts WHERE id = ?1 AND removed_at IS NULL";
static const char SQL_STAFF_GEN[] = "SELECT generation FROM staff WHERE id = ?1";

static void contact_from_row(sqlite3_stmt *st, struct store_contact *c)
{
	c->id = store_col_i64(st, 0);
	c->account_id = store_col_i64(st, 1);
	c->name = store_col_str(st, 2);
	c->first_name = store_text_first_word(c->name);
	c->email = store_col_str(st, 3);
	c->notify = (int)store_col_i64(st, 4);
	c->may_create_chats = (int)store_col_i64(st, 5);
	const char *es = (const char *)sqlite3_column_text(st, 6);
	c->email_status = es != NULL && strcmp(es, "bouncing") == 0 ? STORE_EMAIL_BOUNCING
								    : STORE_EMAIL_OK;
	c->bounce_reason = store_col_str_null(st, 7);
	c->bounced_at = store_col_i64(st, 8);
	c->generation = (uint32_t)store_col_i64(st, 9);
	c->last_login_at = store_col_i64(st, 10);
	c->created_at = store_col_i64(st, 11);
	c->removed_at = store_col_i64(st, 12);
	c->away_until = store_col_str_null(st, 13);
	c->away_resume_at = store_col_i64(st, 14);
	const char *by = (const char *)sqlite3_column_text(st, 15);
	c->unsubscribed = !c->notify && by != NULL && strcmp(by, "unsubscribe") == 0;
	c->notify_changed_at = store_col_i64(st, 16);
	c->language = store_col_str_null(st, 17);
	c->timezone = store_col_str_null(st, 18);
}

enum gw_result store_contact_add(struct store *s, int64_t account_id, const char *name,
				 const char *email, int64_t *id_r, char **error_r)
{
	enum gw_result r = store_text_check("contact name", name, TEXT_MAX_NAME, 0, error_r);
	if (r == GW_OK)
		r = store_text_check_email("contact email", email, error_r);
	if (r != GW_OK)
		return r;
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	struct store_account a;
	r = store_account_get(s, account_id, &a, error_r);
	int64_t other;
	int rc = r == GW_OK ? store_db_int(s, SQL_CONTACT_DUP, &other, "is", account_id, email)
			    : SQLITE_DONE;
	if (r != GW_OK)
		;
	else if (rc == SQLITE_ROW)
		r = store_fail(error_r, GW_PERMFAIL,
			       "contact \"%s\": already a contact of account \"%s\" (id %lld)", email,
			       a.name, (long long)other);
	else if (rc != SQLITE_DONE ||
		 store_db_exec(s, SQL_CONTACT_ADD, "issi", account_id, name, email, clock_now()) !=
			 SQLITE_OK)
		r = store_db_fail(s, error_r, "add contact \"%s\"", email);
	else if (id_r != NULL)
		*id_r = store_db_last_id(s);
	store_account_clear(&a);
	return store_tx_end(s, r, error_r);
}

enum gw_result store_contact_get(struct store *s, int64_t id, struct store_contact *c,
				 char **error_r)
{
	memset(c, 0, sizeof(*c));
	sqlite3_stmt *st = store_db_q(s, SQL_CONTACT_GET, "i", id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "contact %lld: no such id", (long long)id);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "contact %lld", (long long)id);
	contact_from_row(st, c);
	sqlite3_reset(st);
	return GW_OK;
}

enum gw_result store_contact_list_query(struct store *s, sqlite3_stmt *st,
					struct store_contact_list *list, char **error_r)
{
	memset(list, 0, sizeof(*list));
	size_t cap = 0;
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW)
		contact_from_row(st, store_vec_push(&list->items, &list->count, &cap,
						    sizeof(*list->items)));
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_contact_list_free(list);
		return store_db_fail(s, error_r, "contact list");
	}
	return GW_OK;
}

enum gw_result store_contact_list(struct store *s, int64_t account_id,
				  struct store_contact_list *list, char **error_r)
{
	return store_contact_list_query(s, store_db_q(s, SQL_CONTACT_LIST, "i", account_id), list, error_r);
}

enum gw_result store_contact_find_email(struct store *s, const char *email,
					struct store_contact_list *list, char **error_r)
{
	return store_contact_list_query(s, store_db_q(s, SQL_CONTACT_BY_EMAIL, "s", email != NULL ? email : ""),
			    list, error_r);
}

static const char *const notify_by_names[] = {
	[STORE_NOTIFY_BY_STAFF] = "staff",
	[STORE_NOTIFY_BY_CONTACT] = "contact",
	[STORE_NOTIFY_BY_UNSUBSCRIBE] = "unsubscribe",
};

static const char SQL_CONTACT_EXISTS[] = "SELECT removed_at IS NOT NULL FROM contacts WHERE id = ?1";

enum gw_result store_contact_set_notify_by(struct store *s, int64_t id, int on,
					   enum store_notify_by by, int *changed_r, char **error_r)
{
	int64_t removed = 0;
	int rc;

	if (changed_r != NULL)
		*changed_r = 0;
	if ((size_t)by >= GW_ARRAY_SIZE(notify_by_names))
		return store_fail(error_r, GW_INVALID, "contact %lld: unknown switch", (long long)id);
	rc = store_db_int(s, SQL_CONTACT_EXISTS, &removed, "i", id);
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "contact %lld: no such id", (long long)id);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "contact %lld", (long long)id);
	/* a removed contact gets no email whatever the switch says */
	if (removed && on)
		return store_fail(error_r, GW_PERMFAIL,
				  "contact %lld: removed, emails cannot be turned on", (long long)id);
	on = on ? 1 : 0;
	if (store_db_exec(s, SQL_CONTACT_NOTIFY, "idsi", id, on, on ? NULL : notify_by_names[by],
			  clock_now()) != SQLITE_OK)
		return store_db_fail(s, error_r, "contact %lld: notify", (long long)id);
	if (changed_r != NULL)
		*changed_r = store_db_changes(s) > 0;
	return GW_OK;
}

enum gw_result store_contact_set_notify(struct store *s, int64_t id, int on, char **error_r)
{
	return store_contact_set_notify_by(s, id, on, STORE_NOTIFY_BY_STAFF, NULL, error_r);
}

enum gw_result store_contact_set_may_create(struct store *s, int64_t id, int on,
					    char **error_r)
{
	return write_one(s, store_db_exec(s, SQL_CONTACT_MAY_CREATE, "id", id, on ? 1 : 0),
			 "contact", id, error_r);
}

enum gw_result store_contact_set_email_ok(struct store *s, int64_t id, char **error_r)
{
	return write_one(s, store_db_exec(s, SQL_CONTACT_EMAIL_OK, "i", id), "contact", id, error_r);
}

enum gw_result store_contact_set_email(struct store *s, int64_t id, const char *email,
				       char **error_r)
{
	enum gw_result r = store_text_check_email("contact email", email, error_r);
	if (r != GW_OK)
		return r;
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	struct store_contact c;
	r = store_contact_get(s, id, &c, error_r);
	if (r == GW_OK && c.removed_at != 0)
		r = store_fail(error_r, GW_PERMFAIL, "contact %lld: removed", (long long)id);
	store_contact_clear(&c);
	if (r == GW_OK) {
		int rc = store_db_exec(s, SQL_CONTACT_SET_EMAIL, "is", id, email);

		if ((rc & 0xff) == SQLITE_CONSTRAINT)
			r = store_fail(error_r, GW_PERMFAIL,
				       "contact %lld: \"%s\" is already a contact of the same account",
				       (long long)id, email);
		else
			r = write_one(s, rc, "contact", id, error_r);
	}
	return store_tx_end(s, r, error_r);
}

enum gw_result store_contact_remove(struct store *s, int64_t id, int *cancelled_r,
				    char **error_r)
{
	enum gw_result r;
	struct store_contact c;

	if (cancelled_r != NULL)
		*cancelled_r = 0;
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	r = store_contact_get(s, id, &c, error_r);
	if (r == GW_OK && c.removed_at == 0) {
		if (store_db_exec(s, SQL_CONTACT_REMOVE, "ii", id, clock_now()) != SQLITE_OK ||
		    store_db_exec(s, SQL_CONTACT_CANCEL_OUTBOX, "i", id) != SQLITE_OK)
			r = store_db_fail(s, error_r, "contact %lld: remove", (long long)id);
		else if (cancelled_r != NULL)
			*cancelled_r = (int)store_db_changes(s);
	}
	store_contact_clear(&c);
	return store_tx_end(s, r, error_r);
}

enum gw_result store_contact_bump_generation(struct store *s, int64_t id, uint32_t *gen_r,
					     char **error_r)
{
	return bump(s, SQL_CONTACT_BUMP, "contact", id, gen_r, error_r);
}

enum gw_result store_contact_touch_login(struct store *s, int64_t id, char **error_r)
{
	return write_one(s, store_db_exec(s, SQL_CONTACT_LOGIN, "ii", id, clock_now()), "contact",
			 id, error_r);
}

int store_link_generation(void *ctx, enum link_principal kind, int64_t id,
			  uint32_t *generation_r)
{
	struct store *s = ctx;
	int64_t g;
	const char *sql = kind == LINK_CONTACT ? SQL_CONTACT_GEN
			  : kind == LINK_STAFF ? SQL_STAFF_GEN : NULL;
	if (sql == NULL || store_db_int(s, sql, &g, "i", id) != SQLITE_ROW)
		return -1;
	*generation_r = (uint32_t)g;
	return 0;
}

/* ---- language and time zone ---- */

/*
 * NULL or "" leaves a value as it is; "-" puts it back to the firm's
 * (NULL in the row).  A language must be one of this build's catalogs, a
 * zone one ICU knows.
 */
static enum gw_result locale_check(const char *lang, const char *zone, char **error_r)
{
	if (lang != NULL && *lang != '\0' && strcmp(lang, "-") != 0 &&
	    (strlen(lang) >= I18N_LANG_MAX || !i18n_lang_valid(lang)))
		return store_fail(error_r, GW_INVALID,
				  "language \"%s\": not one of this build's (%s)", lang,
				  i18n_languages());
	if (zone != NULL && *zone != '\0' && strcmp(zone, "-") != 0 &&
	    (strlen(zone) >= I18N_ZONE_MAX || !tz_valid(zone)))
		return store_fail(error_r, GW_INVALID,
				  "timezone \"%s\": not a time zone (an IANA name such as "
				  "Europe/Paris)", zone);
	return GW_OK;
}

static const char SQL_CONTACT_LOCALE[] =
	"UPDATE contacts SET"
	" language = CASE WHEN ?2 IS NULL OR ?2 = '' THEN language WHEN ?2 = '-' THEN NULL ELSE ?2 END,"
	" timezone = CASE WHEN ?3 IS NULL OR ?3 = '' THEN timezone WHEN ?3 = '-' THEN NULL ELSE ?3 END"
	" WHERE id = ?1";
static const char SQL_STAFF_LOCALE[] =
	"UPDATE staff SET"
	" language = CASE WHEN ?2 IS NULL OR ?2 = '' THEN language WHEN ?2 = '-' THEN NULL ELSE ?2 END,"
	" timezone = CASE WHEN ?3 IS NULL OR ?3 = '' THEN timezone WHEN ?3 = '-' THEN NULL ELSE ?3 END"
	" WHERE id = ?1";

static enum gw_result set_locale(struct store *s, const char *sql, const char *what, int64_t id,
				 const char *lang, const char *zone, char **error_r)
{
	const char *canon = lang != NULL && *lang != '\0' && strcmp(lang, "-") != 0 ?
				    i18n_lang_canonical(lang) : NULL;
	enum gw_result r = locale_check(canon != NULL ? canon : lang, zone, error_r);

	if (r != GW_OK)
		return r;
	r = store_tx_begin(s, 1, error_r);
	if (r != GW_OK)
		return r;
	if (store_db_exec(s, sql, "iss", id, canon != NULL ? canon : lang, zone) != SQLITE_OK)
		r = store_db_fail(s, error_r, "%s %lld: language", what, (long long)id);
	else if (store_db_changes(s) == 0)
		r = store_fail(error_r, GW_NOTFOUND, "%s %lld: no such %s", what, (long long)id,
			       what);
	return store_tx_end(s, r, error_r);
}

enum gw_result store_contact_set_locale(struct store *s, int64_t id, const char *lang,
					const char *zone, char **error_r)
{
	return set_locale(s, SQL_CONTACT_LOCALE, "contact", id, lang, zone, error_r);
}

enum gw_result store_staff_set_locale(struct store *s, int64_t id, const char *lang,
				      const char *zone, char **error_r)
{
	return set_locale(s, SQL_STAFF_LOCALE, "staff member", id, lang, zone, error_r);
}
