/*
 * test_transport.c - the transports; this file holds the smtp tests and main().
 *
 * smtp runs against a real Postfix smtp-sink started by each test on
 * 127.0.0.1 with a free port and stopped at its end; its fault options
 * (-Q 421 and disconnect, -r 4xx, -f 5xx, -q silent disconnect, -w delay)
 * stand in for a misbehaving server.  smtp-sink has no STARTTLS, so the TLS
 * path runs against tls_peer.c.  maildir and sendmail are tested in
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

/*
 * Servers still running when a test fails half way (cmocka leaves the test
 * function at the failed assertion); the teardown kills them.
 */
static pid_t leftovers[8];

static void track(pid_t pid)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(leftovers); i++) {
		if (leftovers[i] == 0) {
			leftovers[i] = pid;
			return;
		}
	}
}

static void untrack(pid_t pid)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(leftovers); i++) {
		if (leftovers[i] == pid)
			leftovers[i] = 0;
	}
}

static int kill_leftovers(void **state)
{
	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(leftovers); i++) {
		if (leftovers[i] > 0) {
			kill(leftovers[i], SIGKILL);
			waitpid(leftovers[i], NULL, 0);
			leftovers[i] = 0;
		}
	}
	return 0;
}

static void peer_start(struct tls_peer *peer, enum tls_peer_mode mode, const char *log_path)
{
	if (tls_peer_start(peer, mode, log_path) < 0)
		fail_msg("cannot start the TLS peer");
	track(peer->pid);
}

static void peer_stop(struct tls_peer *peer)
{
	untrack(peer->pid);
	tls_peer_stop(peer);
}

