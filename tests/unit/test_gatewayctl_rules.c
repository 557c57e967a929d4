/*
 * test_gatewayctl_rules.c - gatewayctl's refusals and rules: usage errors
 * exit 64 naming the argument, unknown ids 65, bad configs 78 naming
 * file:line, View-chat links verified with link_verify() and refused after
 * `contact revoke`, and reminders queued by `tick --now` stepping days.
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

#include "buf.h"
#include "clock.h"
#include "gw.h"
#include "links.h"
#include "store.h"
#include "test_gatewayctl_util.h"

/* ---- errors ---- */

struct err_case {
	const char *args[15];
	int code;
	const char *want;   /* in stderr */
};

static void run_err_table(struct env *e, const struct err_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *argv[20] = { "-c", e->conf };
		size_t k = 2;
		struct res r;

		for (size_t j = 0; cases[i].args[j] != NULL; j++)
			argv[k++] = cases[i].args[j];
		argv[k] = NULL;
		r = run_argv(e, argv);
		if (r.code != cases[i].code)
			fail_msg("case %zu (%s ...): exit %d, want %d; stderr: %s", i,
				 cases[i].args[0], r.code, cases[i].code, r.err);
		if (strstr(r.err, cases[i].want) == NULL)
			fail_msg("case %zu (%s ...): stderr \"%s\" lacks \"%s\"", i,
				 cases[i].args[0], r.err, cases[i].want);
		if (*r.out != '\0')
			fail_msg("case %zu (%s ...): stdout not empty: %s", i, cases[i].args[0],
				 r.out);
		res_free(&r);
	}
}

void test_gatewayctl_usage_errors_exit_64(void **state)
{
	static const struct err_case cases[] = {
		{ { "thread", "new", "1", "--subject", "s", "--body", "b" }, 64,
		  "gatewayctl: thread new: --from is required" },
		{ { "contact", "add", "abc", "Name", "n@x.example" }, 64,
		  "gatewayctl: contact add: 'abc' is not an account id" },
		{ { "thread", "new", "1", "--from", "x", "--subject", "s", "--body", "b" }, 64,
		  "--from: 'x' is not a staff id" },
		{ { "thread", "new", "1,,2", "--from", "1", "--subject", "s", "--body", "b" }, 64,
		  "'1,,2' is not a list of account ids" },
		{ { "thread", "new", "1", "--from", "1", "--body", "b" }, 64,
		  "--subject is required" },
		{ { "thread", "new", "1", "--from", "1", "--subject", "s", "--remind-days", "3",
		    "--body", "b" }, 64, "--remind-days needs --remind" },
		{ { "thread", "new", "1", "--from", "1", "--subject", "s", "--body", "b",
		    "--remind", "--remind-count", "0" }, 64, "--remind-count: 0 is out of range" },
		{ { "thread", "new", "1", "--from", "1", "--subject", "s", "--body", "b",
		    "--bogus" }, 64, "unknown option '--bogus'" },
		{ { "thread", "show" }, 64, "THREAD_ID is required" },
		{ { "thread", "show", "1", "2" }, 64, "unexpected argument '2'" },
		{ { "thread", "show", "-1" }, 64, "unknown option '-1'" },
		{ { "thread", "show", "0" }, 64, "'0' is not a thread id" },
		{ { "account", "add" }, 64, "NAME is required" },
		{ { "contact", "add", "1", "Name" }, 64, "EMAIL is required" },
		{ { "contact", "notify", "1", "maybe" }, 64, "'maybe' is not on or off" },
		{ { "staff", "add", "A", "a@firm.example", "--role", "king" }, 64,
		  "--role: 'king' is not owner, admin or member" },
		{ { "staff", "assign", "1", "x" }, 64, "'x' is not an account id" },
		{ { "template", "add", "t", "--subject", "s" }, 64, "--body is required" },
		{ { "message", "post", "1", "--body", "b" }, 64, "--from is required" },
		{ { "message", "post", "1", "--from", "boss:1", "--body", "b" }, 64,
		  "--from: 'boss:1' is not contact:ID or staff:ID" },
		{ { "message", "post", "1", "--from", "staff:1" }, 64, "--body is required" },
		{ { "thread", "read", "1", "--by", "contact:" }, 64, "is not contact:ID" },
		{ { "task", "done", "1" }, 64, "--by is required" },
		{ { "reminders", "set", "1" }, 64, "--on or --off is required" },
		{ { "reminders", "set", "1", "--on", "--off" }, 64, "exclude each other" },
		{ { "reminders", "set", "1", "--on", "--days", "x" }, 64,
		  "--days: 'x' is not a number" },
		{ { "link", "1" }, 64, "--for is required" },
		{ { "link", "1", "--for", "anna" }, 64, "--for: 'anna' is not" },
		{ { "outbox", "list", "--status", "nope" }, 64, "--status: 'nope' is not queued" },
		{ { "outbox", "list", "--limit", "-3" }, 64, "--limit: '-3' is not a number" },
		{ { "inbound", "list", "--limit" }, 64, "--limit needs a value" },
		{ { "tick", "--now", "tomorrow" }, 64, "--now: 'tomorrow' is not a time" },
		{ { "firm", "set" }, 64, "--name is required" },
		{ { "firm", "set", "--allow-client-chats", "--no-client-chats", "--name", "x" }, 64,
		  "exclude each other" },
		{ { "frobnicate" }, 64, "'frobnicate' is not a command" },
		{ { "thread", "frob" }, 64, "'frob' is not a thread command" },
		{ { "thread" }, 64, "thread new" },
	};

	run_err_table(*state, cases, GW_ARRAY_SIZE(cases));
}

