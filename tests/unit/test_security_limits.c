/*
 * test_security_limits.c - what one client may make the web view hold
 * (docs/security.md, "Memory held by anonymous requests", "Descriptor
 * exhaustion spins" and the /fresh and error-page items): body limits
 * decided before the body is read, the body budget, the header deadline,
 * the per-address cap, cross-site and per-address limits of POST /fresh,
 * and the security headers on the error pages evhttp writes itself.
 *
 * Raw sockets, because the point is what the server does before a
 * well-formed request exists.  The web view runs on this thread: every
 * wait pumps its loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "buf.h"
#include "clock.h"
#include "web_fixture.h"
#include "web_int.h"

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pump(struct wfx *f, int ms)
{
	int64_t end = ms_now() + ms;

	do {
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		usleep(2000);
	} while (ms_now() < end);
}

static int raw_connect(struct wfx *f)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)f->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	pump(f, 20);
	return fd;
}

static void raw_send(struct wfx *f, int fd, const char *data, size_t len)
{
	size_t off = 0;
	int64_t end = ms_now() + 2000;

	while (off < len && ms_now() < end) {
		ssize_t n = send(fd, data + off, len - off, MSG_NOSIGNAL);

		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EAGAIN)
			break;
		event_base_loop(f->base, EVLOOP_NONBLOCK);
	}
}

/* Read until the server closes or ms pass: the bytes (malloc'd), and
 * *closed whether the server closed. */
