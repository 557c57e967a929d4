/*
 * test_gatewayctl_person.c - `gatewayctl person export` and `person erase`
 * run as built against the demo data, with files in several threads, a
 * staff-only note with a file, another account's thread, an explanation
 * email and inbound log rows added through the store:
 *   - the archive (read back with libarchive) holds every message and file
 *     the person sees, byte for byte, listed in its manifest, and nothing
 *     they do not see;
 *   - after an erase, neither the database file, its WAL nor the
 *     attachment store holds the address, the name or what they wrote,
 *     their links are refused, and other people's messages stay;
 *   - the content files removed after the commit: whatever comes between
 *     (an upload of the same content, a crash), no row points to a
 *     missing file;
 *   - bad input: each refusal is a clear error and changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <strings.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "links.h"
#include "retention.h"
#include "store.h"
#include "store_hold.h"
#include "store_webhooks.h"
#include "webhook.h"
#include "test_gatewayctl_util.h"

/* Marks planted in the data: each must (or must not) reach an archive. */
#define ANNA_TEXT "anna-wrote-this-7f3a"
#define ANNA_FILE "anna-file-content-91c2"
#define ANNA_QUOTE "anna-quoted-by-email-55d0"
#define SHARED_FILE "shared-file-content-0b4e"
#define STAFF_FILE "staff-file-content-c1d9"
#define INTERNAL_NOTE "internal-note-e8a1"
#define INTERNAL_FILE "internal-file-content-3d77"
#define BIRCH_TEXT "birch-wrote-this-62fb"
#define BIRCH_FILE "birch-file-content-a0e5"
#define BEN_TEXT "ben-wrote-this-4c19"
#define LOOKALIKE "joanna@acme.example"
#define AWAY_NOTE "away-note-2b6e"

/* ---- fixture: the demo data plus files, notes and mail ---- */

struct fx {
	struct env *e;
	struct gw_config *cfg;
	struct store *store;
	int64_t thread2;      /* a second Acme thread */
	int64_t birch_thread; /* another account's */
	int64_t internal_note;
};

static void fx_open(struct fx *f, struct env *e)
{
	char *error = NULL;

	memset(f, 0, sizeof(*f));
	f->e = e;
	if (cfg_load(e->conf, &f->cfg, &error) < 0)
		fail_msg("config: %s", error);
	if (store_open(&f->cfg->store, &f->store, &error) < 0)
		fail_msg("store: %s", error);
}

static void fx_close(struct fx *f)
{
	store_close(&f->store);
	cfg_free(&f->cfg);
}

static void must(enum gw_result r, char *error, const char *what)
{
	if (r != GW_OK)
		fail_msg("%s: %s", what, error != NULL ? error : gw_result_name(r));
}

static int64_t post(struct fx *f, int64_t thread, enum store_kind kind, int64_t who,
		    const char *body)
{
	char *error = NULL;
	int64_t id = 0;

	must(store_message_post(f->store, thread, kind, who, body, &id, &error), error, body);
	return id;
}

static int64_t upload(struct fx *f, int64_t thread, int64_t message, enum store_kind kind,
		      int64_t who, const char *name, const char *content)
{
	struct store_attachment_new a = { 0 };
	char *error = NULL;
	int64_t id = 0;

	a.thread_id = thread;
	a.message_id = message;
	a.uploader_kind = kind;
	a.uploader_id = who;
	a.file_name = name;
	a.content_type = "text/plain";
	a.bytes = content;
	a.len = strlen(content);
	must(store_attachment_add(f->store, &a, &id, &error), error, name);
	return id;
}

static int64_t new_thread(struct fx *f, int64_t account, const char *subject,
			  const char *body)
{
	struct store_chat_new c = { 0 };
	char *error = NULL;
	int64_t id = 0;

	c.account_ids = &account;
	c.n_accounts = 1;
	c.staff_id = f->e->owner;
	c.subject = subject;
	c.body = body;
	must(store_chat_create(f->store, &c, &id, &error), error, subject);
	return id;
}

/*
 * Acme: thread 1 (demo) with a message and a file of Anna's, a staff-only
 * note with a file; thread 2 with a staff file (same content as one of
 * Anna's in thread 1: the content stays when she is erased), a file of
 * Anna's and a message of Ben's.  Birch: a thread Anna must never see.
 * An email reply of Anna's turned away (explanation, note, inbound row).
 */
