/*
 * relay_fixture.c - the fixture of test_relay (see relay_fixture.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "relay.h"

#include "relay_fixture.h"

struct gw_config *load_config(struct fx *f, const char *transport, const char *base_url)
{
	struct gw_config *cfg = NULL;
	char *error = NULL;
	char *text = xasprintf("[store]\npath = %s/gw.db\nattachments_dir = %s/att\n"
			       "synchronous = normal\n"
			       "[mail]\ntransport = %s\nfrom = chat@firm.example\n"
			       "from_name = Example & Co\nreply_domain = reply.example\nbatch_window = 0\n"
			       "retry_min = 60s\nretry_max = 1h\nmax_lifetime = 1d\n"
			       "[links]\nkey_file = %s/keys\nview_ttl = 30d\nreply_ttl = 180d\n"
			       "[web]\nbase_url = %s\n",
			       f->dir, f->dir, transport, f->dir, base_url);

	if (cfg_load_string("test.conf", text, &cfg, &error) < 0)
		fail_msg("config: %s", error);
	free(text);
	return cfg;
}

int fx_setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	struct store_firm_in firm = { "Example & Co", 0, NULL };
	char *error = NULL, *path, *spec;

	clock_set(T0);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_relay.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	path = xasprintf("%s/keys", f->dir);
	if (link_keys_create(path, &error) < 0 || link_keys_load(path, &f->keys, &error) < 0)
		fail_msg("keys: %s", error);
	free(path);
	f->maildir = xasprintf("%s/Maildir", f->dir);
	spec = xasprintf("maildir:%s", f->maildir);
	f->cfg = load_config(f, spec, BASE_URL "/");
	free(spec);
	if (store_open(&f->cfg->store, &f->store, &error) < 0)
		fail_msg("store: %s", error);
	store_set_mail_domain(f->store, "reply.example");
	assert_int_equal(store_firm_set(f->store, &firm, &error), GW_OK);
	assert_int_equal(store_staff_add(f->store, "Alice Adviser", "alice@firm.example",
					 STORE_ROLE_OWNER, &f->staff, &error), GW_OK);
	assert_int_equal(store_account_add(f->store, "Client Ltd", &f->account, &error), GW_OK);
	assert_int_equal(store_contact_add(f->store, f->account, "Bob Client",
					   "bob@client.example", &f->contact[0], &error), GW_OK);
	assert_int_equal(store_contact_add(f->store, f->account, "Carol Client",
					   "carol@client.example", &f->contact[1], &error), GW_OK);
	*state = f;
	return 0;
}

int fx_teardown(void **state)
{
	struct fx *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	store_close(&f->store);
	link_keys_free(&f->keys);
	cfg_free(&f->cfg);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
	free(cmd);
	free(f->maildir);
	free(f);
	clock_set(0);
	return 0;
}

/* A staff chat to the account: one new_message row per contact. */
void fx_chat(struct fx *f, int reminders)
{
	struct store_chat_new chat;
	const char *tasks[] = { "Upload the bank statements", "Sign the engagement letter" };
	char *error = NULL;

	memset(&chat, 0, sizeof(chat));
	chat.account_ids = &f->account;
	chat.n_accounts = 1;
	chat.staff_id = f->staff;
	chat.subject = "Annual accounts 2026";
	chat.body = "Please upload the statements.";
	chat.tasks = tasks;
	chat.n_tasks = 2;
	chat.reminders = reminders;
	chat.reminder_days = 3;
	chat.reminder_count = 1;
	if (store_chat_create(f->store, &chat, &f->thread, &error) != GW_OK)
		fail_msg("chat: %s", error);
}

void outbox_of(struct fx *f, enum store_out_status status,
		      struct store_outbox_list *list)
{
	char *error = NULL;

	if (store_outbox_list(f->store, status, 0, 0, list, &error) != GW_OK)
		fail_msg("outbox list: %s", error);
}

GMimeMessage *parse_file(const char *path)
{
	GMimeStream *stream = g_mime_stream_file_open(path, "r", NULL);
	GMimeParser *parser;
	GMimeMessage *msg;

	assert_non_null(stream);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	assert_non_null(msg);
	return msg;
}

/* Files in DIR/new, sorted; returns the count. */
size_t maildir_files(const char *maildir, char ***paths_r)
{
	char *dir = xasprintf("%s/new", maildir);
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);
	size_t count = 0;

	*paths_r = xcalloc((size_t)(n > 0 ? n : 0) + 1, sizeof(char *));
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.')
			(*paths_r)[count++] = xasprintf("%s/%s", dir, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	free(dir);
	return count;
}

void free_paths(char **paths)
{
	for (size_t i = 0; paths[i] != NULL; i++)
		free(paths[i]);
	free(paths);
}

struct transport *open_transport(const struct gw_config *cfg)
{
	struct transport *t = NULL;
	char *error = NULL;

	if (relay_transport_open(&cfg->mail, &t, &error) < 0)
		fail_msg("transport: %s", error);
	return t;
}
