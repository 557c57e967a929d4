/*
 * unpack.c - the files of a post as they are stored.  A zip among them
 * (by its name or its first bytes, zip_looks_like()) is unpacked by the
 * rules of common/zip.c: into its files with their folder paths, or kept
 * whole with a note (encrypted, damaged, empty), or it refuses the whole
 * post (a zip bomb, too many entries, a path out of the folder, a link).
 * The web view, the JSON API and gatewayctl --attach pass their files
 * through here, so a zip becomes the same documents whichever way it came.
 *
 * Each unpacked file is copied from its unnamed temporary file into the
 * content store (store_blob) before the post's transaction, as uploaded
 * files are; a refused post writes no row, and what it left in the
 * content store is unreferenced (gatewayctl gc).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "i18n.h"
#include "store_int.h"
#include "zip.h"

/* A type for a file from a zip, by its name's extension. */
static const char *type_of(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".pdf", "application/pdf" }, { ".png", "image/png" },
		{ ".jpg", "image/jpeg" }, { ".jpeg", "image/jpeg" },
		{ ".gif", "image/gif" }, { ".webp", "image/webp" },
		{ ".txt", "text/plain" }, { ".csv", "text/csv" },
		{ ".zip", "application/zip" }, { ".mp4", "video/mp4" },
		{ ".webm", "video/webm" },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot != NULL && i < GW_ARRAY_SIZE(types); i++)
		if (strcasecmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

static const char *keep(struct store_post_files *pf, char *s)
{
	pf->strings = xrealloc(pf->strings, (pf->n_strings + 1) * sizeof(*pf->strings));
	pf->strings[pf->n_strings++] = s;
	return s;
}

static struct store_upload *push(struct store_post_files *pf)
{
	struct store_upload *u;

	pf->files = xrealloc(pf->files, (pf->n + 1) * sizeof(*pf->files));
	u = &pf->files[pf->n++];
	memset(u, 0, sizeof(*u));
	u->fd = -1;
	return u;
}

/* One unpacked file into the content store. */
static enum gw_result copy_in(const char *dir, const struct zip_file *zf,
			      struct store_blob **blob_r, char **error_r)
{
	char buf[64 * 1024], *err = NULL;
	off_t off = 0;
	ssize_t n;
	int rc = store_blob_open(dir, blob_r, &err);

	while (rc == 0 && (n = pread(zf->fd, buf, sizeof(buf), off)) != 0) {
		if (n < 0) {
			err = xasprintf("an unpacked file: %s", strerror(errno));
			rc = -1;
			break;
		}
		off += n;
		rc = store_blob_write(*blob_r, buf, (size_t)n, &err);
	}
	if (rc == 0)
		rc = store_blob_finish(*blob_r, &err);
	if (rc == 0)
		return GW_OK;
	store_blob_close(blob_r);
	return store_fail(error_r, GW_TEMPFAIL, "file \"%s\": %s", zf->name,
			  err != NULL ? err : "not stored");
}

/* The folder of an unpacked file: under the zip's own folder, if any. */
static const char *entry_folder(struct store_post_files *pf, const struct store_upload *zip,
				const char *folder)
{
	if (zip->rel_path == NULL || zip->rel_path[0] == '\0')
		return keep(pf, xstrdup(folder));
	if (folder[0] == '\0')
		return keep(pf, xstrdup(zip->rel_path));
	return keep(pf, xasprintf("%s/%s", zip->rel_path, folder));
}

static enum gw_result unpacked_in(const char *dir, const struct store_upload *zip,
				  struct zip_result *zr, struct store_post_files *pf,
				  char **error_r)
{
	enum gw_result r = GW_OK;

	zip_result_root(zr, zip->file_name);
	if (zr->n_files == 0)
		return GW_OK;
	pf->blobs = xrealloc(pf->blobs, (pf->n_blobs + zr->n_files) * sizeof(*pf->blobs));
	for (size_t i = 0; r == GW_OK && i < zr->n_files; i++) {
		struct store_blob **blob = &pf->blobs[pf->n_blobs];
		struct store_upload *u;

		*blob = NULL;
		r = copy_in(dir, &zr->files[i], blob, error_r);
		if (r != GW_OK)
			break;
		pf->n_blobs++;
		u = push(pf);
		u->file_name = keep(pf, xstrdup(zr->files[i].name));
		u->content_type = type_of(u->file_name);
		u->size = zr->files[i].size;
		u->fd = store_blob_fd(*blob);
		snprintf(u->sha256, sizeof(u->sha256), "%s", store_blob_hex(*blob));
		u->rel_path = entry_folder(pf, zip, zr->files[i].folder);
		if (!zip_folder_valid(u->rel_path))
			r = store_fail(error_r, GW_INVALID,
				       _("The zip file \"%s\" holds folders nested too deep or with "
					 "too long a path. Nothing was sent."), zip->file_name);
	}
	return r;
}

static int is_zip(const struct store_upload *f)
{
	char head[4];
	ssize_t n = f->fd >= 0 ? pread(f->fd, head, sizeof(head), 0) : 0;

	return zip_looks_like(f->file_name, head, n > 0 ? (size_t)n : 0);
}

enum gw_result store_post_files_unpack(const char *dir, const struct store_upload *in,
				       size_t n_in, int64_t max_post,
				       struct store_post_files *pf, char **error_r)
{
	enum gw_result r = GW_OK;
	int64_t used = 0;
	char *err = NULL;

	memset(pf, 0, sizeof(*pf));
	/* Files as they are count first; each zip may then unpack what is
	 * left of the post's limit (and at most ZIP_MAX_RATIO times itself). */
	for (size_t i = 0; i < n_in; i++)
		if (!is_zip(&in[i]))
			used += in[i].size;
	for (size_t i = 0; r == GW_OK && i < n_in; i++) {
		struct zip_result zr = { 0 };
		struct zip_limits lim = { .tmp_dir = dir };
		struct store_upload *u;

		if (!is_zip(&in[i])) {
			*push(pf) = in[i];
			continue;
		}
		if (max_post > 0)
			lim.max_total = max_post - used > 0 ? max_post - used : 1;
		if (zip_unpack_fd(in[i].fd, &lim, &zr, &err) < 0) {
			r = store_fail(error_r, GW_TEMPFAIL, "file \"%s\": unpack: %s",
				       in[i].file_name, err);
			free(err);
			err = NULL;
		} else if (zr.verdict == ZIP_REFUSED) {
			r = store_fail(error_r, GW_INVALID, "%s", zr.reason);
		} else if (zr.verdict == ZIP_KEEP) {
			/* Kept as the file it is, with the note why. */
			u = push(pf);
			*u = in[i];
			u->content_type = "application/zip";
			u->zip_note = zip_note_name(zr.note);
			used += in[i].size;
		} else {
			r = unpacked_in(dir, &in[i], &zr, pf, error_r);
			used += zr.unpacked;
		}
		zip_result_clear(&zr);
	}
	if (r != GW_OK)
		store_post_files_clear(pf);
	return r;
}

void store_post_files_clear(struct store_post_files *pf)
{
	for (size_t i = 0; i < pf->n_blobs; i++)
		store_blob_close(&pf->blobs[i]);
	for (size_t i = 0; i < pf->n_strings; i++)
		free(pf->strings[i]);
	free(pf->blobs);
	free(pf->strings);
	free(pf->files);
	memset(pf, 0, sizeof(*pf));
}