void test_gatewayctl_unknown_ids_exit_65(void **state)
{
	static const struct err_case cases[] = {
		{ { "thread", "show", "99" }, 65, "thread 99" },
		{ { "thread", "list", "99" }, 65, "account 99" },
		{ { "contact", "add", "99", "Name", "n@x.example" }, 65, "99" },
		{ { "contact", "list", "99" }, 65, "account 99" },
		{ { "contact", "notify", "99", "on" }, 65, "contact 99" },
		{ { "contact", "revoke", "99" }, 65, "contact 99" },
		{ { "staff", "assign", "99", "1" }, 65, "staff 99" },
		{ { "staff", "assign", "1", "99" }, 65, "99" },
		{ { "thread", "new", "99", "--from", "1", "--subject", "s", "--body", "b" }, 65,
		  "99" },
		{ { "thread", "new", "1", "--from", "99", "--subject", "s", "--body", "b" }, 65,
		  "99" },
		{ { "thread", "new", "1", "--from", "1", "--template", "nope" }, 65, "nope" },
		{ { "message", "post", "99", "--from", "staff:1", "--body", "b" }, 65, "99" },
		{ { "message", "post", "1", "--from", "contact:99", "--body", "b" }, 65, "99" },
		{ { "thread", "read", "99", "--by", "contact:1" }, 65, "99" },
		{ { "task", "done", "99", "--by", "contact:1" }, 65, "99" },
		{ { "thread", "archive", "99" }, 65, "thread 99" },
		{ { "thread", "reopen", "99" }, 65, "thread 99" },
		{ { "thread", "resend", "99" }, 65, "thread 99" },
		{ { "reminders", "set", "99", "--on" }, 65, "thread 99" },
		{ { "link", "99", "--for", "contact:1" }, 65, "thread 99" },
		{ { "link", "1", "--for", "contact:99" }, 65, "contact 99" },
		{ { "link", "1", "--for", "staff:99" }, 65, "staff 99" },
		{ { "outbox", "list", "--thread", "99" }, 65, "thread 99" },
		/* a contact of another account, a member not assigned */
		{ { "link", "1", "--for", "contact:3" }, 65, "belongs to account 2" },
		{ { "staff", "add", "Dup", "OLIVIA@firm.example" }, 65, "" },
	};

	run_err_table(*state, cases, GW_ARRAY_SIZE(cases));
}

