/*
 * test_inbound_limits.c - the inbound parser against hostile and broken
 * input: size, header bombs, deep MIME nesting and part floods give the
 * over-limit verdict (and which limit), limits are exact at their edges,
 * malformed and truncated messages still get a verdict, nothing is printed
 * on stderr, bad calls are refused, inbound_read_fd() bounds what it
 * stores, and parsing from several threads at once gives the same answers.
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <gmime/gmime.h>

#include "test_inbound_util.h"

#define RCPT "reply+k2v7qmxd4a@reply.example"
#define CLIENT "client@client.example"
#define HEAD "From: Client <" CLIENT ">\nTo: " RCPT "\nSubject: Re: x\nMessage-ID: <big@client.example>\n"

static struct inbound_result *parse_buf(const struct buf *b, const struct inbound_limits *lim)
{
	struct inbound_result *r = tu_parse(b->data, b->len, CLIENT, RCPT, lim);

	assert_non_null(r);
	assert_true(tu_result_clean(r));
	return r;
}

static void expect_limit(struct inbound_result *r, enum inbound_limit which, const char *reason)
{
	if (r->verdict != INBOUND_OVER_LIMIT || r->limit != which || strcmp(r->reason, reason))
		fail_msg("got %s \"%s\" (limit %d), want over-limit \"%s\"",
			 inbound_verdict_name(r->verdict), r->reason, (int)r->limit, reason);
}

static void test_inbound_limits_size(void **state)
{
	struct buf b = BUF_INIT;
	struct inbound_limits lim;
	struct inbound_envelope env = { CLIENT, RCPT, REPLY_DOMAIN, 0 };
	struct inbound_result *r;
	char *err = NULL;

	buf_puts(&b, HEAD "\n");
	while (b.len < 2000)
		buf_puts(&b, "Some text of a long reply.\n");
	inbound_limits_init(&lim);
	lim.max_size = 1000;
	r = parse_buf(&b, &lim);
	expect_limit(r, INBOUND_LIMIT_SIZE, "limit: size");
	assert_int_equal(r->size, b.len);
	/* the header block is still read for the log */
	assert_string_equal(r->message_id, "big@client.example");
	assert_string_equal(r->from, CLIENT);
	assert_string_equal(r->tokens[0].value, RCPT);
	assert_null(r->quote);
	inbound_result_free(&r);

	/* exactly at the limit is fine */
	lim.max_size = b.len;
	r = parse_buf(&b, &lim);
	assert_int_equal(r->verdict, INBOUND_HUMAN);
	inbound_result_free(&r);

	/* the reader stored a prefix: total_len tells the real size */
	env.total_len = (size_t)60 * 1024 * 1024;
	assert_int_equal(inbound_parse(b.data, b.len, &env, NULL, &r, &err), 0);
	expect_limit(r, INBOUND_LIMIT_SIZE, "limit: size");
	assert_int_equal(r->size, env.total_len);
	assert_string_equal(r->message_id, "big@client.example");
	inbound_result_free(&r);
	buf_release(&b);
}

