/*
 * refs.c - a thread's external references: a label and an http(s) URL
 * that tie a chat to something in the firm's own systems (a job, a case,
 * a ticket in its project tool).  Staff see them; contacts never do: the
 * readers that serve contacts (store_thread_show with STORE_CONTACT) do
 * not load them, so no page, stream, API answer or email can carry one.
 *
 * A URL is kept as given once it passes store_thread_ref_check(): http or
 * https, a host, no blanks or control characters, at most
 * STORE_REF_URL_MAX bytes.  Escaping is the renderer's job.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store_int.h"
#include "utf8.h"

static const char SQL_REF_COUNT[] = "SELECT count(*) FROM thread_refs WHERE thread_id = ?1";
static const char SQL_REF_SAME_URL[] =
	"SELECT id FROM thread_refs WHERE thread_id = ?1 AND url = ?2";
static const char SQL_REF_ADD[] =
	"INSERT INTO thread_refs (thread_id, label, url, created_at) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_REF_REMOVE[] = "DELETE FROM thread_refs WHERE id = ?1 AND thread_id = ?2";
static const char SQL_REFS[] =
	"SELECT id, thread_id, label, url, created_at FROM thread_refs WHERE thread_id = ?1"
	" ORDER BY id";

/* Blanks, C0 and C1 controls and DEL: nothing a URL may hold unencoded. */
static int url_bad_byte(const unsigned char *p)
{
	if (*p <= ' ' || *p == 0x7f)
		return 1;
	return p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f;
}

enum gw_result store_thread_ref_check(const char *label, const char *url,
				      const char **field_r, char **error_r)
{
	const char *host;
	size_t len;

	*field_r = "label";
	enum gw_result r = store_text_check("label", label, STORE_REF_LABEL_MAX, 0, error_r);
	if (r != GW_OK)
		return r;
	*field_r = "url";
	if (url == NULL || *url == '\0')
		return store_fail(error_r, GW_INVALID, "url: empty");
	len = strlen(url);
	if (len > STORE_REF_URL_MAX)
		return store_fail(error_r, GW_INVALID, "url: longer than %d bytes",
				  STORE_REF_URL_MAX);
	for (const unsigned char *p = (const unsigned char *)url; *p != '\0'; p++)
		if (url_bad_byte(p))
			return store_fail(error_r, GW_INVALID,
					  "url: contains a blank or a control character"
					  " (percent-encode it)");
	if (!utf8_valid(url, len))
		return store_fail(error_r, GW_INVALID, "url: not valid UTF-8");
	if (strncasecmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return store_fail(error_r, GW_INVALID,
				  "url: must start with http:// or https://");
	if (*host == '\0' || strchr("/?#@:", *host) != NULL)
		return store_fail(error_r, GW_INVALID, "url: no host after the scheme");
	*field_r = NULL;
	return GW_OK;
}

/* Staff action: staff_id 0 is the firm itself (CLI, API). */
static enum gw_result ref_thread(struct store *s, int64_t thread_id, int64_t staff_id,
				 char **error_r)
{
	struct thread_core t;
	enum gw_result r = store_thread_core_get(s, thread_id, &t, error_r);

	if (r != GW_OK || staff_id == 0)
		return r;
	if (store_staff_sees_account(s, staff_id, t.account_id, NULL) != GW_OK)
		return store_fail(error_r, GW_NOTFOUND, "thread %lld: not visible to staff %lld",
				  (long long)thread_id, (long long)staff_id);
	return GW_OK;
}

enum gw_result store_thread_ref_insert(struct store *s, int64_t thread_id, const char *label,
				       const char *url, int64_t now, int64_t *id_r,
				       char **error_r)
{
	int64_t n = 0, same = 0;
	int rc = store_db_int(s, SQL_REF_COUNT, &n, "i", thread_id);

	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "thread %lld: links", (long long)thread_id);
	if (n >= STORE_REF_MAX)
		return store_fail(error_r, GW_INVALID, "refs: thread %lld has %d links already",
				  (long long)thread_id, STORE_REF_MAX);
	rc = store_db_int(s, SQL_REF_SAME_URL, &same, "is", thread_id, url);
	if (rc == SQLITE_ROW)
		return store_fail(error_r, GW_PERMFAIL, "url: thread %lld links to it already (ref %lld)",
				  (long long)thread_id, (long long)same);
	if (rc != SQLITE_DONE)
		return store_db_fail(s, error_r, "thread %lld: links", (long long)thread_id);
	if (store_db_exec(s, SQL_REF_ADD, "issi", thread_id, label, url, now) != SQLITE_OK)
		return store_db_fail(s, error_r, "thread %lld: add link", (long long)thread_id);
	if (id_r != NULL)
		*id_r = store_db_last_id(s);
	return GW_OK;
}

