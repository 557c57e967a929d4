/*
 * relay_tool.c - test helper for the daemon's integration tests and the
 * outbound benchmark: seed a database through the store API, read the
 * outbox, and check delivered mail against it.
 *
 *   relay_tool keys KEYFILE
 *   relay_tool seed DB ACCOUNTS CONTACTS      one bulk chat: ACCOUNTS x CONTACTS
 *                                             new_message rows
 *   relay_tool resend DB                      resend every open thread (as its
 *                                             first staff member): new rows
 *   relay_tool counts DB                      "queued=Q sending=S sent=T failed=F"
 *   relay_tool rows DB [STATUS]               one row per line
 *   relay_tool verify DB KEYFILE BASE_URL REPLY_DOMAIN DIR...
 *
 * verify parses every file in the DIRs (smtp-sink -d dumps or Maildir
 * new/ directories) with gmime and matches it to a sent outbox row by
 * Message-ID.  Each mail must carry a View link that link_verify accepts
 * for that row's thread and recipient, a Reply-To and an envelope sender
 * whose tokens link_addr_verify accepts, and our headers.  It prints
 *   files=N complete=C sent_rows=S lost=L duplicated=D unknown=U bad=B
 * (lost: sent rows with no mail; duplicated: extra copies of a Message-ID;
 * unknown: mail of no sent row; bad: a mail failing a check) and exits 1
 * when lost, unknown or bad is not zero.  Files without a Message-ID are
 * transactions the sink saw cut off (a 421 or a disconnect) and are only
 * counted.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "links.h"
#include "store.h"

static void die(const char *what, const char *error)
{
	fprintf(stderr, "relay_tool: %s: %s\n", what, error != NULL ? error : "failed");
	exit(2);
}

static struct store *open_db(const char *path)
{
	struct cfg_store settings;
	struct store *store = NULL;
	char *error = NULL;

	memset(&settings, 0, sizeof(settings));
	settings.path = (char *)path;
	settings.busy_timeout_ms = 10000;
	settings.synchronous_full = 0;
	if (store_open(&settings, &store, &error) < 0)
		die(path, error);
	store_set_mail_domain(store, "reply.example");
	return store;
}

static void check(enum gw_result r, const char *what, char *error)
{
	if (r != GW_OK)
		die(what, error);
}

static int cmd_seed(const char *db, int n_accounts, int n_contacts)
{
	struct store *store = open_db(db);
	struct store_firm_in firm = { "Example & Co", 0, NULL };
	struct store_chat_new chat;
	int64_t staff_id, *accounts, *threads;
	char *error = NULL;

	check(store_firm_set(store, &firm, &error), "firm", error);
	check(store_staff_add(store, "Alice Adviser", "alice@firm.example", STORE_ROLE_OWNER,
			      &staff_id, &error), "staff", error);
	accounts = xcalloc((size_t)n_accounts, sizeof(*accounts));
	threads = xcalloc((size_t)n_accounts, sizeof(*threads));
	for (int a = 0; a < n_accounts; a++) {
		char name[64];

		snprintf(name, sizeof(name), "Client %d Ltd", a + 1);
		check(store_account_add(store, name, &accounts[a], &error), "account", error);
		for (int c = 0; c < n_contacts; c++) {
			char cname[64], email[96];
			int64_t id;

			snprintf(cname, sizeof(cname), "Contact %d-%d", a + 1, c + 1);
			snprintf(email, sizeof(email), "c%d.%d@client%d.example", a + 1, c + 1,
				 a + 1);
			check(store_contact_add(store, accounts[a], cname, email, &id, &error),
			      "contact", error);
		}
	}
	memset(&chat, 0, sizeof(chat));
	chat.account_ids = accounts;
	chat.n_accounts = (size_t)n_accounts;
	chat.staff_id = staff_id;
	chat.subject = "Your annual accounts: documents we need";
	chat.body = "Hello [CONTACT_FIRST_NAME],\n\nplease upload last year's bank "
		    "statements and answer the two questions below.\n\nThank you!";
	chat.show_content = 1;
	check(store_chat_create(store, &chat, threads, &error), "chat", error);
	printf("seeded %d accounts x %d contacts\n", n_accounts, n_contacts);
	free(accounts);
	free(threads);
	store_close(&store);
	return 0;
}

static int cmd_resend(const char *db)
{
	struct store *store = open_db(db);
	struct store_thread_filter filter;
	struct store_thread_list threads = { NULL, 0 };
	struct store_staff_list staff = { NULL, 0 };
	char *error = NULL;
	int total = 0;

	memset(&filter, 0, sizeof(filter));
	check(store_staff_list(store, &staff, &error), "staff", error);
	if (staff.count == 0)
		die(db, "no staff");
	check(store_thread_list(store, &filter, &threads, &error), "threads", error);
	for (size_t i = 0; i < threads.count; i++) {
		int n = 0;

		check(store_thread_resend(store, threads.items[i].id, staff.items[0].id, &n,
					  &error), "resend", error);
		total += n;
	}
	printf("queued %d\n", total);
	store_thread_list_free(&threads);
	store_staff_list_free(&staff);
	store_close(&store);
	return 0;
}

static int cmd_counts(const char *db)
{
	struct store *store = open_db(db);
	struct store_outbox_counts c;
	char *error = NULL;

	check(store_outbox_counts(store, &c, &error), "counts", error);
	printf("queued=%" PRId64 " sending=%" PRId64 " sent=%" PRId64 " failed=%" PRId64 "\n",
	       c.queued, c.sending, c.sent, c.failed);
	store_close(&store);
	return 0;
}

static int cmd_rows(const char *db, const char *status_name)
{
	struct store *store = open_db(db);
	struct store_outbox_list list = { NULL, 0 };
	enum store_out_status status = 0;
	char *error = NULL;

	if (status_name != NULL && store_out_status_parse(status_name, &status) < 0)
		die(status_name, "unknown status");
	check(store_outbox_list(store, status, 0, 0, &list, &error), "rows", error);
	for (size_t i = 0; i < list.count; i++) {
		const struct store_outbox *o = &list.items[i];

		printf("%" PRId64 " %s attempts=%d to=%s mail_id=%s last_error=%s\n", o->id,
		       store_out_status_name(o->status), o->attempts, o->recipient_address,
		       o->mail_id, o->last_error != NULL ? o->last_error : "-");
	}
	store_outbox_list_free(&list);
	store_close(&store);
	return 0;
}

/* ---- verify --------------------------------------------------------------- */

