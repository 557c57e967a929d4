/*
 * test_inbound_corpus.c - the inbound parser over the third-party corpus
 * in ../shared/corpus (GW_CORPUS_DIR), which is not part of the project:
 * every test skips, saying so, when the folder is absent.
 *
 *   bounces/  every non-delivery report, complaint and auto-reply must be
 *             classified bounce or automatic, twice: as delivered to our
 *             bounce+ VERP address from its Return-Path, and - harder - to
 *             a reply+ address from its From address, where only the
 *             message itself can tell.
 *   mime/     every file gets a verdict with clean strings (the sanitizer
 *             build runs this under ASan and UBSan).
 *   replies/  the human replies (*.eml) are human, with the recipient as
 *             the first token candidate and a non-empty quote.
 *
 * The time of parse + classify per message is measured and printed, never
 * asserted.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>

#include "test_inbound_util.h"
#include "test_skip.h"

#define VERP "bounce+f5g7h9j1k3@reply.example"
#define RCPT "reply+k2v7qmxd4a@reply.example"

/*
 * Files of bounces/ that are not automatic mail when the envelope does not
 * say so.  Keep this list tiny, each with its reason.
 */
static const char *const content_exceptions[] = {
	/* a person forwarding a bounce to a colleague ("Fwd: Returned mail"):
	   written by a human, correctly human when it reaches a reply address */
	"lhost-sendmail-14.eml",
};

struct files {
	char **path;
	size_t n, cap;
};

static void files_add(struct files *f, const char *path)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 256;
		f->path = xrealloc(f->path, f->cap * sizeof(*f->path));
	}
	f->path[f->n++] = xstrdup(path);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular files under DIR, recursively, sorted; SUFFIX filters when set. */
static void files_scan(struct files *f, const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char *path;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				files_scan(f, path, suffix);
			else if (S_ISREG(st.st_mode) &&
				 (!suffix || (strlen(e->d_name) > strlen(suffix) &&
					      !strcmp(e->d_name + strlen(e->d_name) - strlen(suffix),
						      suffix))))
				files_add(f, path);
		}
		free(path);
	}
	closedir(d);
	qsort(f->path, f->n, sizeof(*f->path), cmp_str);
}

static void files_free(struct files *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->path[i]);
	free(f->path);
}

/*
 * The corpus folder SUB, under GW_CORPUS_DIR (the environment's, else the
 * build's); skip the test, saying so, when it is absent.
 */
static char *corpus_dir(const char *sub)
{
	const char *root = getenv("GW_CORPUS_DIR");
	char *dir;
	struct stat st;

	if (root == NULL || root[0] == '\0')
		root = GW_CORPUS_DIR;
	dir = xasprintf("%s/%s", root, sub);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		free(dir);
		if (stat(root, &st) != 0)
			test_skip("corpus tests: no corpus at %s", root);
		test_skip("corpus tests: no corpus folder %s/%s", root, sub);
	}
	return dir;
}

/*
 * An envelope sender for a file: its Return-Path, else its From (with
 * FROM_ONLY set: the From address, or an ordinary address when it has
 * none, so that only the content can tell).
 */
static char *envelope_sender(const char *data, int from_only)
{
	static const char *const names[] = { "Return-Path:", "From:" };
	size_t k;

	for (k = from_only ? 1 : 0; k < 2; k++) {
		const char *p = data;

		while (*p && *p != '\n' && !(*p == '\r' && p[1] == '\n')) {
			if (!strncasecmp(p, names[k], strlen(names[k]))) {
				const char *v = p + strlen(names[k]), *lt, *gt, *e;

				e = strchr(v, '\n');
				e = e ? e : v + strlen(v);
				lt = memchr(v, '<', (size_t)(e - v));
				gt = lt ? memchr(lt, '>', (size_t)(e - lt)) : NULL;
				if (lt && gt)
					v = lt + 1, e = gt;
				while (v < e && (*v == ' ' || *v == '\t'))
					v++;
				while (e > v && (e[-1] == '\r' || e[-1] == ' '))
					e--;
				if (from_only && !memchr(v, '@', (size_t)(e - v)))
					break;
				return xstrndup(v, (size_t)(e - v));
			}
			p = strchr(p, '\n');
			if (!p)
				break;
			p++;
		}
	}
	return xstrdup(from_only ? "someone@example.net" : "");
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

struct timing {
	double total, max;
	size_t n;
	const char *slowest;
};

static void timing_add(struct timing *t, double us, const char *path)
{
	t->total += us;
	t->n++;
	if (us > t->max) {
		t->max = us;
		t->slowest = path;
	}
}

static void timing_print(const char *what, const struct timing *t)
{
	if (t->n)
		print_message("%s: %zu messages, parse+classify mean %.0f us, max %.0f us (%s)\n",
			      what, t->n, t->total / (double)t->n, t->max,
			      t->slowest ? strrchr(t->slowest, '/') + 1 : "-");
}

static int is_exception(const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(content_exceptions); i++)
		if (!strcmp(base, content_exceptions[i]))
			return 1;
	return 0;
}

