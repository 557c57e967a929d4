/*
 * search.c - the staff's search and filtered lists (search.h), and the
 * accounts overview.
 *
 * A search runs in two steps inside one read transaction: one statement
 * picks the page of threads (the filters, the visibility rule and, with
 * a query, the four FTS5 indexes), then each thread of the page is read
 * with its counts, the words around its newest matching message and its
 * last message.  A page is at most STORE_SEARCH_LIMIT_MAX threads, so the
 * second step is bounded; FTS5's snippet() and highlight() can only run
 * in a statement that matches, hence one small statement per hit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "search.h"
#include "store_int.h"
#include "utf8.h"

/* ---- the query ---- */

static int word_byte(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char *store_search_expr(const char *query)
{
	struct buf o = BUF_INIT;
	int words = 0;

	for (const char *p = query != NULL ? query : ""; *p != '\0';) {
		const char *start;
		int has_word = 0;

		while (blank(*p))
			p++;
		start = p;
		while (*p != '\0' && !blank(*p))
			has_word |= word_byte((unsigned char)*p++);
		/* A run of punctuation alone is no word: FTS5 would find
		 * nothing for it and take the whole query down with it. */
		if (!has_word || words == STORE_SEARCH_WORDS_MAX)
			continue;
		if (words++ > 0)
			buf_putc(&o, ' ');
		buf_putc(&o, '"');
		for (const char *q = start; q < p; q++) {
			if (*q == '"')
				buf_putc(&o, '"');
			buf_putc(&o, *q);
		}
		buf_puts(&o, "\"*");
	}
	if (words == 0) {
		buf_release(&o);
		return NULL;
	}
	return buf_detach(&o);
}

/* ---- picking the page ---- */

/*
 * ?2 staff (0 = the firm), ?3 account, ?4 assigned, ?5 following,
 * ?6 unread, ?7 reminders running, ?8 archived filter.
 */
#define SEARCH_WHERE                                                                  \
	" (?2 = 0 OR " STORE_SQL_STAFF_SEES("?2", "t.account_id") ")"                 \
	" AND (?3 = 0 OR t.account_id = ?3)"                                          \
	" AND (?4 = 0 OR t.account_id IN"                                             \
	"  (SELECT account_id FROM staff_accounts WHERE staff_id = ?2))"              \
	" AND (?5 = 0 OR t.id IN (SELECT thread_id FROM thread_followers"            \
	"  WHERE staff_id = ?2))"                                                     \
	" AND (?6 = 0 OR EXISTS (SELECT 1 FROM messages m WHERE m.thread_id = t.id"   \
	"  AND m.id > coalesce((SELECT r.last_read_message_id FROM read_marks r"      \
	"   WHERE r.thread_id = t.id AND r.reader_kind = 'staff' AND r.reader_id = ?2), 0)" \
	"  AND NOT (m.author_kind = 'staff' AND m.author_id = ?2)))"                  \
	" AND (?7 = 0 OR (t.rem_enabled = 1 AND coalesce(t.rem_next_due, 0) > 0"     \
	"  AND t.rem_count > t.rem_sent AND t.archived_at IS NULL))"                  \
	" AND (?8 = 2 OR (?8 = 0 AND t.archived_at IS NULL)"                          \
	"  OR (?8 = 1 AND t.archived_at IS NOT NULL))"

static const char SQL_LIST[] =
	"SELECT t.id, 0, NULL FROM threads t WHERE" SEARCH_WHERE
	" ORDER BY t.last_message_at DESC, t.id DESC LIMIT ?9 OFFSET ?10";

/*
 * With a query, the order is the newest matching message first: a
 * thread found by one of its messages counts with the newest such
 * message, one found by its subject, client or contact name with its
 * newest message (the whole thread is about those words).  Two cursors
 * give the page: the matching messages newest first (FTS5 walks its
 * index by rowid, and message ids grow with time), stepped only until
 * enough threads are found, so that a common word costs no more than a
 * rare one; and the threads found by subject, account or contact name,
 * newest activity first.  Their union, sorted, is the page.
 */
static const char SQL_MESSAGE_HITS[] =
	"SELECT m.thread_id, f.rowid FROM messages_fts f JOIN messages m ON m.id = f.rowid"
	" JOIN threads t ON t.id = m.thread_id"
	" WHERE messages_fts MATCH ?1 AND" SEARCH_WHERE
	" ORDER BY f.rowid DESC";
/*
 * The threads found by subject, account or contact name, newest activity
 * first; the key and the source are read for the page only.  Two plans
 * of the same question: with many subjects matching (a common word),
 * the threads in activity order, each tested against the three sets
 * (which SQLite builds once), stop after a page; with few, the sets are
 * looked up and sorted.  SQL_SUBJECT_COUNT chooses.
 */
#define THREAD_HITS_SETS                                                        \
	" WHERE (t.id IN (SELECT rowid FROM threads_fts WHERE threads_fts MATCH ?1)" \
	"  OR t.account_id IN (SELECT rowid FROM accounts_fts WHERE accounts_fts MATCH ?1)" \
	"  OR t.account_id IN (SELECT c.account_id FROM contacts_fts f"              \
	"   JOIN contacts c ON c.id = f.rowid WHERE contacts_fts MATCH ?1))"         \
	" AND" SEARCH_WHERE                                                           \
	" ORDER BY t.last_message_at DESC, t.id DESC LIMIT ?9) x"
#define THREAD_HITS_COLS                                                        \
	"SELECT x.id, coalesce((SELECT max(m.id) FROM messages m WHERE m.thread_id = x.id), 0)," \
	" CASE WHEN x.id IN (SELECT rowid FROM threads_fts WHERE threads_fts MATCH ?1) THEN 2" \
	"  WHEN x.account_id IN (SELECT rowid FROM accounts_fts WHERE accounts_fts MATCH ?1)" \
	"  THEN 3 ELSE 4 END"
static const char SQL_THREAD_HITS_SCAN[] =
	THREAD_HITS_COLS " FROM (SELECT t.id, t.account_id FROM threads t"
	" INDEXED BY threads_activity" THREAD_HITS_SETS;
static const char SQL_THREAD_HITS_SORT[] =
	THREAD_HITS_COLS " FROM (SELECT t.id, t.account_id FROM threads t" THREAD_HITS_SETS;
static const char SQL_SUBJECT_COUNT[] =
	"SELECT count(*) FROM threads_fts WHERE threads_fts MATCH ?1";
#define SUBJECTS_MANY 500

static const char *const source_names[] = { NULL, "message", "subject", "account", "contact" };

struct pick {
	int64_t thread_id;
	int64_t message_id;   /* the newest matching message, 0 = none */
	int64_t key;          /* the order: newest first */
	int source;
};

static struct pick *pick_find(struct pick *p, size_t n, int64_t thread_id)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].thread_id == thread_id)
			return &p[i];
	return NULL;
}

