/*
 * followers.c - who is told about a thread: the staff who follow it, and
 * the people list of a thread (its account's contacts with their email
 * state, the staff told of a client's reply) with the sentence staff read
 * when no contact will be emailed.
 *
 * Following is a plain row per thread and staff member.  Whoever posts
 * in a thread or is mentioned in it follows it from then on (chat.c and
 * notify.c call store_follow_add inside their transaction); staff follow
 * and unfollow by hand with store_thread_follow().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static const char SQL_FOLLOW_ADD[] =
	"INSERT OR IGNORE INTO thread_followers (thread_id, staff_id, since) VALUES (?1, ?2, ?3)";
static const char SQL_FOLLOW_DEL[] =
	"DELETE FROM thread_followers WHERE thread_id = ?1 AND staff_id = ?2";
static const char SQL_STAFF_EXISTS[] = "SELECT 1 FROM staff WHERE id = ?1";

enum gw_result store_follow_add(struct store *s, int64_t thread_id, int64_t staff_id,
				int64_t now, int *added_r, char **error_r)
{
	if (added_r != NULL)
		*added_r = 0;
	if (staff_id <= 0)
		return GW_OK;
	if (store_db_exec(s, SQL_FOLLOW_ADD, "iii", thread_id, staff_id, now) != SQLITE_OK)
		return store_db_fail(s, error_r, "thread %lld: follower %lld", (long long)thread_id,
				     (long long)staff_id);
	if (added_r != NULL)
		*added_r = store_db_changes(s) > 0;
	return GW_OK;
}

enum gw_result store_thread_follow(struct store *s, int64_t thread_id, int64_t staff_id, int on,
				   int *changed_r, char **error_r)
{
	struct thread_core t;
	int64_t one = 0;
	int changed = 0, rc;
	enum gw_result r;

	if (changed_r != NULL)
		*changed_r = 0;
	if (staff_id <= 0)
		return store_fail(error_r, GW_INVALID, "staff: a staff member follows a thread");
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	rc = store_db_int(s, SQL_STAFF_EXISTS, &one, "i", staff_id);
	if (rc == SQLITE_DONE)
		r = store_fail(error_r, GW_NOTFOUND, "staff %lld: no such id", (long long)staff_id);
	else if (rc != SQLITE_ROW)
		r = store_db_fail(s, error_r, "staff %lld", (long long)staff_id);
	if (r == GW_OK)
		r = store_thread_core_get(s, thread_id, &t, error_r);
	if (r == GW_OK && store_staff_sees_account(s, staff_id, t.account_id, NULL) != GW_OK)
		r = store_fail(error_r, GW_NOTFOUND, "thread %lld: no such thread",
			       (long long)thread_id);
	if (r == GW_OK && on)
		r = store_follow_add(s, thread_id, staff_id, clock_now(), &changed, error_r);
	if (r == GW_OK && !on) {
		if (store_db_exec(s, SQL_FOLLOW_DEL, "ii", thread_id, staff_id) != SQLITE_OK)
			r = store_db_fail(s, error_r, "thread %lld: unfollow", (long long)thread_id);
		else
			changed = store_db_changes(s) > 0;
	}
	r = store_tx_end(s, r, error_r);
	if (r == GW_OK && changed_r != NULL)
		*changed_r = changed;
	return r;
}

/* ---- who will be emailed ---- */

enum store_reach store_contact_reach(const struct store_contact *c)
{
	if (c->removed_at != 0)
		return STORE_REACH_REMOVED;
	if (c->email_status == STORE_EMAIL_BOUNCING)
		return STORE_REACH_BOUNCING;
	if (!c->notify)
		return c->unsubscribed ? STORE_REACH_UNSUBSCRIBED : STORE_REACH_NOTIFY_OFF;
	return STORE_REACH_EMAILED;
}

/* The words after a contact's name, per reach; "" for the emailed. */
static const char *const reach_words[] = {
	[STORE_REACH_EMAILED] = "",
	[STORE_REACH_NOTIFY_OFF] = " has notifications off",
	[STORE_REACH_UNSUBSCRIBED] = " unsubscribed",
	[STORE_REACH_BOUNCING] = "'s address bounces",
	[STORE_REACH_REMOVED] = " was removed",
};

static const char *const reach_names[] = {
	[STORE_REACH_EMAILED] = "emailed",
	[STORE_REACH_NOTIFY_OFF] = "notifications_off",
	[STORE_REACH_UNSUBSCRIBED] = "unsubscribed",
	[STORE_REACH_BOUNCING] = "bouncing",
	[STORE_REACH_REMOVED] = "removed",
};

const char *store_reach_name(enum store_reach reach)
{
	return (size_t)reach < GW_ARRAY_SIZE(reach_names) ? reach_names[reach] : "unknown";
}

