/*
 * test_security_mail.c - hostile names and texts in the emails gatewayd
 * sends.  First compose itself, for every kind of email: each field lands
 * in the HTML part escaped exactly and never raw, Markdown stays text (no
 * javascript: or data: link is ever made), the only links are ours, and
 * CR/LF in any header field adds no header.  Then the whole way, on a
 * real database: hostile names stored through the store, every one of
 * the ten kinds of email caused by real events, an explanation caused by
 * gatewayd-pipe, all delivered by `gatewayctl tick` into a Maildir and
 * parsed back with gmime.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <sqlite3.h>

#include "buf.h"
#include "clock.h"
#include "compose.h"
#include "links.h"
#include "store.h"

#ifndef GATEWAYCTL_BIN
#error "GATEWAYCTL_BIN must name the gatewayctl binary"
#endif
#ifndef GW_PIPE_BIN
#error "GW_PIPE_BIN must name the gatewayd-pipe binary"
#endif

#define VIEW_URL "https://chat.firm.example/v/VIEWTOKEN"
#define UNSUB_URL "https://chat.firm.example/u/UNSUBTOKEN"

/* ---- parsing a message back ------------------------------------------- */

struct parsed {
	GMimeMessage *msg;
	char *plain;
	char *html;
};

static int parse_mail(const char *data, size_t len, struct parsed *p)
{
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeObject *body;

	memset(p, 0, sizeof(*p));
	p->msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (p->msg == NULL)
		return -1;
	body = g_mime_message_get_mime_part(p->msg);
	if (!GMIME_IS_MULTIPART(body) || g_mime_multipart_get_count(GMIME_MULTIPART(body)) != 2)
		return -1;
	p->plain = g_mime_text_part_get_text(
		GMIME_TEXT_PART(g_mime_multipart_get_part(GMIME_MULTIPART(body), 0)));
	p->html = g_mime_text_part_get_text(
		GMIME_TEXT_PART(g_mime_multipart_get_part(GMIME_MULTIPART(body), 1)));
	return p->plain != NULL && p->html != NULL ? 0 : -1;
}

static void parsed_free(struct parsed *p)
{
	if (p->msg != NULL)
		g_object_unref(p->msg);
	g_free(p->plain);
	g_free(p->html);
	memset(p, 0, sizeof(*p));
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *q = hay; (q = strstr(q, needle)) != NULL; q++)
		n++;
	return n;
}

