/*
 * page_documents.c - the Documents pages: every file of a thread
 * (GET /t/ID/documents) or of an account (GET /accounts/ID/documents for
 * staff who see the account, GET /documents for a client: their own
 * account), grouped by folder, with who sent each and when, a download
 * link per file and, per thread, the whole thread as one zip
 * (GET /t/ID/documents.zip, zipstream.c).  Also the file lists of the
 * thread page, grouped by folder the same way.
 *
 * What a reader sees is the store's decision (store_documents_*): a client
 * never gets a file of an internal note, nor a thread of another account.
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "log.h"

static const char FOLDER_SVG[] =
	"<svg viewBox=\"0 0 24 24\" width=\"18\" height=\"18\" aria-hidden=\"true\">"
	"<path d=\"M10 4H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V8a2 2 0 0 "
	"0-2-2h-8l-2-2z\"/></svg>";

/* Why a zip was kept whole, in the reader's words. */
static const char *note_text(const char *note)
{
	switch (zip_note_from_name(note)) {
	case ZIP_NOTE_ENCRYPTED:
		return _("Kept as a zip file: it is encrypted, so it could not be unpacked.");
	case ZIP_NOTE_DAMAGED:
		return _("Kept as a zip file: it is damaged, so it could not be unpacked.");
	case ZIP_NOTE_EMPTY:
		return _("Kept as a zip file: it holds no files.");
	case ZIP_NOTE_NONE:
		break;
	}
	return NULL;
}

static void render_note(struct buf *o, const struct store_attachment *a)
{
	const char *text = note_text(a->zip_note);

	if (text == NULL)
		return;
	buf_puts(o, "<span class=\"znote\">");
	buf_html_escape(o, text);
	buf_puts(o, "</span>");
}

static void folder_heading(struct buf *o, const char *folder, const char *tag)
{
	buf_printf(o, "<%s class=\"folder\">%s<span>", tag, FOLDER_SVG);
	buf_html_escape(o, folder);
	buf_printf(o, "</span></%s>", tag);
}

/* The thread page: a post's files, those of each folder together under
 * its name, in the order the folders first come. */
void web_render_file_group(struct buf *o, const struct store_attachment *const *files,
			   size_t n, void (*link)(struct buf *, const struct store_attachment *))
{
	char *done = xcalloc(n > 0 ? n : 1, 1);

	for (size_t i = 0; i < n; i++) {
		const char *folder = files[i]->folder != NULL ? files[i]->folder : "";

		if (done[i])
			continue;
		if (folder[0] != '\0')
			buf_puts(o, "<div class=\"fgroup\">");
		if (folder[0] != '\0')
			folder_heading(o, folder, "p");
		for (size_t j = i; j < n; j++) {
			const char *fj = files[j]->folder != NULL ? files[j]->folder : "";

			if (done[j] || strcmp(fj, folder) != 0)
				continue;
			done[j] = 1;
			link(o, files[j]);
			render_note(o, files[j]);
		}
		if (folder[0] != '\0')
			buf_puts(o, "</div>");
	}
	free(done);
}

/* One thread's documents (docs[from, to) share the thread), by folder. */
static void render_thread_docs(struct buf *o, const struct store_documents *d, size_t from,
			       size_t to, const char *tag)
{
	const char *folder = NULL;

	for (size_t i = from; i < to; i++) {
		const struct store_document *doc = &d->docs[i];

		if (folder == NULL || strcmp(folder, doc->att.folder) != 0) {
			if (folder != NULL)
				buf_puts(o, "</ul>");
			folder = doc->att.folder;
			if (folder[0] != '\0')
				folder_heading(o, folder, tag);
			buf_puts(o, "<ul class=\"doclist\">");
		}
		buf_printf(o, "<li><a class=\"docname\" href=\"/a/%lld\" download>",
			   (long long)doc->att.id);
		buf_html_escape(o, doc->att.file_name);
		buf_puts(o, "</a><span class=\"docmeta\">");
		buf_html_escape(o, doc->uploader_name[0] != '\0' ? doc->uploader_name
								 : _("Someone"));
		buf_puts(o, " \xc2\xb7 ");
		web_render_time(o, doc->att.created_at);
		buf_puts(o, " \xc2\xb7 ");
		web_render_size(o, doc->att.size);
		buf_puts(o, "</span>");
		render_note(o, &doc->att);
		buf_puts(o, "</li>");
	}
	if (folder != NULL)
		buf_puts(o, "</ul>");
}

static void render_zip_link(struct buf *o, int64_t thread_id, size_t count)
{
	if (count == 0)
		return;
	buf_printf(o, "<p><a class=\"button\" href=\"/t/%lld/documents.zip\" download>",
		   (long long)thread_id);
	buf_html_escape(o, _("Download all as a zip file"));
	buf_puts(o, "</a></p>");
}

