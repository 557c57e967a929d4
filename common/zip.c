/*
 * zip.c - unpacking an uploaded zip under limits, the folder paths of
 * files, and writing a zip as it is read (zip.h says what each answers).
 *
 * A zip bomb is caught by counting: every byte libarchive hands over is
 * added to a running total before it is written, and the first one over
 * the limit stops the unpacking.  The sizes in a zip's headers are only
 * claims and are not read at all.
 */
#include "zip.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <locale.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "gw.h"
#include "i18n.h"
#include "utf8.h"

#define ZIP_CHUNK (64 * 1024)

/*
 * libarchive converts names between the zip's UTF-8 and the current
 * locale's character set: in the C locale a name outside ASCII would be
 * lost.  The calls that convert run in C.UTF-8, for this thread only.
 */
struct zip_locale {
	locale_t loc, old;
};

static void utf8_locale_enter(struct zip_locale *zl)
{
	zl->loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	zl->old = zl->loc != (locale_t)0 ? uselocale(zl->loc) : (locale_t)0;
}

static void utf8_locale_leave(struct zip_locale *zl)
{
	if (zl->loc != (locale_t)0) {
		uselocale(zl->old);
		freelocale(zl->loc);
	}
}

int zip_looks_like(const char *name, const void *head, size_t len)
{
	size_t n = name != NULL ? strlen(name) : 0;

	if (n >= 4 && strcasecmp(name + n - 4, ".zip") == 0)
		return 1;
	return len >= 4 && memcmp(head, "PK\x03\x04", 4) == 0;
}

/* ---- unpacking ------------------------------------------------------------ */