void test_gatewayctl_bad_config_exit_78(void **state)
{
	struct env *e = *state;
	static const struct {
		const char *text;
		const char *want;  /* after "FILE" */
	} cases[] = {
		{ "[store]\npath = gw.db\nbogus = 1\n", ":3: [store] bogus" },
		{ "[mail]\nfrom = a@b.example\nreply_domain = r.example\n[links]\nview_ttl = soon\n",
		  ":5: [links] view_ttl" },
		{ "# comment\n[nosuch]\nkey = 1\n", ":3: [nosuch] key" },
		{ "[web]\nbase_url = ftp://x\n", ":2: [web] base_url" },
		{ "[mail]\nfrom = a@b.example\n", ":0: [mail] reply_domain" },
		{ "[mail]\nfrom = Example & Partners <chat@firm.example\n", ":2: [mail] from" },
	};
	char *bad = path_in(e, "bad.conf");

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char *want = xasprintf("%s%s", bad, cases[i].want);
		struct res r;

		write_file(bad, cases[i].text);
		r = run_argv(e, (const char *const[]){ "-c", bad, "account", "list", NULL });
		if (r.code != 78 || strstr(r.err, want) == NULL)
			fail_msg("case %zu: exit %d, stderr \"%s\", want 78 and \"%s\"", i, r.code,
				 r.err, want);
		res_free(&r);
		free(want);
	}
	/* No config file at all. */
	struct res r = run_argv(e, (const char *const[]){ "-c", "/nonexistent/gw.conf",
							    "firm", "show", NULL });
	assert_int_equal(r.code, 78);
	assert_non_null(strstr(r.err, "/nonexistent/gw.conf:0:"));
	res_free(&r);
	/* A good config before init: the database is missing. */
	r = CTL(e, "account", "list");
	assert_int_equal(r.code, 78);
	assert_non_null(strstr(r.err, "gatewayctl init"));
	res_free(&r);
	free(bad);
}

/* ---- links ---- */

static char *link_token(const char *url)
{
	const char *t = strstr(url, "/v/");
	char *tok;

	assert_non_null(t);
	tok = xstrdup(t + 3);
	tok[strcspn(tok, "\n")] = '\0';
	return tok;
}

void test_gatewayctl_link_verifies_and_revoke_refuses(void **state)
{
	struct env *e = *state;
	struct gw_config *cfg = NULL;
	struct store *store = NULL;
	struct link_keys *keys = NULL;
	struct link_claims cl;
	char *error = NULL, *th = fmt_id(e->thread), *anna = fmt_id(e->anna);
	char *as_anna = xasprintf("contact:%lld", e->anna);
	char *as_owner = xasprintf("staff:%lld", e->owner);
	char *as_member = xasprintf("staff:%lld", e->member);
	char *out, *tok_anna, *tok_owner, *tok_member, *tok_new;
	int64_t t0 = clock_now();

	assert_int_equal(cfg_load(e->conf, &cfg, &error), 0);
	assert_int_equal(store_open(&cfg->store, &store, &error), 0);
	assert_int_equal(link_keys_load(cfg->links.key_file, &keys, &error), 0);

	out = OK(e, "link", th, "--for", as_anna);
	tok_anna = link_token(out);
	free(out);
	out = OK(e, "link", th, "--for", as_owner);
	tok_owner = link_token(out);
	free(out);
	out = OK(e, "link", th, "--for", as_member);
	tok_member = link_token(out);
	free(out);

	memset(&cl, 0, sizeof(cl));
	assert_int_equal(link_verify(keys, tok_anna, LINK_VIEW, clock_now(),
				     store_link_generation, store, &cl), LINK_OK);
	assert_int_equal(cl.thread_id, e->thread);
	assert_int_equal(cl.kind, LINK_CONTACT);
	assert_int_equal(cl.principal_id, e->anna);
	assert_true(cl.expires >= t0 + VIEW_TTL && cl.expires <= clock_now() + VIEW_TTL);
	/* Expired after view_ttl; not valid for another purpose. */
	assert_int_equal(link_verify(keys, tok_anna, LINK_VIEW, cl.expires + 1,
				     store_link_generation, store, &cl), LINK_EXPIRED);
	assert_int_equal(link_verify(keys, tok_anna, LINK_UNSUBSCRIBE, clock_now(),
				     store_link_generation, store, &cl), LINK_WRONG_PURPOSE);

	assert_int_equal(link_verify(keys, tok_owner, LINK_VIEW, clock_now(),
				     store_link_generation, store, &cl), LINK_OK);
	assert_int_equal(cl.kind, LINK_STAFF);
	assert_int_equal(cl.principal_id, e->owner);
	assert_int_equal(link_verify(keys, tok_member, LINK_VIEW, clock_now(),
				     store_link_generation, store, &cl), LINK_OK);
	assert_int_equal(cl.principal_id, e->member);

	/* A member may not see an account not assigned to them. */
	char *birch = fmt_id(e->birch);
	char *tb = NULL;
	out = OK(e, "thread", "new", birch, "--from", "1", "--subject", "Birch", "--body", "b");
	tb = xstrndup(out, strcspn(out, "\n"));
	free(out);
	struct res r = CTL(e, "link", tb, "--for", as_member);
	assert_int_equal(r.code, 65);
	assert_non_null(strstr(r.err, "may not see thread"));
	assert_string_equal(r.out, "");
	res_free(&r);
	/* ... nor a contact of another account. */
	r = CTL(e, "link", tb, "--for", as_anna);
	assert_int_equal(r.code, 65);
	res_free(&r);
	free(tb);
	free(birch);

	/* Revoking Anna's links: the old one is refused, a new one works. */
	out = OK(e, "contact", "revoke", anna);
	assert_non_null(strstr(out, "revoked"));
	free(out);
	assert_int_equal(link_verify(keys, tok_anna, LINK_VIEW, clock_now(),
				     store_link_generation, store, &cl), LINK_REVOKED);
	assert_int_equal(link_verify(keys, tok_owner, LINK_VIEW, clock_now(),
				     store_link_generation, store, &cl), LINK_OK);
	out = OK(e, "link", th, "--for", as_anna);
	tok_new = link_token(out);
	free(out);
	assert_string_not_equal(tok_new, tok_anna);
	assert_int_equal(link_verify(keys, tok_new, LINK_VIEW, clock_now(),
				     store_link_generation, store, &cl), LINK_OK);
	assert_int_equal(cl.generation, 2);

	/* Without a usable key file the link is not made. */
	assert_int_equal(chmod(cfg->links.key_file, 0640), 0);
	r = CTL(e, "link", th, "--for", as_anna);
	assert_int_equal(r.code, 78);
	assert_non_null(strstr(r.err, cfg->links.key_file));
	res_free(&r);

	link_keys_free(&keys);
	store_close(&store);
	cfg_free(&cfg);
	free(tok_anna);
	free(tok_owner);
	free(tok_member);
	free(tok_new);
	free(th);
	free(anna);
	free(as_anna);
	free(as_owner);
	free(as_member);
}

