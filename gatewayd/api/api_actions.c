/*
 * api_actions.c - what the API does inside a thread: post a message (as
 * staff or on behalf of a contact), add and tick tasks, read marks,
 * archive / reopen / resend, reminder settings, and View-chat links.
 *
 * Each checks first that the thread exists (404) and that the person
 * named in the body exists (404) and may see it (403), so that the store's
 * own refusal is left for rules (an archived thread, an empty text: 422).
 * Every change may queue mail or move a reminder schedule: r->wake.
 */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "buf.h"
#include "clock.h"
#include "viewlink.h"

/* 422 when the thread is archived (the store's words), before the store
 * would say GW_INVALID for that as for a bad text. */
static int check_open(struct api_req *r, int64_t thread_id)
{
	struct store_thread t = { 0 };
	char *error = NULL;
	enum gw_result res = store_thread_get(r->store, thread_id, 0, 0, &t, &error);
	int archived = t.archived;

	store_thread_clear(&t);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return -1;
	}
	if (archived) {
		api_error(r, 422, "rule_violation", NULL, "thread %lld: archived, reopen it first",
			  (long long)thread_id);
		return -1;
	}
	return 0;
}

/* The thread as the reader (or the firm, kind 0) sees it now. */
static void reply_thread(struct api_req *r, int status, int64_t thread_id,
			 enum store_kind kind, int64_t who)
{
	struct store_thread t = { 0 };
	char *error = NULL;
	enum gw_result res = store_thread_get(r->store, thread_id, kind, who, &t, &error);

	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	api_reply(r, status, api_json_thread(&t, kind != 0));
	store_thread_clear(&t);
}

/* ---- messages ---- */

void api_messages_post(struct api_req *r)
{
	static const char *const fields[] = { "from_staff", "from_contact", "body", "internal",
					      "assign_mentioned", NULL };
	struct store_message m = { 0 };
	struct store_post p = { .thread_id = r->ids[0] };
	int64_t id = 0;
	char *error = NULL;
	enum gw_result res;

	p.files = r->files;
	p.n_files = r->n_files;
	/* With files (a multipart post), the text may be left out. */
	if (api_body_only(r, fields) < 0 ||
	    api_get_actor(r, "from", 1, &p.author_kind, &p.author_id) < 0 ||
	    api_get_str(r, r->body, "body", r->n_files == 0, &p.body) < 0 ||
	    api_get_bool(r, r->body, "internal", 0, &p.internal, NULL) < 0 ||
	    api_get_bool(r, r->body, "assign_mentioned", 0, &p.assign_mentioned, NULL) < 0 ||
	    api_check_actor(r, r->ids[0], p.author_kind, p.author_id,
			    p.author_kind == STORE_STAFF ? "from_staff" : "from_contact") < 0 ||
	    check_open(r, r->ids[0]) < 0)
		return;
	if (p.internal && p.author_kind != STORE_STAFF) {
		api_error(r, 422, "invalid_value", "internal",
			  "internal: only staff write internal notes (from_staff)");
		return;
	}
	if (p.body == NULL)
		p.body = "";
	res = store_message_send(r->store, &p, &id, NULL, &error);
	if (res == GW_OK)
		r->wake = 1;
	if (res == GW_OK)
		res = store_message_get(r->store, id, &m, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, res == GW_INVALID ? "body" : NULL);
		return;
	}
	json_t *o = api_json_message(&m);

	/* The files of the post, with their ids, as the thread lists them. */
	if (r->n_files > 0) {
		struct store_thread_view v = { 0 };
		json_t *arr = json_array();

		if (store_thread_show(r->store, r->ids[0], 0, 0, 1, &v, &error) == GW_OK) {
			for (size_t i = 0; i < v.n_attachments; i++)
				if (v.attachments[i].message_id == id)
					json_array_append_new(arr, api_json_attachment(&v.attachments[i]));
			store_thread_view_clear(&v);
		} else {
			free(error);
			error = NULL;
		}
		json_object_set_new(o, "attachments", arr);
	}
	if (p.internal)
		r->audit_action = "note";
	store_message_clear(&m);
	/* staff learn at once when no contact gets their message (a note
	 * is for staff: no contact is meant to get it) */
	if (p.author_kind == STORE_STAFF && !p.internal &&
	    api_add_nobody_emailed(r, o, r->ids[0]) < 0)
		return;
	api_created(r, o);
}

