/*
 * test_config.c - gatewayd.conf parsing: defaults, valid values, the exact
 * text of every kind of error (file, line, key), relative path resolution
 * against the config file's directory, and cfg_dump.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "config.h"

#define NAME "/cfgtest/gw.conf"
#define REQ "[mail]\nfrom = chat@firm.example\nreply_domain = reply.firm.example\n"

static char *dump(const struct gw_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	cfg_dump(cfg, f);
	fclose(f);
	return text;
}

static const char default_dump[] =
	"[store] path = /var/lib/gatewayd/gatewayd.db\n"
	"[store] attachments_dir = /var/lib/gatewayd/attachments\n"
	"[store] busy_timeout_ms = 5000\n"
	"[store] synchronous = full\n"
	"[store] group =\n"
	"[mail] transport = maildir:/var/lib/gatewayd/Maildir\n"
	"[mail] from = chat@firm.example\n"
	"[mail] from_name = \"\"\n"
	"[mail] reply_domain = reply.firm.example\n"
	"[mail] helo_name =\n"
	"[mail] starttls = try\n"
	"[mail] auth_user =\n"
	"[mail] auth_password_file =\n"
	"[mail] timeout = 1m\n"
	"[mail] concurrency = 4\n"
	"[mail] retry_min = 1m\n"
	"[mail] retry_max = 1h\n"
	"[mail] max_lifetime = 5d\n"
	"[mail] lease = 10m\n"
	"[mail] poll_interval_ms = 1000\n"
	"[mail] max_explanations_per_day = 5\n"
	"[mail] batch_window = 2m\n"
	"[mail] show_content = no\n"
	"[links] key_file = /etc/gatewayd/keys\n"
	"[links] view_ttl = 30d\n"
	"[links] reply_ttl = 180d\n"
	"[web] listen =\n"
	"[web] base_url = http://localhost:8080\n"
	"[web] max_post = 50M\n"
	"[web] max_upload = 25M\n"
	"[web] session_ttl = 30d\n"
	"[web] threads = 2\n"
	"[web] header_timeout = 10s\n"
	"[web] request_timeout = 2m\n"
	"[web] max_per_client = 32\n"
	"[web] proxies = 127.0.0.1 ::1\n"
	"[web] body_budget = 64M\n"
	"[api] listen =\n"
	"[lmtp] listen =\n"
	"[policy] listen =\n"
	"[pipe] handover = yes\n"
	"[pipe] socket = /var/lib/gatewayd/gatewayd.db.sock\n"
	"[pipe] timeout = 1m\n"
	"[inbound] max_size = 25M\n"
	"[inbound] max_header_bytes = 1M\n"
	"[inbound] max_mime_depth = 20\n"
	"[inbound] max_parts = 500\n"
	"[imap] url =\n"
	"[imap] starttls = yes\n"
	"[imap] user =\n"
	"[imap] password_file =\n"
	"[imap] ca_file =\n"
	"[imap] mailbox = INBOX\n"
	"[imap] done = move:Processed\n"
	"[imap] rejected = move:gatewayd-rejected\n"
	"[imap] poll_interval = 1m\n"
	"[imap] idle_restart = 25m\n"
	"[imap] timeout = 1m\n"
	"[imap] retry_min = 5s\n"
	"[imap] retry_max = 5m\n"
	"[firm] language = en\n"
	"[firm] timezone = UTC\n"
	"[reminders] default_days = 3\n"
	"[reminders] default_count = 1\n"
	"[reminders] hours =\n"
	"[reminders] days = mon-fri\n"
	"[reminders] timezone = UTC\n"
	"[reminders] holidays =\n"
	"[retention] archived_threads = off\n"
	"[retention] attachments = off\n"
	"[retention] outbox = 90d\n"
	"[retention] inbound_log = 90d\n"
	"[retention] sessions = 30d\n"
	"[retention] interval = 1h\n"
	"[retention] batch = 500\n"
	"[log] level = info\n"
	"[log] syslog = no\n"
	"[webhooks] timeout = 10s\n"
	"[webhooks] concurrency = 2\n"
	"[webhooks] retry_min = 10s\n"
	"[webhooks] retry_max = 1h\n"
	"[webhooks] disable_after = 1d\n"
	"[webhooks] poll_interval_ms = 1000\n";

static void test_config_defaults(void **state)
{
	struct gw_config *cfg = NULL;
	char *err = NULL, *text;

	assert_int_equal(cfg_load_string(NAME, REQ, &cfg, &err), 0);
	assert_null(err);
	assert_string_equal(cfg->file, NAME);
	assert_string_equal(cfg->store.path, "/var/lib/gatewayd/gatewayd.db");
	assert_string_equal(cfg->store.attachments_dir, "/var/lib/gatewayd/attachments");
	assert_int_equal(cfg->store.busy_timeout_ms, 5000);
	assert_int_equal(cfg->store.synchronous_full, 1);
	assert_null(cfg->store.group);
	assert_string_equal(cfg->mail.transport, "maildir:/var/lib/gatewayd/Maildir");
	assert_string_equal(cfg->mail.from_name, "");
	assert_null(cfg->mail.helo_name);
	assert_string_equal(cfg->mail.starttls, "try");
	assert_null(cfg->mail.auth_user);
	assert_null(cfg->mail.auth_password_file);
	assert_int_equal(cfg->mail.timeout, 60);
	assert_int_equal(cfg->mail.concurrency, 4);
	assert_int_equal(cfg->mail.retry_min, 60);
	assert_int_equal(cfg->mail.retry_max, 3600);
	assert_int_equal(cfg->mail.max_lifetime, 5 * 86400);
	assert_int_equal(cfg->mail.lease, 600);
	assert_int_equal(cfg->mail.poll_interval_ms, 1000);
	assert_int_equal(cfg->mail.max_explanations_per_day, 5);
	assert_string_equal(cfg->links.key_file, "/etc/gatewayd/keys");
	assert_int_equal(cfg->links.view_ttl, 30 * 86400);
	assert_int_equal(cfg->links.reply_ttl, 180 * 86400);
	assert_null(cfg->web.listen);
	assert_string_equal(cfg->web.base_url, "http://localhost:8080");
	assert_int_equal(cfg->web.max_body, 50 * 1024 * 1024);
	assert_int_equal(cfg->web.max_upload, 25 * 1024 * 1024);
	assert_int_equal(cfg->web.session_ttl, 30 * 86400);
	assert_int_equal(cfg->web.threads, 2);
	assert_int_equal(cfg->web.header_timeout, 10);
	assert_int_equal(cfg->web.request_timeout, 120);
	assert_int_equal(cfg->web.max_per_client, 32);
	assert_string_equal(cfg->web.proxies, "127.0.0.1 ::1");
	assert_int_equal(cfg->web.body_budget, 64 * 1024 * 1024);
	assert_null(cfg->api.listen);
	assert_null(cfg->lmtp.listen);
	assert_null(cfg->policy.listen);
	assert_int_equal(cfg->inbound.max_size, 25 * 1024 * 1024);
	assert_int_equal(cfg->inbound.max_header_bytes, 1024 * 1024);
	assert_int_equal(cfg->inbound.max_mime_depth, 20);
	assert_int_equal(cfg->inbound.max_parts, 500);
	assert_int_equal(cfg->reminders.default_days, 3);
	assert_int_equal(cfg->reminders.default_count, 1);
	assert_string_equal(cfg->log.level, "info");
	assert_int_equal(cfg->log.syslog, 0);

	text = dump(cfg);
	assert_string_equal(text, default_dump);
	free(text);
	cfg_free(&cfg);
	assert_null(cfg);
	cfg_free(&cfg); /* NULL is fine */
	cfg_free(NULL);
}

