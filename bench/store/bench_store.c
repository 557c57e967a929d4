/*
 * bench_store.c - drives the store's post-message transaction for
 * bench/store/run.sh, through the public store API only.
 *
 *   bench_store init DB ACCOUNTS CONTACTS
 *       Create DB (real schema, store_open) with a firm, one owner,
 *       ACCOUNTS accounts of CONTACTS contacts each, and one chat per
 *       account with reminders on (store_chat_create, bulk).
 *   bench_store body
 *       Print the message text every post uses (the SQL side of the
 *       benchmark inserts the same text).
 *   bench_store post DB COUNT
 *       COUNT store_message_post() calls by the owner, round-robin over
 *       the chats: each one transaction writing the message, an outbox
 *       row per contact, the reminder cycle and the read mark, committed
 *       with synchronous=FULL.  Prints "ms M tx_per_s R" (the calls
 *       alone; the benchmark times the whole process, as it does the
 *       sqlite3 shell).
 *
 * Exit 0, or 1 with a message on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

#define OWNER_EMAIL "max@firm.example"

/* About 600 bytes of CommonMark, no @mention (see the SQL side). */
static const char BODY[] =
	"Hello, thank you for the documents you sent last week. We have gone through the "
	"**bank statements** and the invoices, and a few items are still open before we can "
	"finish the year-end accounts:\n\n"
	"- the statement for the savings account for December\n"
	"- the invoice for the new delivery van (about 24,000 EUR)\n"
	"- a list of the stock on hand on 31 December\n\n"
	"Could you upload them here, or tick the task when they are on their way? If anything "
	"is unclear, reply in this chat and we will call you. Kind regards, the accounts team.";

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void check(enum gw_result r, const char *what, char *error)
{
	if (r == GW_OK)
		return;
	fprintf(stderr, "bench_store: %s: %s\n", what, error != NULL ? error : gw_result_name(r));
	free(error);
	exit(1);
}

static long arg_count(const char *s, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 1 || v > 10000000) {
		fprintf(stderr, "bench_store: %s \"%s\": not a count\n", what, s);
		exit(1);
	}
	return v;
}

static struct store *open_db(const char *path)
{
	struct cfg_store cs = { 0 };
	struct store *s = NULL;
	char *error = NULL;
	cs.path = (char *)path;
	cs.synchronous_full = 1;
	cs.busy_timeout_ms = 5000;
	if (store_open(&cs, &s, &error) < 0) {
		fprintf(stderr, "bench_store: %s\n", error != NULL ? error : path);
		exit(1);
	}
	store_set_mail_domain(s, "reply.example");
	return s;
}

static int cmd_init(const char *path, long n_accounts, long n_contacts)
{
	struct store *s = open_db(path);
	struct store_firm_in firm = { "Example & Co", 0, NULL };
	char *error = NULL;
	int64_t staff, *accounts = calloc((size_t)n_accounts, sizeof(*accounts));
	if (accounts == NULL)
		return 1;
	check(store_firm_set(s, &firm, &error), "firm", error);
	check(store_staff_add(s, "Max Member", OWNER_EMAIL, STORE_ROLE_OWNER, &staff, &error),
	      "staff", error);
	for (long a = 0; a < n_accounts; a++) {
		char name[64], cname[64], email[96];
		snprintf(name, sizeof(name), "Client %ld Ltd", a + 1);
		check(store_account_add(s, name, &accounts[a], &error), "account", error);
		for (long c = 0; c < n_contacts; c++) {
			int64_t id;
			snprintf(cname, sizeof(cname), "Contact %ld-%ld", a + 1, c + 1);
			snprintf(email, sizeof(email), "c%ld@client%ld.example", c + 1, a + 1);
			check(store_contact_add(s, accounts[a], cname, email, &id, &error),
			      "contact", error);
		}
	}
	struct store_chat_new chat = {
		.account_ids = accounts,
		.n_accounts = (size_t)n_accounts,
		.staff_id = staff,
		.subject = "Year-end accounts",
		.body = BODY,
		.reminders = 1,
	};
	check(store_chat_create(s, &chat, NULL, &error), "chats", error);
	free(accounts);
	store_close(&s);
	return 0;
}

static int cmd_post(const char *path, long count)
{
	struct store *s = open_db(path);
	struct store_staff owner = { 0 };
	struct store_thread_list threads = { 0 };
	struct store_thread_filter filter = { .order = STORE_ORDER_ID };
	char *error = NULL;
	check(store_staff_find_email(s, OWNER_EMAIL, &owner, &error), "owner", error);
	check(store_thread_list(s, &filter, &threads, &error), "threads", error);
	if (threads.count == 0) {
		fprintf(stderr, "bench_store: %s: no chats (run init first)\n", path);
		return 1;
	}
	double t0 = now_ms();
	for (long i = 0; i < count; i++) {
		int64_t msg;
		check(store_message_post(s, threads.items[(size_t)i % threads.count].id,
					 STORE_STAFF, owner.id, BODY, &msg, &error),
		      "post", error);
	}
	double ms = now_ms() - t0;
	store_thread_list_free(&threads);
	store_staff_clear(&owner);
	store_close(&s);
	printf("ms %.1f tx_per_s %.1f\n", ms, (double)count * 1e3 / ms);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "init") == 0)
		return cmd_init(argv[2], arg_count(argv[3], "ACCOUNTS"),
				arg_count(argv[4], "CONTACTS"));
	if (argc == 2 && strcmp(argv[1], "body") == 0) {
		fputs(BODY, stdout);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "post") == 0)
		return cmd_post(argv[2], arg_count(argv[3], "COUNT"));
	fprintf(stderr, "usage: bench_store init DB ACCOUNTS CONTACTS | body |"
			" post DB COUNT\n");
	return 64;
}
