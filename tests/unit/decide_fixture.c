/*
 * decide_fixture.c - the database, keys and config every test_decide case
 * starts from (see decide_fixture.h).
 */
#include "decide_fixture.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

static void must(enum gw_result r, const char *what, char *err)
{
	if (r != GW_OK)
		fail_msg("fixture: %s: %s", what, err != NULL ? err : gw_result_name(r));
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	size_t n = strlen(text);

	if (fd < 0 || write(fd, text, n) != (ssize_t)n || close(fd) != 0)
		fail_msg("fixture: write %s failed", path);
}

int64_t fx_thread(struct fx *f, const char *subject)
{
	struct store_chat_new chat;
	int64_t id = 0;
	char *err = NULL;

	memset(&chat, 0, sizeof(chat));
	chat.account_ids = &f->account;
	chat.n_accounts = 1;
	chat.staff_id = f->staff;
	chat.subject = subject;
	chat.body = "Please upload your bank statements for 2026.";
	chat.reminders = 1;
	chat.reminder_days = 3;
	chat.reminder_count = 2;
	must(store_chat_create(f->store, &chat, &id, &err), "chat", err);
	return id;
}

void fx_setup(struct fx *f, int pin_clock)
{
	struct store_firm_in firm = { "Example & Co", 0, NULL };
	char *err = NULL;

	memset(f, 0, sizeof(*f));
	clock_set(pin_clock ? FX_NOW : 0);
	f->now = clock_now();
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_decide.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		fail_msg("fixture: mkdtemp failed");
	f->db_path = xasprintf("%s/gatewayd.db", f->dir);
	f->key_path = xasprintf("%s/keys", f->dir);
	f->conf_path = xasprintf("%s/gatewayd.conf", f->dir);
	write_file(f->key_path, "1 " FX_KEY_HEX "\n", 0600);
	if (link_keys_load(f->key_path, &f->keys, &err) != 0)
		fail_msg("fixture: keys: %s", err);

	f->cs.path = f->db_path;
	f->cs.attachments_dir = f->dir;
	f->cs.busy_timeout_ms = 2000;
	f->cs.synchronous_full = 0;
	if (store_open(&f->cs, &f->store, &err) != 0)
		fail_msg("fixture: store_open: %s", err);
	store_set_mail_domain(f->store, FX_REPLY_DOMAIN);
	must(store_firm_set(f->store, &firm, &err), "firm", err);
	must(store_staff_add(f->store, "Olivia Owner", "olivia@firm.example", STORE_ROLE_OWNER,
			     &f->staff, &err), "staff", err);
	must(store_account_add(f->store, "Acme Ltd", &f->account, &err), "account", err);
	must(store_contact_add(f->store, f->account, "Jane Smith", "jane@client.example",
			       &f->jane, &err), "jane", err);
	must(store_contact_add(f->store, f->account, "Bob Brown", "bob@client.example", &f->bob,
			       &err), "bob", err);
	f->thread = fx_thread(f, "Documents for 2026");

	if (sqlite3_open_v2(f->db_path, &f->check, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		fail_msg("fixture: open the check connection");
	sqlite3_busy_timeout(f->check, 2000);
	f->jane_mail_id = fx_str(f, "SELECT mail_id FROM outbox WHERE kind = 'new_message'"
				 " AND recipient_id = %lld ORDER BY id LIMIT 1", (long long)f->jane);

	f->set.store = f->store;
	f->set.keys = f->keys;
	f->set.reply_domain = FX_REPLY_DOMAIN;
	f->set.max_explanations_per_day = 5;
	inbound_limits_init(&f->set.limits);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fx_teardown(struct fx *f)
{
	for (size_t i = 0; i < f->n_kept; i++)
		free(f->kept[i]);
	sqlite3_close(f->check);
	store_close(&f->store);
	link_keys_free(&f->keys);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f->db_path);
	free(f->key_path);
	free(f->conf_path);
	free(f->jane_mail_id);
	clock_set(0);
}

char *fx_address(struct fx *f, enum link_purpose purpose, int64_t thread, int64_t contact,
		 int64_t expires)
{
	struct link_claims c;
	struct store_contact ct;
	char *err = NULL, *a;

	memset(&ct, 0, sizeof(ct));
	must(store_contact_get(f->store, contact, &ct, &err), "contact", err);
	memset(&c, 0, sizeof(c));
	c.purpose = purpose;
	c.thread_id = thread;
	c.kind = LINK_CONTACT;
	c.principal_id = contact;
	c.generation = ct.generation;
	c.expires = expires;
	store_contact_clear(&ct);
	a = link_address(f->keys, &c, FX_REPLY_DOMAIN);
	if (a == NULL)
		fail_msg("fixture: link_address failed");
	return a;
}

char *fx_msg(const char *tmpl, const char *rcpt, int n, const char *id)
{
	/* The templates are the test's own constants with exactly these three
	   conversions. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	return xasprintf(tmpl, rcpt, n, id);
#pragma GCC diagnostic pop
}

enum gw_result fx_decide(struct fx *f, const char *sender, const char *rcpt, const char *msg,
			 struct decide_outcome *out)
{
	char *err = NULL;
	enum gw_result r = decide_message(&f->set, sender, rcpt, msg, strlen(msg), 0, out, &err);

	if (r != GW_OK)
		print_error("decide: %s\n", err != NULL ? err : "?");
	free(err);
	return r;
}

static sqlite3_stmt *query(struct fx *f, const char *fmt, va_list ap)
{
	char *sql = sqlite3_vmprintf(fmt, ap);
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(f->check, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("query \"%s\": %s", sql, sqlite3_errmsg(f->check));
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("query \"%s\": no row (%s)", sql, sqlite3_errmsg(f->check));
	sqlite3_free(sql);
	return st;
}

int64_t fx_int(struct fx *f, const char *fmt, ...)
{
	va_list ap;
	sqlite3_stmt *st;
	int64_t v;

	va_start(ap, fmt);
	st = query(f, fmt, ap);
	va_end(ap);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static char *vstr(struct fx *f, const char *fmt, va_list ap)
{
	sqlite3_stmt *st = query(f, fmt, ap);
	const unsigned char *t = sqlite3_column_text(st, 0);
	char *s = xstrdup(t != NULL ? (const char *)t : "(null)");

	sqlite3_finalize(st);
	return s;
}

char *fx_str(struct fx *f, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vstr(f, fmt, ap);
	va_end(ap);
	return s;
}

const char *fx_str_keep(struct fx *f, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vstr(f, fmt, ap);
	va_end(ap);
	if (f->n_kept < GW_ARRAY_SIZE(f->kept))
		f->kept[f->n_kept++] = s;
	return s;
}

int64_t fx_explanations(struct fx *f)
{
	return fx_int(f, "SELECT count(*) FROM outbox WHERE kind = 'explanation'");
}

int64_t fx_notes(struct fx *f)
{
	return fx_int(f, "SELECT count(*) FROM messages WHERE staff_only = 1"
		      " AND author_kind = 'system' AND body LIKE '%%replied by email%%'");
}

int fx_bouncing(struct fx *f, int64_t contact)
{
	return fx_int(f, "SELECT email_status = 'bouncing' FROM contacts WHERE id = %lld",
		      (long long)contact) != 0;
}

void fx_write_config(struct fx *f, const char *extra)
{
	char *text = xasprintf("[store]\npath = %s\nbusy_timeout_ms = 200\nsynchronous = normal\n"
			       "[mail]\nfrom = chat@firm.example\nreply_domain = " FX_REPLY_DOMAIN
			       "\n[links]\nkey_file = %s\n%s",
			       f->db_path, f->key_path, extra != NULL ? extra : "");

	write_file(f->conf_path, text, 0644);
	free(text);
}