static void fx_fill(struct fx *f)
{
	struct env *e = f->e;
	struct store_inbound_in in = { 0 };
	struct store_explanation ex = { 0 };
	char *error = NULL;
	int64_t m;

	/* An endpoint that wants every event: the store writes an event row,
	 * with its body, for each change below. */
	{
		struct store_webhook_in hook = { "crm", "https://crm.example/hooks",
						 "/etc/gatewayd/crm.secret", WEBHOOK_EVENTS_ALL };

		must(store_webhook_add(f->store, &hook, NULL, &error), error, "webhook");
	}
	m = post(f, e->thread, STORE_CONTACT, e->anna, "Here you are: " ANNA_TEXT);
	upload(f, e->thread, m, STORE_CONTACT, e->anna, "bank statement.txt", ANNA_FILE);
	upload(f, e->thread, 0, STORE_CONTACT, e->anna, "copy.txt", SHARED_FILE);
	must(store_note_add(f->store, e->thread, "For staff: " INTERNAL_NOTE, 1, &f->internal_note,
			    &error), error, "note");
	upload(f, e->thread, f->internal_note, STORE_STAFF, e->owner, "internal.txt",
	       INTERNAL_FILE);

	f->thread2 = new_thread(f, e->acme, "Payroll questions", "Two questions for you.");
	upload(f, f->thread2, 0, STORE_STAFF, e->owner, "letter.txt", STAFF_FILE);
	upload(f, f->thread2, 0, STORE_STAFF, e->owner, "same.txt", SHARED_FILE);
	m = post(f, f->thread2, STORE_CONTACT, e->anna, "Answers: " ANNA_TEXT " again");
	upload(f, f->thread2, m, STORE_CONTACT, e->anna, "payroll.txt", ANNA_FILE " 2");
	post(f, f->thread2, STORE_CONTACT, e->ben, "And from me: " BEN_TEXT);

	f->birch_thread = new_thread(f, e->birch, "Birch matters", "Hello Clara.");
	m = post(f, f->birch_thread, STORE_CONTACT, e->clara, BIRCH_TEXT);
	upload(f, f->birch_thread, m, STORE_CONTACT, e->clara, "birch.txt", BIRCH_FILE);

	in.sender = "anna@acme.example";
	in.recipient = "reply+abc@reply.firm.example";
	in.message_id = "reply-1@acme.example";
	in.size = 1234;
	in.verdict = "explained";
	in.thread_id = e->thread;
	ex.sender = "anna@acme.example";
	ex.thread_id = e->thread;
	ex.contact_id = e->anna;
	ex.in_reply_to = "reply-1@acme.example";
	ex.quoted_text = ANNA_QUOTE;
	must(store_explanation_queue(f->store, &in, &ex, NULL, &error), error, "explanation");
	in.message_id = "bounce-1@mx.example";
	in.sender = "";
	in.verdict = "bounce";
	in.reason = "550 anna@acme.example: mailbox unknown";
	must(store_inbound_log(f->store, &in, NULL, &error), error, "inbound");
	/* Her out-of-office reply: a staff note that names her, her away state. */
	{
		struct store_auto_reply ar = { 0 };

		in.message_id = "ooo-1@acme.example";
		in.sender = "anna@acme.example";
		in.verdict = "automatic";
		in.reason = "out of office";
		ar.thread_id = e->thread;
		ar.contact_id = e->anna;
		ar.away_until = "2026-12-24";
		ar.resume_at = clock_now() + 20 * 86400;
		ar.note = "Anna Baker is away until Thu 24 Dec (automatic reply) " AWAY_NOTE;
		ar.day = "2026-12-06";
		must(store_auto_reply_record(f->store, &in, &ar, NULL, NULL, &error), error,
		     "auto reply");
	}
	/* Someone else whose address ends in Anna's: not about her. */
	in.message_id = "other-1@acme.example";
	in.sender = LOOKALIKE;
	in.verdict = "dropped";
	in.reason = "no token";
	must(store_inbound_log(f->store, &in, NULL, &error), error, "inbound");
}

/* ---- reading an archive back ---- */

struct entry {
	char *path;
	char *data;
	size_t len;
};

struct zip {
	struct entry *items;
	size_t n;
};

