/*
 * web_fixture.c - see web_fixture.h: a seeded database, the web view on
 * loopback and a same-thread HTTP client for the web view's tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <event2/event.h>

#include "buf.h"
#include "clock.h"
#include "web_fixture.h"

#define KEYS "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"

static void on_queued(void *ctx)
{
	((struct wfx *)ctx)->queued_calls++;
}

void wfx_restart(struct wfx *f)
{
	struct web_settings ws;
	char *err = NULL;

	web_close(&f->web);
	memset(&ws, 0, sizeof(ws));
	ws.web = &f->web_cfg;
	ws.store = &f->store_cfg;
	ws.links = &f->links_cfg;
	ws.keys = f->keys;
	ws.mail_domain = "reply.firm.example";
	ws.firm_fallback_name = "Fallback";
	ws.outbox_queued = on_queued;
	ws.ctx = f;
	ws.systemd_fd = -1;
	if (web_open(f->base, &ws, &f->web, &err) < 0)
		fail_msg("web_open: %s", err);
	f->port = web_bound_port(f->web);
	if (strncmp(f->web_cfg.listen, "unix:", 5) != 0)
		assert_true(f->port > 0);
}

static void seed(struct wfx *f)
{
	struct store *s = f->s;
	struct store_firm_in firm = { "Firm <b>&amp;</b> Co", 1, NULL };
	char *err = NULL;
	const char *tasks[] = { "Upload <b>statements</b>", "Confirm the stock count" };
	struct store_chat_new chat;
	int64_t ids[1];

	WFX_CHECK(store_firm_set(s, &firm, &err), err);
	WFX_CHECK(store_staff_add(s, "Olivia Owner", "olivia@firm.example", STORE_ROLE_OWNER,
				  &f->owner, &err), err);
	WFX_CHECK(store_staff_add(s, "Max <script>alert('m')</script>", "max@firm.example",
				  STORE_ROLE_MEMBER, &f->member, &err), err);
	WFX_CHECK(store_staff_add(s, "Otto Other", "otto@firm.example", STORE_ROLE_MEMBER,
				  &f->other, &err), err);
	WFX_CHECK(store_account_add(s, "Acme <img src=x onerror=alert(1)>", &f->acc_a, &err),
		  err);
	WFX_CHECK(store_account_add(s, "Birch & Sons", &f->acc_b, &err), err);
	WFX_CHECK(store_staff_assign(s, f->member, f->acc_a, 1, &err), err);
	WFX_CHECK(store_contact_add(s, f->acc_a, "Anna <script>alert('a')</script>",
				    "anna@acme.example", &f->anna, &err), err);
	WFX_CHECK(store_contact_add(s, f->acc_a, "Ann Two", "ann2@acme.example", &f->ann2,
				    &err), err);
	WFX_CHECK(store_contact_add(s, f->acc_b, "Bob Birch", "bob@birch.example", &f->bob,
				    &err), err);

	memset(&chat, 0, sizeof(chat));
	chat.account_ids = &f->acc_a;
	chat.n_accounts = 1;
	chat.staff_id = f->member;
	chat.subject = "<script>alert('s')</script> Year end";
	chat.body = "Hello <script>alert(1)</script> **bold** [x](javascript:alert(1)) "
		    "<img src=x onerror=alert(2)>";
	chat.tasks = tasks;
	chat.n_tasks = 2;
	chat.reminders = 1;
	chat.reminder_days = 3;
	chat.reminder_count = 2;
	WFX_CHECK(store_chat_create(s, &chat, ids, &err), err);
	f->ta = ids[0];
	chat.account_ids = &f->acc_b;
	chat.subject = "Birch private matter";
	chat.body = "Only for Birch";
	chat.tasks = NULL;
	chat.n_tasks = 0;
	chat.reminders = 0;
	chat.staff_id = f->owner;
	WFX_CHECK(store_chat_create(s, &chat, ids, &err), err);
	f->tb = ids[0];
	WFX_CHECK(store_note_add(s, f->ta, "secret staff note", 1, &f->ta_note, &err), err);

	struct store_thread_view v;
	WFX_CHECK(store_thread_show(s, f->ta, 0, 0, 1, &v, &err), err);
	f->ta_msg = v.messages[0].id;
	f->task1 = v.tasks[0].id;
	f->task2 = v.tasks[1].id;
	store_thread_view_clear(&v);
}

int wfx_setup(void **state)
{
	struct wfx *f = calloc(1, sizeof(*f));
	char *err = NULL;

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_web.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->db_path = xasprintf("%s/gw.db", f->dir);
	f->att_dir = xasprintf("%s/att", f->dir);
	f->store_cfg.path = f->db_path;
	f->store_cfg.attachments_dir = f->att_dir;
	f->store_cfg.busy_timeout_ms = 5000;
	f->store_cfg.synchronous_full = 0;
	f->web_cfg.listen = "127.0.0.1:0";
	f->web_cfg.base_url = "http://127.0.0.1/";
	f->web_cfg.max_body = 64 * 1024;
	f->web_cfg.session_ttl = 3600;
	f->links_cfg.view_ttl = 86400;
	f->links_cfg.reply_ttl = 86400;
	if (link_keys_parse(KEYS, &f->keys, &err) < 0)
		fail_msg("keys: %s", err);
	f->now = WFX_T0;
	clock_set(WFX_T0);
	if (store_open(&f->store_cfg, &f->s, &err) < 0)
		fail_msg("store_open: %s", err);
	seed(f);
	f->base = event_base_new();
	assert_non_null(f->base);
	wfx_restart(f);
	*state = f;
	return 0;
}

int wfx_teardown(void **state)
{
	struct wfx *f = *state;
	char *cmd;

	web_close(&f->web);
	event_base_free(f->base);
	store_close(&f->s);
	link_keys_free(&f->keys);
	cmd = xasprintf("rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		print_error("cannot remove %s\n", f->dir);
	free(cmd);
	free(f->db_path);
	free(f->att_dir);
	free(f);
	clock_set(0);
	return 0;
}

void wfx_token(struct wfx *f, enum link_purpose purpose, int64_t thread_id,
	       enum link_principal kind, int64_t id, int64_t expires,
	       char out[LINK_TOKEN_MAX])
{
	struct link_claims c;
	uint32_t gen = 0;

	memset(&c, 0, sizeof(c));
	if (store_link_generation(f->s, kind, id, &gen) < 0)
		gen = 0;
	c.purpose = purpose;
	c.thread_id = thread_id;
	c.kind = kind;
	c.principal_id = id;
	c.generation = gen;
	c.expires = expires;
	assert_int_equal(link_sign(f->keys, &c, out), 0);
}

/* ---- client ---------------------------------------------------------------- */

