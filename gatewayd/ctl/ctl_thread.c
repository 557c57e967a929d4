/*
 * ctl_thread.c - gatewayctl commands about chats: create (one account or
 * bulk), show, list, post, read marks, task ticks, archive/reopen/resend
 * and the reminder settings.  The CLI acts for the firm: staff_id 0 where
 * the store asks who acts.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ctl.h"

/* "on, every 3 days, 2 per staff message; next 2026-11-28 09:30:00, 2 left" */
static char *reminder_text(const struct store_reminders *r)
{
	char tbuf[CTL_TIME_MAX];

	if (!r->enabled)
		return xstrdup("off");
	if (r->next_due == 0)
		return xasprintf("on, every %d day%s, %d per staff message; %s (%d sent)",
				 r->days, r->days == 1 ? "" : "s", r->count,
				 r->sent >= r->count ? "all sent" : "stopped", r->sent);
	return xasprintf("on, every %d day%s, %d per staff message; next due %s, "
			 "%d remaining", r->days, r->days == 1 ? "" : "s", r->count,
			 ctl_time(r->next_due, tbuf), r->remaining);
}

/* ---- thread new ---- */

/* "3,5,8" -> ids; 0 or a usage exit code. */
static int parse_accounts(struct ctl *c, const char *s, int64_t **ids_r, size_t *n_r)
{
	char *copy = xstrdup(s), *tok, *save = NULL;
	int64_t *ids = NULL;
	size_t n = 0;
	int rc = 0;

	if (*s == '\0' || s[strlen(s) - 1] == ',' || *s == ',' || strstr(s, ",,") != NULL) {
		rc = ctl_usage(c, "'%s' is not a list of account ids", s);
		goto out;
	}
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		ids = xrealloc(ids, (n + 1) * sizeof(*ids));
		rc = ctl_parse_id(c, NULL, "an account id", tok, &ids[n]);
		if (rc != 0)
			goto out;
		n++;
	}
out:
	free(copy);
	if (rc != 0) {
		free(ids);
		return rc;
	}
	*ids_r = ids;
	*n_r = n;
	return 0;
}

int ctl_cmd_thread_new(struct ctl *c, const struct ctl_args *a)
{
	struct store_chat_new chat = { 0 };
	int64_t *accounts = NULL, *threads = NULL, v;
	const char *from = ctl_opt(a, "--from");
	const char *days = ctl_opt(a, "--remind-days");
	const char *count = ctl_opt(a, "--remind-count");
	struct store_thread_ref_new *refs = NULL;
	struct ctl_files files = { 0 };
	char *error = NULL;
	enum gw_result r;
	int rc;

	rc = parse_accounts(c, a->pos[0], &accounts, &chat.n_accounts);
	if (rc != 0)
		return rc;
	chat.account_ids = accounts;
	chat.template_name = ctl_opt(a, "--template");
	chat.subject = ctl_opt(a, "--subject");
	chat.body = ctl_opt(a, "--body");
	chat.tasks = (const char *const *)ctl_opt_all(a, "--task", &chat.n_tasks);
	chat.show_content = ctl_flag(a, "--show-content") > 0	 ? 1
			    : ctl_flag(a, "--no-show-content") > 0 ? 0
								   : STORE_SHOW_CONTENT_DEFAULT;
	chat.reminders = ctl_flag(a, "--remind") > 0;

	if (from == NULL)
		rc = ctl_usage(c, "--from is required");
	else
		rc = ctl_parse_id(c, "--from", "a staff id", from, &chat.staff_id);
	if (rc == 0 && chat.template_name == NULL && chat.subject == NULL)
		rc = ctl_usage(c, "--subject is required (or --template)");
	if (rc == 0 && chat.template_name == NULL && chat.body == NULL &&
	    ctl_flag(a, "--attach") == 0)
		rc = ctl_usage(c, "--body is required (or --template, or --attach)");
	if (rc == 0 && chat.n_accounts > 1 && ctl_flag(a, "--attach") > 0)
		rc = ctl_usage(c, "--attach: a new chat to several accounts carries no files; "
			       "add them to each chat with message post --attach");
	if (rc == 0 && !chat.reminders && (days != NULL || count != NULL))
		rc = ctl_usage(c, "%s needs --remind", days != NULL ? "--remind-days"
								     : "--remind-count");
	if (rc == 0 && days != NULL) {
		rc = ctl_parse_int(c, "--remind-days", days, 1, GW_REMINDER_DAYS_MAX, &v);
		chat.reminder_days = (int)v;
	}
	if (rc == 0 && count != NULL) {
		rc = ctl_parse_int(c, "--remind-count", count, 1, GW_REMINDER_COUNT_MAX, &v);
		chat.reminder_count = (int)v;
	}
	if (rc == 0)
		rc = ctl_refs_from_opts(c, a, &refs, &chat.n_refs);
	if (rc == 0)
		rc = ctl_attach_files(c, a, &files);
	if (rc != 0)
		goto out;
	chat.refs = refs;
	chat.files = files.files;
	chat.n_files = files.n;
	if (chat.body == NULL && chat.template_name == NULL)
		chat.body = "";

	threads = xcalloc(chat.n_accounts, sizeof(*threads));
	r = store_chat_create(c->store, &chat, threads, &error);
	if (r != GW_OK) {
		rc = ctl_store_fail(c, r, error);
		goto out;
	}
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < chat.n_accounts; i++)
			json_array_append_new(arr, json_pack("{s:I, s:I}",
				"id", (json_int_t)threads[i],
				"account_id", (json_int_t)accounts[i]));
		ctl_json_print(json_pack("{s:o}", "threads", arr));
	} else {
		for (size_t i = 0; i < chat.n_accounts; i++)
			printf("%lld\n", (long long)threads[i]);
	}