static void zip_read(const char *path, struct zip *z)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;

	memset(z, 0, sizeof(*z));
	archive_read_support_format_zip(a);
	if (archive_read_open_filename(a, path, 16384) != ARCHIVE_OK)
		fail_msg("%s: %s", path, archive_error_string(a));
	while (archive_read_next_header(a, &ae) == ARCHIVE_OK) {
		struct buf b = BUF_INIT;
		char chunk[8192];
		la_ssize_t n;

		while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0)
			buf_append(&b, chunk, (size_t)n);
		assert_true(n == 0);
		z->items = xrealloc(z->items, (z->n + 1) * sizeof(*z->items));
		z->items[z->n].path = xstrdup(archive_entry_pathname(ae));
		z->items[z->n].len = b.len;
		z->items[z->n].data = buf_detach(&b);
		z->n++;
	}
	archive_read_free(a);
}

static const struct entry *zip_find(const struct zip *z, const char *path)
{
	for (size_t i = 0; i < z->n; i++)
		if (strcmp(z->items[i].path, path) == 0)
			return &z->items[i];
	return NULL;
}

static void zip_free(struct zip *z)
{
	for (size_t i = 0; i < z->n; i++) {
		free(z->items[i].path);
		free(z->items[i].data);
	}
	free(z->items);
}

static int zip_contains(const struct zip *z, const char *needle)
{
	for (size_t i = 0; i < z->n; i++)
		if (memmem(z->items[i].data, z->items[i].len, needle, strlen(needle)) != NULL)
			return 1;
	return 0;
}

static json_t *zip_json(const struct zip *z, const char *path)
{
	const struct entry *en = zip_find(z, path);
	json_error_t jerr;
	json_t *v;

	if (en == NULL)
		fail_msg("archive lacks %s", path);
	v = json_loadb(en->data, en->len, 0, &jerr);
	if (v == NULL)
		fail_msg("%s: %s", path, jerr.text);
	return v;
}

/* Every manifest entry is in the archive with its size, and every file
 * of the archive is in the manifest. */
static void check_manifest(const struct zip *z)
{
	json_t *man = zip_json(z, "manifest.json"), *entries = json_object_get(man, "entries");
	size_t i;
	json_t *v;

	assert_string_equal(json_string_value(json_object_get(man, "format")),
			    "gatewayd-person-export");
	assert_int_equal(json_array_size(entries) + 1, z->n); /* + manifest.json */
	json_array_foreach(entries, i, v) {
		const char *p = json_string_value(json_object_get(v, "path"));
		const struct entry *en = zip_find(z, p);

		if (en == NULL)
			fail_msg("manifest entry %zu (%s) is not in the archive", i, p);
		assert_int_equal((json_int_t)en->len,
				 json_integer_value(json_object_get(v, "size")));
	}
	json_decref(man);
}

/*
 * The archive holds every thread of the person as the store shows it to
 * them: each message with its body, each file with its content.
 */
static void check_threads(struct fx *f, const struct zip *z, enum store_kind kind, int64_t who)
{
	json_t *person = zip_json(z, "person.json"), *threads = json_object_get(person, "threads");
	size_t i;
	json_t *t;

	json_array_foreach(threads, i, t) {
		int64_t id = json_integer_value(json_object_get(t, "id"));
		json_t *msgs = json_object_get(t, "messages"), *files = json_object_get(t, "files");
		struct store_thread_view v;
		char *error = NULL;

		must(store_thread_show(f->store, id, kind, who, kind == STORE_STAFF, &v, &error),
		     error, "thread show");
		assert_int_equal(json_array_size(msgs), v.n_messages);
		for (size_t k = 0; k < v.n_messages; k++) {
			json_t *m = json_array_get(msgs, k);

			assert_int_equal(json_integer_value(json_object_get(m, "id")),
					 v.messages[k].id);
			assert_string_equal(json_string_value(json_object_get(m, "body")),
					    v.messages[k].body);
		}
		for (size_t k = 0; k < json_array_size(files); k++) {
			json_t *fj = json_array_get(files, k);
			const struct entry *en =
				zip_find(z, json_string_value(json_object_get(fj, "path")));
			char *blob = store_attachment_path(f->cfg->store.attachments_dir,
							   json_string_value(json_object_get(fj, "sha256")));
			char *want = slurp(blob);

			if (en == NULL)
				fail_msg("thread %lld: file %zu is not in the archive", (long long)id, k);
			assert_int_equal(en->len, strlen(want));
			assert_memory_equal(en->data, want, en->len);
			free(want);
			free(blob);
		}
		store_thread_view_clear(&v);
	}
	json_decref(person);
}

