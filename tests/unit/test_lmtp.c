/*
 * test_lmtp.c - the LMTP listener (mta-hooks/lmtp.c) over a real socket
 * on 127.0.0.1, deciding into a real SQLite database with real keys (the
 * decide fixture): every command, pipelining, per-recipient replies, bad
 * sequences, garbage, oversize, and what the database holds afterwards;
 * decisions on a store pool shared with other writers, and a close that
 * takes back a message still queued there.
 */
#include "decide_fixture.h"

#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lmtp.h"
#include "pool.h"
#include "mta_listen_util.h"

#define LT_MAX_SIZE 4096

struct lt {
	struct fx f;
	struct ml_loop loop;
	struct lmtp *lmtp;
	int port;
	int queued;       /* outbox_queued calls (loop thread) */
	int delivered;    /* delivered calls (loop thread) */
};

static void on_queued(void *ctx)
{
	((struct lt *)ctx)->queued++;
}

static void on_delivered(void *ctx, enum gw_result r, const char *line)
{
	(void)r;
	(void)line;
	((struct lt *)ctx)->delivered++;
}

static int setup(void **state)
{
	struct lt *t = xcalloc(1, sizeof(*t));
	struct lmtp_settings set;
	char *err = NULL;

	fx_setup(&t->f, 1);
	ml_loop_init(&t->loop);
	memset(&set, 0, sizeof(set));
	set.listen = "127.0.0.1:0";
	set.keys = t->f.keys;
	set.reply_domain = FX_REPLY_DOMAIN;
	set.store = &t->f.cs;
	inbound_limits_init(&set.limits);
	set.limits.max_size = LT_MAX_SIZE;
	set.max_explanations_per_day = 5;
	set.max_errors = 3;
	set.outbox_queued = on_queued;
	set.delivered = on_delivered;
	set.ctx = t;
	if (lmtp_open(t->loop.base, &set, &t->lmtp, &err) != 0)
		fail_msg("lmtp_open: %s", err);
	t->port = lmtp_bound_port(t->lmtp);
	assert_true(t->port > 0);
	ml_loop_start(&t->loop);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct lt *t = *state;

	ml_loop_stop(&t->loop);
	lmtp_close(&t->lmtp);
	assert_null(t->lmtp);
	ml_loop_free(&t->loop);
	fx_teardown(&t->f);
	free(t);
	return 0;
}

/* Read one reply and check that it starts with WANT; case I in messages. */
static void expect(int fd, size_t i, const char *want)
{
	char *r = ml_reply(fd);

	if (r == NULL)
		fail_msg("case %zu: connection closed, want \"%s\"", i, want);
	if (strncmp(r, want, strlen(want)) != 0)
		fail_msg("case %zu: got \"%s\", want \"%s...\"", i, r, want);
	free(r);
}

static int lt_connect(struct lt *t)
{
	int fd = ml_connect(t->port);

	expect(fd, 0, "220 ");
	return fd;
}

static const char msg_human[] =
	"From: Jane Smith <jane@client.example>\n"
	"To: <%s>\n"
	"Subject: Re: Documents for 2026\n"
	"Date: Wed, 25 Nov 2026 10:00:00 +0000\n"
	"Message-ID: <lmtp-human-%d@client.example>\n"
	"References: <%s>\n"
	"MIME-Version: 1.0\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"\nThanks, I will send the bank statements tomorrow.\n"
	".A line that starts with a dot.\n\nJane\n";
static const char msg_autoreply[] =
	"From: Jane Smith <jane@client.example>\n"
	"To: <%s>\n"
	"Subject: Out of office: Re: Documents for 2026\n"
	"Message-ID: <lmtp-auto-%d@client.example>\n"
	"References: <%s>\n"
	"Auto-Submitted: auto-replied\n"
	"Content-Type: text/plain\n"
	"\nI am away until Monday.\n";

static char *forge(const char *addr)
{
	char *a = xstrdup(addr);
	char *c = strchr(a, '+') + 3;

	*c = *c == 'a' ? 'b' : 'a';
	return a;
}

/*
 * Everything in one write (PIPELINING): two recipients, one reply each
 * after DATA, in RCPT order; a human reply with a valid token is
 * explained once (the second recipient names the same thread and sender).
 */
