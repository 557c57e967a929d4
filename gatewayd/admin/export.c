/*
 * export.c - the archive of one person's data: person.json and
 * manifest.json built with jansson, the attachment files copied from the
 * content store in chunks, everything written as a zip by libarchive
 * straight to the caller's file descriptor.
 */
#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "buf.h"
#include "clock.h"

#define CHUNK (64 * 1024)
#define NAME_MAX_IN_ARCHIVE 100

/* ---- JSON records ---- */

static json_t *jtime(int64_t t)
{
	char buf[CLOCK_ISO_MAX];

	return t != 0 ? json_string(clock_format(t, buf)) : json_null();
}

static json_t *jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *jid(int64_t id)
{
	return id != 0 ? json_integer(id) : json_null();
}

static json_t *j_contact(const struct store_contact *c, const char *account_name)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:b, s:b, s:s, s:o, s:o, s:o, s:o, s:o}",
			 "id", (json_int_t)c->id, "account_id", (json_int_t)c->account_id,
			 "account_name", account_name != NULL ? account_name : "",
			 "name", c->name, "email", c->email, "notify", c->notify,
			 "may_create_chats", c->may_create_chats,
			 "email_status", store_email_status_name(c->email_status),
			 "bounce_reason", jstr(c->bounce_reason), "bounced_at", jtime(c->bounced_at),
			 "last_login_at", jtime(c->last_login_at), "created_at", jtime(c->created_at),
			 "removed_at", jtime(c->removed_at));
}

static json_t *j_staff(const struct store_staff *s)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:b, s:o}", "id", (json_int_t)s->id, "name",
			 s->name, "email", s->email, "role", store_role_name(s->role), "notify",
			 s->notify, "created_at", jtime(s->created_at));
}

static json_t *j_message(const struct store_message *m)
{
	return json_pack("{s:I, s:s, s:o, s:s, s:s, s:b, s:s, s:o}", "id", (json_int_t)m->id,
			 "author_kind", store_kind_name(m->author_kind), "author_id",
			 jid(m->author_id), "author_name", m->author_name, "body", m->body,
			 "staff_only", m->staff_only, "visibility",
			 m->staff_only ? "staff" : "client", "created_at", jtime(m->created_at));
}

static json_t *j_task(const struct store_task *t)
{
	return json_pack("{s:I, s:s, s:i, s:o, s:o, s:o}", "id", (json_int_t)t->id, "text",
			 t->text, "position", t->position, "done_at", jtime(t->done_at),
			 "done_by_kind", t->done_by_kind != 0
						 ? json_string(store_kind_name(t->done_by_kind))
						 : json_null(),
			 "done_by_id", jid(t->done_by_id));
}

/* "files/12/34-Bank_statement.pdf": the thread, the id (unique), and the
 * name reduced to characters every unpacker takes. */
static char *file_path(const struct store_attachment *a)
{
	char name[NAME_MAX_IN_ARCHIVE + 1];
	size_t n = 0;

	for (const char *p = a->file_name; *p != '\0' && n < NAME_MAX_IN_ARCHIVE; p++) {
		unsigned char c = (unsigned char)*p;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';

		name[n++] = ok ? (char)c : '_';
	}
	name[n] = '\0';
	return xasprintf("files/%lld/%lld-%s", (long long)a->thread_id, (long long)a->id,
			 n > 0 ? name : "file");
}

static json_t *j_attachment(const struct store_attachment *a)
{
	char *path = file_path(a);
	json_t *o = json_pack("{s:I, s:o, s:s, s:I, s:s, s:s, s:I, s:s, s:o, s:s}", "id",
			      (json_int_t)a->id, "message_id", jid(a->message_id),
			      "uploader_kind", store_kind_name(a->uploader_kind), "uploader_id",
			      (json_int_t)a->uploader_id, "file_name", a->file_name,
			      "content_type", a->content_type, "size", (json_int_t)a->size,
			      "sha256", a->sha256, "created_at", jtime(a->created_at), "path",
			      path);

	free(path);
	return o;
}

static json_t *j_thread(const struct store_thread_view *v)
{
	const struct store_thread *t = &v->thread;
	json_t *msgs = json_array(), *tasks = json_array(), *files = json_array();

	for (size_t i = 0; i < v->n_messages; i++)
		json_array_append_new(msgs, j_message(&v->messages[i]));
	for (size_t i = 0; i < v->n_tasks; i++)
		json_array_append_new(tasks, j_task(&v->tasks[i]));
	for (size_t i = 0; i < v->n_attachments; i++)
		json_array_append_new(files, j_attachment(&v->attachments[i]));
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
			 (json_int_t)t->id, "account_id", (json_int_t)t->account_id,
			 "account_name", t->account_name, "subject", t->subject,
			 "created_by_kind", store_kind_name(t->created_by_kind), "created_by_id",
			 (json_int_t)t->created_by_id, "created_at", jtime(t->created_at),
			 "archived_at", jtime(t->archived_at), "messages", msgs, "tasks", tasks,
			 "files", files, "read_up_to", jid(v->reader_last_read));
}