static char *who(const char *kind, long long id)
{
	return xasprintf("%s:%lld", kind, id);
}

void test_person_export_round_trips(void **state)
{
	struct env *e = *state;
	char *file = path_in(e, "anna.zip"), *anna = who("contact", e->anna), *out;
	struct zip z;
	json_t *person, *threads;
	struct fx f;

	fx_open(&f, e);
	fx_fill(&f);

	out = OK(e, "person", "export", anna, file);
	expect_in("export", out, "2 threads");
	expect_in("export", out, "5 files");
	free(out);
	zip_read(file, &z);
	check_manifest(&z);
	check_threads(&f, &z, STORE_CONTACT, e->anna);
	person = zip_json(&z, "person.json");
	threads = json_object_get(person, "threads");
	assert_int_equal(json_array_size(threads), 2);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(person, "contact"), "email")),
			    "anna@acme.example");
	/* what she sees: her text, her files, staff's files, Ben's message,
	 * the emails to her and the inbound rows about her */
	assert_true(zip_contains(&z, ANNA_TEXT));
	assert_true(zip_contains(&z, ANNA_FILE));
	assert_true(zip_contains(&z, SHARED_FILE));
	assert_true(zip_contains(&z, STAFF_FILE));
	assert_true(zip_contains(&z, BEN_TEXT));
	assert_true(json_array_size(json_object_get(person, "emails")) >= 2);
	assert_int_equal(json_array_size(json_object_get(person, "inbound")), 3);
	/* what she does not: the staff-only note and its file, Birch's thread */
	assert_false(zip_contains(&z, INTERNAL_NOTE));
	assert_false(zip_contains(&z, AWAY_NOTE));
	assert_false(zip_contains(&z, INTERNAL_FILE));
	assert_false(zip_contains(&z, ANNA_QUOTE)); /* quoted in a staff-only note */
	assert_false(zip_contains(&z, BIRCH_TEXT));
	assert_false(zip_contains(&z, BIRCH_FILE));
	assert_false(zip_contains(&z, "Birch matters"));
	assert_false(zip_contains(&z, LOOKALIKE));
	json_decref(person);
	zip_free(&z);

	/* The owner created both Acme threads and the Birch one, and sees
	 * the staff-only note and its file. */
	free(file);
	file = path_in(e, "owner.zip");
	free(anna);
	anna = who("staff", e->owner);
	free(OK(e, "person", "export", anna, file));
	zip_read(file, &z);
	check_manifest(&z);
	check_threads(&f, &z, STORE_STAFF, e->owner);
	assert_true(zip_contains(&z, INTERNAL_NOTE));
	assert_true(zip_contains(&z, INTERNAL_FILE));
	assert_true(zip_contains(&z, BIRCH_FILE));
	zip_free(&z);

	fx_close(&f);
	free(file);
	free(anna);
}

/* ---- erase ---- */

/* How often the file at path holds needle (any case). */
static size_t file_count(const char *path, const char *needle)
{
	char *data = slurp(path);
	size_t len = 0, n = strlen(needle), count = 0;
	struct stat sb;

	if (stat(path, &sb) == 0)
		len = (size_t)sb.st_size;
	/* slurp() reads binary data too; compare without regard to case. */
	for (size_t i = 0; len >= n && i <= len - n; i++)
		count += strncasecmp(data + i, needle, n) == 0;
	free(data);
	return count;
}

/* Does the file hold needle other than inside the lookalike address
 * ("anna@acme.example" is the end of "joanna@acme.example")? */
static int file_holds(const char *path, const char *needle)
{
	size_t n = file_count(path, needle);

	if (strlen(needle) < strlen(LOOKALIKE) &&
	    strcasecmp(LOOKALIKE + strlen(LOOKALIKE) - strlen(needle), needle) == 0)
		n -= file_count(path, LOOKALIKE);
	return n > 0;
}

/* The first file under dir (recursively) holding needle, or NULL. */
static char *tree_holds(const char *dir, const char *needle)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *hit = NULL;

	if (d == NULL)
		return NULL;
	while (hit == NULL && (de = readdir(d)) != NULL) {
		char *p;
		struct stat sb;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			hit = tree_holds(p, needle);
		else if (S_ISREG(sb.st_mode) && file_holds(p, needle))
			hit = xstrdup(p);
		free(p);
	}
	closedir(d);
	return hit;
}

