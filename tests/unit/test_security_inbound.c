/*
 * test_security_inbound.c - hostile mail against the inbound path, both
 * in-process (inbound_parse) and through the built gatewayd-pipe as
 * pipe(8) runs it: header bombs that stay within the size limits (a From
 * of 100,000 colons, tens of thousands of nested groups, thousands of
 * folded encoded words, huge header counts in the message and in its
 * parts), 100-deep MIME nesting, and a 50 MB message streamed into the
 * program.  Each one must get a verdict and a log row, never an answer,
 * never a crash, in bounded memory (the child's peak RSS from wait4()).
 */
#include "decide_fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "inbound.h"
#include "test_inbound_util.h"

#ifndef GW_PIPE_BIN
#error "GW_PIPE_BIN must name the gatewayd-pipe binary"
#endif

#define MIB ((size_t)1024 * 1024)
/* Single-line result fields are cut at this many bytes (INB_LINE_MAX). */
#define LINE_MAX_BYTES 512

/* ---- running the program ------------------------------------------------ */

struct run {
	int status;        /* exit code, or 1000 + signal */
	char out[1024];    /* stdout and stderr, as pipe(8) collects them */
	long maxrss_kb;    /* the child's peak resident set */
};

/* Writes the message into fd (the program's stdin). */
typedef void writer_fn(int fd, const void *arg);

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			fail_msg("writing the message to the program failed");
		p += w;
		n -= (size_t)w;
	}
}

static void write_buf(int fd, const void *arg)
{
	const struct buf *b = arg;

	write_all(fd, b->data, b->len);
}

/*
 * The child's peak RSS as wait4() reports it includes what the process
 * was before exec(): a copy of this test program, which under ASan is
 * hundreds of megabytes.  So the program is started by a fresh, small copy
 * of this binary (spawn_main) that forks and execs it and writes
 * "STATUS MAXRSS_KB" to a file.
 */
static int spawn_main(int argc, char **argv)
{
	struct rusage ru;
	int ws, status;
	pid_t pid;
	FILE *fp;

	if (argc < 4)
		return 2;
	/* Under ASan, freed memory waits in a quarantine of up to 256 MB
	   before reuse: measure what the program needs, not that. */
	{
		const char *o = getenv("ASAN_OPTIONS");
		char *opts = xasprintf("%s%squarantine_size_mb=0", o != NULL ? o : "",
				       o != NULL && *o != '\0' ? ":" : "");

		setenv("ASAN_OPTIONS", opts, 1);
		free(opts);
	}
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		execv(argv[3], argv + 3);
		_exit(123);
	}
	if (wait4(pid, &ws, 0, &ru) != pid)
		return 2;
	status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 1000 + WTERMSIG(ws);
	fp = fopen(argv[2], "w");
	if (fp == NULL)
		return 2;
	fprintf(fp, "%d %ld\n", status, ru.ru_maxrss);
	return fclose(fp) == 0 ? 0 : 2;
}

/* Run gatewayd-pipe [-v] -c CONF SENDER RCPT with writer feeding its stdin;
   -v logs to stderr (r->out) instead of syslog. */
