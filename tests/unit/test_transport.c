/*
 * test_transport.c - the transports; this file holds the smtp tests and main().
 *
 * smtp runs against a real Postfix smtp-sink started by each test on
 * 127.0.0.1 with a free port and stopped at its end; its fault options
 * (-Q 421 and disconnect, -r 4xx, -f 5xx, -q silent disconnect, -w delay)
 * stand in for a misbehaving server.  smtp-sink has no STARTTLS, so the TLS
 * path runs against tls_peer.c, in test_transport_peer.c with the tests
 * that read the conversation.  maildir and sendmail are tested in
 * test_transport_local.c.
 *
 * SIGPIPE is deliberately left at its default here: the transports must not
 * let a peer that hangs up kill the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_skip.h"
#include "tls_peer.h"
#include "transport_testutil.h"

#define SMTP_SINK "/usr/sbin/smtp-sink"

/* ---- smtp-sink --------------------------------------------------------- */

struct sink {
	pid_t pid;
	int port;
	char *dir;   /* the test's temporary directory */
	char *dump;  /* dump directory, or NULL */
	char *log;   /* smtp-sink's stdout/stderr (-c counters) */
};

static int can_connect(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

/* smtp-sink, or where GW_SMTP_SINK says (tests/integration/skips_say_so.sh). */
static const char *sink_path(void)
{
	const char *p = getenv("GW_SMTP_SINK");

	return p != NULL && p[0] != '\0' ? p : SMTP_SINK;
}

static int have_sink(void)
{
	return access(sink_path(), X_OK) == 0;
}

#define SKIP_WITHOUT_SINK()                                                              \
	do {                                                                             \
		if (!have_sink())                                                        \
			test_skip("smtp tests: no smtp-sink at %s (install postfix)",    \
				  sink_path());                                          \
	} while (0)

/*
 * Start smtp-sink with OPTS (NULL-terminated) on PORT, or on a free port
 * when PORT is 0 (retrying when another process grabs it first).  The sink
 * is ready when a connection succeeds; that probe counts as one session.
 */
static void sink_start(struct sink *s, const char *dir, int dump, int port,
		       const char *const *opts)
{
	int attempt;

	memset(s, 0, sizeof(*s));
	s->dir = xstrdup(dir);
	s->log = xasprintf("%s/sink.log", dir);
	if (dump) {
		s->dump = xasprintf("%s/dump", dir);
		if (mkdir(s->dump, 0777) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", s->dump, strerror(errno));
		chmod(s->dump, 0777);
	}
	for (attempt = 0; attempt < 10; attempt++) {
		const char *argv[32];
		char *listen, *tmpl = NULL;
		int argc = 0, i, status;

		s->port = port != 0 ? port : free_port();
		listen = xasprintf("127.0.0.1:%d", s->port);
		argv[argc++] = sink_path();
		if (geteuid() == 0) {
			argv[argc++] = "-u";
			argv[argc++] = "nobody";
		}
		argv[argc++] = "-c";
		if (dump) {
			tmpl = xasprintf("%s/%%M.", s->dump);
			argv[argc++] = "-d";
			argv[argc++] = tmpl;
		}
		for (i = 0; opts != NULL && opts[i] != NULL && argc < 28; i++)
			argv[argc++] = opts[i];
		argv[argc++] = listen;
		argv[argc++] = "100";
		argv[argc] = NULL;

		s->pid = fork();
		if (s->pid < 0)
			fail_msg("fork: %s", strerror(errno));
		if (s->pid == 0) {
			int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

			if (fd >= 0) {
				dup2(fd, STDOUT_FILENO);
				dup2(fd, STDERR_FILENO);
			}
			execv(sink_path(), (char *const *)argv);
			_exit(127);
		}
		free(listen);
		free(tmpl);
		track(s->pid);
		for (i = 0; i < 500; i++) {
			if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
				untrack(s->pid);
				s->pid = 0;
				break;
			}
			if (can_connect(s->port))
				return;
			sleep_ms(10);
		}
		if (s->pid > 0) {
			untrack(s->pid);
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &status, 0);
			s->pid = 0;
		}
		if (port != 0)
			sleep_ms(100); /* a fixed port: let the old listener go away */
	}
	fail_msg("smtp-sink did not start; see %s", s->log);
}

