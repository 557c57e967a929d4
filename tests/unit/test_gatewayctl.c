/*
 * test_gatewayctl.c - the built gatewayctl program, run as a user runs it:
 * a config in a temp directory (relative paths, run from "/"), real
 * SQLite, and its stdout, stderr and exit code.  This file: init and its
 * key file, the demo sequence of scripts/demo.sh, every command's happy
 * path and --json output.  test_gatewayctl_rules.c: usage errors (64),
 * unknown ids (65), bad configs (78), signed links and revocation,
 * reminders stepped through days with tick --now.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "gw.h"
#include "links.h"
#include "store.h"
#include "test_gatewayctl_util.h"

void test_gatewayctl_usage_errors_exit_64(void **state);
void test_gatewayctl_unknown_ids_exit_65(void **state);
void test_gatewayctl_bad_config_exit_78(void **state);
void test_gatewayctl_link_verifies_and_revoke_refuses(void **state);
void test_gatewayctl_contact_email_change_kills_old_links(void **state);
void test_gatewayctl_contact_remove_keeps_history_and_stops_mail(void **state);
void test_gatewayctl_tick_steps_reminders(void **state);

/* ---- init ---- */

static void test_gatewayctl_init_key_file_0600_and_idempotent(void **state)
{
	struct env *e = *state;
	char *keys = path_in(e, "keys"), *db = path_in(e, "gw.db");
	char *att = path_in(e, "attachments"), *out, *before, *after;
	struct stat st;
	json_t *j;

	out = OK(e, "init");
	assert_non_null(strstr(out, "created"));
	free(out);
	/* Relative paths resolved against the config's directory. */
	assert_int_equal(stat(db, &st), 0);
	assert_int_equal(stat(att, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(stat(keys, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	before = slurp(keys);
	assert_true(strlen(before) > 64);

	out = OK(e, "init");
	assert_non_null(strstr(out, "up to date"));
	assert_null(strstr(out, "created"));
	free(out);
	j = JSON(e, "init");
	assert_true(json_is_false(json_object_get(j, "database_created")));
	assert_true(json_is_false(json_object_get(j, "key_file_created")));
	assert_true(json_is_false(json_object_get(j, "attachments_dir_created")));
	assert_int_equal(json_integer_value(json_object_get(j, "schema_version")),
			 STORE_SCHEMA_VERSION);
	assert_string_equal(json_string_value(json_object_get(j, "key_file")), keys);
	json_decref(j);
	after = slurp(keys);
	assert_string_equal(before, after);
	assert_int_equal(stat(keys, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* A key file others can read is refused, not used. */
	assert_int_equal(chmod(keys, 0644), 0);
	struct res r = CTL(e, "init");
	assert_int_equal(r.code, 78);
	assert_non_null(strstr(r.err, keys));
	res_free(&r);

	free(before);
	free(after);
	free(keys);
	free(db);
	free(att);
}

/*
 * Under umask 0 (the worst) init creates the database 0600, and a backup
 * is 0600 too: they hold every chat and address.
 */
static void test_gatewayctl_init_database_0600_whatever_the_umask(void **state)
{
	struct env *e = *state;
	char *db = path_in(e, "gw.db"), *bk = path_in(e, "backup.db"), *out;
	mode_t old = umask(0);
	struct stat st;

	out = OK(e, "init");
	free(out);
	assert_int_equal(stat(db, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	out = OK(e, "backup", bk);
	free(out);
	assert_int_equal(stat(bk, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	umask(old);
	free(db);
	free(bk);
}

/*
 * A database moved away from /var/lib/gatewayd takes its attachments
 * along: without [store] attachments_dir, init creates attachments/
 * beside the database (and "NAME <address>" is a valid [mail] from).
 */
static void test_gatewayctl_init_attachments_beside_moved_database(void **state)
{
	struct env *e = *state;
	char *conf = path_in(e, "moved.conf"), *sub = path_in(e, "data");
	char *att = path_in(e, "data/attachments"), *text;
	struct stat st;
	json_t *j;

	assert_int_equal(mkdir(sub, 0700), 0);
	write_file(conf, "[store]\npath = data/chat.db\n"
			 "[mail]\ntransport = maildir:Maildir\n"
			 "from = Example & Partners <chat@firm.example>\n"
			 "reply_domain = reply.firm.example\n"
			 "batch_window = 0\n"
			 "[links]\nkey_file = keys\n");
	j = json_out(run_argv(e, (const char *const[]){ "-c", conf, "--json", "init", NULL }),
		     "init with a moved database");
	assert_string_equal(json_string_value(json_object_get(j, "attachments_dir")), att);
	assert_true(json_is_true(json_object_get(j, "attachments_dir_created")));
	json_decref(j);
	assert_int_equal(stat(att, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	text = ok_out(run_argv(e, (const char *const[]){ "-c", conf, "firm", "show", NULL }),
		      "firm show");
	free(text);
	free(conf);
	free(sub);
	free(att);
}

/* ---- the demo ---- */

static void test_gatewayctl_demo_sequence(void **state)
{
	struct env *e = *state;
	char *th, *who, *out, *prefix = xstrdup("http://127.0.0.1:8080/v/");

	seed(e);
	th = fmt_id(e->thread);
	/* The two links demo.sh prints. */
	who = xasprintf("contact:%lld", e->anna);
	out = OK(e, "link", th, "--for", who);
	assert_memory_equal(out, prefix, strlen(prefix));
	assert_non_null(strchr(out, '\n'));
	free(out);
	free(who);
	who = xasprintf("staff:%lld", e->owner);
	out = OK(e, "link", th, "--for", who);
	assert_memory_equal(out, prefix, strlen(prefix));
	free(out);
	free(who);

	/* What the demo set up is there. */
	out = OK(e, "thread", "show", th);
	assert_non_null(strstr(out, "Year-end accounts 2026"));
	assert_non_null(strstr(out, "Acme Bakery Ltd"));
	assert_non_null(strstr(out, "[ ] Upload December bank statements"));
	assert_non_null(strstr(out, "[ ] Confirm the stock count"));
	assert_non_null(strstr(out, "every 3 days, 2 per staff message"));
	assert_non_null(strstr(out, "2 remaining"));
	free(out);
	/* Anna is notified, Ben (notify off) is not. */
	out = OK(e, "outbox", "list", "--thread", th);
	assert_non_null(strstr(out, "anna@acme.example"));
	assert_null(strstr(out, "ben@acme.example"));
	free(out);
	/* Running init again, as demo.sh does on every start, keeps the data. */
	free(OK(e, "init"));
	out = OK(e, "account", "list");
	assert_non_null(strstr(out, "Birch & Sons"));
	free(out);
	free(th);
	free(prefix);
}

/* ---- happy paths ---- */


static void test_gatewayctl_happy_paths(void **state)
{
	struct env *e = *state;
	char *th = fmt_id(e->thread), *acme = fmt_id(e->acme), *birch = fmt_id(e->birch);
	char *member = fmt_id(e->member), *anna = fmt_id(e->anna), *out;
	char *as_anna = xasprintf("contact:%lld", e->anna);
	char *as_member = xasprintf("staff:%lld", e->member);
	struct res r;

	out = OK(e, "firm", "show");
	expect_in("firm show", out, "Example & Partners");
	expect_in("firm show", out, "allowed");
	free(out);
	out = OK(e, "firm", "set", "--no-client-chats");
	expect_in("firm set", out, "not allowed");
	expect_in("firm set keeps the name", out, "Example & Partners");
	free(out);

	out = OK(e, "account", "list");
	expect_in("account list", out, "ID");
	expect_in("account list", out, "Acme Bakery Ltd");
	free(out);

	out = OK(e, "contact", "list", acme);
	expect_in("contact list", out, "anna@acme.example");
	expect_in("contact list", out, "ben@acme.example");
	assert_null(strstr(out, "clara@birch.example"));
	free(out);
	out = OK(e, "contact", "notify", anna, "off");
	expect_in("contact notify", out, "off");
	free(out);
	free(OK(e, "contact", "notify", anna, "on"));

	out = OK(e, "staff", "list");
	expect_in("staff list", out, "Olivia Owner");
	expect_in("staff list", out, "member");
	free(out);

	out = OK(e, "template", "add", "yearend", "--subject", "Accounts for [ACCOUNT_NAME]",
		 "--body", "Dear [CONTACT_FIRST_NAME], from [FIRM_NAME].");
	expect_in("template add", out, "yearend");
	free(out);
	out = OK(e, "template", "list");
	expect_in("template list", out, "Accounts for [ACCOUNT_NAME]");
	free(out);
	/* tasks with a template, shown by list --json; one removed */
	{
		json_t *j, *t;
		struct res bad;

		out = OK(e, "template", "add", "vat", "--subject", "VAT return", "--body", "Please.",
			 "--task", "Upload the invoices", "--task", "Sign the return");
		free(out);
		j = JSON(e, "template", "list");
		t = NULL;
		for (size_t i = 0; i < json_array_size(j); i++)
			if (strcmp(json_string_value(json_object_get(json_array_get(j, i), "name")),
				   "vat") == 0)
				t = json_array_get(j, i);
		assert_non_null(t);
		assert_string_equal(json_string_value(json_object_get(t, "tasks")),
				    "Upload the invoices\nSign the return");
		json_decref(j);
		bad = CTL(e, "template", "add", "x", "--subject", "S", "--body", "B",
			  "--task", "two\nlines");
		assert_int_equal(bad.code, 64);
		expect_in("template add --task", bad.err, "--task 1: a task is one line");
		res_free(&bad);
		out = OK(e, "template", "remove", "vat");
		expect_in("template remove", out, "removed");
		free(out);
		out = OK(e, "template", "list");
		if (strstr(out, "VAT return") != NULL)
			fail_msg("template remove: still listed");
		free(out);
		bad = CTL(e, "template", "remove", "vat");
		if (bad.code == 0)
			fail_msg("template remove of a template that is gone: exit 0");
		res_free(&bad);
	}

	/* Bulk from a template: one thread per account, shortcodes expanded. */
	char *both = xasprintf("%s,%s", acme, birch);
	out = OK(e, "thread", "new", both, "--from", "1", "--template", "yearend");
	long long t1, t2;
	assert_int_equal(sscanf(out, "%lld\n%lld\n", &t1, &t2), 2);
	assert_true(t1 > e->thread && t2 > t1);
	free(out);
	free(both);
	char *s_t2 = fmt_id(t2);
	out = OK(e, "thread", "show", s_t2);
	expect_in("template thread", out, "Accounts for Birch & Sons");
	expect_in("template thread", out, "Dear [CONTACT_FIRST_NAME], from Example & Partners.");
	free(out);
	free(s_t2);

	out = OK(e, "thread", "list");
	expect_in("thread list", out, "Year-end accounts 2026");
	expect_in("thread list", out, "Accounts for Acme Bakery Ltd");
	free(out);
	out = OK(e, "thread", "list", birch);
	assert_null(strstr(out, "Year-end accounts 2026"));
	expect_in("thread list ACCOUNT", out, "Accounts for Birch & Sons");
	free(out);

	long long msg = ID(e, "message", "post", th, "--from", as_anna, "--body",
			   "Statements are attached.");
	long long note = ID(e, "message", "post", th, "--from", as_member, "--body",
			    "Thanks Anna!");
	assert_true(note > msg);
	out = OK(e, "thread", "read", th, "--by", as_anna);
	expect_in("thread read", out, "read by contact");
	free(out);

	/* The first task's id from the JSON view, then tick it. */
	json_t *j = JSON(e, "thread", "show", th);
	json_t *task = json_array_get(json_object_get(j, "tasks"), 0);
	char *task_id = fmt_id(json_integer_value(json_object_get(task, "id")));
	json_decref(j);
	out = OK(e, "task", "done", task_id, "--by", as_anna);
	expect_in("task done", out, "done");
	free(out);
	free(task_id);

	out = OK(e, "thread", "show", th);
	expect_in("thread show", out, "[x] Upload December bank statements");
	expect_in("thread show", out, "[ ] Confirm the stock count");
	expect_in("thread show", out, "contact");
	expect_in("thread show", out, "Statements are attached.");
	expect_in("thread show", out, "Thanks Anna!");
	/* oldest first */
	assert_true(strstr(out, "Statements are attached.") < strstr(out, "Thanks Anna!"));
	free(out);

	out = OK(e, "reminders", "set", th, "--on", "--days", "5", "--count", "2");
	expect_in("reminders set", out, "every 5 days");
	free(out);
	out = OK(e, "reminders", "set", th, "--off");
	expect_in("reminders set --off", out, "reminders off");
	free(out);

	out = OK(e, "thread", "resend", th);
	expect_in("thread resend", out, "1 email queued");
	free(out);

	out = OK(e, "thread", "show-content", th, "on");
	expect_in("thread show-content on", out, "emails show the messages");
	free(out);
	out = OK(e, "thread", "show", th);
	expect_in("thread show after show-content", out, "show the message text");
	free(out);
	out = OK(e, "thread", "show-content", th, "off");
	expect_in("thread show-content off", out, "do not show the messages");
	free(out);
	r = CTL(e, "thread", "show-content", th, "maybe");
	assert_int_equal(r.code, 64);
	res_free(&r);

	out = OK(e, "thread", "archive", th);
	expect_in("thread archive", out, "archived");
	free(out);
	r = CTL(e, "message", "post", th, "--from", as_member, "--body", "late");
	assert_int_not_equal(r.code, 0);
	res_free(&r);
	out = OK(e, "thread", "show", th);
	expect_in("archived thread show", out, "archived");
	free(out);
	out = OK(e, "thread", "reopen", th);
	expect_in("thread reopen", out, "reopened");
	free(out);

	out = OK(e, "outbox", "list", "--status", "queued", "--limit", "2");
	expect_in("outbox list", out, "queued");
	assert_int_equal(strchr(strchr(strchr(out, '\n') + 1, '\n') + 1, '\n')[1], '\0');
	free(out);

	/* The inbound log as gatewayd-pipe would write it. */
	{
		struct gw_config *cfg = NULL;
		struct store *store = NULL;
		char *error = NULL;
		struct store_inbound_in in = { 0 };

		assert_int_equal(cfg_load(e->conf, &cfg, &error), 0);
		assert_int_equal(store_open(&cfg->store, &store, &error), 0);
		in.sender = "anna@acme.example";
		in.recipient = "reply+abc@reply.firm.example";
		in.message_id = "m1@acme.example";
		in.size = 1234;
		in.verdict = "explained";
		in.thread_id = e->thread;
		in.reason = "human reply";
		assert_int_equal(store_inbound_log(store, &in, NULL, &error), GW_OK);
		store_close(&store);
		cfg_free(&cfg);
	}
	out = OK(e, "inbound", "list", "--limit", "5");
	expect_in("inbound list", out, "explained");
	expect_in("inbound list", out, "reply+abc@reply.firm.example");
	free(out);

	out = OK(e, "tick");
	expect_in("tick", out, "queued");
	free(out);

	/* Help: the whole list, and one command. */
	r = run_argv(e, (const char *const[]){ "--help", NULL });
	assert_int_equal(r.code, 0);
	expect_in("--help", r.out, "thread new");
	expect_in("--help", r.out, "outbox list");
	res_free(&r);
	r = CTL(e, "thread", "new", "--help");
	assert_int_equal(r.code, 0);
	expect_in("thread new --help", r.out, "--remind-days");
	res_free(&r);

	free(th);
	free(acme);
	free(birch);
	free(member);
	free(anna);
	free(as_anna);
	free(as_member);
}

/* ---- JSON ---- */

static void expect_fields(const char *what, json_t *o, const char *const *fields)
{
	if (!json_is_object(o))
		fail_msg("%s: not an object", what);
	for (size_t i = 0; fields[i] != NULL; i++)
		if (json_object_get(o, fields[i]) == NULL)
			fail_msg("%s: no field \"%s\"", what, fields[i]);
	json_t *id = json_object_get(o, "id");
	if (id != NULL && !json_is_integer(id))
		fail_msg("%s: id is not a number", what);
}

static void test_gatewayctl_json_output(void **state)
{
	struct env *e = *state;
	char *th = fmt_id(e->thread), *acme = fmt_id(e->acme), *anna = fmt_id(e->anna);
	char *as_anna = xasprintf("contact:%lld", e->anna);
	static const char *const thread_fields[] = { "id", "account_id", "subject", "archived",
						     "reminders", "tasks", "messages",
						     "attachments", "created_at", NULL };
	json_t *j, *x;

	j = JSON(e, "firm", "show");
	expect_fields("firm show", j, (const char *const[]){ "name", "allow_client_chats", NULL });
	assert_true(json_is_true(json_object_get(j, "allow_client_chats")));
	json_decref(j);

	j = JSON(e, "account", "add", "Cedar Ltd");
	expect_fields("account add", j, (const char *const[]){ "id", "name", NULL });
	json_decref(j);
	j = JSON(e, "account", "list");
	assert_true(json_is_array(j));
	assert_int_equal(json_array_size(j), 3);
	expect_fields("account list", json_array_get(j, 0),
		      (const char *const[]){ "id", "name", "created_at", NULL });
	json_decref(j);

	j = JSON(e, "contact", "add", acme, "Dora Dough", "dora@acme.example");
	expect_fields("contact add", j, (const char *const[]){ "id", "account_id", NULL });
	assert_true(json_is_false(json_object_get(j, "may_create_chats")));
	json_decref(j);
	j = JSON(e, "contact", "list", acme);
	assert_int_equal(json_array_size(j), 3);
	x = json_array_get(j, 0);
	expect_fields("contact list", x, (const char *const[]){ "id", "email", "notify",
		"may_create_chats", "email_status", "generation", NULL });
	assert_int_equal(json_integer_value(json_object_get(x, "id")), e->anna);
	assert_true(json_is_true(json_object_get(x, "may_create_chats")));
	assert_true(json_is_false(json_object_get(json_array_get(j, 1), "notify")));
	json_decref(j);
	j = JSON(e, "contact", "notify", anna, "off");
	assert_true(json_is_false(json_object_get(j, "notify")));
	json_decref(j);

	j = JSON(e, "staff", "add", "Nina New", "nina@firm.example");
	expect_fields("staff add", j, (const char *const[]){ "id", "role", NULL });
	assert_string_equal(json_string_value(json_object_get(j, "role")), "member");
	json_decref(j);
	j = JSON(e, "staff", "list");
	assert_int_equal(json_array_size(j), 3);
	expect_fields("staff list", json_array_get(j, 0),
		      (const char *const[]){ "id", "name", "email", "role", NULL });
	json_decref(j);

	j = JSON(e, "template", "add", "t", "--subject", "S", "--body", "B");
	expect_fields("template add", j, (const char *const[]){ "name", NULL });
	json_decref(j);
	j = JSON(e, "template", "list");
	assert_int_equal(json_array_size(j), 1);
	json_decref(j);

	j = JSON(e, "thread", "show", th);
	expect_fields("thread show", j, thread_fields);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), e->thread);
	x = json_object_get(j, "reminders");
	assert_true(json_is_true(json_object_get(x, "enabled")));
	assert_int_equal(json_integer_value(json_object_get(x, "days")), 3);
	assert_int_equal(json_integer_value(json_object_get(x, "remaining")), 2);
	int64_t due;
	assert_int_equal(clock_parse(json_string_value(json_object_get(x, "next_due")), &due), 0);
	assert_int_equal(json_array_size(json_object_get(j, "tasks")), 2);
	x = json_array_get(json_object_get(j, "messages"), 0);
	expect_fields("message", x, (const char *const[]){ "id", "author_kind", "author_id",
		"body", "staff_only", "created_at", NULL });
	assert_string_equal(json_string_value(json_object_get(x, "author_kind")), "staff");
	json_decref(j);

	j = JSON(e, "thread", "list");
	assert_true(json_is_array(j));
	expect_fields("thread list", json_array_get(j, 0),
		      (const char *const[]){ "id", "subject", "reminders", NULL });
	json_decref(j);

	j = JSON(e, "thread", "new", acme, "--from", "1", "--subject", "s", "--body", "b",
		 "--show-content");
	x = json_array_get(json_object_get(j, "threads"), 0);
	expect_fields("thread new", x, (const char *const[]){ "id", "account_id", NULL });
	json_decref(j);
	/* --no-show-content: said, so kept whatever the firm's default */
	j = JSON(e, "thread", "new", acme, "--from", "1", "--subject", "s", "--body", "b",
		 "--no-show-content");
	{
		char tid[32], *out;

		snprintf(tid, sizeof(tid), "%lld", (long long)json_integer_value(json_object_get(
			json_array_get(json_object_get(j, "threads"), 0), "id")));
		json_decref(j);
		out = OK(e, "thread", "show", tid);
		expect_in("thread new --no-show-content", out, "subject and link only");
		free(out);
	}

	j = JSON(e, "message", "post", th, "--from", as_anna, "--body", "hello");
	expect_fields("message post", j, (const char *const[]){ "id", "thread_id", NULL });
	json_decref(j);
	j = JSON(e, "thread", "read", th, "--by", as_anna);
	expect_fields("thread read", j, (const char *const[]){ "thread_id", "reader_id", NULL });
	json_decref(j);
	j = JSON(e, "thread", "resend", th);
	assert_true(json_is_integer(json_object_get(j, "queued")));
	json_decref(j);
	j = JSON(e, "thread", "show-content", th, "on");
	assert_true(json_is_true(json_object_get(j, "show_content")));
	json_decref(j);
	j = JSON(e, "thread", "archive", th);
	assert_true(json_is_true(json_object_get(j, "archived")));
	json_decref(j);
	j = JSON(e, "thread", "reopen", th);
	assert_true(json_is_false(json_object_get(j, "archived")));
	json_decref(j);
	j = JSON(e, "reminders", "set", th, "--on", "--days", "4");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "reminders"),
							    "days")), 4);
	json_decref(j);

	j = JSON(e, "link", th, "--for", as_anna);
	expect_fields("link", j, (const char *const[]){ "url", "token", "thread_id",
		"principal_kind", "principal_id", "expires", NULL });
	json_decref(j);

	j = JSON(e, "outbox", "list");
	assert_true(json_array_size(j) > 0);
	expect_fields("outbox list", json_array_get(j, 0), (const char *const[]){ "id",
		"kind", "status", "recipient_kind", "recipient_address", "thread_id",
		"created_at", "mail_id", NULL });
	json_decref(j);
	j = JSON(e, "inbound", "list");
	assert_true(json_is_array(j));
	json_decref(j);
	j = JSON(e, "tick", "--now", "2026-01-01T00:00:00Z");
	assert_string_equal(json_string_value(json_object_get(j, "now")), "2026-01-01T00:00:00Z");
	assert_true(json_is_integer(json_object_get(j, "reminders_queued")));
	json_decref(j);
	j = JSON(e, "contact", "revoke", anna);
	assert_int_equal(json_integer_value(json_object_get(j, "generation")), 2);
	json_decref(j);

	free(th);
	free(acme);
	free(anna);
	free(as_anna);
}

/* A contact whose out-of-office reply gave a date: shown away until then. */
static void test_gatewayctl_contact_show_away(void **state)
{
	struct env *e = *state;
	char *anna = fmt_id(e->anna), *db = path_in(e, "gw.db"), *out, *err = NULL;
	char until[16], day[16];
	struct cfg_store cs = { 0 };
	struct store *st = NULL;
	struct store_inbound_in in = { 0 };
	struct store_auto_reply a = { 0 };
	int64_t now = clock_now(), inbound = 0, note = 0;
	time_t t = (time_t)(now + 5 * CLOCK_DAY), today = (time_t)now;
	struct tm tm;
	json_t *j;

	out = OK(e, "contact", "show", anna);
	assert_null(strstr(out, "away until"));
	free(out);
	strftime(until, sizeof(until), "%Y-%m-%d", gmtime_r(&t, &tm));
	strftime(day, sizeof(day), "%Y-%m-%d", gmtime_r(&today, &tm));
	in.sender = "anna@acme.example";
	in.recipient = "reply+x@reply.example";
	in.verdict = "automatic";
	a.thread_id = e->thread;
	a.contact_id = e->anna;
	a.away_until = until;
	a.resume_at = (now / CLOCK_DAY + 8) * CLOCK_DAY;
	a.note = "Anna is away (automatic reply).";
	a.day = day;
	cs.path = db;
	cs.busy_timeout_ms = 2000;
	if (store_open(&cs, &st, &err) != 0 ||
	    store_auto_reply_record(st, &in, &a, &inbound, &note, &err) != GW_OK)
		fail_msg("away: %s", err);
	store_close(&st);

	out = OK(e, "contact", "show", anna);
	expect_in("contact show", out, "away until:   ");
	expect_in("contact show", out, until);
	free(out);
	j = JSON(e, "contact", "show", anna);
	assert_string_equal(json_string_value(json_object_get(j, "away_until")), until);
	json_decref(j);
	free(anna);
	free(db);
}

/* A bouncing contact: shown with its date and reason, listed, cleared. */
static void test_gatewayctl_contact_bounce_show_and_clear(void **state)
{
	struct env *e = *state;
	char *anna = fmt_id(e->anna), *db = path_in(e, "gw.db"), *out, *err = NULL;
	struct cfg_store cs = { 0 };
	struct store *st = NULL;
	json_t *j;

	out = OK(e, "contact", "show", anna);
	expect_in("contact show", out, "email status: ok");
	free(out);
	cs.path = db;
	cs.busy_timeout_ms = 2000;
	clock_set(INT64_C(1795599000)); /* 2026-11-25T09:30:00Z */
	if (store_open(&cs, &st, &err) != 0 ||
	    store_contact_mark_bouncing(st, e->anna, "5.1.1 550 user unknown", &err) != GW_OK)
		fail_msg("mark: %s", err);
	store_close(&st);
	clock_set(0);

	out = OK(e, "contact", "show", anna);
	expect_in("contact show", out, "email status: bouncing since 2026-11-25 09:30:00 "
		  "because 5.1.1 550 user unknown");
	free(out);
	out = OK(e, "contact", "bouncing");
	expect_in("contact bouncing", out, "anna@acme.example");
	expect_in("contact bouncing", out, "5.1.1 550 user unknown");
	assert_null(strstr(out, "ben@acme.example"));
	free(out);
	j = JSON(e, "contact", "show", anna);
	assert_string_equal(json_string_value(json_object_get(j, "email_status")), "bouncing");
	assert_string_equal(json_string_value(json_object_get(j, "bounce_reason")),
			    "5.1.1 550 user unknown");
	json_decref(j);

	out = OK(e, "contact", "clear-bounce", anna);
	expect_in("contact clear-bounce", out, "email status ok");
	free(out);
	out = OK(e, "contact", "show", anna);
	expect_in("contact show after clear", out, "email status: ok");
	free(out);
	out = OK(e, "contact", "bouncing");
	assert_null(strstr(out, "anna@acme.example"));
	free(out);
	{
		struct res r = CTL(e, "contact", "clear-bounce", "999999");

		assert_int_equal(r.code, 65);
		res_free(&r);
	}
	free(anna);
	free(db);
}

/*
 * thread link / unlink: the pinned interface.  The link shows on thread
 * show (text and JSON) and thread list --ref-url finds it; bad input
 * names the option and writes nothing.
 */
static void test_gatewayctl_thread_link_and_unlink(void **state)
{
	struct env *e = *state;
	char *th = fmt_id(e->thread), *out, *ref;
	long long id;
	json_t *j;

	id = ID(e, "thread", "link", th, "--label", "Tax return 2026 \xe2\x80\x93 job 4711",
		"--url", "https://pm.firm.example/jobs/4711");
	assert_true(id > 0);
	ref = fmt_id(id);
	out = OK(e, "thread", "show", th);
	expect_in("thread show", out, "links (1):");
	expect_in("thread show", out,
		  "Tax return 2026 \xe2\x80\x93 job 4711  <https://pm.firm.example/jobs/4711>");
	free(out);
	j = JSON(e, "thread", "show", th);
	json_t *refs = json_object_get(j, "refs");
	assert_int_equal(json_array_size(refs), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(refs, 0), "id")), id);
	assert_string_equal(json_string_value(json_object_get(json_array_get(refs, 0), "url")),
			    "https://pm.firm.example/jobs/4711");
	json_decref(j);
	j = JSON(e, "thread", "link", th, "--label", "Folder", "--url", "http://dms.firm.example/f/1");
	assert_string_equal(json_string_value(json_object_get(j, "label")), "Folder");
	json_decref(j);

	out = OK(e, "thread", "list", "--ref-url", "https://pm.firm.example/jobs/4711");
	expect_in("thread list --ref-url", out, "Year-end accounts 2026");
	free(out);
	out = OK(e, "thread", "list", "--ref-url", "https://pm.firm.example/jobs/1");
	assert_null(strstr(out, "Year-end accounts 2026"));
	free(out);

	/* Bad input: exit 64, the option named, nothing written. */
	static const struct {
		const char *label, *url, *want;
	} bad[] = {
		{ "Job", "javascript:alert(1)", "--url: must start with http:// or https://" },
		{ "Job", "https://pm.firm.example/a b", "--url: contains a blank" },
		{ "", "https://pm.firm.example/x", "--label: empty" },
		{ "Job\nx", "https://pm.firm.example/x", "--label: contains a line break" },
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(bad); i++) {
		struct res r = CTL(e, "thread", "link", th, "--label", bad[i].label, "--url",
				   bad[i].url);

		if (r.code != 64 || strstr(r.err, bad[i].want) == NULL)
			fail_msg("case %zu: exit %d, stderr \"%s\"", i, r.code, r.err);
		res_free(&r);
	}
	{
		struct res r = CTL(e, "thread", "link", th, "--url", "https://pm.firm.example/x");

		assert_int_equal(r.code, 64);
		expect_in("no --label", r.err, "--label is required");
		res_free(&r);
		r = CTL(e, "thread", "link", "999999", "--label", "Job", "--url",
			"https://pm.firm.example/x");
		assert_int_equal(r.code, 65);
		res_free(&r);
	}
	j = JSON(e, "thread", "show", th);
	assert_int_equal(json_array_size(json_object_get(j, "refs")), 2);
	json_decref(j);

	out = OK(e, "thread", "unlink", th, ref);
	expect_in("thread unlink", out, "removed");
	free(out);
	{
		struct res r = CTL(e, "thread", "unlink", th, ref);

		assert_int_equal(r.code, 65);
		expect_in("unlink twice", r.err, "no such link");
		res_free(&r);
	}
	out = OK(e, "thread", "show", th);
	expect_in("thread show after unlink", out, "links (1):");
	assert_null(strstr(out, "pm.firm.example"));
	free(out);

	/* At creation, in pairs. */
	char *acme = fmt_id(e->acme), *from = fmt_id(e->owner);
	long long t2 = ID(e, "thread", "new", acme, "--from", from, "--subject", "Payroll",
			  "--body", "Hello", "--link-label", "Job 9", "--link-url",
			  "https://pm.firm.example/jobs/9");
	char *t2s = fmt_id(t2);
	out = OK(e, "thread", "show", t2s);
	expect_in("thread new --link-*", out, "Job 9  <https://pm.firm.example/jobs/9>");
	free(out);
	{
		struct res r = CTL(e, "thread", "new", acme, "--from", from, "--subject", "x",
				   "--body", "y", "--link-label", "Job");

		assert_int_equal(r.code, 64);
		expect_in("unpaired", r.err, "go in pairs");
		res_free(&r);
		r = CTL(e, "thread", "new", acme, "--from", from, "--subject", "x", "--body", "y",
			"--link-label", "Job", "--link-url", "data:text/html,x");
		assert_int_equal(r.code, 64);
		expect_in("bad --link-url", r.err, "--link-url: must start with http://");
		res_free(&r);
	}
	free(t2s);
	free(acme);
	free(from);
	free(ref);
	free(th);
}


/* A contact's and a staff member's language and zone: set, shown, given
 * back to the firm's; bad ones refused (64); the email tick sends is in
 * the contact's language (the Maildir transport of the test config). */
static void test_gatewayctl_language(void **state)
{
	struct env *e = *state;
	char *anna = fmt_id(e->anna), *member = fmt_id(e->member), *out, *dir, *mail = NULL;
	struct res r;
	json_t *j;

	out = OK(e, "contact", "language", anna);
	expect_in("contact language (show)", out, "language en (the firm's), time zone UTC (the firm's)");
	free(out);
	out = OK(e, "contact", "language", anna, "--language", "FR", "--timezone", "Europe/Paris");
	expect_in("contact language", out, "language fr, time zone Europe/Paris");
	free(out);
	j = JSON(e, "contact", "language", anna);
	assert_string_equal(json_string_value(json_object_get(j, "language")), "fr");
	assert_string_equal(json_string_value(json_object_get(j, "reads_timezone")), "Europe/Paris");
	json_decref(j);

	r = CTL(e, "contact", "language", anna, "--language", "de");
	assert_int_equal(r.code, 64);
	expect_in("bad language", r.err, "language \"de\"");
	res_free(&r);
	r = CTL(e, "staff", "language", member, "--timezone", "Mars/Olympus");
	assert_int_equal(r.code, 64);
	expect_in("bad zone", r.err, "timezone \"Mars/Olympus\"");
	res_free(&r);
	out = OK(e, "staff", "language", member, "--language", "fr");
	expect_in("staff language", out, "language fr, time zone UTC (the firm's)");
	free(out);
	out = OK(e, "staff", "language", member, "--language", "-");
	expect_in("staff language back", out, "language en (the firm's)");
	free(out);

	/* the new chat's email to Anna is French */
	{
		char *acme = fmt_id(e->acme);

		free(OK(e, "thread", "new", acme, "--from", member, "--subject", "Bilan 2026",
			"--body", "Bonjour"));
		free(acme);
	}
	free(OK(e, "tick"));
	dir = path_in(e, "Maildir/new");
	{
		DIR *d = opendir(dir);
		struct dirent *de;

		assert_non_null(d);
		while ((de = readdir(d)) != NULL) {
			char *p, *text;

			if (de->d_name[0] == '.')
				continue;
			p = xasprintf("%s/%s", dir, de->d_name);
			text = slurp(p);
			free(p);
			if (strstr(text, "anna@acme.example") != NULL &&
			    strstr(text, "Subject: Bilan 2026") != NULL) {
				mail = text;
				break;
			}
			free(text);
		}
		closedir(d);
	}
	assert_non_null(mail);
	expect_in("email to a French contact", mail, "Bonjour Anna");
	expect_in("its HTML part", mail, "lang=3D\"fr\"");
	free(mail);
	free(dir);
	free(anna);
	free(member);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gatewayctl_init_key_file_0600_and_idempotent,
						setup_env, teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_init_attachments_beside_moved_database,
						setup_env, teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_init_database_0600_whatever_the_umask,
						setup_env, teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_demo_sequence, setup_env,
						teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_language, setup_seeded,
						teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_happy_paths, setup_seeded,
						teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_contact_show_away, setup_seeded,
						teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_contact_bounce_show_and_clear,
						setup_seeded, teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_json_output, setup_seeded,
						teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_usage_errors_exit_64,
						setup_seeded, teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_unknown_ids_exit_65,
						setup_seeded, teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_bad_config_exit_78, setup_env,
						teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_link_verifies_and_revoke_refuses,
						setup_seeded, teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_contact_email_change_kills_old_links,
						setup_seeded, teardown_env),
		cmocka_unit_test_setup_teardown(
			test_gatewayctl_contact_remove_keeps_history_and_stops_mail, setup_seeded,
			teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_tick_steps_reminders,
						setup_seeded, teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_thread_link_and_unlink,
						setup_seeded, teardown_env),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