static char *link_token(const char *url)
{
	const char *t = strstr(url, "/v/");
	char *tok;

	assert_non_null(t);
	tok = xstrdup(t + 3);
	tok[strcspn(tok, "\n")] = '\0';
	return tok;
}

void test_person_erase_leaves_no_trace(void **state)
{
	static const char *const gone[] = {
		"anna@acme.example", "Anna Baker", ANNA_TEXT, ANNA_FILE, ANNA_QUOTE,
		"reply-1@acme.example", AWAY_NOTE, "2026-12-24",
	};
	struct env *e = *state;
	char *anna = who("contact", e->anna), *th = fmt_id(e->thread), *out, *tok, *hit;
	char *db = path_in(e, "gw.db"), *wal = xasprintf("%s-wal", db);
	char *att = path_in(e, "attachments"), *error = NULL;
	struct link_keys *keys = NULL;
	struct link_claims cl;
	struct store_message m;
	struct store_contact k;
	struct fx f;
	json_t *j;

	fx_open(&f, e);
	fx_fill(&f);
	assert_int_equal(link_keys_load(f.cfg->links.key_file, &keys, &error), 0);
	out = OK(e, "link", th, "--for", anna);
	tok = link_token(out);
	free(out);
	assert_int_equal(link_verify(keys, tok, LINK_VIEW, clock_now(), store_link_generation,
				     f.store, &cl), LINK_OK);
	for (size_t i = 0; i < GW_ARRAY_SIZE(gone); i++) {
		hit = tree_holds(att, gone[i]);
		if (!file_holds(db, gone[i]) && !file_holds(wal, gone[i]) && hit == NULL)
			fail_msg("case %zu: \"%s\" is nowhere before the erase", i, gone[i]);
		free(hit);
	}

	/* f.store stays open: the WAL file outlives gatewayctl's connection. */
	j = JSON(e, "person", "erase", anna);
	assert_int_equal(json_integer_value(json_object_get(j, "messages")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "files")), 3);
	assert_int_equal(json_integer_value(json_object_get(j, "files_kept")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "files_removed")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "notes")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "inbound")), 3);
	/* her message, her two files, her email reply */
	assert_true(json_integer_value(json_object_get(j, "webhook_events")) >= 4);
	assert_true(json_is_true(json_object_get(j, "wal_truncated")));
	json_decref(j);

	for (size_t i = 0; i < GW_ARRAY_SIZE(gone); i++) {
		if (file_holds(db, gone[i]))
			fail_msg("case %zu: \"%s\" is still in %s", i, gone[i], db);
		if (file_holds(wal, gone[i]))
			fail_msg("case %zu: \"%s\" is still in %s", i, gone[i], wal);
		if ((hit = tree_holds(att, gone[i])) != NULL)
			fail_msg("case %zu: \"%s\" is still in %s", i, gone[i], hit);
	}
	/* Other people's messages, files and mail stay. */
	assert_true(file_holds(db, LOOKALIKE));
	assert_true(file_holds(db, BEN_TEXT));
	assert_true(file_holds(db, BIRCH_TEXT));
	assert_true(file_holds(db, "Clara Birch"));
	assert_non_null(hit = tree_holds(att, SHARED_FILE));
	free(hit);
	assert_non_null(hit = tree_holds(att, STAFF_FILE));
	free(hit);
	must(store_contact_get(f.store, e->anna, &k, &error), error, "contact");
	assert_string_equal(k.name, "Erased contact");
	assert_true(k.removed_at != 0);
	store_contact_clear(&k);
	must(store_message_get(f.store, f.internal_note, &m, &error), error, "note");
	assert_string_equal(m.body, "For staff: " INTERNAL_NOTE); /* names no address */
	store_message_clear(&m);
	/* Her link and any session minted from it are dead. */
	assert_int_not_equal(link_verify(keys, tok, LINK_VIEW, clock_now(),
					 store_link_generation, f.store, &cl), LINK_OK);
	/* The record of it has counts, never the data. */
	out = OK(e, "person", "erase", anna);
	expect_in("second erase", out, "0 messages");
	free(out);

	link_keys_free(&keys);
	fx_close(&f);
	free(tok);
	free(anna);
	free(th);
	free(db);
	free(wal);
	free(att);
}

/*
 * The content files after the commit: an upload of the same content that
 * comes between the erasure's commit and its file removal keeps the file;
 * one that comes after the removal writes it again; a crash between the
 * commit and the removal (the removal never runs) leaves a file no row
 * points to.  In no order does a row point to a missing file.
 */