static int pick_cmp(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? 1 : -1;
	return x->thread_id < y->thread_id ? 1 : x->thread_id > y->thread_id ? -1 : 0;
}

#define BIND_FILTER(f) (f)->staff_id, (f)->account_id, (f)->assigned != 0,        \
	(f)->following != 0, (f)->unread != 0, (f)->reminders != 0, (int)(f)->archived

/* The plain list: no query, newest activity first, one statement. */
static enum gw_result pick_list(struct store *s, const struct store_search_filter *f,
				int limit, struct pick **picks_r, size_t *n_r, char **error_r)
{
	size_t cap = 0;
	sqlite3_stmt *st = store_db_q(s, SQL_LIST, "siiddddddd", NULL, BIND_FILTER(f), limit,
				      f->offset > 0 ? f->offset : 0);
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;

	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW) {
		struct pick *p = store_vec_push(picks_r, n_r, &cap, sizeof(**picks_r));

		p->thread_id = store_col_i64(st, 0);
	}
	if (st != NULL)
		sqlite3_reset(st);
	return rc == SQLITE_DONE ? GW_OK : store_db_fail(s, error_r, "search");
}

static enum gw_result pick_hits(struct store *s, const struct store_search_filter *f,
				const char *expr, int limit, struct pick **picks_r, size_t *n_r,
				char **error_r)
{
	size_t cap = 0, want = (size_t)limit + (size_t)(f->offset > 0 ? f->offset : 0);
	int64_t subjects = 0;
	sqlite3_stmt *st = store_db_q(s, SQL_MESSAGE_HITS, "siiddddd", expr, BIND_FILTER(f));
	int rc = st != NULL ? SQLITE_ROW : s->last_rc;

	/* Newest matching messages until `want` threads are known. */
	while (st != NULL && *n_r < want && (rc = store_db_step(s, st)) == SQLITE_ROW) {
		int64_t thread_id = store_col_i64(st, 0);
		struct pick *p;

		if (pick_find(*picks_r, *n_r, thread_id) != NULL)
			continue;
		p = store_vec_push(picks_r, n_r, &cap, sizeof(**picks_r));
		p->thread_id = thread_id;
		p->message_id = p->key = store_col_i64(st, 1);
		p->source = 1;
	}
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "search");
	if (store_db_int(s, SQL_SUBJECT_COUNT, &subjects, "s", expr) != SQLITE_ROW)
		return store_db_fail(s, error_r, "search");
	st = store_db_q(s, subjects > SUBJECTS_MANY ? SQL_THREAD_HITS_SCAN : SQL_THREAD_HITS_SORT,
			"siidddddd", expr, BIND_FILTER(f), (int)want);
	rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW) {
		int64_t thread_id = store_col_i64(st, 0), key = store_col_i64(st, 1);
		struct pick *p = pick_find(*picks_r, *n_r, thread_id);

		if (p == NULL) {
			p = store_vec_push(picks_r, n_r, &cap, sizeof(**picks_r));
			p->thread_id = thread_id;
			p->source = (int)store_col_i64(st, 2);
		}
		if (key > p->key)
			p->key = key;
	}
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_db_fail(s, error_r, "search");
	if (*n_r == 0)
		return GW_OK;
	qsort(*picks_r, *n_r, sizeof(**picks_r), pick_cmp);
	/* The page: [offset, offset + limit) of the union. */
	if (f->offset > 0) {
		size_t skip = (size_t)f->offset < *n_r ? (size_t)f->offset : *n_r;

		memmove(*picks_r, *picks_r + skip, (*n_r - skip) * sizeof(**picks_r));
		*n_r -= skip;
	}
	if (*n_r > (size_t)limit)
		*n_r = (size_t)limit;
	return GW_OK;
}

