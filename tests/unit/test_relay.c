/*
 * test_relay.c - the relay: retry arithmetic, the links and addresses it
 * makes for each email, and relay_run_once() on a real SQLite database
 * with real transports (a Maildir, and a sendmail-style program that
 * answers with a chosen exit code); the daemon's threads.  The batched
 * marks are in test_relay_marks.c, the fixture in relay_fixture.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "clock.h"
#include "config.h"
#include "i18n.h"
#include "links.h"
#include "log.h"
#include "pool.h"
#include "relay.h"
#include "tick.h"
#include "store.h"
#include "transport.h"

#include "relay_fixture.h"

/* ---- retry arithmetic ------------------------------------------------------ */

static void test_relay_backoff_table(void **state)
{
	static const struct {
		int64_t min, max;
		int attempts;
		uint32_t jitter;
		int64_t want;
	} cases[] = {
		{ 60, 3600, 1, 0, 60 },
		{ 60, 3600, 2, 0, 120 },
		{ 60, 3600, 3, 0, 240 },
		{ 60, 3600, 6, 0, 1920 },
		{ 60, 3600, 7, 0, 3600 },          /* 3840 capped */
		{ 60, 3600, 1000000, 0, 3600 },    /* no overflow */
		{ 60, 3600, 0, 0, 60 },            /* fewer than 1 counts as 1 */
		{ 60, 3600, -5, 0, 60 },
		{ 60, 3600, 1, 5, 65 },            /* jitter modulo 60/10 + 1 = 7 */
		{ 60, 3600, 1, 7, 60 },
		{ 60, 3600, 1, 13, 66 },
		{ 3600, 3600, 1, 360, 3960 },      /* at most a tenth more */
		{ 3600, 3600, 1, 361, 3600 },
		{ 1, 2, 1, 12345, 1 },             /* below 10s: no jitter */
		{ 1, 2, 2, 0, 2 },
		{ 1, 2, 9, 0, 2 },
		{ 60, 30 * 86400, 1000000, 0, 30 * 86400 },
	};

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct cfg_mail mail;
		int64_t got;

		memset(&mail, 0, sizeof(mail));
		mail.retry_min = cases[i].min;
		mail.retry_max = cases[i].max;
		got = relay_backoff(&mail, cases[i].attempts, cases[i].jitter);
		if (got != cases[i].want)
			fail_msg("case %zu: backoff %" PRId64 ", want %" PRId64, i, got,
				 cases[i].want);
	}
}

static void test_relay_decide_table(void **state)
{
	const int64_t now = T0, life = 5 * 86400;
	static const struct {
		enum gw_result result;
		int attempts;
		int64_t age;               /* now - created_at; -1: created_at 0 */
		enum relay_outcome want;
		int64_t want_next;         /* relative to now; 0 = none */
	} cases[] = {
		{ GW_OK, 1, 0, RELAY_SENT, 0 },
		{ GW_OK, 9, 10 * 86400, RELAY_SENT, 0 },   /* late success is success */
		{ GW_PERMFAIL, 1, 0, RELAY_FAILED, 0 },
		{ GW_NOTFOUND, 1, 0, RELAY_FAILED, 0 },
		{ GW_INVALID, 1, 0, RELAY_FAILED, 0 },
		{ GW_TEMPFAIL, 1, 0, RELAY_DEFERRED, 60 },
		{ GW_TEMPFAIL, 2, 60, RELAY_DEFERRED, 120 },
		{ GW_TEMPFAIL, 3, 180, RELAY_DEFERRED, 240 },
		{ GW_TEMPFAIL, 20, 86400, RELAY_DEFERRED, 3600 },
		{ GW_TEMPFAIL, 20, 5 * 86400 - 1, RELAY_DEFERRED, 1 }, /* last try at the end */
		{ GW_TEMPFAIL, 20, 5 * 86400 - 100, RELAY_DEFERRED, 100 },
		{ GW_TEMPFAIL, 20, 5 * 86400, RELAY_FAILED, 0 },
		{ GW_TEMPFAIL, 20, 6 * 86400, RELAY_FAILED, 0 },
		{ GW_TEMPFAIL, 1, -1, RELAY_DEFERRED, 60 },  /* unknown age: now */
	};

	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct cfg_mail mail;
		int64_t next = -1;
		int64_t created = cases[i].age < 0 ? 0 : now - cases[i].age;
		enum relay_outcome got;

		memset(&mail, 0, sizeof(mail));
		mail.retry_min = 60;
		mail.retry_max = 3600;
		mail.max_lifetime = life;
		got = relay_decide(&mail, cases[i].result, cases[i].attempts, created, now, 0,
				   &next);
		if (got != cases[i].want)
			fail_msg("case %zu: outcome %s, want %s", i, relay_outcome_name(got),
				 relay_outcome_name(cases[i].want));
		if (next != (cases[i].want_next != 0 ? now + cases[i].want_next : 0))
			fail_msg("case %zu: next attempt now%+" PRId64 ", want now+%" PRId64, i,
				 next - now, cases[i].want_next);
	}
}

