/*
 * page_language.c - the signed-in person's language and time zone.
 *
 *   GET  /me/language   the form (from the header on every page): a
 *                       language of the catalogs and a time zone, each
 *                       "the firm's" unless chosen.
 *   POST /me/language   saves them; pages, emails and notes to this
 *                       person are in that language and zone from then on.
 *
 * A refused zone shows the form again with what was typed and the error.
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "log.h"
#include "tz.h"

/* A few zones to pick from; any IANA name may be typed. */
static const char *const common_zones[] = {
	"UTC", "Europe/London", "Europe/Paris", "Europe/Brussels", "Europe/Zurich",
	"Europe/Luxembourg", "America/Montreal", "America/New_York", "America/Chicago",
	"America/Los_Angeles", "Africa/Casablanca", "Indian/Reunion", "Asia/Tokyo",
	"Australia/Sydney",
};

static int saved_query(struct web_req *r)
{
	const char *q = r->uri != NULL ? evhttp_uri_get_query(r->uri) : NULL;

	return q != NULL && strcmp(q, "saved=1") == 0;
}

static void send_form(struct web_req *r, int code, const char *lang, const char *zone,
		      const char *error)
{
	struct buf main = BUF_INIT;
	char firm[96];
	const char *p = i18n_languages();

	buf_puts(&main, "<div class=\"homehead\"><h1>");
	buf_html_escape(&main, _("Language and time zone"));
	buf_puts(&main, "</h1></div>");
	if (error != NULL) {
		buf_puts(&main, "<p class=\"error\" role=\"alert\">");
		buf_html_escape(&main, error);
		buf_puts(&main, "</p>");
	} else if (saved_query(r)) {
		buf_puts(&main, "<p class=\"notice\" role=\"status\">");
		buf_html_escape(&main, _("Saved. Pages and emails to you now use these settings."));
		buf_puts(&main, "</p>");
	}
	buf_puts(&main, "<form class=\"card\" method=\"post\" action=\"/me/language\">");
	web_render_csrf(r, &main);
	buf_puts(&main, "<label>");
	buf_html_escape(&main, _("Language"));
	buf_puts(&main, "<select name=\"language\"><option value=\"\">");
	snprintf(firm, sizeof(firm), _("The firm's (%s)"), i18n_lang_name(i18n_default_lang()));
	buf_html_escape(&main, firm);
	buf_puts(&main, "</option>");
	while (*p != '\0') {
		size_t w = strcspn(p, " ");
		char code_s[I18N_LANG_MAX];

		snprintf(code_s, sizeof(code_s), "%.*s", (int)w, p);
		buf_printf(&main, "<option value=\"%s\"%s lang=\"%s\">", code_s,
			   strcmp(lang, code_s) == 0 ? " selected" : "", code_s);
		buf_html_escape(&main, i18n_lang_name(code_s));
		buf_puts(&main, "</option>");
		p += w;
		p += strspn(p, " ");
	}
	buf_puts(&main, "</select></label><label>");
	buf_html_escape(&main, _("Time zone"));
	buf_puts(&main, "<input name=\"timezone\" list=\"zones\" maxlength=\"63\" "
			"autocomplete=\"off\" spellcheck=\"false\" value=\"");
	buf_html_escape(&main, zone);
	buf_puts(&main, "\" aria-describedby=\"zone-hint\"></label><datalist id=\"zones\">");
	for (size_t i = 0; i < sizeof(common_zones) / sizeof(common_zones[0]); i++)
		buf_printf(&main, "<option value=\"%s\">", common_zones[i]);
	buf_puts(&main, "</datalist><p class=\"hint\" id=\"zone-hint\">");
	snprintf(firm, sizeof(firm), "%s", i18n_default_zone());
	{
		char hint[256];

		snprintf(hint, sizeof(hint), _("A name such as Europe/Paris. Leave it empty for "
					       "the firm's (%s)."), firm);
		buf_html_escape(&main, hint);
	}
	buf_puts(&main, "</p><button class=\"primary\" type=\"submit\">");
	buf_html_escape(&main, _("Save"));
	buf_puts(&main, "</button></form>");
	web_send_page(r, code, _("Language and time zone"), &main);
	buf_release(&main);
}

void web_handle_language(struct web_req *r)
{
	const char *lang, *zone;
	char *err = NULL;
	enum gw_result res;

	if (r->sess.kind != STORE_CONTACT && r->sess.kind != STORE_STAFF) {
		web_send_redirect(r, "/signin");
		return;
	}
	if (r->method != EVHTTP_REQ_POST) {
		send_form(r, 200, r->sess.lang, r->sess.zone, NULL);
		return;
	}
	lang = web_form_get(&r->form, "language");
	zone = web_form_get(&r->form, "timezone");
	lang = lang != NULL && *lang != '\0' ? lang : "-";
	zone = zone != NULL && *zone != '\0' ? zone : "-";
	if (strcmp(lang, "-") != 0 && !i18n_lang_valid(lang)) {
		send_form(r, 400, "", zone[0] != '-' ? zone : "",
			  _("Nothing was changed: choose a language from the list."));
		return;
	}
	if (strcmp(zone, "-") != 0 && (strlen(zone) >= I18N_ZONE_MAX || !tz_valid(zone))) {
		char msg[256];

		snprintf(msg, sizeof(msg), _("Nothing was changed: \"%s\" is not a time zone. "
					     "Type a name such as Europe/Paris."), zone);
		send_form(r, 400, lang[0] != '-' ? lang : "", zone, msg);
		return;
	}
	res = r->sess.kind == STORE_CONTACT ?
		store_contact_set_locale(r->store, r->sess.id, lang, zone, &err) :
		store_staff_set_locale(r->store, r->sess.id, lang, zone, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	log_info("web: %s %lld reads in language %s, zone %s", store_kind_name(r->sess.kind),
		 (long long)r->sess.id, lang, zone);
	if (r->sess.kind == STORE_STAFF)
		web_audit_target(r, "staff", r->sess.id);
	web_send_redirect(r, "/me/language?saved=1");
}
