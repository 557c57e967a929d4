/*
 * bench_search.c - drives the staff's search (store/search.h) for
 * bench/search/run.sh.
 *
 *   bench_search init DB MESSAGES
 *       Create DB (real schema, store_open) with a firm, an owner, a
 *       member assigned to one account in ten, 500 accounts of two
 *       contacts each and MESSAGES messages in threads of 20
 *       (store_chat_create makes the threads; the remaining messages go
 *       in as rows in one transaction, so the search triggers index them
 *       exactly as they index a post; the emails of the new chats are
 *       marked sent).  The text: 8 to 60 words drawn
 *       from 20,000 made-up words with Zipf's law (a few words are in
 *       most messages, most words in few), so a query of a common word
 *       matches tens of thousands of messages.
 *   bench_search queries DB
 *       Print the query mix, one a line: "STAFF_ID<TAB>QUERY" (an empty
 *       query: the filters alone, the staff home).
 *   bench_search run DB ROUNDS
 *       Run the query mix ROUNDS times through store_search() (a page of
 *       50, as the API; the web view asks for 101) and print p50, p99
 *       and max in ms, over all and per query.
 *
 * Exit 0, or 1 with a message on stderr.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "search.h"
#include "store.h"

#define ACCOUNTS 500
#define PER_THREAD 20
#define VOCABULARY 20000

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of this thread: what the search costs, whatever else the
 * machine's cores are busy with. */
static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void check(enum gw_result r, const char *what, char *error)
{
	if (r == GW_OK)
		return;
	fprintf(stderr, "bench_search: %s: %s\n", what, error != NULL ? error : gw_result_name(r));
	exit(1);
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
		fprintf(stderr, "bench_search: %s\n", error != NULL ? error : path);
		exit(1);
	}
	return s;
}

/* Word number i (0 = the most common): syllables, so that the tokenizer
 * sees ordinary words. */
static void word(unsigned i, char out[32])
{
	static const char *const syl[] = { "ka", "ro", "mi", "tel", "san", "bo", "ver",
					   "lu", "den", "pa", "sto", "ri", "mon", "ge",
					   "fa", "nu", "tra", "el", "qui", "dor" };
	size_t n = 0;

	i += 1;
	do {
		const char *s = syl[i % 20];

		memcpy(out + n, s, strlen(s));
		n += strlen(s);
		i /= 20;
	} while (i > 0 && n < 24);
	out[n] = '\0';
}

/* Zipf's law over VOCABULARY words by inversion of the cumulative sum. */
static double *cdf;

