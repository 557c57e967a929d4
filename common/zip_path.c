/*
 * zip_path.c - the folder paths of files (from a zip or a folder upload)
 * and the names of the notes on a zip kept as it is: the part of zip.h
 * that needs no libarchive, so that the store checks what it keeps.
 */
#include "zip.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gw.h"
#include "i18n.h"
#include "utf8.h"

/* ---- paths ---------------------------------------------------------------- */

static int component_ok(const char *s, size_t n, const char **why_r)
{
	if (n > 255) {
		*why_r = _("A file or folder name in it is longer than 255 bytes.");
		return 0;
	}
	if (n == 2 && s[0] == '.' && s[1] == '.') {
		*why_r = _("A path in it goes up a folder (\"..\").");
		return 0;
	}
	return 1;
}

int zip_path_split(const char *path, char **folder_r, char **name_r, const char **why_r)
{
	struct buf folder = BUF_INIT;
	const char *p, *last = NULL;
	size_t last_len = 0, depth = 0, len;

	*folder_r = *name_r = NULL;
	*why_r = NULL;
	len = path != NULL ? strlen(path) : 0;
	if (len == 0 || path[len - 1] == '/' || path[len - 1] == '\\') {
		*why_r = _("A file in it has no name.");
		return -1;
	}
	if (!utf8_valid(path, len)) {
		*why_r = _("A file name in it is not valid UTF-8.");
		return -1;
	}
	for (p = path; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*why_r = _("A file name in it holds control characters.");
			return -1;
		}
	if (path[0] == '/' || path[0] == '\\' ||
	    (len >= 2 && path[1] == ':' && ((path[0] | 0x20) >= 'a' && (path[0] | 0x20) <= 'z'))) {
		*why_r = _("A path in it is absolute.");
		return -1;
	}
	for (p = path; ; ) {
		size_t n = strcspn(p, "/\\");

		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (!component_ok(p, n, why_r))
				goto fail;
			if (last != NULL) {
				if (folder.len > 0)
					buf_putc(&folder, '/');
				buf_append(&folder, last, last_len);
				depth++;
			}
			last = p;
			last_len = n;
		}
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	if (last == NULL) {
		*why_r = _("A file in it has no name.");
		goto fail;
	}
	if (depth > ZIP_FOLDER_DEPTH || folder.len > ZIP_FOLDER_MAX) {
		*why_r = _("A folder path in it is too deep or too long.");
		goto fail;
	}
	*name_r = xstrndup(last, last_len);
	*folder_r = folder.len > 0 ? buf_detach(&folder) : xstrdup("");
	buf_release(&folder);
	return 0;
fail:
	buf_release(&folder);
	return -1;
}

int zip_folder_valid(const char *folder)
{
	char *f = NULL, *n = NULL, *probe;
	const char *why;
	int ok;

	if (folder == NULL)
		return 0;
	if (folder[0] == '\0')
		return 1;
	/* Valid when it comes back unchanged as the folder of folder/x. */
	probe = xasprintf("%s/x", folder);
	ok = zip_path_split(probe, &f, &n, &why) == 0 && strcmp(f, folder) == 0;
	free(probe);
	free(f);
	free(n);
	return ok;
}

/* ---- notes ---------------------------------------------------------------- */

static const char *const note_names[] = {
	[ZIP_NOTE_NONE] = NULL,
	[ZIP_NOTE_ENCRYPTED] = "encrypted",
	[ZIP_NOTE_DAMAGED] = "damaged",
	[ZIP_NOTE_EMPTY] = "empty",
};

const char *zip_note_name(enum zip_note note)
{
	return (size_t)note < GW_ARRAY_SIZE(note_names) ? note_names[note] : NULL;
}

enum zip_note zip_note_from_name(const char *name)
{
	for (size_t i = 1; name != NULL && i < GW_ARRAY_SIZE(note_names); i++)
		if (strcmp(name, note_names[i]) == 0)
			return (enum zip_note)i;
	return ZIP_NOTE_NONE;
}

