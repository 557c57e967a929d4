/*
 * mentions.c - @mentions in the pages: marking them in a message's HTML,
 * and the list of colleagues the reply form suggests.
 *
 * The store decides what a mention is (store/notify.c) and keeps who a
 * message mentions; here the rendered HTML only shows it.  Staff see
 * "@Name" marked; a client sees the plain name, with no "@", no mark and
 * nothing else: the colleague's name is what the author wrote to them,
 * and how the firm routes its work is not the client's business.
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c >= 0x80;
}

/* Length of the HTML-escaped name at p (case-insensitive, ending at a word
 * boundary), 0 if it is not there. */
static size_t name_at(const char *p, const char *end, const char *name, size_t n)
{
	struct buf esc = BUF_INIT;
	size_t len;

	if (n == 0)
		return 0;
	buf_html_escape_n(&esc, name, n);
	len = esc.len;
	if ((size_t)(end - p) < len || strncasecmp(p, esc.data, len) != 0 ||
	    (p + len < end && word_char((unsigned char)p[len])))
		len = 0;
	buf_release(&esc);
	return len;
}

/* The longest full name, else a first name, of names (one a line) at p. */
static size_t mention_len(const char *p, const char *end, const char *names)
{
	size_t best = 0;

	for (int first = 0; first < 2 && best == 0; first++) {
		for (const char *n = names; *n != '\0';) {
			size_t line = strcspn(n, "\n");
			size_t use = first ? strcspn(n, " \t\n") : line;
			size_t l = use < line || !first ? name_at(p, end, n, use) : 0;

			if (l > best)
				best = l;
			n += line + (n[line] == '\n');
		}
	}
	return best;
}

void web_render_mentions(const char *html, size_t len, const char *names, int staff,
			 struct buf *out)
{
	const char *p = html, *end = html + len, *run = html;
	int in_tag = 0, in_code = 0;

	if (names == NULL || names[0] == '\0') {
		buf_append(out, html, len);
		return;
	}
	for (; p < end; p++) {
		size_t l;

		if (*p == '<') {
			in_tag = 1;
			/* the store reads no mention in code: neither do we */
			if ((size_t)(end - p) >= 6 && strncmp(p, "<code", 5) == 0)
				in_code = 1;
			else if ((size_t)(end - p) >= 7 && strncmp(p, "</code", 6) == 0)
				in_code = 0;
		} else if (*p == '>') {
			in_tag = 0;
		}
		if (in_tag || in_code || *p != '@' || (p > html && word_char((unsigned char)p[-1])))
			continue;
		if ((l = mention_len(p + 1, end, names)) == 0)
			continue;
		buf_append(out, run, (size_t)(p - run));
		if (staff) {
			buf_puts(out, "<span class=\"mention\">");
			buf_append(out, p, l + 1);
			buf_puts(out, "</span>");
		} else {
			buf_append(out, p + 1, l);
		}
		p += l;
		run = p + 1;
	}
	buf_append(out, run, (size_t)(end - run));
}

void web_render_mention_list(struct web_req *r, struct buf *o, int64_t account_id)
{
	struct store_staff_list all = { 0 }, assigned = { 0 };

	if (r->sess.kind != STORE_STAFF ||
	    store_staff_list(r->store, &all, NULL) != GW_OK ||
	    store_staff_assigned(r->store, account_id, &assigned, NULL) != GW_OK)
		goto out;
	/* Who can be mentioned, and whether they see this account. */
	/* the script's words come from the page, in the reader's language */
	buf_printf(o, "<datalist id=\"mentionlist\" data-not-here=\"%s\">",
		   _("not on this account"));
	for (size_t i = 0; i < all.count; i++) {
		const struct store_staff *s = &all.items[i];
		int sees = s->role == STORE_ROLE_OWNER || s->role == STORE_ROLE_ADMIN ||
			   s->view_all;

		for (size_t k = 0; !sees && k < assigned.count; k++)
			sees = assigned.items[k].id == s->id;
		if (s->id == r->sess.id)
			continue;
		buf_puts(o, "<option value=\"");
		buf_html_escape(o, s->name);
		buf_printf(o, "\" data-sees=\"%d\"></option>", sees);
	}
	buf_puts(o, "</datalist>");
out:
	store_staff_list_free(&all);
	store_staff_list_free(&assigned);
}