static void test_inbound_limits_header_bomb(void **state)
{
	struct buf b = BUF_INIT;
	struct inbound_limits lim;
	struct inbound_result *r;
	int i;

	/* many fields */
	buf_puts(&b, HEAD);
	for (i = 0; i < 6000; i++)
		buf_printf(&b, "X-Filler-%d: %060d\n", i, i);
	buf_puts(&b, "\nbody\n");
	r = parse_buf(&b, NULL);
	expect_limit(r, INBOUND_LIMIT_HEADER_BYTES, "limit: header bytes");
	assert_true(r->header_bytes > INBOUND_DEFAULT_MAX_HEADER_BYTES);
	assert_null(r->message_id); /* the block is not parsed at all */
	inbound_result_free(&r);

	/* one field folded a hundred thousand times */
	buf_reset(&b);
	buf_puts(&b, HEAD "Subject: x\n");
	for (i = 0; i < 100000; i++)
		buf_puts(&b, " folded\n");
	buf_puts(&b, "\nbody\n");
	r = parse_buf(&b, NULL);
	expect_limit(r, INBOUND_LIMIT_HEADER_BYTES, "limit: header bytes");
	inbound_result_free(&r);

	/* no blank line at all */
	buf_reset(&b);
	for (i = 0; i < 40000; i++)
		buf_puts(&b, "X-No-End: aaaaaaaa\n");
	r = parse_buf(&b, NULL);
	expect_limit(r, INBOUND_LIMIT_HEADER_BYTES, "limit: header bytes");
	inbound_result_free(&r);

	/* the edge: a header block of exactly max bytes passes */
	buf_reset(&b);
	buf_puts(&b, HEAD);
	while (b.len < 990)
		buf_puts(&b, "X-Pad: y\n");
	inbound_limits_init(&lim);
	lim.max_header_bytes = b.len;
	buf_puts(&b, "\nbody\n");
	r = parse_buf(&b, &lim);
	assert_int_equal(r->verdict, INBOUND_HUMAN);
	assert_int_equal(r->header_bytes, lim.max_header_bytes);
	inbound_result_free(&r);
	lim.max_header_bytes--;
	r = parse_buf(&b, &lim);
	expect_limit(r, INBOUND_LIMIT_HEADER_BYTES, "limit: header bytes");
	inbound_result_free(&r);
	buf_release(&b);
}

/* DEPTH nested multiparts, each with one text part at the bottom. */
static void nested_multipart(struct buf *b, int depth, const char *boundary_param)
{
	int i;

	buf_reset(b);
	buf_puts(b, HEAD "MIME-Version: 1.0\n");
	for (i = 0; i < depth; i++)
		buf_printf(b, "Content-Type: multipart/mixed; %s\"b%d\"\n\n--b%d\n", boundary_param,
			   i, i);
	buf_puts(b, "Content-Type: text/plain\n\ndeep text\n");
	for (i = depth - 1; i >= 0; i--)
		buf_printf(b, "--b%d--\n", i);
}

static void test_inbound_limits_mime_depth(void **state)
{
	struct buf b = BUF_INIT;
	struct inbound_limits lim;
	struct inbound_result *r;
	int i;

	nested_multipart(&b, 100, "boundary=");
	r = parse_buf(&b, NULL);
	expect_limit(r, INBOUND_LIMIT_MIME_DEPTH, "limit: mime depth");
	assert_true(r->mime_depth > INBOUND_DEFAULT_MAX_MIME_DEPTH);
	assert_string_equal(r->message_id, "big@client.example");
	inbound_result_free(&r);

	/* attached messages inside attached messages */
	buf_reset(&b);
	buf_puts(&b, HEAD);
	for (i = 0; i < 100; i++)
		buf_puts(&b, "Content-Type: message/rfc822\n\nSubject: inner\n");
	buf_puts(&b, "\nbottom\n");
	r = parse_buf(&b, NULL);
	expect_limit(r, INBOUND_LIMIT_MIME_DEPTH, "limit: mime depth");
	inbound_result_free(&r);

	/* the edge: depth 3 passes a limit of 3, depth 4 does not */
	inbound_limits_init(&lim);
	lim.max_mime_depth = 3;
	nested_multipart(&b, 3, "boundary=");
	r = parse_buf(&b, &lim);
	assert_int_equal(r->verdict, INBOUND_HUMAN);
	assert_int_equal(r->mime_depth, 3);
	assert_string_equal(r->quote, "deep text");
	inbound_result_free(&r);
	nested_multipart(&b, 4, "boundary=");
	r = parse_buf(&b, &lim);
	expect_limit(r, INBOUND_LIMIT_MIME_DEPTH, "limit: mime depth");
	inbound_result_free(&r);

	/* boundaries as RFC 2231 continuations, which gmime understands too */
	nested_multipart(&b, 40, "boundary*0=");
	r = parse_buf(&b, NULL);
	expect_limit(r, INBOUND_LIMIT_MIME_DEPTH, "limit: mime depth");
	inbound_result_free(&r);
	buf_release(&b);
}