static char *raw_read(struct wfx *f, int fd, int ms, int *closed)
{
	struct buf out = BUF_INIT;
	int64_t end = ms_now() + (ms < 0 ? -ms : ms);

	*closed = 0;
	while (ms_now() < end) {
		char chunk[4096];
		ssize_t n = recv(fd, chunk, sizeof(chunk), 0);

		if (n > 0) {
			buf_append(&out, chunk, (size_t)n);
			if (ms < 0 && memmem(out.data, out.len, "\r\n\r\n", 4) != NULL)
				break;
		} else if (n == 0 || (n < 0 && errno != EAGAIN)) {
			*closed = 1;
			break;
		}
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	buf_puts(&out, "");
	return buf_detach(&out);
}

static void assert_security_headers(const char *resp, const char *what)
{
	if (strstr(resp, "Content-Security-Policy: ") == NULL ||
	    strstr(resp, "X-Content-Type-Options: nosniff") == NULL ||
	    strstr(resp, "X-Frame-Options: DENY") == NULL)
		fail_msg("%s: security headers missing:\n%.400s", what, resp);
}

static void test_security_anonymous_body_refused_early(void **state)
{
	struct wfx *f = *state;
	static const char head[] = "POST /t/1/reply HTTP/1.1\r\nHost: x\r\n"
				   "Content-Type: application/x-www-form-urlencoded\r\n"
				   "Content-Length: 10485760\r\n\r\n";
	char chunk[64 * 1024];
	char *resp;
	int fd, closed;

	f->web_cfg.max_body = 10 * 1024 * 1024;
	wfx_restart(f);
	fd = raw_connect(f);
	memset(chunk, 'a', sizeof(chunk));
	raw_send(f, fd, head, strlen(head));
	raw_send(f, fd, chunk, 1024);
	resp = raw_read(f, fd, 2000, &closed);
	if (strncmp(resp, "HTTP/1.1 413", 12) != 0)
		fail_msg("an anonymous 10 MB body was not refused first:\n%.300s", resp);
	assert_security_headers(resp, "413");
	free(resp);
	close(fd);
}

static void test_security_body_budget(void **state)
{
	struct wfx *f = *state;
	char *cookie, *csrf, head[1024], *resp;
	int fd, closed;

	f->web_cfg.max_body = 10 * 1024 * 1024;
	f->web_cfg.body_budget = 100 * 1024;
	wfx_restart(f);
	cookie = wfx_login(f, LINK_CONTACT, f->anna);
	csrf = wfx_csrf(f, cookie, "/");
	snprintf(head, sizeof(head),
		 "POST /t/%lld/reply HTTP/1.1\r\nHost: x\r\n%sX-CSRF-Token: %s\r\n"
		 "Content-Type: application/x-www-form-urlencoded\r\n"
		 "Content-Length: 204800\r\n\r\n", (long long)f->ta, cookie, csrf);
	fd = raw_connect(f);
	raw_send(f, fd, head, strlen(head));
	resp = raw_read(f, fd, 2000, &closed);
	if (strncmp(resp, "HTTP/1.1 413", 12) != 0)
		fail_msg("a body over the budget was not refused:\n%.300s", resp);
	assert_true(atomic_load(&f->web->refused_budget) >= 1);
	assert_int_equal(atomic_load(&f->web->body_inflight), 0);
	free(resp);
	close(fd);
	free(cookie);
	free(csrf);
}

/* A line of the uploaded file. */
#define LINE "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n"

/* A multipart reply with the CSRF field and a file of size / 64 lines of
 * 64 bytes. */
static void upload_body(struct buf *body, const char *csrf, size_t size)
{
	buf_printf(body, "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n"
			 "--XyZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nhere\r\n"
			 "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
			 "filename=\"big.txt\"\r\nContent-Type: text/plain\r\n\r\n", csrf);
	for (size_t i = 0; i < size / 64; i++)
		buf_puts(body, LINE);
	buf_puts(body, "\r\n--XyZ--\r\n");
}

/* The newest attachment of thread ta: its size (0 when none). */
static int64_t last_attachment_size(struct wfx *f)
{
	struct store_thread_view v;
	char *err = NULL;
	int64_t size = 0;

	WFX_CHECK(store_thread_show(f->s, f->ta, STORE_CONTACT, f->anna, 0, &v, &err), err);
	if (v.n_attachments > 0)
		size = v.attachments[v.n_attachments - 1].size;
	store_thread_view_clear(&v);
	return size;
}

/* A signed-in upload through the page's own form (the token in the
 * action's query and in the form) goes to a file, not to memory. */
static void upload_streamed(struct wfx *f, size_t size)
{
	char *cookie, *csrf, headers[1024], path[LINK_TOKEN_MAX + 64];
	struct buf body = BUF_INIT;
	struct wresp r;

	cookie = wfx_login(f, LINK_CONTACT, f->anna);
	csrf = wfx_csrf(f, cookie, "/");
	assert_non_null(csrf);
	upload_body(&body, csrf, size);
	/* What Chromium sends with a form posted from a page served with
	 * Referrer-Policy: no-referrer: Origin null, Sec-Fetch-Site same-origin. */
	snprintf(headers, sizeof(headers),
		 "%sOrigin: null\r\nSec-Fetch-Site: same-origin\r\n"
		 "Content-Type: multipart/form-data; boundary=XyZ\r\n", cookie);
	snprintf(path, sizeof(path), "/t/%lld/reply?csrf=%s", (long long)f->ta, csrf);
	assert_int_equal(wfx_http(f, "POST", path, headers, body.data, body.len, &r), 0);
	if (r.status != 303)
		fail_msg("signed-in upload of %zu bytes: %d\n%s", body.len, r.status, r.head);
	/* The whole body went through a file: none of it sat in evhttp's
	 * input buffer, and the file part was parsed from the mapping. */
	assert_int_equal(atomic_load(&f->web->streamed_bodies), 1);
	assert_int_equal(atomic_load(&f->web->streamed_bytes), body.len);
	assert_int_equal(last_attachment_size(f), size / 64 * 64);
	assert_int_equal(atomic_load(&f->web->body_inflight), 0);
	wresp_clear(&r);
	buf_release(&body);
	free(cookie);
	free(csrf);
}

static void test_security_upload_signed_in_still_works(void **state)
{
	struct wfx *f = *state;

	f->web_cfg.max_body = 1024 * 1024;
	wfx_restart(f);
	upload_streamed(f, 300 * 1024);
}

static void test_security_upload_3mb_with_csrf_in_query_streamed_to_disk(void **state)
{
	struct wfx *f = *state;

	f->web_cfg.max_body = 10 * 1024 * 1024;
	wfx_restart(f);
	upload_streamed(f, 3 * 1024 * 1024);
}

/* Send a large body's header block and its first KB on a raw connection:
 * the answer, read before the rest is sent (malloc'd). */
static char *large_post(struct wfx *f, const char *target, const char *extra)
{
	char head[2048], chunk[1024];
	int fd, closed;
	char *resp;

	snprintf(head, sizeof(head),
		 "POST %s HTTP/1.1\r\nHost: x\r\n%s"
		 "Content-Type: multipart/form-data; boundary=XyZ\r\n"
		 "Content-Length: 3145728\r\n\r\n", target, extra);
	memset(chunk, 'a', sizeof(chunk));
	fd = raw_connect(f);
	raw_send(f, fd, head, strlen(head));
	raw_send(f, fd, chunk, sizeof(chunk));
	resp = raw_read(f, fd, -2000, &closed);
	close(fd);
	return resp;
}

static void test_security_large_body_without_csrf_refused_before_read(void **state)
{
	struct wfx *f = *state;
	char *cookie, *csrf, *other_cookie, *other, target[LINK_TOKEN_MAX + 64];
	char extra[LINK_TOKEN_MAX + 256];
	struct {
		const char *query;      /* csrf in the action's query */
		const char *header;     /* X-CSRF-Token */
	} cases[3];

	f->web_cfg.max_body = 10 * 1024 * 1024;
	wfx_restart(f);
	cookie = wfx_login(f, LINK_CONTACT, f->anna);
	csrf = wfx_csrf(f, cookie, "/");
	other_cookie = wfx_login(f, LINK_CONTACT, f->ann2);
	other = wfx_csrf(f, other_cookie, "/");
	cases[0].query = NULL;          /* none: the field comes after the file */
	cases[0].header = NULL;
	cases[1].query = other;         /* another session's */
	cases[1].header = NULL;
	cases[2].query = NULL;
	cases[2].header = "bogus";
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char *resp;

		snprintf(target, sizeof(target), "/t/%lld/reply%s%s", (long long)f->ta,
			 cases[i].query != NULL ? "?csrf=" : "",
			 cases[i].query != NULL ? cases[i].query : "");
		snprintf(extra, sizeof(extra), "%s%s%s%s", cookie,
			 cases[i].header != NULL ? "X-CSRF-Token: " : "",
			 cases[i].header != NULL ? cases[i].header : "",
			 cases[i].header != NULL ? "\r\n" : "");
		resp = large_post(f, target, extra);
		if (strncmp(resp, "HTTP/1.1 413", 12) != 0)
			fail_msg("case %zu: a large body without the session's token was not "
				 "refused first:\n%.300s", i, resp);
		assert_security_headers(resp, "413");
		free(resp);
		if (atomic_load(&f->web->refused_large) != i + 1)
			fail_msg("case %zu: refused_large %llu", i,
				 (unsigned long long)atomic_load(&f->web->refused_large));
	}
	assert_int_equal(atomic_load(&f->web->streamed_bodies), 0);
	assert_int_equal(atomic_load(&f->web->body_inflight), 0);
	assert_int_equal(last_attachment_size(f), 0);
	free(cookie);
	free(csrf);
	free(other_cookie);
	free(other);
}

