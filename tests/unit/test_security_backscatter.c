/*
 * test_security_backscatter.c - mail that tries to make the gateway write
 * to someone who did not write to it: forged envelope senders, the null
 * sender, senders in our own reply domain, forged and misused tokens, and
 * floods of distinct forged senders against the rate limits.  Whatever
 * goes out is at most the documented answer - one explanation per sender
 * and thread a day, within the daily cap per sender - and never a fresh
 * link to anyone but the token's own contact.  The last test sends the
 * answers for real (gatewayd-pipe, then `gatewayctl tick` into a Maildir)
 * and reads what a forged sender would receive.
 */
#include "decide_fixture.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef GW_PIPE_BIN
#error "GW_PIPE_BIN must name the gatewayd-pipe binary"
#endif
#ifndef GATEWAYCTL_BIN
#error "GATEWAYCTL_BIN must name the gatewayctl binary"
#endif

static const char human[] =
	"From: Someone <%s>\n"
	"To: <%s>\n"
	"Subject: Re: Documents for 2026\n"
	"Message-ID: <bs-%d@client.example>\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"\nBuy cheap watches at http://spam.example/ today.\n";

static char *msg_from(const char *from, const char *rcpt, int n)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	return xasprintf(human, from, rcpt, n);
#pragma GCC diagnostic pop
}

/* Explanation rows that name a contact: those get a fresh link. */
static int64_t linked(struct fx *f)
{
	return fx_int(f, "SELECT count(*) FROM outbox WHERE kind = 'explanation'"
		      " AND coalesce(recipient_id, 0) != 0");
}

/* jane's reply address with one base32 character changed at position at */
static char *altered(struct fx *f, int at)
{
	char *a = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
	char *p = strchr(a, '+') + 1 + at;

	*p = *p == 'a' ? 'b' : 'a';
	return a;
}

/* A token of the right shape signed with a key we do not have. */
static char *foreign_key(struct fx *f)
{
	struct link_keys *other = NULL;
	struct link_claims c;
	char *err = NULL, *a;

	if (link_keys_parse("7 ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n",
			    &other, &err) < 0)
		fail_msg("keys: %s", err);
	memset(&c, 0, sizeof(c));
	c.purpose = LINK_REPLY;
	c.thread_id = f->thread;
	c.kind = LINK_CONTACT;
	c.principal_id = f->jane;
	c.expires = f->now + CLOCK_DAY;
	a = link_address(other, &c, FX_REPLY_DOMAIN);
	link_keys_free(&other);
	return a;
}

enum rcpt {
	R_VALID,       /* jane's genuine reply address */
	R_ALTERED,     /* one character changed */
	R_FOREIGN,     /* signed with someone else's key */
	R_BOUNCE_AS_REPLY, /* jane's bounce token behind "reply+" */
	R_OTHER_DOMAIN,/* jane's token at another domain */
	R_TRUNCATED,   /* the token cut short */
	R_EXTENDED,    /* the token with a character more */
	R_RANDOM,      /* 53 random base32 characters */
};

static char *recipient(struct fx *f, enum rcpt r)
{
	char *a, *b;

	switch (r) {
	case R_VALID:
		return fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
	case R_ALTERED:
		return altered(f, 20);
	case R_FOREIGN:
		return foreign_key(f);
	case R_BOUNCE_AS_REPLY:
		a = fx_address(f, LINK_BOUNCE, f->thread, f->jane, f->now + CLOCK_DAY);
		b = xasprintf("reply+%s", strchr(a, '+') + 1);
		free(a);
		return b;
	case R_OTHER_DOMAIN:
		a = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
		strcpy(strchr(a, '@'), "@evil.example");
		return a;
	case R_TRUNCATED:
		a = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
		memmove(strchr(a, '@') - 1, strchr(a, '@'), strlen(strchr(a, '@')) + 1);
		return a;
	case R_EXTENDED:
		a = fx_address(f, LINK_REPLY, f->thread, f->jane, f->now + CLOCK_DAY);
		b = xasprintf("%.*sa%s", (int)(strchr(a, '@') - a), a, strchr(a, '@'));
		free(a);
		return b;
	case R_RANDOM:
		return xstrdup("reply+abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopq@"
			       FX_REPLY_DOMAIN);
	}
	return NULL;
}

