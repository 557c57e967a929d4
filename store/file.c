/*
 * file.c - the database as a file: a consistent backup copy and a health
 * check, for gatewayctl backup and doctor (see store.h).  Both work on
 * their own connections, read-only on the database, so they can run
 * beside a live gatewayd and on a database too old or too new to migrate.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"

void store_process_init(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

unsigned store_file_mode(const struct cfg_store *settings)
{
	return settings != NULL && settings->group != NULL ? STORE_FILE_MODE_GROUP
							    : STORE_FILE_MODE;
}

int store_file_protect(int fd, const char *path, const struct cfg_store *settings,
		       char **error_r)
{
	mode_t mode = (mode_t)store_file_mode(settings);

	if (settings != NULL && settings->group != NULL) {
		struct group gr, *res = NULL;
		char sbuf[4096];

		if (getgrnam_r(settings->group, &gr, sbuf, sizeof(sbuf), &res) != 0 ||
		    res == NULL) {
			*error_r = xasprintf("%s: [store] group \"%s\" is not a group of this "
					     "system", path, settings->group);
			return -1;
		}
		if (fchown(fd, (uid_t)-1, gr.gr_gid) < 0) {
			*error_r = xasprintf("%s: cannot give it the group %s: %s", path,
					     settings->group, strerror(errno));
			return -1;
		}
	}
	if (fchmod(fd, mode) < 0) {
		*error_r = xasprintf("%s: cannot set mode %04o: %s", path, (unsigned)mode,
				     strerror(errno));
		return -1;
	}
	return 0;
}

/* Run a pragma that answers one text row into *out_r (malloc'd). */
static int pragma_text(sqlite3 *db, const char *sql, char **out_r)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	*out_r = NULL;
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);

		*out_r = xstrdup(t != NULL ? (const char *)t : "");
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK || rc == SQLITE_DONE ? 0 : -1;
}

static enum store_backup_error backup_fail(enum store_backup_error e, char **error_r,
					   char *msg)
{
	*error_r = msg;
	return e;
}

/* The copy itself; both connections are closed by the caller. */
static enum store_backup_error backup_copy(sqlite3 **srcp, sqlite3 **dstp,
					   const char *src_path, const char *tmp,
					   int64_t busy, int *schema_version_r,
					   char **error_r)
{
	sqlite3_backup *bk;
	char *check = NULL, *mode = NULL, *ver = NULL;
	int64_t waited = 0;
	enum store_backup_error e = STORE_BACKUP_OK;
	int rc;

	rc = sqlite3_open_v2(src_path, srcp, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK)
		return backup_fail(STORE_BACKUP_TEMPFAIL, error_r,
				   xasprintf("database %s: %s", src_path,
					     *srcp != NULL ? sqlite3_errmsg(*srcp)
							   : sqlite3_errstr(rc)));
	sqlite3_busy_timeout(*srcp, (int)(busy > 0 ? busy : 5000));
	rc = sqlite3_open_v2(tmp, dstp, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK)
		return backup_fail(STORE_BACKUP_CANTCREAT, error_r,
				   xasprintf("%s: %s", tmp,
					     *dstp != NULL ? sqlite3_errmsg(*dstp)
							   : sqlite3_errstr(rc)));
	bk = sqlite3_backup_init(*dstp, "main", *srcp, "main");
	if (bk == NULL)
		return backup_fail(STORE_BACKUP_CANTCREAT, error_r,
				   xasprintf("%s: %s", tmp, sqlite3_errmsg(*dstp)));
	/* One step copies everything inside one read transaction: a snapshot.
	 * Busy or locked happens only while another process holds the database
	 * exclusively (a migration, a checkpoint in rollback mode). */
	for (;;) {
		rc = sqlite3_backup_step(bk, -1);
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited >= busy)
			break;
		sqlite3_sleep(50);
		waited += 50;
	}
	sqlite3_backup_finish(bk);
	if (rc != SQLITE_DONE) {
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			return backup_fail(STORE_BACKUP_TEMPFAIL, error_r,
					   xasprintf("database %s: busy for %lld ms; try again",
						     src_path, (long long)busy));
		if (rc == SQLITE_FULL || rc == SQLITE_IOERR || rc == SQLITE_NOMEM)
			return backup_fail(STORE_BACKUP_TEMPFAIL, error_r,
					   xasprintf("%s: %s", tmp, sqlite3_errstr(rc)));
		return backup_fail(STORE_BACKUP_DATAERR, error_r,
				   xasprintf("database %s: %s", src_path, sqlite3_errstr(rc)));
	}
	/* The copy carries the source's WAL flag; one self-contained file is
	 * what a backup should be. */
	if (pragma_text(*dstp, "PRAGMA journal_mode = DELETE", &mode) < 0 ||
	    mode == NULL || strcmp(mode, "delete") != 0) {
		e = backup_fail(STORE_BACKUP_TEMPFAIL, error_r,
				xasprintf("%s: cannot leave WAL mode: %s", tmp,
					  sqlite3_errmsg(*dstp)));
	} else if (pragma_text(*dstp, "PRAGMA integrity_check", &check) < 0 ||
		   check == NULL || strcmp(check, "ok") != 0) {
		e = backup_fail(STORE_BACKUP_DAMAGED, error_r,
				xasprintf("the copy of %s fails its integrity check (%s)",
					  src_path,
					  check != NULL ? check : sqlite3_errmsg(*dstp)));
	} else if (pragma_text(*dstp, "PRAGMA user_version", &ver) == 0 && ver != NULL) {
		*schema_version_r = atoi(ver);
	}
	free(check);
	free(mode);
	free(ver);
	return e;
}