/* ---- tasks ---- */

/* Reply with task_id of thread_id as it is now; 404 if it is not there. */
static void reply_task(struct api_req *r, int status, int64_t thread_id, int64_t task_id)
{
	struct store_thread_view v = { 0 };
	char *error = NULL;
	enum gw_result res = store_thread_show(r->store, thread_id, 0, 0, 1, &v, &error);

	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	for (size_t i = 0; i < v.n_tasks; i++) {
		if (v.tasks[i].id == task_id) {
			api_reply(r, status, api_json_task(&v.tasks[i]));
			store_thread_view_clear(&v);
			return;
		}
	}
	store_thread_view_clear(&v);
	api_error(r, 404, "not_found", NULL, "thread %lld: no task %lld", (long long)thread_id,
		  (long long)task_id);
}

/* by_staff of a change to the checklist: absent is the firm (0).
 * 0 or -1 (replied). */
static int task_staff(struct api_req *r, int64_t *staff_r)
{
	enum store_kind kind;

	*staff_r = 0;
	if (api_get_actor(r, "by", 0, &kind, staff_r) < 0)
		return -1;
	if (kind == STORE_CONTACT) {
		api_error(r, 422, "invalid_value", "by_contact",
			  "by_contact: clients tick tasks, only staff change them (by_staff)");
		return -1;
	}
	if (kind == STORE_STAFF && api_check_actor(r, r->ids[0], kind, *staff_r, "by_staff") < 0)
		return -1;
	return 0;
}

/* A refused change of the checklist: the field named when it is one. */
static void task_fail(struct api_req *r, enum gw_result res, char *error)
{
	const char *field = NULL;

	if (res == GW_INVALID && error != NULL && strncmp(error, "task:", 5) == 0)
		field = "text";
	else if (res == GW_INVALID && error != NULL && strncmp(error, "position", 8) == 0)
		field = "position";
	api_fail(r, res, error, field);
}

void api_tasks_add(struct api_req *r)
{
	static const char *const fields[] = { "text", "by_staff", NULL };
	const char *text = NULL;
	char *error = NULL;
	int64_t id = 0, staff = 0;
	enum gw_result res;

	if (api_body_only(r, fields) < 0 || api_get_str(r, r->body, "text", 1, &text) < 0 ||
	    check_open(r, r->ids[0]) < 0 || task_staff(r, &staff) < 0)
		return;
	res = store_task_create(r->store, r->ids[0], staff, text, &id, &error);
	if (res != GW_OK) {
		task_fail(r, res, error);
		return;
	}
	r->wake = 1;
	reply_task(r, 201, r->ids[0], id);
}

/* PATCH with "text" or "position": a staff change of the checklist. */
static void task_change(struct api_req *r, const char *text, int has_pos, int position)
{
	int64_t staff = 0;
	char *error = NULL;
	enum gw_result res;

	if (task_staff(r, &staff) < 0 || check_open(r, r->ids[0]) < 0)
		return;
	if (text != NULL)
		res = store_task_edit(r->store, r->ids[0], r->ids[1], staff, text, NULL, &error);
	else
		res = store_task_move(r->store, r->ids[0], r->ids[1], staff, has_pos ? position : 0,
				      NULL, &error);
	if (res != GW_OK) {
		task_fail(r, res, error);
		return;
	}
	r->wake = 1;
	reply_task(r, 200, r->ids[0], r->ids[1]);
}