/* ---- the letter ---------------------------------------------------------- */

static void expect_link(struct fx *f, const char *url, const char *prefix,
			enum link_purpose purpose, const struct store_compose *rec,
			int64_t expires)
{
	struct link_claims c;
	enum link_verdict v;

	assert_non_null(url);
	if (strncmp(url, prefix, strlen(prefix)) != 0)
		fail_msg("url %s does not start with %s", url, prefix);
	v = link_verify(f->keys, url + strlen(prefix), purpose, T0, store_link_generation,
			f->store, &c);
	if (v != LINK_OK)
		fail_msg("%s: %s", url, link_verdict_name(v));
	assert_int_equal(c.thread_id, rec->thread_id);
	assert_int_equal(c.principal_id, rec->recipient_id);
	assert_int_equal(c.kind, (int)rec->recipient_kind);
	assert_int_equal(c.generation, rec->recipient_generation);
	assert_int_equal(c.expires, expires);
}

static void expect_addr(struct fx *f, const char *addr, enum link_purpose purpose,
			const struct store_compose *rec)
{
	char token[LINK_ADDR_TOKEN_MAX + 1];
	struct link_claims c;
	enum link_verdict v;

	assert_non_null(addr);
	assert_int_equal(link_address_token(addr, "reply.example", token), (int)purpose);
	v = link_addr_verify(f->keys, token, purpose, T0, store_link_generation, f->store, &c);
	if (v != LINK_OK)
		fail_msg("%s: %s", addr, link_verdict_name(v));
	assert_int_equal(c.thread_id, rec->thread_id);
	assert_int_equal(c.principal_id, rec->recipient_id);
	/* Address tokens carry the expiry rounded up to the next UTC midnight. */
	assert_true(c.expires >= T0 + 180 * 86400 && c.expires < T0 + 181 * 86400);
	assert_int_equal(c.expires % 86400, 0);
}