static void test_security_backscatter_one_message_table(void **state)
{
	static const struct {
		const char *name;
		const char *sender;     /* envelope sender */
		enum rcpt rcpt;
		const char *verdict;    /* NULL: any that answers nothing */
		int explained;          /* explanation rows */
		int link;               /* ... of them with a fresh link */
	} t[] = {
		{ "forged sender, valid token", "mallory@attacker.example", R_VALID, "explained",
		  1, 0 },
		{ "another contact of the account", "bob@client.example", R_VALID, "explained", 1,
		  0 },
		{ "a staff address", "olivia@firm.example", R_VALID, "explained", 1, 0 },
		{ "the token's contact (control)", "JANE@client.example", R_VALID, "explained", 1,
		  1 },
		{ "null sender", "", R_VALID, NULL, 0, 0 },
		{ "null sender <>", "<>", R_VALID, NULL, 0, 0 },
		{ "null sender as pipe(8) spells it", "MAILER-DAEMON", R_VALID, NULL, 0, 0 },
		{ "our reply address", "reply+abc@reply.example", R_VALID, "dropped", 0, 0 },
		{ "our bounce address", "bounce+abc@reply.example", R_VALID, NULL, 0, 0 },
		{ "our domain in capitals", "chat@REPLY.EXAMPLE", R_VALID, "dropped", 0, 0 },
		{ "our domain with a trailing dot", "chat@reply.example.", R_VALID, "dropped", 0,
		  0 },
		{ "our domain quoted", "\"chat\"@reply.example", R_VALID, "dropped", 0, 0 },
		{ "altered token", "jane@client.example", R_ALTERED, "dropped", 0, 0 },
		{ "token of a foreign key", "jane@client.example", R_FOREIGN, "dropped", 0, 0 },
		{ "bounce token as a reply token", "jane@client.example", R_BOUNCE_AS_REPLY,
		  "dropped", 0, 0 },
		{ "token at another domain", "jane@client.example", R_OTHER_DOMAIN, "dropped", 0,
		  0 },
		{ "truncated token", "jane@client.example", R_TRUNCATED, "dropped", 0, 0 },
		{ "extended token", "jane@client.example", R_EXTENDED, "dropped", 0, 0 },
		{ "random token", "mallory@attacker.example", R_RANDOM, "dropped", 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(t); i++) {
		struct fx f;
		struct decide_outcome out;
		char *rcpt, *msg;

		fx_setup(&f, 1);
		rcpt = recipient(&f, t[i].rcpt);
		msg = msg_from(t[i].sender[0] != '\0' ? t[i].sender : "someone@client.example",
			       rcpt, (int)i);
		if (fx_decide(&f, t[i].sender, rcpt, msg, &out) != GW_OK)
			fail_msg("case %zu (%s): decide failed", i, t[i].name);
		if (t[i].verdict != NULL && strcmp(out.verdict, t[i].verdict) != 0)
			fail_msg("case %zu (%s): verdict %s (%s), want %s", i, t[i].name, out.verdict,
				 out.reason, t[i].verdict);
		if (fx_explanations(&f) != t[i].explained || linked(&f) != t[i].link)
			fail_msg("case %zu (%s): %lld explanations, %lld with a link; want %d, %d", i,
				 t[i].name, (long long)fx_explanations(&f), (long long)linked(&f),
				 t[i].explained, t[i].link);
		/* An answer goes to the envelope sender and nowhere else. */
		if (t[i].explained &&
		    fx_int(&f, "SELECT count(*) FROM outbox WHERE kind = 'explanation'"
			   " AND lower(recipient_address) = lower('%s')", t[i].sender) != 1)
			fail_msg("case %zu (%s): the explanation is not addressed to the sender", i,
				 t[i].name);
		/* Nothing here is proof of a failed delivery. */
		if (fx_bouncing(&f, f.jane))
			fail_msg("case %zu (%s): jane marked bouncing", i, t[i].name);
		decide_outcome_clear(&out);
		free(msg);
		free(rcpt);
		fx_teardown(&f);
	}
}

/* Our own outbox Message-ID in References, with a forged sender: answered
   without a link; a made-up id: not answered at all. */
static void test_security_backscatter_references_only(void **state)
{
	struct fx f;
	struct decide_outcome out;
	char *msg;

	(void)state;
	fx_setup(&f, 1);
	msg = xasprintf("From: m@attacker.example\nTo: chat@reply.example\nSubject: Re: x\n"
			"Message-ID: <refs-1@attacker.example>\nReferences: <%s>\n\nhi\n",
			f.jane_mail_id);
	assert_int_equal(fx_decide(&f, "m@attacker.example", "chat@reply.example", msg, &out),
			 GW_OK);
	assert_string_equal(out.verdict, "explained");
	assert_int_equal(linked(&f), 0);
	decide_outcome_clear(&out);
	free(msg);
	msg = xstrdup("From: m2@attacker.example\nTo: chat@reply.example\nSubject: Re: x\n"
		      "Message-ID: <refs-2@attacker.example>\n"
		      "References: <gw.00000000000000000000000000000000@reply.example>\n\nhi\n");
	assert_int_equal(fx_decide(&f, "m2@attacker.example", "chat@reply.example", msg, &out),
			 GW_OK);
	assert_string_equal(out.verdict, "dropped");
	assert_int_equal(fx_explanations(&f), 1);
	decide_outcome_clear(&out);
	free(msg);
	fx_teardown(&f);
}

/*
 * A flood: 200 distinct forged senders, each trying twice, all with one
 * genuine reply address; and one sender against 12 threads.  Per sender
 * and thread at most one answer, per sender at most the daily cap, and not
 * one link.
 */
static void test_security_backscatter_flood_hits_the_caps(void **state)
{
	enum { SENDERS = 200, THREADS = 12 };
	struct fx f;
	char *rcpt;
	int explained = 0;

	(void)state;
	fx_setup(&f, 1);
	rcpt = recipient(&f, R_VALID);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < SENDERS; i++) {
			struct decide_outcome out;
			char *sender = xasprintf("victim%d@target%d.example", i, i % 7);
			char *msg = msg_from(sender, rcpt, round * SENDERS + i);
			clock_set(f.now + round * 600 + i);
			if (fx_decide(&f, sender, rcpt, msg, &out) != GW_OK)
				fail_msg("round %d sender %d: decide failed", round, i);
			/* the second try of a sender is never answered */
			if (strcmp(out.verdict, "explained-suppressed") != 0 &&
			    (round == 1 || strcmp(out.verdict, "explained") != 0))
				fail_msg("round %d sender %d: %s (%s)", round, i, out.verdict,
					 out.reason);
			explained += out.outbox_id > 0;
			decide_outcome_clear(&out);
			free(msg);
			free(sender);
		}
	}
	/* one genuine reply address cannot be used to spray the firm's
	   answers at forged senders: the thread's cap for strangers (both
	   rounds: all but the answered few are refused by it each time) */
	assert_int_equal(explained, DECIDE_MAX_STRANGERS_PER_THREAD);
	assert_int_equal(fx_explanations(&f), explained);
	assert_int_equal(fx_int(&f, "SELECT count(*) FROM inbound_log WHERE verdict ="
			       " 'explained-suppressed' AND reason LIKE '%%addresses the token was"
			       " not sent to%%'"), 2 * (SENDERS - DECIDE_MAX_STRANGERS_PER_THREAD));
	assert_int_equal(fx_int(&f, "SELECT count(*) FROM (SELECT recipient_address"
			       " FROM outbox WHERE kind = 'explanation' GROUP BY recipient_address,"
			       " thread_id HAVING count(*) > 1)"), 0);
	assert_int_equal(linked(&f), 0);
	print_message("%d distinct forged senders with one genuine reply address: "
		      "%d explanations queued, none with a link\n", SENDERS, explained);

	/* One sender, many threads: the daily cap. */
	int64_t before = fx_explanations(&f);
	for (int i = 0; i < THREADS; i++) {
		struct decide_outcome out;
		int64_t th = fx_thread(&f, "Another matter");
		char *a = fx_address(&f, LINK_REPLY, th, f.jane, f.now + CLOCK_DAY);
		char *msg = msg_from("spray@attacker.example", a, 1000 + i);

		clock_set(f.now + 3600 + i);
		assert_int_equal(fx_decide(&f, "spray@attacker.example", a, msg, &out), GW_OK);
		decide_outcome_clear(&out);
		free(msg);
		free(a);
	}
	assert_int_equal(fx_explanations(&f) - before, f.set.max_explanations_per_day);
	assert_int_equal(linked(&f), 0);
	free(rcpt);
	fx_teardown(&f);
}