/* A valid file and the dump lines it must produce. */
static const struct {
	const char *text;
	const char *lines; /* each must appear in cfg_dump output */
} valid_cases[] = {
	{ REQ "[store]\npath = /srv/gw.db\nbusy_timeout_ms = 0\nsynchronous = normal\n",
	  "[store] path = /srv/gw.db\n[store] busy_timeout_ms = 0\n"
	  "[store] synchronous = normal\n" },
	/* the group of the database files: one the system knows */
	{ REQ "[store]\ngroup = root\n", "[store] group = root\n" },
	{ REQ "transport = smtp://127.0.0.1:2525\nstarttls = require\n",
	  "[mail] transport = smtp://127.0.0.1:2525\n[mail] starttls = require\n" },
	{ REQ "transport = smtp://mx.firm.example\n",
	  "[mail] transport = smtp://mx.firm.example\n" },
	{ REQ "transport = smtp://[::1]:25\n", "[mail] transport = smtp://[::1]:25\n" },
	{ REQ "transport = sendmail:/usr/sbin/sendmail\n",
	  "[mail] transport = sendmail:/usr/sbin/sendmail\n" },
	{ REQ "transport = maildir:/srv/Maildir\n", "[mail] transport = maildir:/srv/Maildir\n" },
	{ REQ "from_name = \"Example & Co\"\nhelo_name = gw.firm.example\n",
	  "[mail] from_name = Example & Co\n[mail] helo_name = gw.firm.example\n" },
	{ REQ "from_name = Example Co ; a comment\n", "[mail] from_name = Example Co\n" },
	{ REQ "timeout = 90\nretry_min = 90s\nretry_max = 2h\nmax_lifetime = 3d\nlease = 5m\n",
	  "[mail] timeout = 90s\n[mail] retry_min = 90s\n[mail] retry_max = 2h\n"
	  "[mail] max_lifetime = 3d\n[mail] lease = 5m\n" },
	{ REQ "retry_min = 1h\nretry_max = 1h\n", "[mail] retry_min = 1h\n[mail] retry_max = 1h\n" },
	{ REQ "concurrency = 1\npoll_interval_ms = 50\nmax_explanations_per_day = 0\n",
	  "[mail] concurrency = 1\n[mail] poll_interval_ms = 50\n"
	  "[mail] max_explanations_per_day = 0\n" },
	{ REQ "concurrency = 64\npoll_interval_ms = 60000\n",
	  "[mail] concurrency = 64\n[mail] poll_interval_ms = 60000\n" },
	{ REQ "auth_user = relay\nauth_password_file = /etc/gatewayd/smtp-pass\n",
	  "[mail] auth_user = relay\n[mail] auth_password_file = /etc/gatewayd/smtp-pass\n" },
	{ REQ "helo_name =\nauth_user =\n", "[mail] helo_name =\n[mail] auth_user =\n" },
	{ REQ "[web]\nlisten = 127.0.0.1:8080\nbase_url = https://chat.firm.example/\n"
	      "max_post = 512k\nsession_ttl = 12h\nthreads = 16\n",
	  "[web] listen = 127.0.0.1:8080\n[web] base_url = https://chat.firm.example\n"
	  "[web] max_post = 512k\n[web] session_ttl = 12h\n[web] threads = 16\n" },
	/* max_body, the former name of max_post, still sets it. */
	{ REQ "[web]\nmax_body = 2M\nmax_upload = 1M\n",
	  "[web] max_post = 2M\n[web] max_upload = 1M\n" },
	{ REQ "[web]\nlisten = [::1]:0\nbase_url = http://h.example:8080/chat//\n",
	  "[web] listen = [::1]:0\n[web] base_url = http://h.example:8080/chat\n" },
	{ REQ "[api]\nlisten = unix:/run/gatewayd/api.sock\n[lmtp]\nlisten = 127.0.0.1:24\n"
	      "[policy]\nlisten = localhost:10040\n",
	  "[api] listen = unix:/run/gatewayd/api.sock\n[lmtp] listen = 127.0.0.1:24\n"
	  "[policy] listen = localhost:10040\n" },
	{ REQ "[web]\nlisten =\n", "[web] listen =\n" },
	/* The hand-over socket follows the database unless named; none when off. */
	{ REQ "[store]\npath = /srv/gw/gatewayd.db\n",
	  "[pipe] handover = yes\n[pipe] socket = /srv/gw/gatewayd.db.sock\n" },
	{ REQ "[pipe]\nsocket = /run/gatewayd/pipe.sock\ntimeout = 5m\n",
	  "[pipe] socket = /run/gatewayd/pipe.sock\n[pipe] timeout = 5m\n" },
	{ REQ "[pipe]\nhandover = no\n", "[pipe] handover = no\n[pipe] socket =\n" },
	{ REQ "[inbound]\nmax_size = 1G\nmax_header_bytes = 64k\nmax_mime_depth = 1\n"
	      "max_parts = 100000\n",
	  "[inbound] max_size = 1G\n[inbound] max_header_bytes = 64k\n"
	  "[inbound] max_mime_depth = 1\n[inbound] max_parts = 100000\n" },
	{ REQ "[reminders]\ndefault_days = 365\ndefault_count = 50\n",
	  "[reminders] default_days = 365\n[reminders] default_count = 50\n" },
	{ REQ "[log]\nlevel = debug\nsyslog = yes\n", "[log] level = debug\n[log] syslog = yes\n" },
	{ REQ "[log]\nsyslog = On\n", "[log] syslog = yes\n" },
	{ REQ "[retention]\narchived_threads = 7y\nattachments = 7y\noutbox = 90d\n"
	      "inbound_log = 12w\nsessions = 30d\ninterval = 10m\nbatch = 100\n",
	  "[retention] archived_threads = 7y\n[retention] attachments = 7y\n"
	  "[retention] outbox = 90d\n[retention] inbound_log = 84d\n"
	  "[retention] sessions = 30d\n[retention] interval = 10m\n[retention] batch = 100\n" },
	{ REQ "[retention]\noutbox = off\ninbound_log = OFF\narchived_threads = 36h\n",
	  "[retention] outbox = off\n[retention] inbound_log = off\n"
	  "[retention] archived_threads = 36h\n" },
	/* sessions live no longer than they may be kept */
	{ REQ "[retention]\nsessions = 7d\n", "[web] session_ttl = 7d\n" },
	{ REQ "[retention]\nsessions = off\n[web]\nsession_ttl = 90d\n",
	  "[web] session_ttl = 90d\n" },
	{ REQ "[links]\nkey_file = /etc/gw/keys\nview_ttl = 7d\nreply_ttl = 60\n",
	  "[links] key_file = /etc/gw/keys\n[links] view_ttl = 7d\n[links] reply_ttl = 1m\n" },
	/* Indentation, CRLF, comments, blank lines, sections repeated. */
	{ "# comment\n; also\n\n[mail]\r\n  from = a@firm.example\r\n\treply_domain = r.example\r\n"
	  "[store]\n    path = /x.db\n[mail]\nconcurrency = 2\n",
	  "[mail] from = a@firm.example\n[mail] reply_domain = r.example\n"
	  "[store] path = /x.db\n[mail] concurrency = 2\n" },
	/* [mail] from as mail tools write it: the name becomes from_name... */
	{ "[mail]\nfrom = Example & Partners <chat@firm.example>\nreply_domain = r.example\n",
	  "[mail] from = chat@firm.example\n[mail] from_name = Example & Partners\n" },
	{ "[mail]\nfrom = \"Example, \\\"Partners\\\"\" <chat@firm.example>\nreply_domain = r.example\n",
	  "[mail] from = chat@firm.example\n[mail] from_name = Example, \"Partners\"\n" },
	{ "[mail]\nfrom = <chat@firm.example>\nreply_domain = r.example\n",
	  "[mail] from = chat@firm.example\n[mail] from_name = \"\"\n" },
	/* ...unless from_name is set too: from_name wins, wherever it stands. */
	{ "[mail]\nfrom_name = Other Name\nfrom = Example <chat@firm.example>\n"
	  "reply_domain = r.example\n",
	  "[mail] from = chat@firm.example\n[mail] from_name = Other Name\n" },
	{ "[mail]\nfrom = Example <chat@firm.example>\nfrom_name =\nreply_domain = r.example\n",
	  "[mail] from = chat@firm.example\n[mail] from_name = \"\"\n" },
	/* Attachments default to the database's directory. */
	{ REQ "[store]\npath = /srv/gw/chat.db\n",
	  "[store] path = /srv/gw/chat.db\n[store] attachments_dir = /srv/gw/attachments\n" },
	{ REQ "[store]\npath = /chat.db\n", "[store] attachments_dir = /attachments\n" },
	{ REQ "[store]\npath = db/chat.db\n",
	  "[store] path = /cfgtest/db/chat.db\n[store] attachments_dir = /cfgtest/db/attachments\n" },
	/* Relative paths against the directory of NAME. */
	{ REQ "[store]\npath = gatewayd.db\nattachments_dir = ./att\n[links]\nkey_file = keys/k\n"
	      "[mail]\ntransport = maildir:Maildir\nauth_password_file = pw\n"
	      "[api]\nlisten = unix:api.sock\n",
	  "[store] path = /cfgtest/gatewayd.db\n[store] attachments_dir = /cfgtest/att\n"
	  "[links] key_file = /cfgtest/keys/k\n[mail] transport = maildir:/cfgtest/Maildir\n"
	  "[mail] auth_password_file = /cfgtest/pw\n[api] listen = unix:/cfgtest/api.sock\n" },
};