static void run_pipe_v(struct fx *f, int verbose, const char *sender, const char *rcpt,
		       writer_fn *writer, const void *arg, struct run *r)
{
	char *out_path = xasprintf("%s/pipe.out", f->dir);
	char *rss_path = xasprintf("%s/pipe.rss", f->dir);
	int in[2], out, ws;
	pid_t pid;
	ssize_t n;
	FILE *fp;

	memset(r, 0, sizeof(*r));
	unlink(rss_path);
	out = open(out_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (out < 0 || pipe(in) != 0)
		fail_msg("run_pipe: set-up failed");
	pid = fork();
	if (pid < 0)
		fail_msg("fork failed");
	if (pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(121);
		close(in[1]);
		if (verbose)
			execl("/proc/self/exe", "test_security_inbound", "--spawn", rss_path,
			      GW_PIPE_BIN, "-v", "-c", f->conf_path, sender, rcpt, (char *)NULL);
		else
			execl("/proc/self/exe", "test_security_inbound", "--spawn", rss_path,
			      GW_PIPE_BIN, "-c", f->conf_path, sender, rcpt, (char *)NULL);
		_exit(123);
	}
	close(in[0]);
	signal(SIGPIPE, SIG_IGN); /* the program may stop reading early */
	writer(in[1], arg);
	close(in[1]);
	if (waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		fail_msg("the spawner failed (wait status %d)", ws);
	fp = fopen(rss_path, "r");
	if (fp == NULL || fscanf(fp, "%d %ld", &r->status, &r->maxrss_kb) != 2)
		fail_msg("no status from the spawner");
	fclose(fp);
	n = pread(out, r->out, sizeof(r->out) - 1, 0);
	r->out[n > 0 ? n : 0] = '\0';
	close(out);
	unlink(out_path);
	unlink(rss_path);
	free(out_path);
	free(rss_path);
}

static void run_pipe(struct fx *f, const char *sender, const char *rcpt, writer_fn *writer,
		     const void *arg, struct run *r)
{
	run_pipe_v(f, 0, sender, rcpt, writer, arg, r);
}

/* The peak RSS of the program handling a small, ordinary message. */
static long baseline_rss(struct fx *f)
{
	struct buf b = BUF_INIT;
	struct run r;

	buf_puts(&b, "From: a@client.example\nSubject: hi\nMessage-ID: <base@client.example>\n"
		     "\nhello\n");
	run_pipe(f, "a@client.example", "chat@" FX_REPLY_DOMAIN, write_buf, &b, &r);
	assert_int_equal(r.status, 0);
	buf_release(&b);
	return r.maxrss_kb;
}

/* ---- the bombs ---------------------------------------------------------- */

#define HEAD(id) "To: <reply+x@reply.example>\nMessage-ID: <" id "@client.example>\n"

static void bomb_colons(struct buf *b)
{
	buf_puts(b, HEAD("colons") "Subject: Re: x\nFrom: ");
	for (int i = 0; i < 100000; i++)
		buf_putc(b, ':');
	buf_puts(b, "\n\nbody\n");
}

static void nested_groups(struct buf *b, const char *field, int n)
{
	buf_printf(b, "%s: ", field);
	for (int i = 0; i < n; i++)
		buf_puts(b, "g:");
	buf_puts(b, "a@client.example");
	for (int i = 0; i < n; i++)
		buf_putc(b, ';');
	buf_putc(b, '\n');
}

static void bomb_groups(struct buf *b)
{
	buf_puts(b, HEAD("groups") "Subject: Re: x\n");
	nested_groups(b, "From", 50000);
	buf_puts(b, "\nbody\n");
}

static void bomb_groups_attached(struct buf *b)
{
	buf_puts(b, HEAD("attached") "From: a@client.example\nSubject: Re: x\n"
		    "MIME-Version: 1.0\nContent-Type: message/rfc822\n\nSubject: inner\n");
	nested_groups(b, "Cc", 50000);
	buf_puts(b, "\ninner body\n");
}

static void bomb_folded_words(struct buf *b)
{
	buf_puts(b, HEAD("words") "From: a@client.example\nSubject:");
	for (int i = 0; i < 3000; i++)
		buf_puts(b, " =?utf-8?q?=C3=BC?=\n");
	buf_puts(b, "\nbody\n");
}

static void bomb_name_words(struct buf *b)
{
	buf_puts(b, HEAD("names") "Subject: Re: x\nFrom:");
	for (int i = 0; i < 3000; i++)
		buf_puts(b, " =?utf-8?q?=C3=BC?=\n");
	buf_puts(b, " <a@client.example>\n\nbody\n");
}

static void bomb_bogus_charsets(struct buf *b)
{
	buf_puts(b, HEAD("charsets") "From: a@client.example\nSubject:");
	for (int i = 0; i < 3000; i++)
		buf_printf(b, " =?x-bogus-%d?q?=C3=BC?=\n", i);
	buf_puts(b, "\nbody\n");
}

static void bomb_fields(struct buf *b)
{
	buf_puts(b, HEAD("fields") "From: a@client.example\nSubject: Re: x\n");
	for (int i = 0; i < 100000; i++)
		buf_puts(b, "X:\n");
	buf_puts(b, "\nbody\n");
}

static void bomb_part_fields(struct buf *b)
{
	buf_puts(b, HEAD("partfields") "From: a@client.example\nSubject: Re: x\n"
		    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n");
	for (int i = 0; i < INBOUND_MAX_HEADER_FIELDS + 1; i++)
		buf_puts(b, "X:\n");
	buf_puts(b, "\ntext\n--b--\n");
}

static void bomb_references(struct buf *b)
{
	buf_puts(b, HEAD("refs") "From: a@client.example\nSubject: Re: x\nReferences:");
	for (int i = 0; i < 3000; i++)
		buf_printf(b, " <r%d@reply.example>\n", i);
	buf_puts(b, "\nbody\n");
}

static void bomb_comments(struct buf *b)
{
	buf_puts(b, HEAD("comments") "Subject: Re: x\nFrom: ");
	for (int i = 0; i < 100000; i++)
		buf_putc(b, '(');
	buf_puts(b, "a@client.example");
	for (int i = 0; i < 100000; i++)
		buf_putc(b, ')');
	buf_puts(b, "\n\nbody\n");
}

static void bomb_parameters(struct buf *b)
{
	buf_puts(b, HEAD("params") "From: a@client.example\nSubject: Re: x\n"
		    "MIME-Version: 1.0\nContent-Type: text/plain");
	for (int i = 0; i < 40000; i++)
		buf_printf(b, ";\n p%d=x", i);
	buf_puts(b, "\n\nbody\n");
}

static void bomb_part_parameters(struct buf *b)
{
	buf_puts(b, HEAD("partparams") "From: a@client.example\nSubject: Re: x\n"
		    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
		    "Content-Type: text/plain\nContent-Disposition: attachment");
	for (int i = 0; i < 40000; i++)
		buf_printf(b, "; filename*%d*=utf-8''%%C3%%BC", i);
	buf_puts(b, "\n\ntext\n--b--\n");
}

static void bomb_few_parameters(struct buf *b)
{
	buf_puts(b, HEAD("fewparams") "From: a@client.example\nSubject: Re: x\n"
		    "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8");
	for (int i = 1; i < INBOUND_MAX_PARAMETERS; i++)
		buf_printf(b, ";\n p%d=x", i);
	buf_puts(b, "\n\nbody\n");
}

static const struct bomb {
	const char *name;
	void (*make)(struct buf *b);
	enum inbound_verdict verdict;
	const char *reason;      /* inbound_parse's reason */
	int header_read;         /* Message-ID still read from the top block */
} bombs[] = {
	{ "From of 100,000 colons", bomb_colons, INBOUND_OVER_LIMIT, "limit: address groups", 0 },
	{ "From of 50,000 nested groups", bomb_groups, INBOUND_OVER_LIMIT,
	  "limit: address groups", 0 },
	{ "attached message with 50,000 nested groups", bomb_groups_attached, INBOUND_OVER_LIMIT,
	  "limit: address groups", 1 },
	{ "3,000 folded encoded words in the Subject", bomb_folded_words, INBOUND_HUMAN,
	  "human", 1 },
	{ "3,000 encoded words in the From name", bomb_name_words, INBOUND_HUMAN, "human", 1 },
	{ "3,000 encoded words in unknown charsets", bomb_bogus_charsets, INBOUND_HUMAN, "human",
	  1 },
	{ "100,000 header fields", bomb_fields, INBOUND_OVER_LIMIT, "limit: header fields", 0 },
	{ "20,001 header fields in a part", bomb_part_fields, INBOUND_OVER_LIMIT,
	  "limit: header fields", 1 },
	{ "References with 3,000 ids", bomb_references, INBOUND_HUMAN, "human", 1 },
	{ "From inside 100,000 nested comments", bomb_comments, INBOUND_HUMAN, "human", 1 },
	{ "Content-Type with 40,000 parameters", bomb_parameters, INBOUND_OVER_LIMIT,
	  "limit: parameters", 0 },
	{ "a part's Content-Disposition with 40,000 RFC 2231 parameters", bomb_part_parameters,
	  INBOUND_OVER_LIMIT, "limit: parameters", 1 },
	{ "Content-Type with the most parameters allowed", bomb_few_parameters, INBOUND_HUMAN,
	  "human", 1 },
};

/* Valid UTF-8 made only of "ü", long enough to show it was decoded. */
static int all_u_umlaut(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n < 400 || n > LINE_MAX_BYTES || n % 2 != 0)
		return 0;
	for (size_t i = 0; i < n; i += 2)
		if ((unsigned char)s[i] != 0xc3 || (unsigned char)s[i + 1] != 0xbc)
			return 0;
	return 1;
}

static void test_security_inbound_header_bombs_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(bombs); i++) {
		const struct bomb *c = &bombs[i];
		struct buf b = BUF_INIT;
		struct inbound_result *r;

		c->make(&b);
		r = tu_parse(b.data, b.len, "a@client.example", "reply+x@reply.example", NULL);
		if (r == NULL)
			fail_msg("case %zu (%s): no result", i, c->name);
		if (r->verdict != c->verdict || strcmp(r->reason, c->reason) != 0)
			fail_msg("case %zu (%s): %s \"%s\", want %s \"%s\"", i, c->name,
				 inbound_verdict_name(r->verdict), r->reason,
				 inbound_verdict_name(c->verdict), c->reason);
		if (!tu_result_clean(r))
			fail_msg("case %zu (%s): result strings not clean", i, c->name);
		if ((r->message_id != NULL) != c->header_read)
			fail_msg("case %zu (%s): message id %s", i, c->name,
				 r->message_id != NULL ? r->message_id : "(none)");
		if (r->n_tokens > INBOUND_MAX_TOKENS)
			fail_msg("case %zu (%s): %zu token candidates", i, c->name, r->n_tokens);
		if (c->make == bomb_folded_words && !all_u_umlaut(r->subject))
			fail_msg("case %zu (%s): subject \"%.40s...\" (%zu bytes)", i, c->name,
				 r->subject, strlen(r->subject));
		if (c->make == bomb_name_words &&
		    (!all_u_umlaut(r->from_name) || strcmp(r->from, "a@client.example") != 0))
			fail_msg("case %zu (%s): from %s name \"%.40s...\"", i, c->name, r->from,
				 r->from_name);
		if (c->make == bomb_references && r->n_tokens != INBOUND_MAX_TOKENS)
			fail_msg("case %zu (%s): %zu token candidates, want the cap %d", i, c->name,
				 r->n_tokens, INBOUND_MAX_TOKENS);
		inbound_result_free(&r);
		buf_release(&b);
	}
}

