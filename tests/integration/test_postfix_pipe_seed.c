/*
 * test_postfix_pipe_seed.c - the starting state of the Postfix integration
 * test: a key file and a database with a firm, an owner, one account with
 * the contact Jane Smith <jane@client.example> and two threads; then print
 * the addresses the test sends to, as shell assignments:
 *
 *   REPLY1=reply+...@reply.example     Jane's reply address, thread 1
 *   REPLY2=reply+...@reply.example     Jane's reply address, thread 2
 *   BOUNCE1=bounce+...@reply.example   Jane's VERP address, thread 1
 *
 * With THREADS, that many more threads and one line each after those:
 *   REPLYN=reply+...@reply.example     Jane's reply address, thread 2 + N
 * (for the inbound benchmark, whose every message must be answered: a
 * thread answers only a few senders the token was not sent to a day).
 *
 * usage: test_postfix_pipe_seed DB KEYFILE REPLY_DOMAIN [THREADS]
 * Both files must not exist.  Exit 0, or 1 with a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "links.h"
#include "store.h"

static void check(enum gw_result r, const char *what, char *err)
{
	if (r != GW_OK) {
		fprintf(stderr, "seed: %s: %s\n", what, err != NULL ? err : gw_result_name(r));
		exit(1);
	}
}

static void print_address(const char *name, const struct link_keys *keys,
			  enum link_purpose purpose, int64_t thread, int64_t contact,
			  const char *domain)
{
	struct link_claims c;
	char *a;

	memset(&c, 0, sizeof(c));
	c.purpose = purpose;
	c.thread_id = thread;
	c.kind = LINK_CONTACT;
	c.principal_id = contact;
	c.generation = 1;
	c.expires = clock_now() + 30 * CLOCK_DAY;
	a = link_address(keys, &c, domain);
	if (a == NULL) {
		fprintf(stderr, "seed: cannot make the %s address\n", name);
		exit(1);
	}
	printf("%s=%s\n", name, a);
	free(a);
}

int main(int argc, char **argv)
{
	struct cfg_store cs;
	struct store *store = NULL;
	struct link_keys *keys = NULL;
	struct store_firm_in firm = { "Example & Co", 0, NULL };
	struct store_chat_new chat;
	int64_t staff, account, jane, threads[2];
	char *err = NULL;
	long extra = argc == 5 ? strtol(argv[4], NULL, 10) : 0;

	if ((argc != 4 && argc != 5) || extra < 0 || extra > 100000) {
		fprintf(stderr, "usage: test_postfix_pipe_seed DB KEYFILE REPLY_DOMAIN [THREADS]\n");
		return 1;
	}
	if (link_keys_create(argv[2], &err) != 0 || link_keys_load(argv[2], &keys, &err) != 0) {
		fprintf(stderr, "seed: keys: %s\n", err);
		return 1;
	}
	memset(&cs, 0, sizeof(cs));
	cs.path = argv[1];
	cs.busy_timeout_ms = 5000;
	if (store_open(&cs, &store, &err) != 0) {
		fprintf(stderr, "seed: %s\n", err);
		return 1;
	}
	store_set_mail_domain(store, argv[3]);
	check(store_firm_set(store, &firm, &err), "firm", err);
	check(store_staff_add(store, "Olivia Owner", "olivia@firm.example", STORE_ROLE_OWNER,
			      &staff, &err), "staff", err);
	check(store_account_add(store, "Acme Ltd", &account, &err), "account", err);
	check(store_contact_add(store, account, "Jane Smith", "jane@client.example", &jane, &err),
	      "contact", err);
	for (int i = 0; i < 2; i++) {
		memset(&chat, 0, sizeof(chat));
		chat.account_ids = &account;
		chat.n_accounts = 1;
		chat.staff_id = staff;
		chat.subject = i == 0 ? "Documents for 2026" : "Your tax return";
		chat.body = "Please upload your bank statements.";
		check(store_chat_create(store, &chat, &threads[i], &err), "chat", err);
	}
	print_address("REPLY1", keys, LINK_REPLY, threads[0], jane, argv[3]);
	print_address("REPLY2", keys, LINK_REPLY, threads[1], jane, argv[3]);
	print_address("BOUNCE1", keys, LINK_BOUNCE, threads[0], jane, argv[3]);
	for (long i = 0; i < extra; i++) {
		int64_t id;

		memset(&chat, 0, sizeof(chat));
		chat.account_ids = &account;
		chat.n_accounts = 1;
		chat.staff_id = staff;
		chat.subject = "Documents";
		chat.body = "Please upload your bank statements.";
		check(store_chat_create(store, &chat, &id, &err), "chat", err);
		print_address("REPLYN", keys, LINK_REPLY, id, jane, argv[3]);
	}
	store_close(&store);
	link_keys_free(&keys);
	return 0;
}