static int contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (g_ascii_strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/*
 * Every href/src value in the HTML is one of ours (base/v/ or base/u/),
 * and no markup an attacker could have written is there.  Returns NULL or
 * what was wrong (static).
 */
static const char *html_inert(const char *html, const char *base)
{
	static char why[200];
	static const char *const tags[] = { "<script", "<img", "<svg", "<iframe", "<object",
					    "<embed", "<form", "<i id" };
	static const char *const attrs[] = { "href=\"", "src=\"" };

	for (size_t i = 0; i < GW_ARRAY_SIZE(tags); i++)
		if (contains_nocase(html, tags[i])) {
			snprintf(why, sizeof(why), "raw %s", tags[i]);
			return why;
		}
	for (size_t i = 0; i < GW_ARRAY_SIZE(attrs); i++) {
		for (const char *q = html; (q = strstr(q, attrs[i])) != NULL; q++) {
			const char *v = q + strlen(attrs[i]);
			size_t n = strlen(base);

			/* a message's own links (rendered by cmark) are http(s)
			 * or emptied, never javascript: or data: */
			if (i == 0 && (strncmp(v, "https://", 8) == 0 ||
				       strncmp(v, "http://", 7) == 0 || *v == '"'))
				continue;
			if (strncmp(v, base, n) != 0 || (strncmp(v + n, "/v/", 3) != 0 &&
							 strncmp(v + n, "/u/", 3) != 0)) {
				snprintf(why, sizeof(why), "foreign link %.60s", q);
				return why;
			}
		}
	}
	return NULL;
}

static int raw_fields(const char *data, const char *name);

/* ---- compose: every field of every kind --------------------------------- */

enum field { F_FIRM, F_FROM, F_TO, F_ACCOUNT, F_AUTHOR, F_SUBJECT, F_BODY, F_TASK, F_FILE,
	     F_THEIRS, F_COUNT };
static const char *const field_names[F_COUNT] = {
	"firm", "from", "to", "account", "author", "subject", "body", "task", "file", "theirs",
};

/*
 * Which fields each kind shows in its HTML part (1) and which it must
 * not (0): the sender's display name is a header only, bodies and tasks
 * are not repeated to someone who answered by email, and staff emails
 * do not name their own firm.
 */
static const struct {
	enum mail_kind kind;
	unsigned char shown[F_COUNT];
} kinds[] = {
	/*                              firm from to acc auth subj body task file theirs */
	{ MAIL_NEW_MESSAGE,          { 1, 0, 1, 0, 1, 1, 1, 1, 0, 0 } },
	{ MAIL_REMINDER,             { 1, 0, 1, 0, 1, 1, 1, 1, 0, 0 } },
	{ MAIL_RESEND,               { 1, 0, 1, 0, 1, 1, 1, 1, 0, 0 } },
	{ MAIL_STAFF_CLIENT_REPLIED, { 0, 0, 1, 1, 1, 1, 1, 1, 0, 0 } },
	{ MAIL_STAFF_CLIENT_CREATED, { 0, 0, 1, 1, 1, 1, 1, 1, 0, 0 } },
	{ MAIL_STAFF_TASK_DONE,      { 0, 0, 1, 1, 1, 1, 1, 1, 0, 0 } },
	{ MAIL_STAFF_UPLOAD,         { 0, 0, 1, 1, 1, 1, 1, 1, 1, 0 } },
	{ MAIL_STAFF_MENTION,        { 0, 0, 1, 1, 1, 1, 1, 1, 0, 0 } },
	{ MAIL_FRESH_LINK,           { 1, 0, 1, 0, 0, 1, 1, 1, 0, 0 } },
	{ MAIL_EXPLANATION,          { 1, 0, 1, 0, 0, 1, 0, 0, 0, 1 } },
};

static struct compose_mail hostile_mail(enum mail_kind kind, char values[F_COUNT][64],
					struct compose_task *task)
{
	struct compose_mail m;

	for (int i = 0; i < F_COUNT; i++)
		snprintf(values[i], 64, "<i id=%s>\"'&", field_names[i]);
	memset(&m, 0, sizeof(m));
	m.kind = kind;
	m.firm_name = values[F_FIRM];
	m.from_name = values[F_FROM];
	m.to_name = values[F_TO];
	m.account_name = values[F_ACCOUNT];
	m.author_name = values[F_AUTHOR];
	m.subject = values[F_SUBJECT];
	m.body = values[F_BODY];
	task->text = values[F_TASK];
	task->done = 0;
	m.tasks = task;
	m.task_count = 1;
	m.file_name = values[F_FILE];
	m.their_text = values[F_THEIRS];
	m.from_address = "chat@firm.example";
	m.to_address = "anna@client.example";
	m.reply_to = "reply+tok@reply.firm.example";
	m.reply_domain = "reply.firm.example";
	m.message_id = "m.1@reply.firm.example";
	m.thread_root_id = "t.1@reply.firm.example";
	m.their_message_id = "theirs@client.example";
	m.date = 1764063000;
	m.show_content = 1;
	m.view_url = VIEW_URL;
	m.unsubscribe_url = kind == MAIL_EXPLANATION ? NULL : UNSUB_URL;
	m.reminder_number = 1;
	m.reminder_count = 2;
	return m;
}

static void render(const struct compose_mail *m, struct buf *out, struct parsed *p, size_t i)
{
	char *err = NULL;

	buf_reset(out);
	if (compose_render(m, out, &err) < 0)
		fail_msg("case %zu: compose_render: %s", i, err);
	if (parse_mail(out->data, out->len, p) < 0)
		fail_msg("case %zu: cannot parse the message back", i);
}

static void test_security_mail_every_field_of_every_kind_escaped(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(kinds); i++) {
		char values[F_COUNT][64];
		struct compose_task task;
		struct compose_mail m = hostile_mail(kinds[i].kind, values, &task);
		struct parsed p;
		const char *why;

		render(&m, &out, &p, i);
		for (int k = 0; k < F_COUNT; k++) {
			char *escaped = xasprintf("&lt;i id=%s&gt;&quot;&#39;&amp;", field_names[k]);
			char *raw_id = xasprintf("id=%s", field_names[k]);
			int n = count(p.html, escaped), all = count(p.html, raw_id);

			/* the body is CommonMark: its raw HTML is left out */
			if (k == F_BODY && kinds[i].shown[k]) {
				if (all != 0 || strstr(p.html, "<!-- raw HTML omitted -->") == NULL)
					fail_msg("case %zu (%s): raw HTML of the body not left out",
						 i, mail_kind_name(kinds[i].kind));
				free(escaped);
				free(raw_id);
				continue;
			}
			if (kinds[i].shown[k] ? n == 0 : all != 0)
				fail_msg("case %zu (%s): field %s: %d escaped, %d in all", i,
					 mail_kind_name(kinds[i].kind), field_names[k], n, all);
			/* every occurrence is the escaped one */
			if (all != n)
				fail_msg("case %zu (%s): field %s: %d of %d not escaped", i,
					 mail_kind_name(kinds[i].kind), field_names[k], all - n, all);
			free(escaped);
			free(raw_id);
		}
		if ((why = html_inert(p.html, "https://chat.firm.example")) != NULL)
			fail_msg("case %zu (%s): %s", i, mail_kind_name(kinds[i].kind), why);
		/* The plain part shows the text as written. */
		if (strstr(p.plain, values[F_SUBJECT]) == NULL)
			fail_msg("case %zu: plain part lacks the subject", i);
		parsed_free(&p);
	}
	buf_release(&out);
}