static enum gw_result pick_page(struct store *s, const struct store_search_filter *f,
				const char *expr, struct pick **picks_r, size_t *n_r,
				char **error_r)
{
	int limit = f->limit > 0 ? f->limit : 50;
	enum gw_result r;

	*picks_r = NULL;
	*n_r = 0;
	r = expr != NULL ? pick_hits(s, f, expr, limit, picks_r, n_r, error_r)
			 : pick_list(s, f, limit, picks_r, n_r, error_r);
	if (r != GW_OK) {
		free(*picks_r);
		*picks_r = NULL;
		*n_r = 0;
	}
	return r;
}

/* ---- reading each hit ---- */

/*
 * The marked words of a whole page in one statement per index: FTS5
 * works out a query's matches (a word start may stand for thousands of
 * words) once per statement, so the page's messages and subjects are
 * read together, within the range of their ids, the marks computed only
 * for those asked (?4: a JSON array of ids).
 */
static const char SQL_SNIPPETS[] =
	"SELECT f.rowid, CASE WHEN f.rowid IN (SELECT value FROM json_each(?4)) THEN"
	"  snippet(messages_fts, 0, char(1), char(2), '\xe2\x80\xa6', 16) END,"
	" CASE WHEN f.rowid IN (SELECT value FROM json_each(?4)) THEN"
	"  (SELECT staff_only FROM messages WHERE id = f.rowid) END"
	" FROM messages_fts f WHERE messages_fts MATCH ?1 AND f.rowid >= ?2 AND f.rowid <= ?3";
static const char SQL_SUBJECTS_MARKED[] =
	"SELECT f.rowid, CASE WHEN f.rowid IN (SELECT value FROM json_each(?4)) THEN"
	"  highlight(threads_fts, 0, char(1), char(2)) END, 0"
	" FROM threads_fts f WHERE threads_fts MATCH ?1 AND f.rowid >= ?2 AND f.rowid <= ?3";
static const char SQL_LAST_MESSAGE[] =
	"SELECT m.author_kind,"
	" CASE m.author_kind WHEN 'staff' THEN (SELECT name FROM staff WHERE id = m.author_id)"
	"  WHEN 'contact' THEN (SELECT name FROM contacts WHERE id = m.author_id) ELSE '' END,"
	" substr(m.body, 1, 600), m.created_at, m.staff_only"
	" FROM messages m WHERE m.thread_id = ?1 ORDER BY m.id DESC LIMIT 1";

#define LAST_LINE_MAX 140   /* bytes, cut at a character */

