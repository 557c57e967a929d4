/*
 * actions.c - what a person can do in a thread (reply with or without a
 * files, mark read, tick a task, and the staff's archive, reopen, resend,
 * reminder settings, follow and unfollow), and attachment downloads.  The links to the
 * firm's systems (link, unlink) are in refs.c.
 *
 * The router has already checked the session, the body size and the CSRF
 * token of every POST that arrives here.  A refused action on a thread the
 * person may not see is a 404, exactly as for the GET.  A failed reply
 * shows the page again with the error and the text that was typed.
 */
#include "web_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/http.h>

#include "i18n.h"
#include "log.h"
#include "utf8.h"

static void redirect_thread(struct web_req *r, int64_t thread_id, const char *anchor)
{
	char location[64];

	snprintf(location, sizeof(location), "/t/%lld%s", (long long)thread_id,
		 anchor != NULL ? anchor : "");
	web_send_redirect(r, location);
}

/* What can be shown of a refused text: valid UTF-8 without controls. */
static char *draft_text(const char *s, size_t len)
{
	struct buf b = BUF_INIT;

	if (!utf8_valid(s, len))
		return NULL;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x20 || s[i] == '\n' || s[i] == '\t')
			buf_putc(&b, s[i]);
	return buf_detach(&b);
}