/* The edges: exactly at a limit still parses (gmime copes), one more is over. */
static void test_security_inbound_bomb_limits_are_exact(void **state)
{
	static const struct {
		int groups;          /* nested groups in To (one ':' each) */
		int fields;          /* header fields in all */
		enum inbound_verdict verdict;
		const char *reason;
	} t[] = {
		{ INBOUND_MAX_ADDRESS_COLONS, 10, INBOUND_HUMAN, "human" },
		{ INBOUND_MAX_ADDRESS_COLONS + 1, 10, INBOUND_OVER_LIMIT, "limit: address groups" },
		{ 1, INBOUND_MAX_HEADER_FIELDS, INBOUND_HUMAN, "human" },
		{ 1, INBOUND_MAX_HEADER_FIELDS + 1, INBOUND_OVER_LIMIT, "limit: header fields" },
	};

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(t); i++) {
		struct buf b = BUF_INIT;
		struct inbound_result *r;

		/* 4 fields here, To is the 5th, then fillers up to the count */
		buf_puts(&b, "From: a@client.example\nSubject: Re: x\n"
			     "Message-ID: <edge@client.example>\nX-Case: edge\n");
		nested_groups(&b, "To", t[i].groups);
		for (int k = 5; k < t[i].fields; k++)
			buf_puts(&b, "X:\n");
		buf_puts(&b, "\nbody\n");
		r = tu_parse(b.data, b.len, "a@client.example", "chat@reply.example", NULL);
		assert_non_null(r);
		if (r->verdict != t[i].verdict || strcmp(r->reason, t[i].reason) != 0)
			fail_msg("case %zu: %s \"%s\", want \"%s\"", i,
				 inbound_verdict_name(r->verdict), r->reason, t[i].reason);
		inbound_result_free(&r);
		buf_release(&b);
	}
}