static void test_lmtp_pipelined_session(void **state)
{
	struct lt *t = *state;
	struct fx *f = &t->f;
	char *r1 = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
	char *r2 = fx_address(f, LINK_REPLY, f->thread, f->bob, f->now + CLOCK_DAY);
	char *msg = fx_msg(msg_human, r1, 1, f->jane_mail_id);
	char *data = ml_data(msg);
	char *all = xasprintf("LHLO mx.example\r\nMAIL FROM:<jane@client.example> SIZE=%zu "
			      "BODY=8BITMIME\r\nRCPT TO:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n%s"
			      "QUIT\r\n", strlen(msg), r1, r2, data);
	char *want1 = xasprintf("250 2.0.0 <%s>", r1), *want2 = xasprintf("250 2.0.0 <%s>", r2);
	int fd = lt_connect(t);
	char *lhlo;

	ml_send(fd, all);
	lhlo = ml_reply(fd);
	assert_non_null(lhlo);
	assert_non_null(strstr(lhlo, "250-PIPELINING"));
	assert_non_null(strstr(lhlo, "250-8BITMIME"));
	assert_non_null(strstr(lhlo, "250-ENHANCEDSTATUSCODES"));
	assert_non_null(strstr(lhlo, "250 SIZE 4096"));
	free(lhlo);
	expect(fd, 1, "250 2.1.0");
	expect(fd, 2, "250 2.1.5");
	expect(fd, 3, "250 2.1.5");
	expect(fd, 4, "354 ");
	expect(fd, 5, want1);
	expect(fd, 6, want2);
	expect(fd, 7, "221 ");
	assert_true(ml_eof(fd));
	close(fd);

	/* Committed before the 250s went out. */
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log"), 2);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log WHERE verdict = 'explained'"),
			 1);
	assert_int_equal(fx_explanations(f), 1);
	/* Dot-unstuffed: the size logged is the message's own. */
	assert_int_equal(fx_int(f, "SELECT max(size) FROM inbound_log"), (int64_t)strlen(msg));
	ml_loop_stop(&t->loop);
	assert_int_equal(t->delivered, 2);
	assert_int_equal(t->queued, 1);
	ml_loop_start(&t->loop);
	free(r1);
	free(r2);
	free(msg);
	free(data);
	free(all);
	free(want1);
	free(want2);
}

/* An auto-reply is accepted (250) and never answered. */
static void test_lmtp_autoreply_not_explained(void **state)
{
	struct lt *t = *state;
	struct fx *f = &t->f;
	char *r1 = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
	char *msg = fx_msg(msg_autoreply, r1, 2, f->jane_mail_id);
	char *data = ml_data(msg);
	char *rcpt = xasprintf("RCPT TO:<%s>\r\n", r1);
	int fd = lt_connect(t);

	ml_send(fd, "LHLO mx.example\r\n");
	expect(fd, 1, "250");
	ml_send(fd, "MAIL FROM:<jane@client.example>\r\n");
	expect(fd, 2, "250 2.1.0");
	ml_send(fd, rcpt);
	expect(fd, 3, "250 2.1.5");
	ml_send(fd, "DATA\r\n");
	expect(fd, 4, "354 ");
	ml_send(fd, data);
	expect(fd, 5, "250 2.0.0");
	close(fd);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log WHERE verdict = 'automatic'"),
			 1);
	assert_int_equal(fx_explanations(f), 0);
	free(r1);
	free(msg);
	free(data);
	free(rcpt);
}

/* One session from MAIL FROM:<from>: each RCPT gets its answer, and none
 * of them leaves an inbound log row. */
struct rcpt_case {
	const char *rcpt, *want;
};

static void rcpt_cases(struct lt *t, const char *from, const struct rcpt_case *cases,
		       size_t n)
{
	int fd = lt_connect(t);
	char *hello = xasprintf("LHLO mx.example\r\nMAIL FROM:<%s>\r\n", from);

	ml_send(fd, hello);
	free(hello);
	expect(fd, 0, "250");
	expect(fd, 0, "250 2.1.0");
	for (size_t i = 0; i < n; i++) {
		char *cmd = xasprintf("RCPT TO:<%s>\r\n", cases[i].rcpt);

		ml_send(fd, cmd);
		expect(fd, i + 1, cases[i].want);
		free(cmd);
	}
	close(fd);
	assert_int_equal(fx_int(&t->f, "SELECT count(*) FROM inbound_log"), 0);
}