out:
	ctl_files_release(&files);
	free(accounts);
	free(threads);
	free(refs);
	return rc;
}

/* ---- thread show ---- */

static json_t *json_message(const struct store_message *m)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(m->id));
	json_object_set_new(o, "author_kind", json_string(store_kind_name(m->author_kind)));
	json_object_set_new(o, "author_id", ctl_json_id(m->author_id));
	json_object_set_new(o, "author_name", ctl_json_str(m->author_name));
	json_object_set_new(o, "body", ctl_json_str(m->body));
	json_object_set_new(o, "staff_only", json_boolean(m->staff_only));
	json_object_set_new(o, "visibility", json_string(m->staff_only ? "staff" : "client"));
	json_object_set_new(o, "created_at", ctl_json_time(m->created_at));
	return o;
}

static json_t *json_task(const struct store_task *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(t->id));
	json_object_set_new(o, "position", json_integer(t->position));
	json_object_set_new(o, "text", ctl_json_str(t->text));
	json_object_set_new(o, "done", json_boolean(t->done_at != 0));
	json_object_set_new(o, "done_at", ctl_json_time(t->done_at));
	json_object_set_new(o, "done_by_kind",
			    t->done_at != 0 ? json_string(store_kind_name(t->done_by_kind))
					    : json_null());
	json_object_set_new(o, "done_by_id", ctl_json_id(t->done_by_id));
	return o;
}

static json_t *json_attachment(const struct store_attachment *x)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(x->id));
	json_object_set_new(o, "message_id", ctl_json_id(x->message_id));
	json_object_set_new(o, "uploader_kind", json_string(store_kind_name(x->uploader_kind)));
	json_object_set_new(o, "uploader_id", ctl_json_id(x->uploader_id));
	json_object_set_new(o, "file_name", ctl_json_str(x->file_name));
	json_object_set_new(o, "content_type", ctl_json_str(x->content_type));
	json_object_set_new(o, "size", json_integer(x->size));
	json_object_set_new(o, "sha256", json_string(x->sha256));
	json_object_set_new(o, "folder", ctl_json_str(x->folder != NULL ? x->folder : ""));
	json_object_set_new(o, "zip_note", x->zip_note != NULL ? json_string(x->zip_note)
							       : json_null());
	json_object_set_new(o, "created_at", ctl_json_time(x->created_at));
	return o;
}