/* The first line of body that holds text, cut at LAST_LINE_MAX with "…". */
static char *first_line(const char *body)
{
	const char *p = body, *end;
	size_t n;
	struct buf o = BUF_INIT;

	while (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
		p++;
	end = p + strcspn(p, "\r\n");
	n = (size_t)(end - p);
	if (n > LAST_LINE_MAX) {
		n = LAST_LINE_MAX;
		while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
			n--;
	}
	buf_append(&o, p, n);
	if (n < (size_t)(end - p) || (*end != '\0' && end[strspn(end, "\r\n \t")] != '\0'))
		buf_puts(&o, "\xe2\x80\xa6");
	return buf_detach(&o);
}

/* Read the marked text of the ids in ids[] (0 = none) from sql into
 * text_of[i] (and staff_only_of[i], may be NULL). */
static enum gw_result read_marked(struct store *s, const char *sql, const char *expr,
				  const int64_t *ids, size_t n, char **text_of,
				  int *staff_only_of, char **error_r)
{
	struct buf json = BUF_INIT;
	int64_t lo = INT64_MAX, hi = 0;
	sqlite3_stmt *st;
	int rc;

	buf_putc(&json, '[');
	for (size_t i = 0; i < n; i++) {
		if (ids[i] == 0)
			continue;
		buf_printf(&json, "%s%lld", json.len > 1 ? "," : "", (long long)ids[i]);
		lo = ids[i] < lo ? ids[i] : lo;
		hi = ids[i] > hi ? ids[i] : hi;
	}
	buf_putc(&json, ']');
	if (hi == 0) {
		buf_release(&json);
		return GW_OK;
	}
	st = store_db_q(s, sql, "siis", expr, lo, hi, buf_cstr(&json));
	rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW) {
		int64_t id = store_col_i64(st, 0);

		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			continue;  /* in the range, not on the page */
		for (size_t i = 0; i < n; i++) {
			if (ids[i] != id || text_of[i] != NULL)
				continue;
			text_of[i] = store_col_str(st, 1);
			if (staff_only_of != NULL)
				staff_only_of[i] = (int)store_col_i64(st, 2);
		}
	}
	if (st != NULL)
		sqlite3_reset(st);
	buf_release(&json);
	return rc == SQLITE_DONE ? GW_OK : store_db_fail(s, error_r, "search: marked text");
}

static enum gw_result read_last(struct store *s, struct store_search_hit *h, char **error_r)
{
	sqlite3_stmt *st = store_db_q(s, SQL_LAST_MESSAGE, "i", h->thread.id);
	int rc = st != NULL ? store_db_step(s, st) : s->last_rc;

	if (rc == SQLITE_ROW) {
		const unsigned char *body = sqlite3_column_text(st, 2);

		h->last_author_kind = store_kind_from_col(st, 0);
		h->last_author = store_col_str(st, 1);
		h->last_line = first_line(body != NULL ? (const char *)body : "");
		h->last_at = store_col_i64(st, 3);
		h->last_staff_only = (int)store_col_i64(st, 4);
		sqlite3_reset(st);
		return GW_OK;
	}
	if (rc == SQLITE_DONE) {
		h->last_author = xstrdup("");
		h->last_line = xstrdup("");
		return GW_OK;
	}
	return store_db_fail(s, error_r, "search: thread %lld", (long long)h->thread.id);
}

static enum gw_result read_hit(struct store *s, const struct store_search_filter *f,
			       const char *expr, const struct pick *p,
			       struct store_search_hit *h, char **error_r)
{
	enum gw_result r = store_thread_get(s, p->thread_id, f->staff_id != 0 ? STORE_STAFF : 0,
					    f->staff_id, &h->thread, error_r);

	if (r == GW_OK)
		r = read_last(s, h, error_r);
	if (expr != NULL && r == GW_OK) {
		h->matched = source_names[p->source >= 1 && p->source <= 4 ? p->source : 1];
		h->snippet_message_id = p->message_id;
	}
	return r;
}

/* The marks of the page's subjects and snippets (see SQL_SNIPPETS). */
static enum gw_result read_marks(struct store *s, const char *expr, struct pick *picks,
				 struct store_search_list *list, char **error_r)
{
	size_t n = list->count;
	int64_t *ids = xcalloc(n + 1, sizeof(*ids));
	char **text = xcalloc(n + 1, sizeof(*text));
	int *staff_only = xcalloc(n + 1, sizeof(*staff_only));
	enum gw_result r;

