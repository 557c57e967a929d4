/*
 * render.c - the pieces every page is built from: the layout around a
 * page, CommonMark bodies (rendered once per message and kept), times,
 * the CSRF field, the reminder bell and its schedule.
 *
 * Everything that came from a user goes through buf_html_escape() or
 * cmark with raw HTML off (CMARK_OPT_UNSAFE is never set).
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmark.h>
#include <event2/buffer.h>

#include "clock.h"
#include "i18n.h"

#define MD_OPTIONS (CMARK_OPT_DEFAULT | CMARK_OPT_HARDBREAKS | CMARK_OPT_VALIDATE_UTF8)

/* The firm's name is read at most once a second: it is on every page and
 * changes about never. */
char *web_firm_name(struct web_req *r)
{
	struct web *web = r->web;
	int64_t now = clock_monotonic_ms();
	struct store_firm firm;
	char *name = NULL;

	pthread_mutex_lock(&web->cache_mu);
	if (web->firm_name != NULL && now - web->firm_read_ms < 1000)
		name = xstrdup(web->firm_name);
	pthread_mutex_unlock(&web->cache_mu);
	if (name != NULL)
		return name;
	memset(&firm, 0, sizeof(firm));
	if (store_firm_get(r->store, &firm, NULL) == GW_OK && firm.name != NULL &&
	    firm.name[0] != '\0')
		name = xstrdup(firm.name);
	else
		name = xstrdup(web->firm_fallback);
	store_firm_clear(&firm);
	pthread_mutex_lock(&web->cache_mu);
	free(web->firm_name);
	web->firm_name = xstrdup(name);
	web->firm_read_ms = now;
	pthread_mutex_unlock(&web->cache_mu);
	return name;
}

void web_render_csrf(struct web_req *r, struct buf *out)
{
	buf_puts(out, "<input type=\"hidden\" name=\"csrf\" value=\"" WEB_CSRF_MARK "\">");
}

void web_render_layout(struct web_req *r, struct buf *out, const char *title,
		       const struct buf *main)
{
	char *firm = web_firm_name(r);
	const char *v = r->web->asset_version;
	unsigned frames = main->data != NULL ? web_video_hosts(main->data, main->len) : 0;

	buf_printf(out, "<!doctype html>\n<html lang=\"%s\"", i18n_lang());
	/* The hosts this page may frame: a player that a live update brings
	 * from another host opens its link instead (static/app.js). */
	if (frames != 0) {
		char *keys = web_video_keys(frames);

		buf_printf(out, " data-frames=\"%s\"", keys);
		free(keys);
	}
	buf_puts(out, "><head><meta charset=\"utf-8\">"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		      "<meta name=\"referrer\" content=\"no-referrer\"><title>");
	buf_html_escape(out, title);
	buf_puts(out, " \xc2\xb7 ");
	buf_html_escape(out, firm);
	buf_printf(out, "</title><link rel=\"icon\" href=\"/static/icon.svg?v=%s\">"
			"<link rel=\"stylesheet\" href=\"/static/app.css?v=%s\">"
			"<script src=\"/static/app.js?v=%s\" defer></script></head>\n"
			"<body><header class=\"bar\"><div class=\"wrap\">"
			"<a class=\"brand\" href=\"/\"><img src=\"/static/icon.svg?v=%s\" "
			"alt=\"\" width=\"24\" height=\"24\"><span>", v, v, v, v);
	buf_html_escape(out, firm);
	buf_puts(out, "</span></a>");
	if (r->sess.kind != 0) {
		web_render_inbox_link(r, out);
		buf_printf(out, "<a class=\"who\" href=\"/sessions\" title=\"%s\">", _("Your sessions"));
		buf_html_escape(out, r->sess.name);
		buf_printf(out, "</a><a class=\"lang\" href=\"/me/language\" title=\"%s\">%s</a>",
			   _("Language and time zone"), _("Language"));
		buf_puts(out, "<form class=\"inline\" method=\"post\" action=\"/logout\">");
		web_render_csrf(r, out);
		buf_printf(out, "<button class=\"link\" type=\"submit\">%s</button></form>", _("Sign out"));
	}
	buf_puts(out, "</div></header>\n<main class=\"wrap\">");
	web_render_flash(r, out);
	buf_append(out, main->data, main->len);
	buf_puts(out, "</main>\n<footer class=\"wrap foot\">");
	buf_html_escape(out, firm);
	buf_puts(out, " \xc2\xb7 ");
	buf_html_escape(out, _("secure client chat"));
	buf_puts(out, "</footer></body></html>\n");
	free(firm);
}

