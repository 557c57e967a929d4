/*
 * store.c - opening and closing a store connection: the pragmas every
 * connection needs (WAL, synchronous, busy timeout, foreign keys), schema
 * migration, per-connection settings, and the query-plan diagnostics.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "path.h"
#include "store_int.h"

#define DEFAULT_MAIL_DOMAIN "gatewayd.invalid"

/*
 * Busy handler: wait for the write lock up to busy_timeout_ms, polling
 * every 0.5-2 ms.  SQLite's own handler backs off to 100 ms sleeps, and a
 * waiter that sleeps that long behind a writer committing every few
 * milliseconds keeps missing the moment the lock is free (it was seen
 * waiting for most of a second behind another process).  Short jittered
 * polls find the gap between two transactions.
 */
static int busy_wait(void *ctx, int n)
{
	struct store *s = ctx;
	int64_t now = clock_monotonic_ms();
	if (n == 0)
		s->busy_since = now;
	if (now - s->busy_since >= s->busy_timeout_ms)
		return 0;
	struct timespec ts = { 0, 500000 + (long)(rand_r(&s->busy_seed) % 1500) * 1000 };
	nanosleep(&ts, NULL);
	return 1;
}

static int exec_pragma(struct store *s, const char *sql, char **error_r)
{
	/* Pragmas take no bound parameters; these strings are our own. */
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		store_db_record(s, sqlite3_extended_errcode(s->db));
		store_db_fail(s, error_r, "%s: %s", s->path, sql);
		return -1;
	}
	return 0;
}

/*
 * SQLite cannot create the -wal and -shm files beside the database when
 * their directory is read-only or not writable by us, and then says only
 * "unable to open database file": add the directory and the reason.
 */
static void add_dir_reason(const char *path, char **error_r)
{
	char *dir = path_dir(path);

	if (error_r != NULL && *error_r != NULL && access(dir, W_OK) != 0) {
		char *more = xasprintf("%s (%s: %s)", *error_r, dir, strerror(errno));
		free(*error_r);
		*error_r = more;
	}
	free(dir);
}