struct seen {
	const struct store_outbox *row;
	int count;
};

struct verify {
	struct store *store;
	struct link_keys *keys;
	const char *base_url;
	const char *domain;
	struct store_outbox_list sent;
	struct seen *seen;   /* parallel to sent.items, sorted by mail_id */
	int files, complete, unknown, bad;
};

static int cmp_row(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	return strcmp(x->row->mail_id, y->row->mail_id);
}

static struct seen *find_row(struct verify *v, const char *mail_id)
{
	struct store_outbox key_row;
	struct seen key;

	memset(&key_row, 0, sizeof(key_row));
	key_row.mail_id = (char *)mail_id;
	key.row = &key_row;
	return bsearch(&key, v->seen, v->sent.count, sizeof(*v->seen), cmp_row);
}

static int bad(struct verify *v, const char *file, const char *what)
{
	fprintf(stderr, "relay_tool: %s: %s\n", file, what);
	v->bad++;
	return -1;
}

static int check_addr(struct verify *v, const char *file, const char *addr,
		      enum link_purpose purpose, const struct store_outbox *row)
{
	char token[LINK_ADDR_TOKEN_MAX + 1];
	struct link_claims claims;

	if (addr == NULL || link_address_token(addr, v->domain, token) != (int)purpose)
		return bad(v, file, purpose == LINK_REPLY ? "no reply+ token address" :
							    "no bounce+ envelope sender");
	if (link_addr_verify(v->keys, token, purpose, clock_now(), store_link_generation,
			     v->store, &claims) != LINK_OK ||
	    claims.principal_id != row->recipient_id || claims.thread_id != row->thread_id)
		return bad(v, file, "address token does not verify for its row");
	return 0;
}