static void test_relay_letter_contact_links(void **state)
{
	struct fx *f = *state;
	struct store_outbox_list list = { NULL, 0 };
	struct store_compose rec;
	struct relay_settings rs;
	struct relay_letter l;
	struct buf out = BUF_INIT;
	char *error = NULL;

	fx_chat(f, 0);
	outbox_of(f, STORE_OUT_QUEUED, &list);
	assert_int_equal(list.count, 2);
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(store_compose_get(f->store, list.items[0].id, &rec, &error), GW_OK);
	relay_settings_init(&rs, f->cfg, f->keys);
	if (relay_letter_fill(&rs, &rec, T0, &l, &error) < 0)
		fail_msg("fill: %s", error);

	assert_int_equal(l.mail.kind, MAIL_NEW_MESSAGE);
	assert_string_equal(l.mail.message_id, rec.row.mail_id);
	assert_string_equal(l.mail.thread_root_id, rec.mail_root_id);
	assert_string_equal(l.mail.to_address, rec.row.recipient_address);
	assert_string_equal(l.mail.subject, "Annual accounts 2026");
	assert_string_equal(l.mail.from_address, "chat@firm.example");
	assert_string_equal(l.mail.firm_name, "Example & Co");
	assert_string_equal(l.mail.reply_domain, "reply.example");
	assert_int_equal(l.mail.date, T0);
	assert_int_equal(l.mail.task_count, 2);
	assert_string_equal(l.mail.tasks[0].text, "Upload the bank statements");
	assert_int_equal(l.mail.view_expires, T0 + 30 * 86400);
	/* base_url ends in "/": not doubled */
	expect_link(f, l.view_url, BASE_URL "/v/", LINK_VIEW, &rec, T0 + 30 * 86400);
	expect_link(f, l.unsubscribe_url, BASE_URL "/u/", LINK_UNSUBSCRIBE, &rec,
		    T0 + 180 * 86400);
	assert_ptr_equal(l.mail.view_url, l.view_url);
	assert_ptr_equal(l.mail.unsubscribe_url, l.unsubscribe_url);
	expect_addr(f, l.reply_to, LINK_REPLY, &rec);
	assert_ptr_equal(l.mail.reply_to, l.reply_to);
	expect_addr(f, l.envelope_from, LINK_BOUNCE, &rec);
	assert_true(strlen(l.reply_to) - strlen("@reply.example") <= 64);
	if (compose_render(&l.mail, &out, &error) < 0)
		fail_msg("render: %s", error);

	/* A new generation revokes what was signed for the old one. */
	assert_int_equal(store_contact_bump_generation(f->store, rec.recipient_id, NULL, &error),
			 GW_OK);
	assert_int_equal(link_verify(f->keys, l.view_url + strlen(BASE_URL "/v/"), LINK_VIEW,
				     T0, store_link_generation, f->store, NULL),
			 LINK_REVOKED);

	buf_release(&out);
	relay_letter_clear(&l);
	relay_letter_clear(&l); /* twice is fine */
	store_compose_clear(&rec);
	store_outbox_list_free(&list);
}

static void test_relay_letter_staff_links(void **state)
{
	struct fx *f = *state;
	struct store_outbox_list list = { NULL, 0 };
	struct store_compose rec;
	struct relay_settings rs;
	struct relay_letter l;
	struct buf out = BUF_INIT;
	char *error = NULL;
	size_t i;

	fx_chat(f, 0);
	assert_int_equal(store_message_post(f->store, f->thread, STORE_CONTACT, f->contact[0],
					    "Done, see attached.", NULL, &error), GW_OK);
	outbox_of(f, STORE_OUT_QUEUED, &list);
	for (i = 0; i < list.count; i++)
		if (list.items[i].kind == MAIL_STAFF_CLIENT_REPLIED)
			break;
	assert_true(i < list.count);
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(store_compose_get(f->store, list.items[i].id, &rec, &error), GW_OK);
	relay_settings_init(&rs, f->cfg, f->keys);
	assert_int_equal(relay_letter_fill(&rs, &rec, T0, &l, &error), 0);
	assert_int_equal(l.mail.kind, MAIL_STAFF_CLIENT_REPLIED);
	assert_int_equal(rec.recipient_kind, STORE_STAFF);
	assert_string_equal(l.mail.to_address, "alice@firm.example");
	expect_link(f, l.view_url, BASE_URL "/v/", LINK_VIEW, &rec, T0 + 30 * 86400);
	assert_null(l.unsubscribe_url); /* staff: not what a contact's notify controls */
	expect_addr(f, l.reply_to, LINK_REPLY, &rec);
	expect_addr(f, l.envelope_from, LINK_BOUNCE, &rec);
	assert_int_equal(compose_render(&l.mail, &out, &error), 0);
	buf_release(&out);
	relay_letter_clear(&l);
	store_compose_clear(&rec);
	store_outbox_list_free(&list);
}