static int set_wal(struct store *s, char **error_r)
{
	sqlite3_stmt *st = NULL;
	int64_t waited = 0;
	int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	/* Switching a new file to WAL needs it to itself: when another
	 * process opens the same new file at that moment, SQLite answers
	 * SQLITE_BUSY without calling the busy handler.  Wait as a busy
	 * handler would, up to busy_timeout. */
	while (((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) &&
	       waited < s->busy_timeout_ms) {
		sqlite3_reset(st);
		sqlite3_sleep(10);
		waited += 10;
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW) {
		store_db_record(s, sqlite3_extended_errcode(s->db));
		sqlite3_finalize(st);
		store_db_fail(s, error_r, "%s: set WAL mode", s->path);
		add_dir_reason(s->path, error_r);
		return -1;
	}
	const char *mode = (const char *)sqlite3_column_text(st, 0);
	int ok = mode != NULL && strcmp(mode, "wal") == 0;
	if (!ok)
		store_fail(error_r, GW_PERMFAIL, "%s: journal mode is \"%s\", WAL is not available",
			   s->path, mode != NULL ? mode : "");
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

/*
 * Create a missing database file with the mode and group of the store's
 * files before SQLite does: SQLite would use 0644 less the umask, and
 * then give its -wal and -shm files the same mode.
 */
static int create_file(const struct cfg_store *settings, char **error_r)
{
	int fd = open(settings->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		      STORE_FILE_MODE);
	int rc = 0;
	char *err = NULL;

	if (fd < 0)
		return 0;  /* it exists, or SQLite says why it cannot be opened */
	if (store_file_protect(fd, settings->path, settings, &err) < 0) {
		store_fail(error_r, GW_PERMFAIL, "%s", err);
		free(err);
		(void)unlink(settings->path);
		rc = -1;
	}
	close(fd);
	return rc;
}

/*
 * SQLite creates -wal and -shm with the database's mode, but with this
 * process's group, and leaves ones that exist (a crash, another user's
 * process) as they are: give those we own the store's mode and group.
 * By path, never by opening them: closing any descriptor of a file drops
 * every POSIX lock this process holds on it, SQLite's own included.
 */
static int protect_companions(const struct cfg_store *settings, char **error_r)
{
	static const char *const suffixes[] = { "-wal", "-shm" };
	unsigned want = store_file_mode(settings);
	struct group gr, *grp = NULL;
	char sbuf[4096];

	if (settings->group != NULL &&
	    (getgrnam_r(settings->group, &gr, sbuf, sizeof(sbuf), &grp) != 0 || grp == NULL))
		return store_fail(error_r, GW_PERMFAIL, "%s: [store] group \"%s\" is not a group "
				  "of this system", settings->path, settings->group), -1;
	for (size_t i = 0; i < GW_ARRAY_SIZE(suffixes); i++) {
		char *f = xasprintf("%s%s", settings->path, suffixes[i]);
		struct stat st;
		int bad = 0;

		if (lstat(f, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid()) {
			if (grp != NULL && st.st_gid != grp->gr_gid &&
			    chown(f, (uid_t)-1, grp->gr_gid) < 0)
				bad = 1;
			else if ((st.st_mode & 07777) != want && chmod(f, (mode_t)want) < 0)
				bad = 1;
		}
		if (bad) {
			store_fail(error_r, GW_PERMFAIL, "%s: cannot give it mode %04o%s%s: %s", f,
				   want, grp != NULL ? " and group " : "",
				   grp != NULL ? settings->group : "", strerror(errno));
			free(f);
			return -1;
		}
		free(f);
	}
	return 0;
}

int store_open(const struct cfg_store *settings, struct store **store_r, char **error_r)
{
	*store_r = NULL;
	if (settings == NULL || settings->path == NULL || settings->path[0] == '\0') {
		store_fail(error_r, GW_INVALID, "store: no database path configured");
		return -1;
	}
	if (create_file(settings, error_r) < 0)
		return -1;
	struct store *s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(settings->path);
	s->attachments_dir = settings->attachments_dir != NULL
				     ? xstrdup(settings->attachments_dir) : NULL;
	s->mail_domain = xstrdup(DEFAULT_MAIL_DOMAIN);
	s->rem_days = 3;
	s->rem_count = 1;
	s->batch_window = settings->batch_window > 0 ? settings->batch_window : 0;
	s->show_content = settings->show_content != 0;

	int rc = sqlite3_open_v2(s->path, &s->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
					 SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		store_db_record(s, rc);
		store_db_fail(s, error_r, "%s: open", s->path);
		store_close(&s);
		return -1;
	}
	sqlite3_extended_result_codes(s->db, 1);
	int64_t busy = settings->busy_timeout_ms > 0 ? settings->busy_timeout_ms : 5000;
	if (busy > 3600 * 1000)
		busy = 3600 * 1000;
	s->busy_timeout_ms = busy;
	s->busy_seed = (unsigned)getpid() ^ (unsigned)clock_monotonic_ms();
	sqlite3_busy_handler(s->db, busy_wait, s);

	if (set_wal(s, error_r) < 0 ||
	    exec_pragma(s, settings->synchronous_full ? "PRAGMA synchronous = FULL"
						      : "PRAGMA synchronous = NORMAL",
			error_r) < 0 ||
	    exec_pragma(s, "PRAGMA foreign_keys = ON", error_r) < 0 ||
	    exec_pragma(s, "PRAGMA temp_store = MEMORY", error_r) < 0 ||
	    store_schema_migrate(s, error_r) != GW_OK ||
	    protect_companions(settings, error_r) < 0) {
		store_close(&s);
		return -1;
	}
	*store_r = s;
	return 0;
}

void store_close(struct store **storep)
{
	if (storep == NULL || *storep == NULL)
		return;
	struct store *s = *storep;
	*storep = NULL;
	if ((s->in_tx || s->request_tx) && s->db != NULL)
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	store_stmt_cache_free(s);
	if (s->db != NULL)
		sqlite3_close_v2(s->db);
	free(s->path);
	free(s->attachments_dir);
	free(s->mail_domain);
	free(s);
}

void store_set_mail_domain(struct store *s, const char *domain)
{
	if (domain == NULL || domain[0] == '\0')
		domain = DEFAULT_MAIL_DOMAIN;
	free(s->mail_domain);
	s->mail_domain = store_text_lower(domain);
}

void store_set_reminder_defaults(struct store *s, int days, int count)
{
	if (days >= 1 && days <= GW_REMINDER_DAYS_MAX)
		s->rem_days = days;
	if (count >= 1 && count <= GW_REMINDER_COUNT_MAX)
		s->rem_count = count;
}

int store_show_content_default(const struct store *s)
{
	return s->show_content;
}

static const char SQL_VERSION[] = "PRAGMA user_version";

int store_schema_version(struct store *s)
{
	int64_t v = -1;
	if (store_db_int(s, SQL_VERSION, &v, "") != SQLITE_ROW)
		return -1;
	return (int)v;
}

static const char SQL_DATA_VERSION[] = "PRAGMA data_version";

int store_data_version(struct store *s, int64_t *version_r)
{
	return store_db_int(s, SQL_DATA_VERSION, version_r, "") == SQLITE_ROW ? 0 : -1;
}

static int explain_one(struct store *s, const char *sql, struct buf *out, char **error_r)
{
	char *q = xasprintf("EXPLAIN QUERY PLAN %s", sql);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, q, -1, &st, NULL);
	free(q);
	if (rc != SQLITE_OK) {
		store_db_record(s, rc);
		store_db_fail(s, error_r, "explain");
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *d = sqlite3_column_text(st, 3);
		buf_printf(out, "%s\n", d != NULL ? (const char *)d : "");
	}
	if (rc != SQLITE_DONE) {
		store_db_record(s, sqlite3_extended_errcode(s->db));
		sqlite3_finalize(st);
		store_db_fail(s, error_r, "explain");
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

enum gw_result store_query_plan(struct store *s, const char *which, char **plan_r,
				char **error_r)
{
	const char *sqls[2] = { NULL, NULL };
	if (which == NULL)
		which = "";
	if (strcmp(which, "outbox_due") == 0) {
		sqls[0] = store_sql_outbox_due_queued;
		sqls[1] = store_sql_outbox_due_leased;
	} else if (strcmp(which, "outbox_next_due") == 0) {
		sqls[0] = store_sql_outbox_next_queued;
		sqls[1] = store_sql_outbox_next_leased;
	} else if (strcmp(which, "reminders_due") == 0) {
		sqls[0] = store_sql_reminders_due;
	} else if (strcmp(which, "reminders_next_due") == 0) {
		sqls[0] = store_sql_reminders_next;
	} else if (strcmp(which, "explanations_recent") == 0) {
		sqls[0] = store_sql_explanations_count;
	} else if (strcmp(which, "inbox_unread") == 0) {
		sqls[0] = store_sql_inbox_unread;
	} else if (strcmp(which, "inbox_list") == 0) {
		sqls[0] = store_sql_inbox_list;
	} else {
		return store_fail(error_r, GW_INVALID, "query plan: unknown query \"%s\"", which);
	}
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < 2 && sqls[i] != NULL; i++) {
		if (explain_one(s, sqls[i], &b, error_r) < 0) {
			buf_release(&b);
			return store_db_result(s->last_rc) == GW_OK ? GW_PERMFAIL
							      : store_db_result(s->last_rc);
		}
	}
	*plan_r = buf_detach(&b);
	return GW_OK;
}
