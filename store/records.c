/*
 * records.c - the names of the store's enums (as stored in the database)
 * and the functions that free the records the store hands out.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

struct name_map {
	int value;
	const char *name;
};

static const struct name_map kinds[] = {
	{ STORE_CONTACT, "contact" },
	{ STORE_STAFF, "staff" },
	{ STORE_SYSTEM, "system" },
	{ STORE_ADDRESS, "address" },
};
static const struct name_map roles[] = {
	{ STORE_ROLE_OWNER, "owner" },
	{ STORE_ROLE_ADMIN, "admin" },
	{ STORE_ROLE_MEMBER, "member" },
};
static const struct name_map out_statuses[] = {
	{ STORE_OUT_QUEUED, "queued" },
	{ STORE_OUT_SENDING, "sending" },
	{ STORE_OUT_SENT, "sent" },
	{ STORE_OUT_FAILED, "failed" },
};
static const struct name_map email_statuses[] = {
	{ STORE_EMAIL_OK, "ok" },
	{ STORE_EMAIL_BOUNCING, "bouncing" },
};

static const char *map_name(const struct name_map *m, size_t n, int v)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].value == v)
			return m[i].name;
	return "unknown";
}

static int map_parse(const struct name_map *m, size_t n, const char *s, int *v_r)
{
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(m[i].name, s) == 0) {
			*v_r = m[i].value;
			return 0;
		}
	}
	return -1;
}

#define NAME_FNS(type, prefix, table)                                      \
	const char *prefix##_name(type v)                                  \
	{                                                                  \
		return map_name(table, GW_ARRAY_SIZE(table), (int)v);      \
	}                                                                  \
	int prefix##_parse(const char *s, type *v_r)                       \
	{                                                                  \
		int v;                                                     \
		if (map_parse(table, GW_ARRAY_SIZE(table), s, &v) < 0)     \
			return -1;                                         \
		*v_r = (type)v;                                            \
		return 0;                                                  \
	}

NAME_FNS(enum store_kind, store_kind, kinds)
NAME_FNS(enum store_role, store_role, roles)
NAME_FNS(enum store_out_status, store_out_status, out_statuses)

const char *store_email_status_name(enum store_email_status s)
{
	return map_name(email_statuses, GW_ARRAY_SIZE(email_statuses), (int)s);
}

enum store_kind store_kind_from_col(sqlite3_stmt *st, int i)
{
	enum store_kind k;
	const unsigned char *t = sqlite3_column_text(st, i);
	if (t == NULL || store_kind_parse((const char *)t, &k) < 0)
		return 0;
	return k;
}

/* ---- freeing ---- */

void store_firm_clear(struct store_firm *f)
{
	if (f == NULL)
		return;
	free(f->name);
	free(f->notify_display_name);
	memset(f, 0, sizeof(*f));
}

void store_staff_clear(struct store_staff *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->email);
	free(p->language);
	free(p->timezone);
	memset(p, 0, sizeof(*p));
}

void store_account_clear(struct store_account *a)
{
	if (a == NULL)
		return;
	free(a->name);
	memset(a, 0, sizeof(*a));
}

void store_contact_clear(struct store_contact *c)
{
	if (c == NULL)
		return;
	free(c->name);
	free(c->first_name);
	free(c->email);
	free(c->bounce_reason);
	free(c->away_until);
	free(c->language);
	free(c->timezone);
	memset(c, 0, sizeof(*c));
}

void store_template_clear(struct store_template *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->subject);
	free(t->body);
	free(t->tasks);
	memset(t, 0, sizeof(*t));
}

void store_thread_clear(struct store_thread *t)
{
	if (t == NULL)
		return;
	free(t->account_name);
	free(t->subject);
	free(t->mail_root_id);
	memset(t, 0, sizeof(*t));
}

void store_message_clear(struct store_message *m)
{
	if (m == NULL)
		return;
	free(m->author_name);
	free(m->mentions);
	free(m->body);
	memset(m, 0, sizeof(*m));
}

void store_task_clear(struct store_task *t)
{
	if (t == NULL)
		return;
	free(t->text);
	memset(t, 0, sizeof(*t));
}

void store_attachment_clear(struct store_attachment *a)
{
	if (a == NULL)
		return;
	free(a->file_name);
	free(a->content_type);
	free(a->folder);
	free(a->zip_note);
	memset(a, 0, sizeof(*a));
}

void store_thread_view_clear(struct store_thread_view *v)
{
	if (v == NULL)
		return;
	store_thread_clear(&v->thread);
	for (size_t i = 0; i < v->n_messages; i++)
		store_message_clear(&v->messages[i]);
	free(v->messages);
	for (size_t i = 0; i < v->n_tasks; i++)
		store_task_clear(&v->tasks[i]);
	free(v->tasks);
	for (size_t i = 0; i < v->n_attachments; i++)
		store_attachment_clear(&v->attachments[i]);
	free(v->attachments);
	store_thread_refs_free(v->refs, v->n_refs);
	memset(v, 0, sizeof(*v));
}

void store_outbox_clear(struct store_outbox *o)
{
	if (o == NULL)
		return;
	free(o->recipient_address);
	free(o->extra);
	free(o->last_error);
	free(o->mail_id);
	free(o->dedup_key);
	memset(o, 0, sizeof(*o));
}

void store_compose_clear(struct store_compose *c)
{
	if (c == NULL)
		return;
	store_outbox_clear(&c->row);
	store_compose_items_free(c->items, c->n_items);
	free(c->firm_name);
	free(c->notify_display_name);
	free(c->thread_subject);
	free(c->mail_root_id);
	free(c->account_name);
	free(c->recipient_name);
	free(c->recipient_language);
	free(c->recipient_timezone);
	free(c->recipient_address);
	free(c->author_name);
	free(c->body);
	free(c->message_files);
	for (size_t i = 0; i < c->n_tasks; i++)
		store_task_clear(&c->tasks[i]);
	free(c->tasks);
	free(c->task_text);
	free(c->attachment_name);
	free(c->file_names);
	free(c->in_reply_to);
	free(c->quoted_text);
	free(c->webhook);
	memset(c, 0, sizeof(*c));
}

void store_inbound_clear(struct store_inbound *in)
{
	if (in == NULL)
		return;
	free(in->sender);
	free(in->recipient);
	free(in->message_id);
	free(in->verdict);
	free(in->reason);
	memset(in, 0, sizeof(*in));
}

void store_apikey_clear(struct store_apikey *k)
{
	if (k == NULL)
		return;
	free(k->name);
	free(k->key_sha256);
	memset(k, 0, sizeof(*k));
}

#define LIST_FREE(fn, type, clear)                           \
	void fn(type *list)                                  \
	{                                                    \
		if (list == NULL)                            \
			return;                              \
		for (size_t i = 0; i < list->count; i++)     \
			clear(&list->items[i]);              \
		free(list->items);                           \
		list->items = NULL;                          \
		list->count = 0;                             \
	}

LIST_FREE(store_staff_list_free, struct store_staff_list, store_staff_clear)
LIST_FREE(store_account_list_free, struct store_account_list, store_account_clear)
LIST_FREE(store_contact_list_free, struct store_contact_list, store_contact_clear)
LIST_FREE(store_template_list_free, struct store_template_list, store_template_clear)
LIST_FREE(store_thread_list_free, struct store_thread_list, store_thread_clear)
LIST_FREE(store_outbox_list_free, struct store_outbox_list, store_outbox_clear)
LIST_FREE(store_apikey_list_free, struct store_apikey_list, store_apikey_clear)