void web_render_markdown(struct web *web, int64_t id, const char *text, struct buf *out)
{
	struct web_md_slot *slot = id > 0 ? &web->md[id % WEB_MD_SLOTS] : NULL;
	char *html;

	if (slot != NULL) {
		int hit;

		pthread_mutex_lock(&web->cache_mu);
		hit = slot->id == id && slot->html != NULL;
		if (hit)
			buf_append(out, slot->html, slot->len);
		pthread_mutex_unlock(&web->cache_mu);
		if (hit)
			return;
	}
	/* Rendered outside the lock: other workers go on meanwhile. */
	html = cmark_markdown_to_html(text, strlen(text), MD_OPTIONS);
	if (html == NULL)
		return;
	buf_puts(out, html);
	if (slot == NULL) {
		free(html);
		return;
	}
	pthread_mutex_lock(&web->cache_mu);
	free(slot->html);
	slot->id = id;
	slot->html = html;
	slot->len = strlen(html);
	pthread_mutex_unlock(&web->cache_mu);
}

static struct web_page_slot *page_slot(struct web *web, int64_t thread_id,
				       enum store_kind kind, int64_t reader_id)
{
	uint64_t h = (uint64_t)thread_id * 0x9e3779b97f4a7c15ULL ^
		     ((uint64_t)reader_id << 1 | (kind == STORE_STAFF));

	return &web->pages[(h ^ h >> 29) % WEB_PAGE_SLOTS];
}

static void page_unref(struct web_page *pg)
{
	if (pg != NULL && atomic_fetch_sub(&pg->refs, 1) == 1) {
		free(pg->marks);
		free(pg);
	}
}

/* evbuffer's cleanup of a reference into a page. */
static void page_ref_done(const void *data, size_t len, void *arg)
{
	GW_UNUSED(data);
	GW_UNUSED(len);
	page_unref(arg);
}

/* The page with this session's CSRF token in place of the marks: the
 * page's bytes go by reference, only the tokens are copied. */
static void send_page(struct web_req *r, struct web_page *pg)
{
	const size_t mlen = sizeof(WEB_CSRF_MARK) - 1;
	char token[LINK_TOKEN_MAX];
	struct evbuffer *out;
	size_t at = 0, tlen;

	web_csrf_token(r, token);
	tlen = strlen(token);
	if ((out = web_send_body(r, 200, "text/html; charset=utf-8")) == NULL)
		return;
	for (size_t i = 0; i <= pg->n_marks; i++) {
		size_t end = i < pg->n_marks ? pg->marks[i] : pg->len;

		if (end > at) {
			atomic_fetch_add(&pg->refs, 1);
			if (evbuffer_add_reference(out, pg->html + at, end - at, page_ref_done,
						   pg) < 0)
				page_unref(pg);
		}
		if (i < pg->n_marks) {
			evbuffer_add(out, token, tlen);
			at = end + mlen;
		}
	}
}

int web_page_cache_send(struct web_req *r, int64_t thread_id, uint64_t generation)
{
	struct web *web = r->web;
	const struct web_page_slot *p = page_slot(web, thread_id, r->sess.kind, r->sess.id);
	struct web_page *pg = NULL;

	pthread_mutex_lock(&web->cache_mu);
	if (p->page != NULL && p->thread_id == thread_id && p->kind == r->sess.kind &&
	    p->reader_id == r->sess.id && p->generation == generation &&
	    strcmp(p->lang, i18n_lang()) == 0 && strcmp(p->zone, i18n_zone()) == 0) {
		pg = p->page;
		atomic_fetch_add(&pg->refs, 1);
	}
	pthread_mutex_unlock(&web->cache_mu);
	if (pg == NULL)
		return 0;
	send_page(r, pg);
	page_unref(pg);
	return 1;
}

