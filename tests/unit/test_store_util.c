/*
 * test_store_util.c - the store tests' fixture: temp directory, database,
 * a small firm, pinned clock, and raw-SQL helpers (see test_store_util.h).
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "buf.h"
#include "clock.h"
#include "test_store_util.h"

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *err = NULL;
	const char *tmp = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";

	snprintf(f->dir, sizeof(f->dir), "%s/gw-store-XXXXXX", tmp);
	if (mkdtemp(f->dir) == NULL)
		fail_msg("mkdtemp %s failed", f->dir);
	snprintf(f->db, sizeof(f->db), "%s/gw.db", f->dir);
	snprintf(f->att, sizeof(f->att), "%s/att", f->dir);
	f->cfg.path = f->db;
	f->cfg.attachments_dir = f->att;
	f->cfg.busy_timeout_ms = 5000;
	f->cfg.synchronous_full = 1;
	clock_set(T0);
	if (store_open(&f->cfg, &f->s, &err) != 0)
		fail_msg("store_open: %s", err);
	store_set_mail_domain(f->s, "Reply.Firm.Example");

	struct store_firm_in firm = { .name = "Example & Partners", .allow_client_chats = 0 };
	CHECK_OK(store_firm_set(f->s, &firm, &err), err);
	CHECK_OK(store_staff_add(f->s, "Olivia Owner", "olivia@firm.example", STORE_ROLE_OWNER,
				 &f->owner, &err), err);
	CHECK_OK(store_staff_add(f->s, "Adam Admin", "adam@firm.example", STORE_ROLE_ADMIN,
				 &f->admin, &err), err);
	CHECK_OK(store_staff_add(f->s, "Mia Member", "mia@firm.example", STORE_ROLE_MEMBER,
				 &f->member, &err), err);
	CHECK_OK(store_staff_add(f->s, "Max Member", "max@firm.example", STORE_ROLE_MEMBER,
				 &f->member2, &err), err);
	CHECK_OK(store_account_add(f->s, "Acme Ltd", &f->acc1, &err), err);
	CHECK_OK(store_account_add(f->s, "Beta GmbH", &f->acc2, &err), err);
	CHECK_OK(store_account_add(f->s, "Gamma SA", &f->acc3, &err), err);
	CHECK_OK(store_contact_add(f->s, f->acc1, "Carla Client", "carla@acme.example", &f->c1,
				   &err), err);
	CHECK_OK(store_contact_add(f->s, f->acc1, "Chris Client", "chris@acme.example", &f->c2,
				   &err), err);
	CHECK_OK(store_contact_add(f->s, f->acc2, "Bea Beta", "bea@beta.example", &f->c3, &err),
		 err);
	CHECK_OK(store_staff_assign(f->s, f->member, f->acc1, 1, &err), err);
	*state = f;
	return 0;
}

int fx_teardown(void **state)
{
	struct fx *f = *state;
	store_close(&f->s);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	clock_set(0);
	free(f);
	return 0;
}

struct store *fx_open(struct fx *f, int64_t busy_ms)
{
	struct cfg_store cfg = f->cfg;
	struct store *s = NULL;
	char *err = NULL;
	cfg.busy_timeout_ms = busy_ms;
	if (store_open(&cfg, &s, &err) != 0)
		fail_msg("store_open: %s", err);
	store_set_mail_domain(s, "reply.firm.example");
	return s;
}

static sqlite3 *raw_open(struct fx *f)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		fail_msg("raw open %s: %s", f->db, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static sqlite3_stmt *raw_query(sqlite3 *db, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;
	buf_vprintf(&b, fmt, ap);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, b.data, -1, &st, NULL) != SQLITE_OK)
		fail_msg("raw sql \"%s\": %s", b.data, sqlite3_errmsg(db));
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		fail_msg("raw sql \"%s\": %s", b.data, sqlite3_errmsg(db));
	buf_release(&b);
	return st;
}

int64_t fx_int(struct fx *f, const char *fmt, ...)
{
	sqlite3 *db = raw_open(f);
	va_list ap;
	va_start(ap, fmt);
	sqlite3_stmt *st = raw_query(db, fmt, ap);
	va_end(ap);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

char *fx_text(struct fx *f, const char *fmt, ...)
{
	sqlite3 *db = raw_open(f);
	va_list ap;
	va_start(ap, fmt);
	sqlite3_stmt *st = raw_query(db, fmt, ap);
	va_end(ap);
	const unsigned char *t = sqlite3_column_text(st, 0);
	char *r = strdup(t != NULL ? (const char *)t : "");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return r;
}

void fx_exec(struct fx *f, const char *fmt, ...)
{
	sqlite3 *db = raw_open(f);
	va_list ap;
	va_start(ap, fmt);
	sqlite3_stmt *st = raw_query(db, fmt, ap);
	va_end(ap);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int64_t fx_chat(struct fx *f, int64_t account, const char *subject, const char *body,
		int reminders, int days, int count)
{
	int64_t id = 0;
	char *err = NULL;
	struct store_chat_new c = {
		.account_ids = &account, .n_accounts = 1, .staff_id = f->owner,
		.subject = subject, .body = body, .reminders = reminders,
		.reminder_days = days, .reminder_count = count,
	};
	CHECK_OK(store_chat_create(f->s, &c, &id, &err), err);
	return id;
}