static void sink_stop(struct sink *s)
{
	if (s->pid > 0) {
		untrack(s->pid);
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
}

static void sink_free(struct sink *s)
{
	sink_stop(s);
	free(s->dir);
	free(s->dump);
	free(s->log);
}

/* The last "sess=N quit=N mesg=N" counters smtp-sink printed. */
static void sink_counters(const struct sink *s, int *sess, int *mesg)
{
	char *log = read_file(s->log, NULL);
	char *last = NULL, *p = log;
	int quit;

	while ((p = strstr(p, "sess=")) != NULL)
		last = p++;
	*sess = *mesg = -1;
	if (last != NULL)
		sscanf(last, "sess=%d quit=%d mesg=%d", sess, &quit, mesg);
	free(log);
}

/* Wait until smtp-sink has counted at least SESS ended sessions. */
static void sink_wait_sessions(const struct sink *s, int sess_want)
{
	int sess, mesg, i;

	for (i = 0; i < 300; i++) {
		sink_counters(s, &sess, &mesg);
		if (sess >= sess_want)
			return;
		sleep_ms(10);
	}
}

/* ---- smtp ------------------------------------------------------------- */

static void test_transport_smtp_reuses_connection(void **state)
{
	enum { COUNT = 50 };
	char *dir, **names, *reply = NULL;
	struct transport *t;
	struct sink sink;
	int sess, mesg;
	size_t i, n;

	(void)state;
	SKIP_WITHOUT_SINK();
	dir = make_tmpdir();
	sink_start(&sink, dir, 1, 0, NULL);
	t = open_smtp(sink.port, NULL);
	assert_string_equal(transport_kind(t), "smtp");
	for (i = 0; i < COUNT; i++) {
		char *msg = test_message((int)i);
		enum gw_result r = transport_send(t, FROM, RCPT, msg, strlen(msg), &reply);

		if (r != GW_OK)
			fail_msg("message %zu: %s: %s", i, gw_result_name(r), reply);
		if (strstr(reply, "said: 250") == NULL || strstr(reply, "end of DATA") == NULL)
			fail_msg("message %zu: reply \"%s\"", i, reply);
		free(reply);
		free(msg);
	}
	transport_close(&t);
	assert_null(t);
	/* one session for the readiness probe, one for all fifty messages */
	sink_wait_sessions(&sink, 2);
	sink_stop(&sink);
	sink_counters(&sink, &sess, &mesg);
	assert_int_equal(mesg, COUNT);
	assert_int_equal(sess, 2);

	n = list_dir(sink.dump, &names);
	assert_int_equal(n, COUNT);
	for (i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", sink.dump, names[i]);
		char *dump = read_file(path, NULL);
		char *body = strstr(dump, "(UTC)\n");
		char *subject, *msg, *want, *lf;
		int num;

		if (strstr(dump, "X-Helo-Args: " HELO "\n") == NULL ||
		    strstr(dump, "X-Mail-Args: <" FROM ">") == NULL ||
		    strstr(dump, "X-Rcpt-Args: <" RCPT ">") == NULL)
			fail_msg("dump %s: envelope is wrong:\n%s", names[i], dump);
		subject = strstr(dump, "Subject: test ");
		assert_non_null(subject);
		assert_non_null(body);
		num = atoi(subject + 14);
		msg = test_message(num);
		/* the message, dot-unstuffed, plus the empty line smtp-sink appends:
		   a doubled final CRLF would show as one more blank line */
		lf = lf_form(msg);
		want = xasprintf("%s\n", lf);
		free(lf);
		if (strcmp(body + 6, want) != 0)
			fail_msg("dump %s: message not intact:\n[%s]\nwant\n[%s]", names[i],
				 body + 6, want);
		free(want);
		free(msg);
		free(dump);
		free(path);
	}
	free_names(names);
	sink_free(&sink);
	remove_tree(dir);
}

/*
 * Whatever the line ends and dots of the message, the server stores it as
 * it was given: LF becomes CRLF on the wire, a leading dot is doubled and
 * undone by the server, a last line without its line end gets one.
 */
static void test_transport_smtp_message_forms(void **state)
{
	static const struct {
		const char *body; /* after the headers */
		const char *want; /* as stored (LF form), NULL: the body itself */
	} cases[] = {
		{ "crlf\r\n.dot\r\n..two\r\n.\r\nend\r\n", NULL },
		{ "lf\n.dot\n.\n\nend\n", NULL },
		{ "mixed\r\nlf\n.\r\n.x\n", NULL },
		{ "no final line end", "no final line end\n" },
		{ ".", ".\n" },
		{ "", NULL },
	};
	char *dir, **names;
	struct transport *t;
	struct sink sink;
	size_t i, n;

	(void)state;
	SKIP_WITHOUT_SINK();
	dir = make_tmpdir();
	sink_start(&sink, dir, 1, 0, NULL);
	t = open_smtp(sink.port, NULL);
	for (i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char *msg = xasprintf("Subject: form %zu\r\n\r\n%s", i, cases[i].body);
		char *reply = NULL;
		enum gw_result r = transport_send(t, FROM, RCPT, msg, strlen(msg), &reply);

		if (r != GW_OK)
			fail_msg("case %zu: %s \"%s\"", i, gw_result_name(r), reply);
		free(reply);
		free(msg);
	}
	transport_close(&t);
	sink_wait_sessions(&sink, 2);
	sink_stop(&sink);
	n = list_dir(sink.dump, &names);
	assert_int_equal(n, GW_ARRAY_SIZE(cases));
	for (i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", sink.dump, names[i]);
		char *dump = read_file(path, NULL);
		char *subject = strstr(dump, "Subject: form ");
		char *body = subject != NULL ? strstr(subject, "\n\n") : NULL;
		char *want;
		size_t k;

		if (subject == NULL || body == NULL)
			fail_msg("dump %s: no subject or body:\n%s", names[i], dump);
		k = (size_t)atoi(subject + 14);
		assert_true(k < GW_ARRAY_SIZE(cases));
		if (cases[k].want != NULL) {
			want = xasprintf("%s\n", cases[k].want);
		} else {
			char *lf = lf_form(cases[k].body);

			want = xasprintf("%s\n", lf);
			free(lf);
		}
		/* the body as stored, plus the empty line smtp-sink appends */
		if (strcmp(body + 2, want) != 0)
			fail_msg("case %zu: stored as\n[%s]\nwant\n[%s]", k, body + 2, want);
		free(want);
		free(dump);
		free(path);
	}
	free_names(names);
	sink_free(&sink);
	remove_tree(dir);
}

struct fault_case {
	const char *opt;
	const char *arg;
	enum gw_result want;
	const char *reply; /* part of the reply text */
};

static const struct fault_case fault_cases[] = {
	{ "-r", "RCPT", GW_TEMPFAIL, "said: 450 4.3.0 Error: command failed (in reply to RCPT TO)" },
	{ "-r", "MAIL", GW_TEMPFAIL, "said: 450 4.3.0 Error: command failed (in reply to MAIL FROM)" },
	{ "-r", "DATA", GW_TEMPFAIL, "(in reply to DATA)" },
	{ "-r", ".", GW_TEMPFAIL, "said: 450 4.3.0 Error: command failed (in reply to end of DATA)" },
	{ "-f", "RCPT", GW_PERMFAIL, "said: 500 5.3.0 Error: command failed (in reply to RCPT TO)" },
	{ "-f", "MAIL", GW_PERMFAIL, "(in reply to MAIL FROM)" },
	{ "-f", "DATA", GW_PERMFAIL, "(in reply to DATA)" },
	{ "-f", ".", GW_PERMFAIL, "said: 500 5.3.0 Error: command failed (in reply to end of DATA)" },
	{ "-Q", "RCPT", GW_TEMPFAIL, "said: 421" },
	{ "-Q", "MAIL", GW_TEMPFAIL, "(in reply to MAIL FROM)" },
	{ "-q", ".", GW_TEMPFAIL, "lost connection with 127.0.0.1:" },
	{ "-q", "RCPT", GW_TEMPFAIL, "after RCPT TO" },
	{ "-r", "EHLO", GW_TEMPFAIL, "(in reply to EHLO)" },
	{ "-r", "CONNECT", GW_TEMPFAIL, "(in reply to the greeting)" },
	{ "-f", "CONNECT", GW_TEMPFAIL, "(in reply to the greeting)" },
	{ "-f", "EHLO", GW_OK, "said: 250" },          /* falls back to HELO */
	{ "-Q", "RSET", GW_OK, "said: 250" },          /* no RSET after a 250 */
	{ "-e", NULL, GW_OK, "said: 250" },            /* no ESMTP */
};

/*
 * Each fault, twice on one transport: the second send shows that the
 * transport recovered (kept the connection after a 4xx/5xx, reconnected
 * after a 421 or a lost connection) and got the same answer again.
 */
static void test_transport_smtp_faults(void **state)
{
	size_t i;

	(void)state;
	SKIP_WITHOUT_SINK();
	for (i = 0; i < GW_ARRAY_SIZE(fault_cases); i++) {
		const struct fault_case *c = &fault_cases[i];
		const char *opts[] = { c->opt, c->arg, NULL };
		char *dir = make_tmpdir(), *msg = test_message((int)i);
		struct transport *t;
		struct sink sink;
		int round;

		sink_start(&sink, dir, 0, 0, opts);
		t = open_smtp(sink.port, NULL);
		for (round = 0; round < 2; round++) {
			char *reply = NULL;
			enum gw_result r = transport_send(t, FROM, RCPT, msg, strlen(msg), &reply);

			if (r != c->want || strstr(reply, c->reply) == NULL)
				fail_msg("case %zu (%s %s) round %d: %s \"%s\", want %s \"%s\"", i,
					 c->opt, c->arg ? c->arg : "", round, gw_result_name(r),
					 reply, gw_result_name(c->want), c->reply);
			if (strcmp(c->opt, "-q") == 0 && strcmp(c->arg, ".") == 0 &&
			    strstr(reply, "may have been delivered") == NULL)
				fail_msg("case %zu: lost acknowledgement not flagged: %s", i, reply);
			free(reply);
		}
		transport_close(&t);
		sink_free(&sink);
		free(msg);
		remove_tree(dir);
	}
}

/* A 421 kills the session; the next send opens a new one to a healthy server. */
static void test_transport_smtp_reconnects_after_421(void **state)
{
	const char *opts[] = { "-Q", "RCPT", NULL };
	char *dir, *msg, *reply = NULL;
	struct transport *t;
	struct sink sink;
	enum gw_result r;
	int port;

	(void)state;
	SKIP_WITHOUT_SINK();
	msg = test_message(1);
	dir = make_tmpdir();
	sink_start(&sink, dir, 0, 0, opts);
	port = sink.port;
	t = open_smtp(port, NULL);
	r = transport_send(t, FROM, RCPT, msg, strlen(msg), &reply);
	assert_int_equal(r, GW_TEMPFAIL);
	assert_non_null(strstr(reply, "421"));
	free(reply);
	sink_free(&sink);

	/* same port, a sink that accepts */
	sink_start(&sink, dir, 1, port, NULL);
	r = transport_send(t, FROM, RCPT, msg, strlen(msg), &reply);
	if (r != GW_OK)
		fail_msg("after reconnect: %s: %s", gw_result_name(r), reply);
	free(reply);
	transport_close(&t);
	sink_stop(&sink);
	assert_int_equal(list_dir(sink.dump, NULL), 1);
	sink_free(&sink);
	free(msg);
	remove_tree(dir);
}

static void test_transport_smtp_not_listening(void **state)
{
	int port = free_port();
	struct transport *t = open_smtp(port, NULL);
	char *reply = NULL, *want = xasprintf("connect to 127.0.0.1:%d: Connection refused", port);
	enum gw_result r;

	(void)state;
	r = transport_send(t, FROM, RCPT, "Subject: x\r\n\r\nx\r\n", 16, &reply);
	assert_int_equal(r, GW_TEMPFAIL);
	assert_string_equal(reply, want);
	free(reply);
	transport_close(&t);
	free(want);
}

/*
 * A server that stops answering: TEMPFAIL after the timeout, naming the
 * step that got no answer.  smtp-sink -w holds back its reply to DATA, and
 * with it the replies pipelined before it (it answers a pipelined group
 * together); without ESMTP the envelope goes one command at a time.
 */
static void test_transport_smtp_timeout(void **state)
{
	static const struct {
		const char *opts[4];
		const char *want;
	} cases[] = {
		{ { "-w", "4", NULL }, "timeout after MAIL FROM with 127.0.0.1:" },
		{ { "-w", "4", "-e", NULL }, "timeout after DATA with 127.0.0.1:" },
	};
	struct transport_settings set = { .helo_name = HELO, .timeout = 1 };

	(void)state;
	SKIP_WITHOUT_SINK();
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char *dir = make_tmpdir(), *reply = NULL;
		struct transport *t;
		struct sink sink;
		enum gw_result r;

		sink_start(&sink, dir, 0, 0, cases[i].opts);
		t = open_smtp(sink.port, &set);
		r = transport_send(t, FROM, RCPT, "Subject: x\r\n\r\nx\r\n", 16, &reply);
		if (r != GW_TEMPFAIL || strstr(reply, cases[i].want) == NULL ||
		    strstr(reply, "(1s)") == NULL)
			fail_msg("case %zu: %s \"%s\", want TEMPFAIL \"%s\"", i, gw_result_name(r),
				 reply, cases[i].want);
		free(reply);
		transport_close(&t);
		sink_free(&sink);
		remove_tree(dir);
	}
}