static void show_json(const struct store_thread_view *v)
{
	json_t *o = ctl_json_thread(&v->thread);
	json_t *msgs = json_array(), *tasks = json_array(), *atts = json_array();

	for (size_t i = 0; i < v->n_tasks; i++)
		json_array_append_new(tasks, json_task(&v->tasks[i]));
	for (size_t i = 0; i < v->n_messages; i++)
		json_array_append_new(msgs, json_message(&v->messages[i]));
	for (size_t i = 0; i < v->n_attachments; i++)
		json_array_append_new(atts, json_attachment(&v->attachments[i]));
	json_object_set_new(o, "tasks", tasks);
	json_object_set_new(o, "messages", msgs);
	json_object_set_new(o, "attachments", atts);
	json_object_set_new(o, "refs", ctl_json_refs(v->refs, v->n_refs));
	ctl_json_print(o);
}

/* Body lines indented by four spaces. */
static void print_body(const char *body)
{
	const char *p = body;

	while (*p != '\0') {
		const char *e = strchr(p, '\n');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);

		if (len > 0 && p[len - 1] == '\r')
			len--;
		printf("    %.*s\n", (int)len, p);
		if (e == NULL)
			break;
		p = e + 1;
	}
}

static void show_text(const struct store_thread_view *v)
{
	const struct store_thread *t = &v->thread;
	char tbuf[CTL_TIME_MAX], *s;

	printf("thread %lld: %s\n", (long long)t->id, t->subject);
	printf("account:    %s (%lld)\n", t->account_name, (long long)t->account_id);
	if (t->archived)
		printf("status:     archived %s\n", ctl_time(t->archived_at, tbuf));
	else
		printf("status:     open\n");
	s = ctl_who(t->created_by_kind, t->created_by_id, NULL);
	printf("created:    %s by %s\n", ctl_time(t->created_at, tbuf), s);
	free(s);
	printf("emails:     %s\n", t->show_content ? "show the message text"
						  : "subject and link only");
	s = reminder_text(&t->reminders);
	printf("reminders:  %s\n", s);
	free(s);

	printf("\ntasks (%d of %d done):\n", t->tasks_done, t->tasks_total);
	if (v->n_tasks == 0)
		printf("  (none)\n");
	for (size_t i = 0; i < v->n_tasks; i++) {
		const struct store_task *k = &v->tasks[i];

		printf("  [%c] %s  (task %lld", k->done_at != 0 ? 'x' : ' ', k->text,
		       (long long)k->id);
		if (k->done_at != 0) {
			s = ctl_who(k->done_by_kind, k->done_by_id, NULL);
			printf(", done %s by %s", ctl_time(k->done_at, tbuf), s);
			free(s);
		}
		printf(")\n");
	}

	printf("\nmessages (%zu):\n", v->n_messages);
	for (size_t i = 0; i < v->n_messages; i++) {
		const struct store_message *m = &v->messages[i];

		s = ctl_who(m->author_kind, m->author_id, m->author_name);
		printf("  #%lld  %s  %s%s\n", (long long)m->id, ctl_time(m->created_at, tbuf),
		       s, m->staff_only ? "  [staff only]" : "");
		free(s);
		print_body(m->body);
	}

	if (v->n_attachments > 0) {
		printf("\nattachments (%zu):\n", v->n_attachments);
		for (size_t i = 0; i < v->n_attachments; i++) {
			const struct store_attachment *x = &v->attachments[i];

			s = ctl_who(x->uploader_kind, x->uploader_id, NULL);
			printf("  #%lld  %s  %s, %lld bytes, by %s, %s", (long long)x->id,
			       x->file_name, x->content_type, (long long)x->size, s,
			       ctl_time(x->created_at, tbuf));
			if (x->message_id != 0)
				printf(", message #%lld", (long long)x->message_id);
			printf("\n");
			free(s);
		}
	}
	ctl_print_refs(v->refs, v->n_refs);
}