void wfx_pump(struct wfx *f, int ms)
{
	int64_t end = clock_monotonic_ms() + ms;

	while (clock_monotonic_ms() < end) {
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		poll(NULL, 0, 2);
	}
}

static int connect_loopback(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send req (all of it, unless the server closes first) and read until
 * the server closes; the loop runs in between. */
static int exchange(struct wfx *f, const char *req, size_t req_len, struct buf *in)
{
	int fd = connect_loopback(f->port);
	size_t sent = 0;
	int64_t deadline = clock_monotonic_ms() + 20000;
	int write_done = 0;

	if (fd < 0)
		return -1;
	while (clock_monotonic_ms() < deadline) {
		char chunk[16384];
		struct pollfd pfd = { fd, POLLIN, 0 };
		ssize_t n;

		event_base_loop(f->base, EVLOOP_NONBLOCK);
		if (!write_done && sent < req_len) {
			n = send(fd, req + sent, req_len - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
				 errno != ENOTCONN)
				write_done = 1; /* the server stopped reading */
		}
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n > 0) {
			buf_append(in, chunk, (size_t)n);
			continue;
		}
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
			       errno != ENOTCONN)) {
			close(fd);
			return in->len > 0 ? 0 : -1;
		}
		(void)poll(&pfd, 1, 1);
	}
	close(fd);
	return -1;
}

void wresp_clear(struct wresp *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

char *wresp_header(const struct wresp *r, const char *name)
{
	size_t n = strlen(name);
	const char *p = r->head != NULL ? strstr(r->head, "\r\n") : NULL;

	while (p != NULL && p[2] != '\0') {
		const char *line = p + 2;
		const char *eol = strstr(line, "\r\n");
		size_t len = eol != NULL ? (size_t)(eol - line) : strlen(line);

		if (len > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
			const char *v = line + n + 1;

			while (*v == ' ')
				v++;
			return xstrndup(v, (size_t)(line + len - v));
		}
		p = eol;
	}
	return NULL;
}

int wfx_http(struct wfx *f, const char *method, const char *path, const char *headers,
	     const void *body, size_t body_len, struct wresp *r)
{
	struct buf req = BUF_INIT, in = BUF_INIT;
	const char *sep;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	buf_printf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s",
		   method, path, headers != NULL ? headers : "");
	if (body != NULL)
		buf_printf(&req, "Content-Length: %zu\r\n", body_len);
	buf_puts(&req, "\r\n");
	if (body != NULL)
		buf_append(&req, body, body_len);
	if (exchange(f, req.data, req.len, &in) < 0)
		goto out;
	if ((sep = strstr(in.data, "\r\n\r\n")) == NULL ||
	    sscanf(in.data, "HTTP/1.%*d %d", &r->status) != 1)
		goto out;
	r->head = xstrndup(in.data, (size_t)(sep - in.data) + 2);
	r->body_len = in.len - (size_t)(sep + 4 - in.data);
	r->body = xmalloc(r->body_len + 1);
	memcpy(r->body, sep + 4, r->body_len);
	r->body[r->body_len] = '\0';
	ret = 0;
out:
	buf_release(&req);
	buf_release(&in);
	return ret;
}