static void test_transport_smtp_null_sender(void **state)
{
	char *dir, **names, *path, *dump, *reply = NULL;
	struct transport *t;
	struct sink sink;

	(void)state;
	SKIP_WITHOUT_SINK();
	dir = make_tmpdir();
	sink_start(&sink, dir, 1, 0, NULL);
	t = open_smtp(sink.port, NULL);
	assert_int_equal(transport_send(t, "", RCPT, "Subject: x\r\n\r\nx\r\n", 16, &reply), GW_OK);
	free(reply);
	transport_close(&t);
	sink_stop(&sink);
	assert_int_equal(list_dir(sink.dump, &names), 1);
	path = xasprintf("%s/%s", sink.dump, names[0]);
	dump = read_file(path, NULL);
	if (strstr(dump, "X-Mail-Args: <>") == NULL)
		fail_msg("null sender not sent as <>:\n%s", dump);
	free(dump);
	free(path);
	free_names(names);
	sink_free(&sink);
	remove_tree(dir);
}

struct tls_auth_case {
	const char *opt;  /* smtp-sink option */
	enum transport_tls tls;
	const char *user;
	int allow_plaintext;
	enum gw_result want;
	const char *reply;
};

static const struct tls_auth_case tls_auth_cases[] = {
	/* smtp-sink offers no STARTTLS */
	{ NULL, TRANSPORT_TLS_REQUIRE, NULL, 0, GW_TEMPFAIL,
	  "STARTTLS is required but 127.0.0.1:" },
	{ NULL, TRANSPORT_TLS_TRY, NULL, 0, GW_OK, "said: 250" },
	/* it offers AUTH PLAIN LOGIN and takes any password; loopback may be plain */
	{ NULL, TRANSPORT_TLS_NO, "user", 0, GW_OK, "said: 250" },
	{ "-a", TRANSPORT_TLS_NO, "user", 0, GW_TEMPFAIL, "offers no AUTH PLAIN or LOGIN" },
	{ "-a", TRANSPORT_TLS_NO, NULL, 0, GW_OK, "said: 250" },
};

