/*
 * attach.c - attachments: content files named by their SHA-256 and the
 * rows that point to them.
 *
 * The file is durable before its row exists: written to a temp name in the
 * same directory, fsync'd, renamed into place and the directory fsync'd.
 * A crash leaves at worst an orphaned temp file or an unreferenced content
 * file, never a row pointing at nothing.  Identical content is one file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "store_int.h"
#include "utf8.h"
#include "webhook.h"
#include "zip.h"

_Static_assert(STORE_POST_MAX_ROWS >= STORE_POST_MAX_FILES * ZIP_MAX_ENTRIES,
	       "a post of zips must fit in STORE_POST_MAX_ROWS");

char *store_attachment_path(const char *dir, const char *hex)
{
	return xasprintf("%s/%.2s/%s", dir, hex, hex);
}

static int sha256_hex(const void *bytes, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (EVP_Digest(bytes, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return -1;
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

static enum gw_result errno_fail(char **error_r, const char *what, const char *path)
{
	int e = errno;
	/* Disk full, permissions, I/O: an operator can fix it and nothing is lost. */
	return store_fail(error_r, GW_TEMPFAIL, "%s %s: %s", what, path, strerror(e));
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

static int mkdir_p1(const char *path)
{
	if (mkdir(path, 0750) == 0 || errno == EEXIST)
		return 0;
	return -1;
}

static enum gw_result write_file(const char *sub, const char *path, const void *bytes,
				 size_t len, char **error_r)
{
	char rnd[33];
	if (store_text_random_hex(rnd) < 0)
		return store_fail(error_r, GW_TEMPFAIL, "attachment: no random bytes");
	char *tmp = xasprintf("%s/.tmp.%s", sub, rnd);
	enum gw_result r = GW_OK;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0) {
		r = errno_fail(error_r, "attachment: create", tmp);
		free(tmp);
		return r;
	}
	const char *p = bytes;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = errno_fail(error_r, "attachment: write", tmp);
			break;
		}
		p += n;
		left -= (size_t)n;
	}
	if (r == GW_OK && fsync(fd) < 0)
		r = errno_fail(error_r, "attachment: fsync", tmp);
	if (close(fd) < 0 && r == GW_OK)
		r = errno_fail(error_r, "attachment: close", tmp);
	if (r == GW_OK && rename(tmp, path) < 0)
		r = errno_fail(error_r, "attachment: rename to", path);
	if (r != GW_OK)
		unlink(tmp);
	else if (fsync_dir(sub) < 0)
		r = errno_fail(error_r, "attachment: fsync", sub);
	free(tmp);
	return r;
}

enum gw_result store_attachment_put(struct store *s, const char *dir, const void *bytes,
				    size_t len, char hex_r[65], char **error_r)
{
	GW_UNUSED(s);
	hex_r[0] = '\0';
	if (dir == NULL || dir[0] == '\0')
		return store_fail(error_r, GW_INVALID, "attachment: no attachments directory");
	if (bytes == NULL && len > 0)
		return store_fail(error_r, GW_INVALID, "attachment: no content");
	char hex[65];
	if (sha256_hex(bytes != NULL ? bytes : "", len, hex) < 0)
		return store_fail(error_r, GW_TEMPFAIL, "attachment: SHA-256 failed");
	char *sub = xasprintf("%s/%.2s", dir, hex);
	char *path = store_attachment_path(dir, hex);
	enum gw_result r = GW_OK;
	struct stat sb;
	int created_sub = 0;

	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (size_t)sb.st_size == len) {
		/* Same content, already stored.  Touched, so that retention
		 * (which removes unreferenced files only after a grace) keeps
		 * it until our row commits. */
		(void)utimensat(AT_FDCWD, path, NULL, 0);
		goto done;
	}
	if (mkdir_p1(dir) < 0) {
		r = errno_fail(error_r, "attachment: mkdir", dir);
		goto done;
	}
	if (stat(sub, &sb) < 0) {
		if (mkdir_p1(sub) < 0) {
			r = errno_fail(error_r, "attachment: mkdir", sub);
			goto done;
		}
		created_sub = 1;
	}
	r = write_file(sub, path, bytes, len, error_r);
	if (r == GW_OK && created_sub && fsync_dir(dir) < 0)
		r = errno_fail(error_r, "attachment: fsync", dir);
