/*
 * api_json.c - the JSON side of the API: replies and error bodies, store
 * results mapped onto HTTP statuses, typed request fields and query
 * parameters whose errors name the field, and the JSON shape of every
 * record.  The shapes are those of `gatewayctl --json`: ids are numbers
 * (null for none), times ISO 8601 UTC strings (null for never), flags
 * booleans, kinds lowercase names.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_int.h"
#include "buf.h"
#include "clock.h"

/* ---- replies ---- */

void api_reply(struct api_req *r, int status, json_t *body)
{
	if (r->replied) {
		/* A handler bug; the first reply stands. */
		json_decref(body);
		return;
	}
	r->replied = 1;
	r->status = status;
	r->resp = body;
}

void api_created(struct api_req *r, json_t *body)
{
	api_reply(r, 201, body);
}

void api_reply_file(struct api_req *r, int fd, int64_t size, const char *type,
		    const char *name)
{
	if (r->replied) {
		close(fd);
		return;
	}
	api_reply(r, 200, NULL);
	r->file_fd = fd;
	r->file_size = size;
	snprintf(r->file_type, sizeof(r->file_type), "%s", type);
	snprintf(r->file_name, sizeof(r->file_name), "%s", name);
}

/* A message may quote what the client sent (a name from the path): bytes
 * that are not UTF-8 become '?' rather than making the reply unsendable. */
static json_t *utf8_string(const char *s)
{
	json_t *v = json_string(s);
	char *copy;

	if (v != NULL)
		return v;
	copy = xstrdup(s);
	for (char *p = copy; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

void api_error(struct api_req *r, int status, const char *code, const char *field,
	       const char *fmt, ...)
{
	json_t *e = json_object();
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	json_object_set_new(e, "code", json_string(code));
	json_object_set_new(e, "message", utf8_string(buf_cstr(&b)));
	if (field != NULL)
		json_object_set_new(e, "field", utf8_string(field));
	buf_release(&b);
	api_reply(r, status, json_pack("{s:o}", "error", e));
}

static void fail(struct api_req *r, enum gw_result res, char *error, const char *field,
		 int dup)
{
	const char *msg = error != NULL ? error : gw_result_name(res);

	switch (res) {
	case GW_NOTFOUND:
		api_error(r, 404, "not_found", field, "%s", msg);
		break;
	case GW_INVALID:
		api_error(r, 422, "invalid_value", field, "%s", msg);
		break;
	case GW_TEMPFAIL:
		api_error(r, 503, "unavailable", NULL, "%s", msg);
		break;
	case GW_PERMFAIL:
		if (dup)
			api_error(r, 409, "conflict", field, "%s", msg);
		else
			api_error(r, 422, "rule_violation", field, "%s", msg);
		break;
	case GW_OK:
		api_error(r, 500, "internal", NULL, "unexpected success");
		break;
	}
	free(error);
}

void api_fail(struct api_req *r, enum gw_result res, char *error, const char *field)
{
	fail(r, res, error, field, 0);
}

void api_fail_dup(struct api_req *r, enum gw_result res, char *error, const char *field)
{
	fail(r, res, error, field, 1);
}

/* ---- request fields ---- */

char *api_field_name(const struct api_req *r, const char *key)
{
	if (r->prefix != NULL)
		return xasprintf("%s.%s", r->prefix, key);
	return xstrdup(key);
}

/* Reply 400 code naming the field; returns -1. */
static int field_error(struct api_req *r, const char *code, const char *key,
		       const char *what)
{
	char *name = api_field_name(r, key);

	api_error(r, 400, code, name, "%s: %s", name, what);
	free(name);
	return -1;
}

int api_object_only(struct api_req *r, json_t *o, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v) {
		size_t i;

		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] == NULL)
			return field_error(r, "unknown_field", key, "no such field here");
	}
	return 0;
}

int api_body_only(struct api_req *r, const char *const *allowed)
{
	return api_object_only(r, r->body, allowed);
}