/* Markdown is rendered by cmark with raw HTML off: no script, no image,
 * no javascript: or data: link, whatever the body says. */
static void test_security_mail_markdown_renders_inert(void **state)
{
	static const char body[] =
		"[x](javascript:alert(1)) ![y](data:text/html,<b>z</b>) <script>alert(2)</script>\n"
		"<a href=\"javascript:alert(3)\">click</a> <img src=x onerror=alert(4)> "
		"[z](data:text/html;base64,PHNjcmlwdD4=) ![w](https://tracker.example/p.gif)";
	struct buf out = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(kinds); i++) {
		char values[F_COUNT][64];
		struct compose_task task;
		struct compose_mail m = hostile_mail(kinds[i].kind, values, &task);
		struct parsed p;
		const char *why;

		m.body = body;
		m.their_text = body;
		render(&m, &out, &p, i);
		/* CRLF of the wire: compare on LF */
		for (char *r = p.html, *w = p.html;; r++) {
			if (!(r[0] == '\r' && r[1] == '\n'))
				*w++ = *r;
			if (*r == '\0')
				break;
		}
		if (kinds[i].shown[F_BODY] &&
		    (strstr(p.html, "<!-- raw HTML omitted -->") == NULL ||
		     strstr(p.html, "<a href=\"https://tracker.example/p.gif\">w</a>") == NULL))
			fail_msg("case %zu (%s): body not rendered inert:\n%s", i,
				 mail_kind_name(kinds[i].kind), p.html);
		if ((why = html_inert(p.html, "https://chat.firm.example")) != NULL)
			fail_msg("case %zu (%s): %s", i, mail_kind_name(kinds[i].kind), why);
		if (strstr(p.html, "href=\"javascript") != NULL ||
		    strstr(p.html, "href=\"data:") != NULL || strstr(p.html, "src=\"data:") != NULL)
			fail_msg("case %zu: a javascript: or data: link was made", i);
		parsed_free(&p);
	}
	buf_release(&out);
}

