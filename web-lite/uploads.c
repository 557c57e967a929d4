/*
 * uploads.c - what the files of a post become before they are stored: a
 * zip is unpacked into its files with their folders (or kept whole with a
 * note, or refused), the files of an uploaded folder keep their relative
 * paths.  Nothing is stored here: web_uploads_prepare() decides, and only
 * when every file of the post is acceptable does web_uploads_store() add
 * them, in the request's transaction, so a refusal leaves no row.
 *
 * The unpacked files live in unnamed temporary files (on the attachments'
 * file system) that go away when they are closed, whatever happens.
 */
#include "web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "i18n.h"
#include "log.h"
#include "utf8.h"
#include "zip.h"

/* A type for a file from a zip or folder, by its name's extension. */
static const char *type_of(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".pdf", "application/pdf" }, { ".png", "image/png" },
		{ ".jpg", "image/jpeg" }, { ".jpeg", "image/jpeg" },
		{ ".gif", "image/gif" }, { ".webp", "image/webp" },
		{ ".txt", "text/plain" }, { ".csv", "text/csv" },
		{ ".zip", "application/zip" },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot != NULL && i < GW_ARRAY_SIZE(types); i++)
		if (strcasecmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

static struct web_upload *push(struct web_uploads *u)
{
	struct web_upload *it;

	u->items = xrealloc(u->items, (u->count + 1) * sizeof(*u->items));
	it = &u->items[u->count++];
	memset(it, 0, sizeof(*it));
	return it;
}

/* The unpacked files, mapped (page cache, not heap). */
static int add_unpacked(struct web_uploads *u, char **error_r)
{
	struct zip_result *zr = &u->zip;

	for (size_t i = 0; i < zr->n_files; i++) {
		struct web_upload *it = push(u);

		it->name = xstrdup(zr->files[i].name);
		it->folder = xstrdup(zr->files[i].folder);
		it->content_type = type_of(it->name);
		it->len = (size_t)zr->files[i].size;
		if (it->len == 0) {
			it->bytes = "";
			continue;
		}
		it->map = mmap(NULL, it->len, PROT_READ, MAP_PRIVATE, zr->files[i].fd, 0);
		if (it->map == MAP_FAILED) {
			it->map = NULL;
			*error_r = xasprintf("web: map an unpacked file: %m");
			return -1;
		}
		it->bytes = it->map;
	}
	return 0;
}

static int prepare_zip(struct web_req *r, const struct web_field *ff, const char *name,
		       struct web_uploads *u, char **error_r)
{
	struct zip_limits lim = {
		.max_total = r->web->max_body,
		.tmp_dir = r->web->attachments_dir,
	};
	struct web_upload *it;
	char *err = NULL;

	(void)mkdir(r->web->attachments_dir, 0750);
	if (zip_unpack_mem(ff->value, ff->len, &lim, &u->zip, &err) < 0) {
		log_error("web: %s: %s", r->path, err);
		free(err);
		*error_r = xstrdup(_("The zip file could not be unpacked, so nothing was "
				     "sent. Please try again."));
		return 503;
	}
	switch (u->zip.verdict) {
	case ZIP_REFUSED:
		log_info("web: %s: zip \"%s\" refused: %s", r->path, name, u->zip.reason);
		*error_r = xstrdup(u->zip.reason);
		return 400;
	case ZIP_KEEP:
		/* Kept as the file it is, with the note why. */
		log_info("web: %s: zip \"%s\" kept whole: %s", r->path, name, u->zip.reason);
		it = push(u);
		it->name = xstrdup(name);
		it->folder = xstrdup("");
		it->content_type = "application/zip";
		it->bytes = ff->value;
		it->len = ff->len;
		it->zip_note = zip_note_name(u->zip.note);
		return 0;
	case ZIP_UNPACKED:
		break;
	}
	zip_result_root(&u->zip, name);
	if (add_unpacked(u, &err) < 0) {
		log_error("web: %s: %s", r->path, err);
		free(err);
		*error_r = xstrdup(_("The zip file could not be unpacked, so nothing was "
				     "sent. Please try again."));
		return 503;
	}
	return 0;
}

/* One file of an uploaded folder: its relative path is in the filename. */
static int prepare_folder_file(const struct web_field *f, struct web_uploads *u,
			       char **error_r)
{
	char *folder = NULL, *name = NULL;
	const char *why = NULL;
	struct web_upload *it;

	if (zip_path_split(f->filename, &folder, &name, &why) < 0) {
		/* The path names no file of the folder: say which part. */
		*error_r = xasprintf(_("The folder could not be uploaded: %s Nothing was sent."),
				     why);
		return 400;
	}
	it = push(u);
	it->name = name;
	it->folder = folder;
	it->content_type = type_of(name);
	it->bytes = f->value;
	it->len = f->len;
	return 0;
}

int web_uploads_prepare(struct web_req *r, const char *file_name, const char *file_type,
			struct web_uploads *u, char **error_r)
{
	const struct web_field *ff = web_form_field(&r->form, "file");
	int code = 0;

	memset(u, 0, sizeof(*u));
	*error_r = NULL;
	if (ff != NULL && ff->filename != NULL && ff->filename[0] != '\0') {
		if (zip_looks_like(file_name, ff->value, ff->len)) {
			code = prepare_zip(r, ff, file_name, u, error_r);
		} else {
			struct web_upload *it = push(u);

			it->name = xstrdup(file_name);
			it->folder = xstrdup("");
			it->content_type = file_type;
			it->bytes = ff->value;
			it->len = ff->len;
		}
	}
	/* The folder input: one part per file (an empty one when nothing
	 * was chosen). */
	for (size_t i = 0; code == 0 && i < r->form.count; i++) {
		const struct web_field *f = &r->form.fields[i];

		if (strcmp(f->name, "folder") == 0 && f->filename != NULL && f->filename[0] != '\0')
			code = prepare_folder_file(f, u, error_r);
	}
	if (code != 0)
		web_uploads_clear(u);
	return code;
}

enum gw_result web_uploads_store(struct web_req *r, int64_t thread_id, int64_t message_id,
				 const struct web_uploads *u, int64_t *first_id_r,
				 char **error_r)
{
	for (size_t i = 0; i < u->count; i++) {
		const struct web_upload *it = &u->items[i];
		struct store_attachment_new att = {
			.thread_id = thread_id, .message_id = message_id,
			.uploader_kind = r->sess.kind, .uploader_id = r->sess.id,
			.file_name = it->name, .content_type = it->content_type,
			.bytes = it->bytes, .len = it->len, .folder = it->folder,
			.zip_note = it->zip_note, .quiet = i > 0,
		};
		int64_t id = 0;
		enum gw_result res = store_attachment_add(r->store, &att, &id, error_r);

		if (res != GW_OK)
			return res;
		if (i == 0 && first_id_r != NULL)
			*first_id_r = id;
	}
	return GW_OK;
}

void web_uploads_clear(struct web_uploads *u)
{
	for (size_t i = 0; i < u->count; i++) {
		free(u->items[i].name);
		free(u->items[i].folder);
		if (u->items[i].map != NULL)
			(void)munmap(u->items[i].map, u->items[i].len);
	}
	free(u->items);
	zip_result_clear(&u->zip);
	memset(u, 0, sizeof(*u));
}