	for (size_t i = 0; i < n; i++)
		ids[i] = picks[i].thread_id;
	r = read_marked(s, SQL_SUBJECTS_MARKED, expr, ids, n, text, NULL, error_r);
	for (size_t i = 0; i < n; i++) {
		list->items[i].subject_marked = text[i];
		text[i] = NULL;
		ids[i] = picks[i].message_id;
	}
	if (r == GW_OK)
		r = read_marked(s, SQL_SNIPPETS, expr, ids, n, text, staff_only, error_r);
	for (size_t i = 0; i < n; i++) {
		list->items[i].snippet = text[i];
		list->items[i].snippet_staff_only = staff_only[i];
	}
	free(ids);
	free(text);
	free(staff_only);
	return r;
}

static const char SQL_ACCOUNT_SEEN[] =
	"SELECT 1 FROM accounts a WHERE a.id = ?1 AND (?2 = 0 OR "
	STORE_SQL_STAFF_SEES("?2", "a.id") ")";

static enum gw_result check_filter(struct store *s, const struct store_search_filter *f,
				   char **error_r)
{
	const char *q = f->query != NULL ? f->query : "";
	int64_t one;
	int rc;

	if (strlen(q) > STORE_SEARCH_QUERY_MAX)
		return store_fail(error_r, GW_INVALID, "query: longer than %d bytes",
				  STORE_SEARCH_QUERY_MAX);
	if (!utf8_valid(q, strlen(q)))
		return store_fail(error_r, GW_INVALID, "query: not UTF-8 text");
	if (f->staff_id == 0 && (f->assigned || f->following || f->unread))
		return store_fail(error_r, GW_INVALID, "%s: needs a staff member",
				  f->assigned ? "assigned" : f->following ? "following" : "unread");
	if (f->limit < 0 || f->limit > STORE_SEARCH_LIMIT_MAX)
		return store_fail(error_r, GW_INVALID, "limit: must be 1 to %d",
				  STORE_SEARCH_LIMIT_MAX);
	if (f->account_id == 0)
		return GW_OK;
	/* An account the staff member does not see reads like one that does
	 * not exist. */
	rc = store_db_int(s, SQL_ACCOUNT_SEEN, &one, "ii", f->account_id, f->staff_id);
	if (rc == SQLITE_DONE)
		return store_fail(error_r, GW_NOTFOUND, "account %lld: no such account",
				  (long long)f->account_id);
	if (rc != SQLITE_ROW)
		return store_db_fail(s, error_r, "account %lld", (long long)f->account_id);
	return GW_OK;
}

enum gw_result store_search(struct store *s, const struct store_search_filter *f,
			    struct store_search_list *list, char **error_r)
{
	struct pick *picks = NULL;
	size_t n = 0;
	char *expr = NULL;
	int blank_query = 1;
	enum gw_result r;

	memset(list, 0, sizeof(*list));
	for (const char *q = f->query != NULL ? f->query : ""; *q != '\0'; q++)
		blank_query &= blank(*q);
	if ((r = store_tx_begin(s, 0, error_r)) != GW_OK)
		return r;
	r = check_filter(s, f, error_r);
	if (r == GW_OK && !blank_query && (expr = store_search_expr(f->query)) == NULL)
		goto out;  /* punctuation only: nothing can match */
	if (r == GW_OK)
		r = pick_page(s, f, expr, &picks, &n, error_r);
	if (r == GW_OK && n > 0)
		list->items = xcalloc(n, sizeof(*list->items));
	for (size_t i = 0; r == GW_OK && i < n; i++) {
		r = read_hit(s, f, expr, &picks[i], &list->items[i], error_r);
		list->count = i + 1;
	}
	if (r == GW_OK && expr != NULL && n > 0)
		r = read_marks(s, expr, picks, list, error_r);
out:
	free(picks);
	free(expr);
	r = store_tx_end(s, r, error_r);
	if (r != GW_OK)
		store_search_list_free(list);
	return r;
}