static void expect_every_row_has_its_file(struct fx *f, int64_t thread)
{
	struct store_thread_view v;
	char *error = NULL;

	must(store_thread_show(f->store, thread, 0, 0, 1, &v, &error), error, "thread");
	for (size_t i = 0; i < v.n_attachments; i++) {
		char *p = store_attachment_path(f->cfg->store.attachments_dir,
						v.attachments[i].sha256);

		if (access(p, F_OK) != 0)
			fail_msg("thread %lld: attachment %lld: %s is missing", (long long)thread,
				 (long long)v.attachments[i].id, p);
		free(p);
	}
	store_thread_view_clear(&v);
}

void test_person_erase_files_never_dangle(void **state)
{
	struct env *e = *state;
	struct store_erasure er;
	char *error = NULL, *blob;
	struct store_attachment a;
	int64_t id;
	struct fx f;

	fx_open(&f, e);
	fx_fill(&f);
	id = upload(&f, e->thread, 0, STORE_CONTACT, e->anna, "race.txt", "race-content");
	must(store_attachment_get(f.store, id, &a, &error), error, "attachment");
	blob = store_attachment_path(f.cfg->store.attachments_dir, a.sha256);
	store_attachment_clear(&a);

	/* Committed, then the same content uploaded again before the removal:
	 * the removal sees the new row and keeps the file. */
	must(store_person_erase(f.store, e->anna, &er, &error), error, "erase");
	upload(&f, f.thread2, 0, STORE_STAFF, e->owner, "race-copy.txt", "race-content");
	must(store_person_erase_files(f.store, NULL, &er, &error), error, "erase files");
	assert_int_equal(access(blob, F_OK), 0);
	assert_true(er.blobs_kept >= 1);
	store_erasure_clear(&er);
	expect_every_row_has_its_file(&f, f.thread2);

	/* The removal first, the upload after: the upload writes it again. */
	id = upload(&f, e->thread, 0, STORE_CONTACT, e->ben, "ben.txt", "ben-content");
	must(store_attachment_get(f.store, id, &a, &error), error, "attachment");
	free(blob);
	blob = store_attachment_path(f.cfg->store.attachments_dir, a.sha256);
	store_attachment_clear(&a);
	must(store_person_erase(f.store, e->ben, &er, &error), error, "erase");
	must(store_person_erase_files(f.store, NULL, &er, &error), error, "erase files");
	assert_int_equal(access(blob, F_OK), -1);
	store_erasure_clear(&er);
	upload(&f, f.thread2, 0, STORE_STAFF, e->owner, "ben-copy.txt", "ben-content");
	assert_int_equal(access(blob, F_OK), 0);
	expect_every_row_has_its_file(&f, f.thread2);

	/* A crash after the commit: the removal never runs.  Every row still
	 * has its file; what remains is a file no row points to. */
	id = upload(&f, f.birch_thread, 0, STORE_CONTACT, e->clara, "c.txt", "clara-content");
	must(store_attachment_get(f.store, id, &a, &error), error, "attachment");
	free(blob);
	blob = store_attachment_path(f.cfg->store.attachments_dir, a.sha256);
	store_attachment_clear(&a);
	must(store_person_erase(f.store, e->clara, &er, &error), error, "erase");
	store_erasure_clear(&er);
	expect_every_row_has_its_file(&f, f.birch_thread);
	assert_int_equal(access(blob, F_OK), 0);

	/* That file waits in blob_trash: retention's next run (every period
	 * off, once the file is older than the grace) removes it, and every
	 * row still has its file. */
	{
		struct store_retention keep_all = { 0 };
		struct store_retention_result res = { 0 };

		do {
			must(store_retention_step(f.store, &keep_all,
						  clock_now() + STORE_BLOB_GRACE + 60, 100, NULL,
						  &res, &error),
			     error, "retention step");
		} while (res.more);
		assert_true(res.files >= 1);
		assert_int_equal(access(blob, F_OK), -1);
		expect_every_row_has_its_file(&f, f.birch_thread);
		expect_every_row_has_its_file(&f, f.thread2);
		expect_every_row_has_its_file(&f, e->thread);
	}

	free(blob);
	fx_close(&f);
}