/* The log row the program left last: "verdict|reason|size". */
static char *last_row(struct fx *f)
{
	return fx_str(f, "SELECT verdict || '|' || coalesce(reason, '') || '|' || size"
		      " FROM inbound_log ORDER BY id DESC LIMIT 1");
}

static void test_security_inbound_header_bombs_through_the_pipe(void **state)
{
	struct fx f;
	char *reply;
	long base;

	(void)state;
	fx_setup(&f, 0);
	fx_write_config(&f, NULL);
	reply = fx_address(&f, LINK_REPLY, f.thread, f.jane, f.now + CLOCK_DAY);
	base = baseline_rss(&f);
	for (size_t i = 0; i < GW_ARRAY_SIZE(bombs); i++) {
		const struct bomb *c = &bombs[i];
		int over = c->verdict == INBOUND_OVER_LIMIT;
		/* Over-limit mail carries a valid token and is still not answered;
		   the readable ones go to an address without a token. */
		const char *rcpt = over ? reply : "chat@" FX_REPLY_DOMAIN;
		int64_t rows = fx_int(&f, "SELECT count(*) FROM inbound_log");
		struct buf b = BUF_INIT;
		struct run r;
		char *row, *want;

		c->make(&b);
		run_pipe(&f, "jane@client.example", rcpt, write_buf, &b, &r);
		if (r.status != 0 || r.out[0] != '\0')
			fail_msg("case %zu (%s): exit %d, output \"%s\"", i, c->name, r.status,
				 r.out);
		if (fx_int(&f, "SELECT count(*) FROM inbound_log") != rows + 1)
			fail_msg("case %zu (%s): not exactly one log row", i, c->name);
		row = last_row(&f);
		want = over ? xasprintf("over-limit|%s (%zu bytes)|%zu", c->reason, b.len, b.len)
			    : xasprintf("dropped|no valid token|%zu", b.len);
		if (strcmp(row, want) != 0)
			fail_msg("case %zu (%s): logged \"%s\", want \"%s\"", i, c->name, row, want);
		print_message("%-45s peak RSS %ld KB (baseline %ld KB)\n", c->name, r.maxrss_kb,
			      base);
		/* Bounded memory: what it takes is not what the bomb asks for. */
		if (r.maxrss_kb > base + 64 * 1024)
			fail_msg("case %zu (%s): peak RSS %ld KB (baseline %ld KB)", i, c->name,
				 r.maxrss_kb, base);
		free(row);
		free(want);
		buf_release(&b);
	}
	assert_int_equal(fx_explanations(&f), 0);
	free(reply);
	fx_teardown(&f);
}

