/*
 * ctl_attach.c - `--attach FILE` of thread new and message post: each file
 * read in slices into the content store (hashed, fsync'd, linked in under
 * its SHA-256, store_blob) before the post's transaction, within the web
 * view's limits ([web] max_upload per file, max_post per post, at most
 * STORE_POST_MAX_FILES files), so that what one front end refuses no other
 * takes.  The file keeps its own name (the last part of the path).
 */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

/* A content type from the name's extension, for the download; the
 * common kinds of documents only, the rest is a plain byte stream. */
static const char *type_of(const char *name)
{
	static const struct { const char *ext, *type; } types[] = {
		{ "pdf", "application/pdf" }, { "txt", "text/plain" }, { "csv", "text/csv" },
		{ "png", "image/png" }, { "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
		{ "gif", "image/gif" }, { "zip", "application/zip" },
		{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
		{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
		{ "xls", "application/vnd.ms-excel" }, { "doc", "application/msword" },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot != NULL && i < GW_ARRAY_SIZE(types); i++)
		if (strcasecmp(dot + 1, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

/* One file into the store; 0 or an exit code (the message printed). */
static int attach_one(struct ctl *c, const char *path, int64_t max_file,
		      struct store_blob **blob_r, int64_t *size_r)
{
	const char *dir = c->cfg->store.attachments_dir;
	char buf[65536], *error = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	struct stat sb;
	ssize_t n;

	if (fd < 0)
		return ctl_error(c, EX_NOINPUT, "--attach %s: %s", path, strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return ctl_usage(c, "--attach %s: not a regular file", path);
	}
	if (sb.st_size == 0) {
		close(fd);
		return ctl_error(c, EX_DATAERR, "--attach %s: the file is empty", path);
	}
	if (sb.st_size > max_file) {
		close(fd);
		return ctl_error(c, EX_DATAERR, "--attach %s: %lld bytes, over [web] max_upload "
				 "(%lld)", path, (long long)sb.st_size, (long long)max_file);
	}
	if (store_blob_open(dir, blob_r, &error) < 0) {
		close(fd);
		rc = ctl_error(c, EX_TEMPFAIL, "--attach %s: %s", path, error);
		free(error);
		return rc;
	}
	*size_r = 0;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ctl_error(c, EX_IOERR, "--attach %s: %s", path, strerror(errno));
			break;
		}
		if (store_blob_write(*blob_r, buf, (size_t)n, &error) < 0) {
			rc = ctl_error(c, EX_TEMPFAIL, "--attach %s: %s", path, error);
			free(error);
			break;
		}
		*size_r += n;
	}
	close(fd);
	if (rc == 0 && *size_r > max_file)
		rc = ctl_error(c, EX_DATAERR, "--attach %s: grew over [web] max_upload while read",
			       path);
	if (rc == 0 && store_blob_finish(*blob_r, &error) < 0) {
		rc = ctl_error(c, EX_TEMPFAIL, "--attach %s: %s", path, error);
		free(error);
	}
	if (rc != 0)
		store_blob_close(blob_r);
	return rc;
}

int ctl_attach_files(struct ctl *c, const struct ctl_args *a, struct ctl_files *f)
{
	size_t n;
	char *const *paths = ctl_opt_all(a, "--attach", &n);
	int64_t max_post = c->cfg->web.max_body, total = 0;
	int64_t max_file = c->cfg->web.max_upload > 0 && c->cfg->web.max_upload < max_post
				   ? c->cfg->web.max_upload : max_post;
	char *error = NULL;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	if (n == 0)
		return 0;
	if (n > STORE_POST_MAX_FILES)
		return ctl_usage(c, "--attach: at most %d files in one post", STORE_POST_MAX_FILES);
	f->blobs = xcalloc(n, sizeof(*f->blobs));
	f->given = xcalloc(n, sizeof(*f->given));
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *slash = strrchr(paths[i], '/');
		const char *name = slash != NULL ? slash + 1 : paths[i];
		struct store_upload *u = &f->given[i];

		if (store_upload_name_check(name, &error) != GW_OK) {
			rc = ctl_usage(c, "--attach %s: %s", paths[i], error);
			free(error);
			break;
		}
		rc = attach_one(c, paths[i], max_file, &f->blobs[i], &u->size);
		if (rc != 0)
			break;
		f->n_given++;
		total += u->size;
		if (total > max_post) {
			rc = ctl_error(c, EX_DATAERR, "--attach: the files hold %lld bytes, over "
				       "[web] max_post (%lld)", (long long)total,
				       (long long)max_post);
			break;
		}
		u->file_name = name;
		u->content_type = type_of(name);
		u->fd = store_blob_fd(f->blobs[i]);
		snprintf(u->sha256, sizeof(u->sha256), "%s", store_blob_hex(f->blobs[i]));
	}
	if (rc == 0) {
		enum gw_result r = store_post_files_unpack(c->cfg->store.attachments_dir, f->given,
							   f->n_given, max_post, &f->unpacked,
							   &error);

		if (r == GW_INVALID) {
			rc = ctl_error(c, EX_DATAERR, "--attach: %s", error);
			free(error);
		} else if (r != GW_OK) {
			rc = ctl_store_fail(c, r, error);
		}
		f->files = f->unpacked.files;
		f->n = f->unpacked.n;
	}
	if (rc != 0)
		ctl_files_release(f);
	return rc;
}

void ctl_files_release(struct ctl_files *f)
{
	store_post_files_clear(&f->unpacked);
	for (size_t i = 0; f->blobs != NULL && i < f->n_given; i++)
		store_blob_close(&f->blobs[i]);
	free(f->blobs);
	free(f->given);
	memset(f, 0, sizeof(*f));
}