enum store_backup_error store_backup(const char *db_path, const char *dst_path,
				     int64_t busy_ms, int *schema_version_r,
				     char **error_r)
{
	sqlite3 *src = NULL, *dst = NULL;
	enum store_backup_error e;

	e = backup_copy(&src, &dst, db_path, dst_path, busy_ms, schema_version_r, error_r);
	if (dst != NULL && sqlite3_close(dst) != SQLITE_OK && e == STORE_BACKUP_OK)
		e = backup_fail(STORE_BACKUP_TEMPFAIL, error_r,
				xasprintf("%s: cannot close", dst_path));
	sqlite3_close(src);
	return e;
}

static int pragma_int(sqlite3 *db, const char *sql, int64_t *v_r)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		*v_r = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* PRAGMA integrity_check: NULL when "ok", else the first findings
 * (malloc'd). */
static char *integrity(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	struct buf b = BUF_INIT;
	int rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check(5)", -1, &st, NULL);

	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);

		rc = SQLITE_OK;
		if (t != NULL && strcmp(t, "ok") == 0)
			continue;
		buf_printf(&b, "%s%s", b.len > 0 ? "; " : "", t != NULL ? t : "");
	}
	if (rc != SQLITE_DONE && b.len == 0)
		buf_printf(&b, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	if (b.len == 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

int store_inspect(const char *path, struct store_file_health *h, char **error_r)
{
	sqlite3 *db = NULL;
	int rc;

	memset(h, 0, sizeof(*h));
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, 5000);
		if (pragma_int(db, "PRAGMA user_version", &h->schema_version) < 0 ||
		    pragma_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
			       &h->tables) < 0)
			rc = sqlite3_errcode(db) != SQLITE_OK ? sqlite3_errcode(db) : SQLITE_ERROR;
	}
	if (rc != SQLITE_OK) {
		*error_r = xstrdup(db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return -1;
	}
	if (h->tables > 0)
		h->damage = integrity(db);
	sqlite3_close(db);
	return 0;
}

void store_file_health_clear(struct store_file_health *h)
{
	free(h->damage);
	h->damage = NULL;
}