void store_search_list_free(struct store_search_list *list)
{
	for (size_t i = 0; list->items != NULL && i < list->count; i++) {
		struct store_search_hit *h = &list->items[i];

		store_thread_clear(&h->thread);
		free(h->subject_marked);
		free(h->snippet);
		free(h->last_author);
		free(h->last_line);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

/* ---- accounts overview ---- */

static const char SQL_ACCOUNT_SUMMARIES[] =
	"SELECT a.id, a.name,"
	" (SELECT count(*) FROM threads t WHERE t.account_id = a.id AND t.archived_at IS NULL),"
	" (SELECT count(*) FROM threads t JOIN messages m ON m.thread_id = t.id"
	"  WHERE t.account_id = a.id AND t.archived_at IS NULL AND ?1 <> 0"
	"  AND m.id > coalesce((SELECT r.last_read_message_id FROM read_marks r"
	"   WHERE r.thread_id = t.id AND r.reader_kind = 'staff' AND r.reader_id = ?1), 0)"
	"  AND NOT (m.author_kind = 'staff' AND m.author_id = ?1)),"
	" (SELECT count(*) FROM contacts c WHERE c.account_id = a.id AND c.removed_at IS NULL),"
	" coalesce((SELECT max(t.last_message_at) FROM threads t WHERE t.account_id = a.id), 0),"
	" EXISTS (SELECT 1 FROM staff_accounts x WHERE x.staff_id = ?1 AND x.account_id = a.id)"
	" FROM accounts a WHERE ?1 = 0 OR " STORE_SQL_STAFF_SEES("?1", "a.id")
	" ORDER BY a.name, a.id";

enum gw_result store_account_summaries(struct store *s, int64_t staff_id,
				       struct store_account_summary_list *list,
				       char **error_r)
{
	size_t cap = 0;
	sqlite3_stmt *st;
	int rc;
	enum gw_result r;

	memset(list, 0, sizeof(*list));
	if ((r = store_tx_begin(s, 0, error_r)) != GW_OK)
		return r;
	st = store_db_q(s, SQL_ACCOUNT_SUMMARIES, "i", staff_id);
	rc = st != NULL ? SQLITE_ROW : s->last_rc;
	while (st != NULL && (rc = store_db_step(s, st)) == SQLITE_ROW) {
		struct store_account_summary *a =
			store_vec_push(&list->items, &list->count, &cap, sizeof(*list->items));

		a->id = store_col_i64(st, 0);
		a->name = store_col_str(st, 1);
		a->open_threads = store_col_i64(st, 2);
		a->unread = store_col_i64(st, 3);
		a->contacts = store_col_i64(st, 4);
		a->last_message_at = store_col_i64(st, 5);
		a->assigned = (int)store_col_i64(st, 6);
	}
	if (st != NULL)
		sqlite3_reset(st);
	r = rc == SQLITE_DONE ? GW_OK : store_db_fail(s, error_r, "accounts");
	r = store_tx_end(s, r, error_r);
	if (r != GW_OK)
		store_account_summary_list_free(list);
	return r;
}

void store_account_summary_list_free(struct store_account_summary_list *list)
{
	for (size_t i = 0; list->items != NULL && i < list->count; i++)
		free(list->items[i].name);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

/* ---- purge ---- */

static const char *const purge_sql[] = {
	"INSERT INTO messages_fts (messages_fts) VALUES ('optimize')",
	"INSERT INTO threads_fts (threads_fts) VALUES ('optimize')",
	"INSERT INTO accounts_fts (accounts_fts) VALUES ('optimize')",
	"INSERT INTO contacts_fts (contacts_fts) VALUES ('optimize')",
	"DELETE FROM search_purge",
};
static const char SQL_PURGE_DUE[] = "SELECT count(*) FROM search_purge";

enum gw_result store_search_purge_step(struct store *s, int *purged_r, char **error_r)
{
	int64_t due = 0;

	if (purged_r != NULL)
		*purged_r = 0;
	if (store_db_int(s, SQL_PURGE_DUE, &due, "") != SQLITE_ROW)
		return store_db_fail(s, error_r, "search index: purge");
	if (due == 0)
		return GW_OK;
	for (size_t i = 0; i < GW_ARRAY_SIZE(purge_sql); i++)
		if (store_db_exec(s, purge_sql[i], "") != SQLITE_OK)
			return store_db_fail(s, error_r, "search index: purge");
	if (purged_r != NULL)
		*purged_r = 1;
	return GW_OK;
}

enum gw_result store_search_purge(struct store *s, int *purged_r, char **error_r)
{
	enum gw_result r = store_tx_begin(s, 1, error_r);

	if (r != GW_OK)
		return r;
	r = store_search_purge_step(s, purged_r, error_r);
	return store_tx_end(s, r, error_r);
}