/* Forged, malformed and token-less reply addresses: 550 5.1.1 at RCPT. */
static void test_lmtp_rcpt_checks(void **state)
{
	struct lt *t = *state;
	struct fx *f = &t->f;
	char *valid = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
	char *expired = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now - CLOCK_DAY);
	char *forged = forge(valid);
	const struct rcpt_case cases[] = {
		{ forged, "550 5.1.1" },
		{ "reply+zz@reply.example", "550 5.1.1" },
		{ "nobody@reply.example", "550 5.1.1" },
		{ valid, "250 2.1.5" },
		{ expired, "250 2.1.5" },
	};

	rcpt_cases(t, "", cases, GW_ARRAY_SIZE(cases));
	free(valid);
	free(expired);
	free(forged);
}

/*
 * Only the reply domain is taken: any other domain (a lookalike, a
 * subdomain, a local part without one) is 550 5.1.1 at RCPT, whatever
 * the case and with or without a trailing dot for our own.
 */
static void test_lmtp_rcpt_outside_reply_domain_refused(void **state)
{
	struct lt *t = *state;
	struct fx *f = &t->f;
	char *valid = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
	char *at = strchr(valid, '@');
	char *other = xasprintf("%.*s@client.example", (int)(at - valid), valid);
	char *sub = xasprintf("%.*s@x.reply.example", (int)(at - valid), valid);
	char *upper = xasprintf("%.*s@REPLY.EXAMPLE.", (int)(at - valid), valid);
	const struct rcpt_case cases[] = {
		{ "jane@client.example", "550 5.1.1 <jane@client.example> not a reply address here" },
		{ other, "550 5.1.1" },
		{ sub, "550 5.1.1" },
		{ "reply.example", "550 5.1.1" },
		{ "postmaster@reply.example.org", "550 5.1.1" },
		{ upper, "250 2.1.5" },
		{ valid, "250 2.1.5" },
	};

	rcpt_cases(t, "jane@client.example", cases, GW_ARRAY_SIZE(cases));
	free(valid);
	free(other);
	free(sub);
	free(upper);
}

/*
 * A "." line after a bare LF is data, not the end of DATA: the message
 * goes on to the real CRLF.CRLF, and what followed the bare-LF dot is
 * not taken as commands (no reply for a smuggled RSET or MAIL).
 */
static void test_lmtp_bare_lf_dot_does_not_end_data(void **state)
{
	struct lt *t = *state;
	struct fx *f = &t->f;
	char *r1 = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
	char *cmds = xasprintf(
		"LHLO mx.example\r\nMAIL FROM:<jane@client.example>\r\nRCPT TO:<%s>\r\nDATA\r\n"
		"From: <jane@client.example>\r\nSubject: smuggle\r\n"
		"Message-ID: <lmtp-bare-lf@client.example>\r\nAuto-Submitted: auto-replied\r\n\r\n"
		"first\n.\nMAIL FROM:<evil@attacker.example>\r\nlast line\r\n.\r\nNOOP\r\n", r1);
	char *body;
	int fd = lt_connect(t);

	ml_send(fd, cmds);
	expect(fd, 0, "250");
	expect(fd, 1, "250 2.1.0");
	expect(fd, 2, "250 2.1.5");
	expect(fd, 3, "354");
	expect(fd, 4, "250 2.0.0 <");  /* the one message, after the real end */
	expect(fd, 5, "250 2.0.0 OK"); /* NOOP: nothing in between */
	close(fd);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log"), 1);
	body = fx_str(f, "SELECT message_id FROM inbound_log");
	assert_string_equal(body, "lmtp-bare-lf@client.example");
	free(body);
	/* All of it, up to "last line", is the message. */
	assert_int_equal(fx_int(f, "SELECT size FROM inbound_log"),
			 strlen("From: <jane@client.example>\nSubject: smuggle\n"
				"Message-ID: <lmtp-bare-lf@client.example>\n"
				"Auto-Submitted: auto-replied\n\nfirst\n.\n"
				"MAIL FROM:<evil@attacker.example>\nlast line\n"));
	free(r1);
	free(cmds);
}