char *wfx_login(struct wfx *f, enum link_principal kind, int64_t id)
{
	char token[LINK_TOKEN_MAX], path[128], *cookie, *semi, *line;
	struct wresp r;

	wfx_token(f, LINK_VIEW, 0, kind, id, clock_now() + 3600, token);
	snprintf(path, sizeof(path), "/v/%s", token);
	assert_int_equal(wfx_http(f, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 303);
	cookie = wresp_header(&r, "Set-Cookie");
	assert_non_null(cookie);
	semi = strchr(cookie, ';');
	assert_non_null(semi);
	*semi = '\0';
	line = xasprintf("Cookie: %s\r\n", cookie);
	free(cookie);
	wresp_clear(&r);
	return line;
}

char *wfx_csrf_from(const struct wresp *r)
{
	const char *p = r->body != NULL ? strstr(r->body, "name=\"csrf\" value=\"") : NULL;
	const char *end;

	if (p == NULL)
		return NULL;
	p += strlen("name=\"csrf\" value=\"");
	end = strchr(p, '"');
	return end != NULL ? xstrndup(p, (size_t)(end - p)) : NULL;
}

char *wfx_csrf(struct wfx *f, const char *cookie, const char *path)
{
	struct wresp r;
	char *csrf;

	assert_int_equal(wfx_http(f, "GET", path, cookie, NULL, 0, &r), 0);
	csrf = wfx_csrf_from(&r);
	if (csrf == NULL)
		fail_msg("no csrf on %s (status %d)", path, r.status);
	wresp_clear(&r);
	return csrf;
}

int wfx_post(struct wfx *f, const char *cookie, const char *path, const char *form,
	     struct wresp *r)
{
	char *h = xasprintf("%sContent-Type: application/x-www-form-urlencoded\r\n",
			    cookie != NULL ? cookie : "");
	int ret = wfx_http(f, "POST", path, h, form, strlen(form), r);

	free(h);
	return ret;
}

int wfx_post_csrf(struct wfx *f, const char *cookie, const char *csrf_page, const char *path,
		  const char *form, const char *want_location, char **body_r)
{
	char *csrf = wfx_csrf(f, cookie, csrf_page);
	char *body = xasprintf("csrf=%s&%s", csrf, form);
	struct wresp r;
	int status;

	assert_int_equal(wfx_post(f, cookie, path, body, &r), 0);
	status = r.status;
	if (status == 303 && want_location != NULL) {
		char *loc = wresp_header(&r, "Location");

		assert_non_null(loc);
		assert_string_equal(loc, want_location);
		free(loc);
	}
	if (body_r != NULL)
		*body_r = xstrdup(r.body != NULL ? r.body : "");
	wresp_clear(&r);
	free(body);
	free(csrf);
	return status;
}

int wfx_outbox_count(struct wfx *f, enum mail_kind kind, int64_t thread_id)
{
	struct store_outbox_list list;
	char *err = NULL;
	int n = 0;

	WFX_CHECK(store_outbox_list(f->s, 0, thread_id, 0, &list, &err), err);
	for (size_t i = 0; i < list.count; i++)
		n += kind == 0 || list.items[i].kind == kind;
	store_outbox_list_free(&list);
	return n;
}

int wfx_connect_send(struct wfx *f, const char *request)
{
	int fd = connect_loopback(f->port);
	size_t sent = 0, len = strlen(request);
	int64_t deadline = clock_monotonic_ms() + 5000;

	while (fd >= 0 && sent < len && clock_monotonic_ms() < deadline) {
		ssize_t n = send(fd, request + sent, len - sent, MSG_NOSIGNAL);

		if (n > 0)
			sent += (size_t)n;
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		poll(NULL, 0, 1);
	}
	return fd;
}

int wfx_read_until(struct wfx *f, int fd, const char *needle, int deadline_ms,
		   char **got_r)
{
	struct buf in = BUF_INIT;
	int64_t end = clock_monotonic_ms() + deadline_ms;
	int found = 0;

	while (!found && clock_monotonic_ms() < end) {
		char chunk[4096];
		ssize_t n;

		event_base_loop(f->base, EVLOOP_NONBLOCK);
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n > 0)
			buf_append(&in, chunk, (size_t)n);
		else if (n == 0)
			break;
		else
			poll(NULL, 0, 2);
		found = strstr(buf_cstr(&in), needle) != NULL;
	}
	if (got_r != NULL)
		*got_r = buf_detach(&in);
	buf_release(&in);
	return found;
}