static json_t *j_outbox(const struct store_outbox *o)
{
	return json_pack("{s:I, s:s, s:s, s:o, s:s, s:o, s:o, s:s, s:o, s:o, s:s}", "id",
			 (json_int_t)o->id, "kind", mail_kind_name(o->kind), "recipient_kind",
			 store_kind_name(o->recipient_kind), "recipient_id", jid(o->recipient_id),
			 "recipient_address", o->recipient_address, "thread_id", jid(o->thread_id),
			 "message_id", jid(o->message_id), "status",
			 store_out_status_name(o->status), "created_at", jtime(o->created_at),
			 "sent_at", jtime(o->sent_at), "mail_id", o->mail_id);
}

static json_t *j_inbound(const struct store_inbound *in)
{
	return json_pack("{s:I, s:o, s:s, s:s, s:o, s:I, s:s, s:o, s:o}", "id",
			 (json_int_t)in->id, "received_at", jtime(in->received_at), "sender",
			 in->sender, "recipient", in->recipient, "message_id",
			 jstr(in->message_id), "size", (json_int_t)in->size, "verdict",
			 in->verdict, "thread_id", jid(in->thread_id), "reason", jstr(in->reason));
}

static json_t *j_who(const struct store_person *p)
{
	return p->kind == STORE_CONTACT ? j_contact(&p->contact, p->account_name)
					: j_staff(&p->staff);
}

/* The files of the archive, collected thread by thread. */
struct file_list {
	struct store_attachment *items;
	size_t n, cap;
};

static void files_take(struct file_list *fl, struct store_thread_view *v)
{
	for (size_t i = 0; i < v->n_attachments; i++) {
		if (fl->n == fl->cap) {
			fl->cap = fl->cap > 0 ? 2 * fl->cap : 16;
			fl->items = xrealloc(fl->items, fl->cap * sizeof(*fl->items));
		}
		fl->items[fl->n++] = v->attachments[i];
	}
	/* The records moved: the view must not free their strings. */
	v->n_attachments = 0;
}

static void files_free(struct file_list *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		store_attachment_clear(&fl->items[i]);
	free(fl->items);
}

static json_t *j_manifest(const struct store_person *p, const struct person_export_stats *st,
			  const struct file_list *fl, int64_t person_json_size)
{
	json_t *entries = json_array();
	int64_t id = p->kind == STORE_CONTACT ? p->contact.id : p->staff.id;

	json_array_append_new(entries, json_pack("{s:s, s:I}", "path", "person.json", "size",
						 (json_int_t)person_json_size));
	for (size_t i = 0; i < fl->n; i++) {
		char *path = file_path(&fl->items[i]);

		json_array_append_new(entries, json_pack("{s:s, s:I, s:s}", "path", path, "size",
							 (json_int_t)fl->items[i].size, "sha256",
							 fl->items[i].sha256));
		free(path);
	}
	return json_pack("{s:s, s:i, s:o, s:{s:s, s:I}, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:o}",
			 "format", PERSON_EXPORT_FORMAT, "version", PERSON_EXPORT_VERSION,
			 "generated_at", jtime(clock_now()), "person", "kind",
			 store_kind_name(p->kind), "id", (json_int_t)id, "counts", "threads",
			 (json_int_t)st->threads, "messages", (json_int_t)st->messages, "files",
			 (json_int_t)st->files, "file_bytes", (json_int_t)st->file_bytes,
			 "emails", (json_int_t)st->emails, "inbound", (json_int_t)st->inbound,
			 "entries", entries);
}

/* ---- the archive ---- */

static enum gw_result arc_fail(struct archive *a, const char *what, char **error_r)
{
	const char *msg = archive_error_string(a);

	if (error_r != NULL)
		*error_r = xasprintf("archive: %s: %s", what, msg != NULL ? msg : "write failed");
	return GW_TEMPFAIL;
}

static struct archive_entry *new_entry(const char *path, int64_t size)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_size(e, size);
	archive_entry_set_mtime(e, (time_t)clock_now(), 0);
	return e;
}