/* RSET ends the transaction, NOOP does nothing, out of order is 503. */
static void test_lmtp_sequence(void **state)
{
	struct lt *t = *state;
	struct fx *f = &t->f;
	char *valid = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
	char *rcpt = xasprintf("RCPT TO:<%s>\r\n", valid);
	const struct {
		const char *cmd, *want;
	} cases[] = {
		{ "MAIL FROM:<jane@client.example>\r\n", "503 5.5.1" }, /* before LHLO */
		{ "NOOP\r\n", "250 2.0.0" },
		{ "LHLO mx.example\r\n", "250" },
		{ "DATA\r\n", "503 5.5.1" },
		{ "MAIL FROM:<jane@client.example>\r\n", "250 2.1.0" },
		{ "MAIL FROM:<jane@client.example>\r\n", "503 5.5.1" }, /* nested */
		{ "DATA\r\n", "503 5.5.1" },                             /* no recipient */
		{ rcpt, "250 2.1.5" },
		{ "RSET\r\n", "250 2.0.0" },
		{ rcpt, "503 5.5.1" },                                   /* MAIL first */
		{ "MAIL FROM:<jane@client.example> SIZE=100000\r\n", "552 5.3.4" },
		{ "MAIL FROM:<jane@client.example> FOO=1\r\n", "555 5.5.4" },
		{ "NOOP\r\n", "250 2.0.0" },
		{ "QUIT\r\n", "221" },
	};
	int fd = lt_connect(t);

	/* set.max_errors = 3 would end a session: errors spread over three. */
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		if (i == 6 || i == 11) {
			close(fd);
			fd = lt_connect(t);
			ml_send(fd, "LHLO mx.example\r\n");
			expect(fd, i, "250");
		}
		if (i == 6) {
			ml_send(fd, "MAIL FROM:<jane@client.example>\r\n");
			expect(fd, i, "250 2.1.0");
		}
		ml_send(fd, cases[i].cmd);
		expect(fd, i, cases[i].want);
	}
	assert_true(ml_eof(fd));
	close(fd);
	free(valid);
	free(rcpt);
}

/* Unknown commands: 500 each, then 421 and the connection is closed. */
static void test_lmtp_garbage_disconnects(void **state)
{
	struct lt *t = *state;
	int fd = lt_connect(t);

	ml_send(fd, "EHLO mx.example\r\nGET / HTTP/1.0\r\n\x01\x02\x03\r\n");
	expect(fd, 0, "500 5.5.2");
	expect(fd, 1, "500 5.5.2");
	expect(fd, 2, "500 5.5.2");
	expect(fd, 3, "421 4.7.0");
	assert_true(ml_eof(fd));
	close(fd);
}

/* Over [inbound] max_size: 552 for each recipient, nothing recorded, and
   the session goes on. */
static void test_lmtp_oversize(void **state)
{
	struct lt *t = *state;
	struct fx *f = &t->f;
	char *r1 = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
	char *r2 = fx_address(f, LINK_REPLY, f->thread, f->bob, f->now + CLOCK_DAY);
	struct buf body = BUF_INIT;
	char *data, *cmds;
	int fd = lt_connect(t);

	buf_puts(&body, "From: <jane@client.example>\nSubject: big\n\n");
	while (body.len <= LT_MAX_SIZE)
		buf_puts(&body, "0123456789012345678901234567890123456789012345678901234567\n");
	data = ml_data(body.data);
	cmds = xasprintf("LHLO mx.example\r\nMAIL FROM:<jane@client.example>\r\nRCPT TO:<%s>\r\n"
			 "RCPT TO:<%s>\r\nDATA\r\n%sNOOP\r\n", r1, r2, data);
	ml_send(fd, cmds);
	expect(fd, 0, "250");
	expect(fd, 1, "250 2.1.0");
	expect(fd, 2, "250 2.1.5");
	expect(fd, 3, "250 2.1.5");
	expect(fd, 4, "354");
	expect(fd, 5, "552 5.3.4");
	expect(fd, 6, "552 5.3.4");
	expect(fd, 7, "250 2.0.0");
	close(fd);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log"), 0);
	buf_release(&body);
	free(data);
	free(cmds);
	free(r1);
	free(r2);
}

/* A client that half-closes after pipelining everything still gets its
   replies, and the message is recorded once. */
static void test_lmtp_half_close(void **state)
{
	struct lt *t = *state;
	struct fx *f = &t->f;
	char *r1 = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
	char *msg = fx_msg(msg_autoreply, r1, 3, f->jane_mail_id);
	char *data = ml_data(msg);
	char *cmds = xasprintf("LHLO x\r\nMAIL FROM:<jane@client.example>\r\nRCPT TO:<%s>\r\n"
			       "DATA\r\n%s", r1, data);
	int fd = lt_connect(t);

	ml_send(fd, cmds);
	shutdown(fd, SHUT_WR);
	expect(fd, 0, "250");
	expect(fd, 1, "250 2.1.0");
	expect(fd, 2, "250 2.1.5");
	expect(fd, 3, "354");
	expect(fd, 4, "250 2.0.0");
	assert_true(ml_eof(fd));
	close(fd);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log"), 1);
	free(r1);
	free(msg);
	free(data);
	free(cmds);
}