/* 20 MB of three-byte header fields in one part: within the size limit,
   and without the field limit gmime would need gigabytes for it. */
static void write_field_flood(int fd, const void *arg)
{
	static const char head[] = HEAD("flood") "From: a@client.example\nSubject: Re: x\n"
		"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n";
	char chunk[3 * 21846];
	size_t total = *(const size_t *)arg, sent = 0;

	for (size_t i = 0; i < sizeof(chunk); i += 3)
		memcpy(chunk + i, "X:\n", 3);
	write_all(fd, head, sizeof(head) - 1);
	while (sent < total) {
		write_all(fd, chunk, sizeof(chunk));
		sent += sizeof(chunk);
	}
	write_all(fd, "\ntext\n--b--\n", 12);
}

static void test_security_inbound_field_flood_in_bounded_memory(void **state)
{
	struct fx f;
	struct run r;
	size_t flood = 20 * MIB;
	long base;
	char *row;

	(void)state;
	fx_setup(&f, 0);
	fx_write_config(&f, NULL);
	base = baseline_rss(&f);
	run_pipe(&f, "jane@client.example", "chat@" FX_REPLY_DOMAIN, write_field_flood, &flood,
		 &r);
	if (r.status != 0 || r.out[0] != '\0')
		fail_msg("exit %d, output \"%s\"", r.status, r.out);
	row = fx_str(&f, "SELECT verdict || '|' || reason FROM inbound_log ORDER BY id DESC LIMIT 1");
	if (strstr(row, "over-limit|limit: header fields (") != row)
		fail_msg("logged \"%s\"", row);
	free(row);
	print_message("field flood: peak RSS %ld KB (baseline %ld KB)\n", r.maxrss_kb, base);
	/* The program keeps the message (up to max_size, 25 MB) and no more. */
	if (r.maxrss_kb > base + 96 * 1024)
		fail_msg("peak RSS %ld KB (baseline %ld KB)", r.maxrss_kb, base);
	assert_int_equal(fx_explanations(&f), 0);
	fx_teardown(&f);
}

