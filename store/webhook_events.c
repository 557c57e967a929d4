/*
 * webhook_events.c - the event rows of webhooks, written inside the
 * transaction of the change they report (the outbox pattern of the
 * relay), with one delivery row per endpoint that wants them.
 *
 * The JSON body is built by SQLite's json_object() from the rows the
 * change wrote, so the store needs no JSON library and every string is
 * escaped by one well-tested routine.  A kind is one row of kinds[]: its
 * bit and the SELECT of its "data" object.  Every SELECT names ?7, ?8
 * and ?9 (the outer statement does too) so that one list of bound values
 * fits every kind: ?5 the object's id, ?7 and ?8 texts, ?9 a number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "webhook.h"

#define EVENT_INSERT(DATA)                                                              \
	"INSERT INTO webhook_events (event_id, type, thread_id, created_at, body)"      \
	" SELECT ?1, ?2, ?3, ?4, json_object('id', ?1, 'type', ?2, 'created_at', ?4,"  \
	" 'data', json(x.d)) FROM (" DATA ") AS x"                                      \
	" WHERE EXISTS (SELECT 1 FROM webhook_endpoints"                                \
	"  WHERE removed_at IS NULL AND (events & ?6) <> 0)"                            \
	" AND (?7 IS NULL OR ?8 IS NULL OR ?9 IS NULL OR 1)"

static const char SQL_EV_MESSAGE[] = EVENT_INSERT(
	"SELECT json_object('thread_id', m.thread_id, 'account_id', t.account_id,"
	" 'message_id', m.id, 'author', json_object('kind', m.author_kind, 'id', m.author_id),"
	" 'body', m.body, 'visibility', CASE m.staff_only WHEN 0 THEN 'client' ELSE 'staff' END,"
	" 'created_at', m.created_at) AS d"
	" FROM messages m JOIN threads t ON t.id = m.thread_id WHERE m.id = ?5");
static const char SQL_EV_CHAT[] = EVENT_INSERT(
	"SELECT json_object('thread_id', t.id, 'account_id', t.account_id,"
	" 'subject', t.subject,"
	" 'created_by', json_object('kind', t.created_by_kind, 'id', t.created_by_id),"
	" 'message_id', (SELECT min(id) FROM messages WHERE thread_id = t.id"
	"  AND author_kind <> 'system'), 'created_at', t.created_at) AS d"
	" FROM threads t WHERE t.id = ?5");
static const char SQL_EV_TASK[] = EVENT_INSERT(
	"SELECT json_object('thread_id', k.thread_id, 'task_id', k.id, 'text', k.text,"
	" 'change', ?7, 'done', json(CASE WHEN k.done_at IS NULL THEN 'false' ELSE 'true' END),"
	" 'by', CASE WHEN ?8 IS NULL THEN NULL"
	"  ELSE json_object('kind', ?8, 'id', ?9) END) AS d"
	" FROM tasks k WHERE k.id = ?5");
static const char SQL_EV_FILE[] = EVENT_INSERT(
	"SELECT json_object('thread_id', a.thread_id, 'attachment_id', a.id,"
	" 'message_id', a.message_id, 'file_name', a.file_name,"
	" 'content_type', a.content_type, 'size', a.size, 'sha256', a.sha256,"
	" 'uploader', json_object('kind', a.uploader_kind, 'id', a.uploader_id)) AS d"
	" FROM attachments a WHERE a.id = ?5");
static const char SQL_EV_EMAIL_REPLY[] = EVENT_INSERT(
	"SELECT json_object('thread_id', t.id, 'account_id', t.account_id,"
	" 'contact_id', nullif(?9, 0), 'from', ?7, 'message_id', nullif(?8, '')) AS d"
	" FROM threads t WHERE t.id = ?5");
static const char SQL_EV_BOUNCING[] = EVENT_INSERT(
	"SELECT json_object('contact_id', c.id, 'account_id', c.account_id,"
	" 'email', c.email, 'reason', c.bounce_reason, 'bounced_at', c.bounced_at) AS d"
	" FROM contacts c WHERE c.id = ?5");
static const char SQL_EV_REMINDER[] = EVENT_INSERT(
	"SELECT json_object('thread_id', t.id, 'account_id', t.account_id,"
	" 'message_id', t.rem_message_id, 'number', ?9, 'of', t.rem_count) AS d"
	" FROM threads t WHERE t.id = ?5");

static const struct {
	unsigned bit;
	const char *sql;
} kinds[] = {
	{ WEBHOOK_MESSAGE_POSTED, SQL_EV_MESSAGE },
	{ WEBHOOK_CHAT_CREATED, SQL_EV_CHAT },
	{ WEBHOOK_TASK_CHANGED, SQL_EV_TASK },
	{ WEBHOOK_FILE_UPLOADED, SQL_EV_FILE },
	{ WEBHOOK_EMAIL_REPLY, SQL_EV_EMAIL_REPLY },
	{ WEBHOOK_CONTACT_BOUNCING, SQL_EV_BOUNCING },
	{ WEBHOOK_REMINDER_SENT, SQL_EV_REMINDER },
};

static const char SQL_DELIVERIES_ADD[] =
	"INSERT INTO webhook_deliveries (event_id, endpoint_id, thread_key, next_attempt_at,"
	" created_at) SELECT ?1, id, ?2, ?3, ?3 FROM webhook_endpoints"
	" WHERE removed_at IS NULL AND (events & ?4) <> 0";

enum gw_result store_webhook_event(struct store *s, const struct webhook_event_new *ev,
				   char **error_r)
{
	const char *sql = NULL, *type = webhook_event_name(ev->type);
	char hex[33], event_id[40];

	for (size_t i = 0; i < GW_ARRAY_SIZE(kinds); i++)
		if (kinds[i].bit == ev->type)
			sql = kinds[i].sql;
	if (sql == NULL || type == NULL)
		return store_fail(error_r, GW_INVALID, "webhook event: unknown kind %u", ev->type);
	if (store_text_random_hex(hex) < 0)
		return store_fail(error_r, GW_TEMPFAIL, "webhook event: no random bytes for an id");
	snprintf(event_id, sizeof(event_id), "evt_%s", hex);
	if (store_db_exec(s, sql, "ssIiiissi", event_id, type, ev->thread_id, ev->now,
			  ev->object_id, (int64_t)ev->type, ev->text1, ev->text2, ev->number) !=
	    SQLITE_OK)
		return store_db_fail(s, error_r, "webhook event %s", type);
	if (store_db_changes(s) == 0)
		return GW_OK; /* nobody wants it */
	if (store_db_exec(s, SQL_DELIVERIES_ADD, "iiii", store_db_last_id(s), ev->thread_id,
			  ev->now, (int64_t)ev->type) != SQLITE_OK)
		return store_db_fail(s, error_r, "webhook event %s", type);
	return GW_OK;
}