/* A second listener on the same loop with its own settings (and the
 * given pool; NULL: its own). */
static struct lmtp *second_pool(struct lt *t, const struct cfg_store *cs, int idle,
				struct store_pool *pool)
{
	struct lmtp_settings set;
	struct lmtp *l = NULL;
	char *err = NULL;

	memset(&set, 0, sizeof(set));
	set.listen = "127.0.0.1:0";
	set.keys = t->f.keys;
	set.reply_domain = FX_REPLY_DOMAIN;
	set.store = cs;
	inbound_limits_init(&set.limits);
	set.max_explanations_per_day = 5;
	set.idle_timeout = idle;
	set.pool = pool;
	if (lmtp_open(t->loop.base, &set, &l, &err) != 0)
		fail_msg("lmtp_open: %s", err);
	return l;
}

static struct lmtp *second(struct lt *t, const struct cfg_store *cs, int idle)
{
	return second_pool(t, cs, idle, NULL);
}

/* An idle client is told 421 and disconnected. */
static void test_lmtp_idle_timeout(void **state)
{
	struct lt *t = *state;
	struct lmtp *l = second(t, &t->f.cs, 1);
	int fd = ml_connect(lmtp_bound_port(l));

	expect(fd, 0, "220 ");
	ml_send(fd, "LHLO mx.example\r\n");
	expect(fd, 1, "250");
	expect(fd, 2, "421 4.4.2");
	assert_true(ml_eof(fd));
	close(fd);
	ml_loop_stop(&t->loop);
	lmtp_close(&l);
	ml_loop_start(&t->loop);
}

/*
 * The database is locked by another writer past the busy timeout: 451
 * 4.3.0 saying so and nothing recorded; the same message again once the lock is
 * gone: 250 and recorded once.
 */