/* A form switch: present with a value other than "" and "0". */
static int form_on(struct web_req *r, const char *name)
{
	const char *v = web_form_get(&r->form, name);

	return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

/*
 * A reply: its text and its files are one message, in one transaction.
 * The files are in the content store already (read with the body,
 * upload.h); whatever is refused, the page comes back with the text.
 */
static void do_reply(struct web_req *r, int64_t thread_id)
{
	const struct web_field *bf = web_form_field(&r->form, "body");
	size_t n_files = r->upload.n_files;
	struct store_post_files pf = { 0 };
	struct store_post post = {
		.thread_id = thread_id, .author_kind = r->sess.kind, .author_id = r->sess.id,
		.internal = form_on(r, "internal"),
		.assign_mentioned = form_on(r, "assign_mentioned"),
	};
	struct web_reply_draft draft = { .internal = post.internal };
	char *body = NULL, *err = NULL;
	int64_t message_id = 0;
	int unseen = 0, code;
	enum gw_result res = GW_OK;

	if (bf != NULL && (body = web_clean_text(bf->value, bf->len)) == NULL) {
		char *text = draft_text(bf->value, bf->len);

		draft.text = text;
		web_send_thread_reply(r, thread_id, 400, _("The message holds characters that "
							   "cannot be sent."), &draft);
		free(text);
		goto out;
	}
	draft.text = body;
	if (r->upload.error != UPLOAD_OK) {
		struct upload_limits lim;

		web_upload_limits(r->web, &lim);
		err = upload_error_text(&r->upload, &lim);
		web_send_thread_reply(r, thread_id, r->upload.error == UPLOAD_STORAGE ? 503
				      : r->upload.error == UPLOAD_FILE_TOO_LARGE ||
				      r->upload.error == UPLOAD_POST_TOO_LARGE ? 413 : 400,
				      err, &draft);
		goto out;
	}
	if (post.internal && r->sess.kind != STORE_STAFF) {
		web_send_thread_reply(r, thread_id, 400, _("Only the firm's staff write internal "
							 "notes; your message was not sent."),
				      &draft);
		goto out;
	}
	if ((body == NULL || body[0] == '\0') && n_files == 0) {
		web_send_thread_reply(r, thread_id, 400, post.internal
				      ? _("Write the internal note.") : _("Write a message or choose a file."),
				      &draft);
		goto out;
	}
	/* Every file is looked at (a zip unpacked, a folder's paths checked)
	 * before anything is written: a refusal stores no row. */
	code = web_post_files(r, &pf, &err);
	if (code != 0) {
		web_send_thread_reply(r, thread_id, code, err, &draft);
		goto out;
	}
	post.body = body != NULL ? body : "";
	post.files = pf.files;
	post.n_files = pf.n;
	res = store_message_send(r->store, &post, &message_id, &unseen, &err);
	if (res != GW_OK) {
		log_warn("web: thread %lld: post failed: %s", (long long)thread_id, err);
		goto failed;
	}
	web_session_touch(r);
	web_outbox_queued(r);
	if (post.internal)
		r->audit_action = "note";
	web_audit_target(r, "message", message_id);
	log_info("web: thread %lld: %s %lld posted %s %lld with %zu files (%zu uploaded)",
		 (long long)thread_id, store_kind_name(r->sess.kind), (long long)r->sess.id,
		 post.internal ? "internal note" : "message", (long long)message_id, pf.n,
		 n_files);
	web_flash(r, post.internal ? "note" : post.body[0] == '\0' ? "file" : "sent");
	redirect_thread(r, thread_id, "#reply");
	goto out;
failed:
	draft.offer_assign = unseen > 0 && !post.assign_mentioned &&
			     (r->sess.role == STORE_ROLE_OWNER || r->sess.role == STORE_ROLE_ADMIN);
	if (res == GW_NOTFOUND)
		web_send_error(r, 404, NULL);
	else
		web_send_thread_reply(r, thread_id, res == GW_TEMPFAIL ? 503 : 400,
				      res == GW_TEMPFAIL ? _("The service is busy; please send "
							     "again in a moment.") : err,
				      &draft);
out:
	store_post_files_clear(&pf);
	free(body);
	free(err);
}

static void do_read(struct web_req *r, int64_t thread_id)
{
	const char *up = web_form_get(&r->form, "up_to");
	int64_t up_to = up != NULL && *up != '\0' ? web_parse_id(up) : 0;
	const char *js = web_form_get(&r->form, "js");
	char *err = NULL;
	enum gw_result res;

	if (up != NULL && *up != '\0' && up_to == 0) {
		web_send_error(r, 400, _("bad up_to"));
		return;
	}
	res = store_read_mark(r->store, thread_id, r->sess.kind, r->sess.id, up_to, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	web_session_touch(r);
	if (js != NULL && strcmp(js, "1") == 0) {
		web_send(r, 204, NULL, NULL, 0);
	} else {
		web_flash(r, "read");
		redirect_thread(r, thread_id, NULL);
	}
}

static void do_task(struct web_req *r, int64_t thread_id)
{
	int64_t task_id = web_parse_id(web_form_get(&r->form, "task"));
	const char *done = web_form_get(&r->form, "done");
	struct store_thread_view view;
	enum gw_result res;
	char *err = NULL;
	int found = 0;

	memset(&view, 0, sizeof(view));
	if (task_id == 0 || done == NULL || (strcmp(done, "0") != 0 && strcmp(done, "1") != 0)) {
		web_send_error(r, 400, _("Which task, done or not?"));
		return;
	}
	/* The task must belong to this thread, which the person may see. */
	res = store_thread_show(r->store, thread_id, r->sess.kind, r->sess.id, 0, &view, &err);
	for (size_t i = 0; res == GW_OK && i < view.n_tasks; i++)
		found |= view.tasks[i].id == task_id;
	if (res == GW_OK && !found)
		res = GW_NOTFOUND;
	if (res == GW_OK)
		res = store_task_set_done(r->store, task_id, r->sess.kind, r->sess.id,
					  done[0] == '1', &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
	} else {
		web_session_touch(r);
		snprintf(r->audit_target, sizeof(r->audit_target), "task %lld %s",
			 (long long)task_id, done[0] == '1' ? "done" : "open");
		if (r->sess.kind == STORE_CONTACT && done[0] == '1')
			web_outbox_queued(r);
		web_flash(r, done[0] == '1' ? "task-done" : "task-open");
		redirect_thread(r, thread_id, "#tasks");
	}
	free(err);
	store_thread_view_clear(&view);
}

/* Number in [lo, hi] or 0 when empty; -1 when malformed. */
static int form_int(const struct web_form *form, const char *name, int lo, int hi)
{
	const char *s = web_form_get(form, name);
	int64_t v;

	if (s == NULL || *s == '\0')
		return 0;
	v = web_parse_id(s);
	return v >= lo && v <= hi ? (int)v : -1;
}

static void do_staff(struct web_req *r, int64_t thread_id, const char *action)
{
	enum gw_result res;
	char *err = NULL;
	int queued = 0;

	if (r->sess.kind != STORE_STAFF) {
		web_send_error(r, 403, _("Only staff can do that."));
		return;
	}
	if (strcmp(action, "archive") == 0) {
		res = store_thread_archive(r->store, thread_id, r->sess.id, &err);
	} else if (strcmp(action, "reopen") == 0) {
		res = store_thread_reopen(r->store, thread_id, r->sess.id, &err);
	} else if (strcmp(action, "resend") == 0) {
		res = store_thread_resend(r->store, thread_id, r->sess.id, &queued, &err);
	} else if (strcmp(action, "content") == 0) {
		const char *on = web_form_get(&r->form, "show");
		int show = on != NULL && strcmp(on, "1") == 0;

		res = store_thread_set_show_content(r->store, thread_id, show, &err);
		snprintf(r->audit_target, sizeof(r->audit_target), "thread %lld content %s",
			 (long long)thread_id, show ? "shown" : "hidden");
	} else if (strcmp(action, "follow") == 0 || strcmp(action, "unfollow") == 0) {
		int on = strcmp(action, "follow") == 0;

		res = store_thread_follow(r->store, thread_id, r->sess.id, on, NULL, &err);
		snprintf(r->audit_target, sizeof(r->audit_target), "staff %lld %s",
			 (long long)r->sess.id, on ? "follows" : "unfollowed");
	} else {
		const char *en = web_form_get(&r->form, "enabled");
		int days = form_int(&r->form, "days", 1, GW_REMINDER_DAYS_MAX);
		int count = form_int(&r->form, "count", 1, GW_REMINDER_COUNT_MAX);

		if (days < 0 || count < 0) {
			char *msg = xasprintf(_("Reminders: days must be 1 to %d and the count 1 "
						"to %d."), GW_REMINDER_DAYS_MAX,
					      GW_REMINDER_COUNT_MAX);

			/* the form again, as typed, with the error beside it */
			r->refused.form = "reminders";
			r->refused.value = web_form_get(&r->form, "days");
			r->refused.value2 = web_form_get(&r->form, "count");
			r->refused.on = en != NULL && strcmp(en, "1") == 0;
			r->refused.id = days < 0 ? 1 : 2;
			r->refused.error = msg;
			web_send_thread(r, thread_id, 400, NULL, NULL);
			memset(&r->refused, 0, sizeof(r->refused));
			free(msg);
			return;
		}
		res = store_thread_set_reminders(r->store, thread_id, r->sess.id,
						 en != NULL && strcmp(en, "1") == 0, days,
						 count, &err);
	}
	if (res != GW_OK) {
		if (res == GW_NOTFOUND || res == GW_TEMPFAIL)
			web_send_store_error(r, res, err);
		else
			web_send_thread(r, thread_id, 400, err, NULL);
		free(err);
		return;
	}
	log_info("web: thread %lld: staff %lld: %s", (long long)thread_id,
		 (long long)r->sess.id, action);
	if (queued > 0)
		web_outbox_queued(r);
	/* A resend that reached nobody says so, in the words of the warning. */
	if (strcmp(action, "resend") == 0 && queued == 0) {
		struct store_recipients rc;
		char *text = NULL;

		if (store_thread_recipients(r->store, thread_id, &rc, NULL) == GW_OK &&
		    rc.nobody_emailed != NULL)
			text = xasprintf(_("Nothing was resent. %s."), rc.nobody_emailed);
		store_recipients_clear(&rc);
		web_send_thread(r, thread_id, 200, text != NULL ? text : _("Nothing was resent."),
				NULL);
		free(text);
		return;
	}
	web_flash(r, strcmp(action, "archive") == 0 ? "archived"
		     : strcmp(action, "reopen") == 0 ? "reopened"
		     : strcmp(action, "resend") == 0 ? "resent"
		     : strcmp(action, "follow") == 0 ? "followed"
		     : strcmp(action, "unfollow") == 0 ? "unfollowed"
		     : strcmp(action, "content") == 0
			     ? (strstr(r->audit_target, " shown") != NULL ? "content-shown"
									: "content-hidden")
		     : "reminders");
	redirect_thread(r, thread_id, strcmp(action, "follow") == 0 ||
				      strcmp(action, "unfollow") == 0 ? "#people" : NULL);
}

void web_handle_thread(struct web_req *r, int64_t thread_id, const char *action)
{
	char *err = NULL;
	enum gw_result res;

	if (action == NULL) {
		web_send_thread(r, thread_id, 200, NULL, NULL);
		return;
	}
	/* Actions on a thread the person cannot see: 404, like the page. */
	res = store_thread_access(r->store, thread_id, r->sess.kind, r->sess.id, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	if (strcmp(action, "reply") == 0)
		do_reply(r, thread_id);
	else if (strcmp(action, "read") == 0)
		do_read(r, thread_id);
	else if (strcmp(action, "task") == 0)
		do_task(r, thread_id);
	else if (strncmp(action, "task-", 5) == 0)
		web_thread_task_edit(r, thread_id, action + 5);
	else if (strcmp(action, "link") == 0)
		web_thread_link(r, thread_id);
	else if (strcmp(action, "unlink") == 0)
		web_thread_unlink(r, thread_id);
	else
		do_staff(r, thread_id, action);
}

/* ---- GET /a/ID ------------------------------------------------------------ */

/* Types a browser may show inline after the download; else octet-stream. */
static const char *download_type(const char *ct)
{
	static const char *const ok[] = {
		"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
	};

	for (size_t i = 0; ct != NULL && i < GW_ARRAY_SIZE(ok); i++)
		if (strcasecmp(ct, ok[i]) == 0)
			return ok[i];
	if (ct != NULL && strcasecmp(ct, "text/plain") == 0)
		return "text/plain; charset=utf-8";
	return "application/octet-stream";
}

/*
 * Content-Disposition: an ASCII fallback (letters, digits and ._-() only)
 * and the exact UTF-8 name percent-encoded in filename* (RFC 6266, 8187).
 */
char *web_disposition(const char *name)
{
	struct buf b = BUF_INIT;
	size_t start;

	buf_puts(&b, "attachment; filename=\"");
	start = b.len;
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
		int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			   (*p >= '0' && *p <= '9') || strchr("._-() ", *p) != NULL;

		if (b.len == start && (*p == '.' || *p == ' '))
			continue;
		buf_putc(&b, keep ? (char)*p : '_');
	}
	if (b.len == start)
		buf_puts(&b, "download");
	buf_puts(&b, "\"; filename*=UTF-8''");
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p) != NULL)
			buf_putc(&b, (char)*p);
		else
			buf_printf(&b, "%%%02X", *p);
	}
	return buf_detach(&b);
}

