/*
 * search_json.c - see search_json.h.
 */
#include "search_json.h"

#include "buf.h"
#include "store.h"

/* Text with the search's match marks: HTML-escaped with <mark>, or plain. */
static json_t *marked(const char *s, int html)
{
	struct buf b = BUF_INIT;
	json_t *v;

	if (s == NULL)
		return json_null();
	if (html)
		buf_html_escape_marked(&b, s);
	else
		buf_unmarked(&b, s);
	v = json_string(buf_cstr(&b));
	buf_release(&b);
	return v != NULL ? v : json_null();
}

json_t *search_json_hit(const struct store_search_hit *h, json_t *thread, json_t *last_at)
{
	json_t *o = json_object();

	json_object_set_new(o, "thread", thread);
	json_object_set_new(o, "matched", h->matched != NULL ? json_string(h->matched)
							     : json_null());
	json_object_set_new(o, "subject_html", marked(h->subject_marked, 1));
	json_object_set_new(o, "snippet", marked(h->snippet, 0));
	json_object_set_new(o, "snippet_html", marked(h->snippet, 1));
	json_object_set_new(o, "snippet_message_id", h->snippet_message_id != 0
							     ? json_integer(h->snippet_message_id)
							     : json_null());
	json_object_set_new(o, "snippet_visibility",
			    h->snippet == NULL ? json_null()
			    : json_string(h->snippet_staff_only ? "staff" : "client"));
	json_object_set_new(o, "last_message",
			    json_pack("{s:s, s:s, s:s, s:o, s:s}",
				      "author_kind", h->last_author_kind != 0
						     ? store_kind_name(h->last_author_kind)
						     : "system",
				      "author_name", h->last_author != NULL ? h->last_author : "",
				      "first_line", h->last_line != NULL ? h->last_line : "",
				      "created_at", last_at,
				      "visibility", h->last_staff_only ? "staff" : "client"));
	return o;
}
