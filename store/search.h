/*
 * search.h - finding chats: the staff's search over subjects, messages,
 * account names and contact names (SQLite FTS5), the filtered lists of
 * the staff's home page, and the accounts overview.
 *
 * Who sees what.  Every list here holds only what the staff member may
 * see (STORE_SQL_STAFF_SEES in store_int.h, the one rule every staff
 * list follows); staff_id 0 is the firm itself (gatewayctl, the API
 * without a staff member), which sees everything.  Staff see internal
 * notes, so notes are searched like any message; contacts have no search.
 * An account filter naming an account the staff member does not see is
 * GW_NOTFOUND with the same words as an account that does not exist.
 *
 * The query is text, never FTS5 syntax: it is cut at blanks into words,
 * each word is matched literally (quotes, *, -, NEAR, AND, OR, NOT,
 * parentheses and colons are characters like any other) as the start of
 * a word in the text ("invoice" finds "invoices"), and a thread matches
 * when one of its messages, its subject, its account's name or the name
 * of one of its account's contacts holds every word.  Case and accents
 * do not count.
 *
 * The index follows the rows through triggers (schema migration 13), so
 * a post, a person erase or a retention run changes it in the same
 * transaction; store_search_purge() then merges the index so that no
 * deleted term stays in it.
 */
#ifndef GW_STORE_SEARCH_H
#define GW_STORE_SEARCH_H

#include <stdint.h>

#include "store.h"

/* Around each matched word in subject_marked and snippet: bytes that
 * no stored text holds (the store refuses control characters), for the
 * renderer to turn into its own markup after escaping the rest
 * (buf_html_escape_marked() and buf_unmarked() in common/buf.h). */
#define STORE_MARK_ON "\x01"
#define STORE_MARK_OFF "\x02"

#define STORE_SEARCH_QUERY_MAX 200   /* bytes of query text */
#define STORE_SEARCH_WORDS_MAX 16    /* words of a query; more are ignored */
#define STORE_SEARCH_LIMIT_MAX 500

struct store_search_filter {
	int64_t staff_id;           /* 0 = the firm: everything */
	const char *query;          /* NULL or blank: the filters alone */
	int64_t account_id;         /* 0 = any account */
	int assigned;               /* accounts assigned to staff_id */
	int following;              /* threads staff_id follows */
	int unread;                 /* threads with news for staff_id */
	int reminders;              /* threads whose reminders are running */
	enum store_archived_filter archived;
	int limit;                  /* 0 = 50 */
	int offset;
};

struct store_search_hit {
	struct store_thread thread;  /* unread_count for staff_id */
	char *subject_marked;        /* subject with marks; NULL: no word in it */
	char *snippet;               /* words around the match in the newest
					matching message, with marks; NULL: none */
	int64_t snippet_message_id;
	int snippet_staff_only;      /* that message is an internal note */
	const char *matched;         /* "message", "subject", "account",
					"contact" (static); NULL without query */
	/* the thread's last message, as staff see it */
	enum store_kind last_author_kind;
	char *last_author;           /* "" for the system */
	char *last_line;             /* its first line of text, cut short */
	int64_t last_at;
	int last_staff_only;
};

struct store_search_list {
	struct store_search_hit *items;
	size_t count;
};

/*
 * The threads that match.  Without a query, newest activity first; with
 * one, the newest matching message first (a thread found by its subject,
 * account or contact name counts with its newest message).  assigned, following
 * and unread need a staff member (GW_INVALID naming the filter
 * otherwise); a query over STORE_SEARCH_QUERY_MAX bytes or not UTF-8 is
 * GW_INVALID ("query: ...").  A query without any word (blank, or only
 * punctuation) lists by the filters alone when blank and finds nothing
 * otherwise.
 */
enum gw_result store_search(struct store *store, const struct store_search_filter *f,
			    struct store_search_list *list_r, char **error_r);
void store_search_list_free(struct store_search_list *list);

/*
 * The FTS5 expression of a query (malloc'd): each word double-quoted
 * (inner quotes doubled) with a trailing "*", joined by blanks; NULL when
 * the query holds no word.
 */
char *store_search_expr(const char *query);

/* One account as the accounts page shows it. */
struct store_account_summary {
	int64_t id;
	char *name;
	int64_t open_threads;       /* not archived */
	int64_t unread;             /* messages new to staff_id in open threads */
	int64_t contacts;           /* not removed */
	int64_t last_message_at;    /* 0 = no thread */
	int assigned;               /* assigned to staff_id */
};
struct store_account_summary_list {
	struct store_account_summary *items;
	size_t count;
};
/* Every account staff_id sees (0 = all), by name. */
enum gw_result store_account_summaries(struct store *store, int64_t staff_id,
				       struct store_account_summary_list *list_r,
				       char **error_r);
void store_account_summary_list_free(struct store_account_summary_list *list);

/*
 * When rows were deleted or rewritten since the last purge, merge every
 * search index into one segment: the terms of deleted rows, which FTS5
 * otherwise keeps until a later merge, leave the index.  Runs inside the
 * caller's write transaction (or its own); *purged_r (may be NULL) is 1
 * when it merged.  Person erase and retention call it.
 */
enum gw_result store_search_purge(struct store *store, int *purged_r, char **error_r);

#endif