done:
	if (r == GW_OK)
		memcpy(hex_r, hex, sizeof(hex));
	free(sub);
	free(path);
	return r;
}

static const char SQL_ATTACHMENT_ADD[] =
	"INSERT INTO attachments (thread_id, message_id, uploader_kind, uploader_id, file_name,"
	" content_type, size, sha256, created_at, folder, zip_note)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
static const char SQL_ATTACHMENT_GET[] =
	"SELECT " ATTACHMENT_COLS " FROM attachments WHERE id = ?1";
static const char SQL_MESSAGE_THREAD_OF[] = "SELECT thread_id FROM messages WHERE id = ?1";

static enum gw_result check_content_type(const char *ct, char **error_r)
{
	size_t n = strlen(ct), slashes = 0;
	int ok = n > 2 && n < 128 && ct[0] != '/' && ct[n - 1] != '/';
	for (const char *p = ct; ok && *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '/')
			slashes++;
		else if (c <= ' ' || c >= 0x7f || strchr("()<>@,;:\\\"[]?={}", c) != NULL)
			ok = 0;
	}
	if (!ok || slashes != 1)
		return store_fail(error_r, GW_INVALID, "content type \"%s\": not type/subtype", ct);
	return GW_OK;
}

enum gw_result store_upload_name_check(const char *name, char **error_r)
{
	size_t len = name != NULL ? strlen(name) : 0;

	if (len == 0)
		return store_fail(error_r, GW_INVALID, "file name: empty");
	if (len > STORE_FILE_NAME_MAX)
		return store_fail(error_r, GW_INVALID, "file name: longer than %d bytes",
				  STORE_FILE_NAME_MAX);
	if (!utf8_valid(name, len))
		return store_fail(error_r, GW_INVALID, "file name: not valid UTF-8");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		/* The name is not quoted back: it may hold what it must not. */
		if (c == '\n' || c == '\r')
			return store_fail(error_r, GW_INVALID, "file name: contains a line break");
		if (c < 0x20 || c == 0x7f)
			return store_fail(error_r, GW_INVALID,
					  "file name: contains a control character");
		if (c == '/' || c == '\\')
			return store_fail(error_r, GW_INVALID, "file name: contains a slash");
	}
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return store_fail(error_r, GW_INVALID, "file name \"%s\": not a name", name);
	return GW_OK;
}

static const char SQL_TRASH_FORGET[] = "DELETE FROM blob_trash WHERE sha256 = ?1";

static enum gw_result files_add(struct store *s, const char *dir, int64_t thread_id,
				int64_t message_id, enum store_kind kind, int64_t uploader_id,
				const struct store_upload *files, size_t n, int64_t now,
				int64_t *ids_r, char **error_r)
{
	enum gw_result r = GW_OK;

	if (n > STORE_POST_MAX_ROWS)
		return store_fail(error_r, GW_INVALID, "files: more than %d in one post",
				  STORE_POST_MAX_ROWS);
	if (kind != STORE_STAFF && kind != STORE_CONTACT)
		return store_fail(error_r, GW_INVALID, "attachment: a %s cannot upload",
				  store_kind_name(kind));
	for (size_t i = 0; r == GW_OK && i < n; i++) {
		const struct store_upload *f = &files[i];
		const char *ct = f->content_type != NULL ? f->content_type
							 : "application/octet-stream";
		char *err = NULL;

		r = store_upload_name_check(f->file_name, error_r);
		if (r == GW_OK)
			r = check_content_type(ct, error_r);
		if (r == GW_OK && f->rel_path != NULL && !zip_folder_valid(f->rel_path))
			r = store_fail(error_r, GW_INVALID, "folder \"%s\": not a folder path",
				       f->rel_path);
		if (r == GW_OK && f->zip_note != NULL &&
		    zip_note_from_name(f->zip_note) == ZIP_NOTE_NONE)
			r = store_fail(error_r, GW_INVALID, "zip note \"%s\": unknown", f->zip_note);
		if (r == GW_OK && (strlen(f->sha256) != 64 || f->size < 0))
			r = store_fail(error_r, GW_INVALID, "file \"%s\": no content",
				       f->file_name);
		if (r != GW_OK)
			break;
		/* Under the write lock: an erasure cannot remove it from now
		 * until the row commits. */
		if (dir == NULL || store_blob_ensure(dir, f->sha256, f->fd, &err) < 0) {
			r = store_fail(error_r, GW_TEMPFAIL, "file \"%s\": %s", f->file_name,
				       err != NULL ? err : "no attachments directory");
			free(err);
			break;
		}
		/* Retention's trash must not take content that has a row again. */
		if (store_db_exec(s, SQL_TRASH_FORGET, "s", f->sha256) != SQLITE_OK ||
		    store_db_exec(s, SQL_ATTACHMENT_ADD, "iIsissisiss", thread_id, message_id,
				  store_kind_name(kind), uploader_id, f->file_name, ct, f->size,
				  f->sha256, now, f->rel_path != NULL ? f->rel_path : "",
				  f->zip_note) != SQLITE_OK) {
			r = store_db_fail(s, error_r, "thread %lld: add attachment",
					  (long long)thread_id);
			break;
		}
		struct webhook_event_new ev = {
			.type = WEBHOOK_FILE_UPLOADED, .thread_id = thread_id,
			.object_id = store_db_last_id(s), .now = now,
		};
		if (ids_r != NULL)
			ids_r[i] = ev.object_id;
		r = store_webhook_event(s, &ev, error_r);
	}
	return r;
}