void web_page_cache_put(struct web *web, int64_t thread_id, enum store_kind kind,
			int64_t reader_id, uint64_t generation, const struct buf *page)
{
	struct web_page_slot *p = page_slot(web, thread_id, kind, reader_id);
	struct web_page *pg = xmalloc(sizeof(*pg) + page->len + 1), *old;

	atomic_init(&pg->refs, 1);
	memcpy(pg->html, page->data, page->len + 1);
	pg->len = page->len;
	pg->n_marks = web_find_marks(pg->html, pg->len, &pg->marks);
	pthread_mutex_lock(&web->cache_mu);
	old = p->page;
	p->page = pg;
	p->thread_id = thread_id;
	p->kind = kind;
	p->reader_id = reader_id;
	/* written on this thread, for its reader */
	snprintf(p->lang, sizeof(p->lang), "%s", i18n_lang());
	snprintf(p->zone, sizeof(p->zone), "%s", i18n_zone());
	p->generation = generation;
	pthread_mutex_unlock(&web->cache_mu);
	page_unref(old);
}

void web_page_cache_clear(struct web *web)
{
	for (size_t i = 0; i < WEB_PAGE_SLOTS; i++) {
		page_unref(web->pages[i].page);
		web->pages[i].page = NULL;
	}
}

void web_session_cache_clear(struct web *web)
{
	for (size_t i = 0; i < WEB_SESS_SLOTS; i++) {
		free(web->sessions[i].name);
		memset(&web->sessions[i], 0, sizeof(web->sessions[i]));
	}
}

void web_md_cache_clear(struct web *web)
{
	for (size_t i = 0; i < WEB_MD_SLOTS; i++) {
		free(web->md[i].html);
		web->md[i].html = NULL;
		web->md[i].id = 0;
	}
}

static void civil_utc(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, tm) == NULL)
		memset(tm, 0, sizeof(*tm));
}

/* The machine-readable datetime stays UTC; the words are the reader's,
 * in their zone, named when it is not the firm's. */
void web_render_time(struct buf *out, int64_t t)
{
	struct tm tm;
	char shown[96];

	civil_utc(t, &tm);
	i18n_format_date(t, I18N_DATETIME | I18N_ZONE_IF_OTHER, shown, sizeof(shown));
	buf_printf(out, "<time datetime=\"%04d-%02d-%02dT%02d:%02d:%02dZ\">",
		   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	buf_html_escape(out, shown);
	buf_puts(out, "</time>");
}

void web_render_date(struct buf *out, int64_t t)
{
	char shown[96];

	i18n_format_date(t, I18N_DATE, shown, sizeof(shown));
	buf_html_escape(out, shown);
}

void web_render_bell(struct buf *out)
{
	buf_puts(out, "<svg class=\"bell\" viewBox=\"0 0 24 24\" width=\"18\" height=\"18\" "
		      "aria-hidden=\"true\"><path d=\"M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 "
		      "2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5-6.71V3.5a2 2 0 0 0-4 0v.79A7 7 "
		      "0 0 0 5 11v5l-2 2v1h18v-1z\"/></svg>");
}

void web_render_schedule(struct buf *out, const struct store_reminders *rem)
{
	char next[96];

	if (!rem->enabled) {
		buf_html_escape(out, _("Reminders are off"));
		return;
	}
	if (rem->remaining <= 0 || rem->next_due <= 0) {
		buf_html_escape(out, _("Reminders are on; none pending"));
		return;
	}
	i18n_format_date(rem->next_due, I18N_DATE, next, sizeof(next));
	buf_printf(out, ngettext("%d reminder left", "%d reminders left", rem->remaining),
		   rem->remaining);
	buf_puts(out, ", ");
	buf_printf(out, ngettext("every %d day", "every %d days", rem->days), rem->days);
	buf_puts(out, ", ");
	buf_printf(out, _("next on %s"), next);
}

void web_render_size(struct buf *out, int64_t size)
{
	if (size < 1024)
		buf_printf(out, ngettext("%lld byte", "%lld bytes", (unsigned long)size),
			   (long long)size);
	else if (size < 1024 * 1024)
		buf_printf(out, _("%.1f KB"), (double)size / 1024.0);
	else
		buf_printf(out, _("%.1f MB"), (double)size / (1024.0 * 1024.0));
}

void web_say2(struct buf *out, const char *fmt, const char *v1, const char *v2)
{
	const char *vals[2] = { v1, v2 };
	int next = 0;

	for (const char *p = fmt; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 's') {
			if (next < 2 && vals[next] != NULL)
				buf_html_escape(out, vals[next]);
			next++;
			p++;
		} else if (p[0] == '%' && p[1] >= '1' && p[1] <= '2' && p[2] == '$' &&
			   p[3] == 's') {
			/* a translation that reorders: %2$s */
			if (vals[p[1] - '1'] != NULL)
				buf_html_escape(out, vals[p[1] - '1']);
			p += 3;
		} else if (p[0] == '%' && p[1] == '%') {
			buf_putc(out, '%');
			p++;
		} else {
			buf_putc(out, *p);
		}
	}
}