static int check_view(struct verify *v, const char *file, const char *text,
		      const struct store_outbox *row)
{
	char *prefix = xasprintf("%s/v/", v->base_url);
	const char *p = text != NULL ? strstr(text, prefix) : NULL;
	char token[LINK_TOKEN_MAX];
	struct link_claims claims;
	size_t n = 0;
	int rc = 0;

	if (p == NULL) {
		free(prefix);
		return bad(v, file, "no View link");
	}
	p += strlen(prefix);
	while (n + 1 < sizeof(token) &&
	       (p[n] == '-' || p[n] == '_' || (p[n] >= '0' && p[n] <= '9') ||
		(p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z'))) {
		token[n] = p[n];
		n++;
	}
	token[n] = '\0';
	if (link_verify(v->keys, token, LINK_VIEW, clock_now(), store_link_generation,
			v->store, &claims) != LINK_OK ||
	    claims.principal_id != row->recipient_id || claims.thread_id != row->thread_id)
		rc = bad(v, file, "View link does not verify for its row");
	free(prefix);
	return rc;
}

static char *plain_text(GMimeMessage *msg)
{
	GMimeObject *body = g_mime_message_get_body(msg);

	if (GMIME_IS_MULTIPART(body))
		body = g_mime_multipart_get_part(GMIME_MULTIPART(body), 0);
	if (!GMIME_IS_TEXT_PART(body))
		return NULL;
	return g_mime_text_part_get_text(GMIME_TEXT_PART(body));
}

static const char *first_addr(InternetAddressList *list)
{
	InternetAddress *ia;

	if (list == NULL || internet_address_list_length(list) < 1)
		return NULL;
	ia = internet_address_list_get_address(list, 0);
	return INTERNET_ADDRESS_IS_MAILBOX(ia) ?
		       internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)) : NULL;
}

/* "<bounce+x@d>" or "<bounce+x@d> SIZE=123" -> bounce+x@d (static buffer) */
static const char *envelope_sender(GMimeMessage *msg)
{
	static char out[512];
	const char *h = g_mime_object_get_header(GMIME_OBJECT(msg), "X-Mail-Args");
	const char *lt, *gt;

	if (h == NULL)
		h = g_mime_object_get_header(GMIME_OBJECT(msg), "Return-Path");
	if (h == NULL || (lt = strchr(h, '<')) == NULL || (gt = strchr(lt, '>')) == NULL)
		return NULL;
	snprintf(out, sizeof(out), "%.*s", (int)(gt - lt - 1), lt + 1);
	return out;
}

/* Does the header's raw (undecoded) value start with c after blanks? */
static int raw_starts_with(GMimeMessage *msg, const char *name, char c)
{
	GMimeHeaderList *headers = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	GMimeHeader *h = g_mime_header_list_get_header(headers, name);
	const char *raw = h != NULL ? g_mime_header_get_raw_value(h) : NULL;

	if (raw == NULL)
		return 0;
	while (*raw == ' ' || *raw == '\t' || *raw == '\r' || *raw == '\n')
		raw++;
	return *raw == c;
}