void web_handle_documents_thread(struct web_req *r)
{
	struct store_documents d;
	struct store_thread t;
	struct buf main = BUF_INIT;
	char *err = NULL, *title = NULL;
	enum gw_result res;

	memset(&t, 0, sizeof(t));
	if (r->sess.kind == 0) {
		web_send_error(r, 403, NULL);
		return;
	}
	res = store_documents_thread(r->store, r->id, r->sess.kind, r->sess.id, &d, &err);
	if (res == GW_OK)
		res = store_thread_get(r->store, r->id, r->sess.kind, r->sess.id, &t, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		goto out;
	}
	r->audit_thread = r->id;
	buf_printf(&main, "<article class=\"documents\"><header class=\"thead\">"
			  "<a class=\"back\" href=\"/t/%lld\">\xe2\x86\x90 ", (long long)r->id);
	buf_html_escape(&main, _("Back to the chat"));
	buf_puts(&main, "</a><h1>");
	buf_html_escape(&main, _("Documents"));
	buf_puts(&main, "</h1><p class=\"meta\">");
	buf_html_escape(&main, t.subject);
	buf_puts(&main, " \xc2\xb7 ");
	buf_html_escape(&main, t.account_name);
	buf_puts(&main, "</p></header><section class=\"card\">");
	if (d.count == 0) {
		buf_puts(&main, "<p class=\"empty\">");
		buf_html_escape(&main, _("No files in this chat yet."));
		buf_puts(&main, "</p>");
	} else {
		char *count = xasprintf(ngettext("%zu file", "%zu files", d.count), d.count);

		buf_puts(&main, "<p class=\"muted\">");
		buf_html_escape(&main, count);
		buf_puts(&main, ", ");
		web_render_size(&main, d.total_size);
		buf_puts(&main, "</p>");
		free(count);
		render_zip_link(&main, r->id, d.count);
		render_thread_docs(&main, &d, 0, d.count, "h2");
	}
	buf_puts(&main, "</section></article>");
	title = xasprintf(_("Documents: %s"), t.subject);
	web_send_page(r, 200, title, &main);
out:
	free(title);
	free(err);
	buf_release(&main);
	store_thread_clear(&t);
	store_documents_clear(&d);
}

static void send_account_docs(struct web_req *r, int64_t account_id)
{
	struct store_documents d;
	struct store_account acc;
	struct buf main = BUF_INIT;
	char *err = NULL, *title = NULL;
	enum gw_result res;

	memset(&acc, 0, sizeof(acc));
	res = store_documents_account(r->store, account_id, r->sess.kind, r->sess.id, &d, &err);
	if (res == GW_OK)
		res = store_account_get(r->store, account_id, &acc, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		goto out;
	}
	snprintf(r->audit_target, sizeof(r->audit_target), "account %lld documents",
		 (long long)account_id);
	buf_puts(&main, "<article class=\"documents\"><header class=\"thead\">"
			"<a class=\"back\" href=\"/\">\xe2\x86\x90 ");
	buf_html_escape(&main, _("All chats"));
	buf_puts(&main, "</a><h1>");
	buf_html_escape(&main, _("Documents"));
	buf_puts(&main, "</h1><p class=\"meta\">");
	buf_html_escape(&main, acc.name);
	buf_puts(&main, "</p></header>");
	if (d.count == 0) {
		buf_puts(&main, "<section class=\"card\"><p class=\"empty\">");
		buf_html_escape(&main, _("No files yet."));
		buf_puts(&main, "</p></section>");
	}
	for (size_t i = 0; i < d.count; ) {
		size_t j = i;

		while (j < d.count && d.docs[j].att.thread_id == d.docs[i].att.thread_id)
			j++;
		buf_printf(&main, "<section class=\"card\"><h2><a href=\"/t/%lld\">",
			   (long long)d.docs[i].att.thread_id);
		buf_html_escape(&main, d.docs[i].thread_subject);
		buf_puts(&main, "</a></h2>");
		render_zip_link(&main, d.docs[i].att.thread_id, j - i);
		render_thread_docs(&main, &d, i, j, "h3");
		buf_puts(&main, "</section>");
		i = j;
	}
	buf_puts(&main, "</article>");
	title = xasprintf(_("Documents: %s"), acc.name);
	web_send_page(r, 200, title, &main);
out:
	free(title);
	free(err);
	buf_release(&main);
	store_account_clear(&acc);
	store_documents_clear(&d);
}

void web_handle_documents_account(struct web_req *r)
{
	if (r->sess.kind != STORE_STAFF) {
		web_send_error(r, r->sess.kind == 0 ? 403 : 404, NULL);
		return;
	}
	send_account_docs(r, r->id);
}

void web_handle_documents_mine(struct web_req *r)
{
	if (r->sess.kind != STORE_CONTACT) {
		web_send_error(r, r->sess.kind == 0 ? 403 : 404, NULL);
		return;
	}
	send_account_docs(r, r->sess.account_id);
}