/* CR/LF (and the other line breaks) in any header field add no header. */
static void test_security_mail_headers_of_every_kind_resist_injection(void **state)
{
	static const char *const evil[] = {
		"X\r\nBcc: evil@attacker.example", "X\nBcc: evil@attacker.example",
		"X\rBcc: evil@attacker.example", "X\xe2\x80\xa8" "Bcc: evil@attacker.example",
		"X\xc2\x85" "Bcc: evil@attacker.example",
		"=?utf-8?q?X=0D=0ABcc:_evil@attacker.example?=",
	};
	struct buf out = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(kinds); i++) {
		char values[F_COUNT][64];
		struct compose_task task;
		struct compose_mail m = hostile_mail(kinds[i].kind, values, &task);
		struct parsed p;
		int baseline;

		render(&m, &out, &p, i);
		baseline = g_mime_header_list_get_count(
			g_mime_object_get_header_list(GMIME_OBJECT(p.msg)));
		parsed_free(&p);
		for (size_t e = 0; e < GW_ARRAY_SIZE(evil); e++) {
			GMimeHeaderList *h;
			InternetAddressList *to;

			m = hostile_mail(kinds[i].kind, values, &task);
			m.subject = m.to_name = m.from_name = m.firm_name = evil[e];
			m.account_name = m.author_name = m.file_name = evil[e];
			render(&m, &out, &p, i);
			h = g_mime_object_get_header_list(GMIME_OBJECT(p.msg));
			if (g_mime_header_list_contains(h, "Bcc") ||
			    g_mime_header_list_get_count(h) != baseline)
				fail_msg("case %zu/%zu (%s): %d headers, want %d", i, e,
					 mail_kind_name(kinds[i].kind),
					 g_mime_header_list_get_count(h), baseline);
			/* (in the body a line break is only text) */
			if (raw_fields(out.data, "Bcc") != 0)
				fail_msg("case %zu/%zu: a Bcc line in the header", i, e);
			to = g_mime_message_get_to(p.msg);
			if (internet_address_list_length(to) != 1)
				fail_msg("case %zu/%zu: %d To addresses", i, e,
					 internet_address_list_length(to));
			if (strpbrk(g_mime_message_get_subject(p.msg), "\r\n") != NULL)
				fail_msg("case %zu/%zu: line break in the subject", i, e);
			parsed_free(&p);
		}
	}
	buf_release(&out);
}

/* ---- the whole way ------------------------------------------------------ */

#define H_FIRM "Firm <b>&amp;</b> \"Co\"\xe2\x80\xa8" "Bcc: evil@attacker.example"
#define H_STAFF "Max <script>alert('m')</script>, evil@attacker.example"
#define H_STAFF2 "Otto =?utf-8?q?=0D=0ABcc:_evil@attacker.example?="
#define H_ACCOUNT "Acme <img src=x onerror=alert(1)>\xc2\x85X-Injected: 1"
#define H_CONTACT "Anna \"<script>\" <evil@attacker.example>, Bcc: evil@attacker.example"
#define H_SUBJECT "Year end <svg onload=alert(1)>\xe2\x80\xa9" "Bcc: evil@attacker.example"
#define H_TASK "<iframe src=javascript:alert(1)>"
#define H_FILE "<img src=x onerror=alert(2)>.pdf"
#define H_BODY "[x](javascript:alert(1)) <script>alert(3)</script> @Otto " \
	       "![d](data:text/html,<script>alert(4)</script>)"
#define BASE_URL "https://chat.firm.example"
#define DOMAIN "reply.firm.example"

struct e2e {
	char dir[64];
	char *conf, *db, *keys, *maildir;
	struct store *s;
};

static void must(enum gw_result r, const char *what, char *err)
{
	if (r != GW_OK)
		fail_msg("%s: %s", what, err != NULL ? err : gw_result_name(r));
}

