/*
 * ctl_search.c - `gatewayctl search QUERY...`: the staff's search
 * (store/search.h) from the command line.  The words are joined by
 * blanks and taken literally; --staff shows what one staff member sees
 * (and makes --assigned, --following and --unread theirs), otherwise the
 * firm searches everything.  Text output marks matched words [like so];
 * --json gives the API's search records.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ctl.h"
#include "search.h"
#include "search_json.h"

static json_t *hit_json(const struct store_search_hit *h)
{
	return search_json_hit(h, ctl_json_thread(&h->thread), ctl_json_time(h->last_at));
}

/* The marks as [ and ], for a terminal. */
static char *bracketed(const char *s)
{
	struct buf b = BUF_INIT;

	for (; s != NULL && *s != '\0'; s++)
		buf_putc(&b, *s == STORE_MARK_ON[0] ? '[' : *s == STORE_MARK_OFF[0] ? ']' : *s);
	return buf_detach(&b);
}

static int parse_filter(struct ctl *c, const struct ctl_args *a, struct store_search_filter *f)
{
	const char *v;
	int rc;

	if ((v = ctl_opt(a, "--staff")) != NULL &&
	    (rc = ctl_parse_id(c, "--staff", "a staff id", v, &f->staff_id)) != 0)
		return rc;
	if ((v = ctl_opt(a, "--account")) != NULL &&
	    (rc = ctl_parse_id(c, "--account", "an account id", v, &f->account_id)) != 0)
		return rc;
	if ((v = ctl_opt(a, "--limit")) != NULL) {
		int64_t n;

		if ((rc = ctl_parse_int(c, "--limit", v, 1, STORE_SEARCH_LIMIT_MAX, &n)) != 0)
			return rc;
		f->limit = (int)n;
	}
	f->archived = STORE_ARCHIVED_ANY;
	if ((v = ctl_opt(a, "--archived")) != NULL) {
		if (strcmp(v, "open") == 0)
			f->archived = STORE_ARCHIVED_NO;
		else if (strcmp(v, "archived") == 0)
			f->archived = STORE_ARCHIVED_ONLY;
		else if (strcmp(v, "all") != 0)
			return ctl_usage(c, "--archived: '%s' is not open, archived or all", v);
	}
	f->assigned = ctl_flag(a, "--assigned") > 0;
	f->following = ctl_flag(a, "--following") > 0;
	f->unread = ctl_flag(a, "--unread") > 0;
	f->reminders = ctl_flag(a, "--reminders") > 0;
	if (f->staff_id == 0 && (f->assigned || f->following || f->unread))
		return ctl_usage(c, "--%s needs --staff: whose?",
				 f->assigned ? "assigned" : f->following ? "following" : "unread");
	return 0;
}

static void print_text(const struct store_search_list *l)
{
	static const char *const head[] = { "ID", "ACCOUNT", "STATUS", "MATCHED",
					     "LAST-MESSAGE", "SUBJECT", "SNIPPET" };
	struct ctl_table t;
	char tbuf[CTL_TIME_MAX];

	ctl_table_init(&t, GW_ARRAY_SIZE(head), head);
	for (size_t i = 0; i < l->count; i++) {
		const struct store_search_hit *h = &l->items[i];
		char *subject = bracketed(h->subject_marked != NULL ? h->subject_marked
								  : h->thread.subject);
		char *snippet = bracketed(h->snippet != NULL ? h->snippet : h->last_line);

		ctl_table_cell(&t, "%lld", (long long)h->thread.id);
		ctl_table_cell(&t, "%s (%lld)", h->thread.account_name,
			       (long long)h->thread.account_id);
		ctl_table_cell(&t, "%s", h->thread.archived ? "archived" : "open");
		ctl_table_cell(&t, "%s", h->matched != NULL ? h->matched : "-");
		ctl_table_cell(&t, "%s", ctl_time(h->last_at, tbuf));
		ctl_table_cell(&t, "%s", subject);
		ctl_table_cell(&t, "%s%s", h->snippet != NULL && h->snippet_staff_only
					   ? "(internal note) " : "", snippet);
		free(subject);
		free(snippet);
	}
	ctl_table_print(&t, stdout);
}

int ctl_cmd_search(struct ctl *c, const struct ctl_args *a)
{
	struct store_search_filter f = { 0 };
	struct store_search_list list = { 0 };
	struct buf q = BUF_INIT;
	char *error = NULL;
	enum gw_result r;
	int rc;

	for (int i = 0; i < a->npos; i++) {
		if (i > 0)
			buf_putc(&q, ' ');
		buf_puts(&q, a->pos[i]);
	}
	f.query = buf_cstr(&q);
	if ((rc = parse_filter(c, a, &f)) != 0) {
		buf_release(&q);
		return rc;
	}
	r = store_search(c->store, &f, &list, &error);
	buf_release(&q);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < list.count; i++)
			json_array_append_new(arr, hit_json(&list.items[i]));
		ctl_json_print(arr);
	} else {
		print_text(&list);
	}
	store_search_list_free(&list);
	return 0;
}
