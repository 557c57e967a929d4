/*
 * test_decide_pipe.c - the built gatewayd-pipe program, run the way
 * pipe(8) runs it (argv, message on stdin, exit status and output read
 * back): 0 and no output for every deliberate drop; 75 and one "4.3.0"
 * line for usage and config errors, a missing key file or database, a
 * database locked past the busy timeout and a read-only database; and
 * every bounce of the corpus fed through it without a single answer.
 */
#include "decide_fixture.h"
#include "test_skip.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef GW_PIPE_BIN
#error "GW_PIPE_BIN must name the gatewayd-pipe binary"
#endif

#define NOBODY 65534

struct run {
	int status;      /* exit code, or 1000 + signal */
	char out[2048];  /* stdout and stderr together, as pipe(8) reads them */
};

/* Run the binary; extra_argv NULL = "-c CONF SENDER RCPT". */
static void run_pipe(struct fx *f, const char *const *argv, const char *msg, size_t len,
		     int as_nobody, struct run *r)
{
	char *in_path = xasprintf("%s/in.eml", f->dir);
	int fd = open(in_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int p[2];
	pid_t pid;
	size_t got = 0;
	int ws;

	if (fd < 0 || write(fd, msg, len) != (ssize_t)len || close(fd) != 0)
		fail_msg("write %s failed", in_path);
	if (pipe(p) != 0)
		fail_msg("pipe failed");
	pid = fork();
	if (pid < 0)
		fail_msg("fork failed");
	if (pid == 0) {
		int in = open(in_path, O_RDONLY);

		if (in < 0 || dup2(in, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(121);
		close(p[0]);
		if (as_nobody && (setgid(NOBODY) != 0 || setuid(NOBODY) != 0))
			_exit(122);
		execv(GW_PIPE_BIN, (char *const *)argv);
		_exit(123);
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], r->out + got, sizeof(r->out) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof(r->out) - 1)
			break;
	}
	r->out[got] = '\0';
	close(p[0]);
	if (waitpid(pid, &ws, 0) != pid)
		fail_msg("waitpid failed");
	r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 1000 + WTERMSIG(ws);
	free(in_path);
}

static void run_std(struct fx *f, const char *sender, const char *rcpt, const char *msg,
		    struct run *r)
{
	const char *argv[] = { GW_PIPE_BIN, "-c", f->conf_path, sender, rcpt, NULL };

	run_pipe(f, argv, msg, strlen(msg), 0, r);
}

static const char human[] =
	"From: Jane Smith <jane@client.example>\n"
	"To: <%s>\n"
	"Subject: Re: Documents for 2026\n"
	"Message-ID: <pipe-%d@client.example>\n"
	"X-Ref: %s\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"\nI will send them tomorrow.\n";
static const char autoreply[] =
	"From: Jane Smith <jane@client.example>\n"
	"To: <%s>\n"
	"Subject: Automatic reply: Documents for 2026\n"
	"Message-ID: <pipe-%d@client.example>\n"
	"X-Ref: %s\n"
	"Auto-Submitted: auto-replied\n"
	"\nI am out of the office.\n";
static const char dsn[] =
	"From: MAILER-DAEMON@mx.client.example\n"
	"To: <%s>\n"
	"Subject: Undelivered Mail Returned to Sender\n"
	"Message-ID: <pipe-%d@mx.client.example>\n"
	"X-Ref: %s\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n"
	"\n--b\nContent-Type: text/plain\n\nUndeliverable.\n"
	"\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
	"Final-Recipient: rfc822; jane@client.example\nAction: failed\nStatus: 5.1.1\n"
	"\n--b--\n";

void test_decide_pipe_exit_codes(void **state)
{
	struct fx f;
	struct run r;
	struct buf big = BUF_INIT;
	char *reply, *bounce;
	static const struct {
		const char *sender;   /* as pipe(8) passes ${sender} */
		int bounce_rcpt;
		const char *tmpl;
		int big;              /* padded past [inbound] max_size */
		const char *verdict;
		const char *logged_sender;
	} cases[] = {
		{ "jane@client.example", 0, human, 0, "explained", "jane@client.example" },
		{ "jane@client.example", 0, autoreply, 0, "automatic", "jane@client.example" },
		{ "MAILER-DAEMON", 1, dsn, 0, "bounce", "" },
		{ "", 1, dsn, 0, "duplicate", "" },
		{ "jane@client.example", 0, human, 1, "over-limit", "jane@client.example" },
		/* our own [mail] from (the config's): never answered */
		{ "chat@firm.example", 0, human, 0, "dropped", "chat@firm.example" },
	};

	(void)state;
	fx_setup(&f, 0);
	fx_write_config(&f, "[inbound]\nmax_size = 8k\n");
	reply = fx_address(&f, LINK_REPLY, f.thread, f.jane, f.now + CLOCK_DAY);
	bounce = fx_address(&f, LINK_BOUNCE, f.thread, f.jane, f.now + CLOCK_DAY);
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		const char *rcpt = cases[i].bounce_rcpt ? bounce : reply;
		/* the two DSN cases are one message delivered twice */
		int n = cases[i].tmpl == dsn ? 50 : (int)i;
		char *msg = fx_msg(cases[i].tmpl, rcpt, n, "-");
		char *got;

		buf_reset(&big);
		buf_puts(&big, msg);
		while (cases[i].big && big.len < 20000)
			buf_puts(&big, "more text of a long reply that goes on and on and on\n");
		run_std(&f, cases[i].sender, rcpt, big.data, &r);
		if (r.status != 0 || r.out[0] != '\0')
			fail_msg("case %zu: exit %d, output \"%s\"", i, r.status, r.out);
		got = fx_str(&f, "SELECT verdict || '|' || sender || '|' || size FROM inbound_log"
			     " ORDER BY id DESC LIMIT 1");
		{
			char *want = xasprintf("%s|%s|%zu", cases[i].verdict, cases[i].logged_sender,
					       big.len);

			if (strcmp(got, want) != 0)
				fail_msg("case %zu: logged %s, want %s", i, got, want);
			free(want);
		}
		free(got);
		free(msg);
	}
	assert_int_equal(fx_explanations(&f), 1);
	assert_true(fx_bouncing(&f, f.jane));

	/* -h is not a delivery: help, exit 0.  A wrong argv defers. */
	{
		const char *help[] = { GW_PIPE_BIN, "-h", NULL };
		const char *one[] = { GW_PIPE_BIN, "-c", f.conf_path, "jane@client.example", NULL };
		const char *bad[] = { GW_PIPE_BIN, "-x", "a", "b", NULL };

		run_pipe(&f, help, "", 0, 0, &r);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "usage"));
		run_pipe(&f, one, "", 0, 0, &r);
		assert_int_equal(r.status, 75);
		assert_memory_equal(r.out, "4.3.0 usage", 11);
		run_pipe(&f, bad, "", 0, 0, &r);
		assert_int_equal(r.status, 75);
		assert_memory_equal(r.out, "4.3.0 usage", 11);
	}
	buf_release(&big);
	free(reply);
	free(bounce);
	fx_teardown(&f);
}