static int tmp_file(const char *dir)
{
	char *path;
	int fd;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	path = xasprintf("%s/.unzip-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		(void)unlink(path);
	free(path);
	return fd;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void size_text(char out[32], int64_t n)
{
	if (n < 1024 * 1024)
		snprintf(out, 32, "%.1f KB", (double)n / 1024.0);
	else
		snprintf(out, 32, "%.1f MB", (double)n / (1024.0 * 1024.0));
}

static void files_drop(struct zip_result *res)
{
	for (size_t i = 0; i < res->n_files; i++) {
		free(res->files[i].name);
		free(res->files[i].folder);
		if (res->files[i].fd >= 0)
			close(res->files[i].fd);
	}
	free(res->files);
	res->files = NULL;
	res->n_files = 0;
}

static void refuse(struct zip_result *res, const char *why)
{
	files_drop(res);
	res->verdict = ZIP_REFUSED;
	free(res->reason);
	res->reason = xstrdup(why);
}

static void keep(struct zip_result *res, enum zip_note note, const char *why)
{
	files_drop(res);
	res->verdict = ZIP_KEEP;
	res->note = note;
	free(res->reason);
	res->reason = xstrdup(why != NULL ? why : "");
}

/* The entry's data into a fresh temporary file; the verdict in res when
 * it is not a plain success.  -1 only when no file can be made. */
static int unpack_data(struct archive *a, const struct zip_limits *lim, int64_t limit,
		       struct zip_file *f, struct zip_result *res, char **error_r)
{
	char *chunk = xmalloc(ZIP_CHUNK);
	int rc = 0;

	f->fd = tmp_file(lim->tmp_dir);
	if (f->fd < 0) {
		*error_r = xasprintf("zip: temporary file in %s: %s", lim->tmp_dir,
				     strerror(errno));
		free(chunk);
		return -1;
	}
	for (;;) {
		la_ssize_t n = archive_read_data(a, chunk, ZIP_CHUNK);

		if (n == 0)
			break;
		if (n < 0) {
			const char *msg = archive_error_string(a);

			keep(res, msg != NULL && strstr(msg, "ncrypt") != NULL ?
				  ZIP_NOTE_ENCRYPTED : ZIP_NOTE_DAMAGED, msg);
			break;
		}
		res->unpacked += n;
		if (res->unpacked > limit) {
			char text[32];
			char *why;

			size_text(text, limit);
			why = xasprintf(_("The zip file unpacks to more than %s (ten times its "
					  "size, or the upload limit), so nothing of it was stored."),
					text);
			refuse(res, why);
			free(why);
			break;
		}
		if (write_all(f->fd, chunk, (size_t)n) < 0) {
			*error_r = xasprintf("zip: write to a temporary file: %s", strerror(errno));
			rc = -1;
			break;
		}
		f->size += n;
	}
	free(chunk);
	if (rc == 0 && res->verdict == ZIP_UNPACKED && lseek(f->fd, 0, SEEK_SET) < 0) {
		*error_r = xasprintf("zip: temporary file: %s", strerror(errno));
		rc = -1;
	}
	return rc;
}

/* One entry: 1 go on, 0 stop (verdict set), -1 disk failure. */
static int unpack_entry(struct archive *a, struct archive_entry *e,
			const struct zip_limits *lim, int64_t limit, size_t *cap,
			struct zip_result *res, char **error_r)
{
	const char *path = archive_entry_pathname_utf8(e);
	mode_t type = archive_entry_filetype(e);
	char *folder = NULL, *name = NULL;
	const char *why = NULL;
	struct zip_file *f;

	if (path == NULL)
		path = archive_entry_pathname(e);
	if (archive_entry_symlink(e) != NULL || archive_entry_hardlink(e) != NULL ||
	    type == AE_IFLNK) {
		refuse(res, _("The zip file holds a link, which is not accepted, so nothing "
			      "of it was stored."));
		return 0;
	}
	if (type != 0 && type != AE_IFREG && type != AE_IFDIR) {
		refuse(res, _("The zip file holds a device or another special file, which is "
			      "not accepted, so nothing of it was stored."));
		return 0;
	}
	if (type == AE_IFDIR && path != NULL) {
		/* "a/b/": checked as the folder of a file in it. */
		char *probe = xasprintf("%s/x", path);
		int rc = zip_path_split(probe, &folder, &name, &why);

		free(probe);
		free(folder);
		free(name);
		folder = name = NULL;
		if (rc == 0)
			return 1;
	} else {
		(void)zip_path_split(path, &folder, &name, &why);
	}
	if (why != NULL) {
		char *text = xasprintf(_("%s Nothing of the zip file was stored."), why);

		refuse(res, text);
		free(text);
		return 0;
	}
	/* Folders come with their files; macOS's resource forks are no
	 * documents anybody sent. */
	if (strcmp(folder, "__MACOSX") == 0 ||
	    strncmp(folder, "__MACOSX/", 9) == 0 || strcmp(name, ".DS_Store") == 0) {
		free(folder);
		free(name);
		return 1;
	}
	if (archive_entry_is_encrypted(e)) {
		free(folder);
		free(name);
		keep(res, ZIP_NOTE_ENCRYPTED, "an entry is encrypted");
		return 0;
	}
	if (res->n_files == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		res->files = xrealloc(res->files, *cap * sizeof(*res->files));
	}
	f = &res->files[res->n_files++];
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->name = name;
	f->folder = folder;
	if (unpack_data(a, lim, limit, f, res, error_r) < 0)
		return -1;
	return res->verdict == ZIP_UNPACKED;
}

static int unpack(struct archive *a, int open_rc, int64_t zip_size,
		  const struct zip_limits *lim, struct zip_result *res, char **error_r)
{
	size_t max_entries = lim->max_entries > 0 ? lim->max_entries : ZIP_MAX_ENTRIES;
	int64_t ratio = lim->ratio > 0 ? lim->ratio : ZIP_MAX_RATIO;
	int64_t limit = zip_size * ratio;
	size_t cap = 0;
	int rc = 0;

	if (lim->max_total > 0 && lim->max_total < limit)
		limit = lim->max_total;
	memset(res, 0, sizeof(*res));
	res->verdict = ZIP_UNPACKED;
	if (open_rc != ARCHIVE_OK) {
		keep(res, ZIP_NOTE_DAMAGED, archive_error_string(a));
		return 0;
	}
	for (;;) {
		struct archive_entry *e;
		int r = archive_read_next_header(a, &e);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			keep(res, ZIP_NOTE_DAMAGED, archive_error_string(a));
			break;
		}
		if (++res->n_entries > max_entries) {
			char *why = xasprintf(_("The zip file holds more than %zu files and "
						"folders, so nothing of it was stored."),
					      max_entries);

			refuse(res, why);
			free(why);
			break;
		}
		rc = unpack_entry(a, e, lim, limit, &cap, res, error_r);
		if (rc <= 0)
			break;
		rc = 0;
	}
	if (rc < 0) {
		files_drop(res);
		return -1;
	}
	if (res->verdict == ZIP_UNPACKED && res->n_files == 0)
		keep(res, ZIP_NOTE_EMPTY, "no files in it");
	return 0;
}

static struct archive *reader(void)
{
	struct archive *a = archive_read_new();

	if (a == NULL) {
		fprintf(stderr, "zip: out of memory\n");
		abort();
	}
	/* Zip only: a tar or a 7z named .zip is kept as the file it is. */
	archive_read_support_format_zip(a);
	return a;
}

int zip_unpack_mem(const void *bytes, size_t len, const struct zip_limits *lim,
		   struct zip_result *res, char **error_r)
{
	struct zip_locale zl;
	struct archive *a;
	int rc;

	utf8_locale_enter(&zl);
	a = reader();
	rc = unpack(a, archive_read_open_memory(a, bytes, len), (int64_t)len, lim, res, error_r);
	archive_read_free(a);
	utf8_locale_leave(&zl);
	return rc;
}

int zip_unpack_fd(int fd, const struct zip_limits *lim, struct zip_result *res,
		  char **error_r)
{
	struct zip_locale zl;
	struct archive *a;
	struct stat st;
	int rc;

	if (fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		*error_r = xasprintf("zip: %s", strerror(errno));
		return -1;
	}
	utf8_locale_enter(&zl);
	a = reader();
	rc = unpack(a, archive_read_open_fd(a, fd, ZIP_CHUNK), (int64_t)st.st_size, lim, res,
		    error_r);
	archive_read_free(a);
	utf8_locale_leave(&zl);
	return rc;
}

void zip_result_root(struct zip_result *res, const char *zip_name)
{
	const char *top = NULL;
	size_t top_len = 0, n;
	char *stem;

	for (size_t i = 0; i < res->n_files; i++) {
		const char *f = res->files[i].folder;
		size_t len = strcspn(f, "/");

		if (len == 0 || (top != NULL && (len != top_len || memcmp(f, top, len) != 0)))
			goto prefix;
		top = f;
		top_len = len;
	}
	return;
prefix:
	n = zip_name != NULL ? strlen(zip_name) : 0;
	if (n >= 4 && strcasecmp(zip_name + n - 4, ".zip") == 0)
		n -= 4;
	stem = xstrndup(zip_name != NULL ? zip_name : "", n);
	for (size_t i = 0; stem[0] != '\0' && i < res->n_files; i++) {
		struct zip_file *f = &res->files[i];
		char *folder = f->folder[0] != '\0' ? xasprintf("%s/%s", stem, f->folder)
						     : xstrdup(stem);

		if (zip_folder_valid(folder)) {
			free(f->folder);
			f->folder = folder;
		} else {
			free(folder);
		}
	}
	free(stem);
}

void zip_result_clear(struct zip_result *res)
{
	files_drop(res);
	free(res->reason);
	memset(res, 0, sizeof(*res));
}

/* ---- writing -------------------------------------------------------------- */

struct zip_writer {
	struct archive *a;
	int fd;
	int failed_errno;
};

static la_ssize_t zw_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
	struct zip_writer *zw = ctx;
	const char *p = buf;
	size_t left = n;

	while (left > 0) {
		/* A socket whose reader left must fail, not raise SIGPIPE. */
		ssize_t w = send(zw->fd, p, left, MSG_NOSIGNAL);

		if (w < 0 && errno == ENOTSOCK)
			w = write(zw->fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			zw->failed_errno = w < 0 ? errno : EIO;
			archive_set_error(a, zw->failed_errno, "write: %s",
					  strerror(zw->failed_errno));
			return -1;
		}
		p += w;
		left -= (size_t)w;
	}
	return (la_ssize_t)n;
}