/* The audit entries of gatewayctl's person commands: actions and targets. */
static long long audit_count(struct env *e, const char *action, const char *target)
{
	char *db = path_in(e, "gw.db");
	char *cmd = xasprintf("sqlite3 '%s' \"SELECT count(*) FROM audit_log WHERE"
			      " actor_kind = 'cli' AND action = '%s' AND target = '%s'\"",
			      db, action, target);
	FILE *p = popen(cmd, "r");
	char buf[32] = "";

	assert_non_null(p);
	assert_non_null(fgets(buf, sizeof(buf), p));
	pclose(p);
	free(cmd);
	free(db);
	return atoll(buf);
}

/*
 * A legal hold on the account refuses the erasure with the reason and
 * changes nothing; lifted, the erasure goes through.  Export and erase
 * each leave one audit entry naming the person, never their data.
 */
void test_person_erase_refused_under_legal_hold(void **state)
{
	struct env *e = *state;
	char *zip = path_in(e, "anna.zip"), *acme = xasprintf("%lld", e->acme);
	char *anna = xasprintf("contact:%lld", e->anna), *out;
	char *erase_target = xasprintf("gatewayctl person erase %s", anna);
	char *export_target = xasprintf("gatewayctl person export %s", anna);
	struct res r;

	free(ok_out(CTL(e, "account", "hold", acme, "on"), "hold on"));
	r = CTL(e, "person", "erase", anna);
	if (r.code != 65 || strstr(r.err, "legal hold") == NULL ||
	    strstr(r.err, "gatewayctl account hold") == NULL)
		fail_msg("erase under hold: exit %d, stderr \"%s\"", r.code, r.err);
	res_free(&r);
	out = ok_out(CTL(e, "contact", "show", "1"), "contact show");
	expect_in("contact untouched under hold", out, "anna@acme.example");
	free(out);
	assert_int_equal(audit_count(e, "erase", erase_target), 0);

	/* Export is allowed under a hold: it changes nothing. */
	free(ok_out(CTL(e, "person", "export", anna, zip), "export"));
	assert_int_equal(audit_count(e, "export", export_target), 1);

	free(ok_out(CTL(e, "account", "hold", acme, "off"), "hold off"));
	free(ok_out(CTL(e, "person", "erase", anna), "erase"));
	assert_int_equal(audit_count(e, "erase", erase_target), 1);
	out = ok_out(CTL(e, "contact", "show", "1"), "contact show");
	if (strstr(out, "anna@acme.example") != NULL)
		fail_msg("address still there after the erasure: %s", out);
	free(out);
	free(zip);
	free(acme);
	free(anna);
	free(erase_target);
	free(export_target);
}

/* An upload on a connection of its own, as the daemon's would be. */
struct racer {
	const struct gw_config *cfg;
	const char *content;
	int64_t thread, staff;
	enum gw_result r;
};

static void *race_upload(void *arg)
{
	struct racer *u = arg;
	struct store_attachment_new a = { 0 };
	struct store *s = NULL;
	char *error = NULL;

	if (store_open(&u->cfg->store, &s, &error) < 0) {
		u->r = GW_TEMPFAIL;
		free(error);
		return NULL;
	}
	a.thread_id = u->thread;
	a.uploader_kind = STORE_STAFF;
	a.uploader_id = u->staff;
	a.file_name = "late.txt";
	a.bytes = u->content;
	a.len = strlen(u->content);
	u->r = store_attachment_add(s, &a, NULL, &error);
	free(error);
	store_close(&s);
	return NULL;
}

/*
 * The narrow order: an upload finds the content file there (identical
 * content is stored once) and waits for the write lock; meanwhile the
 * erasure, holding the lock, removes the file no row points to.  The
 * upload checks again inside its transaction and writes the file anew.
 */
void test_person_upload_racing_the_removal_keeps_its_file(void **state)
{
	struct env *e = *state;
	struct store_hold h = { 0 };
	struct store_erasure er;
	struct store_attachment a;
	struct racer u = { 0 };
	char *error = NULL, *blob;
	pthread_t th;
	int64_t id;
	struct fx f;

	fx_open(&f, e);
	fx_fill(&f);
	id = upload(&f, e->thread, 0, STORE_CONTACT, e->anna, "late.txt", "late-content");
	must(store_attachment_get(f.store, id, &a, &error), error, "attachment");
	blob = store_attachment_path(f.cfg->store.attachments_dir, a.sha256);
	store_attachment_clear(&a);
	must(store_person_erase(f.store, e->anna, &er, &error), error, "erase");

	h.path = f.cfg->store.path;
	store_hold_take(&h);
	u.cfg = f.cfg;
	u.content = "late-content";
	u.thread = f.thread2;
	u.staff = e->owner;
	assert_int_equal(pthread_create(&th, NULL, race_upload, &u), 0);
	/* Time for the upload to find the file and queue for the lock. */
	usleep(300 * 1000);
	assert_int_equal(unlink(blob), 0);  /* what the removal does, under the lock */
	store_hold_release(&h);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(u.r, GW_OK);
	assert_int_equal(access(blob, F_OK), 0);
	expect_every_row_has_its_file(&f, f.thread2);

	store_erasure_clear(&er);
	free(blob);
	fx_close(&f);
}