static void test_transport_smtp_starttls_and_auth(void **state)
{
	size_t i;

	(void)state;
	SKIP_WITHOUT_SINK();
	for (i = 0; i < GW_ARRAY_SIZE(tls_auth_cases); i++) {
		const struct tls_auth_case *c = &tls_auth_cases[i];
		const char *opts[] = { c->opt, NULL };
		struct transport_settings set = {
			.helo_name = HELO, .timeout = 5, .starttls = c->tls,
			.auth_user = c->user, .auth_password = c->user ? "secret" : NULL,
			.auth_allow_plaintext = c->allow_plaintext,
		};
		char *dir = make_tmpdir(), *reply = NULL;
		struct transport *t;
		struct sink sink;
		enum gw_result r;

		sink_start(&sink, dir, 0, 0, c->opt != NULL ? opts : NULL);
		t = open_smtp(sink.port, &set);
		r = transport_send(t, FROM, RCPT, "Subject: x\r\n\r\nx\r\n", 16, &reply);
		if (r != c->want || strstr(reply, c->reply) == NULL)
			fail_msg("case %zu: %s \"%s\", want %s \"%s\"", i, gw_result_name(r), reply,
				 gw_result_name(c->want), c->reply);
		free(reply);
		transport_close(&t);
		sink_free(&sink);
		remove_tree(dir);
	}
}