enum gw_result store_message_files_add(struct store *s, int64_t thread_id, int64_t message_id,
				       enum store_kind kind, int64_t uploader_id,
				       const struct store_upload *files, size_t n, int64_t now,
				       int64_t *ids_r, char **error_r)
{
	return files_add(s, s->attachments_dir, thread_id, message_id, kind, uploader_id, files,
			 n, now, ids_r, error_r);
}

enum gw_result store_attachment_add(struct store *s, const struct store_attachment_new *a,
				    int64_t *id_r, char **error_r)
{
	const char *ct = a->content_type != NULL ? a->content_type : "application/octet-stream";
	const char *dir = a->dir != NULL ? a->dir : s->attachments_dir;
	enum gw_result r = store_upload_name_check(a->file_name, error_r);
	if (r == GW_OK)
		r = check_content_type(ct, error_r);
	if (r == GW_OK && a->folder != NULL && !zip_folder_valid(a->folder))
		r = store_fail(error_r, GW_INVALID, "folder \"%s\": not a folder path", a->folder);
	if (r == GW_OK && a->zip_note != NULL && zip_note_from_name(a->zip_note) == ZIP_NOTE_NONE)
		r = store_fail(error_r, GW_INVALID, "zip note \"%s\": unknown", a->zip_note);
	if (r == GW_OK && a->uploader_kind != STORE_STAFF && a->uploader_kind != STORE_CONTACT)
		r = store_fail(error_r, GW_INVALID, "attachment: a %s cannot upload",
			       store_kind_name(a->uploader_kind));
	if (r != GW_OK)
		return r;
	/* Check the thread and the uploader before writing anything to disk. */
	r = store_thread_access(s, a->thread_id, a->uploader_kind, a->uploader_id, error_r);
	char hex[65];
	if (r == GW_OK)
		r = store_attachment_put(s, dir, a->bytes, a->len, hex, error_r);
	if (r != GW_OK)
		return r;

	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	struct thread_core t = { 0 };
	int64_t id = 0, now = clock_now();
	/*
	 * An erasure removes a content file only while holding the write lock
	 * and only when no row points to it (store_person_erase_files): the
	 * file found above may have gone since.  Now that this transaction
	 * holds the lock, make sure it is there (a stat when it is).
	 */
	r = store_attachment_put(s, dir, a->bytes, a->len, hex, error_r);
	if (r == GW_OK)
		r = store_thread_core_get(s, a->thread_id, &t, error_r);
	if (r == GW_OK && t.archived)
		r = store_fail(error_r, GW_INVALID, "thread %lld: archived, reopen it first",
			       (long long)a->thread_id);
	if (r == GW_OK && a->message_id != 0) {
		int64_t th = 0;
		int rc = store_db_int(s, SQL_MESSAGE_THREAD_OF, &th, "i", a->message_id);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			r = store_db_fail(s, error_r, "message %lld", (long long)a->message_id);
		else if (rc == SQLITE_DONE || th != a->thread_id)
			r = store_fail(error_r, GW_NOTFOUND, "thread %lld: no message %lld",
				       (long long)a->thread_id, (long long)a->message_id);
	}
	if (r == GW_OK) {
		struct store_upload up = {
			.file_name = a->file_name, .content_type = ct, .size = (int64_t)a->len,
			.fd = -1, .rel_path = a->folder, .zip_note = a->zip_note,
		};
		memcpy(up.sha256, hex, sizeof(hex));
		r = files_add(s, dir, a->thread_id, a->message_id, a->uploader_kind,
			      a->uploader_id, &up, 1, now, &id, error_r);
	}
	/* A file on its own (no message that tells of it) tells the staff. */
	if (r == GW_OK && a->uploader_kind == STORE_CONTACT && a->message_id == 0) {
		char extra[32];
		snprintf(extra, sizeof(extra), "%lld", (long long)id);
		struct outbox_new ev = {
			.kind = MAIL_STAFF_UPLOAD, .thread_id = a->thread_id,
			.message_id = a->message_id, .extra = extra, .now = now,
			.actor_kind = STORE_CONTACT, .actor_id = a->uploader_id,
		};
		r = store_notify_staff_event(s, &ev, t.account_id, NULL, NULL, 0, error_r);
	}
	if (r == GW_OK && a->uploader_kind == STORE_CONTACT) {
		struct inbox_event ev = {
			.kind = STORE_INBOX_UPLOAD, .thread_id = a->thread_id,
			.account_id = t.account_id, .message_id = a->message_id,
			.contact_id = a->uploader_id, .actor_kind = STORE_CONTACT,
			.actor_id = a->uploader_id, .object_id = id, .now = now,
		};
		r = store_inbox_add_told(s, &ev, NULL, 0, error_r);
	}
	r = store_tx_end(s, r, error_r);
	if (r == GW_OK && id_r != NULL)
		*id_r = id;
	return r;
}