/* The member, or NULL for absent and null (missing_field when required). */
static json_t *member(struct api_req *r, json_t *o, const char *key, int required,
		      int *failed_r)
{
	json_t *v = o != NULL ? json_object_get(o, key) : NULL;

	*failed_r = 0;
	if (v != NULL && !json_is_null(v))
		return v;
	if (required)
		*failed_r = field_error(r, "missing_field", key, "is required");
	return NULL;
}

int api_get_id(struct api_req *r, json_t *o, const char *key, int required, int64_t *v_r)
{
	int failed;
	json_t *v = member(r, o, key, required, &failed);

	if (v == NULL)
		return failed;
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return field_error(r, "invalid_field", key, "expected an id (a positive integer)");
	*v_r = json_integer_value(v);
	return 0;
}

int api_get_str(struct api_req *r, json_t *o, const char *key, int required,
		const char **v_r)
{
	int failed;
	json_t *v = member(r, o, key, required, &failed);

	if (v == NULL)
		return failed;
	if (!json_is_string(v))
		return field_error(r, "invalid_field", key, "expected a string");
	*v_r = json_string_value(v);
	return 0;
}

int api_get_bool(struct api_req *r, json_t *o, const char *key, int required, int *v_r,
		 int *present_r)
{
	int failed;
	json_t *v = member(r, o, key, required, &failed);

	if (present_r != NULL)
		*present_r = v != NULL;
	if (v == NULL)
		return failed;
	if (!json_is_boolean(v))
		return field_error(r, "invalid_field", key, "expected true or false");
	*v_r = json_is_true(v);
	return 0;
}

int api_get_int(struct api_req *r, json_t *o, const char *key, int required, int *v_r,
		int *present_r)
{
	int failed;
	json_t *v = member(r, o, key, required, &failed);

	if (present_r != NULL)
		*present_r = v != NULL;
	if (v == NULL)
		return failed;
	if (!json_is_integer(v) || json_integer_value(v) < INT_MIN ||
	    json_integer_value(v) > INT_MAX)
		return field_error(r, "invalid_field", key, "expected an integer");
	*v_r = (int)json_integer_value(v);
	return 0;
}

int api_get_actor(struct api_req *r, const char *verb, int required,
		  enum store_kind *kind_r, int64_t *id_r)
{
	char *k_staff = xasprintf("%s_staff", verb), *k_contact = xasprintf("%s_contact", verb);
	int64_t staff = 0, contact = 0;
	int rc = api_get_id(r, r->body, k_staff, 0, &staff);

	if (rc == 0)
		rc = api_get_id(r, r->body, k_contact, 0, &contact);
	*kind_r = 0;
	*id_r = 0;
	if (rc == 0 && staff != 0 && contact != 0) {
		api_error(r, 400, "invalid_field", k_contact, "%s and %s exclude each other",
			  k_staff, k_contact);
		rc = -1;
	} else if (rc == 0 && staff == 0 && contact == 0 && required) {
		api_error(r, 400, "missing_field", k_staff, "%s or %s is required", k_staff,
			  k_contact);
		rc = -1;
	} else if (rc == 0) {
		*kind_r = staff != 0 ? STORE_STAFF : contact != 0 ? STORE_CONTACT : 0;
		*id_r = staff != 0 ? staff : contact;
	}
	free(k_staff);
	free(k_contact);
	return rc;
}

/* ---- query parameters ---- */

static int param_error(struct api_req *r, const char *name, const char *value,
		       const char *what)
{
	api_error(r, 400, "invalid_parameter", name, "%s: '%s' is not %s", name, value, what);
	return -1;
}

int api_query_only(struct api_req *r, const char *const *allowed)
{
	struct evkeyval *kv;

	TAILQ_FOREACH(kv, &r->query, next) {
		size_t i;

		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], kv->key) == 0)
				break;
		if (allowed[i] == NULL) {
			api_error(r, 400, "unknown_parameter", kv->key,
				  "%s: no such query parameter here", kv->key);
			return -1;
		}
	}
	return 0;
}

const char *api_query(struct api_req *r, const char *name)
{
	return evhttp_find_header(&r->query, name);
}