/* ---- deep MIME ------------------------------------------------------------ */

static void deep_multipart(struct buf *b, int depth)
{
	buf_puts(b, "From: Jane Smith <jane@client.example>\nSubject: Re: deep\n"
		    "Message-ID: <deep-mp@client.example>\nMIME-Version: 1.0\n");
	for (int i = 0; i < depth; i++)
		buf_printf(b, "Content-Type: multipart/mixed; boundary=\"d%d\"\n\n--d%d\n", i, i);
	buf_puts(b, "Content-Type: text/plain\n\nat the bottom\n");
	for (int i = depth - 1; i >= 0; i--)
		buf_printf(b, "--d%d--\n", i);
}

static void deep_messages(struct buf *b, int depth)
{
	buf_puts(b, "From: Jane Smith <jane@client.example>\nSubject: Re: deep\n"
		    "Message-ID: <deep-msg@client.example>\nMIME-Version: 1.0\n");
	for (int i = 0; i < depth; i++)
		buf_puts(b, "Content-Type: message/rfc822\n\nSubject: inner\n");
	buf_puts(b, "\nat the bottom\n");
}

static void test_security_inbound_deep_mime_through_the_pipe(void **state)
{
	struct fx f;
	char *reply;

	(void)state;
	fx_setup(&f, 0);
	fx_write_config(&f, NULL);
	reply = fx_address(&f, LINK_REPLY, f.thread, f.jane, f.now + CLOCK_DAY);
	for (int k = 0; k < 2; k++) {
		struct buf b = BUF_INIT;
		struct run r;
		char *row, *want;

		if (k == 0)
			deep_multipart(&b, 100);
		else
			deep_messages(&b, 100);
		run_pipe(&f, "jane@client.example", reply, write_buf, &b, &r);
		if (r.status != 0 || r.out[0] != '\0')
			fail_msg("case %d: exit %d, output \"%s\"", k, r.status, r.out);
		row = fx_str(&f, "SELECT verdict || '|' || reason || '|' || message_id"
			     " FROM inbound_log ORDER BY id DESC LIMIT 1");
		want = xasprintf("over-limit|limit: mime depth (%zu bytes)|%s", b.len,
				 k == 0 ? "deep-mp@client.example" : "deep-msg@client.example");
		if (strcmp(row, want) != 0)
			fail_msg("case %d: logged \"%s\", want \"%s\"", k, row, want);
		free(row);
		free(want);
		buf_release(&b);
	}
	assert_int_equal(fx_explanations(&f), 0);
	assert_int_equal(fx_notes(&f), 0);
	free(reply);
	fx_teardown(&f);
}