static int can_connect(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

static int have_sink(void)
{
	return access(SMTP_SINK, X_OK) == 0;
}

#define SKIP_WITHOUT_SINK()                                                              \
	do {                                                                             \
		if (!have_sink()) {                                                      \
			print_message("smtp-sink not found at " SMTP_SINK                \
				      " (install postfix); skipping\n");                 \
			skip();                                                          \
		}                                                                        \
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
		argv[argc++] = SMTP_SINK;
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
			execv(SMTP_SINK, (char *const *)argv);
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

static struct transport *open_smtp(int port, const struct transport_settings *set_in)
{
	struct transport_settings set = { .helo_name = HELO, .timeout = 5 };
	struct transport *t = NULL;
	char *spec = xasprintf("smtp://127.0.0.1:%d", port);
	char *error = NULL;

	if (set_in != NULL)
		set = *set_in;
	if (transport_open(spec, &set, &t, &error) < 0)
		fail_msg("transport_open %s: %s", spec, error);
	free(spec);
	return t;
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
	{ "-Q", "RSET", GW_OK, "said: 250" },          /* reconnects after RSET's 421 */
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
	char *dir, *msg = test_message(1), *reply = NULL;
	struct transport *t;
	struct sink sink;
	enum gw_result r;
	int port;

	(void)state;
	SKIP_WITHOUT_SINK();
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

static void test_transport_smtp_timeout(void **state)
{
	const char *opts[] = { "-w", "4", NULL };
	struct transport_settings set = { .helo_name = HELO, .timeout = 1 };
	char *dir, *reply = NULL;
	struct transport *t;
	struct sink sink;
	enum gw_result r;

	(void)state;
	SKIP_WITHOUT_SINK();
	dir = make_tmpdir();
	sink_start(&sink, dir, 0, 0, opts);
	t = open_smtp(sink.port, &set);
	r = transport_send(t, FROM, RCPT, "Subject: x\r\n\r\nx\r\n", 16, &reply);
	assert_int_equal(r, GW_TEMPFAIL);
	if (strstr(reply, "timeout after DATA") == NULL)
		fail_msg("reply \"%s\"", reply);
	free(reply);
	transport_close(&t);
	sink_free(&sink);
	remove_tree(dir);
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

/* ---- STARTTLS against tls_peer --------------------------------------- */

static void test_transport_smtp_starttls_real(void **state)
{
	struct transport_settings set = {
		.helo_name = HELO, .timeout = 5, .starttls = TRANSPORT_TLS_REQUIRE,
		.auth_user = "user", .auth_password = "secret",
	};
	static const char prefix[] = "PLAIN EHLO " HELO "\nPLAIN STARTTLS\n"
				     "TLS EHLO " HELO "\nTLS AUTH PLAIN ";
	char *dir = make_tmpdir(), *log_path = xasprintf("%s/peer.log", dir), *log;
	struct tls_peer peer;
	struct transport *t;
	int i;

	(void)state;
	peer_start(&peer, TLS_PEER_OK, log_path);
	t = open_smtp(peer.port, &set);
	for (i = 0; i < 2; i++) {
		char *msg = test_message(i), *reply = NULL;
		enum gw_result r = transport_send(t, FROM, RCPT, msg, strlen(msg), &reply);

		if (r != GW_OK || strstr(reply, "said: 250 2.0.0 Ok: queued") == NULL)
			fail_msg("message %d: %s \"%s\"", i, gw_result_name(r), reply);
		free(reply);
		free(msg);
	}
	transport_close(&t);
	sleep_ms(50);
	peer_stop(&peer);
	log = read_file(log_path, NULL);
	/* in clear text only EHLO and STARTTLS; the password and mail under TLS */
	if (strncmp(log, prefix, strlen(prefix)) != 0 ||
	    strstr(log, "TLS MAIL FROM:<" FROM ">") == NULL ||
	    strstr(log, "TLS RSET\n") == NULL || strstr(log, "PLAIN MAIL") != NULL ||
	    strstr(log, "PLAIN AUTH") != NULL)
		fail_msg("conversation:\n%s", log);
	free(log);
	free(log_path);
	remove_tree(dir);
}

/* A forged reply behind the STARTTLS 220 is never read as if it were TLS. */
static void test_transport_smtp_starttls_injection(void **state)
{
	static const enum transport_tls modes[] = { TRANSPORT_TLS_REQUIRE, TRANSPORT_TLS_TRY };
	size_t i;

	(void)state;
	for (i = 0; i < GW_ARRAY_SIZE(modes); i++) {
		struct transport_settings set = { .helo_name = HELO, .timeout = 5,
						  .starttls = modes[i] };
		char *dir = make_tmpdir(), *log_path = xasprintf("%s/peer.log", dir), *log;
		char *reply = NULL;
		struct tls_peer peer;
		struct transport *t;
		enum gw_result r;

		peer_start(&peer, TLS_PEER_INJECT, log_path);
		t = open_smtp(peer.port, &set);
		r = transport_send(t, FROM, RCPT, "Subject: x\r\n\r\nx\r\n", 16, &reply);
		transport_close(&t);
		sleep_ms(50);
		peer_stop(&peer);
		log = read_file(log_path, NULL);
		if (modes[i] == TRANSPORT_TLS_REQUIRE) {
			/* refused, and nothing went further */
			if (r != GW_TEMPFAIL ||
			    strstr(reply, "sent more after its STARTTLS reply") == NULL ||
			    strstr(log, "MAIL") != NULL)
				fail_msg("case %zu: %s \"%s\"\n%s", i, gw_result_name(r), reply, log);
		} else {
			/* opportunistic: a second connection without STARTTLS */
			if (r != GW_OK || strstr(log, "PLAIN MAIL FROM:<" FROM ">") == NULL ||
			    strstr(log, "TLS MAIL") != NULL)
				fail_msg("case %zu: %s \"%s\"\n%s", i, gw_result_name(r), reply, log);
		}
		free(reply);
		free(log);
		free(log_path);
		remove_tree(dir);
	}
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
		cmocka_unit_test_teardown(test_transport_smtp_faults, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_smtp_reconnects_after_421, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_smtp_not_listening, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_smtp_timeout, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_smtp_null_sender, kill_leftovers),
		cmocka_unit_test_teardown(test_transport_smtp_starttls_and_auth, kill_leftovers),
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

	return cmocka_run_group_tests(tests, NULL, NULL);
}
