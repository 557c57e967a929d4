/*
 * test_webhook.c - the pieces of webhooks that need no daemon: event
 * names, endpoint URLs and names, secret files (a real file in a temp
 * directory, with its mode), [webhooks] in the config file (errors naming
 * file, line and key), the signature (checked against a value computed
 * with `openssl dgst -sha256 -hmac`), and the retry delays.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "config.h"
#include "gw.h"
#include "webhook.h"
#include "webhook_delivery.h"

static void test_webhook_events_parse(void **state)
{
	static const struct {
		const char *list;
		int ok;
		unsigned mask;
		const char *bad;
	} cases[] = {
		{ "message.posted", 1, WEBHOOK_MESSAGE_POSTED, NULL },
		{ "message.posted, chat.created", 1, WEBHOOK_MESSAGE_POSTED | WEBHOOK_CHAT_CREATED,
		  NULL },
		{ " task.changed,file.uploaded ", 1, WEBHOOK_TASK_CHANGED | WEBHOOK_FILE_UPLOADED,
		  NULL },
		{ "*", 1, WEBHOOK_EVENTS_ALL, NULL },
		{ "all", 1, WEBHOOK_EVENTS_ALL, NULL },
		{ "email.reply contact.bouncing reminder.sent", 1,
		  WEBHOOK_EMAIL_REPLY | WEBHOOK_CONTACT_BOUNCING | WEBHOOK_REMINDER_SENT, NULL },
		{ "", 0, 0, "" },
		{ " , ", 0, 0, "" },
		{ "message.posted,chat.deleted", 0, 0, "chat.deleted" },
		{ "Message.Posted", 0, 0, "Message.Posted" },
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		unsigned mask = 0;
		char *bad = NULL;
		int rc = webhook_events_parse(cases[i].list, &mask, &bad);

		if ((rc == 0) != cases[i].ok)
			fail_msg("case %zu: rc %d", i, rc);
		if (cases[i].ok && mask != cases[i].mask)
			fail_msg("case %zu: mask %#x, want %#x", i, mask, cases[i].mask);
		if (!cases[i].ok && (bad == NULL || strcmp(bad, cases[i].bad) != 0))
			fail_msg("case %zu: bad \"%s\", want \"%s\"", i, bad ? bad : "(null)",
				 cases[i].bad);
		free(bad);
	}
	char *all = webhook_events_format(WEBHOOK_EVENTS_ALL);
	assert_string_equal(all, "message.posted,chat.created,task.changed,file.uploaded,"
				 "email.reply,contact.bouncing,reminder.sent");
	free(all);
}

static void test_webhook_url_and_name_checks(void **state)
{
	static const struct {
		const char *url;
		int ok;
	} urls[] = {
		{ "https://hooks.example/in", 1 },
		{ "http://127.0.0.1:8080/x?y=1", 1 },
		{ "HTTPS://Hooks.Example", 1 },
		{ "ftp://hooks.example/in", 0 },
		{ "file:///etc/passwd", 0 },
		{ "hooks.example/in", 0 },
		{ "https://", 0 },
		{ "https:///path", 0 },
		{ "https://hooks.example/a b", 0 },
		{ "https://hooks.example/\r\nX: y", 0 },
	};
	static const struct {
		const char *name;
		int ok;
	} names[] = {
		{ "crm", 1 }, { "my-crm_2", 1 }, { "", 0 }, { "CRM", 0 }, { "a.b", 0 },
		{ "with space", 0 },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 },
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(urls); i++) {
		char *why = NULL;
		int rc = webhook_url_check(urls[i].url, &why);

		if ((rc == 0) != urls[i].ok)
			fail_msg("url case %zu: rc %d (%s)", i, rc, why ? why : "");
		free(why);
	}
	for (size_t i = 0; i < GW_ARRAY_SIZE(names); i++) {
		char *why = NULL;
		int rc = webhook_name_check(names[i].name, &why);

		if ((rc == 0) != names[i].ok)
			fail_msg("name case %zu: rc %d", i, rc);
		free(why);
	}
}

struct tmp {
	char dir[64];
	char path[128];
};

static void write_file(struct tmp *t, const char *text, mode_t mode)
{
	FILE *f;

	unlink(t->path);
	f = fopen(t->path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(t->path, mode), 0);
}

static void test_webhook_secret_file(void **state)
{
	struct tmp t;
	char *secret = NULL, *why = NULL;

	strcpy(t.dir, "/tmp/gw-test-webhook.XXXXXX");
	assert_non_null(mkdtemp(t.dir));
	snprintf(t.path, sizeof(t.path), "%s/secret", t.dir);

	assert_int_equal(webhook_secret_read(t.path, &secret, &why), -1);
	assert_non_null(strstr(why, "cannot read: No such file"));
	free(why);

	write_file(&t, "0123456789abcdef0123\n", 0644);
	assert_int_equal(webhook_secret_read(t.path, &secret, &why), -1);
	assert_non_null(strstr(why, "mode is 0644, readable or writable by others"));
	free(why);

	write_file(&t, "short\n", 0600);
	assert_int_equal(webhook_secret_read(t.path, &secret, &why), -1);
	assert_non_null(strstr(why, "shorter than 16 bytes"));
	free(why);

	write_file(&t, "0123456789abcdef0123  \nsecond line\n", 0600);
	assert_int_equal(webhook_secret_read(t.path, &secret, &why), 0);
	assert_string_equal(secret, "0123456789abcdef0123");
	free(secret);

	unlink(t.path);
	rmdir(t.dir);
}

static void test_webhook_config(void **state)
{
	static const char req[] = "[mail]\nfrom = chat@firm.example\nreply_domain = r.example\n"
				  "[webhooks]\n";
	static const struct {
		const char *text;
		const char *error; /* NULL = loads */
	} cases[] = {
		{ "crm.url = https://crm.example/h\ncrm.secret_file = /etc/gatewayd/crm\n", NULL },
		{ "crm.url = ftp://crm.example/h\n",
		  "t.conf:5: [webhooks] crm.url: \"ftp://crm.example/h\" is not an http:// or"
		  " https:// URL" },
		{ "crm.url = https://crm.example/h\n",
		  "t.conf:5: [webhooks] crm.secret_file: missing (endpoint crm needs url and"
		  " secret_file)" },
		{ "crm.secret_file = /x\n",
		  "t.conf:5: [webhooks] crm.url: missing (endpoint crm needs url and"
		  " secret_file)" },
		{ "crm.url = https://a.example/\ncrm.url = https://b.example/\n",
		  "t.conf:6: [webhooks] crm.url: duplicate key" },
		{ "crm.url = https://a.example/\ncrm.secret_file = /x\ncrm.events = chat.gone\n",
		  "t.conf:7: [webhooks] crm.events: \"chat.gone\" is no event; known:" },
		{ "crm.colour = blue\n", "t.conf:5: [webhooks] crm.colour: unknown key" },
		{ "CRM.url = https://a.example/\n", "t.conf:5: [webhooks] CRM.url: endpoint \"CRM\"" },
		{ "timeout = 0\n", "t.conf:5: [webhooks] timeout: \"0\" is out of range" },
		{ "retries = 3\n", "t.conf:5: [webhooks] retries: unknown key" },
	};
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char *text = xasprintf("%s%s", req, cases[i].text), *err = NULL;
		struct gw_config *cfg = NULL;
		int rc = cfg_load_string("t.conf", text, &cfg, &err);

		if (cases[i].error == NULL && rc != 0)
			fail_msg("case %zu: %s", i, err);
		if (cases[i].error != NULL &&
		    (rc == 0 || strncmp(err, cases[i].error, strlen(cases[i].error)) != 0))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err ? err : "(loaded)",
				 cases[i].error);
		if (rc == 0 && i == 0) {
			assert_int_equal(cfg->webhooks.n_endpoints, 1);
			assert_string_equal(cfg->webhooks.endpoints[0].name, "crm");
			assert_int_equal(cfg->webhooks.endpoints[0].events, WEBHOOK_EVENTS_ALL);
			assert_int_equal(cfg->webhooks.endpoints[0].secret_line, 6);
			/* The secret file is checked at start-up, naming key and line. */
			char *why = NULL;
			assert_int_equal(cfg_check_webhook_secrets(cfg, &why), -1);
			assert_non_null(strstr(why, "t.conf:6: [webhooks] crm.secret_file:"
						    " /etc/gatewayd/crm: cannot read"));
			free(why);
		}
		cfg_free(&cfg);
		free(err);
		free(text);
	}
}

