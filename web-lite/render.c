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

	buf_puts(out, "<!doctype html>\n<html lang=\"en\"");
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
		buf_puts(out, "<a class=\"who\" href=\"/sessions\" title=\"Your sessions\">");
		buf_html_escape(out, r->sess.name);
		buf_puts(out, "</a><form class=\"inline\" method=\"post\" action=\"/logout\">");
		web_render_csrf(r, out);
		buf_puts(out, "<button class=\"link\" type=\"submit\">Sign out</button></form>");
	}
	buf_puts(out, "</div></header>\n<main class=\"wrap\">");
	web_render_flash(r, out);
	buf_append(out, main->data, main->len);
	buf_puts(out, "</main>\n<footer class=\"wrap foot\">");
	buf_html_escape(out, firm);
	buf_puts(out, " \xc2\xb7 secure client chat</footer></body></html>\n");
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
	    p->reader_id == r->sess.id && p->generation == generation) {
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

/* UTC calendar fields without gmtime_r()'s locking (days-from-civil
 * inverted, proleptic Gregorian). */
struct civil {
	int year, month, day, hour, min, sec;
};

static void civil_from_unix(int64_t t, struct civil *c)
{
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t secs = t - days * 86400;
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	c->year = (int)(yoe + era * 400 + (c->month <= 2));
	c->hour = (int)(secs / 3600);
	c->min = (int)(secs / 60 % 60);
	c->sec = (int)(secs % 60);
}

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

void web_render_time(struct buf *out, int64_t t)
{
	struct civil c;

	civil_from_unix(t, &c);
	buf_printf(out, "<time datetime=\"%04d-%02d-%02dT%02d:%02d:%02dZ\">"
			"%d %s %d, %02d:%02d UTC</time>",
		   c.year, c.month, c.day, c.hour, c.min, c.sec,
		   c.day, months[c.month - 1], c.year, c.hour, c.min);
}

void web_render_date(struct buf *out, int64_t t)
{
	struct civil c;

	civil_from_unix(t, &c);
	buf_printf(out, "%d %s %d", c.day, months[c.month - 1], c.year);
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
	if (!rem->enabled) {
		buf_puts(out, "Reminders are off");
		return;
	}
	if (rem->remaining <= 0 || rem->next_due <= 0) {
		buf_puts(out, "Reminders are on; none pending");
		return;
	}
	buf_printf(out, "%d reminder%s left, every %d day%s, next on ", rem->remaining,
		   rem->remaining == 1 ? "" : "s", rem->days, rem->days == 1 ? "" : "s");
	web_render_date(out, rem->next_due);
}

void web_render_size(struct buf *out, int64_t size)
{
	if (size < 1024)
		buf_printf(out, "%lld bytes", (long long)size);
	else if (size < 1024 * 1024)
		buf_printf(out, "%.1f KB", (double)size / 1024.0);
	else
		buf_printf(out, "%.1f MB", (double)size / (1024.0 * 1024.0));
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