/* Outbox rows to contact ID with STATUS ("" = any). */
static int outbox_rows(struct env *e, long long id, const char *status)
{
	json_t *arr = JSON(e, "outbox", "list", "--limit", "1000"), *row;
	size_t i;
	int n = 0;

	json_array_foreach(arr, i, row) {
		const char *st = json_string_value(json_object_get(row, "status"));
		const char *rk = json_string_value(json_object_get(row, "recipient_kind"));

		if (rk != NULL && strcmp(rk, "contact") == 0 &&
		    json_integer_value(json_object_get(row, "recipient_id")) == id &&
		    (status[0] == '\0' || strcmp(st, status) == 0))
			n++;
	}
	json_decref(arr);
	return n;
}

struct linkfx {
	struct gw_config *cfg;
	struct store *store;
	struct link_keys *keys;
};

static void linkfx_open(struct env *e, struct linkfx *l)
{
	char *error = NULL;

	memset(l, 0, sizeof(*l));
	assert_int_equal(cfg_load(e->conf, &l->cfg, &error), 0);
	assert_int_equal(store_open(&l->cfg->store, &l->store, &error), 0);
	assert_int_equal(link_keys_load(l->cfg->links.key_file, &l->keys, &error), 0);
}

static void linkfx_close(struct linkfx *l)
{
	link_keys_free(&l->keys);
	store_close(&l->store);
	cfg_free(&l->cfg);
}

static enum link_verdict verify(struct linkfx *l, const char *tok)
{
	struct link_claims cl;

	memset(&cl, 0, sizeof(cl));
	return link_verify(l->keys, tok, LINK_VIEW, clock_now(), store_link_generation, l->store,
			   &cl);
}

/*
 * `contact email` moves a contact to a new address and revokes every link
 * that went to the old one (the generation is bumped with the change); the
 * same address in another case changes nothing.
 */
void test_gatewayctl_contact_email_change_kills_old_links(void **state)
{
	struct env *e = *state;
	struct linkfx l;
	char *th = fmt_id(e->thread), *anna = fmt_id(e->anna);
	char *as_anna = xasprintf("contact:%lld", e->anna), *out, *tok_old, *tok_new;
	json_t *j;

	linkfx_open(e, &l);
	out = OK(e, "link", th, "--for", as_anna);
	tok_old = link_token(out);
	free(out);
	assert_int_equal(verify(&l, tok_old), LINK_OK);

	out = OK(e, "contact", "email", anna, "anna.new@acme.example");
	expect_in("contact email", out, "revoked");
	free(out);
	assert_int_equal(verify(&l, tok_old), LINK_REVOKED);
	out = OK(e, "link", th, "--for", as_anna);
	tok_new = link_token(out);
	free(out);
	assert_int_equal(verify(&l, tok_new), LINK_OK);
	j = JSON(e, "contact", "email", anna, "ANNA.NEW@acme.example");
	assert_string_equal(json_string_value(json_object_get(j, "email")),
			    "ANNA.NEW@acme.example");
	json_decref(j);
	assert_int_equal(verify(&l, tok_new), LINK_OK);  /* same address */

	linkfx_close(&l);
	free(tok_old);
	free(tok_new);
	free(th);
	free(anna);
	free(as_anna);
}