static void parts_message(struct buf *b, int n)
{
	int i;

	buf_reset(b);
	buf_puts(b, HEAD "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=p\n\n");
	for (i = 0; i < n; i++)
		buf_printf(b, "--p\nContent-Type: text/plain\n\npart %d\n", i);
	buf_puts(b, "--p--\n");
}

static void test_inbound_limits_parts(void **state)
{
	struct buf b = BUF_INIT;
	struct inbound_limits lim;
	struct inbound_result *r;

	parts_message(&b, 600);
	r = parse_buf(&b, NULL);
	expect_limit(r, INBOUND_LIMIT_PARTS, "limit: parts");
	inbound_result_free(&r);

	/* the same flood behind an RFC 2231 boundary */
	buf_reset(&b);
	buf_puts(&b, HEAD "Content-Type: multipart/mixed; boundary*0=\"e\"; boundary*1=\"f\"\n\n");
	while (b.len < 100000)
		buf_puts(&b, "--ef\n");
	r = parse_buf(&b, NULL);
	expect_limit(r, INBOUND_LIMIT_PARTS, "limit: parts");
	inbound_result_free(&r);

	/* empty parts cost the parser as much as full ones */
	buf_reset(&b);
	buf_puts(&b, HEAD "Content-Type: multipart/mixed; boundary=e\n\n");
	while (b.len < 100000)
		buf_puts(&b, "--e\n");
	r = parse_buf(&b, NULL);
	expect_limit(r, INBOUND_LIMIT_PARTS, "limit: parts");
	inbound_result_free(&r);

	/* the edge: the message and 4 parts make 5 */
	inbound_limits_init(&lim);
	lim.max_parts = 5;
	parts_message(&b, 4);
	r = parse_buf(&b, &lim);
	assert_int_equal(r->verdict, INBOUND_HUMAN);
	assert_int_equal(r->mime_parts, 5);
	assert_string_equal(r->quote, "part 0");
	inbound_result_free(&r);
	parts_message(&b, 5);
	r = parse_buf(&b, &lim);
	expect_limit(r, INBOUND_LIMIT_PARTS, "limit: parts");
	inbound_result_free(&r);
	buf_release(&b);
}

static void test_inbound_malformed_gets_a_verdict(void **state)
{
	static const struct {
		const char *data;
		enum inbound_verdict verdict;
		const char *reason;
	} t[] = {
		{ "", INBOUND_MALFORMED, "malformed: empty message" },
		{ "From someone@example.org Tue Nov 24 10:00:00 2026\n", INBOUND_MALFORMED,
		  "malformed: empty message" },
		{ "\n\nonly a body\n", INBOUND_MALFORMED, "malformed: no header" },
		/* an mbox From line is skipped */
		{ "From x@y Tue Nov 24 10:00:00 2026\nFrom: a@client.example\nSubject: Re: x\n\nHi\n",
		  INBOUND_HUMAN, "human" },
	};
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(t); i++) {
		struct inbound_result *r = tu_parse(t[i].data, strlen(t[i].data), CLIENT, RCPT, NULL);

		assert_non_null(r);
		if (r->verdict != t[i].verdict || strcmp(r->reason, t[i].reason) != 0)
			fail_msg("case %zu: got %s \"%s\", want \"%s\"", i,
				 inbound_verdict_name(r->verdict), r->reason, t[i].reason);
		assert_true(tu_result_clean(r));
		assert_int_equal(r->n_tokens, 1);
		inbound_result_free(&r);
	}
}

/*
 * Every prefix of a report, and the same with bytes flipped: a verdict,
 * clean strings, no crash (the sanitizer build watches the memory).
 */