/* A server that closed the idle connection: the next send reconnects, unseen. */
static void test_transport_smtp_reconnects_after_idle_close(void **state)
{
	const char *opts[] = { "-t", "1", NULL }; /* the sink drops sessions idle for 1s */
	char *dir, *msg, *reply = NULL;
	struct transport *t;
	struct sink sink;
	int sess, mesg;

	(void)state;
	SKIP_WITHOUT_SINK();
	msg = test_message(3);
	dir = make_tmpdir();
	sink_start(&sink, dir, 0, 0, opts);
	t = open_smtp(sink.port, NULL);
	for (int i = 0; i < 2; i++) {
		enum gw_result r = transport_send(t, FROM, RCPT, msg, strlen(msg), &reply);

		if (r != GW_OK)
			fail_msg("send %d: %s \"%s\"", i, gw_result_name(r), reply);
		free(reply);
		reply = NULL;
		if (i == 0)
			sleep_ms(1600);
	}
	transport_close(&t);
	/* the probe, the session the sink dropped, the one after it */
	sink_wait_sessions(&sink, 3);
	sink_stop(&sink);
	sink_counters(&sink, &sess, &mesg);
	assert_int_equal(mesg, 2);
	assert_int_equal(sess, 3);
	sink_free(&sink);
	free(msg);
	remove_tree(dir);
}