void store_attachment_from_row(sqlite3_stmt *st, struct store_attachment *a)
{
	a->id = store_col_i64(st, 0);
	a->thread_id = store_col_i64(st, 1);
	a->message_id = store_col_i64(st, 2);
	a->uploader_kind = store_kind_from_col(st, 3);
	a->uploader_id = store_col_i64(st, 4);
	a->file_name = store_col_str(st, 5);
	a->content_type = store_col_str(st, 6);
	a->size = store_col_i64(st, 7);
	const unsigned char *h = sqlite3_column_text(st, 8);
	snprintf(a->sha256, sizeof(a->sha256), "%s", h != NULL ? (const char *)h : "");
	a->created_at = store_col_i64(st, 9);
	a->folder = store_col_str(st, 10);
	a->zip_note = store_col_str_null(st, 11);
}

enum gw_result store_attachment_get(struct store *s, int64_t id, struct store_attachment *a,
				    char **error_r)
{
	memset(a, 0, sizeof(*a));
	sqlite3_stmt *st = store_db_q(s, SQL_ATTACHMENT_GET, "i", id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "attachment %lld: no such attachment",
				  (long long)id);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "attachment %lld", (long long)id);
	store_attachment_from_row(st, a);
	sqlite3_reset(st);
	return GW_OK;
}

static const char SQL_ATTACHMENT_PRIVATE[] =
	"SELECT staff_only FROM messages WHERE id = ?1";

enum gw_result store_attachment_for_reader(struct store *s, int64_t id, enum store_kind kind,
					   int64_t reader_id, struct store_attachment *a,
					   char **error_r)
{
	int64_t private_ = 0;
	enum gw_result r = store_attachment_get(s, id, a, error_r);

	if (r == GW_OK)
		r = store_thread_access(s, a->thread_id, kind, reader_id, error_r);
	if (r == GW_OK && kind == STORE_CONTACT && a->message_id != 0) {
		int rc = store_db_int(s, SQL_ATTACHMENT_PRIVATE, &private_, "i", a->message_id);

		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			r = store_db_fail(s, error_r, "attachment %lld", (long long)id);
		else if (private_)
			/* As for an id that does not exist: the file is not theirs
			 * to know about. */
			r = store_fail(error_r, GW_NOTFOUND, "attachment %lld: no such attachment",
				       (long long)id);
	}
	if (r != GW_OK)
		store_attachment_clear(a);
	return r;
}
