/*
 * ctl_ops.c - gatewayctl commands for the postmaster's routine work:
 * `backup FILE` (a consistent copy of the live database) and `keys rotate`
 * (a new signing key for View-chat links and reply addresses).  `doctor`
 * lives in ctl_doctor.c.
 *
 * backup uses SQLite's online backup API on a read-only connection of its
 * own: it does not migrate the database (a backup taken before an upgrade
 * must hold the old schema), and in WAL mode it neither waits for nor
 * blocks the daemon's writers; the copy is the database as of one moment.
 * The copy is written to a temporary file beside FILE, switched out of WAL
 * mode so that it is one self-contained file, checked with PRAGMA
 * integrity_check, fsync'd and renamed into place; FILE is never seen
 * half-written, and an existing FILE is replaced only with --force.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "clock.h"
#include "ctl.h"
#include "links.h"
#include "path.h"

/* Keys a key file may hold (common/link_keys.c refuses to rotate beyond). */
#define LINK_KEYS_FILE_MAX 16

struct backup_result {
	int64_t bytes;
	int schema_version;
};

/*
 * Copy the database SRC_PATH into the new file TMP (which exists, empty).
 * Returns 0, or an exit code with the message printed.
 */
static int copy_database(struct ctl *c, const char *src_path, const char *tmp,
			 struct backup_result *res)
{
	static const int exit_codes[] = {
		[STORE_BACKUP_OK] = EX_OK,
		[STORE_BACKUP_TEMPFAIL] = EX_TEMPFAIL,
		[STORE_BACKUP_CANTCREAT] = EX_CANTCREAT,
		[STORE_BACKUP_DATAERR] = EX_DATAERR,
		[STORE_BACKUP_DAMAGED] = EX_DATAERR,
	};
	char *error = NULL;
	enum store_backup_error e;
	int code;

	e = store_backup(src_path, tmp, c->cfg->store.busy_timeout_ms, &res->schema_version,
			 &error);
	if (e == STORE_BACKUP_OK)
		return 0;
	code = ctl_error(c, exit_codes[e], "%s%s", error,
			 e == STORE_BACKUP_DAMAGED ? "; the database itself may be damaged: "
						     "run gatewayctl doctor"
						   : "");
	free(error);
	return code;
}

int ctl_cmd_backup(struct ctl *c, const struct ctl_args *a)
{
	const char *file = a->pos[0], *db = c->cfg->store.path;
	const char *blobs_dir = ctl_opt(a, "--attachments");
	struct ctl_blob_backup br = { 0 };
	int force = ctl_flag(a, "--force") > 0;
	struct backup_result res = { 0, 0 };
	char *tmp = NULL;
	struct stat st;
	int fd, code;

	if (stat(db, &st) < 0) {
		if (errno == ENOENT)
			return ctl_error(c, EX_CONFIG,
					 "database %s does not exist (nothing to back up)", db);
		return ctl_error(c, EX_CONFIG, "database %s: %s", db, strerror(errno));
	}
	if (ctl_same_file(file, db))
		return ctl_error(c, EX_USAGE, "%s is the database itself", file);
	if (!force && lstat(file, &st) == 0)
		return ctl_error(c, EX_CANTCREAT,
				 "%s exists; give --force to replace it", file);

	/* Same directory as FILE, so that the rename cannot cross devices. */
	tmp = xasprintf("%s.tmp.XXXXXX", file);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		char *dir = path_dir(file);

		code = ctl_error(c, ctl_create_errno_code(errno), "cannot create %s: %s: %s", file,
				 dir, strerror(errno));
		free(dir);
		free(tmp);
		return code;
	}
	/* A backup holds what the database holds: its mode and group. */
	{
		char *err = NULL;

		if (store_file_protect(fd, tmp, &c->cfg->store, &err) < 0) {
			code = ctl_error(c, EX_CANTCREAT, "%s", err);
			free(err);
			close(fd);
			goto fail;
		}
	}
	close(fd);
	code = copy_database(c, db, tmp, &res);
	if (code != 0)
		goto fail;

	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0 || fstat(fd, &st) < 0) {
		code = ctl_error(c, ctl_create_errno_code(errno), "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	close(fd);
	res.bytes = (int64_t)st.st_size;
	if (ctl_move_into_place(tmp, file, force) < 0) {
		if (errno == EEXIST)
			code = ctl_error(c, EX_CANTCREAT,
					 "%s exists; give --force to replace it", file);
		else
			code = ctl_error(c, ctl_create_errno_code(errno),
					 "cannot rename %s to %s: %s", tmp, file, strerror(errno));
		goto fail;
	}
	ctl_fsync_dir(file);
	free(tmp);
	/* The files the copy names, after the copy: a file erased in between
	 * is counted missing, never a row without its file in a restore of
	 * a later state. */
	if (blobs_dir != NULL && (code = ctl_backup_attachments(c, file, blobs_dir, &br)) != 0)
		return code;

	if (c->json) {
		json_t *o = json_pack("{s:s, s:s, s:I, s:i, s:s, s:s, s:s}",
				      "database", db, "backup", file, "bytes",
				      (json_int_t)res.bytes, "schema_version",
				      res.schema_version, "integrity", "ok",
				      "attachments_dir", c->cfg->store.attachments_dir,
				      "key_file", c->cfg->links.key_file);

		if (blobs_dir != NULL)
			json_object_set_new(o, "attachments",
					    json_pack("{s:s, s:I, s:I, s:I, s:I}", "dir", blobs_dir,
						      "copied", (json_int_t)br.copied,
						      "present", (json_int_t)br.present,
						      "missing", (json_int_t)br.missing,
						      "bytes", (json_int_t)br.bytes));
		ctl_json_print(o);
		return 0;
	}
	printf("backup of %s written to %s: %lld bytes, schema version %d, integrity ok\n",
	       db, file, (long long)res.bytes, res.schema_version);
	if (blobs_dir != NULL) {
		printf("attachments copied to %s: %lld new files (%lld bytes), %lld there "
		       "already%s\n", blobs_dir, (long long)br.copied, (long long)br.bytes,
		       (long long)br.present, br.missing > 0 ? "" : "; none missing");
		if (br.missing > 0)
			printf("%lld content files the backup names are not in %s (erased since, "
			       "or lost: run gatewayctl doctor)\n", (long long)br.missing,
			       c->cfg->store.attachments_dir);
		printf("not in this backup: the key file (%s); copy it too\n",
		       c->cfg->links.key_file);
	} else {
		printf("not in this file: the attachments (%s) and the key file (%s); "
		       "copy them too, or give --attachments DIR (see the backup guide)\n",
		       c->cfg->store.attachments_dir, c->cfg->links.key_file);
	}
	return 0;
fail:
	unlink(tmp);
	free(tmp);
	return code;
}

/* ---- keys rotate ---- */

/*
 * The key ids in the key file, in file order (the first signs).  The
 * format is links.h's: "ID HEX" per line, '#' comments, blank lines.
 * Returns the count, or -1 when the file cannot be read.
 */
static int key_ids(const char *path, int ids[], int max)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = line + strspn(line, " \t");

		if (*p >= '0' && *p <= '9' && n < max)
			ids[n++] = atoi(p);
		OPENSSL_cleanse(line, sizeof(line));
	}
	fclose(f);
	return n;
}