/*
 * `contact remove`: their messages stay, their links die, their queued
 * emails are cancelled and no new one is queued (messages, resends), the
 * listing marks them removed, and their address can no longer change.
 */
void test_gatewayctl_contact_remove_keeps_history_and_stops_mail(void **state)
{
	struct env *e = *state;
	struct linkfx l;
	char *th = fmt_id(e->thread), *anna = fmt_id(e->anna), *acme = fmt_id(e->acme);
	char *as_anna = xasprintf("contact:%lld", e->anna), *owner = xasprintf("staff:%lld", e->owner);
	char *out, *tok;
	json_t *j, *row;
	long long msgs_before;
	size_t i;
	struct res r;
	int seen = 0;

	linkfx_open(e, &l);
	out = OK(e, "link", th, "--for", as_anna);
	tok = link_token(out);
	free(out);
	out = OK(e, "message", "post", th, "--from", owner, "--body", "Before removal");
	free(out);
	assert_true(outbox_rows(e, e->anna, "queued") > 0);
	j = JSON(e, "thread", "show", th);
	msgs_before = (long long)json_array_size(json_object_get(j, "messages"));
	assert_true(msgs_before >= 1);
	json_decref(j);

	out = OK(e, "contact", "remove", anna);
	expect_in("contact remove", out, "removed");
	free(out);
	assert_int_equal(verify(&l, tok), LINK_REVOKED);
	assert_int_equal(outbox_rows(e, e->anna, "queued"), 0);
	assert_true(outbox_rows(e, e->anna, "failed") > 0);

	/* No new email to them, whatever staff do. */
	{
		int before = outbox_rows(e, e->anna, "");

		out = OK(e, "message", "post", th, "--from", owner, "--body", "After removal");
		free(out);
		out = OK(e, "thread", "resend", th);
		free(out);
		assert_int_equal(outbox_rows(e, e->anna, ""), before);
	}
	/* History kept: the thread still has every message. */
	j = JSON(e, "thread", "show", th);
	assert_int_equal((long long)json_array_size(json_object_get(j, "messages")),
			 msgs_before + 1);
	json_decref(j);
	/* Listed as removed. */
	j = JSON(e, "contact", "list", acme);
	json_array_foreach(j, i, row)
		if (json_integer_value(json_object_get(row, "id")) == e->anna) {
			assert_true(json_is_string(json_object_get(row, "removed_at")));
			seen = 1;
		}
	json_decref(j);
	assert_true(seen);
	out = OK(e, "contact", "list", acme);
	expect_in("contact list", out, "removed");
	free(out);
	r = CTL(e, "contact", "email", anna, "anna.back@acme.example");
	assert_int_not_equal(r.code, 0);
	expect_in("contact email after removal", r.err, "removed");
	res_free(&r);
	/* Removing twice is no error. */
	out = OK(e, "contact", "remove", anna);
	free(out);

	linkfx_close(&l);
	free(tok);
	free(th);
	free(anna);
	free(acme);
	free(as_anna);
	free(owner);
}

/* ---- reminders through days ---- */

static int64_t next_due(struct env *e, const char *thread)
{
	json_t *j = JSON(e, "thread", "show", thread);
	const char *s = json_string_value(json_object_get(json_object_get(j, "reminders"),
							  "next_due"));
	int64_t t = 0;

	if (s != NULL)
		assert_int_equal(clock_parse(s, &t), 0);
	json_decref(j);
	return t;
}

static int tick_at(struct env *e, int64_t t)
{
	char *now = xasprintf("@%lld", (long long)t);
	json_t *j = JSON(e, "tick", "--now", now);
	int n = (int)json_integer_value(json_object_get(j, "reminders_queued"));

	json_decref(j);
	free(now);
	return n;
}

/*
 * Reminder rows of a thread, from outbox list --json.  tick delivers what
 * it queues in the same pass (maildir transport), so every one is sent.
 */