static void verify_file(struct verify *v, const char *path)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	const char *mid;
	struct seen *s;
	char *text;

	v->files++;
	stream = g_mime_stream_file_open(path, "r", NULL);
	if (stream == NULL) {
		bad(v, path, "cannot open");
		return;
	}
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (msg == NULL || (mid = g_mime_message_get_message_id(msg)) == NULL) {
		if (msg != NULL)
			g_object_unref(msg);
		return; /* a transaction cut off before the data */
	}
	v->complete++;
	s = find_row(v, mid);
	if (s == NULL) {
		fprintf(stderr, "relay_tool: %s: Message-ID %s is no sent row\n", path, mid);
		v->unknown++;
		g_object_unref(msg);
		return;
	}
	s->count++;
	text = plain_text(msg);
	if (check_view(v, path, text, s->row) == 0 &&
	    check_addr(v, path, first_addr(g_mime_message_get_reply_to(msg)), LINK_REPLY,
		       s->row) == 0 &&
	    check_addr(v, path, envelope_sender(msg), LINK_BOUNCE, s->row) == 0) {
		const char *as = g_mime_object_get_header(GMIME_OBJECT(msg), "Auto-Submitted");
		const char *lu = g_mime_object_get_header(GMIME_OBJECT(msg), "List-Unsubscribe");
		const char *to = first_addr(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO));

		if (as == NULL || strcmp(as, "auto-generated") != 0)
			bad(v, path, "no Auto-Submitted: auto-generated");
		else if (lu == NULL || strstr(lu, "/u/") == NULL)
			bad(v, path, "no List-Unsubscribe");
		else if (!raw_starts_with(msg, "List-Unsubscribe", '<'))
			bad(v, path, "List-Unsubscribe is not a plain <URL> (RFC 2369)");
		else if (to == NULL || strcasecmp(to, s->row->recipient_address) != 0)
			bad(v, path, "To is not the row's recipient");
	}
	g_free(text);
	g_object_unref(msg);
}

static void verify_dir(struct verify *v, const char *dir)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);

	if (n < 0)
		die(dir, "cannot read the directory");
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			char *path = xasprintf("%s/%s", dir, names[i]->d_name);

			verify_file(v, path);
			free(path);
		}
		free(names[i]);
	}
	free(names);
}

static int cmd_verify(int argc, char **argv)
{
	struct verify v;
	char *error = NULL;
	int lost = 0, dup = 0;

	memset(&v, 0, sizeof(v));
	v.store = open_db(argv[0]);
	if (link_keys_load(argv[1], &v.keys, &error) < 0)
		die(argv[1], error);
	v.base_url = argv[2];
	v.domain = argv[3];
	check(store_outbox_list(v.store, STORE_OUT_SENT, 0, 0, &v.sent, &error), "rows", error);
	v.seen = xcalloc(v.sent.count + 1, sizeof(*v.seen));
	for (size_t i = 0; i < v.sent.count; i++)
		v.seen[i].row = &v.sent.items[i];
	qsort(v.seen, v.sent.count, sizeof(*v.seen), cmp_row);

	g_mime_init();
	for (int i = 4; i < argc; i++)
		verify_dir(&v, argv[i]);
	for (size_t i = 0; i < v.sent.count; i++) {
		if (v.seen[i].count == 0)
			lost++;
		else
			dup += v.seen[i].count - 1;
	}
	printf("files=%d complete=%d sent_rows=%zu lost=%d duplicated=%d unknown=%d bad=%d\n",
	       v.files, v.complete, v.sent.count, lost, dup, v.unknown, v.bad);
	g_mime_shutdown();
	free(v.seen);
	store_outbox_list_free(&v.sent);
	link_keys_free(&v.keys);
	store_close(&v.store);
	return lost == 0 && v.unknown == 0 && v.bad == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	char *error = NULL;

	if (strcmp(cmd, "keys") == 0 && argc == 3) {
		if (link_keys_create(argv[2], &error) < 0)
			die(argv[2], error);
		return 0;
	}
	if (strcmp(cmd, "seed") == 0 && argc == 5)
		return cmd_seed(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (strcmp(cmd, "resend") == 0 && argc == 3)
		return cmd_resend(argv[2]);
	if (strcmp(cmd, "counts") == 0 && argc == 3)
		return cmd_counts(argv[2]);
	if (strcmp(cmd, "rows") == 0 && (argc == 3 || argc == 4))
		return cmd_rows(argv[2], argc == 4 ? argv[3] : NULL);
	if (strcmp(cmd, "verify") == 0 && argc >= 7)
		return cmd_verify(argc - 2, argv + 2);
	fprintf(stderr, "usage: relay_tool keys FILE | seed DB ACCOUNTS CONTACTS | resend DB |\n"
			"       counts DB |\n"
			"       rows DB [STATUS] | verify DB KEYFILE BASE_URL REPLY_DOMAIN DIR...\n");
	return 64;
}