/* ---- common checks ---------------------------------------------------- */

struct envelope_case {
	const char *from;
	const char *rcpt;
	const char *reply;
};

static const struct envelope_case envelope_cases[] = {
	{ FROM, "anna@client.example\r\nRCPT TO:<evil@attacker.example>", "invalid recipient" },
	{ FROM, "<anna@client.example>", "invalid recipient" },
	{ FROM, "anna client@example", "invalid recipient" },
	{ FROM, "", "invalid recipient" },
	{ FROM, NULL, "invalid recipient" },
	{ FROM, "anna", "invalid recipient" },
	{ FROM, "anna@", "invalid recipient" },
	{ FROM, "M\xc3\xbcller@client.example", "invalid recipient" },
	{ "bounce@x\r\nQUIT", RCPT, "invalid envelope sender" },
	{ "<>", RCPT, "invalid envelope sender" },
	{ NULL, RCPT, "invalid envelope sender" },
};

/* Refused before any connection: the transport points at a closed port. */
static void test_transport_rejects_bad_envelope(void **state)
{
	struct transport *t = open_smtp(free_port(), NULL);
	struct buf long_rcpt = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < GW_ARRAY_SIZE(envelope_cases); i++) {
		const struct envelope_case *c = &envelope_cases[i];
		char *reply = NULL;
		enum gw_result r = transport_send(t, c->from, c->rcpt, "x\r\n", 3, &reply);

		if (r != GW_PERMFAIL || strstr(reply, c->reply) == NULL)
			fail_msg("case %zu: %s \"%s\"", i, gw_result_name(r), reply);
		free(reply);
	}
	for (i = 0; i < 250; i++)
		buf_putc(&long_rcpt, 'a');
	buf_puts(&long_rcpt, "@client.example");
	assert_int_equal(transport_send(t, FROM, long_rcpt.data, "x\r\n", 3, NULL), GW_PERMFAIL);
	buf_release(&long_rcpt);
	transport_close(&t);
	transport_close(&t); /* NULL is fine */
}