static int queued_reminders(struct env *e, const char *thread)
{
	json_t *j = JSON(e, "outbox", "list", "--thread", thread);
	size_t i;
	json_t *row;
	int n = 0;

	json_array_foreach(j, i, row) {
		if (strcmp(json_string_value(json_object_get(row, "kind")), "reminder") == 0) {
			assert_string_equal(json_string_value(json_object_get(row, "status")),
					    "sent");
			n++;
		}
	}
	json_decref(j);
	return n;
}

/* Files delivered into the config's Maildir (transport = maildir:Maildir). */
static int maildir_count(struct env *e)
{
	char *path = xasprintf("%s/Maildir/new", e->dir);
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	free(path);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

void test_gatewayctl_tick_steps_reminders(void **state)
{
	struct env *e = *state;
	char *acme = fmt_id(e->acme), *member = fmt_id(e->member);
	char *as_anna = xasprintf("contact:%lld", e->anna);
	char *a, *b, *c, *out;
	int64_t due, created;
	json_t *j;

	/* a: defaults (every 3 days, 1 reminder). */
	out = OK(e, "thread", "new", acme, "--from", member, "--subject", "A", "--body", "a",
		 "--remind");
	a = xstrndup(out, strcspn(out, "\n"));
	free(out);
	j = JSON(e, "thread", "show", a);
	assert_int_equal(clock_parse(json_string_value(json_object_get(j, "created_at")),
				     &created), 0);
	json_decref(j);
	due = next_due(e, a);
	assert_true(due >= created + 3 * CLOCK_DAY && due <= created + 3 * CLOCK_DAY + 5);

	/* b: every 2 days, 2 reminders; c: the client answers. */
	out = OK(e, "thread", "new", acme, "--from", member, "--subject", "B", "--body", "b",
		 "--remind", "--remind-days", "2", "--remind-count", "2");
	b = xstrndup(out, strcspn(out, "\n"));
	free(out);
	out = OK(e, "thread", "new", acme, "--from", member, "--subject", "C", "--body", "c",
		 "--remind");
	c = xstrndup(out, strcspn(out, "\n"));
	free(out);
	free(OK(e, "message", "post", c, "--from", as_anna, "--body", "done, see attached"));
	assert_int_equal(next_due(e, c), 0);

	int64_t due_b = next_due(e, b);
	assert_true(due_b >= created + 2 * CLOCK_DAY && due_b < due);

	/* Nothing before it is due (the demo thread is due after 3 days too). */
	assert_int_equal(tick_at(e, due_b - 1), 0);
	assert_int_equal(queued_reminders(e, b), 0);
	/* b's first reminder, one per notifiable contact (Anna; Ben has notify off). */
	int mails = maildir_count(e);
	assert_int_equal(tick_at(e, due_b), 1);
	assert_int_equal(queued_reminders(e, b), 1);
	/* ...and the same pass delivered it (with the notifications queued
	 * when the threads were made). */
	assert_true(maildir_count(e) >= mails + 1);
	mails = maildir_count(e);
	assert_int_equal(tick_at(e, due_b), 0);       /* exactly once */
	assert_int_equal(maildir_count(e), mails);    /* and sent once */
	/* The next one is due 2 days after the first was queued. */
	assert_int_equal(next_due(e, b), due_b + 2 * CLOCK_DAY);

	/* Day 3: a's only reminder (and the demo thread's first). */
	int n = tick_at(e, due + 60);
	assert_true(n >= 1);
	assert_int_equal(queued_reminders(e, a), 1);
	assert_int_equal(next_due(e, a), 0);          /* count reached */
	assert_int_equal(queued_reminders(e, c), 0);  /* the client answered */

	/* Day 4+: b's second and last. */
	assert_int_equal(tick_at(e, due_b + 2 * CLOCK_DAY), 1);
	assert_int_equal(queued_reminders(e, b), 2);
	assert_int_equal(next_due(e, b), 0);
	/* Much later: b, a and c stay quiet. */
	tick_at(e, due + 30 * CLOCK_DAY);
	assert_int_equal(queued_reminders(e, a), 1);
	assert_int_equal(queued_reminders(e, b), 2);
	assert_int_equal(queued_reminders(e, c), 0);

	out = OK(e, "thread", "show", b);
	assert_non_null(strstr(out, "all sent (2 sent)"));
	free(out);

	free(a);
	free(b);
	free(c);
	free(acme);
	free(member);
	free(as_anna);
}

