/*
 * api_person.c - a person's data on request, for owners only: the archive
 * of everything held about a contact or staff member (a zip, admin/export.h)
 * and the erasure of a contact's personal data (store_person_erase()).
 *
 * The API key acts for the firm; these requests also name the owner who
 * asks (by_staff), and anyone else is refused: an export hands out a
 * person's data, an erase cannot be undone.  An erase must repeat the
 * contact it erases in "confirm".
 *
 * The archive is written on the worker into an unnamed 0600 file in the
 * attachments directory (the file system that holds the data anyway) and
 * sent from there; the erase's file removal and VACUUM run after the
 * request's commit (after_commit), on the writer lane's connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_int.h"
#include "buf.h"
#include "export.h"
#include "log.h"

/* by_staff must be an owner: 0, or -1 after replying 404 / 403. */
static int need_owner(struct api_req *r, int64_t staff_id)
{
	struct store_staff s = { 0 };
	char *error = NULL;
	enum gw_result res = store_staff_get(r->store, staff_id, &s, &error);
	int ok = res == GW_OK && s.role == STORE_ROLE_OWNER;

	if (res != GW_OK)
		api_fail(r, res, error, "by_staff");
	else if (!ok)
		api_error(r, 403, "forbidden", "by_staff",
			  "by_staff: staff %lld is %s %s; only an owner may export or erase a "
			  "person's data", (long long)staff_id,
			  s.role == STORE_ROLE_ADMIN ? "an" : "a", store_role_name(s.role));
	store_staff_clear(&s);
	return ok ? 0 : -1;
}

/* An unnamed file for the archive; -1 with errno. */
static int archive_file(const char *dir)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		char *tmp = xasprintf("%s/.export.XXXXXX", dir);

		fd = mkostemp(tmp, O_CLOEXEC);
		if (fd >= 0)
			unlink(tmp);
		free(tmp);
	}
	return fd;
}

static void export_person(struct api_req *r, enum store_kind kind)
{
	static const char *const params[] = { "by_staff", NULL };
	const char *dir = store_attachments_dir(r->store);
	struct person_export_stats st;
	char *error = NULL, name[64];
	int64_t by = 0;
	enum gw_result res;
	struct stat sb;
	int fd;

	if (api_query_only(r, params) < 0 || api_query_id(r, "by_staff", &by) < 0)
		return;
	if (by == 0) {
		api_error(r, 400, "missing_parameter", "by_staff",
			  "by_staff is required: the owner asking for the export");
		return;
	}
	if (need_owner(r, by) < 0)
		return;
	if (dir == NULL || (fd = archive_file(dir)) < 0) {
		api_error(r, 503, "unavailable", NULL, "cannot create the archive in %s: %s",
			  dir != NULL ? dir : "(no attachments directory)",
			  dir != NULL ? strerror(errno) : "not configured");
		return;
	}
	res = person_export_write(r->store, dir, kind, r->ids[0], fd, &st, &error);
	if (res == GW_OK && fstat(fd, &sb) < 0) {
		res = GW_TEMPFAIL;
		error = xasprintf("archive: %s", strerror(errno));
	}
	if (res != GW_OK) {
		close(fd);
		api_fail(r, res, error, NULL);
		return;
	}
	log_info("api: api key %lld: staff %lld exported %s %lld (%zu threads, %zu files)",
		 (long long)r->key.id, (long long)by, store_kind_name(kind),
		 (long long)r->ids[0], st.threads, st.files);
	snprintf(name, sizeof(name), "%s-%lld.zip", store_kind_name(kind), (long long)r->ids[0]);
	api_reply_file(r, fd, (int64_t)sb.st_size, "application/zip", name);
}

void api_contacts_export(struct api_req *r)
{
	export_person(r, STORE_CONTACT);
}

void api_staff_export(struct api_req *r)
{
	export_person(r, STORE_STAFF);
}

/* After the commit: the files no row points to, VACUUM, the WAL. */
static void erase_finish(struct api_req *r, int committed)
{
	struct store_erasure *e = r->after_arg;
	char *error = NULL;
	enum gw_result res;

	r->after_arg = NULL;
	if (committed) {
		res = store_person_erase_files(r->store, NULL, e, &error);
		if (res != GW_OK)
			log_warn("api: contact %lld erased (erasure %lld), but removing its files "
				 "or compacting the database failed: %s", (long long)e->contact_id,
				 (long long)e->id, error != NULL ? error : gw_result_name(res));
		free(error);
		log_info("api: api key %lld: contact %lld erased (erasure %lld): %lld messages, "
			 "%lld subjects, %lld notes, %lld files (%lld content files removed), "
			 "%lld emails, %lld inbound rows%s", (long long)r->key.id,
			 (long long)e->contact_id, (long long)e->id, (long long)e->messages,
			 (long long)e->subjects, (long long)e->notes, (long long)e->files,
			 (long long)e->blobs_removed, (long long)e->outbox,
			 (long long)e->inbound,
			 e->wal_truncated ? "" : "; a reader held the WAL, emptied at the next "
						 "checkpoint");
	}
	store_erasure_clear(e);
	free(e);
}

void api_contacts_erase(struct api_req *r)
{
	static const char *const fields[] = { "by_staff", "confirm", NULL };
	const char *confirm = NULL;
	struct store_erasure *e;
	char *error = NULL, want[48];
	int64_t by = 0;
	enum gw_result res;

	if (api_body_only(r, fields) < 0 || api_get_id(r, r->body, "by_staff", 1, &by) < 0 ||
	    api_get_str(r, r->body, "confirm", 1, &confirm) < 0 || need_owner(r, by) < 0)
		return;
	snprintf(want, sizeof(want), "contact:%lld", (long long)r->ids[0]);
	if (strcmp(confirm, want) != 0) {
		api_error(r, 422, "invalid_value", "confirm",
			  "confirm: must be \"%s\", the contact to erase (erasing cannot be undone)",
			  want);
		return;
	}
	e = xcalloc(1, sizeof(*e));
	res = store_person_erase(r->store, r->ids[0], e, &error);
	if (res != GW_OK) {
		free(e);
		api_fail(r, res, error, NULL);
		return;
	}
	api_reply(r, 200, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
				    "erasure_id", (json_int_t)e->id,
				    "contact_id", (json_int_t)e->contact_id,
				    "messages", (json_int_t)e->messages,
				    "subjects", (json_int_t)e->subjects,
				    "notes", (json_int_t)e->notes,
				    "files", (json_int_t)e->files,
				    "emails", (json_int_t)e->outbox,
				    "inbound", (json_int_t)e->inbound,
				    "api_responses", (json_int_t)e->idempotency,
				    "webhook_events", (json_int_t)e->webhook_events));
	r->after_commit = erase_finish;
	r->after_arg = e;
}