static void test_relay_letter_explanations(void **state)
{
	struct fx *f = *state;
	struct relay_settings rs;
	char *error = NULL;

	fx_chat(f, 0);
	relay_settings_init(&rs, f->cfg, f->keys);
	/* the contact reads French: their explanation is French, a
	 * stranger's the firm's (English here) */
	if (i18n_init(&error) < 0)
		fail_msg("i18n_init: %s", error);
	i18n_defaults("en", "UTC");
	assert_int_equal(store_contact_set_locale(f->store, f->contact[0], "fr", "Europe/Paris",
						  &error), GW_OK);
	/* case 0: a stranger (address only); case 1: the token's contact */
	for (int i = 0; i < 2; i++) {
		struct store_explanation ex;
		struct store_compose rec;
		struct relay_letter l;
		struct buf out = BUF_INIT;
		int64_t id = 0;
		struct store_explain_result done;

		memset(&ex, 0, sizeof(ex));
		ex.sender = i == 0 ? "stranger@elsewhere.example" : "bob@client.example";
		ex.thread_id = f->thread;
		ex.contact_id = i == 0 ? 0 : f->contact[0];
		ex.in_reply_to = "their.1@client.example";
		ex.quoted_text = "Here are the statements.";
		if (store_explanation_queue(f->store, NULL, &ex, &done, &error) != GW_OK)
			fail_msg("case %d: queue: %s", i, error);
		id = done.outbox_id;
		memset(&rec, 0, sizeof(rec));
		assert_int_equal(store_compose_get(f->store, id, &rec, &error), GW_OK);
		if (relay_letter_fill(&rs, &rec, T0, &l, &error) < 0)
			fail_msg("case %d: fill: %s", i, error);
		assert_int_equal(l.mail.kind, MAIL_EXPLANATION);
		assert_string_equal(l.envelope_from, ""); /* <> */
		assert_null(l.reply_to);
		assert_null(l.unsubscribe_url);
		assert_string_equal(l.mail.their_message_id, "their.1@client.example");
		if (i == 0)
			assert_null(l.view_url);
		else
			expect_link(f, l.view_url, BASE_URL "/v/", LINK_VIEW, &rec,
				    T0 + 30 * 86400);
		if (compose_render(&l.mail, &out, &error) < 0)
			fail_msg("case %d: render: %s", i, error);
		if (i == 0) {
			assert_null(l.mail.lang);
			assert_non_null(strstr(buf_cstr(&out), "\r\n\r\nHello,\r\n"));
		} else {
			assert_string_equal(l.mail.lang, "fr");
			assert_string_equal(l.mail.zone, "Europe/Paris");
			assert_non_null(strstr(buf_cstr(&out), "\r\n\r\nBonjour "));
		}
		buf_release(&out);
		relay_letter_clear(&l);
		store_compose_clear(&rec);
	}
}

static void test_relay_letter_refuses_bad_records(void **state)
{
	struct fx *f = *state;
	struct relay_settings rs;
	struct relay_letter l;
	static const struct {
		enum mail_kind kind;
		enum store_kind recipient;
		const char *want;
	} cases[] = {
		{ (enum mail_kind)99, STORE_CONTACT, "unknown outbox kind 99" },
		{ MAIL_NEW_MESSAGE, STORE_ADDRESS, "new_message email to address" },
		{ MAIL_REMINDER, STORE_SYSTEM, "reminder email to system" },
	};

	relay_settings_init(&rs, f->cfg, f->keys);
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct store_compose rec;
		char *error = NULL;

		memset(&rec, 0, sizeof(rec));
		rec.row.id = 1;
		rec.row.kind = cases[i].kind;
		rec.row.mail_id = (char *)"x.1@reply.example";
		rec.row.recipient_address = (char *)"x@y.example";
		rec.recipient_kind = cases[i].recipient;
		if (relay_letter_fill(&rs, &rec, T0, &l, &error) != -1)
			fail_msg("case %zu: accepted", i);
		if (error == NULL || strstr(error, cases[i].want) == NULL)
			fail_msg("case %zu: error \"%s\", want \"%s\"", i,
				 error != NULL ? error : "(null)", cases[i].want);
		free(error);
	}
}

/* ---- relay_run_once --------------------------------------------------------- */