static void test_security_large_chunked_body_stays_small(void **state)
{
	struct wfx *f = *state;
	char *cookie, *csrf, head[2048], chunk[1024], *resp;
	int fd, closed;

	f->web_cfg.max_body = 10 * 1024 * 1024;
	wfx_restart(f);
	cookie = wfx_login(f, LINK_CONTACT, f->anna);
	csrf = wfx_csrf(f, cookie, "/");
	/* Session and token are right, but a body without a length cannot
	 * go to a file by it: 64 KB at most. */
	snprintf(head, sizeof(head),
		 "POST /t/%lld/reply?csrf=%s HTTP/1.1\r\nHost: x\r\n%s"
		 "Content-Type: multipart/form-data; boundary=XyZ\r\n"
		 "Transfer-Encoding: chunked\r\n\r\n100000\r\n", (long long)f->ta, csrf, cookie);
	memset(chunk, 'a', sizeof(chunk));
	fd = raw_connect(f);
	raw_send(f, fd, head, strlen(head));
	raw_send(f, fd, chunk, sizeof(chunk));
	resp = raw_read(f, fd, -2000, &closed);
	if (strncmp(resp, "HTTP/1.1 413", 12) != 0)
		fail_msg("a 1 MB chunk was not refused:\n%.300s", resp);
	assert_int_equal(atomic_load(&f->web->streamed_bodies), 0);
	close(fd);
	free(resp);
	free(cookie);
	free(csrf);
}

static void test_security_large_body_to_non_upload_route_refused(void **state)
{
	struct wfx *f = *state;
	char *cookie, *csrf, target[LINK_TOKEN_MAX + 64], *resp;

	f->web_cfg.max_body = 10 * 1024 * 1024;
	wfx_restart(f);
	cookie = wfx_login(f, LINK_CONTACT, f->anna);
	csrf = wfx_csrf(f, cookie, "/");
	/* Session and token are right; the route takes no files. */
	snprintf(target, sizeof(target), "/t/%lld/read?csrf=%s", (long long)f->ta, csrf);
	resp = large_post(f, target, cookie);
	if (strncmp(resp, "HTTP/1.1 413", 12) != 0)
		fail_msg("a large body to /t/ID/read was not refused first:\n%.300s", resp);
	assert_security_headers(resp, "413");
	assert_int_equal(atomic_load(&f->web->refused_large), 1);
	assert_int_equal(atomic_load(&f->web->streamed_bodies), 0);
	free(resp);
	free(cookie);
	free(csrf);
}