static void test_config_valid_table(void **state)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(valid_cases); i++) {
		struct gw_config *cfg = NULL;
		char *err = NULL, *text, *want, *line, *save = NULL;

		if (cfg_load_string(NAME, valid_cases[i].text, &cfg, &err) != 0)
			fail_msg("case %zu: refused: %s", i, err);
		text = dump(cfg);
		want = xstrdup(valid_cases[i].lines);
		for (line = strtok_r(want, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save)) {
			char *l = xasprintf("\n%s\n", line);
			char *t = xasprintf("\n%s", text);

			if (strstr(t, l) == NULL)
				fail_msg("case %zu: no line \"%s\" in dump:\n%s", i, line, text);
			free(l);
			free(t);
		}
		free(want);
		free(text);
		cfg_free(&cfg);
	}
}

static const struct {
	const char *text;
	const char *error;
} invalid_cases[] = {
	{ "", NAME ":0: [mail] from: missing required value" },
	{ "[mail]\nfrom = a@firm.example\n",
	  NAME ":0: [mail] reply_domain: missing required value" },
	{ "[mail]\nreply_domain = r.example\n", NAME ":0: [mail] from: missing required value" },
	{ "from = a@b\n", NAME ":1: from: key outside any [section]" },
	{ REQ "[mial]\nfrom = x\n", NAME ":5: [mial] from: unknown section [mial]" },
	{ REQ "fromm = a@b\n", NAME ":4: [mail] fromm: unknown key" },
	{ REQ "from = b@firm.example\n",
	  NAME ":4: [mail] from: duplicate key (first set on line 2)" },
	{ REQ "[store]\npath = /a\n[store]\npath = /b\n",
	  NAME ":7: [store] path: duplicate key (first set on line 5)" },
	{ REQ "retry_min = abc\n", NAME ":4: [mail] retry_min: \"abc\" is not a duration" },
	{ REQ "retry_min = 5x\n", NAME ":4: [mail] retry_min: \"5x\" is not a duration" },
	{ REQ "retry_min = 5 m\n", NAME ":4: [mail] retry_min: \"5 m\" is not a duration" },
	{ REQ "retry_min = -5\n", NAME ":4: [mail] retry_min: \"-5\" is not a duration" },
	{ REQ "timeout = 2h\n", NAME ":4: [mail] timeout: \"2h\" is out of range (1s..1h)" },
	{ REQ "concurrency = 0\n", NAME ":4: [mail] concurrency: \"0\" is out of range (1..64)" },
	{ REQ "concurrency = 65\n", NAME ":4: [mail] concurrency: \"65\" is out of range (1..64)" },
	{ REQ "concurrency = four\n", NAME ":4: [mail] concurrency: \"four\" is not an integer" },
	{ REQ "[pipe]\ntimeout = 301\n",
	  NAME ":5: [pipe] timeout: \"301\" is out of range (1s..5m)" },
	{ REQ "[web]\nthreads = 0\n", NAME ":5: [web] threads: \"0\" is out of range (1..16)" },
	{ REQ "concurrency = 99999999999999999999\n",
	  NAME ":4: [mail] concurrency: \"99999999999999999999\" is not an integer" },
	{ REQ "poll_interval_ms = 49\n",
	  NAME ":4: [mail] poll_interval_ms: \"49\" is out of range (50..60000)" },
	{ REQ "retry_min = 2h\nretry_max = 1h\n",
	  NAME ":5: [mail] retry_max: \"1h\" is less than retry_min (2h)" },
	{ REQ "retry_min = 2h\n", NAME ":4: [mail] retry_min: \"2h\" is more than retry_max (1h)" },
	{ REQ "starttls = maybe\n",
	  NAME ":4: [mail] starttls: \"maybe\" is not one of no, try, require" },
	{ REQ "transport = smtp:/mx\n",
	  NAME ":4: [mail] transport: \"smtp:/mx\" is not smtp://HOST[:PORT], sendmail:/PATH "
	       "or maildir:PATH" },
	{ REQ "transport = smtp://\n",
	  NAME ":4: [mail] transport: \"smtp://\" is not smtp://HOST[:PORT], sendmail:/PATH "
	       "or maildir:PATH" },
	{ REQ "transport = smtp://mx:0\n",
	  NAME ":4: [mail] transport: \"smtp://mx:0\" is not smtp://HOST[:PORT], "
	       "sendmail:/PATH or maildir:PATH" },
	{ REQ "transport = smtp://mx:65536\n",
	  NAME ":4: [mail] transport: \"smtp://mx:65536\" is not smtp://HOST[:PORT], "
	       "sendmail:/PATH or maildir:PATH" },
	{ REQ "transport = lmtp://mx\n",
	  NAME ":4: [mail] transport: \"lmtp://mx\" is not smtp://HOST[:PORT], "
	       "sendmail:/PATH or maildir:PATH" },
	{ REQ "transport = sendmail:sendmail\n",
	  NAME ":4: [mail] transport: \"sendmail:sendmail\": sendmail needs an absolute path "
	       "(sendmail:/usr/sbin/sendmail)" },
	{ REQ "transport = maildir:\n",
	  NAME ":4: [mail] transport: \"maildir:\" is not smtp://HOST[:PORT], sendmail:/PATH "
	       "or maildir:PATH" },
	{ "[mail]\nfrom = chat.firm.example\n",
	  NAME ":2: [mail] from: \"chat.firm.example\" must contain exactly one @" },
	{ "[mail]\nfrom = a@b@c\n", NAME ":2: [mail] from: \"a@b@c\" must contain exactly one @" },
	{ "[mail]\nfrom = @firm.example\n",
	  NAME ":2: [mail] from: \"@firm.example\" is not a plain address (local@domain)" },
	{ "[mail]\nfrom = <a@firm.example\n",
	  NAME ":2: [mail] from: \"<a@firm.example\" is not NAME <local@domain>: nothing may "
	       "follow the address's closing \">\"" },
	{ "[mail]\nfrom = Example <a@firm.example> x\n",
	  NAME ":2: [mail] from: \"Example <a@firm.example> x\" is not NAME <local@domain>: "
	       "nothing may follow the address's closing \">\"" },
	{ "[mail]\nfrom = Example & Partners <chat at firm.example>\n",
	  NAME ":2: [mail] from: \"Example & Partners <chat at firm.example>\": "
	       "\"chat at firm.example\" must contain exactly one @" },
	{ "[mail]\nfrom = Example <a b@firm.example>\n",
	  NAME ":2: [mail] from: \"Example <a b@firm.example>\": \"a b@firm.example\" is not "
	       "a plain address (local@domain)" },
	{ "[mail]\nfrom = Ex\"am\"ple <a@firm.example>\n",
	  NAME ":2: [mail] from: \"Ex\"am\"ple <a@firm.example>\": quote the whole name "
	       "(\"NAME\" <local@domain>) or none of it" },
	{ "[mail]\nfrom = \"Example <a@firm.example>\n",
	  NAME ":2: [mail] from: \"\"Example <a@firm.example>\" has an unclosed quote" },
	{ "[mail]\nfrom = a b@firm.example\n",
	  NAME ":2: [mail] from: \"a b@firm.example\" is not a plain address (local@domain)" },
	{ "[mail]\nfrom = a@firm..example\n",
	  NAME ":2: [mail] from: \"a@firm..example\" is not a plain address (local@domain)" },
	{ "[mail]\nfrom = a@b\nreply_domain = reply@firm.example\n",
	  NAME ":3: [mail] reply_domain: \"reply@firm.example\" is not a plain domain name" },
	{ "[mail]\nfrom = a@b\nreply_domain = -x.example\n",
	  NAME ":3: [mail] reply_domain: \"-x.example\" is not a plain domain name" },
	{ "[mail]\nfrom = a@b\nreply_domain = x.example.\n",
	  NAME ":3: [mail] reply_domain: \"x.example.\" is not a plain domain name" },
	{ "[mail]\nfrom = a@b\nreply_domain = http://x.example\n",
	  NAME ":3: [mail] reply_domain: \"http://x.example\" is not a plain domain name" },
	{ REQ "helo_name = bad name\n",
	  NAME ":4: [mail] helo_name: \"bad name\" is not a plain domain name" },
	{ REQ "[web]\nlisten = 127.0.0.1\n",
	  NAME ":5: [web] listen: \"127.0.0.1\" is not HOST:PORT, [IPV6]:PORT or unix:/PATH" },
	{ REQ "[web]\nlisten = 127.0.0.1:http\n",
	  NAME ":5: [web] listen: \"127.0.0.1:http\" is not HOST:PORT, [IPV6]:PORT or "
	       "unix:/PATH" },
	{ REQ "[web]\nlisten = ::1:80\n",
	  NAME ":5: [web] listen: \"::1:80\" is not HOST:PORT, [IPV6]:PORT or unix:/PATH" },
	{ REQ "[api]\nlisten = [::1]\n",
	  NAME ":5: [api] listen: \"[::1]\" is not HOST:PORT, [IPV6]:PORT or unix:/PATH" },
	{ REQ "[lmtp]\nlisten = unix:\n",
	  NAME ":5: [lmtp] listen: \"unix:\" is not unix:/PATH" },
	{ REQ "[policy]\nlisten = :10040\n",
	  NAME ":5: [policy] listen: \":10040\" is not HOST:PORT, [IPV6]:PORT or unix:/PATH" },
	{ REQ "[web]\nbase_url = chat.firm.example\n",
	  NAME ":5: [web] base_url: \"chat.firm.example\" is not an http:// or https:// URL" },
	{ REQ "[web]\nbase_url = https://\n",
	  NAME ":5: [web] base_url: \"https://\" is not an http:// or https:// URL" },
	{ REQ "[web]\nbase_url = ftp://x.example\n",
	  NAME ":5: [web] base_url: \"ftp://x.example\" is not an http:// or https:// URL" },
	{ REQ "[web]\nmax_body = 10MB\n", NAME ":5: [web] max_body: \"10MB\" is not a size" },
	{ REQ "[web]\nmax_body = 2G\n",
	  NAME ":5: [web] max_body: \"2G\" is out of range (1k..1G)" },
	{ REQ "[store]\nbusy_timeout_ms = 600001\n",
	  NAME ":5: [store] busy_timeout_ms: \"600001\" is out of range (0..600000)" },
	{ REQ "[store]\nsynchronous = off\n",
	  NAME ":5: [store] synchronous: \"off\" is not one of normal, full" },
	{ REQ "[store]\npath =\n", NAME ":5: [store] path: empty path" },
	{ REQ "[store]\ngroup = no-such-group-here\n",
	  NAME ":5: [store] group: \"no-such-group-here\" is not a group of this system" },
	{ REQ "[reminders]\ndefault_days = 0\n",
	  NAME ":5: [reminders] default_days: \"0\" is out of range (1..365)" },
	{ REQ "[reminders]\ndefault_count = 51\n",
	  NAME ":5: [reminders] default_count: \"51\" is out of range (1..50)" },
	{ REQ "[reminders]\nhours = 9 to 5\n",
	  NAME ":5: [reminders] hours: \"9 to 5\" is not a range of times like 09:00-17:00" },
	{ REQ "[reminders]\ndays = weekdays\n",
	  NAME ":5: [reminders] days: \"weekdays\" is not a list of days like mon-fri or "
	  "mon,wed,fri (mon tue wed thu fri sat sun)" },
	{ REQ "[mail]\nbatch_window = soon\n",
	  NAME ":5: [mail] batch_window: \"soon\" is not a duration" },
	{ REQ "[retention]\narchived_threads = 7x\n",
	  NAME ":5: [retention] archived_threads: \"7x\" is not a retention period (a number "
	  "with a unit d, w or y, e.g. 90d or 7y; or off)" },
	{ REQ "[retention]\noutbox = 90\n",
	  NAME ":5: [retention] outbox: \"90\" is not a retention period (a number "
	  "with a unit d, w or y, e.g. 90d or 7y; or off)" },
	{ REQ "[retention]\nattachments = 1h\n",
	  NAME ":5: [retention] attachments: \"1h\" is out of range (1d..100y)" },
	{ REQ "[retention]\n\ninbound_log = forever\n",
	  NAME ":6: [retention] inbound_log: \"forever\" is not a retention period (a number "
	  "with a unit d, w or y, e.g. 90d or 7y; or off)" },
	{ REQ "[log]\nlevel = verbose\n",
	  NAME ":5: [log] level: \"verbose\" is not one of error, warn, info, debug" },
	{ REQ "[log]\nsyslog = maybe\n",
	  NAME ":5: [log] syslog: \"maybe\" is not a boolean (yes/no)" },
	{ REQ "[web\n", NAME ":4: syntax error: \"[web\" is not \"[section]\" or \"key = value\"" },
	{ REQ "just words\n",
	  NAME ":4: syntax error: \"just words\" is not \"[section]\" or \"key = value\"" },
	{ REQ "= 5\n", NAME ":4: [mail] empty key name" },
	{ REQ "[imap]\nurl = https://mail.firm.example\n",
	  NAME ":5: [imap] url: \"https://mail.firm.example\" is not imaps://HOST[:PORT] or "
	  "imap://HOST[:PORT]" },
	{ REQ "[imap]\nurl = imaps://mail.firm.example:99999\n",
	  NAME ":5: [imap] url: \"imaps://mail.firm.example:99999\" is not imaps://HOST[:PORT] or "
	  "imap://HOST[:PORT]" },
	{ REQ "[imap]\nurl = imaps://mail.firm.example\n",
	  NAME ":5: [imap] user: missing: url is set, so the mailbox's user must be too" },
	{ REQ "[imap]\nuser = replies\nurl = imaps://mail.firm.example\n",
	  NAME ":6: [imap] password_file: missing: url is set, so a file with the mailbox's "
	  "password must be too" },
	{ REQ "[imap]\ndone = archive\n",
	  NAME ":5: [imap] done: \"archive\" is not move:MAILBOX or delete" },
	{ REQ "[imap]\nrejected = delete\n",
	  NAME ":5: [imap] rejected: \"delete\" is not move:MAILBOX (rejected mail is kept)" },
	{ REQ "[imap]\nmailbox = Inbox/*\n",
	  NAME ":5: [imap] mailbox: \"Inbox/*\" is not a mailbox name (one line, no * or %)" },
	{ REQ "[imap]\nstarttls = maybe\n",
	  NAME ":5: [imap] starttls: \"maybe\" is not a boolean (yes/no)" },
	{ REQ "[imap]\npassword_file = /nonexistent/imap-password\n",
	  NAME ":5: [imap] password_file: \"/nonexistent/imap-password\": No such file or "
	  "directory" },
	/* The first error by line wins, whatever its kind. */
	{ "[mail]\nbogus\nfrom = x\n",
	  NAME ":2: syntax error: \"bogus\" is not \"[section]\" or \"key = value\"" },
	{ "[mail]\nconcurrency = 0\nbogus\n",
	  NAME ":2: [mail] concurrency: \"0\" is out of range (1..64)" },
};