/* Run argv with stdin from in_path (or /dev/null) and its output
   discarded; returns its exit status. */
static int run(const char *const *argv, const char *in_path)
{
	int ws;
	pid_t pid = fork();

	if (pid < 0)
		fail_msg("fork failed");
	if (pid == 0) {
		int in = open(in_path != NULL ? in_path : "/dev/null", O_RDONLY);
		int null = open("/dev/null", O_WRONLY);

		/* stdout and the relay's log lines are not wanted here */
		if (in < 0 || null < 0 || dup2(in, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(null, 2) < 0)
			_exit(121);
		execv(argv[0], (char *const *)argv);
		_exit(123);
	}
	if (waitpid(pid, &ws, 0) != pid)
		fail_msg("waitpid failed");
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 1000 + WTERMSIG(ws);
}

static void tick(struct e2e *e, int64_t at)
{
	char now[32];
	const char *argv[] = { GATEWAYCTL_BIN, "-c", e->conf, "tick", "--now", now, NULL };

	snprintf(now, sizeof(now), "@%lld", (long long)at);
	if (run(argv, NULL) != 0)
		fail_msg("gatewayctl tick --now %s failed", now);
}

static void e2e_setup(struct e2e *e)
{
	const char *init[] = { GATEWAYCTL_BIN, "-c", NULL, "init", NULL };
	struct cfg_store cs;
	FILE *fp;
	char *err = NULL;

	memset(e, 0, sizeof(*e));
	strcpy(e->dir, "/tmp/test_security_mail.XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	e->conf = xasprintf("%s/gatewayd.conf", e->dir);
	e->db = xasprintf("%s/gw.db", e->dir);
	e->keys = xasprintf("%s/keys", e->dir);
	e->maildir = xasprintf("%s/Maildir", e->dir);
	fp = fopen(e->conf, "w");
	assert_non_null(fp);
	fprintf(fp, "[store]\npath = %s\nattachments_dir = %s/att\nsynchronous = normal\n"
		    "[mail]\ntransport = maildir:%s\nfrom = chat@firm.example\n"
		    "from_name = Example Chat\nreply_domain = " DOMAIN "\n"
		    "[links]\nkey_file = %s\n[web]\nbase_url = " BASE_URL "\n",
		e->db, e->dir, e->maildir, e->keys);
	fclose(fp);
	init[2] = e->conf;
	if (run(init, NULL) != 0)
		fail_msg("gatewayctl init failed");
	memset(&cs, 0, sizeof(cs));
	cs.path = e->db;
	cs.attachments_dir = xasprintf("%s/att", e->dir);
	cs.busy_timeout_ms = 5000;
	if (store_open(&cs, &e->s, &err) < 0)
		fail_msg("store_open: %s", err);
	free((char *)cs.attachments_dir);
	store_set_mail_domain(e->s, DOMAIN);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void e2e_teardown(struct e2e *e)
{
	store_close(&e->s);
	nftw(e->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(e->conf);
	free(e->db);
	free(e->keys);
	free(e->maildir);
}

/* The kind of the outbox row whose Message-ID is id ("" if none). */
static char *kind_of(struct e2e *e, const char *id)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *kind = xstrdup("");

	assert_int_equal(sqlite3_open_v2(e->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT kind FROM outbox WHERE mail_id = ?1", -1,
					    &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		free(kind);
		kind = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return kind;
}

static char *slurp(const char *path, size_t *len_r)
{
	FILE *fp = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;

	assert_non_null(fp);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	fclose(fp);
	*len_r = b.len;
	return buf_detach(&b);
}

/* Header lines of the raw message (up to the blank line) that start a
   field named name, case-insensitively. */
static int raw_fields(const char *data, const char *name)
{
	size_t n = strlen(name);
	int found = 0;

	for (const char *p = data; *p != '\0' && *p != '\n' && !(p[0] == '\r' && p[1] == '\n');) {
		if (g_ascii_strncasecmp(p, name, n) == 0 && p[n] == ':')
			found++;
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
	}
	return found;
}

static void test_security_mail_end_to_end_every_kind(void **state)
{
	struct e2e e;
	struct store_firm_in firm = { H_FIRM, 1, NULL };
	int64_t owner, max, otto, acme, anna, thread, created = 0, task = 0, att = 0, t0;
	const char *tasks[] = { H_TASK };
	struct store_chat_new chat;
	struct store_attachment_new an;
	char *err = NULL;
	int n_queued = 0;

	(void)state;
	e2e_setup(&e);
	t0 = clock_now();
	clock_set(t0);
	must(store_firm_set(e.s, &firm, &err), "firm", err);
	must(store_staff_add(e.s, "Olivia Owner", "olivia@firm.example", STORE_ROLE_OWNER, &owner,
			     &err), "owner", err);
	must(store_staff_add(e.s, H_STAFF, "max@firm.example", STORE_ROLE_MEMBER, &max, &err),
	     "max", err);
	must(store_staff_add(e.s, H_STAFF2, "otto@firm.example", STORE_ROLE_MEMBER, &otto, &err),
	     "otto", err);
	must(store_account_add(e.s, H_ACCOUNT, &acme, &err), "account", err);
	must(store_staff_assign(e.s, max, acme, 1, &err), "assign", err);
	/* a mention emails only a colleague who can open the chat */
	must(store_staff_assign(e.s, otto, acme, 1, &err), "assign", err);
	must(store_contact_add(e.s, acme, H_CONTACT, "anna@client.example", &anna, &err),
	     "contact", err);
	must(store_contact_set_may_create(e.s, anna, 1, &err), "may create", err);

	/* new_message (+ staff_mention of Otto), with content shown */
	memset(&chat, 0, sizeof(chat));
	chat.account_ids = &acme;
	chat.n_accounts = 1;
	chat.staff_id = max;
	chat.subject = H_SUBJECT;
	chat.body = H_BODY;
	chat.tasks = tasks;
	chat.n_tasks = 1;
	chat.show_content = 1;
	chat.reminders = 1;
	chat.reminder_days = 1;
	chat.reminder_count = 1;
	must(store_chat_create(e.s, &chat, &thread, &err), "chat", err);
	/* a second one that nobody answers: its reminder goes out */
	{
		int64_t quiet;

		chat.body = "No answer to this one.";
		must(store_chat_create(e.s, &chat, &quiet, &err), "chat", err);
	}
	/* resend, fresh link */
	must(store_thread_resend(e.s, thread, max, &n_queued, &err), "resend", err);
	must(store_fresh_link_queue(e.s, anna, thread, NULL, &err), "fresh link", err);
	/* the client: a reply, a ticked task, an upload, a chat of their own */
	must(store_message_post(e.s, thread, STORE_CONTACT, anna,
				"<a href=\"javascript:alert(5)\">click</a>", NULL, &err), "reply",
	     err);
	{
		struct store_thread_view v;

		must(store_thread_show(e.s, thread, 0, 0, 1, &v, &err), "show", err);
		task = v.tasks[0].id;
		store_thread_view_clear(&v);
	}
	must(store_task_set_done(e.s, task, STORE_CONTACT, anna, 1, &err), "task", err);
	memset(&an, 0, sizeof(an));
	an.thread_id = thread;
	an.uploader_kind = STORE_CONTACT;
	an.uploader_id = anna;
	an.file_name = H_FILE;
	an.bytes = "%PDF";
	an.len = 4;
	must(store_attachment_add(e.s, &an, &att, &err), "upload", err);
	must(store_chat_create_by_contact(e.s, anna, H_SUBJECT, "<script>alert(6)</script>",
					  &created, NULL, &err), "client chat", err);

	/* explanation: Anna answers a notification by email */
	{
		struct link_keys *keys = NULL;
		struct link_claims c;
		uint32_t gen = 0;
		char *rcpt, *in_path = xasprintf("%s/reply.eml", e.dir);
		FILE *fp = fopen(in_path, "w");

		if (link_keys_load(e.keys, &keys, &err) < 0)
			fail_msg("keys: %s", err);
		assert_int_equal(store_link_generation(e.s, LINK_CONTACT, anna, &gen), 0);
		memset(&c, 0, sizeof(c));
		c.purpose = LINK_REPLY;
		c.thread_id = thread;
		c.kind = LINK_CONTACT;
		c.principal_id = anna;
		c.generation = gen;
		c.expires = t0 + 7 * CLOCK_DAY;
		rcpt = link_address(keys, &c, DOMAIN);
		assert_non_null(rcpt);
		assert_non_null(fp);
		fprintf(fp, "From: Anna <anna@client.example>\nTo: <%s>\n"
			    "Subject: Re: =?utf-8?q?=3Cscript=3E?=\n"
			    "Message-ID: <answer@client.example>\n\n"
			    "<script>alert(7)</script> [y](data:text/html;base64,PHNjcmlwdD4=)\n",
			rcpt);
		fclose(fp);
		const char *argv[] = { GW_PIPE_BIN, "-c", e.conf, "anna@client.example", rcpt, NULL };
		if (run(argv, in_path) != 0)
			fail_msg("gatewayd-pipe failed");
		free(rcpt);
		free(in_path);
		link_keys_free(&keys);
	}
	/* now, and two days on for the reminder; twice, to empty the outbox */
	for (int i = 0; i < 2; i++) {
		tick(&e, clock_now() + 60);
		tick(&e, t0 + 2 * CLOCK_DAY + 60);
	}

	/* Every mail in the Maildir: headers and HTML. */
	char *newdir = xasprintf("%s/new", e.maildir);
	DIR *d = opendir(newdir);
	struct dirent *de;
	unsigned seen = 0;
	int mails = 0;
	static const char *const kind_names[] = {
		"new_message", "reminder", "resend", "staff_client_replied", "staff_client_created",
		"staff_task_done", "staff_upload", "staff_mention", "fresh_link", "explanation",
	};

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char *path, *data, *kind;
		size_t len;
		struct parsed p;
		const char *why, *to;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", newdir, de->d_name);
		data = slurp(path, &len);
		if (parse_mail(data, len, &p) < 0)
			fail_msg("%s: not a two-part message", de->d_name);
		kind = kind_of(&e, g_mime_message_get_message_id(p.msg));
		for (size_t k = 0; k < GW_ARRAY_SIZE(kind_names); k++)
			if (strcmp(kind, kind_names[k]) == 0)
				seen |= 1u << k;
		mails++;
		/* no injected field; one sender, one recipient of ours */
		if (raw_fields(data, "Bcc") != 0 || raw_fields(data, "X-Injected") != 0 ||
		    raw_fields(data, "Subject") != 1 || raw_fields(data, "To") != 1)
			fail_msg("%s (%s): injected or doubled header fields", de->d_name, kind);
		if (internet_address_list_length(g_mime_message_get_to(p.msg)) != 1 ||
		    internet_address_list_length(g_mime_message_get_from(p.msg)) != 1)
			fail_msg("%s (%s): more than one address", de->d_name, kind);
		to = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(
			internet_address_list_get_address(g_mime_message_get_to(p.msg), 0)));
		if (strstr(to, "attacker") != NULL)
			fail_msg("%s (%s): mail to %s", de->d_name, kind, to);
		if (strpbrk(g_mime_message_get_subject(p.msg), "\r\n") != NULL)
			fail_msg("%s (%s): line break in the subject", de->d_name, kind);
		if ((why = html_inert(p.html, BASE_URL)) != NULL)
			fail_msg("%s (%s): %s", de->d_name, kind, why);
		/* the subject, escaped, in the title of every mail */
		if (strstr(p.html, "Year end &lt;svg onload=alert(1)&gt;") == NULL)
			fail_msg("%s (%s): escaped subject missing", de->d_name, kind);
		free(kind);
		parsed_free(&p);
		free(data);
		free(path);
	}
	closedir(d);
	free(newdir);
	for (size_t k = 0; k < GW_ARRAY_SIZE(kind_names); k++)
		if (!(seen & 1u << k))
			fail_msg("no %s email among the %d delivered", kind_names[k], mails);
	clock_set(0);
	e2e_teardown(&e);
}

/*
 * Before any of that: the store refuses CR and LF in every one-line field,
 * whoever writes it (web view, API, gatewayctl all go through it), and
 * says which field.
 */
static void test_security_mail_store_refuses_line_breaks(void **state)
{
	struct e2e e;
	int64_t staff, account, contact, thread, id = 0;
	const int64_t *accounts = &account;
	char *err = NULL;
	enum gw_result r;
	struct store_chat_new chat;
	struct store_firm_in firm = { "Firm\r\nBcc: evil@attacker.example", 1, NULL };
	struct store_attachment_new an;

	(void)state;
	e2e_setup(&e);
	must(store_staff_add(e.s, "Max", "max@firm.example", STORE_ROLE_OWNER, &staff, &err),
	     "staff", err);
	must(store_account_add(e.s, "Acme", &account, &err), "account", err);
	must(store_contact_add(e.s, account, "Anna", "anna@client.example", &contact, &err),
	     "contact", err);
	memset(&chat, 0, sizeof(chat));
	chat.account_ids = accounts;
	chat.n_accounts = 1;
	chat.staff_id = staff;
	chat.subject = "Fine";
	chat.body = "Fine";
	must(store_chat_create(e.s, &chat, &thread, &err), "chat", err);

	for (int i = 0; i < 9; i++) {
		const char *bad = i % 2 == 0 ? "X\r\nBcc: evil@attacker.example" : "X\nBcc: y";
		const char *field = NULL;

		err = NULL;
		switch (i) {
		case 0: r = store_firm_set(e.s, &firm, &err); field = "firm name"; break;
		case 1: r = store_staff_add(e.s, bad, "s2@firm.example", STORE_ROLE_MEMBER, &id,
					    &err); field = "staff name"; break;
		case 2: r = store_account_add(e.s, bad, &id, &err); field = "account name"; break;
		case 3: r = store_contact_add(e.s, account, bad, "c2@client.example", &id, &err);
			field = "contact name"; break;
		case 4:
			chat.subject = bad;
			r = store_chat_create(e.s, &chat, &id, &err);
			field = "subject";
			break;
		case 5: r = store_task_add(e.s, thread, bad, &id, &err); field = "task"; break;
		case 6: r = store_template_set(e.s, "t", bad, "body", &err);
			field = "template subject"; break;
		case 7: r = store_template_set(e.s, bad, "s", "body", &err);
			field = "template name"; break;
		default:
			memset(&an, 0, sizeof(an));
			an.thread_id = thread;
			an.uploader_kind = STORE_STAFF;
			an.uploader_id = staff;
			an.file_name = bad;
			an.bytes = "x";
			an.len = 1;
			r = store_attachment_add(e.s, &an, &id, &err);
			field = "file name";
			break;
		}
		if (r != GW_INVALID || err == NULL || strstr(err, field) == NULL ||
		    strstr(err, "line break") == NULL)
			fail_msg("case %d (%s): %s \"%s\"", i, field, gw_result_name(r),
				 err != NULL ? err : "");
		free(err);
	}
	e2e_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_security_mail_every_field_of_every_kind_escaped),
		cmocka_unit_test(test_security_mail_markdown_renders_inert),
		cmocka_unit_test(test_security_mail_headers_of_every_kind_resist_injection),
		cmocka_unit_test(test_security_mail_store_refuses_line_breaks),
		cmocka_unit_test(test_security_mail_end_to_end_every_kind),
	};
	int rc;

	g_mime_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
