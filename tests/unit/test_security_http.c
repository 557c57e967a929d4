/*
 * test_security_http.c - the web view's files and response headers under
 * attack, over loopback against a real SQLite file (web_fixture.c):
 * uploaded file names that try to traverse paths or carry CR/LF are
 * refused with a clear error and never reach the file system (content is
 * filed by SHA-256), downloads get an exact, safe Content-Disposition, and no
 * request path or query adds a header to a response.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "buf.h"
#include "clock.h"
#include "web_fixture.h"

static char *path_of(int64_t id, const char *action)
{
	return action != NULL ? xasprintf("/t/%lld/%s", (long long)id, action) :
				xasprintf("/t/%lld", (long long)id);
}

/* POST a multipart reply holding one file; disposition_params are the
   Content-Disposition parameters after name="file", bytes as sent. */
static int upload(struct wfx *f, const char *cookie, int64_t thread, const char *csrf,
		  const char *disposition_params, const char *content, struct wresp *r)
{
	struct buf body = BUF_INIT;
	char *path = path_of(thread, "reply");
	char *h = xasprintf("%sContent-Type: multipart/form-data; boundary=SecB\r\n", cookie);
	int rc;

	buf_printf(&body, "--SecB\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n"
			  "--SecB\r\nContent-Disposition: form-data; name=\"file\"; %s\r\n"
			  "Content-Type: application/x-evil\r\n\r\n%s\r\n--SecB--\r\n",
		   csrf, disposition_params, content);
	rc = wfx_http(f, "POST", path, h, body.data, body.len, r);
	buf_release(&body);
	free(h);
	free(path);
	return rc;
}

/* ---- attachment names -------------------------------------------------- */

static const struct {
	const char *params;       /* Content-Disposition parameters as sent */
	const char *stored;       /* the name kept; NULL: refused */
	const char *disposition;  /* the download's Content-Disposition */
} name_cases[] = {
	/* Refused with a clear error (stored NULL): a path, a line break. */
	{ "filename=\"../../../etc/passwd\"", NULL, NULL },
	{ "filename=\"..\\\\..\\\\windows\\\\win.ini\"", NULL, NULL },
	{ "filename=\"/etc/shadow\"", NULL, NULL },
	{ "filename=\"dir/\"", NULL, NULL },
	{ "filename=\"..\"", NULL, NULL },
	{ "filename=\"...\"", "...",
	  "attachment; filename=\"download\"; filename*=UTF-8''..." },
	{ "filename=\"%2e%2e%2fetc%2fpasswd\"", "%2e%2e%2fetc%2fpasswd",
	  "attachment; filename=\"_2e_2e_2fetc_2fpasswd\"; "
	  "filename*=UTF-8''%252e%252e%252fetc%252fpasswd" },
	{ "filename=\"a\nSet-Cookie: evil=1.txt\"", NULL, NULL },
	{ "filename=\"x\rLocation: evil.example\"", NULL, NULL },
	{ "filename=\"\xe2\x80\xae" "fdp.exe\"", "\xe2\x80\xae" "fdp.exe",
	  "attachment; filename=\"___fdp.exe\"; filename*=UTF-8''%E2%80%AEfdp.exe" },
	{ "filename=\"a;b\\\"c.txt\"", "a;b\"c.txt",
	  "attachment; filename=\"a_b_c.txt\"; filename*=UTF-8''a%3Bb%22c.txt" },
};

static int n_files, n_strays;
static char stray[256];

/* Every file under the fixture's directory is the database or a content
   file named by its SHA-256 under att/XX/. */
static int check_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	const char *base = path + ftw->base;
	size_t n = strlen(base);

	(void)st;
	if (flag != FTW_F)
		return 0;
	n_files++;
	if (strstr(path, "/att/") != NULL && n == 64 && strspn(base, "0123456789abcdef") == 64 &&
	    strncmp(base - 3, base, 2) == 0)
		return 0;
	if (strncmp(base, "gw.db", 5) == 0 && strstr(path, "/att/") == NULL)
		return 0;
	n_strays++;
	snprintf(stray, sizeof(stray), "%s", path);
	return 0;
}