static void test_inbound_truncated_and_mangled(void **state)
{
	char path[512];
	size_t len, cut;
	char *data;
	unsigned int seed = 12345;

	snprintf(path, sizeof(path), "%s/inbound/dsn-permanent.eml", GW_TESTDATA_DIR);
	data = tu_slurp(path, &len);
	assert_non_null(data);
	for (cut = 0; cut <= len; cut += 7) {
		struct inbound_result *r = tu_parse(data, cut, "", RCPT, NULL);

		if (!r || !tu_result_clean(r))
			fail_msg("prefix of %zu bytes: no clean result", cut);
		inbound_result_free(&r);
	}
	for (cut = 0; cut < 300; cut++) {
		char *copy = xstrndup(data, len);
		struct inbound_result *r;
		int k;

		for (k = 0; k < 8; k++) {
			seed = seed * 1103515245u + 12345u;
			copy[(seed >> 8) % len] = (char)(seed >> 16);
		}
		r = tu_parse(copy, len, "", RCPT, NULL);
		if (!r || !tu_result_clean(r))
			fail_msg("mangled copy %zu: no clean result", cut);
		inbound_result_free(&r);
		free(copy);
	}
	free(data);
}

static void test_inbound_bad_calls(void **state)
{
	struct inbound_envelope env = { CLIENT, RCPT, REPLY_DOMAIN, 0 };
	struct inbound_result *r = NULL;
	char *err = NULL;

	assert_int_equal(inbound_parse(NULL, 5, &env, NULL, &r, &err), -1);
	assert_non_null(err);
	assert_null(r);
	free(err);
	err = NULL;
	assert_int_equal(inbound_parse("x", 1, NULL, NULL, &r, &err), -1);
	assert_non_null(err);
	free(err);
	/* NULL with length 0 is an empty message, not a bad call */
	assert_int_equal(inbound_parse(NULL, 0, &env, NULL, &r, &err), 0);
	assert_int_equal(r->verdict, INBOUND_MALFORMED);
	inbound_result_free(&r);
	inbound_result_free(&r); /* NULL is fine */
	inbound_result_free(NULL);
}

static void test_inbound_read_fd(void **state)
{
	struct inbound_limits lim;
	int fds[2];
	char *data = NULL, *err = NULL;
	size_t len = 0, total = 0, i;
	char chunk[3000];

	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)('a' + i % 26);
	memcpy(chunk, "Subject: x\n\n", 12);
	inbound_limits_init(&lim);
	lim.max_size = 1000;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], chunk, sizeof(chunk)), (ssize_t)sizeof(chunk));
	close(fds[1]);
	assert_int_equal(inbound_read_fd(fds[0], &lim, &data, &len, &total, &err), 0);
	close(fds[0]);
	assert_int_equal(len, 1000);
	assert_int_equal(total, sizeof(chunk));
	assert_memory_equal(data, chunk, 1000);
	assert_int_equal(data[len], '\0');
	free(data);

	/* a closed descriptor is a read error with a message */
	assert_int_equal(inbound_read_fd(fds[0], &lim, &data, &len, &total, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, "read"));
	free(err);
}

/* gmime's and GLib's complaints are counted, never printed. */
static void test_inbound_stderr_stays_quiet(void **state)
{
	static const char *const noisy[] = {
		"Content-Type: multipart/mixed\n\nno boundary\n",
		("From: a@b.example\nFrom: c@d.example\nContent-Type: text/plain; charset=x-bogus\n"
		 "Content-Type: text/html\nSubject: =?x-unknown?Q?abc?=\n\n\xff\xfe\n"),
		"Content-Type: multipart/mixed; boundary=x\n\n--x\n--x\n--x--\n",
		"References: <\nIn-Reply-To: <<<>>>\nFrom: <>\n\nx\n",
	};
	char tmpl[] = "/tmp/test_inbound_stderrXXXXXX";
	int fd = mkstemp(tmpl), saved;
	unsigned int warnings = 0;
	size_t i;
	off_t size;

	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	for (i = 0; i < GW_ARRAY_SIZE(noisy); i++) {
		struct inbound_result *r = tu_parse(noisy[i], strlen(noisy[i]), CLIENT, RCPT, NULL);

		if (r)
			warnings += r->parser_warnings;
		inbound_result_free(&r);
	}
	/* a critical from gmime itself (NOTES.md: it logs one for NULL text) */
	assert_null(g_mime_references_parse(NULL, NULL));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	size = lseek(fd, 0, SEEK_END);
	close(fd);
	unlink(tmpl);
	assert_int_equal(size, 0);
	assert_true(warnings > 0);
}