static void test_security_header_trickle_cut(void **state)
{
	struct wfx *f = *state;
	int fd, closed = 0;
	int64_t start;
	char *resp;

	f->web_cfg.header_timeout = 1;
	wfx_restart(f);
	fd = raw_connect(f);
	start = ms_now();
	raw_send(f, fd, "GET / HTTP/1.1\r\n", 16);
	/* One header line every 300 ms: each is in time, the block never is. */
	while (!closed && ms_now() - start < 5000) {
		raw_send(f, fd, "X-A: b\r\n", 8);
		free(raw_read(f, fd, 300, &closed));
	}
	if (!closed)
		fail_msg("a header trickle kept its connection for 5 s");
	assert_true(atomic_load(&f->web->cut_slow) >= 1);
	close(fd);
	/* The view still answers. */
	fd = raw_connect(f);
	raw_send(f, fd, "GET /static/app.css HTTP/1.1\r\nHost: x\r\n\r\n", 41);
	resp = raw_read(f, fd, -1000, &closed);
	assert_memory_equal(resp, "HTTP/1.1 200", 12);
	free(resp);
	close(fd);
}

static void test_security_per_address_cap(void **state)
{
	struct wfx *f = *state;
	int fds[5], closed_n = 0;

	f->web_cfg.max_per_client = 3;
	wfx_restart(f);
	for (int i = 0; i < 5; i++)
		fds[i] = raw_connect(f);
	pump(f, 100);
	for (int i = 0; i < 5; i++) {
		int closed;

		free(raw_read(f, fds[i], 50, &closed));
		closed_n += closed;
		close(fds[i]);
	}
	assert_int_equal(closed_n, 2);
	assert_int_equal(atomic_load(&f->web->refused_cap), 2);

	/* A reverse proxy ([web] proxies) carries every visitor's requests:
	 * its connections are not capped. */
	static char proxies[] = "::1, 127.0.0.1";

	f->web_cfg.proxies = proxies;
	wfx_restart(f);
	closed_n = 0;
	for (int i = 0; i < 5; i++)
		fds[i] = raw_connect(f);
	pump(f, 100);
	for (int i = 0; i < 5; i++) {
		int closed;

		free(raw_read(f, fds[i], 50, &closed));
		closed_n += closed;
		close(fds[i]);
	}
	assert_int_equal(closed_n, 0);
	assert_int_equal(atomic_load(&f->web->refused_cap), 0);
	f->web_cfg.proxies = NULL;
}

static void test_security_fresh_cross_site_and_rate(void **state)
{
	struct wfx *f = *state;
	static const char *const hostile[] = {
		"Origin: https://evil.example\r\n",
		"Sec-Fetch-Site: cross-site\r\n",
		"Origin: null\r\n",
	};
	struct wresp r;

	for (size_t i = 0; i < GW_ARRAY_SIZE(hostile); i++) {
		assert_int_equal(wfx_http(f, "POST", "/fresh", hostile[i], "token=x", 7, &r), 0);
		if (r.status != 403)
			fail_msg("case %zu: %s answered %d", i, hostile[i], r.status);
		wresp_clear(&r);
	}
	/* Same site, bad token: 403 each time, then 429 once the address
	 * has had its share. */
	for (int i = 0; i < WEB_FRESH_ADDR_MAX + 2; i++) {
		int want = i < WEB_FRESH_ADDR_MAX ? 403 : 429;

		assert_int_equal(wfx_http(f, "POST", "/fresh", "Sec-Fetch-Site: same-origin\r\nContent-Type: "
					  "application/x-www-form-urlencoded\r\n",
					  "token=x", 7, &r), 0);
		if (r.status != want)
			fail_msg("post %d: %d, expected %d", i, r.status, want);
		wresp_clear(&r);
	}
}

static void test_security_evhttp_errors_have_headers(void **state)
{
	struct wfx *f = *state;
	static const struct {
		const char *req;
		const char *status;
	} cases[] = {
		{ "GARBAGE\r\n\r\n", "HTTP/1.1 400" },
		{ "GET / HTTP/1.1\r\nBad Header Line\r\n\r\n", "HTTP/1.1 400" },
		{ "TRACE / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 405" },
		{ "POST /fresh HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n",
		  "HTTP/1.1 413" },
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		int fd = raw_connect(f), closed;
		char *resp;

		raw_send(f, fd, cases[i].req, strlen(cases[i].req));
		resp = raw_read(f, fd, -1000, &closed);
		if (strncmp(resp, cases[i].status, strlen(cases[i].status)) != 0)
			fail_msg("case %zu: expected %s, got:\n%.300s", i, cases[i].status, resp);
		assert_security_headers(resp, cases[i].status);
		free(resp);
		close(fd);
	}
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, wfx_setup, wfx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_security_anonymous_body_refused_early),
		T(test_security_body_budget),
		T(test_security_upload_signed_in_still_works),
		T(test_security_upload_3mb_with_csrf_in_query_streamed_to_disk),
		T(test_security_large_body_without_csrf_refused_before_read),
		T(test_security_large_body_to_non_upload_route_refused),
		T(test_security_large_chunked_body_stays_small),
		T(test_security_header_trickle_cut),
		T(test_security_per_address_cap),
		T(test_security_fresh_cross_site_and_rate),
		T(test_security_evhttp_errors_have_headers),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