static void test_inbound_corpus_bounces(void **state)
{
	char *dir = corpus_dir("bounces");
	struct files f = { 0 };
	struct timing t = { 0 };
	size_t i, failed = 0, with_status = 0, bounces = 0, automatic = 0;

	files_scan(&f, dir, ".eml");
	assert_true(f.n > 0);
	for (i = 0; i < f.n; i++) {
		size_t len;
		char *data = tu_slurp(f.path[i], &len);
		char *sender[2];
		int pass;

		assert_non_null(data);
		sender[0] = envelope_sender(data, 0);
		sender[1] = envelope_sender(data, 1);
		for (pass = 0; pass < 2; pass++) {
			const char *rcpt = pass == 0 ? VERP : RCPT;
			double t0 = now_us();
			struct inbound_result *r = tu_parse(data, len, sender[pass], rcpt, NULL);

			assert_non_null(r);
			if (pass == 1)
				timing_add(&t, now_us() - t0, f.path[i]);
			assert_true(tu_result_clean(r));
			if (r->verdict != INBOUND_BOUNCE && r->verdict != INBOUND_AUTOMATIC &&
			    !(pass == 1 && is_exception(f.path[i]))) {
				print_message("not automatic (to %s): %s: %s \"%s\"\n", rcpt,
					      f.path[i], inbound_verdict_name(r->verdict), r->reason);
				failed++;
			}
			if (pass == 1 && r->verdict == INBOUND_BOUNCE) {
				bounces++;
				with_status += r->bounce.status[0] != '\0';
			}
			if (pass == 1 && r->verdict == INBOUND_AUTOMATIC)
				automatic++;
			inbound_result_free(&r);
		}
		free(sender[0]);
		free(sender[1]);
		free(data);
	}
	print_message("bounces/: %zu files: %zu bounce (%zu with a status code), %zu automatic, "
		      "%zu expected exception(s)\n",
		      f.n, bounces, with_status, automatic, GW_ARRAY_SIZE(content_exceptions));
	timing_print("bounces/", &t);
	files_free(&f);
	free(dir);
	if (failed)
		fail_msg("%zu classifications of bounces/ were not bounce or automatic", failed);
}

static void test_inbound_corpus_mime(void **state)
{
	char *dir = corpus_dir("mime");
	struct files f = { 0 };
	struct timing t = { 0 };
	size_t i, count[INBOUND_MALFORMED + 1] = { 0 };

	files_scan(&f, dir, NULL);
	assert_true(f.n > 0);
	for (i = 0; i < f.n; i++) {
		size_t len;
		char *data = tu_slurp(f.path[i], &len);
		double t0;
		struct inbound_result *r;

		assert_non_null(data);
		t0 = now_us();
		r = tu_parse(data, len, "someone@example.org", RCPT, NULL);
		timing_add(&t, now_us() - t0, f.path[i]);
		if (!r || r->verdict < INBOUND_LOOP || r->verdict > INBOUND_MALFORMED ||
		    !tu_result_clean(r))
			fail_msg("%s: no verdict or unclean result", f.path[i]);
		if (r->quote && strlen(r->quote) > INBOUND_DEFAULT_MAX_QUOTE + 4)
			fail_msg("%s: quote of %zu bytes", f.path[i], strlen(r->quote));
		count[r->verdict]++;
		inbound_result_free(&r);
		free(data);
	}
	print_message("mime/: %zu files: %zu human, %zu automatic, %zu bounce, %zu loop, "
		      "%zu over-limit, %zu malformed\n",
		      f.n, count[INBOUND_HUMAN], count[INBOUND_AUTOMATIC], count[INBOUND_BOUNCE],
		      count[INBOUND_LOOP], count[INBOUND_OVER_LIMIT], count[INBOUND_MALFORMED]);
	timing_print("mime/", &t);
	files_free(&f);
	free(dir);
}

static void test_inbound_corpus_replies(void **state)
{
	char *dir = corpus_dir("replies");
	struct files f = { 0 };
	struct timing t = { 0 };
	size_t i;

	files_scan(&f, dir, ".eml");
	assert_true(f.n > 0);
	for (i = 0; i < f.n; i++) {
		size_t len;
		char *data = tu_slurp(f.path[i], &len);
		char *sender;
		double t0;
		struct inbound_result *r;

		assert_non_null(data);
		sender = envelope_sender(data, 0);
		t0 = now_us();
		r = tu_parse(data, len, sender, RCPT, NULL);
		timing_add(&t, now_us() - t0, f.path[i]);
		assert_non_null(r);
		if (r->verdict != INBOUND_HUMAN)
			fail_msg("%s: %s \"%s\", want human", f.path[i],
				 inbound_verdict_name(r->verdict), r->reason);
		if (r->n_tokens < 1 || r->tokens[0].source != INBOUND_TOKEN_RECIPIENT ||
		    strcmp(r->tokens[0].value, RCPT) != 0)
			fail_msg("%s: the recipient is not the first token candidate", f.path[i]);
		if (!r->quote || !*r->quote || r->quote[0] == '>' || strstr(r->quote, "\n>") ||
		    strstr(r->quote, "wrote:") || strstr(r->quote, "Original Message"))
			fail_msg("%s: quote \"%s\"", f.path[i], r->quote ? r->quote : "(null)");
		inbound_result_free(&r);
		free(sender);
		free(data);
	}
	timing_print("replies/", &t);
	files_free(&f);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inbound_corpus_bounces),
		cmocka_unit_test(test_inbound_corpus_mime),
		cmocka_unit_test(test_inbound_corpus_replies),
	};

	inbound_init();
	return test_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