static void test_lmtp_tempfail_then_retry(void **state)
{
	struct lt *t = *state;
	struct fx *f = &t->f;
	struct cfg_store cs = f->cs;
	struct lmtp *l;
	char *r1 = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
	char *msg = fx_msg(msg_human, r1, 4, f->jane_mail_id);
	char *data = ml_data(msg);
	char *cmds = xasprintf("LHLO x\r\nMAIL FROM:<jane@client.example>\r\nRCPT TO:<%s>\r\n"
			       "DATA\r\n%s", r1, data);
	sqlite3 *locker;
	int fd;

	cs.busy_timeout_ms = 50;
	l = second(t, &cs, 0);
	assert_int_equal(sqlite3_open(f->db_path, &locker), SQLITE_OK);
	assert_int_equal(sqlite3_exec(locker, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

	for (int attempt = 0; attempt < 2; attempt++) {
		fd = ml_connect(lmtp_bound_port(l));
		expect(fd, 0, "220 ");
		ml_send(fd, cmds);
		expect(fd, 1, "250");
		expect(fd, 2, "250 2.1.0");
		expect(fd, 3, "250 2.1.5");
		expect(fd, 4, "354");
		if (attempt == 0) {
			/* The reason, for the client's log, on the one line. */
			char *r = ml_reply(fd);
			char *want = xasprintf("451 4.3.0 <%s> temporary failure (", r1);

			assert_non_null(r);
			assert_int_equal(strncmp(r, want, strlen(want)), 0);
			assert_non_null(strstr(r, "database is locked), try again later"));
			free(want);
			free(r);
		} else {
			expect(fd, 5, "250 2.0.0");
		}
		close(fd);
		if (attempt == 0) {
			assert_int_equal(sqlite3_exec(locker, "ROLLBACK", NULL, NULL, NULL),
					 SQLITE_OK);
			assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log"), 0);
		}
	}
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log"), 1);
	assert_int_equal(fx_explanations(f), 1);
	sqlite3_close(locker);
	ml_loop_stop(&t->loop);
	lmtp_close(&l);
	ml_loop_start(&t->loop);
	free(r1);
	free(msg);
	free(data);
	free(cmds);
}

/* ---- a pool shared with other writers ---- */

/* Another writer's job that holds the writer lane until told to go. */
struct gate {
	struct store_job job;  /* first */
	atomic_int go;
};

static void gate_run(struct store *store, struct store_job *job)
{
	struct gate *g = (struct gate *)job;

	(void)store;
	while (!atomic_load(&g->go))
		usleep(1000);
}

static struct store_pool *shared_pool(struct lt *t)
{
	struct store_pool_settings ps = { 0 };
	struct store_pool *pool = NULL;
	char *err = NULL;

	ps.store = &t->f.cs;
	ps.readers = 1;
	ps.mail_domain = FX_REPLY_DOMAIN;
	if (store_pool_open(&ps, &pool, &err) < 0)
		fail_msg("store_pool_open: %s", err);
	return pool;
}

static void wait_pending(struct store_pool *pool, unsigned n)
{
	while (store_pool_pending(pool, STORE_LANE_WRITE) != n)
		usleep(1000);
}

/*
 * A message is decided on the shared pool's writer lane, in turn: behind
 * another writer's job it waits (nothing recorded, no reply), and once
 * that job is done it is decided and answered.
 */
static void test_lmtp_shared_pool_writer_lane(void **state)
{
	struct lt *t = *state;
	struct fx *f = &t->f;
	struct store_pool *pool = shared_pool(t);
	struct lmtp *l = second_pool(t, &f->cs, 0, pool);
	struct gate g = { .job = { .run = gate_run } };
	char *r1 = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
	char *msg = fx_msg(msg_human, r1, 7, f->jane_mail_id);
	char *data = ml_data(msg);
	char *cmds = xasprintf("LHLO x\r\nMAIL FROM:<jane@client.example>\r\nRCPT TO:<%s>\r\n"
			       "DATA\r\n%s", r1, data);
	uint64_t gen;
	int fd;

	store_pool_submit(pool, STORE_LANE_WRITE, &g.job);
	fd = ml_connect(lmtp_bound_port(l));
	expect(fd, 0, "220 ");
	ml_send(fd, cmds);
	expect(fd, 1, "250");
	expect(fd, 2, "250 2.1.0");
	expect(fd, 3, "250 2.1.5");
	expect(fd, 4, "354");
	wait_pending(pool, 2);  /* the gate, and the message behind it */
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log"), 0);
	gen = store_pool_generation(pool);

	atomic_store(&g.go, 1);
	expect(fd, 5, "250 2.0.0");
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log"), 1);
	assert_true(store_pool_generation(pool) > gen);
	close(fd);

	ml_loop_stop(&t->loop);
	lmtp_close(&l);
	ml_loop_start(&t->loop);
	store_pool_close(&pool);
	free(r1);
	free(msg);
	free(data);
	free(cmds);
}

/*
 * lmtp_close() with a message still queued behind another writer: the
 * job is taken back and never runs, the client is not answered (Postfix
 * retries), and the pool stays usable for its other users.
 */
static void test_lmtp_close_takes_back_queued_message(void **state)
{
	struct lt *t = *state;
	struct fx *f = &t->f;
	struct store_pool *pool = shared_pool(t);
	struct lmtp *l = second_pool(t, &f->cs, 0, pool);
	struct gate g = { .job = { .run = gate_run } };
	char *r1 = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
	char *msg = fx_msg(msg_human, r1, 8, f->jane_mail_id);
	char *data = ml_data(msg);
	char *cmds = xasprintf("LHLO x\r\nMAIL FROM:<jane@client.example>\r\nRCPT TO:<%s>\r\n"
			       "DATA\r\n%s", r1, data);
	int fd;

	store_pool_submit(pool, STORE_LANE_WRITE, &g.job);
	fd = ml_connect(lmtp_bound_port(l));
	expect(fd, 0, "220 ");
	ml_send(fd, cmds);
	expect(fd, 1, "250");
	expect(fd, 2, "250 2.1.0");
	expect(fd, 3, "250 2.1.5");
	expect(fd, 4, "354");
	wait_pending(pool, 2);

	ml_loop_stop(&t->loop);
	lmtp_close(&l);
	ml_loop_start(&t->loop);
	assert_int_equal(store_pool_pending(pool, STORE_LANE_WRITE), 1);  /* the gate */
	assert_true(ml_eof(fd));
	close(fd);
	atomic_store(&g.go, 1);
	store_pool_close(&pool);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM inbound_log"), 0);
	free(r1);
	free(msg);
	free(data);
	free(cmds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lmtp_pipelined_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lmtp_shared_pool_writer_lane, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lmtp_close_takes_back_queued_message, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lmtp_autoreply_not_explained, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lmtp_rcpt_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lmtp_rcpt_outside_reply_domain_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lmtp_bare_lf_dot_does_not_end_data, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lmtp_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lmtp_garbage_disconnects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lmtp_oversize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lmtp_half_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lmtp_idle_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lmtp_tempfail_then_retry, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