/* ---- log lines ----------------------------------------------------------- */

/*
 * What the sender controls reaches the log line of the message: envelope
 * sender and recipient (CR, LF in them), Message-ID, the classifier's
 * reason quoting a header.  Each message is still exactly one line.
 */
static void test_security_inbound_log_lines_stay_one_line(void **state)
{
	static const struct {
		const char *sender;
		const char *rcpt;
		const char *msg;
	} t[] = {
		{ "a@client.example\r\ngatewayd-pipe: pipe: forged line", "chat@reply.example",
		  "From: a@client.example\nMessage-ID: <one@client.example>\nSubject: hi\n\nx\n" },
		{ "a@client.example", "chat@reply.example\nforged: line",
		  "From: a@client.example\nMessage-ID: <two@client.example>\nSubject: hi\n\nx\n" },
		{ "a@client.example", "chat@reply.example",
		  "From: a@client.example\nMessage-ID: <three=?utf-8?q?=0D=0Aforged?=@client.example>\n"
		  "Auto-Submitted: =?utf-8?q?auto=0D=0Aforged:_line?=\nSubject: hi\n\nx\n" },
		{ "a@client.example", "chat@reply.example",
		  "From: a@client.example\nMessage-ID: <four@client.example>\n"
		  "Subject: =?utf-8?q?Out_of_office=0D=0Aforged:_line?=\n\nx\n" },
	};
	struct fx f;

	(void)state;
	fx_setup(&f, 0);
	fx_write_config(&f, NULL);
	for (size_t i = 0; i < GW_ARRAY_SIZE(t); i++) {
		struct buf b = BUF_INIT;
		struct run r;
		const char *nl;

		buf_puts(&b, t[i].msg);
		run_pipe_v(&f, 1, t[i].sender, t[i].rcpt, write_buf, &b, &r);
		nl = strchr(r.out, '\n');
		if (r.status != 0 || strncmp(r.out, "gatewayd-pipe: pipe: ", 21) != 0 ||
		    nl == NULL || nl[1] != '\0' || strchr(r.out, '\r') != NULL)
			fail_msg("case %zu: exit %d, output is not one line: \"%s\"", i, r.status,
				 r.out);
		if (fx_int(&f, "SELECT count(*) FROM inbound_log WHERE instr(sender, char(10)) > 0"
			   " OR instr(recipient, char(10)) > 0 OR instr(reason, char(10)) > 0"
			   " OR instr(message_id, char(10)) > 0 OR instr(sender, char(13)) > 0"
			   " OR instr(reason, char(13)) > 0") != 0)
			fail_msg("case %zu: a line break was stored in the inbound log", i);
		buf_release(&b);
	}
	fx_teardown(&f);
}

/* ---- 50 MB -------------------------------------------------------------- */

struct big {
	const char *rcpt;
	size_t total;
};

/* A reply with a valid token and a 50 MB base64 attachment, generated
   while it is written: the test itself never holds it. */