void api_tasks_patch(struct api_req *r)
{
	static const char *const fields[] = { "done", "text", "position", "by_staff",
					      "by_contact", NULL };
	struct store_thread_view v = { 0 };
	const char *text = NULL;
	enum store_kind kind;
	int64_t who;
	int done = 0, found = 0, has_done = 0, position = 0, has_pos = 0;
	char *error = NULL;
	enum gw_result res;

	if (api_body_only(r, fields) < 0 || api_get_bool(r, r->body, "done", 0, &done,
							 &has_done) < 0 ||
	    api_get_str(r, r->body, "text", 0, &text) < 0 ||
	    api_get_int(r, r->body, "position", 0, &position, &has_pos) < 0)
		return;
	if (has_done + (text != NULL) + has_pos != 1) {
		api_error(r, 400, has_done + (text != NULL) + has_pos == 0 ? "missing_field"
									    : "invalid_value",
			  "done", "done, text, position: give exactly one of them");
		return;
	}
	if (!has_done) {
		task_change(r, text, has_pos, position);
		return;
	}
	if (api_get_actor(r, "by", 1, &kind, &who) < 0 ||
	    api_check_actor(r, r->ids[0], kind, who,
			    kind == STORE_STAFF ? "by_staff" : "by_contact") < 0)
		return;
	/* The task must be one of this thread's. */
	res = store_thread_show(r->store, r->ids[0], 0, 0, 1, &v, &error);
	for (size_t i = 0; res == GW_OK && i < v.n_tasks; i++)
		found |= v.tasks[i].id == r->ids[1];
	store_thread_view_clear(&v);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	if (!found) {
		api_error(r, 404, "not_found", NULL, "thread %lld: no task %lld",
			  (long long)r->ids[0], (long long)r->ids[1]);
		return;
	}
	if (check_open(r, r->ids[0]) < 0)
		return;
	res = store_task_set_done(r->store, r->ids[1], kind, who, done, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	r->wake = 1;
	reply_task(r, 200, r->ids[0], r->ids[1]);
}

void api_tasks_delete(struct api_req *r)
{
	static const char *const params[] = { "by_staff", NULL };
	int64_t staff = 0;
	char *error = NULL;
	enum gw_result res;

	if (api_query_only(r, params) < 0 || api_query_id(r, "by_staff", &staff) < 0 ||
	    api_check_actor(r, r->ids[0], staff != 0 ? STORE_STAFF : 0, staff,
			    staff != 0 ? "by_staff" : NULL) < 0 ||
	    check_open(r, r->ids[0]) < 0)
		return;
	res = store_task_remove(r->store, r->ids[0], r->ids[1], staff, &error);
	if (res != GW_OK) {
		task_fail(r, res, error);
		return;
	}
	r->wake = 1;
	api_reply(r, 204, NULL);
}

/* ---- read marks ---- */

void api_threads_read(struct api_req *r)
{
	static const char *const fields[] = { "by_staff", "by_contact", "up_to", NULL };
	enum store_kind kind;
	int64_t who, up_to = 0;
	char *error = NULL;
	enum gw_result res;

	if (api_body_only(r, fields) < 0 || api_get_actor(r, "by", 1, &kind, &who) < 0 ||
	    api_get_id(r, r->body, "up_to", 0, &up_to) < 0 ||
	    api_check_actor(r, r->ids[0], kind, who,
			    kind == STORE_STAFF ? "by_staff" : "by_contact") < 0)
		return;
	res = store_read_mark(r->store, r->ids[0], kind, who, up_to, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, "up_to");
		return;
	}
	/* A contact's mark may stop the reminders. */
	r->wake = 1;
	reply_thread(r, 200, r->ids[0], kind, who);
}

/* ---- archive, reopen, resend ---- */

/* Optional "by_staff": the staff member acting (must see the thread). */
static int get_by_staff(struct api_req *r, int64_t *staff_r)
{
	static const char *const fields[] = { "by_staff", NULL };

	*staff_r = 0;
	if (api_body_only(r, fields) < 0 || api_get_id(r, r->body, "by_staff", 0, staff_r) < 0)
		return -1;
	return api_check_actor(r, r->ids[0], *staff_r != 0 ? STORE_STAFF : 0, *staff_r,
			       "by_staff");
}