static void test_transport_open_rejects_bad_specs(void **state)
{
	static const struct {
		const char *spec;
		const char *error;
	} cases[] = {
		{ NULL, "no transport given" },
		{ "", "no transport given" },
		{ "lmtp://127.0.0.1:24", "is not smtp://HOST:PORT" },
		{ "smtp://", "is not smtp://HOST[:PORT]" },
		{ "smtp://:25", "is not smtp://HOST[:PORT]" },
		{ "smtp://host:0", "is not smtp://HOST[:PORT]" },
		{ "smtp://host:65536", "is not smtp://HOST[:PORT]" },
		{ "smtp://host:25x", "is not smtp://HOST[:PORT]" },
		{ "smtp://host:25/path", "is not smtp://HOST[:PORT]" },
		{ "smtp://user@host:25", "is not smtp://HOST[:PORT]" },
		{ "smtp://[::1", "is not smtp://HOST[:PORT]" },
		{ "smtp://[::1]x", "is not smtp://HOST[:PORT]" },
		{ "sendmail:usr/sbin/sendmail", "needs an absolute path" },
		{ "sendmail:/nonexistent/sendmail", "No such file or directory" },
		{ "sendmail:/", "not a regular file" },
		{ "maildir:Maildir", "needs an absolute path" },
		{ "maildir:/nonexistent/dir/Maildir", "No such file or directory" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct transport *t = (struct transport *)&t;
		char *error = NULL;

		if (transport_open(cases[i].spec, NULL, &t, &error) != -1)
			fail_msg("case %zu: \"%s\" accepted", i, cases[i].spec);
		if (t != NULL || error == NULL || strstr(error, cases[i].error) == NULL)
			fail_msg("case %zu: error \"%s\", want \"%s\"", i, error ? error : "(null)",
				 cases[i].error);
		free(error);
	}
}

static void test_transport_open_accepts_good_specs(void **state)
{
	static const struct {
		const char *spec;
		const char *kind;
	} cases[] = {
		{ "smtp://127.0.0.1:2525", "smtp" },
		{ "smtp://mail.firm.example", "smtp" },
		{ "smtp://[::1]:25", "smtp" },
		{ "smtp://[::1]", "smtp" },
		{ "sendmail:/bin/true", "sendmail" },
	};
	enum transport_tls tls;
	size_t i;

	(void)state;
	for (i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct transport *t = NULL;
		char *error = NULL;

		if (transport_open(cases[i].spec, NULL, &t, &error) != 0)
			fail_msg("case %zu: \"%s\" refused: %s", i, cases[i].spec, error);
		assert_string_equal(transport_kind(t), cases[i].kind);
		transport_close(&t);
	}
	assert_int_equal(transport_tls_parse("no", &tls), 0);
	assert_int_equal(tls, TRANSPORT_TLS_NO);
	assert_int_equal(transport_tls_parse("try", &tls), 0);
	assert_int_equal(tls, TRANSPORT_TLS_TRY);
	assert_int_equal(transport_tls_parse("require", &tls), 0);
	assert_int_equal(tls, TRANSPORT_TLS_REQUIRE);
	assert_int_equal(transport_tls_parse("yes", &tls), -1);
	assert_int_equal(transport_tls_parse(NULL, &tls), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_transport_smtp_reuses_connection, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_smtp_message_forms, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_smtp_faults, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_smtp_reconnects_after_421, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_smtp_reconnects_after_idle_close,
					  kill_leftovers),
		cmocka_unit_test_teardown(test_transport_smtp_not_listening, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_smtp_timeout, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_smtp_null_sender, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_smtp_starttls_and_auth, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_smtp_rset_only_after_failure,
					  kill_leftovers),
		cmocka_unit_test_teardown(test_transport_smtp_starttls_real, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_smtp_starttls_injection, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_rejects_bad_envelope, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_open_rejects_bad_specs, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_open_accepts_good_specs, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_maildir_delivers, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_maildir_failure_is_tempfail, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_sendmail_exit_codes, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_sendmail_argv_and_stdin, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_sendmail_timeout, kill_leftovers),
	};

	return test_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
