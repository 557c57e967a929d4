/*
 * ctl_person.c - gatewayctl commands for a person's data on request:
 * `person export contact:ID|staff:ID FILE` (a zip with everything held
 * about them, admin/export.h) and `person erase contact:ID` (their
 * personal data removed, store_person_erase()).
 *
 * The archive is written to a temporary file beside FILE, fsync'd and
 * renamed into place: FILE is never seen half-written, and an existing
 * FILE is replaced only with --force.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "export.h"

static int parse_person(struct ctl *c, const char *s, enum store_kind *kind_r, int64_t *id_r)
{
	return ctl_parse_principal(c, "PERSON", s, 1, 1, kind_r, id_r);
}

static void print_export(struct ctl *c, enum store_kind kind, int64_t id, const char *file,
			 const struct person_export_stats *st)
{
	if (c->json) {
		ctl_json_print(json_pack("{s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
					 "kind", store_kind_name(kind), "id", (json_int_t)id,
					 "file", file, "threads", (json_int_t)st->threads,
					 "messages", (json_int_t)st->messages,
					 "files", (json_int_t)st->files,
					 "file_bytes", (json_int_t)st->file_bytes,
					 "emails", (json_int_t)st->emails,
					 "inbound", (json_int_t)st->inbound));
		return;
	}
	printf("%s %lld: exported to %s (%zu thread%s, %zu message%s, %zu file%s, "
	       "%zu email%s, %zu inbound)\n",
	       store_kind_name(kind), (long long)id, file, st->threads,
	       st->threads == 1 ? "" : "s", st->messages, st->messages == 1 ? "" : "s",
	       st->files, st->files == 1 ? "" : "s", st->emails, st->emails == 1 ? "" : "s",
	       st->inbound);
}

/* Write the archive into the open temporary file; 0 or an exit code. */
static int export_into(struct ctl *c, enum store_kind kind, int64_t id, int fd,
		       const char *tmp, struct person_export_stats *st)
{
	char *error = NULL;
	enum gw_result r = person_export_write(c->store, c->cfg->store.attachments_dir, kind, id,
					       fd, st, &error);

	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (fsync(fd) < 0)
		return ctl_error(c, ctl_create_errno_code(errno), "%s: %s", tmp, strerror(errno));
	return 0;
}

/* The account a contact belongs to, for the audit entry; 0 for staff. */
static int64_t person_account(struct ctl *c, enum store_kind kind, int64_t id)
{
	struct store_contact ct;
	int64_t account = 0;

	if (kind != STORE_CONTACT || store_contact_get(c->store, id, &ct, NULL) != GW_OK)
		return 0;
	account = ct.account_id;
	store_contact_clear(&ct);
	return account;
}

int ctl_cmd_person_export(struct ctl *c, const struct ctl_args *a)
{
	const char *file = a->pos[1];
	int force = ctl_flag(a, "--force") > 0;
	struct person_export_stats st = { 0 };
	enum store_kind kind;
	struct stat sb;
	int64_t id;
	char *tmp;
	int fd, rc = parse_person(c, a->pos[0], &kind, &id);

	if (rc != 0)
		return rc;
	if (ctl_same_file(file, c->cfg->store.path))
		return ctl_error(c, EX_USAGE, "%s is the database itself", file);
	if (!force && lstat(file, &sb) == 0)
		return ctl_error(c, EX_CANTCREAT, "%s exists; give --force to replace it", file);
	tmp = xasprintf("%s.tmp.XXXXXX", file);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = ctl_error(c, ctl_create_errno_code(errno), "cannot create %s: %s", file,
			       strerror(errno));
		free(tmp);
		return rc;
	}
	rc = export_into(c, kind, id, fd, tmp, &st);
	if (close(fd) < 0 && rc == 0)
		rc = ctl_error(c, ctl_create_errno_code(errno), "%s: %s", tmp, strerror(errno));
	if (rc == 0 && ctl_move_into_place(tmp, file, force) < 0)
		rc = ctl_error(c, errno == EEXIST ? EX_CANTCREAT : ctl_create_errno_code(errno),
			       "cannot create %s: %s", file, strerror(errno));
	if (rc != 0)
		unlink(tmp);
	else
		ctl_fsync_dir(file);
	free(tmp);
	if (rc == 0) {
		char target[96];

		snprintf(target, sizeof(target), "gatewayctl person export %s:%lld",
			 store_kind_name(kind), (long long)id);
		rc = ctl_audit_append(c, "export", person_account(c, kind, id), target);
	}
	if (rc == 0)
		print_export(c, kind, id, file, &st);
	return rc;
}

