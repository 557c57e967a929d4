/*
 * blob_scan.c - the content store beside the database, looked over as a
 * whole: which content files the rows name and which are there (gatewayctl
 * doctor), removing those no row names (gatewayctl gc), and the list a
 * backup copies (gatewayctl backup --attachments).
 *
 * A content file is linked in before its row commits (blob.c): a file no
 * row names may be an upload about to commit, or one erasure or retention
 * is about to remove.  gc therefore removes only files untouched for the
 * grace (STORE_BLOB_GRACE: an upload touches a file it finds already
 * there), and decides each one under the write lock, as retention does.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "retention.h"
#include "store_int.h"

static int is_hex(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

/* Call fn for each file under dir: content files (hex set), and anything
 * else that is not a directory (hex NULL: a stray or a temp file). */
static int walk(const char *dir, int (*fn)(void *arg, const char *path, const char *hex,
					   const struct stat *sb), void *arg)
{
	DIR *top = opendir(dir), *sub;
	struct dirent *de, *fe;
	int rc = 0;

	if (top == NULL)
		return errno == ENOENT ? 0 : -1;
	while (rc == 0 && (de = readdir(top)) != NULL) {
		char *p = xasprintf("%s/%s", dir, de->d_name);
		struct stat sb;

		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
					     strcmp(de->d_name, "..") == 0)) {
			free(p);
			continue;
		}
		if (lstat(p, &sb) < 0) {
			free(p);
			continue;
		}
		if (!S_ISDIR(sb.st_mode)) {
			rc = fn(arg, p, NULL, &sb);
			free(p);
			continue;
		}
		sub = is_hex(de->d_name, 2) ? opendir(p) : NULL;
		while (sub != NULL && rc == 0 && (fe = readdir(sub)) != NULL) {
			char *f = xasprintf("%s/%s", p, fe->d_name);

			if (fe->d_name[0] != '.' || (fe->d_name[1] != '\0' &&
						     strcmp(fe->d_name, "..") != 0)) {
				if (lstat(f, &sb) == 0 && S_ISREG(sb.st_mode))
					rc = fn(arg, f,
						is_hex(fe->d_name, 64) &&
							strncmp(fe->d_name, de->d_name, 2) == 0
							? fe->d_name : NULL, &sb);
			}
			free(f);
		}
		if (sub != NULL)
			closedir(sub);
		free(p);
	}
	closedir(top);
	return rc;
}

/* ---- what the database names, read-only ---------------------------------- */

static const char SQL_ALL_REFERENCED[] =
	"SELECT DISTINCT sha256 FROM attachments ORDER BY sha256";
static const char SQL_REFERENCED[] = "SELECT 1 FROM attachments WHERE sha256 = ?1 LIMIT 1";