static void test_config_invalid_table(void **state)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(invalid_cases); i++) {
		struct gw_config *cfg = (struct gw_config *)&cfg;
		char *err = NULL;

		if (cfg_load_string(NAME, invalid_cases[i].text, &cfg, &err) != -1)
			fail_msg("case %zu: accepted", i);
		if (cfg != NULL)
			fail_msg("case %zu: *cfg_r not NULL on error", i);
		if (err == NULL || strcmp(err, invalid_cases[i].error) != 0)
			fail_msg("case %zu: error\n  \"%s\"\nwant\n  \"%s\"", i,
				 err ? err : "(null)", invalid_cases[i].error);
		free(err);
	}
}

static void test_config_long_line_and_nul_refused(void **state)
{
	struct gw_config *cfg = NULL;
	char *err = NULL;
	struct buf b = BUF_INIT;
	static const char nul_text[] = "[mail]\nfrom = a@b\0x\n";

	buf_puts(&b, REQ "[store]\npath = /");
	for (int i = 0; i < 300; i++)
		buf_putc(&b, 'x');
	buf_puts(&b, "\n");
	assert_int_equal(cfg_load_string(NAME, buf_cstr(&b), &cfg, &err), -1);
	assert_string_equal(err, NAME ":5: line too long (at most 197 bytes)");
	free(err);
	buf_release(&b);

	/* A NUL is caught by cfg_load (the string variant stops at it). */
	char dir[] = "/tmp/gw-test-config-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/gw.conf", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fwrite(nul_text, 1, sizeof(nul_text) - 1, f);
	fclose(f);
	assert_int_equal(cfg_load(path, &cfg, &err), -1);
	char *want = xasprintf("%s:2: line contains a NUL byte", path);
	assert_string_equal(err, want);
	free(want);
	free(err);
	unlink(path);
	rmdir(dir);
	free(path);
}

