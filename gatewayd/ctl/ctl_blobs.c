/*
 * ctl_blobs.c - the content store of attachments from the command line:
 * `gatewayctl gc` removes content files no row names (after a grace, so
 * that an upload whose row is about to commit keeps its file), and
 * `gatewayctl backup FILE --attachments DIR` copies the content files the
 * backed-up database names into DIR (content-addressed: a file already in
 * DIR is the same file and is skipped, so a second backup copies only
 * what is new).  doctor's count of missing and unreferenced files is
 * store_blob_check(), called from ctl_doctor.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "ctl.h"

int ctl_cmd_gc(struct ctl *c, const struct ctl_args *a)
{
	const char *g = ctl_opt(a, "--grace");
	int64_t grace = -1;
	struct store_blob_gc res;
	char *error = NULL;
	enum gw_result r;
	int rc;

	if (g != NULL && (rc = ctl_parse_int(c, "--grace", g, 0, 365 * 86400, &grace)) != 0)
		return rc;
	r = store_blob_gc(c->store, c->cfg->store.attachments_dir, clock_now(), grace, &res,
			  &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json) {
		ctl_json_print(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "attachments_dir",
					 c->cfg->store.attachments_dir, "removed",
					 (json_int_t)res.removed, "removed_bytes",
					 (json_int_t)res.removed_bytes, "kept", (json_int_t)res.kept,
					 "young", (json_int_t)res.young, "temp_removed",
					 (json_int_t)res.temp_removed));
		return 0;
	}
	printf("removed %lld unreferenced content files (%lld bytes) and %lld temp files; "
	       "%lld files in use, %lld too young to judge\n", (long long)res.removed,
	       (long long)res.removed_bytes, (long long)res.temp_removed, (long long)res.kept,
	       (long long)res.young);
	return 0;
}

/* Copy src to dst through a temp name, fsync'd: 0 or -1 (errno). */
static int copy_file(const char *src, const char *dst)
{
	char *tmp = xasprintf("%s.tmp.XXXXXX", dst), buf[65536];
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, rc = -1, e;
	ssize_t n;

	if (in >= 0)
		out = mkostemp(tmp, O_CLOEXEC);
	if (out >= 0 && fchmod(out, 0640) == 0) {
		rc = 0;
		while (rc == 0 && (n = read(in, buf, sizeof(buf))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 || write(out, buf, (size_t)n) != n)
				rc = -1;
		}
		if (rc == 0 && (fsync(out) < 0 || rename(tmp, dst) < 0))
			rc = -1;
	}
	e = errno;
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	if (rc < 0 && out >= 0)
		unlink(tmp);
	free(tmp);
	errno = e;
	return rc;
}

int ctl_backup_attachments(struct ctl *c, const char *db_copy, const char *dest,
			   struct ctl_blob_backup *res)
{
	const char *dir = c->cfg->store.attachments_dir;
	char **hexes = NULL, *error = NULL;
	size_t n = 0;
	int code = 0;

	memset(res, 0, sizeof(*res));
	/* The copy's rows, not the live ones: what the backup can restore. */
	if (store_blob_referenced(db_copy, &hexes, &n, &error) < 0) {
		code = ctl_error(c, EX_DATAERR, "%s", error);
		free(error);
		return code;
	}
	if (mkdir(dest, 0750) < 0 && errno != EEXIST)
		code = ctl_error(c, ctl_create_errno_code(errno), "--attachments %s: %s", dest,
				 strerror(errno));
	for (size_t i = 0; i < n; i++) {
		char *src = store_attachment_path(dir, hexes[i]);
		char *dst = store_attachment_path(dest, hexes[i]);
		char *sub = xasprintf("%s/%.2s", dest, hexes[i]);
		struct stat sb;

		if (code != 0) {
			/* nothing more */
		} else if (stat(dst, &sb) == 0) {
			res->present++;
		} else if (stat(src, &sb) < 0) {
			/* Erased since the database was copied, or lost: doctor
			 * tells which. */
			res->missing++;
		} else if ((mkdir(sub, 0750) < 0 && errno != EEXIST) ||
			   (link(src, dst) < 0 && copy_file(src, dst) < 0)) {
			code = ctl_error(c, ctl_create_errno_code(errno), "--attachments %s: %s",
					 dst, strerror(errno));
		} else {
			res->copied++;
			res->bytes += (int64_t)sb.st_size;
		}
		free(src);
		free(dst);
		free(sub);
		free(hexes[i]);
	}
	free(hexes);
	return code;
}