static int parse_i64(const char *s, int64_t *v_r)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v_r = v;
	return 0;
}

int api_query_id(struct api_req *r, const char *name, int64_t *v_r)
{
	const char *s = api_query(r, name);
	int64_t v;

	if (s == NULL)
		return 0;
	if (parse_i64(s, &v) < 0 || v <= 0)
		return param_error(r, name, s, "an id");
	*v_r = v;
	return 0;
}

int api_query_int(struct api_req *r, const char *name, int min, int max, int *v_r)
{
	const char *s = api_query(r, name);
	int64_t v;

	if (s == NULL)
		return 0;
	if (parse_i64(s, &v) < 0)
		return param_error(r, name, s, "a number");
	if (v < min || v > max) {
		api_error(r, 400, "invalid_parameter", name, "%s: %lld is not within %d..%d",
			  name, (long long)v, min, max);
		return -1;
	}
	*v_r = (int)v;
	return 0;
}

int api_query_principal(struct api_req *r, const char *name, enum store_kind *kind_r,
			int64_t *id_r)
{
	const char *s = api_query(r, name);
	const char *colon;
	int64_t v;

	*kind_r = 0;
	if (s == NULL)
		return 0;
	colon = strchr(s, ':');
	if (colon == NULL || parse_i64(colon + 1, &v) < 0 || v <= 0)
		return param_error(r, name, s, "contact:ID or staff:ID");
	if ((size_t)(colon - s) == 7 && strncmp(s, "contact", 7) == 0)
		*kind_r = STORE_CONTACT;
	else if ((size_t)(colon - s) == 5 && strncmp(s, "staff", 5) == 0)
		*kind_r = STORE_STAFF;
	else
		return param_error(r, name, s, "contact:ID or staff:ID");
	*id_r = v;
	return 0;
}

int api_query_bool(struct api_req *r, const char *name, int *v_r)
{
	const char *s = api_query(r, name);

	if (s == NULL)
		return 0;
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0 || strcmp(s, "yes") == 0)
		*v_r = 1;
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0 || strcmp(s, "no") == 0)
		*v_r = 0;
	else
		return param_error(r, name, s, "true or false");
	return 0;
}

/* ---- records ---- */

json_t *api_json_time(int64_t t)
{
	char buf[CLOCK_ISO_MAX];

	return t != 0 ? json_string(clock_format(t, buf)) : json_null();
}