static int parse_thread(struct ctl *c, const char *s, int64_t *id_r)
{
	return ctl_parse_id(c, NULL, "a thread id", s, id_r);
}

int ctl_cmd_thread_show(struct ctl *c, const struct ctl_args *a)
{
	struct store_thread_view view = { 0 };
	char *error = NULL;
	int64_t id, as_id = 0;
	enum store_kind as_kind = 0;
	enum gw_result r;
	const char *as = ctl_opt(a, "--as");
	int rc = parse_thread(c, a->pos[0], &id);

	if (rc == 0 && as != NULL)
		rc = ctl_parse_principal(c, "--as", as, 1, 0, &as_kind, &as_id);
	if (rc != 0)
		return rc;
	/* --as contact:ID: the contact's own view (no notes, no links, their
	 * unread state), read only: nothing is recorded as theirs */
	r = as_kind != 0 ? store_thread_access(c->store, id, as_kind, as_id, &error) : GW_OK;
	if (r == GW_OK)
		r = store_thread_show(c->store, id, as_kind, as_id, as_kind == 0, &view, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (as_kind != 0 && !c->json)
		printf("as contact %lld sees it (read only)\n", (long long)as_id);
	if (c->json)
		show_json(&view);
	else
		show_text(&view);
	store_thread_view_clear(&view);
	return 0;
}

/* ---- thread list ---- */

int ctl_cmd_thread_list(struct ctl *c, const struct ctl_args *a)
{
	static const char *const head[] = { "ID", "ACCOUNT", "STATUS", "MSGS", "TASKS",
					     "REMINDERS", "LAST-MESSAGE", "SUBJECT" };
	struct store_thread_filter filter = { .archived = STORE_ARCHIVED_ANY,
					      .order = STORE_ORDER_ID };
	struct store_thread_list list = { 0 };
	char *error = NULL, tbuf[CTL_TIME_MAX];
	enum gw_result r;

	if (a->npos > 0) {
		struct store_account acc = { 0 };
		int rc = ctl_parse_id(c, NULL, "an account id", a->pos[0], &filter.account_id);

		if (rc != 0)
			return rc;
		r = store_account_get(c->store, filter.account_id, &acc, &error);
		if (r != GW_OK)
			return ctl_store_fail(c, r, error);
		store_account_clear(&acc);
	}
	filter.ref_url = ctl_opt(a, "--ref-url");
	r = store_thread_list(c->store, &filter, &list, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < list.count; i++)
			json_array_append_new(arr, ctl_json_thread(&list.items[i]));
		ctl_json_print(arr);
	} else {
		struct ctl_table t;

		ctl_table_init(&t, GW_ARRAY_SIZE(head), head);
		for (size_t i = 0; i < list.count; i++) {
			const struct store_thread *x = &list.items[i];
			const struct store_reminders *rem = &x->reminders;

			ctl_table_cell(&t, "%lld", (long long)x->id);
			ctl_table_cell(&t, "%s (%lld)", x->account_name, (long long)x->account_id);
			ctl_table_cell(&t, "%s", x->archived ? "archived" : "open");
			ctl_table_cell(&t, "%lld", (long long)x->message_count);
			ctl_table_cell(&t, "%d/%d", x->tasks_done, x->tasks_total);
			if (!rem->enabled)
				ctl_table_cell(&t, "off");
			else if (rem->next_due == 0)
				ctl_table_cell(&t, "on, stopped");
			else
				ctl_table_cell(&t, "next %s", ctl_time(rem->next_due, tbuf));
			ctl_table_cell(&t, "%s", ctl_time(x->last_message_at, tbuf));
			ctl_table_cell(&t, "%s", x->subject);
		}
		ctl_table_print(&t, stdout);
	}
	store_thread_list_free(&list);
	return 0;
}

/* ---- posting and marks ---- */