static unsigned zipf(void)
{
	double u = (double)(next() % 1000000007ull) / 1000000007.0;
	unsigned lo = 0, hi = VOCABULARY - 1;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void text(char *out, size_t cap)
{
	size_t n = 0, words = 8 + next() % 53;
	char w[32];

	for (size_t i = 0; i < words && n + 34 < cap; i++) {
		word(zipf(), w);
		n += (size_t)snprintf(out + n, cap - n, "%s%s", i > 0 ? " " : "", w);
	}
	out[n] = '\0';
}

static void cmd_init(const char *path, long messages)
{
	struct store *s = open_db(path);
	struct store_firm_in firm = { "Bench & Partners", 0, NULL };
	int64_t owner, member, acc[ACCOUNTS];
	long threads = (messages + PER_THREAD - 1) / PER_THREAD;
	int64_t *tids = calloc((size_t)threads, sizeof(*tids));
	char *error = NULL, name[64], body[600], subject[120];
	double sum = 0, t0 = now_ms();
	sqlite3 *db;
	sqlite3_stmt *st;

	cdf = calloc(VOCABULARY, sizeof(*cdf));
	for (unsigned i = 0; i < VOCABULARY; i++)
		sum += 1.0 / (i + 1);
	for (unsigned i = 0; i < VOCABULARY; i++)
		cdf[i] = (i > 0 ? cdf[i - 1] : 0) + 1.0 / (i + 1) / sum;
	check(store_firm_set(s, &firm, &error), "firm", error);
	check(store_staff_add(s, "Olivia Owner", "olivia@firm.example", STORE_ROLE_OWNER, &owner,
			      &error), "owner", error);
	check(store_staff_add(s, "Max Member", "max@firm.example", STORE_ROLE_MEMBER, &member,
			      &error), "member", error);
	check(store_request_begin(s, 1, &error), "begin", error);
	for (int i = 0; i < ACCOUNTS; i++) {
		char w[32];

		word((unsigned)(VOCABULARY - 1 - i), w);
		snprintf(name, sizeof(name), "%c%s Holding %d", w[0] - 32, w + 1, i + 1);
		check(store_account_add(s, name, &acc[i], &error), "account", error);
		for (int k = 0; k < 2; k++) {
			char mail[80];

			word((unsigned)(VOCABULARY - 1000 - 2 * i - k), w);
			snprintf(name, sizeof(name), "%c%s Client", w[0] - 32, w + 1);
			snprintf(mail, sizeof(mail), "c%d.%d@client%d.example", i, k, i);
			check(store_contact_add(s, acc[i], name, mail, NULL, &error), "contact",
			      error);
		}
		if (i % 10 == 0)
			check(store_staff_assign(s, member, acc[i], 1, &error), "assign", error);
	}
	for (long t = 0; t < threads; t++) {
		int64_t a = acc[t % ACCOUNTS];
		struct store_chat_new c = { .account_ids = &a, .n_accounts = 1,
					    .staff_id = owner, .subject = subject, .body = body,
					    .reminders = t % 7 == 0 };

		text(subject, 60);
		text(body, sizeof(body));
		check(store_chat_create(s, &c, &tids[t], &error), "chat", error);
	}
	check(store_request_end(s, 1, &error), "commit", error);
	store_close(&s);

	/* The other messages as rows: the triggers index them. */
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode = WAL; BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO messages (thread_id, author_kind, author_id, body,"
				   " staff_only, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			       -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_search: %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	for (long m = threads; m < messages; m++) {
		long t = m % threads;
		int staff = next() % 2;

		text(body, sizeof(body));
		sqlite3_bind_int64(st, 1, tids[t]);
		sqlite3_bind_text(st, 2, staff ? "staff" : "contact", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, staff ? owner : 1 + (int64_t)(t % ACCOUNTS) * 2);
		sqlite3_bind_text(st, 4, body, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 5, staff && next() % 10 == 0);
		sqlite3_bind_int64(st, 6, 1795597200 + m);
		if (sqlite3_step(st) != SQLITE_DONE) {
			fprintf(stderr, "bench_search: %s\n", sqlite3_errmsg(db));
			exit(1);
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	/* The new chats' emails count as sent: a daemon serving this
	 * database must not spend the benchmark delivering them. */
	if (sqlite3_exec(db, "UPDATE threads SET last_message_at = (SELECT max(created_at)"
			     " FROM messages m WHERE m.thread_id = threads.id);"
			     " UPDATE outbox SET status = 'sent', sent_at = created_at"
			     " WHERE status = 'queued'; COMMIT;"
			     " PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_search: %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_close(db);
	printf("messages %ld threads %ld accounts %d ms %.0f\n", messages, threads, ACCOUNTS,
	       now_ms() - t0);
	free(tids);
	free(cdf);
}

struct query {
	int member;          /* as the member (else the owner) */
	char text[64];
	int unread;          /* the filter alone */
};

/* The mix: words common to rare, two words, a word start, an account
 * and a contact name, syntax characters, the home page without words. */
static size_t mix(struct query *q)
{
	memset(q, 0, 64 * sizeof(*q));
	static const unsigned ranks[] = { 0, 3, 30, 300, 3000, 15000 };
	size_t n = 0;
	char a[32], b[32];

	for (size_t i = 0; i < sizeof(ranks) / sizeof(ranks[0]); i++) {
		word(ranks[i], a);
		snprintf(q[n].text, sizeof(q[n].text), "%s", a);
		n++;
	}
	word(5, a);
	word(60, b);
	snprintf(q[n++].text, sizeof(q[0].text), "%s %s", a, b);
	word(100, a);
	snprintf(q[n++].text, sizeof(q[0].text), "%.3s", a);
	word(VOCABULARY - 1 - 77, a);
	snprintf(q[n++].text, sizeof(q[0].text), "%s holding", a);
	word(VOCABULARY - 1000 - 2 * 77, a);
	snprintf(q[n++].text, sizeof(q[0].text), "%s client", a);
	word(40, a);
	snprintf(q[n++].text, sizeof(q[0].text), "\"%s\" NEAR (x*) -y:", a);
	n++;          /* the home page */
	q[n++].unread = 1;
	for (size_t i = 0, m = n; i < m; i++) {
		q[n] = q[i];
		q[n++].member = 1;
	}
	return n;
}

static void cmd_queries(void)
{
	struct query q[64];
	size_t n = mix(q);

	for (size_t i = 0; i < n; i++)
		if (!q[i].unread)
			printf("%d\t%s\n", q[i].member, q[i].text);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
	size_t i = (size_t)ceil(p * (double)n) - 1;

	return v[i < n ? i : n - 1];
}

static void cmd_run(const char *path, long rounds)
{
	struct store *s = open_db(path);
	struct query q[64];
	size_t n = mix(q);
	double *all = calloc((size_t)rounds * n, sizeof(double));
	double *one = calloc((size_t)rounds, sizeof(double));
	double *cpu_all = calloc((size_t)rounds * n, sizeof(double));
	double *cpu_one = calloc((size_t)rounds, sizeof(double));
	size_t k = 0;
	struct store_staff owner = { 0 }, member = { 0 };
	char *error = NULL;

	check(store_staff_find_email(s, "olivia@firm.example", &owner, &error), "owner", error);
	check(store_staff_find_email(s, "max@firm.example", &member, &error), "member", error);
	/* Warm the page cache as a running daemon's would be. */
	for (size_t i = 0; i < n; i++) {
		struct store_search_filter f = { .staff_id = owner.id, .query = q[i].text,
						 .archived = STORE_ARCHIVED_ANY };
		struct store_search_list l;

		check(store_search(s, &f, &l, &error), "search", error);
		store_search_list_free(&l);
	}
	printf("%-28s %6s %7s %8s %8s %8s %8s\n", "query", "staff", "results", "p50_ms",
	       "p99_ms", "cpu_p50", "cpu_p99");
	for (size_t i = 0; i < n; i++) {
		size_t found = 0;

		for (long r = 0; r < rounds; r++) {
			struct store_search_filter f = {
				.staff_id = q[i].member ? member.id : owner.id,
				.query = q[i].text, .unread = q[i].unread, .limit = 50,
				.archived = q[i].text[0] != '\0' ? STORE_ARCHIVED_ANY
								 : STORE_ARCHIVED_NO,
			};
			struct store_search_list l;
			double t0 = now_ms(), c0 = cpu_ms();

			check(store_search(s, &f, &l, &error), "search", error);
			cpu_one[r] = cpu_all[k] = cpu_ms() - c0;
			one[r] = all[k++] = now_ms() - t0;
			found = l.count;
			store_search_list_free(&l);
		}
		qsort(one, (size_t)rounds, sizeof(double), cmp);
		qsort(cpu_one, (size_t)rounds, sizeof(double), cmp);
		printf("%-28s %6s %7zu %8.2f %8.2f %8.2f %8.2f\n",
		       q[i].unread ? "(unread filter)" : q[i].text[0] ? q[i].text : "(home page)",
		       q[i].member ? "member" : "owner", found, pct(one, (size_t)rounds, .5),
		       pct(one, (size_t)rounds, .99), pct(cpu_one, (size_t)rounds, .5),
		       pct(cpu_one, (size_t)rounds, .99));
	}
	qsort(all, k, sizeof(double), cmp);
	qsort(cpu_all, k, sizeof(double), cmp);
	printf("ALL %zu searches: p50 %.2f ms p99 %.2f ms max %.2f ms (wall);"
	       " p50 %.2f ms p99 %.2f ms (cpu)\n", k, pct(all, k, .5), pct(all, k, .99),
	       all[k - 1], pct(cpu_all, k, .5), pct(cpu_all, k, .99));
	store_staff_clear(&owner);
	store_staff_clear(&member);
	store_close(&s);
	free(all);
	free(one);
	free(cpu_all);
	free(cpu_one);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "init") == 0) {
		cmd_init(argv[2], strtol(argv[3], NULL, 10));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "queries") == 0) {
		cmd_queries();
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "run") == 0) {
		cmd_run(argv[2], strtol(argv[3], NULL, 10));
		return 0;
	}
	fprintf(stderr, "usage: bench_search init DB MESSAGES | queries DB | run DB ROUNDS\n");
	return 1;
}
