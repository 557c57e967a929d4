/*
 * documents.c - the files of a thread or of an account as one reader may
 * see them, for the Documents pages and the thread's zip.
 *
 * The visibility rule is the thread view's (views.c): a file attached to
 * an internal note is as private as the note, so a contact's list never
 * holds one; a contact sees the threads of their own account only.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define DOC_COLS                                                                  \
	"a.id, a.thread_id, coalesce(a.message_id, 0), a.uploader_kind, a.uploader_id," \
	" a.file_name, a.content_type, a.size, a.sha256, a.created_at, a.folder,"       \
	" a.zip_note,"                                                                  \
	" coalesce(CASE a.uploader_kind WHEN 'staff' THEN"                              \
	"  (SELECT name FROM staff WHERE id = a.uploader_id)"                           \
	"  ELSE (SELECT name FROM contacts WHERE id = a.uploader_id) END, ''),"         \
	" t.subject"
/* ?2: 1 for staff (internal notes' files too). */
#define DOC_VISIBLE                                                               \
	" AND (?2 OR a.message_id IS NULL"                                        \
	"  OR a.message_id IN (SELECT id FROM messages WHERE staff_only = 0))"

static const char SQL_DOCS_THREAD[] =
	"SELECT " DOC_COLS " FROM attachments a JOIN threads t ON t.id = a.thread_id"
	" WHERE a.thread_id = ?1" DOC_VISIBLE
	" ORDER BY a.folder, a.file_name, a.id";
static const char SQL_DOCS_ACCOUNT[] =
	"SELECT " DOC_COLS " FROM attachments a JOIN threads t ON t.id = a.thread_id"
	" WHERE t.account_id = ?1" DOC_VISIBLE
	" ORDER BY t.id DESC, a.folder, a.file_name, a.id";
static const char SQL_CONTACT_ACCOUNT_OF[] =
	"SELECT account_id FROM contacts WHERE id = ?1 AND removed_at IS NULL";

static enum gw_result docs_query(struct store *s, sqlite3_stmt *st, struct store_documents *d,
				 char **error_r)
{
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return store_db_fail(s, error_r, "documents");
	while ((rc = store_db_step(s, st)) == SQLITE_ROW) {
		struct store_document *doc = store_vec_push(&d->docs, &d->count, &cap,
							    sizeof(*d->docs));

		store_attachment_from_row(st, &doc->att);
		doc->uploader_name = store_col_str(st, 12);
		doc->thread_subject = store_col_str(st, 13);
		d->total_size += doc->att.size;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_documents_clear(d);
		return store_db_fail(s, error_r, "documents");
	}
	return GW_OK;
}

enum gw_result store_documents_thread(struct store *s, int64_t thread_id, enum store_kind kind,
				      int64_t reader_id, struct store_documents *d,
				      char **error_r)
{
	enum gw_result r;

	memset(d, 0, sizeof(*d));
	if (kind == 0) {
		/* The firm itself (the API without a reader): every file. */
		struct thread_core t;

		r = store_thread_core_get(s, thread_id, &t, error_r);
	} else {
		r = store_thread_access(s, thread_id, kind, reader_id, error_r);
	}
	if (r != GW_OK)
		return r;
	return docs_query(s, store_db_q(s, SQL_DOCS_THREAD, "id", thread_id,
					 kind != STORE_CONTACT ? 1 : 0), d, error_r);
}

enum gw_result store_documents_account(struct store *s, int64_t account_id,
				       enum store_kind kind, int64_t reader_id,
				       struct store_documents *d, char **error_r)
{
	enum gw_result r = GW_OK;

	memset(d, 0, sizeof(*d));
	if (kind == STORE_STAFF) {
		r = store_staff_sees_account(s, reader_id, account_id, error_r);
	} else if (kind == STORE_CONTACT) {
		int64_t acc = 0;
		int rc = store_db_int(s, SQL_CONTACT_ACCOUNT_OF, &acc, "i", reader_id);

		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			r = store_db_fail(s, error_r, "contact %lld", (long long)reader_id);
		else if (rc == SQLITE_DONE || acc != account_id)
			r = store_fail(error_r, GW_NOTFOUND, "account %lld: not visible",
				       (long long)account_id);
	} else if (kind == 0) {
		struct store_account acc;

		r = store_account_get(s, account_id, &acc, error_r);
		store_account_clear(&acc);
	} else {
		r = store_fail(error_r, GW_NOTFOUND, "account %lld: not visible",
			       (long long)account_id);
	}
	if (r != GW_OK)
		return r;
	return docs_query(s, store_db_q(s, SQL_DOCS_ACCOUNT, "id", account_id,
					 kind != STORE_CONTACT ? 1 : 0), d, error_r);
}

void store_documents_clear(struct store_documents *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->count; i++) {
		store_attachment_clear(&d->docs[i].att);
		free(d->docs[i].uploader_name);
		free(d->docs[i].thread_subject);
	}
	free(d->docs);
	memset(d, 0, sizeof(*d));
}