int ctl_cmd_message_post(struct ctl *c, const struct ctl_args *a)
{
	enum store_kind kind;
	char *error = NULL;
	int64_t thread, author, id = 0;
	enum gw_result r;
	int rc = parse_thread(c, a->pos[0], &thread);
	const char *from = rc == 0 ? ctl_need(c, a, "--from", &rc) : NULL;
	/* With --attach, the text may be left out: a post of only files. */
	const char *body = from != NULL && ctl_flag(a, "--attach") > 0 ? ctl_opt(a, "--body")
			   : from != NULL ? ctl_need(c, a, "--body", &rc) : NULL;
	struct ctl_files files = { 0 };

	if (from == NULL || rc != 0)
		return rc;
	rc = ctl_parse_principal(c, "--from", from, 1, 1, &kind, &author);
	if (rc == 0)
		rc = ctl_attach_files(c, a, &files);
	if (rc != 0)
		return rc;
	struct store_post p = {
		.thread_id = thread, .author_kind = kind, .author_id = author,
		.body = body != NULL ? body : "",
		.internal = ctl_flag(a, "--internal"),
		.assign_mentioned = ctl_flag(a, "--assign-mentioned"),
		.files = files.files, .n_files = files.n,
	};
	r = store_message_send(c->store, &p, &id, NULL, &error);
	ctl_files_release(&files);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	/* stdout stays the id alone, for scripts; the warning goes beside it */
	char *nobody = kind == STORE_STAFF && !p.internal ? ctl_nobody_emailed(c, thread) : NULL;

	if (c->json)
		ctl_json_print(json_pack("{s:I, s:I, s:s, s:I, s:s, s:o}", "id", (json_int_t)id,
					 "thread_id", (json_int_t)thread,
					 "author_kind", store_kind_name(kind),
					 "author_id", (json_int_t)author,
					 "visibility", p.internal ? "staff" : "client",
					 "nobody_emailed", ctl_json_str(nobody)));
	else
		printf("%lld\n", (long long)id);
	if (nobody != NULL && !c->json)
		fprintf(stderr, "gatewayctl: message post: %s\n", nobody);
	free(nobody);
	return 0;
}

int ctl_cmd_thread_read(struct ctl *c, const struct ctl_args *a)
{
	enum store_kind kind;
	char *error = NULL;
	int64_t thread, who;
	enum gw_result r;
	int rc = parse_thread(c, a->pos[0], &thread);
	const char *by = rc == 0 ? ctl_need(c, a, "--by", &rc) : NULL;

	if (by == NULL)
		return rc;
	rc = ctl_parse_principal(c, "--by", by, 1, 1, &kind, &who);
	if (rc != 0)
		return rc;
	r = store_read_mark(c->store, thread, kind, who, 0, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:s, s:I}", "thread_id", (json_int_t)thread,
					 "reader_kind", store_kind_name(kind),
					 "reader_id", (json_int_t)who));
	else
		printf("thread %lld: read by %s %lld\n", (long long)thread,
		       store_kind_name(kind), (long long)who);
	return 0;
}

int ctl_cmd_task_done(struct ctl *c, const struct ctl_args *a)
{
	enum store_kind kind;
	char *error = NULL;
	int64_t task, who;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "a task id", a->pos[0], &task);
	const char *by = rc == 0 ? ctl_need(c, a, "--by", &rc) : NULL;

	if (by == NULL)
		return rc;
	rc = ctl_parse_principal(c, "--by", by, 1, 1, &kind, &who);
	if (rc != 0)
		return rc;
	r = store_task_set_done(c->store, task, kind, who, 1, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:b, s:s, s:I}", "id", (json_int_t)task,
					 "done", 1, "done_by_kind", store_kind_name(kind),
					 "done_by_id", (json_int_t)who));
	else
		printf("task %lld: done by %s %lld\n", (long long)task, store_kind_name(kind),
		       (long long)who);
	return 0;
}

/* ---- archive, reopen, resend ---- */