static void test_relay_run_once_maildir(void **state)
{
	struct fx *f = *state;
	struct transport *t = open_transport(f->cfg);
	struct store_outbox_list sent = { NULL, 0 };
	struct relay_report rep;
	char *error = NULL, **paths;
	size_t n;

	fx_chat(f, 0);
	memset(&rep, 0, sizeof(rep));
	if (relay_run_once(f->cfg, f->keys, f->store, t, T0, &rep, &error) != GW_OK)
		fail_msg("run: %s", error);
	assert_int_equal(rep.claimed, 2);
	assert_int_equal(rep.sent, 2);
	assert_int_equal(rep.deferred + rep.failed + rep.skipped, 0);
	outbox_of(f, STORE_OUT_SENT, &sent);
	assert_int_equal(sent.count, 2);

	n = maildir_files(f->maildir, &paths);
	assert_int_equal(n, 2);
	g_mime_init();
	for (size_t i = 0; i < n; i++) {
		GMimeMessage *msg = parse_file(paths[i]);
		const char *mid = g_mime_message_get_message_id(msg);
		const char *rp = g_mime_object_get_header(GMIME_OBJECT(msg), "Return-Path");
		const char *as = g_mime_object_get_header(GMIME_OBJECT(msg), "Auto-Submitted");
		const struct store_outbox *row = NULL;
		char token[LINK_ADDR_TOKEN_MAX + 1];

		for (size_t j = 0; j < sent.count; j++)
			if (mid != NULL && strcmp(sent.items[j].mail_id, mid) == 0)
				row = &sent.items[j];
		if (row == NULL)
			fail_msg("file %zu: Message-ID %s is no sent row", i, mid ? mid : "(none)");
		assert_string_equal(g_mime_message_get_subject(msg), "Annual accounts 2026");
		assert_non_null(as);
		assert_string_equal(as, "auto-generated");
		assert_non_null(rp);
		assert_int_equal(link_address_token(rp, "reply.example", token), LINK_BOUNCE);
		assert_int_equal(link_addr_verify(f->keys, token, LINK_BOUNCE, T0,
						  store_link_generation, f->store, NULL),
				 LINK_OK);
		g_object_unref(msg);
	}
	/* Nothing is due any more at the same time: no second copy. */
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(relay_run_once(f->cfg, f->keys, f->store, t, T0, &rep, &error), GW_OK);
	assert_int_equal(rep.claimed, 0);

	free_paths(paths);
	store_outbox_list_free(&sent);
	transport_close(&t);
}

/* A sendmail-style program that exits with CODE. */
static struct gw_config *sendmail_config(struct fx *f, int code)
{
	char *path = xasprintf("%s/sendmail-%d", f->dir, code);
	char *spec = xasprintf("sendmail:%s", path);
	FILE *fp = fopen(path, "w");
	struct gw_config *cfg;

	assert_non_null(fp);
	fprintf(fp, "#!/bin/sh\ncat >/dev/null\necho 'said %d' >&2\nexit %d\n", code, code);
	fclose(fp);
	assert_int_equal(chmod(path, 0755), 0);
	cfg = load_config(f, spec, BASE_URL);
	free(path);
	free(spec);
	return cfg;
}