static void archive_or_reopen(struct api_req *r, int archive)
{
	int64_t staff;
	char *error = NULL;
	enum gw_result res;

	if (get_by_staff(r, &staff) < 0)
		return;
	if (archive)
		res = store_thread_archive(r->store, r->ids[0], staff, &error);
	else
		res = store_thread_reopen(r->store, r->ids[0], staff, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	r->wake = 1;
	reply_thread(r, 200, r->ids[0], 0, 0);
}

void api_threads_archive(struct api_req *r)
{
	archive_or_reopen(r, 1);
}

void api_threads_reopen(struct api_req *r)
{
	archive_or_reopen(r, 0);
}

void api_threads_resend(struct api_req *r)
{
	int64_t staff;
	int n = 0;
	char *error = NULL;
	enum gw_result res;

	if (get_by_staff(r, &staff) < 0)
		return;
	res = store_thread_resend(r->store, r->ids[0], staff, &n, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	r->wake = 1;
	json_t *o = json_pack("{s:I, s:i}", "thread_id", (json_int_t)r->ids[0], "queued", n);

	if (api_add_nobody_emailed(r, o, r->ids[0]) < 0)
		return;
	api_reply(r, 200, o);
}

/* ---- reminders ---- */

void api_threads_reminders(struct api_req *r)
{
	static const char *const fields[] = { "enabled", "days", "count", "by_staff", NULL };
	struct store_thread t = { 0 };
	int enabled = 0, days = 0, count = 0, has_days, has_count;
	int64_t staff = 0;
	char *error = NULL;
	enum gw_result res;

	if (api_body_only(r, fields) < 0 ||
	    api_get_bool(r, r->body, "enabled", 1, &enabled, NULL) < 0 ||
	    api_get_int(r, r->body, "days", 0, &days, &has_days) < 0 ||
	    api_get_int(r, r->body, "count", 0, &count, &has_count) < 0 ||
	    api_get_id(r, r->body, "by_staff", 0, &staff) < 0 ||
	    api_check_reminder_numbers(r, days, has_days, count, has_count) < 0 ||
	    api_check_actor(r, r->ids[0], staff != 0 ? STORE_STAFF : 0, staff, "by_staff") < 0)
		return;
	res = store_thread_set_reminders(r->store, r->ids[0], staff, enabled, days, count,
					 &error);
	if (res == GW_OK)
		res = store_thread_get(r->store, r->ids[0], 0, 0, &t, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	r->wake = 1;
	api_reply(r, 200, api_json_reminders(&t.reminders));
	store_thread_clear(&t);
}

/* ---- View-chat links ---- */

void api_threads_link(struct api_req *r)
{
	static const char *const fields[] = { "for_staff", "for_contact", NULL };
	struct viewlink link;
	enum store_kind kind;
	int64_t who;
	uint32_t gen = 0;
	char *error = NULL;
	const char *field;
	enum gw_result res;
	json_t *o;

	if (api_body_only(r, fields) < 0 || api_get_actor(r, "for", 1, &kind, &who) < 0 ||
	    api_check_actor(r, r->ids[0], 0, 0, NULL) < 0)
		return;
	field = kind == STORE_STAFF ? "for_staff" : "for_contact";
	res = viewlink_check(r->store, r->ids[0], kind, who, &gen, &error);
	if (res == GW_PERMFAIL) {
		api_error(r, 403, "forbidden", field, "%s", error);
		free(error);
		return;
	}
	if (res != GW_OK) {
		api_fail(r, res, error, field);
		return;
	}
	if (viewlink_sign(r->keys, r->api->base_url, r->api->view_ttl, clock_now(),
			  r->ids[0], kind, who, gen, &link) < 0) {
		api_error(r, 500, "internal", NULL, "thread %lld: cannot sign the link",
			  (long long)r->ids[0]);
		return;
	}
	o = json_object();
	json_object_set_new(o, "url", json_string(link.url));
	json_object_set_new(o, "token", json_string(link.token));
	json_object_set_new(o, "thread_id", json_integer(link.thread_id));
	json_object_set_new(o, "principal_kind", json_string(store_kind_name(kind)));
	json_object_set_new(o, "principal_id", json_integer(who));
	json_object_set_new(o, "generation", json_integer(gen));
	json_object_set_new(o, "expires", api_json_time(link.expires));
	api_reply(r, 200, o);
	viewlink_clear(&link);
}