static void test_config_load_file_resolves_relative_paths(void **state)
{
	char dir[] = "/tmp/gw-test-config-XXXXXX";
	char *path, *want, cwd[4096];
	struct gw_config *cfg = NULL;
	char *err = NULL;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/gatewayd.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(REQ "transport = maildir:Maildir\n[store]\npath = gatewayd.db\n"
		  "attachments_dir = /abs/att\n[links]\nkey_file = ./keys\n", f);
	fclose(f);

	assert_int_equal(cfg_load(path, &cfg, &err), 0);
	want = xasprintf("%s/gatewayd.db", dir);
	assert_string_equal(cfg->store.path, want);
	free(want);
	assert_string_equal(cfg->store.attachments_dir, "/abs/att");
	want = xasprintf("%s/keys", dir);
	assert_string_equal(cfg->links.key_file, want);
	free(want);
	want = xasprintf("maildir:%s/Maildir", dir);
	assert_string_equal(cfg->mail.transport, want);
	free(want);
	assert_string_equal(cfg->file, path);
	cfg_free(&cfg);

	/* A relative config path still yields absolute paths (the daemon may chdir). */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(cfg_load("gatewayd.conf", &cfg, &err), 0);
	assert_int_equal(chdir(cwd), 0);
	want = xasprintf("%s/gatewayd.db", dir);
	assert_string_equal(cfg->store.path, want);
	free(want);
	assert_string_equal(cfg->file, "gatewayd.conf");
	cfg_free(&cfg);

	/* Errors from a file name the file. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(REQ "\n[mail]\nretry_min = abc\n", f);
	fclose(f);
	assert_int_equal(cfg_load(path, &cfg, &err), -1);
	want = xasprintf("%s:6: [mail] retry_min: \"abc\" is not a duration", path);
	assert_string_equal(err, want);
	free(want);
	free(err);

	unlink(path);
	assert_int_equal(cfg_load(path, &cfg, &err), -1);
	want = xasprintf("%s:0: cannot open: No such file or directory", path);
	assert_string_equal(err, want);
	free(want);
	free(err);
	assert_null(cfg);
	rmdir(dir);
	free(path);
}

static void test_config_string_without_dir_keeps_relative_paths(void **state)
{
	struct gw_config *cfg = NULL;
	char *err = NULL;

	assert_int_equal(cfg_load_string("test.conf", REQ "[store]\npath = gw.db\n", &cfg,
					 &err),
			 0);
	assert_string_equal(cfg->store.path, "gw.db");
	cfg_free(&cfg);
}

/* [imap]: a complete section; the password file's mode; the URL forms. */
static void test_config_imap(void **state)
{
	char dir[] = "/tmp/gw-test-config-XXXXXX";
	struct gw_config *cfg = NULL;
	char *err = NULL, *pw, *text, *want, *host = NULL;
	int tls, port;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	pw = xasprintf("%s/imap-password", dir);
	f = fopen(pw, "w");
	assert_non_null(f);
	fputs("secret\n", f);
	fclose(f);
	assert_int_equal(chmod(pw, 0600), 0);
	text = xasprintf(REQ "[imap]\nurl = imap://mail.firm.example\nuser = replies@firm.example\n"
			 "password_file = %s\ndone = delete\nstarttls = no\n", pw);
	if (cfg_load_string(NAME, text, &cfg, &err) != 0)
		fail_msg("refused: %s", err);
	assert_string_equal(cfg->imap.url, "imap://mail.firm.example");
	assert_string_equal(cfg->imap.password_file, pw);
	assert_string_equal(cfg->imap.done, "delete");
	assert_int_equal(cfg->imap.starttls, 0);
	cfg_free(&cfg);

	/* Readable by others: refused, naming the key, the line and the mode. */
	assert_int_equal(chmod(pw, 0644), 0);
	assert_int_equal(cfg_load_string(NAME, text, &cfg, &err), -1);
	want = xasprintf(NAME ":7: [imap] password_file: \"%s\" is readable or writable by "
			 "others (mode 0644); chmod 600 or 640 it", pw);
	assert_string_equal(err, want);
	free(want);
	free(err);
	free(text);

	/* Moving to the mailbox read would read it again. */
	assert_int_equal(chmod(pw, 0640), 0);
	text = xasprintf(REQ "[imap]\nurl = imaps://mail.firm.example\nuser = u\n"
			 "password_file = %s\nmailbox = inbox\ndone = move:INBOX\n", pw);
	assert_int_equal(cfg_load_string(NAME, text, &cfg, &err), -1);
	assert_string_equal(err, NAME ":9: [imap] done: \"move:INBOX\" is the mailbox read "
			    "([imap] mailbox): what is moved there would be read again");
	free(err);
	free(text);

	assert_int_equal(cfg_parse_imap_url("imaps://mail.firm.example", &tls, &host, &port), 0);
	assert_int_equal(tls, 1);
	assert_int_equal(port, 993);
	assert_string_equal(host, "mail.firm.example");
	free(host);
	assert_int_equal(cfg_parse_imap_url("imap://127.0.0.1:1143/", &tls, &host, &port), 0);
	assert_int_equal(tls, 0);
	assert_int_equal(port, 1143);
	assert_string_equal(host, "127.0.0.1");
	free(host);
	assert_int_equal(cfg_parse_imap_url("imaps://[::1]:10993", &tls, &host, &port), 0);
	assert_int_equal(port, 10993);
	assert_string_equal(host, "::1");
	free(host);
	assert_int_equal(cfg_parse_imap_url("imap://", &tls, NULL, &port), -1);
	assert_int_equal(cfg_parse_imap_url("pop3://x.example", &tls, NULL, &port), -1);

	unlink(pw);
	rmdir(dir);
	free(pw);
}

static void test_config_parse_helpers(void **state)
{
	static const struct {
		const char *in;
		int ok;
		int64_t v;
	} durations[] = {
		{ "0", 1, 0 },       { "90", 1, 90 },   { "90s", 1, 90 },
		{ "5m", 1, 300 },    { "2h", 1, 7200 }, { "3d", 1, 259200 },
		{ "", 0, 0 },        { "s", 0, 0 },     { "5M", 0, 0 },
		{ "5 s", 0, 0 },     { " 5s", 0, 0 },   { "5ss", 0, 0 },
		{ "-1", 0, 0 },      { "1.5h", 0, 0 },  { "106751991167301d", 0, 0 },
	}, sizes[] = {
		{ "0", 1, 0 },        { "100", 1, 100 },          { "1k", 1, 1024 },
		{ "1K", 1, 1024 },    { "10M", 1, 10485760 },     { "2G", 1, 2147483648 },
		{ "1m", 1, 1048576 }, { "", 0, 0 },               { "1kb", 0, 0 },
		{ "1T", 0, 0 },       { "9999999999999G", 0, 0 }, { "-1k", 0, 0 },
	};
	static const struct {
		const char *in;
		int ok, v;
	} bools[] = {
		{ "yes", 1, 1 }, { "true", 1, 1 }, { "on", 1, 1 },  { "1", 1, 1 },
		{ "YES", 1, 1 }, { "no", 1, 0 },   { "false", 1, 0 }, { "off", 1, 0 },
		{ "0", 1, 0 },   { "", 0, 0 },     { "y", 0, 0 },   { "2", 0, 0 },
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(durations); i++) {
		int64_t v = -7;
		int rc = cfg_parse_duration(durations[i].in, &v);

		if (durations[i].ok ? rc != 0 || v != durations[i].v : rc != -1)
			fail_msg("duration case %zu: \"%s\" rc %d v %lld", i, durations[i].in,
				 rc, (long long)v);
	}
	for (size_t i = 0; i < GW_ARRAY_SIZE(sizes); i++) {
		int64_t v = -7;
		int rc = cfg_parse_size(sizes[i].in, &v);

		if (sizes[i].ok ? rc != 0 || v != sizes[i].v : rc != -1)
			fail_msg("size case %zu: \"%s\" rc %d v %lld", i, sizes[i].in, rc,
				 (long long)v);
	}
	for (size_t i = 0; i < GW_ARRAY_SIZE(bools); i++) {
		int v = -7;
		int rc = cfg_parse_bool(bools[i].in, &v);

		if (bools[i].ok ? rc != 0 || v != bools[i].v : rc != -1)
			fail_msg("bool case %zu: \"%s\" rc %d v %d", i, bools[i].in, rc, v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_valid_table),
		cmocka_unit_test(test_config_invalid_table),
		cmocka_unit_test(test_config_long_line_and_nul_refused),
		cmocka_unit_test(test_config_load_file_resolves_relative_paths),
		cmocka_unit_test(test_config_string_without_dir_keeps_relative_paths),
		cmocka_unit_test(test_config_imap),
		cmocka_unit_test(test_config_parse_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