static enum gw_result put_text(struct archive *a, const char *path, const char *text,
			       char **error_r)
{
	size_t len = strlen(text);
	struct archive_entry *e = new_entry(path, (int64_t)len);
	int rc = archive_write_header(a, e);

	archive_entry_free(e);
	if (rc != ARCHIVE_OK)
		return arc_fail(a, path, error_r);
	if (len > 0 && archive_write_data(a, text, len) != (la_ssize_t)len)
		return arc_fail(a, path, error_r);
	return GW_OK;
}

/* Append text to the entry being written; *size_r counts the bytes. */
static enum gw_result put_more(struct archive *a, const char *text, int64_t *size_r,
			       char **error_r)
{
	size_t len = strlen(text);

	if (len > 0 && archive_write_data(a, text, len) != (la_ssize_t)len)
		return arc_fail(a, "person.json", error_r);
	*size_r += (int64_t)len;
	return GW_OK;
}

/* Append one JSON value (taken over), after sep. */
static enum gw_result put_value(struct archive *a, const char *sep, json_t *v, int64_t *size_r,
				char **error_r)
{
	char *text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
	enum gw_result r;

	json_decref(v);
	if (text == NULL) {
		*error_r = xstrdup("archive: cannot encode person.json");
		return GW_TEMPFAIL;
	}
	r = put_more(a, sep, size_r, error_r);
	if (r == GW_OK)
		r = put_more(a, text, size_r, error_r);
	free(text);
	return r;
}

/* "threads": one thread read, written and dropped at a time. */
static enum gw_result put_threads(struct archive *a, struct store *s,
				  const struct store_person *p, struct file_list *fl,
				  struct person_export_stats *st, int64_t *size_r, char **error_r)
{
	enum gw_result r = put_more(a, ",\n\"threads\": [", size_r, error_r);

	for (size_t i = 0; r == GW_OK && i < p->n_threads; i++) {
		struct store_thread_view v;

		r = store_person_thread(s, p, i, &v, error_r);
		if (r != GW_OK)
			break;
		st->threads++;
		st->messages += v.n_messages;
		st->files += v.n_attachments;
		for (size_t k = 0; k < v.n_attachments; k++)
			st->file_bytes += v.attachments[k].size;
		r = put_value(a, i > 0 ? ",\n" : "\n", j_thread(&v), size_r, error_r);
		files_take(fl, &v);
		store_thread_view_clear(&v);
	}
	return r == GW_OK ? put_more(a, "]", size_r, error_r) : r;
}

/*
 * person.json, written as it is produced: the entry's size is not known
 * in advance, so the zip carries it after the data (a data descriptor).
 */
static enum gw_result put_person(struct archive *a, struct store *s,
				 const struct store_person *p, struct file_list *fl,
				 struct person_export_stats *st, int64_t *size_r, char **error_r)
{
	struct archive_entry *e = new_entry("person.json", 0);
	enum gw_result r = GW_OK;
	char *head;

	archive_entry_unset_size(e);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		r = arc_fail(a, "person.json", error_r);
	archive_entry_free(e);
	head = xasprintf("{\n\"kind\": \"%s\",\n\"%s\": ", store_kind_name(p->kind),
			 store_kind_name(p->kind));
	if (r == GW_OK)
		r = put_more(a, head, size_r, error_r);
	free(head);
	if (r == GW_OK)
		r = put_value(a, "", j_who(p), size_r, error_r);
	if (r == GW_OK)
		r = put_threads(a, s, p, fl, st, size_r, error_r);
	if (r == GW_OK)
		r = put_more(a, ",\n\"emails\": [", size_r, error_r);
	for (size_t i = 0; r == GW_OK && i < p->outbox.count; i++)
		r = put_value(a, i > 0 ? ",\n" : "\n", j_outbox(&p->outbox.items[i]), size_r,
			      error_r);
	if (r == GW_OK)
		r = put_more(a, "],\n\"inbound\": [", size_r, error_r);
	for (size_t i = 0; r == GW_OK && i < p->inbound.count; i++)
		r = put_value(a, i > 0 ? ",\n" : "\n", j_inbound(&p->inbound.items[i]), size_r,
			      error_r);
	if (r == GW_OK)
		r = put_more(a, "]\n}\n", size_r, error_r);
	st->emails = p->outbox.count;
	st->inbound = p->inbound.count;
	return r;
}