/* 75, one line starting "4.3.0", and nothing written to the database. */
static void expect_defer(struct fx *f, const char *what, const struct run *r,
			 const char *must_say, int64_t rows_before)
{
	const char *nl = strchr(r->out, '\n');

	if (r->status != 75)
		fail_msg("%s: exit %d, want 75 (output \"%s\")", what, r->status, r->out);
	if (strncmp(r->out, "4.3.0 ", 6) != 0 || nl == NULL || nl[1] != '\0')
		fail_msg("%s: output is not one 4.3.0 line: \"%s\"", what, r->out);
	if (must_say != NULL && strstr(r->out, must_say) == NULL)
		fail_msg("%s: output \"%s\" does not say \"%s\"", what, r->out, must_say);
	if (rows_before >= 0 && fx_int(f, "SELECT count(*) FROM inbound_log") != rows_before)
		fail_msg("%s: a log row was written", what);
}

void test_decide_pipe_tempfail(void **state)
{
	struct fx f;
	struct run r;
	char *reply, *msg, *other;
	sqlite3 *locker = NULL;

	(void)state;
	fx_setup(&f, 0);
	reply = fx_address(&f, LINK_REPLY, f.thread, f.jane, f.now + CLOCK_DAY);
	msg = fx_msg(human, reply, 1, "-");

	/* config: missing, unknown key, bad value */
	run_std(&f, "jane@client.example", reply, msg, &r);
	expect_defer(&f, "missing config", &r, "config:", 0);
	fx_write_config(&f, "[mail]\ncolour = blue\n");
	run_std(&f, "jane@client.example", reply, msg, &r);
	expect_defer(&f, "unknown key", &r, "colour", 0);
	fx_write_config(&f, "[store]\nbusy_timeout_ms = soon\n");
	run_std(&f, "jane@client.example", reply, msg, &r);
	expect_defer(&f, "bad value", &r, "busy_timeout_ms", 0);

	/* key file missing */
	other = xasprintf("[links]\nkey_file = %s/no-such-keys\n", f.dir);
	fx_write_config(&f, "");
	{
		char *text = xasprintf("[store]\npath = %s\n[mail]\nfrom = a@b.example\n"
				       "reply_domain = " FX_REPLY_DOMAIN "\n%s", f.db_path, other);
		FILE *fp = fopen(f.conf_path, "w");

		assert_non_null(fp);
		fputs(text, fp);
		fclose(fp);
		free(text);
	}
	run_std(&f, "jane@client.example", reply, msg, &r);
	expect_defer(&f, "missing key file", &r, "keys:", 0);
	free(other);

	/* database missing: refused, not created empty */
	{
		char *text = xasprintf("[store]\npath = %s/nowhere.db\n[mail]\nfrom = a@b.example\n"
				       "reply_domain = " FX_REPLY_DOMAIN "\n[links]\nkey_file = %s\n",
				       f.dir, f.key_path);
		FILE *fp = fopen(f.conf_path, "w");
		struct stat st;

		assert_non_null(fp);
		fputs(text, fp);
		fclose(fp);
		free(text);
		run_std(&f, "jane@client.example", reply, msg, &r);
		expect_defer(&f, "missing database", &r, "gatewayctl init", 0);
		text = xasprintf("%s/nowhere.db", f.dir);
		assert_int_not_equal(stat(text, &st), 0);
		free(text);
	}

	/* locked past the busy timeout: deferred; once released, delivered */
	fx_write_config(&f, NULL);
	assert_int_equal(sqlite3_open(f.db_path, &locker), SQLITE_OK);
	assert_int_equal(sqlite3_exec(locker, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	run_std(&f, "jane@client.example", reply, msg, &r);
	expect_defer(&f, "locked database", &r, "locked", 0);
	assert_int_equal(fx_explanations(&f), 0);
	assert_int_equal(sqlite3_exec(locker, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(locker);
	run_std(&f, "jane@client.example", reply, msg, &r);
	if (r.status != 0)
		fail_msg("after the lock: exit %d \"%s\"", r.status, r.out);
	assert_int_equal(fx_explanations(&f), 1);
	run_std(&f, "jane@client.example", reply, msg, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(fx_explanations(&f), 1);

	/* read-only database file (as root: run the program as nobody, who
	   may read the config, the keys and the database but not write it) */
	{
		int root = geteuid() == 0;
		const char *argv[] = { GW_PIPE_BIN, "-c", f.conf_path, "jane@client.example",
				       reply, NULL };
		/* automatic mail: no reply lock to take, the log row is the
		   first write */
		char *msg2 = fx_msg(autoreply, reply, 2, "-");
		int64_t rows = fx_int(&f, "SELECT count(*) FROM inbound_log");

		if (root) {
			/* The store makes its files 0600: open them to nobody's
			   reading for this case, as a looser install would. */
			char *wal = xasprintf("%s-wal", f.db_path), *shm = xasprintf("%s-shm", f.db_path);

			assert_int_equal(chmod(f.dir, 0755), 0);
			assert_int_equal(chown(f.key_path, NOBODY, NOBODY), 0);
			assert_int_equal(chmod(f.db_path, 0644), 0);
			(void)chmod(wal, 0644);
			(void)chmod(shm, 0644);
			free(wal);
			free(shm);
		} else {
			assert_int_equal(chmod(f.db_path, 0444), 0);
		}
		run_pipe(&f, argv, msg2, strlen(msg2), root, &r);
		expect_defer(&f, "read-only database", &r, "readonly", rows);
		if (strstr(r.out, "keys:") != NULL || strstr(r.out, "config:") != NULL)
			fail_msg("read-only database: deferred for another reason: %s", r.out);
		chmod(f.db_path, 0644);
		free(msg2);
	}
	free(msg);
	free(reply);
	fx_teardown(&f);
}

/*
 * Eight deliveries to one thread at the same moment by eight processes
 * (Postfix runs several pipe(8) deliveries at once): one explanation.
 * Round 0: eight different replies from one sender - seven suppressed, the
 * rate limit holds across processes.  Round 1: one message delivered eight
 * times (Postfix retrying while an earlier try still runs) - seven logged
 * as duplicates.
 */
void test_decide_pipe_concurrent_replies(void **state)
{
	enum { N = 8 };
	static const char *const others[] = { "explained-suppressed", "duplicate" };

	(void)state;
	for (int round = 0; round < 2; round++) {
		struct fx f;
		char *reply;
		pid_t pids[N];

		fx_setup(&f, 0);
		fx_write_config(&f, NULL);
		reply = fx_address(&f, LINK_REPLY, f.thread, f.jane, f.now + CLOCK_DAY);
		for (int i = 0; i < N; i++) {
			char *path = xasprintf("%s/c%d.eml", f.dir, i);
			char *msg = fx_msg(human, reply, round == 0 ? 500 + i : 500, "-");
			FILE *fp = fopen(path, "w");

			assert_non_null(fp);
			fputs(msg, fp);
			fclose(fp);
			free(msg);
			free(path);
		}
		for (int i = 0; i < N; i++) {
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] == 0) {
				char *path = xasprintf("%s/c%d.eml", f.dir, i);
				int in = open(path, O_RDONLY);

				if (in < 0 || dup2(in, 0) < 0)
					_exit(121);
				execl(GW_PIPE_BIN, GW_PIPE_BIN, "-c", f.conf_path,
				      "jane@client.example", reply, (char *)NULL);
				_exit(123);
			}
		}
		for (int i = 0; i < N; i++) {
			int ws;

			assert_int_equal(waitpid(pids[i], &ws, 0), pids[i]);
			if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
				fail_msg("round %d delivery %d: status 0x%x", round, i, ws);
		}
		if (fx_int(&f, "SELECT count(*) FROM inbound_log") != N ||
		    fx_explanations(&f) != 1 ||
		    fx_int(&f, "SELECT count(*) FROM inbound_log WHERE verdict = '%s'",
			   others[round]) != N - 1)
			fail_msg("round %d: %lld logged, %d explained, %lld %s", round,
				 (long long)fx_int(&f, "SELECT count(*) FROM inbound_log"),
				 (int)fx_explanations(&f),
				 (long long)fx_int(&f, "SELECT count(*) FROM inbound_log"
						   " WHERE verdict = '%s'", others[round]),
				 others[round]);
		free(reply);
		fx_teardown(&f);
	}
}

/* Return-Path of a corpus file as the envelope sender ("" if none). */
static char *return_path(const char *text)
{
	const char *p = text;

	while (p != NULL && *p != '\0' && *p != '\n' && !(p[0] == '\r' && p[1] == '\n')) {
		if (strncasecmp(p, "Return-Path:", 12) == 0) {
			const char *v = p + 12;
			size_t n;

			v += strspn(v, " \t<");
			n = strcspn(v, ">\r\n \t");
			return xstrndup(v, n);
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return xstrdup("");
}

static char *slurp(const char *path, size_t *len_r)
{
	FILE *fp = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;

	if (fp == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	fclose(fp);
	*len_r = b.len;
	return buf_detach(&b);
}

/*
 * Every bounce, complaint report and auto-reply of the corpus, delivered
 * to a genuine reply address (the one recipient that would earn a human
 * an answer), with the envelope sender its Return-Path names: exit 0,
 * and not one explanation.
 */
void test_decide_pipe_corpus_never_answered(void **state)
{
	const char *dir = GW_CORPUS_DIR "/bounces";
	struct fx f;
	struct run r;
	struct dirent **names = NULL;
	char *reply, *asan;
	int n;
	size_t files = 0;

	(void)state;
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		test_skip("pipe corpus test: no corpus folder %s", dir);
	fx_setup(&f, 0);
	fx_write_config(&f, NULL);
	/* In the sanitizer build, LeakSanitizer's exit-time scan costs a
	   quarter second a process; the other tests here check the binary's
	   leaks on every path, and the inbound tests run this corpus
	   in-process with leak checks on. */
	asan = getenv("ASAN_OPTIONS");
	asan = asan != NULL ? xstrdup(asan) : NULL;
	{
		char *opts = xasprintf("%s%sdetect_leaks=0", asan != NULL ? asan : "",
				       asan != NULL && *asan != '\0' ? ":" : "");

		setenv("ASAN_OPTIONS", opts, 1);
		free(opts);
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name), mlen = 0;
		char *path, *msg, *sender;

		if (len < 4 || strcmp(name + len - 4, ".eml") != 0) {
			free(names[i]);
			continue;
		}
		path = xasprintf("%s/%s", dir, name);
		msg = slurp(path, &mlen);
		if (msg == NULL)
			fail_msg("%s: unreadable", path);
		sender = return_path(msg);
		/* A token of its own per file (expiry in days): the corpus reuses
		   Message-IDs, and the same id to the same recipient would be a
		   mere redelivery. */
		reply = fx_address(&f, LINK_REPLY, f.thread, f.jane, f.now + (int64_t)(i + 1) * CLOCK_DAY);
		{
			const char *argv[] = { GW_PIPE_BIN, "-c", f.conf_path, sender, reply, NULL };

			run_pipe(&f, argv, msg, mlen, 0, &r);
		}
		if (r.status != 0 || r.out[0] != '\0')
			fail_msg("%s: exit %d, output \"%s\"", name, r.status, r.out);
		if (fx_explanations(&f) != 0)
			fail_msg("%s: answered (%s)", name,
				 fx_str_keep(&f, "SELECT verdict || ': ' || reason FROM inbound_log"
					     " ORDER BY id DESC LIMIT 1"));
		files++;
		free(reply);
		free(sender);
		free(msg);
		free(path);
		free(names[i]);
	}
	free(names);
	if (asan != NULL)
		setenv("ASAN_OPTIONS", asan, 1);
	else
		unsetenv("ASAN_OPTIONS");
	free(asan);
	assert_int_equal(fx_int(&f, "SELECT count(*) FROM inbound_log"), (int64_t)files);
	assert_int_equal(fx_int(&f, "SELECT count(*) FROM inbound_log WHERE verdict IN"
			      " ('explained', 'explained-suppressed', 'dropped', 'duplicate')"), 0);
	print_message("%zu corpus files: %lld bounce, %lld automatic, %lld other\n", files,
		      (long long)fx_int(&f, "SELECT count(*) FROM inbound_log WHERE verdict = 'bounce'"),
		      (long long)fx_int(&f, "SELECT count(*) FROM inbound_log WHERE verdict = 'automatic'"),
		      (long long)fx_int(&f, "SELECT count(*) FROM inbound_log WHERE verdict"
					" NOT IN ('bounce', 'automatic')"));
	fx_teardown(&f);
}