static void print_erasure(struct ctl *c, const struct store_erasure *e)
{
	if (c->json) {
		ctl_json_print(json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
					 " s:b, s:b}",
					 "erasure_id", (json_int_t)e->id,
					 "contact_id", (json_int_t)e->contact_id,
					 "messages", (json_int_t)e->messages,
					 "subjects", (json_int_t)e->subjects,
					 "notes", (json_int_t)e->notes,
					 "files", (json_int_t)e->files,
					 "files_removed", (json_int_t)e->blobs_removed,
					 "files_kept", (json_int_t)e->blobs_kept,
					 "emails", (json_int_t)e->outbox,
					 "inbound", (json_int_t)e->inbound,
					 "api_responses", (json_int_t)e->idempotency,
					 "webhook_events", (json_int_t)e->webhook_events,
					 "vacuumed", e->vacuumed, "wal_truncated", e->wal_truncated));
		return;
	}
	printf("contact %lld: personal data erased (erasure %lld): %lld messages, %lld subjects, "
	       "%lld notes, %lld files (%lld content files removed, %lld kept for other "
	       "threads), %lld emails, %lld inbound rows, %lld kept API responses, "
	       "%lld webhook events; links revoked%s\n",
	       (long long)e->contact_id, (long long)e->id, (long long)e->messages,
	       (long long)e->subjects, (long long)e->notes, (long long)e->files,
	       (long long)e->blobs_removed, (long long)e->blobs_kept, (long long)e->outbox,
	       (long long)e->inbound, (long long)e->idempotency, (long long)e->webhook_events,
	       e->wal_truncated ? "" : "; a reader still holds the WAL file, it is emptied at "
				       "the next checkpoint");
}

int ctl_cmd_person_erase(struct ctl *c, const struct ctl_args *a)
{
	struct store_erasure e;
	char target[96];
	enum store_kind kind;
	char *error = NULL;
	enum gw_result r;
	int64_t id;
	int rc = parse_person(c, a->pos[0], &kind, &id);

	if (rc != 0)
		return rc;
	if (kind != STORE_CONTACT)
		return ctl_usage(c, "PERSON: '%s' is a staff member; only a contact's data can be "
				 "erased", a->pos[0]);
	/* The erasure and its audit entry commit together, or neither does. */
	r = store_request_begin(c->store, 1, &error);
	if (r == GW_OK)
		r = store_person_erase(c->store, id, &e, &error);
	if (r != GW_OK) {
		(void)store_request_end(c->store, 0, NULL);
		return ctl_store_fail(c, r, error);
	}
	snprintf(target, sizeof(target), "gatewayctl person erase contact:%lld", (long long)id);
	rc = ctl_audit_append(c, "erase", e.account_id, target);
	r = store_request_end(c->store, rc == 0, &error);
	if (rc != 0 || r != GW_OK) {
		store_erasure_clear(&e);
		return rc != 0 ? rc : ctl_store_fail(c, r, error);
	}
	r = store_person_erase_files(c->store, c->cfg->store.attachments_dir, &e, &error);
	if (r != GW_OK) {
		rc = ctl_error(c, ctl_exit_code(r),
			       "contact %lld: data erased (erasure %lld), but removing its files "
			       "or compacting the database failed: %s",
			       (long long)id, (long long)e.id, error);
		free(error);
		store_erasure_clear(&e);
		return rc;
	}
	print_erasure(c, &e);
	store_erasure_clear(&e);
	return 0;
}