/* "180d", "12h", "90m" or "45s" for a duration in seconds. */
static void put_duration(char out[32], int64_t s)
{
	if (s % 86400 == 0)
		snprintf(out, 32, "%lldd", (long long)(s / 86400));
	else if (s % 3600 == 0)
		snprintf(out, 32, "%lldh", (long long)(s / 3600));
	else if (s % 60 == 0)
		snprintf(out, 32, "%lldm", (long long)(s / 60));
	else
		snprintf(out, 32, "%llds", (long long)s);
}

int ctl_cmd_keys_rotate(struct ctl *c, const struct ctl_args *a)
{
	const struct gw_config *cfg = c->cfg;
	const char *path = cfg->links.key_file;
	struct link_keys *keys = NULL;
	int ids[64], n;
	char *error = NULL, keep[32];
	int64_t longest = cfg->links.view_ttl;

	GW_UNUSED(a);
	/* Refuse to rotate a file the daemon could not use anyway. */
	if (link_keys_load(path, &keys, &error) < 0) {
		ctl_error(c, EX_CONFIG, "%s", error);
		free(error);
		return EX_CONFIG;
	}
	link_keys_free(&keys);
	if (key_ids(path, ids, (int)GW_ARRAY_SIZE(ids)) >= LINK_KEYS_FILE_MAX)
		return ctl_error(c, EX_DATAERR,
				 "%s already holds %d keys, the most a key file may hold; "
				 "delete the oldest line (its links stop working) and rotate again",
				 path, LINK_KEYS_FILE_MAX);
	if (link_keys_rotate(path, &error) < 0) {
		ctl_error(c, EX_CONFIG, "%s", error);
		free(error);
		return EX_CONFIG;
	}
	n = key_ids(path, ids, (int)GW_ARRAY_SIZE(ids));
	if (n < 1)
		return ctl_error(c, EX_TEMPFAIL, "%s: cannot read the rotated file", path);

	/* Old keys must verify for as long as anything signed with them can
	 * still be presented: View links, reply addresses, web sessions. */
	if (cfg->links.reply_ttl > longest)
		longest = cfg->links.reply_ttl;
	if (cfg->web.session_ttl > longest)
		longest = cfg->web.session_ttl;
	put_duration(keep, longest);

	if (c->json) {
		json_t *old = json_array();

		for (int i = 1; i < n; i++)
			json_array_append_new(old, json_integer(ids[i]));
		ctl_json_print(json_pack("{s:s, s:i, s:o, s:I, s:s}", "key_file", path,
					 "signing_key", ids[0], "verify_only", old,
					 "keep_old_keys_seconds", (json_int_t)longest,
					 "reload", "systemctl reload gatewayd"));
		return 0;
	}
	printf("key file %s: new signing key %d", path, ids[0]);
	if (n > 1) {
		printf("; key%s", n > 2 ? "s" : "");
		for (int i = 1; i < n; i++)
			printf("%s %d", i == 1 ? "" : (i == n - 1 ? " and" : ","), ids[i]);
		printf(" still verif%s what was signed before", n > 2 ? "y" : "ies");
	}
	printf("\n"
	       "next:\n"
	       "  1. make the daemon sign with the new key: systemctl reload gatewayd\n"
	       "     (gatewayd-pipe and gatewayctl read the file at every start)\n"
	       "  2. links and reply addresses already sent keep working for now\n"
	       "  3. after %s (the longest of [links] view_ttl, [links] reply_ttl and\n"
	       "     [web] session_ttl) you may delete the lines of the old keys; what\n"
	       "     was signed with them stops working then\n",
	       keep);
	return 0;
}