static void test_relay_run_once_results(void **state)
{
	struct fx *f = *state;
	/* sendmail exit 75: temporary; 67: permanent (unknown user). */
	struct gw_config *temp = sendmail_config(f, 75), *perm = sendmail_config(f, 67);
	struct transport *t_temp = open_transport(temp), *t_perm = open_transport(perm);
	struct store_outbox_list list = { NULL, 0 };
	struct relay_report rep;
	char *error = NULL;

	fx_chat(f, 0);

	/* Temporary: both rows deferred by retry_min (60s, no jitter below 10 min/10). */
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(relay_run_once(temp, f->keys, f->store, t_temp, T0, &rep, &error), GW_OK);
	assert_int_equal(rep.deferred, 2);
	outbox_of(f, STORE_OUT_QUEUED, &list);
	assert_int_equal(list.count, 2);
	for (size_t i = 0; i < list.count; i++) {
		int64_t delay = list.items[i].next_attempt_at - T0;

		if (delay < 60 || delay > 66)
			fail_msg("row %zu: retry in %" PRId64 "s, want 60..66", i, delay);
		assert_int_equal(list.items[i].attempts, 1);
		assert_non_null(list.items[i].last_error);
		if (strstr(list.items[i].last_error, "75") == NULL)
			fail_msg("row %zu: last_error \"%s\" lacks the exit code", i,
				 list.items[i].last_error);
	}
	store_outbox_list_free(&list);

	/* Not due yet: nothing claimed. */
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(relay_run_once(temp, f->keys, f->store, t_temp, T0 + 30, &rep, &error),
			 GW_OK);
	assert_int_equal(rep.claimed, 0);

	/* Second try: doubled. */
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(relay_run_once(temp, f->keys, f->store, t_temp, T0 + 100, &rep, &error),
			 GW_OK);
	assert_int_equal(rep.deferred, 2);
	outbox_of(f, STORE_OUT_QUEUED, &list);
	for (size_t i = 0; i < list.count; i++) {
		int64_t delay = list.items[i].next_attempt_at - (T0 + 100);

		if (delay < 120 || delay > 132)
			fail_msg("row %zu: second retry in %" PRId64 "s, want 120..132", i, delay);
		assert_int_equal(list.items[i].attempts, 2);
	}
	store_outbox_list_free(&list);

	/* Past max_lifetime (1d): a temporary failure is final. */
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(relay_run_once(temp, f->keys, f->store, t_temp, T0 + 86400, &rep,
					&error), GW_OK);
	assert_int_equal(rep.failed, 2);
	outbox_of(f, STORE_OUT_FAILED, &list);
	assert_int_equal(list.count, 2);
	for (size_t i = 0; i < list.count; i++)
		if (strstr(list.items[i].last_error, "gave up") == NULL)
			fail_msg("row %zu: last_error \"%s\"", i, list.items[i].last_error);
	store_outbox_list_free(&list);

	/* Permanent: failed at the first attempt. */
	assert_int_equal(store_thread_resend(f->store, f->thread, f->staff, NULL, &error), GW_OK);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(relay_run_once(perm, f->keys, f->store, t_perm, T0 + 86400, &rep,
					&error), GW_OK);
	assert_int_equal(rep.claimed, 2);
	assert_int_equal(rep.failed, 2);
	outbox_of(f, STORE_OUT_FAILED, &list);
	assert_int_equal(list.count, 4);
	for (size_t i = 0; i < list.count; i++)
		if (list.items[i].kind == MAIL_RESEND)
			assert_int_equal(list.items[i].attempts, 1);
	store_outbox_list_free(&list);

	transport_close(&t_temp);
	transport_close(&t_perm);
	cfg_free(&temp);
	cfg_free(&perm);
}

/* Reminders stepped like `gatewayctl tick --now`: reminders, then the relay. */
static void test_relay_reminder_tick(void **state)
{
	struct fx *f = *state;
	struct transport *t = open_transport(f->cfg);
	struct relay_report rep;
	char *error = NULL, **paths;
	int n = -1;
	static const struct {
		int64_t at;
		int reminders;  /* queued by store_reminders_run */
		int sent;       /* by relay_run_once */
	} steps[] = {
		{ T0, 0, 2 },                       /* the new message itself */
		{ T0 + 3 * 86400 - 60, 0, 0 },      /* not yet */
		{ T0 + 3 * 86400, 2, 2 },           /* reminder 1 of 1, to both */
		{ T0 + 3 * 86400 + 60, 0, 0 },      /* never twice */
		{ T0 + 6 * 86400, 0, 0 },           /* count reached */
	};

	fx_chat(f, 1);
	for (size_t i = 0; i < GW_ARRAY_SIZE(steps); i++) {
		clock_set(steps[i].at);
		if (store_reminders_run(f->store, steps[i].at, &n, &error) != GW_OK)
			fail_msg("step %zu: reminders: %s", i, error);
		memset(&rep, 0, sizeof(rep));
		if (relay_run_once(f->cfg, f->keys, f->store, t, steps[i].at, &rep, &error) != GW_OK)
			fail_msg("step %zu: relay: %s", i, error);
		if (n != steps[i].reminders || rep.sent != steps[i].sent)
			fail_msg("step %zu: %d reminders, %d sent; want %d, %d", i, n, rep.sent,
				 steps[i].reminders, steps[i].sent);
	}
	assert_int_equal(maildir_files(f->maildir, &paths), 4);
	/* The new message keeps the thread's subject; a reminder says what it
	 * is before it. */
	int reminders = 0;
	for (size_t i = 0; paths[i] != NULL; i++) {
		GMimeMessage *msg = parse_file(paths[i]);
		const char *subject = g_mime_message_get_subject(msg);

		reminders += strcmp(subject, "Reminder: Annual accounts 2026") == 0;
		if (strcmp(subject, "Annual accounts 2026") != 0 &&
		    strcmp(subject, "Reminder: Annual accounts 2026") != 0)
			fail_msg("file %zu: subject \"%s\"", i, subject);
		g_object_unref(msg);
	}
	assert_int_equal(reminders, 2);
	free_paths(paths);
	transport_close(&t);
}