static void test_security_http_attachment_names(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char *ta = path_of(f->ta, NULL);
	char *err = NULL;
	struct store_thread_view v;
	size_t n_kept = 0, k = 0;

	for (size_t i = 0; i < GW_ARRAY_SIZE(name_cases); i++) {
		char *csrf = wfx_csrf(f, anna, ta);
		char content[32];
		struct wresp r;

		snprintf(content, sizeof(content), "content %zu", i);
		assert_int_equal(upload(f, anna, f->ta, csrf, name_cases[i].params, content, &r), 0);
		if (name_cases[i].stored != NULL ? r.status != 303
		    : r.status != 400 || strstr(r.body, "cannot be used") == NULL)
			fail_msg("case %zu: upload status %d", i, r.status);
		n_kept += name_cases[i].stored != NULL;
		wresp_clear(&r);
		free(csrf);
	}
	/* Only the filename parameter counts: an RFC 2231 filename* alone is
	   no file at all. */
	{
		char *csrf = wfx_csrf(f, anna, ta);
		struct wresp r;

		assert_int_equal(upload(f, anna, f->ta, csrf,
					"filename*=UTF-8''..%2F..%2Fetc%2Fpasswd", "x", &r), 0);
		assert_int_equal(r.status, 400);
		wresp_clear(&r);
		free(csrf);
	}

	WFX_CHECK(store_thread_show(f->s, f->ta, 0, 0, 1, &v, &err), err);
	assert_int_equal(v.n_attachments, n_kept);
	for (size_t i = 0; i < GW_ARRAY_SIZE(name_cases); i++) {
		char path[32];
		struct wresp r;

		if (name_cases[i].stored == NULL)
			continue;
		if (strcmp(v.attachments[k].file_name, name_cases[i].stored) != 0)
			fail_msg("case %zu: stored \"%s\", want \"%s\"", i,
				 v.attachments[k].file_name, name_cases[i].stored);
		snprintf(path, sizeof(path), "/a/%lld", (long long)v.attachments[k++].id);

		assert_int_equal(wfx_http(f, "GET", path, anna, NULL, 0, &r), 0);
		assert_int_equal(r.status, 200);
		char *cd = wresp_header(&r, "Content-Disposition");
		if (cd == NULL || strcmp(cd, name_cases[i].disposition) != 0)
			fail_msg("case %zu: Content-Disposition \"%s\", want \"%s\"", i,
				 cd != NULL ? cd : "(none)", name_cases[i].disposition);
		free(cd);
		/* No header came from the name. */
		if (strstr(r.head, "\r\nSet-Cookie") != NULL || strstr(r.head, "\r\nLocation") != NULL)
			fail_msg("case %zu: injected header in\n%s", i, r.head);
		char *ct = wresp_header(&r, "Content-Type");
		assert_string_equal(ct, "application/octet-stream");
		free(ct);
		char *csp = wresp_header(&r, "Content-Security-Policy");
		assert_non_null(strstr(csp, "sandbox"));
		free(csp);
		wresp_clear(&r);
	}
	store_thread_view_clear(&v);

	/* Names never reached the file system. */
	n_files = n_strays = 0;
	assert_int_equal(nftw(f->dir, check_file, 16, FTW_PHYS), 0);
	if (n_strays > 0)
		fail_msg("%d stray files, e.g. %s", n_strays, stray);
	assert_true(n_files >= (int)n_kept);
	free(ta);
	free(anna);
}

/* ---- header injection through requests ---------------------------------- */

static void test_security_http_no_header_injection_from_requests(void **state)
{
	struct wfx *f = *state;
	char *anna = wfx_login(f, LINK_CONTACT, f->anna);
	char token[LINK_TOKEN_MAX];
	static const char *const paths[] = {
		"/t/1%0d%0aSet-Cookie:%20evil=1", "/%0d%0aLocation:%20http://evil.example/",
		"/a/1%0d%0aX-Evil:%201", "/v/%0d%0aSet-Cookie:%20evil=1",
		"/u/x%0d%0aSet-Cookie:%20evil=1", "/static/app.css%0d%0aX-Evil:%201",
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(paths); i++) {
		for (int c = 0; c < 2; c++) {
			struct wresp r;

			assert_int_equal(wfx_http(f, "GET", paths[i], c ? anna : NULL, NULL, 0, &r), 0);
			if (strcasestr(r.head, "evil") != NULL)
				fail_msg("case %zu: %s echoed into the headers:\n%s", i, paths[i], r.head);
			if (r.status < 400)
				fail_msg("case %zu: status %d", i, r.status);
			wresp_clear(&r);
		}
	}
	/* Locations are built from ids only. */
	wfx_token(f, LINK_VIEW, f->ta, LINK_CONTACT, f->anna, clock_now() + 600, token);
	char path[256];
	struct wresp r;
	snprintf(path, sizeof(path), "/v/%s?next=%%0d%%0aSet-Cookie:%%20evil=1", token);
	assert_int_equal(wfx_http(f, "GET", path, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.status, 303);
	char *loc = wresp_header(&r, "Location");
	char want[32];
	snprintf(want, sizeof(want), "/t/%lld", (long long)f->ta);
	assert_string_equal(loc, want);
	assert_null(strcasestr(r.head, "evil"));
	free(loc);
	wresp_clear(&r);
	free(anna);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, wfx_setup, wfx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_security_http_attachment_names),
		T(test_security_http_no_header_injection_from_requests),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