static void write_big(int fd, const void *arg)
{
	const struct big *g = arg;
	char *head = xasprintf("From: Jane Smith <jane@client.example>\nTo: <%s>\n"
			       "Subject: Re: Documents for 2026\n"
			       "Message-ID: <fifty@client.example>\nMIME-Version: 1.0\n"
			       "Content-Type: multipart/mixed; boundary=big\n\n"
			       "--big\nContent-Type: text/plain\n\nHere they are.\n"
			       "--big\nContent-Type: application/pdf\n"
			       "Content-Transfer-Encoding: base64\n\n", g->rcpt);
	static const char tail[] = "\n--big--\n";
	const size_t tail_len = sizeof(tail) - 1;
	char line[77 * 1000];
	size_t sent = strlen(head);

	for (size_t i = 0; i < sizeof(line); i += 77) {
		memset(line + i, 'Q', 76);
		line[i + 76] = '\n';
	}
	write_all(fd, head, sent);
	while (sent + sizeof(line) <= g->total - tail_len) {
		write_all(fd, line, sizeof(line));
		sent += sizeof(line);
	}
	while (sent < g->total - tail_len) {
		write_all(fd, "Q", 1);
		sent++;
	}
	write_all(fd, tail, tail_len);
	free(head);
}

static void test_security_inbound_fifty_megabytes(void **state)
{
	static const struct {
		const char *config;
		size_t kept;        /* bytes the program may keep of it */
	} t[] = {
		{ NULL, 25 * MIB },                           /* the default max_size */
		{ "[inbound]\nmax_size = 2M\n", 2 * MIB },
	};
	struct fx f;

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(t); i++) {
		struct big g;
		struct run r;
		size_t grew;
		long base;
		char *row, *want;

		fx_setup(&f, 0);
		fx_write_config(&f, t[i].config);
		g.rcpt = fx_address(&f, LINK_REPLY, f.thread, f.jane, f.now + CLOCK_DAY);
		g.total = 50 * MIB;
		base = baseline_rss(&f);
		run_pipe(&f, "jane@client.example", g.rcpt, write_big, &g, &r);
		if (r.status != 0 || r.out[0] != '\0')
			fail_msg("case %zu: exit %d, output \"%s\"", i, r.status, r.out);
		/* Recorded with its real size and who sent it, not answered. */
		row = fx_str(&f, "SELECT verdict || '|' || reason || '|' || size || '|' ||"
			     " message_id || '|' || sender || '|' || coalesce(thread_id, 0)"
			     " FROM inbound_log ORDER BY id DESC LIMIT 1");
		want = xasprintf("over-limit|limit: size (%zu bytes)|%zu|fifty@client.example|"
				 "jane@client.example|0", g.total, g.total);
		if (strcmp(row, want) != 0)
			fail_msg("case %zu: logged \"%s\", want \"%s\"", i, row, want);
		assert_int_equal(fx_explanations(&f), 0);
		assert_int_equal(fx_notes(&f), 0);
		print_message("50 MB, keeping %zu MB: peak RSS %ld KB (baseline %ld KB)\n",
			      t[i].kept / MIB, r.maxrss_kb, base);
		/* Memory: at most what it keeps (twice over for the growing
		   buffer and the sanitizer's quarantine) plus slack; never the
		   50 MB it was sent. */
		grew = r.maxrss_kb > base ? (size_t)(r.maxrss_kb - base) * 1024 : 0;
		if (grew > 2 * t[i].kept + 24 * MIB || (i == 1 && grew >= g.total))
			fail_msg("case %zu: peak RSS %ld KB, baseline %ld KB, keeps %zu KB", i,
				 r.maxrss_kb, base, t[i].kept / 1024);
		free(row);
		free(want);
		free((char *)g.rcpt);
		fx_teardown(&f);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--spawn") == 0)
		return spawn_main(argc, argv);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_security_inbound_header_bombs_parse),
		cmocka_unit_test(test_security_inbound_bomb_limits_are_exact),
		cmocka_unit_test(test_security_inbound_header_bombs_through_the_pipe),
		cmocka_unit_test(test_security_inbound_field_flood_in_bounded_memory),
		cmocka_unit_test(test_security_inbound_deep_mime_through_the_pipe),
		cmocka_unit_test(test_security_inbound_log_lines_stay_one_line),
		cmocka_unit_test(test_security_inbound_fifty_megabytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