void web_handle_attachment(struct web_req *r, int64_t attachment_id)
{
	struct web *web = r->web;
	struct store_attachment att;
	enum gw_result res = GW_NOTFOUND;
	char *err = NULL, *path = NULL, *cd;
	struct stat st;
	int fd;

	memset(&att, 0, sizeof(att));
	if (r->sess.kind == 0) {
		web_send_error(r, 403, _("Please open the link in your most recent email first."));
		return;
	}
	if (attachment_id > 0)
		res = store_attachment_for_reader(r->store, attachment_id, r->sess.kind, r->sess.id,
						  &att, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		goto out;
	}
	r->audit_thread = att.thread_id;
	path = store_attachment_path(web->attachments_dir, att.sha256);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		log_error("web: attachment %lld: %s: %s", (long long)att.id, path,
			  strerror(errno));
		if (fd >= 0)
			close(fd);
		web_send_error(r, 404, _("The file is missing."));
		goto out;
	}
	cd = web_disposition(att.file_name);
	web_add_header(r, "Content-Disposition", cd);
	/* Even if a browser rendered it, it could run nothing. */
	web_add_header(r, "Content-Security-Policy", "sandbox; default-src 'none'");
	free(cd);
	web_send_file(r, download_type(att.content_type), fd, (int64_t)st.st_size);
out:
	free(err);
	free(path);
	store_attachment_clear(&att);
}