/* ---- refusals ---- */

struct err_case {
	const char *args[8];
	int code;
	const char *want;
};

void test_person_bad_input_is_refused(void **state)
{
	struct env *e = *state;
	char *exists = path_in(e, "exists.zip"), *db = path_in(e, "gw.db");
	char *nodir = path_in(e, "no/such/dir/x.zip"), *content;
	const struct err_case cases[] = {
		{ { "person", "export", "contact:99", "/tmp/never-written.zip" }, 65,
		  "contact 99: no such id" },
		{ { "person", "export", "staff:99", "/tmp/never-written.zip" }, 65,
		  "staff 99: no such staff member" },
		{ { "person", "export", "contact:x", "/tmp/never-written.zip" }, 64,
		  "PERSON: 'contact:x' is not contact:ID or staff:ID" },
		{ { "person", "export", "anna", "/tmp/never-written.zip" }, 64,
		  "'anna' is not contact:ID or staff:ID" },
		{ { "person", "export", "contact:1" }, 64, "FILE is required" },
		{ { "person", "export", "contact:1", exists }, 73,
		  "exists; give --force to replace it" },
		{ { "person", "export", "contact:1", nodir }, 73, "cannot create" },
		{ { "person", "export", "contact:1", db, "--force" }, 64, "the database itself" },
		{ { "person", "erase", "contact:99" }, 65, "contact 99: no such id" },
		{ { "person", "erase", "contact:" }, 64, "is not contact:ID" },
		{ { "person", "erase", "staff:1" }, 64, "only a contact's data can be erased" },
		{ { "person", "erase" }, 64, "is required" },
	};

	write_file(exists, "keep me");
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		const char *argv[12] = { "-c", e->conf };
		size_t k = 2;
		struct res r;

		for (size_t j = 0; cases[i].args[j] != NULL; j++)
			argv[k++] = cases[i].args[j];
		argv[k] = NULL;
		r = run_argv(e, argv);
		if (r.code != cases[i].code || strstr(r.err, cases[i].want) == NULL)
			fail_msg("case %zu: exit %d (want %d), stderr \"%s\" (want \"%s\")", i,
				 r.code, cases[i].code, r.err, cases[i].want);
		if (*r.out != '\0')
			fail_msg("case %zu: stdout not empty: %s", i, r.out);
		res_free(&r);
	}
	/* Nothing was written or lost: the file kept, no archive, no temp. */
	content = slurp(exists);
	assert_string_equal(content, "keep me");
	free(content);
	assert_int_equal(access("/tmp/never-written.zip", F_OK), -1);
	content = ok_out(CTL(e, "contact", "show", "1"), "contact show");
	expect_in("contact 1 untouched", content, "anna@acme.example");
	free(content);
	{
		char *cmd = xasprintf("ls '%s' | grep -c tmp || true", e->dir);
		FILE *p = popen(cmd, "r");
		char buf[32] = "";

		assert_non_null(p);
		assert_non_null(fgets(buf, sizeof(buf), p));
		pclose(p);
		assert_string_equal(buf, "0\n");
		free(cmd);
	}
	free(exists);
	free(db);
	free(nodir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_person_export_round_trips, setup_seeded,
						teardown_env),
		cmocka_unit_test_setup_teardown(test_person_erase_leaves_no_trace, setup_seeded,
						teardown_env),
		cmocka_unit_test_setup_teardown(test_person_erase_files_never_dangle, setup_seeded,
						teardown_env),
		cmocka_unit_test_setup_teardown(
			test_person_upload_racing_the_removal_keeps_its_file, setup_seeded,
			teardown_env),
		cmocka_unit_test_setup_teardown(test_person_bad_input_is_refused, setup_seeded,
						teardown_env),
		cmocka_unit_test_setup_teardown(test_person_erase_refused_under_legal_hold,
						setup_seeded, teardown_env),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