static void test_webhook_signature(void **state)
{
	/* printf '%s' '1700000000.{"id":"evt_1","type":"chat.created"}' |
	 *   openssl dgst -sha256 -hmac 'secret-0123456789abcdef' */
	static const char body[] = "{\"id\":\"evt_1\",\"type\":\"chat.created\"}";
	char *sig = webhook_signature("secret-0123456789abcdef", 1700000000, body,
				      strlen(body));

	assert_string_equal(sig, "t=1700000000,v1=695a3e6aceb12c4e21dd774c57142828eb216396"
				 "6be334d75720ac1228416581");
	free(sig);
}

static void test_webhook_backoff(void **state)
{
	struct cfg_webhooks c = { .retry_min = 10, .retry_max = 3600 };
	static const int64_t want[] = { 10, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600 };

	for (int a = 0; a < (int)GW_ARRAY_SIZE(want); a++)
		if (webhook_backoff(&c, a) != want[a])
			fail_msg("attempts %d: %lld, want %lld", a, (long long)webhook_backoff(&c, a),
				 (long long)want[a]);
	assert_int_equal(webhook_backoff(&c, 1000000), 3600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_webhook_events_parse),
		cmocka_unit_test(test_webhook_url_and_name_checks),
		cmocka_unit_test(test_webhook_secret_file),
		cmocka_unit_test(test_webhook_config),
		cmocka_unit_test(test_webhook_signature),
		cmocka_unit_test(test_webhook_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