void web_say(struct buf *out, const char *fmt, const char *value)
{
	web_say2(out, fmt, value, NULL);
}

/* A translated sentence with its %s filled in, escaped into an attribute. */
static void attr_text(struct buf *o, const char *name, const char *text)
{
	buf_printf(o, " %s=\"", name);
	buf_html_escape(o, text);
	buf_putc(o, '"');
}

void web_render_attach(struct web_req *r, struct buf *o, const char *id)
{
	char *file = upload_size_text(r->web->max_upload);
	char *post = upload_size_text(r->web->max_body);
	char *hint;

	/* The limits ride along for app.js, which checks sizes before the
	 * body is sent (and names the file that is too large); the server
	 * checks them again, with or without script. */
	buf_printf(o, "<div class=\"drop\" data-max-upload=\"%lld\" data-max-post=\"%lld\" "
		      "data-max-files=\"%d\"", (long long)r->web->max_upload,
		   (long long)r->web->max_body, STORE_POST_MAX_FILES);
	attr_text(o, "data-too-big", _("The file \"%s\" is larger than %s, the limit for one "
				       "file. Choose a smaller file; your text is kept."));
	attr_text(o, "data-too-much", _("These files together are larger than %s, the limit "
					"for one message. Send some of them in another "
					"message; your text is kept."));
	attr_text(o, "data-too-many", _("A message can carry at most %s files."));
	attr_text(o, "data-empty", _("The file \"%s\" is empty."));
	attr_text(o, "data-none", _("Attach files"));
	attr_text(o, "data-some", _("%s files chosen"));
	buf_printf(o, "><label class=\"attach\" for=\"%s\"><input type=\"file\" id=\"%s\" "
		      "name=\"file\" multiple aria-describedby=\"%s-hint\"><span>", id, id, id);
	buf_html_escape(o, _("Attach files"));
	/* A folder: its files keep their paths (attachments.folder). */
	buf_printf(o, "</span></label><label class=\"attach\" for=\"%s-folder\"><input "
		      "type=\"file\" id=\"%s-folder\" name=\"folder\" webkitdirectory multiple "
		      "aria-describedby=\"%s-hint\"><span>", id, id, id);
	buf_html_escape(o, _("Attach a folder"));
	buf_printf(o, "</span></label><p class=\"hint\" id=\"%s-hint\">", id);
	hint = xasprintf(_("Up to %d files, %s each and %s in all. You can also drop files "
			   "here."), STORE_POST_MAX_FILES, file, post);
	buf_html_escape(o, hint);
	buf_printf(o, "</p><ul class=\"chosenlist\" id=\"%s-list\"></ul>"
		      "<p class=\"uploaderror\" id=\"%s-error\" role=\"alert\" hidden></p></div>",
		   id, id);
	free(hint);
	free(file);
	free(post);
}