struct zip_writer *zip_writer_open(int fd, char **error_r)
{
	struct zip_writer *zw = xcalloc(1, sizeof(*zw));

	zw->fd = fd;
	zw->a = archive_write_new();
	if (zw->a == NULL ||
	    archive_write_set_format_zip(zw->a) != ARCHIVE_OK ||
	    archive_write_set_options(zw->a, "zip:compression=store") <
		    ARCHIVE_WARN ||
	    /* Unblocked: each piece goes out as it is made. */
	    archive_write_set_bytes_per_block(zw->a, 0) != ARCHIVE_OK ||
	    archive_write_open(zw->a, zw, NULL, zw_write, NULL) != ARCHIVE_OK) {
		*error_r = xasprintf("zip: %s", zw->a != NULL && archive_error_string(zw->a) ?
						 archive_error_string(zw->a) : "cannot start");
		zip_writer_abort(zw);
		return NULL;
	}
	return zw;
}

int zip_writer_add(struct zip_writer *zw, const char *archive_path, const char *path,
		   int64_t mtime, char **error_r)
{
	struct archive_entry *e;
	struct zip_locale zl;
	struct stat st;
	char *chunk;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		*error_r = xasprintf("zip: %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	utf8_locale_enter(&zl);
	e = archive_entry_new();
	archive_entry_set_pathname_utf8(e, archive_path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, st.st_size);
	archive_entry_set_mtime(e, (time_t)mtime, 0);
	rc = archive_write_header(zw->a, e) < ARCHIVE_WARN ? -1 : 0;
	archive_entry_free(e);
	utf8_locale_leave(&zl);
	if (rc < 0) {
		*error_r = xasprintf("zip: %s: %s", archive_path, archive_error_string(zw->a));
		close(fd);
		return -1;
	}
	chunk = xmalloc(ZIP_CHUNK);
	for (int64_t left = st.st_size; left > 0; ) {
		ssize_t n = read(fd, chunk, left < ZIP_CHUNK ? (size_t)left : ZIP_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || archive_write_data(zw->a, chunk, (size_t)n) != n) {
			*error_r = xasprintf("zip: %s: %s", archive_path,
					     n <= 0 ? (n == 0 ? "file shrank" : strerror(errno)) :
						      archive_error_string(zw->a));
			rc = -1;
			break;
		}
		left -= n;
	}
	free(chunk);
	close(fd);
	return rc;
}

int zip_writer_close(struct zip_writer *zw, char **error_r)
{
	int rc = archive_write_close(zw->a) == ARCHIVE_OK ? 0 : -1;

	if (rc < 0)
		*error_r = xasprintf("zip: %s", archive_error_string(zw->a) ?
						archive_error_string(zw->a) : "cannot finish");
	archive_write_free(zw->a);
	free(zw);
	return rc;
}

void zip_writer_abort(struct zip_writer *zw)
{
	if (zw == NULL)
		return;
	/* Freeing would write the central directory: with no descriptor to
	 * write to, a half-made zip stays visibly broken. */
	zw->fd = -1;
	if (zw->a != NULL)
		archive_write_free(zw->a);
	free(zw);
}