/* A reminder that falls due on a Saturday waits for Monday 09:00 in the
 * firm's zone ([reminders] hours, days, timezone): gatewayctl tick's pass. */
static void test_relay_reminder_business_hours(void **state)
{
	struct fx *f = *state;
	struct tick_report rep;
	char *error = NULL;
	const int64_t monday = 1795420800; /* 2026-11-23 09:00 Europe/Paris */

	if (access("/usr/share/zoneinfo/Europe/Paris", R_OK) != 0)
		skip();
	free(f->cfg->reminders.hours);
	free(f->cfg->reminders.timezone);
	f->cfg->reminders.hours = xstrdup("09:00-17:00");
	f->cfg->reminders.timezone = xstrdup("Europe/Paris");
	fx_chat(f, 1);  /* Wednesday 12:06: open */
	assert_int_equal(tick_run(f->cfg, f->store, T0, &rep, &error), GW_OK);
	assert_int_equal(rep.sent, 2);
	assert_int_equal(rep.reminders_held, 0);
	/* due Saturday 12:06: held */
	assert_int_equal(tick_run(f->cfg, f->store, T0 + 3 * 86400, &rep, &error), GW_OK);
	assert_int_equal(rep.reminders_queued, 0);
	assert_int_equal(rep.reminders_held, monday);
	assert_int_equal(tick_run(f->cfg, f->store, monday - 1, &rep, &error), GW_OK);
	assert_int_equal(rep.reminders_queued, 0);
	/* the next open moment: both contacts, once */
	assert_int_equal(tick_run(f->cfg, f->store, monday, &rep, &error), GW_OK);
	assert_int_equal(rep.reminders_queued, 2);
	assert_int_equal(rep.sent, 2);
	assert_int_equal(tick_run(f->cfg, f->store, monday + 60, &rep, &error), GW_OK);
	assert_int_equal(rep.reminders_queued, 0);
	/* a holiday file with an error stops the pass, naming its line */
	free(f->cfg->reminders.holidays);
	f->cfg->reminders.holidays = xasprintf("%s/holidays", f->dir);
	FILE *h = fopen(f->cfg->reminders.holidays, "w");

	assert_non_null(h);
	fputs("2026-12-25\n2026-13-01\n", h);
	fclose(h);
	assert_int_not_equal(tick_run(f->cfg, f->store, monday + 120, &rep, &error), GW_OK);
	assert_non_null(strstr(error, "holidays:2: \"2026-13-01\" is not a date"));
	free(error);
}

/* Poll the outbox until want rows are sent (or give up after a long while). */
static int wait_sent(struct fx *f, int64_t want)
{
	for (int i = 0; i < 3000; i++) {
		struct store_outbox_counts c;
		char *error = NULL;

		if (store_outbox_counts(f->store, &c, &error) != GW_OK)
			fail_msg("counts: %s", error);
		if (c.sent >= want && c.queued == 0 && c.sending == 0)
			return 1;
		usleep(10000);
	}
	return 0;
}