/* ---- what a forged sender receives -------------------------------------- */

static int run(const char *const *argv, const char *in_path)
{
	int ws;
	pid_t pid = fork();

	if (pid < 0)
		fail_msg("fork failed");
	if (pid == 0) {
		int in = open(in_path != NULL ? in_path : "/dev/null", O_RDONLY);
		int null = open("/dev/null", O_WRONLY);

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

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;

	assert_non_null(fp);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	fclose(fp);
	return buf_detach(&b);
}

static void test_security_backscatter_what_a_forged_sender_receives(void **state)
{
	struct fx f;
	char *maildir, *extra, *rcpt, *in_path, *newdir;
	const char *senders[] = { "mallory@attacker.example", "jane@client.example" };
	int got[2] = { 0, 0 };
	DIR *d;
	struct dirent *de;

	(void)state;
	fx_setup(&f, 0);
	maildir = xasprintf("%s/Maildir", f.dir);
	extra = xasprintf("[mail]\ntransport = maildir:%s\n[web]\nbase_url = "
			  "https://chat.firm.example\n", maildir);
	fx_write_config(&f, extra);
	rcpt = recipient(&f, R_VALID);
	in_path = xasprintf("%s/in.eml", f.dir);
	for (int i = 0; i < 2; i++) {
		char *msg = msg_from(senders[i], rcpt, 500 + i);
		FILE *fp = fopen(in_path, "w");
		const char *argv[] = { GW_PIPE_BIN, "-c", f.conf_path, senders[i], rcpt, NULL };

		assert_non_null(fp);
		fputs(msg, fp);
		fclose(fp);
		assert_int_equal(run(argv, in_path), 0);
		free(msg);
	}
	{
		const char *argv[] = { GATEWAYCTL_BIN, "-c", f.conf_path, "tick", NULL };

		assert_int_equal(run(argv, NULL), 0);
	}
	newdir = xasprintf("%s/new", maildir);
	d = opendir(newdir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char *path, *data;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", newdir, de->d_name);
		data = slurp(path);
		if (strstr(data, "Auto-Submitted: auto-replied") == NULL) {
			free(data);
			free(path);
			continue; /* a notification of the fixture's chat */
		}
		/* An answer: from the null sender, about not being delivered. */
		if (strncmp(data, "Return-Path: <>\n", 16) != 0)
			fail_msg("%s: envelope sender is not <>:\n%.200s", de->d_name, data);
		if (strstr(data, "\nDelivered-To: mallory@attacker.example\n") != NULL) {
			got[0]++;
			if (strstr(data, "/v/") != NULL || strstr(data, "/u/") != NULL ||
			    strstr(data, "reply+") != NULL || strstr(data, "bounce+") != NULL)
				fail_msg("the forged sender got a link or an address of ours:\n%s",
					 data);
		} else if (strstr(data, "\nDelivered-To: jane@client.example\n") != NULL) {
			got[1]++;
			if (strstr(data, "https://chat.firm.example/v/") == NULL)
				fail_msg("the contact got no fresh link:\n%s", data);
		} else {
			fail_msg("an answer to someone else:\n%.300s", data);
		}
		free(data);
		free(path);
	}
	closedir(d);
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], 1);
	free(newdir);
	free(in_path);
	free(rcpt);
	free(extra);
	free(maildir);
	fx_teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_security_backscatter_one_message_table),
		cmocka_unit_test(test_security_backscatter_references_only),
		cmocka_unit_test(test_security_backscatter_flood_hits_the_caps),
		cmocka_unit_test(test_security_backscatter_what_a_forged_sender_receives),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