static int archive_or_reopen(struct ctl *c, const struct ctl_args *a, int archive)
{
	char *error = NULL;
	int64_t id;
	enum gw_result r;
	int rc = parse_thread(c, a->pos[0], &id);

	if (rc != 0)
		return rc;
	r = archive ? store_thread_archive(c->store, id, 0, &error)
		    : store_thread_reopen(c->store, id, 0, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:b}", "id", (json_int_t)id, "archived", archive));
	else
		printf("thread %lld: %s\n", (long long)id, archive ? "archived" : "reopened");
	return 0;
}

int ctl_cmd_thread_archive(struct ctl *c, const struct ctl_args *a)
{
	return archive_or_reopen(c, a, 1);
}

int ctl_cmd_thread_reopen(struct ctl *c, const struct ctl_args *a)
{
	return archive_or_reopen(c, a, 0);
}

int ctl_cmd_thread_show_content(struct ctl *c, const struct ctl_args *a)
{
	char *error = NULL;
	int64_t id;
	enum gw_result r;
	int on, rc = parse_thread(c, a->pos[0], &id);

	if (rc != 0)
		return rc;
	if (strcmp(a->pos[1], "on") == 0)
		on = 1;
	else if (strcmp(a->pos[1], "off") == 0)
		on = 0;
	else
		return ctl_usage(c, "'%s' is not on or off", a->pos[1]);
	r = store_thread_set_show_content(c->store, id, on, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:b}", "id", (json_int_t)id, "show_content", on));
	else
		printf("thread %lld: emails %s\n", (long long)id,
		       on ? "show the messages" : "do not show the messages");
	return 0;
}

int ctl_cmd_thread_resend(struct ctl *c, const struct ctl_args *a)
{
	char *error = NULL;
	int64_t id;
	enum gw_result r;
	int n = 0, rc = parse_thread(c, a->pos[0], &id);

	if (rc != 0)
		return rc;
	r = store_thread_resend(c->store, id, 0, &n, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	char *nobody = ctl_nobody_emailed(c, id);

	if (c->json)
		ctl_json_print(json_pack("{s:I, s:i, s:o}", "id", (json_int_t)id, "queued", n,
					 "nobody_emailed", ctl_json_str(nobody)));
	else
		printf("thread %lld: %d email%s queued\n", (long long)id, n, n == 1 ? "" : "s");
	if (nobody != NULL && !c->json)
		printf("%s\n", nobody);
	free(nobody);
	return 0;
}

/* ---- reminders ---- */

int ctl_cmd_reminders_set(struct ctl *c, const struct ctl_args *a)
{
	struct store_thread t = { 0 };
	int on = ctl_flag(a, "--on"), off = ctl_flag(a, "--off");
	const char *days_s = ctl_opt(a, "--days"), *count_s = ctl_opt(a, "--count");
	int64_t id, days = 0, count = 0;
	char *error = NULL, *text;
	enum gw_result r;
	int rc = parse_thread(c, a->pos[0], &id);

	if (rc != 0)
		return rc;
	if (on && off)
		return ctl_usage(c, "--on and --off exclude each other");
	if (!on && !off)
		return ctl_usage(c, "--on or --off is required");
	if (days_s != NULL &&
	    (rc = ctl_parse_int(c, "--days", days_s, 1, GW_REMINDER_DAYS_MAX, &days)) != 0)
		return rc;
	if (count_s != NULL &&
	    (rc = ctl_parse_int(c, "--count", count_s, 1, GW_REMINDER_COUNT_MAX, &count)) != 0)
		return rc;
	r = store_thread_set_reminders(c->store, id, 0, on, (int)days, (int)count, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	/* Render the schedule the change produced. */
	r = store_thread_get(c->store, id, 0, 0, &t, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json) {
		ctl_json_print(json_pack("{s:I, s:o}", "id", (json_int_t)id, "reminders",
					 ctl_json_reminders(&t.reminders)));
	} else {
		text = reminder_text(&t.reminders);
		printf("thread %lld: reminders %s\n", (long long)id, text);
		free(text);
	}
	store_thread_clear(&t);
	return 0;
}
