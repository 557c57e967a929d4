/*
 * flash.c - the confirmation a person sees after an action: post,
 * redirect, get, with a one-time message.
 *
 * A handler that succeeds names its confirmation (web_flash()) before it
 * redirects; the redirect then sets a short-lived cookie holding the
 * confirmation's code.  The page that follows shows the sentence of that
 * code at the top of the page in a role="status" box (announced politely
 * by screen readers, focus stays where it is) and clears the cookie in
 * the same answer, so a reload shows the page without it, and re-posts
 * nothing (the browser reloads the GET).
 *
 * The cookie holds a code, never text: what a page shows comes from the
 * table below, so a cookie set by anyone else can at most show one of our
 * own sentences.  A thread page with a confirmation is rendered afresh,
 * never taken from or put into the page cache.
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "i18n.h"

#define FLASH_COOKIE "gw_flash"
#define FLASH_MAX_AGE 60

static const struct {
	const char *code;
	const char *text;
} flashes[] = {
	{ "sent", N_("Your message was sent.") },
	{ "note", N_("Your internal note was saved. Only staff see it.") },
	{ "file", N_("Your file was uploaded.") },
	{ "read", N_("Marked as read.") },
	{ "task-done", N_("The task is marked as done.") },
	{ "task-open", N_("The task is marked as not done.") },
	{ "task-added", N_("The task was added. The client sees it now.") },
	{ "task-edited", N_("The task was changed. The client sees the new text now.") },
	{ "task-moved", N_("The task was moved.") },
	{ "task-removed", N_("The task was removed.") },
	{ "task-unchanged", N_("Nothing to change: the task was already like that.") },
	{ "archived", N_("The chat was archived.") },
	{ "reopened", N_("The chat was reopened.") },
	{ "resent", N_("The notification was sent again.") },
	{ "reminders", N_("The reminder settings were saved.") },
	{ "followed", N_("You follow this chat now.") },
	{ "unfollowed", N_("You no longer follow this chat.") },
	{ "link-added", N_("The link was added.") },
	{ "link-removed", N_("The link was removed.") },
	{ "chat", N_("The chat was started.") },
	{ "chats", N_("The chats were started.") },
	{ "contact-email", N_("The address was changed.") },
	{ "contact-notify", N_("The email setting was saved.") },
	{ "contact-removed", N_("The contact was removed.") },
	{ "bounce-cleared", N_("The bounce mark was cleared: emails go to this address again.") },
	{ "hold", N_("The legal hold was saved.") },
	{ "my-emails", N_("Your email setting was saved.") },
	{ "sessions-ended", N_("The session was ended.") },
	{ "signed-out", N_("You are signed out.") },
	{ "content-shown", N_("Emails about this chat now show the messages.") },
	{ "content-hidden", N_("Emails about this chat no longer show the messages.") },
	{ "inbox-read", N_("Everything in your inbox is marked as read.") },
	{ "template-saved", N_("The template was saved.") },
	{ "template-deleted", N_("The template was deleted.") },
};

static int flash_index(const char *code, size_t len)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(flashes); i++)
		if (strlen(flashes[i].code) == len && memcmp(flashes[i].code, code, len) == 0)
			return (int)i;
	return -1;
}

const char *web_flash_text(const char *code)
{
	int i = code != NULL ? flash_index(code, strlen(code)) : -1;

	return i >= 0 ? _(flashes[i].text) : NULL;
}

void web_flash(struct web_req *r, const char *code)
{
	r->flash = flash_index(code, strlen(code)) >= 0 ? code : NULL;
}

void web_flash_set_cookie(struct web_req *r)
{
	char *c;

	if (r->flash == NULL)
		return;
	c = xasprintf(FLASH_COOKIE "=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s", r->flash,
		      FLASH_MAX_AGE, r->web->secure ? "; Secure" : "");
	web_add_header(r, "Set-Cookie", c);
	free(c);
}

/* The code in the request's cookie: its index, -1 for none or unknown;
 * *present_r says whether the cookie is there at all. */
static int cookie_flash(struct web_req *r, int *present_r)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(r->req), "Cookie");
	const size_t n = strlen(FLASH_COOKIE);

	*present_r = 0;
	for (const char *p = h; p != NULL && *p != '\0';) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, FLASH_COOKIE, n) == 0 && p[n] == '=') {
			const char *v = p + n + 1;

			*present_r = 1;
			return flash_index(v, strcspn(v, "; "));
		}
		p = strchr(p, ';');
	}
	return -1;
}

int web_flash_pending(struct web_req *r)
{
	int present;

	cookie_flash(r, &present);
	return present && !r->flash_taken;
}

void web_render_flash(struct web_req *r, struct buf *out)
{
	int present, i;

	if (r->flash_taken || r->method != EVHTTP_REQ_GET)
		return;
	i = cookie_flash(r, &present);
	if (!present)
		return;
	r->flash_taken = 1;
	web_add_header(r, "Set-Cookie", r->web->secure
			       ? FLASH_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure"
			       : FLASH_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
	if (i < 0)
		return;
	buf_puts(out, "<p class=\"flash\" role=\"status\">");
	buf_html_escape(out, _(flashes[i].text));
	buf_puts(out, "</p>");
}