struct thread_arg {
	const char *const *msgs;
	size_t n;
	const enum inbound_verdict *want;
	int bad;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	int round;
	size_t i;

	for (round = 0; round < 20; round++) {
		for (i = 0; i < a->n; i++) {
			struct inbound_result *r =
				tu_parse(a->msgs[i], strlen(a->msgs[i]), CLIENT, RCPT, NULL);

			if (!r || r->verdict != a->want[i])
				a->bad++;
			inbound_result_free(&r);
		}
	}
	return NULL;
}

static void test_inbound_threads_agree(void **state)
{
	static const char *const msgs[] = {
		"From: a@client.example\nSubject: Re: x\n\nHi\n",
		"From: a@client.example\nSubject: Out of Office\n\nAway\n",
		"From: MAILER-DAEMON@x.example\nSubject: failure notice\n\n550 5.1.1 unknown\n",
		"From: a@client.example\nX-Gatewayd-Loop: reply.example\n\nx\n",
		"From: a@client.example\nContent-Type: multipart/mixed; boundary=q\n\n--q\n\nbody\n--q--\n",
	};
	static const enum inbound_verdict want[] = {
		INBOUND_HUMAN, INBOUND_AUTOMATIC, INBOUND_BOUNCE, INBOUND_LOOP, INBOUND_HUMAN,
	};
	struct thread_arg args[4];
	pthread_t th[4];
	int i;

	for (i = 0; i < 4; i++) {
		args[i].msgs = msgs;
		args[i].n = GW_ARRAY_SIZE(msgs);
		args[i].want = want;
		args[i].bad = 0;
		assert_int_equal(pthread_create(&th[i], NULL, thread_main, &args[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		if (args[i].bad)
			fail_msg("thread %d: %d wrong verdicts", i, args[i].bad);
	}
}

/* The same bytes give the same digest; a redelivery is recognisable. */
static void test_inbound_digest(void **state)
{
	static const char a[] = "From: a@client.example\nSubject: x\n\nHi\n";
	static const char b[] = "From: a@client.example\nSubject: x\n\nHi!\n";
	struct inbound_result *r1 = tu_parse(a, strlen(a), CLIENT, RCPT, NULL);
	struct inbound_result *r2 = tu_parse(a, strlen(a), CLIENT, RCPT, NULL);
	struct inbound_result *r3 = tu_parse(b, strlen(b), CLIENT, RCPT, NULL);

	assert_string_equal(r1->digest, r2->digest);
	assert_string_not_equal(r1->digest, r3->digest);
	/* SHA-256 of "abc" is the FIPS 180-2 example */
	inbound_result_free(&r3);
	r3 = tu_parse("abc", 3, CLIENT, RCPT, NULL);
	assert_string_equal(r3->digest,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	inbound_result_free(&r1);
	inbound_result_free(&r2);
	inbound_result_free(&r3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inbound_limits_size),
		cmocka_unit_test(test_inbound_limits_header_bomb),
		cmocka_unit_test(test_inbound_limits_mime_depth),
		cmocka_unit_test(test_inbound_limits_parts),
		cmocka_unit_test(test_inbound_malformed_gets_a_verdict),
		cmocka_unit_test(test_inbound_truncated_and_mangled),
		cmocka_unit_test(test_inbound_bad_calls),
		cmocka_unit_test(test_inbound_read_fd),
		cmocka_unit_test(test_inbound_stderr_stays_quiet),
		cmocka_unit_test(test_inbound_threads_agree),
		cmocka_unit_test(test_inbound_digest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