/* The daemon's threads: deliver, pick up new rows on a wake, stop cleanly. */
static void test_relay_threads_deliver_wake_stop(void **state)
{
	struct fx *f = *state;
	struct relay *relay = NULL;
	struct relay_stats stats;
	struct store_outbox_counts c;
	char *error = NULL, **paths;

	f->cfg->mail.concurrency = 3;
	f->cfg->mail.poll_interval_ms = 60000; /* only the wake can find the second rows */
	fx_chat(f, 0);
	if (relay_open(f->cfg, f->keys, NULL, &relay, &error) < 0)
		fail_msg("open: %s", error);
	if (!wait_sent(f, 2))
		fail_msg("the first rows were not sent");

	assert_int_equal(store_thread_resend(f->store, f->thread, f->staff, NULL, &error), GW_OK);
	relay_wake(relay);
	if (!wait_sent(f, 4))
		fail_msg("the rows queued after a wake were not sent");
	relay_stats(relay, &stats);
	assert_int_equal(stats.sent_total, 4);
	assert_int_equal(stats.failed_total, 0);
	relay_close(&relay);
	assert_null(relay);
	relay_close(&relay); /* NULL is fine */

	assert_int_equal(store_outbox_counts(f->store, &c, &error), GW_OK);
	assert_int_equal(c.sent, 4);
	assert_int_equal(c.sending, 0);
	assert_int_equal(maildir_files(f->maildir, &paths), 4);
	free_paths(paths);
}

/* Another writer's job that holds the pool's writer lane until told to go. */
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

/*
 * With a shared pool the threads' writes take turns on its writer lane:
 * while another writer holds the lane the workers' claims wait there
 * (nothing is claimed), and once it is free the rows go out.
 */
static void test_relay_threads_write_on_shared_pool(void **state)
{
	struct fx *f = *state;
	struct store_pool_settings ps = { 0 };
	struct store_pool *pool = NULL;
	struct relay *relay = NULL;
	struct gate g = { .job = { .run = gate_run } };
	struct store_outbox_counts c;
	char *error = NULL;

	ps.store = &f->cfg->store;
	ps.readers = 1;
	if (store_pool_open(&ps, &pool, &error) < 0)
		fail_msg("pool: %s", error);
	f->cfg->mail.concurrency = 2;
	fx_chat(f, 0);
	store_pool_submit(pool, STORE_LANE_WRITE, &g.job);
	if (relay_open(f->cfg, f->keys, pool, &relay, &error) < 0)
		fail_msg("open: %s", error);
	while (store_pool_pending(pool, STORE_LANE_WRITE) < 2)  /* a claim queued */
		usleep(1000);
	assert_int_equal(store_outbox_counts(f->store, &c, &error), GW_OK);
	assert_int_equal(c.sending, 0);
	assert_int_equal(c.sent, 0);

	atomic_store(&g.go, 1);
	if (!wait_sent(f, 2))
		fail_msg("the rows were not sent once the lane was free");
	relay_close(&relay);
	store_pool_close(&pool);
	assert_int_equal(store_outbox_counts(f->store, &c, &error), GW_OK);
	assert_int_equal(c.sent, 2);
	assert_int_equal(c.sending, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relay_backoff_table),
		cmocka_unit_test(test_relay_decide_table),
		cmocka_unit_test_setup_teardown(test_relay_letter_contact_links, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_relay_letter_staff_links, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_relay_letter_explanations, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_relay_letter_refuses_bad_records, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_relay_run_once_maildir, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_relay_run_once_results, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_relay_reminder_tick, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_relay_reminder_business_hours, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_relay_one_resend_per_worker_per_crash, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_relay_marks_rows_gone, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_relay_threads_deliver_wake_stop, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_relay_threads_write_on_shared_pool, fx_setup,
						fx_teardown),
	};

	/* The relay logs one line per delivery; keep the test output short. */
	log_init("test_relay", LOG_LVL_ERROR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