char *store_nobody_emailed(const struct store_contact *contacts, size_t n)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < n; i++)
		if (store_contact_reach(&contacts[i]) == STORE_REACH_EMAILED)
			return NULL;
	buf_puts(&b, "Nobody will be emailed: ");
	if (n == 0)
		buf_puts(&b, "the account has no contacts");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_puts(&b, ", ");
		buf_puts(&b, contacts[i].name);
		buf_puts(&b, reach_words[store_contact_reach(&contacts[i])]);
	}
	return buf_detach(&b);
}

/*
 * The staff told of a client's reply: those assigned to the account (or,
 * when nobody is, the owners and admins standing in) and the followers.
 * The same rule as notify.c's SQL_EVENT_STAFF, with the reason of each.
 */
static const char SQL_TOLD_STAFF[] =
	"SELECT id, name, email, notify, assigned, standing_in, following FROM ("
	" SELECT s.id, s.name, s.email, s.notify,"
	"  s.id IN (SELECT staff_id FROM staff_accounts WHERE account_id = ?2) AS assigned,"
	"  (s.role IN ('owner', 'admin')"
	"   AND NOT EXISTS (SELECT 1 FROM staff_accounts WHERE account_id = ?2)) AS standing_in,"
	"  s.id IN (SELECT staff_id FROM thread_followers WHERE thread_id = ?1) AS following"
	" FROM staff s)"
	" WHERE assigned OR standing_in OR following ORDER BY id";

static enum gw_result told_staff(struct store *s, int64_t thread_id, int64_t account_id,
				 struct store_recipients *rc_r, char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, SQL_TOLD_STAFF, "ii", thread_id, account_id);
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;
	size_t cap = 0;

	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW) {
		struct store_thread_person *p =
			store_vec_push(&rc_r->staff, &rc_r->n_staff, &cap, sizeof(*p));

		memset(p, 0, sizeof(*p));
		p->kind = STORE_STAFF;
		p->id = store_col_i64(st, 0);
		p->name = store_col_str(st, 1);
		p->email = store_col_str(st, 2);
		p->reach = store_col_i64(st, 3) ? STORE_REACH_EMAILED : STORE_REACH_NOTIFY_OFF;
		p->assigned = (int)store_col_i64(st, 4);
		p->standing_in = (int)store_col_i64(st, 5);
		p->following = (int)store_col_i64(st, 6);
	}
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_db_fail(s, error_r, "thread %lld: staff told", (long long)thread_id);
	return GW_OK;
}

static void person_from_contact(struct store_thread_person *p, struct store_contact *c)
{
	memset(p, 0, sizeof(*p));
	p->kind = STORE_CONTACT;
	p->id = c->id;
	p->name = c->name;
	p->email = c->email;
	p->bounce_reason = c->bounce_reason;
	p->away_until = c->away_until;
	c->name = c->email = c->bounce_reason = c->away_until = NULL;
	p->reach = store_contact_reach(c);
	p->bounced_at = c->bounced_at;
	p->removed_at = c->removed_at;
	p->notify_changed_at = c->notify_changed_at;
	p->away_resume_at = c->away_resume_at;
}

enum gw_result store_thread_recipients(struct store *s, int64_t thread_id,
				       struct store_recipients *rc_r, char **error_r)
{
	struct store_contact_list list = { NULL, 0 };
	struct thread_core t;
	enum gw_result r;

	memset(rc_r, 0, sizeof(*rc_r));
	if ((r = store_tx_begin(s, 0, error_r)) != GW_OK)
		return r;
	r = store_thread_core_get(s, thread_id, &t, error_r);
	if (r == GW_OK)
		r = store_contact_list(s, t.account_id, &list, error_r);
	if (r == GW_OK)
		r = told_staff(s, thread_id, t.account_id, rc_r, error_r);
	r = store_tx_end(s, r, error_r);
	if (r != GW_OK) {
		store_contact_list_free(&list);
		store_recipients_clear(rc_r);
		return r;
	}
	rc_r->nobody_emailed = store_nobody_emailed(list.items, list.count);
	rc_r->contacts = xcalloc(list.count > 0 ? list.count : 1, sizeof(*rc_r->contacts));
	rc_r->n_contacts = list.count;
	for (size_t i = 0; i < list.count; i++) {
		person_from_contact(&rc_r->contacts[i], &list.items[i]);
		rc_r->contacts_emailed += rc_r->contacts[i].reach == STORE_REACH_EMAILED;
	}
	store_contact_list_free(&list);
	return GW_OK;
}

static void persons_free(struct store_thread_person *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].email);
		free(p[i].bounce_reason);
		free(p[i].away_until);
	}
	free(p);
}

void store_recipients_clear(struct store_recipients *rc)
{
	if (rc == NULL)
		return;
	persons_free(rc->contacts, rc->n_contacts);
	persons_free(rc->staff, rc->n_staff);
	free(rc->nobody_emailed);
	memset(rc, 0, sizeof(*rc));
}