json_t *api_json_str(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

json_t *api_json_id(int64_t id)
{
	return id != 0 ? json_integer((json_int_t)id) : json_null();
}

static void set(json_t *o, const char *key, json_t *v)
{
	/* json_string() refuses invalid UTF-8; the store holds only UTF-8, so
	 * a NULL here is a bug, shown as null rather than a crash. */
	json_object_set_new(o, key, v != NULL ? v : json_null());
}

json_t *api_json_firm(const struct store_firm_in *f)
{
	json_t *o = json_object();

	set(o, "name", json_string(f->name));
	set(o, "allow_client_chats", json_boolean(f->allow_client_chats));
	set(o, "notify_display_name", api_json_str(f->notify_display_name));
	return o;
}

json_t *api_json_account(const struct store_account *a)
{
	json_t *o = json_object();

	set(o, "id", json_integer(a->id));
	set(o, "name", json_string(a->name));
	set(o, "created_at", api_json_time(a->created_at));
	return o;
}

json_t *api_json_contact(const struct store_contact *k)
{
	json_t *o = json_object();

	set(o, "id", json_integer(k->id));
	set(o, "account_id", json_integer(k->account_id));
	set(o, "name", json_string(k->name));
	set(o, "email", json_string(k->email));
	set(o, "notify", json_boolean(k->notify));
	/* notify off by their own unsubscribe link, and the state in one word */
	set(o, "unsubscribed", json_boolean(k->unsubscribed));
	set(o, "email_state", json_string(store_reach_name(store_contact_reach(k))));
	set(o, "may_create_chats", json_boolean(k->may_create_chats));
	set(o, "email_status", json_string(store_email_status_name(k->email_status)));
	set(o, "bounce_reason", api_json_str(k->bounce_reason));
	set(o, "bounced_at", api_json_time(k->bounced_at));
	set(o, "generation", json_integer(k->generation));
	set(o, "last_login_at", api_json_time(k->last_login_at));
	set(o, "created_at", api_json_time(k->created_at));
	set(o, "removed_at", api_json_time(k->removed_at));
	/* their automatic reply's return date, while their reminders wait */
	if (k->away_until != NULL && k->away_resume_at > clock_now()) {
		set(o, "away_until", json_string(k->away_until));
		set(o, "reminders_resume_at", api_json_time(k->away_resume_at));
	} else {
		set(o, "away_until", json_null());
		set(o, "reminders_resume_at", json_null());
	}
	/* null: the firm's ([firm] language, timezone) */
	set(o, "language", api_json_str(k->language));
	set(o, "timezone", api_json_str(k->timezone));
	return o;
}

json_t *api_json_staff(const struct store_staff *s)
{
	json_t *o = json_object();

	set(o, "id", json_integer(s->id));
	set(o, "name", json_string(s->name));
	set(o, "email", json_string(s->email));
	set(o, "role", json_string(store_role_name(s->role)));
	set(o, "notify", json_boolean(s->notify));
	set(o, "view_all", json_boolean(s->view_all));
	set(o, "sees_all_accounts", json_boolean(s->view_all || s->role != STORE_ROLE_MEMBER));
	set(o, "generation", json_integer(s->generation));
	set(o, "created_at", api_json_time(s->created_at));
	set(o, "language", api_json_str(s->language));
	set(o, "timezone", api_json_str(s->timezone));
	return o;
}

json_t *api_json_template(const struct store_template *t)
{
	json_t *o = json_object();

	set(o, "id", json_integer(t->id));
	set(o, "name", json_string(t->name));
	set(o, "subject", json_string(t->subject));
	set(o, "body", json_string(t->body));
	/* the tasks as the new chat's "tasks": an array of strings */
	json_t *tasks = json_array();
	const char *p = t->tasks != NULL ? t->tasks : "";
	while (*p != '\0') {
		size_t n = strcspn(p, "\n");
		if (n > 0)
			json_array_append_new(tasks, json_stringn(p, n));
		p += n;
		if (*p == '\n')
			p++;
	}
	set(o, "tasks", tasks);
	return o;
}

json_t *api_json_reminders(const struct store_reminders *rem)
{
	json_t *o = json_object();

	set(o, "enabled", json_boolean(rem->enabled));
	set(o, "days", json_integer(rem->days));
	set(o, "count", json_integer(rem->count));
	set(o, "message_id", api_json_id(rem->message_id));
	set(o, "anchor_at", api_json_time(rem->anchor_at));
	set(o, "sent", json_integer(rem->sent));
	set(o, "next_due", api_json_time(rem->next_due));
	set(o, "remaining", json_integer(rem->remaining));
	return o;
}

json_t *api_json_thread(const struct store_thread *t, int with_unread)
{
	json_t *o = json_object();

	set(o, "id", json_integer(t->id));
	set(o, "account_id", json_integer(t->account_id));
	set(o, "account_name", api_json_str(t->account_name));
	set(o, "subject", api_json_str(t->subject));
	set(o, "created_by_kind", json_string(store_kind_name(t->created_by_kind)));
	set(o, "created_by_id", api_json_id(t->created_by_id));
	set(o, "created_at", api_json_time(t->created_at));
	set(o, "last_message_at", api_json_time(t->last_message_at));
	set(o, "last_notified_at", api_json_time(t->last_notified_at));
	set(o, "archived", json_boolean(t->archived));
	set(o, "archived_at", api_json_time(t->archived_at));
	set(o, "show_content", json_boolean(t->show_content));
	set(o, "mail_root_id", api_json_str(t->mail_root_id));
	set(o, "reminders", api_json_reminders(&t->reminders));
	set(o, "message_count", json_integer(t->message_count));
	set(o, "unread_count", with_unread ? json_integer(t->unread_count) : json_null());
	set(o, "tasks_total", json_integer(t->tasks_total));
	set(o, "tasks_done", json_integer(t->tasks_done));
	return o;
}

json_t *api_json_message(const struct store_message *m)
{
	json_t *o = json_object();

	set(o, "id", json_integer(m->id));
	set(o, "thread_id", json_integer(m->thread_id));
	set(o, "author_kind", json_string(store_kind_name(m->author_kind)));
	set(o, "author_id", api_json_id(m->author_id));
	set(o, "author_name", api_json_str(m->author_name));
	set(o, "body", api_json_str(m->body));
	set(o, "staff_only", json_boolean(m->staff_only));
	set(o, "visibility", json_string(m->staff_only ? "staff" : "client"));
	set(o, "created_at", api_json_time(m->created_at));
	return o;
}

json_t *api_json_task(const struct store_task *t)
{
	json_t *o = json_object();

	set(o, "id", json_integer(t->id));
	set(o, "thread_id", json_integer(t->thread_id));
	set(o, "position", json_integer(t->position));
	set(o, "text", api_json_str(t->text));
	set(o, "done", json_boolean(t->done_at != 0));
	set(o, "done_at", api_json_time(t->done_at));
	set(o, "done_by_kind", t->done_at != 0 ? json_string(store_kind_name(t->done_by_kind))
					       : json_null());
	set(o, "done_by_id", api_json_id(t->done_by_id));
	return o;
}

json_t *api_json_attachment(const struct store_attachment *a)
{
	json_t *o = json_object();

	set(o, "id", json_integer(a->id));
	set(o, "message_id", api_json_id(a->message_id));
	set(o, "uploader_kind", json_string(store_kind_name(a->uploader_kind)));
	set(o, "uploader_id", api_json_id(a->uploader_id));
	set(o, "file_name", api_json_str(a->file_name));
	set(o, "content_type", api_json_str(a->content_type));
	set(o, "size", json_integer(a->size));
	set(o, "sha256", json_string(a->sha256));
	set(o, "created_at", api_json_time(a->created_at));
	set(o, "folder", api_json_str(a->folder != NULL ? a->folder : ""));
	set(o, "zip_note", a->zip_note != NULL ? json_string(a->zip_note) : json_null());
	return o;
}

json_t *api_json_outbox(const struct store_outbox *x)
{
	json_t *o = json_object();

	set(o, "id", json_integer(x->id));
	set(o, "kind", json_string(mail_kind_name(x->kind)));
	set(o, "status", json_string(store_out_status_name(x->status)));
	set(o, "recipient_kind", json_string(store_kind_name(x->recipient_kind)));
	set(o, "recipient_id", api_json_id(x->recipient_id));
	set(o, "recipient_address", api_json_str(x->recipient_address));
	set(o, "thread_id", api_json_id(x->thread_id));
	set(o, "message_id", api_json_id(x->message_id));
	set(o, "extra", api_json_str(x->extra));
	set(o, "attempts", json_integer(x->attempts));
	set(o, "next_attempt_at", api_json_time(x->next_attempt_at));
	set(o, "lease_until", api_json_time(x->lease_until));
	set(o, "last_error", api_json_str(x->last_error));
	set(o, "created_at", api_json_time(x->created_at));
	set(o, "sent_at", api_json_time(x->sent_at));
	set(o, "mail_id", api_json_str(x->mail_id));
	set(o, "dedup_key", api_json_str(x->dedup_key));
	return o;
}

json_t *api_json_inbound(const struct store_inbound *in)
{
	json_t *o = json_object();

	set(o, "id", json_integer(in->id));
	set(o, "received_at", api_json_time(in->received_at));
	set(o, "sender", api_json_str(in->sender));
	set(o, "recipient", api_json_str(in->recipient));
	set(o, "message_id", api_json_str(in->message_id));
	set(o, "size", json_integer(in->size));
	set(o, "verdict", api_json_str(in->verdict));
	set(o, "thread_id", api_json_id(in->thread_id));
	set(o, "reason", api_json_str(in->reason));
	return o;
}