int store_blob_referenced(const char *db_path, char ***hexes_r, size_t *n_r, char **error_r)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char **v = NULL;
	size_t n = 0, cap = 0;
	int rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, 5000);
		rc = sqlite3_prepare_v2(db, SQL_ALL_REFERENCED, -1, &st, NULL);
	}
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);

		rc = SQLITE_OK;
		if (t != NULL)
			*(char **)store_vec_push(&v, &n, &cap, sizeof(*v)) = xstrdup((const char *)t);
	}
	if (rc != SQLITE_DONE) {
		*error_r = xasprintf("database %s: %s", db_path,
				     db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		v = NULL;
		n = 0;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	*hexes_r = v;
	*n_r = n;
	return rc == SQLITE_DONE ? 0 : -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- doctor ----------------------------------------------------------------- */

struct check_ctx {
	char **refs;
	size_t n_refs;
	unsigned char *seen;
	struct store_blob_report *rep;
};

static int check_one(void *arg, const char *path, const char *hex, const struct stat *sb)
{
	struct check_ctx *x = arg;
	char **hit;

	if (hex == NULL) {
		x->rep->strays++;
		if (x->rep->stray_example == NULL)
			x->rep->stray_example = xstrdup(path);
		return 0;
	}
	x->rep->files++;
	hit = x->n_refs > 0 ? bsearch(&hex, x->refs, x->n_refs, sizeof(*x->refs), cmp_str) : NULL;
	if (hit != NULL) {
		x->seen[hit - x->refs] = 1;
		return 0;
	}
	x->rep->unreferenced++;
	x->rep->unreferenced_bytes += (int64_t)sb->st_size;
	return 0;
}

int store_blob_check(const char *db_path, const char *dir, struct store_blob_report *rep,
		     char **error_r)
{
	struct check_ctx x = { 0 };
	int rc;

	memset(rep, 0, sizeof(*rep));
	if (store_blob_referenced(db_path, &x.refs, &x.n_refs, error_r) < 0)
		return -1;
	x.rep = rep;
	x.seen = xcalloc(x.n_refs + 1, 1);
	rep->referenced = (int64_t)x.n_refs;
	rc = walk(dir, check_one, &x);
	if (rc < 0)
		*error_r = xasprintf("%s: %s", dir, strerror(errno));
	for (size_t i = 0; i < x.n_refs; i++) {
		if (rc == 0 && !x.seen[i]) {
			rep->missing++;
			if (rep->missing_example == NULL)
				rep->missing_example = xstrdup(x.refs[i]);
		}
		free(x.refs[i]);
	}
	free(x.refs);
	free(x.seen);
	return rc;
}

void store_blob_report_clear(struct store_blob_report *rep)
{
	free(rep->missing_example);
	free(rep->stray_example);
	memset(rep, 0, sizeof(*rep));
}

/* ---- gc ------------------------------------------------------------------------ */

struct gc_ctx {
	struct store *s;
	int64_t now, grace;
	struct store_blob_gc *res;
	enum gw_result r;
	char **error_r;
};

static const char SQL_TRASH_GONE[] = "DELETE FROM blob_trash WHERE sha256 = ?1";

static int gc_one(void *arg, const char *path, const char *hex, const struct stat *sb)
{
	struct gc_ctx *x = arg;
	struct store *s = x->s;
	int64_t used = 0;
	struct stat now_sb;
	enum gw_result r;

	if (x->now - (int64_t)sb->st_mtime < x->grace) {
		if (hex != NULL)
			x->res->young++;
		return 0;
	}
	if (hex == NULL) {
		/* A temp file of an upload or a copy that never finished. */
		const char *base = strrchr(path, '/');

		base = base != NULL ? base + 1 : path;
		if (strncmp(base, ".tmp.", 5) == 0 || strncmp(base, ".upload-", 8) == 0) {
			if (unlink(path) == 0)
				x->res->temp_removed++;
		}
		return 0;
	}
	/* Decided under the write lock: no row naming it can commit between
	 * the look and the unlink. */
	if ((r = store_tx_begin(s, 1, x->error_r)) != GW_OK) {
		x->r = r;
		return -1;
	}
	int rc = store_db_int(s, SQL_REFERENCED, &used, "s", hex);

	if (rc == SQLITE_ROW)
		used = 1;
	else if (rc == SQLITE_DONE)
		used = 0;
	else
		r = store_db_fail(s, x->error_r, "gc: file %s", hex);
	/* Touched since the walk saw it: an upload found it and wants it. */
	if (r == GW_OK && !used && stat(path, &now_sb) == 0 &&
	    x->now - (int64_t)now_sb.st_mtime >= x->grace) {
		if (unlink(path) == 0) {
			x->res->removed++;
			x->res->removed_bytes += (int64_t)now_sb.st_size;
		} else if (errno != ENOENT) {
			r = store_fail(x->error_r, GW_TEMPFAIL, "gc: unlink %s: %s", path,
				       strerror(errno));
		}
		if (r == GW_OK && store_db_exec(s, SQL_TRASH_GONE, "s", hex) != SQLITE_OK)
			r = store_db_fail(s, x->error_r, "gc: file %s", hex);
	} else if (r == GW_OK && used) {
		x->res->kept++;
	}
	r = store_tx_end(s, r, x->error_r);
	if (r != GW_OK) {
		x->r = r;
		return -1;
	}
	return 0;
}

enum gw_result store_blob_gc(struct store *s, const char *dir, int64_t now, int64_t grace,
			     struct store_blob_gc *res, char **error_r)
{
	struct gc_ctx x = { s, now, grace >= 0 ? grace : STORE_BLOB_GRACE, res, GW_OK, error_r };

	memset(res, 0, sizeof(*res));
	if (dir == NULL)
		return store_fail(error_r, GW_INVALID, "gc: no attachments directory");
	if (walk(dir, gc_one, &x) < 0 && x.r == GW_OK)
		return store_fail(error_r, GW_TEMPFAIL, "gc: %s: %s", dir, strerror(errno));
	return x.r;
}