enum gw_result store_thread_ref_add(struct store *s, int64_t thread_id, int64_t staff_id,
				    const char *label, const char *url, int64_t *ref_id_r,
				    char **error_r)
{
	const char *field;
	enum gw_result r = store_thread_ref_check(label, url, &field, error_r);

	if (r != GW_OK)
		return r;
	if ((r = store_tx_begin(s, 1, error_r)) != GW_OK)
		return r;
	r = ref_thread(s, thread_id, staff_id, error_r);
	if (r == GW_OK)
		r = store_thread_ref_insert(s, thread_id, label, url, clock_now(), ref_id_r,
					    error_r);
	return store_tx_end(s, r, error_r);
}

enum gw_result store_thread_ref_remove(struct store *s, int64_t thread_id, int64_t ref_id,
				       int64_t staff_id, char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);

	if (r != GW_OK)
		return r;
	r = ref_thread(s, thread_id, staff_id, error_r);
	if (r == GW_OK && store_db_exec(s, SQL_REF_REMOVE, "ii", ref_id, thread_id) != SQLITE_OK)
		r = store_db_fail(s, error_r, "thread %lld: remove link %lld", (long long)thread_id,
				  (long long)ref_id);
	if (r == GW_OK && store_db_changes(s) == 0)
		r = store_fail(error_r, GW_NOTFOUND, "ref %lld: no such link on thread %lld",
			       (long long)ref_id, (long long)thread_id);
	return store_tx_end(s, r, error_r);
}

enum gw_result store_thread_refs_load(struct store *s, int64_t thread_id,
				      struct store_thread_ref **refs_r, size_t *n_r,
				      char **error_r)
{
	struct store_thread_ref *refs = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st = store_db_q(s, SQL_REFS, "i", thread_id);
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;

	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW) {
		struct store_thread_ref *f = store_vec_push(&refs, &n, &cap, sizeof(*refs));

		f->id = store_col_i64(st, 0);
		f->thread_id = store_col_i64(st, 1);
		f->label = store_col_str(st, 2);
		f->url = store_col_str(st, 3);
		f->created_at = store_col_i64(st, 4);
	}
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_thread_refs_free(refs, n);
		return store_db_fail(s, error_r, "thread %lld: links", (long long)thread_id);
	}
	*refs_r = refs;
	*n_r = n;
	return GW_OK;
}

enum gw_result store_thread_refs(struct store *s, int64_t thread_id,
				 struct store_thread_ref **refs_r, size_t *n_r, char **error_r)
{
	struct thread_core t;

	*refs_r = NULL;
	*n_r = 0;
	enum gw_result r = store_tx_begin(s, 0, error_r);
	if (r != GW_OK)
		return r;
	r = store_thread_core_get(s, thread_id, &t, error_r);
	if (r == GW_OK)
		r = store_thread_refs_load(s, thread_id, refs_r, n_r, error_r);
	r = store_tx_end(s, r, error_r);
	if (r != GW_OK) {
		store_thread_refs_free(*refs_r, *n_r);
		*refs_r = NULL;
		*n_r = 0;
	}
	return r;
}

void store_thread_refs_free(struct store_thread_ref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(refs[i].label);
		free(refs[i].url);
	}
	free(refs);
}