/* Copy one content file into the archive in chunks. */
static enum gw_result put_file(struct archive *a, const char *att_dir,
			       const struct store_attachment *at, char *chunk, char **error_r)
{
	char *src = store_attachment_path(att_dir, at->sha256), *path = file_path(at);
	enum gw_result r = GW_OK;
	struct stat sb;
	int fd = open(src, O_RDONLY | O_CLOEXEC);

	/* A content file that is gone or of another size is damage, not a
	 * passing trouble: say which, rather than leave it out. */
	if (fd < 0 || fstat(fd, &sb) < 0) {
		r = errno == ENOENT ? GW_PERMFAIL : GW_TEMPFAIL;
		*error_r = xasprintf("attachment %lld: content file %s: %s", (long long)at->id, src,
				     strerror(errno));
	} else if (sb.st_size != at->size) {
		r = GW_PERMFAIL;
		*error_r = xasprintf("attachment %lld: content file %s has %lld bytes, not %lld",
				     (long long)at->id, src, (long long)sb.st_size,
				     (long long)at->size);
	} else {
		struct archive_entry *e = new_entry(path, at->size);

		if (archive_write_header(a, e) != ARCHIVE_OK)
			r = arc_fail(a, path, error_r);
		archive_entry_free(e);
	}
	while (r == GW_OK) {
		ssize_t n = read(fd, chunk, CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = GW_TEMPFAIL;
			*error_r = xasprintf("attachment %lld: read %s: %s", (long long)at->id, src,
					     strerror(errno));
		} else if (n == 0) {
			break;
		} else if (archive_write_data(a, chunk, (size_t)n) != (la_ssize_t)n) {
			r = arc_fail(a, path, error_r);
		}
	}
	if (fd >= 0)
		close(fd);
	free(src);
	free(path);
	return r;
}

/*
 * person.json (compressed), then the files as they are stored (most are
 * PDFs and images, already compressed: deflating them again costs time
 * and saves nothing), then manifest.json, which counts them all.
 */
static enum gw_result write_archive(struct archive *a, struct store *s,
				    const struct store_person *p, const char *att_dir,
				    struct person_export_stats *st, char **error_r)
{
	struct file_list fl = { 0 };
	int64_t person_size = 0;
	json_t *manifest;
	char *text, *chunk = xmalloc(CHUNK);
	enum gw_result r = put_person(a, s, p, &fl, st, &person_size, error_r);

	if (r == GW_OK && archive_write_zip_set_compression_store(a) != ARCHIVE_OK)
		r = arc_fail(a, "compression", error_r);
	for (size_t i = 0; r == GW_OK && i < fl.n; i++)
		r = put_file(a, att_dir, &fl.items[i], chunk, error_r);
	free(chunk);
	if (r == GW_OK && archive_write_zip_set_compression_deflate(a) != ARCHIVE_OK)
		r = arc_fail(a, "compression", error_r);
	if (r == GW_OK) {
		manifest = j_manifest(p, st, &fl, person_size);
		text = json_dumps(manifest, JSON_INDENT(2) | JSON_SORT_KEYS);
		json_decref(manifest);
		if (text == NULL) {
			*error_r = xstrdup("archive: cannot encode manifest.json");
			r = GW_TEMPFAIL;
		} else {
			r = put_text(a, "manifest.json", text, error_r);
		}
		free(text);
	}
	files_free(&fl);
	return r;
}

enum gw_result person_export_write(struct store *s, const char *att_dir, enum store_kind kind,
				   int64_t id, int fd, struct person_export_stats *stats_r,
				   char **error_r)
{
	struct person_export_stats st = { 0 };
	struct store_person p;
	struct archive *a = NULL;
	enum gw_result r;
	int own;

	if (stats_r != NULL)
		memset(stats_r, 0, sizeof(*stats_r));
	if (att_dir == NULL || *att_dir == '\0') {
		*error_r = xstrdup("archive: no attachments directory ([store] attachments_dir)");
		return GW_INVALID;
	}
	/* One snapshot for the person and every thread, when the caller has
	 * not opened one (the API's request has). */
	own = !store_request_active(s);
	if (own && (r = store_request_begin(s, 0, error_r)) != GW_OK)
		return r;
	r = store_person_get(s, kind, id, &p, error_r);
	if (r != GW_OK) {
		if (own)
			(void)store_request_end(s, 0, NULL);
		return r;
	}
	a = archive_write_new();
	if (a == NULL || archive_write_set_format_zip(a) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		r = a != NULL ? arc_fail(a, "open", error_r) : GW_TEMPFAIL;
		if (a == NULL)
			*error_r = xstrdup("archive: out of memory");
	}
	if (r == GW_OK)
		r = write_archive(a, s, &p, att_dir, &st, error_r);
	/* Closing writes the zip's central directory: a failure there is a
	 * failure of the whole archive. */
	if (a != NULL && archive_write_close(a) != ARCHIVE_OK && r == GW_OK)
		r = arc_fail(a, "close", error_r);
	if (a != NULL)
		archive_write_free(a);
	store_person_clear(&p);
	if (own)
		(void)store_request_end(s, 0, NULL);
	if (r == GW_OK && stats_r != NULL)
		*stats_r = st;
	return r;
}
