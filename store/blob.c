/*
 * blob.c - content files written as they arrive: an upload streams into
 * an unnamed file beside the content store, is hashed (SHA-256) on the
 * way, fsync'd and linked in under its hash before any row points to it.
 *
 * Identical content is one file: when the name exists already, the new
 * copy is dropped and the old file touched, so that a collector that
 * keeps files younger than STORE_BLOB_GRACE leaves it alone until the row
 * commits.  The writer keeps the file open until the caller is done:
 * should an erasure remove the content file between the link and the
 * commit, store_blob_ensure() stores it again from that descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "store_int.h"

/* Bytes written between two starts of writeback. */
#define STORE_BLOB_FLUSH (4 * 1024 * 1024)

struct store_blob {
	char *dir;
	char *tmp_path;      /* a named temp file (no O_TMPFILE), else NULL */
	int fd;
	EVP_MD_CTX *md;
	int64_t size;
	int64_t flushed;     /* bytes handed to writeback already */
	int done;            /* linked in: *hex is its name */
	char hex[65];
};

static int blob_errno(char **error_r, const char *what, const char *path)
{
	*error_r = xasprintf("%s %s: %s", what, path, strerror(errno));
	return -1;
}

static int dir_sync(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc, e;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

int store_blob_open(const char *dir, struct store_blob **blob_r, char **error_r)
{
	struct store_blob *b;
	int fd;
	char *tmp = NULL;

	*blob_r = NULL;
	if (dir == NULL || *dir == '\0') {
		*error_r = xstrdup("no attachments directory");
		return -1;
	}
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return blob_errno(error_r, "mkdir", dir);
	/* Unnamed: a crash or an error leaves nothing behind. */
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0640);
	/* 0640 whatever the umask: the group may read the content store. */
	if (fd >= 0 && fchmod(fd, 0640) < 0) {
		close(fd);
		return blob_errno(error_r, "chmod a file in", dir);
	}
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		tmp = xasprintf("%s/.tmp.XXXXXX", dir);
		fd = mkostemp(tmp, O_CLOEXEC);
		if (fd >= 0 && fchmod(fd, 0640) < 0) {
			(void)unlink(tmp);
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) {
		blob_errno(error_r, "create a file in", dir);
		free(tmp);
		return -1;
	}
	b = xcalloc(1, sizeof(*b));
	b->dir = xstrdup(dir);
	b->tmp_path = tmp;
	b->fd = fd;
	b->md = EVP_MD_CTX_new();
	if (b->md == NULL || EVP_DigestInit_ex(b->md, EVP_sha256(), NULL) != 1) {
		*error_r = xstrdup("SHA-256 unavailable");
		store_blob_close(&b);
		return -1;
	}
	*blob_r = b;
	return 0;
}

int store_blob_write(struct store_blob *b, const void *bytes, size_t len, char **error_r)
{
	const char *p = bytes;

	if (b->done) {
		*error_r = xstrdup("write after the content was stored");
		return -1;
	}
	if (EVP_DigestUpdate(b->md, bytes, len) != 1) {
		*error_r = xstrdup("SHA-256 failed");
		return -1;
	}
	while (len > 0) {
		ssize_t n = write(b->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return blob_errno(error_r, "write a file in", b->dir);
		p += n;
		len -= (size_t)n;
		b->size += n;
	}
	/* Start writeback as the bytes come, so that the fsync at the end
	 * waits for the last stretch only, not for the whole file: the disk
	 * works while the rest of the upload arrives.  It only starts I/O. */
	if (b->size - b->flushed >= STORE_BLOB_FLUSH) {
		(void)sync_file_range(b->fd, b->flushed, b->size - b->flushed,
				      SYNC_FILE_RANGE_WRITE);
		b->flushed = b->size;
	}
	return 0;
}

int64_t store_blob_size(const struct store_blob *b)
{
	return b->size;
}

const char *store_blob_hex(const struct store_blob *b)
{
	return b->done ? b->hex : NULL;
}

int store_blob_fd(const struct store_blob *b)
{
	return b->fd;
}

/* Link the open file fd in at path: 0, 1 when the name exists, -1. */
static int link_fd(int fd, const char *tmp_path, const char *path)
{
	char proc[64];

	if (tmp_path != NULL)
		return link(tmp_path, path) == 0 ? 0 : errno == EEXIST ? 1 : -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	return errno == EEXIST ? 1 : -1;
}

/* Make sure DIR/ab exists (and is durable): 0 or -1 (errno). */
static int sub_dir(const char *dir, const char *sub)
{
	struct stat sb;

	if (stat(sub, &sb) == 0)
		return 0;
	if (mkdir(sub, 0750) < 0 && errno != EEXIST)
		return -1;
	if (chmod(sub, 0750) < 0)
		return -1;
	return dir_sync(dir);
}

int store_blob_finish(struct store_blob *b, char **error_r)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	static const char hexd[] = "0123456789abcdef";
	char *sub = NULL, *path = NULL;
	int rc = -1, l;

	if (b->done)
		return 0;
	if (EVP_DigestFinal_ex(b->md, md, &mdlen) != 1 || mdlen != 32) {
		*error_r = xstrdup("SHA-256 failed");
		return -1;
	}
	for (unsigned i = 0; i < 32; i++) {
		b->hex[2 * i] = hexd[md[i] >> 4];
		b->hex[2 * i + 1] = hexd[md[i] & 15];
	}
	b->hex[64] = '\0';
	sub = xasprintf("%s/%.2s", b->dir, b->hex);
	path = store_attachment_path(b->dir, b->hex);
	if (fsync(b->fd) < 0) {
		blob_errno(error_r, "fsync a file in", b->dir);
		goto out;
	}
	if (sub_dir(b->dir, sub) < 0) {
		blob_errno(error_r, "mkdir", sub);
		goto out;
	}
	l = link_fd(b->fd, b->tmp_path, path);
	if (l < 0) {
		blob_errno(error_r, "link", path);
		goto out;
	}
	if (l == 1) {
		/* The same content is there: keep it young for its row. */
		(void)utimensat(AT_FDCWD, path, NULL, 0);
	} else if (dir_sync(sub) < 0) {
		blob_errno(error_r, "fsync", sub);
		goto out;
	}
	b->done = 1;
	rc = 0;
out:
	free(sub);
	free(path);
	return rc;
}

/* Store a copy of what fd holds (from its start) as a new content file. */
static int blob_copy(const char *dir, int fd, const char *hex, char **error_r)
{
	struct store_blob *b = NULL;
	char buf[65536];
	off_t off = 0;
	ssize_t n;
	int rc = store_blob_open(dir, &b, error_r);

	while (rc == 0 && (n = pread(fd, buf, sizeof(buf), off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = blob_errno(error_r, "read a copy of", hex);
			break;
		}
		off += n;
		rc = store_blob_write(b, buf, (size_t)n, error_r);
	}
	if (rc == 0)
		rc = store_blob_finish(b, error_r);
	if (rc == 0 && strcmp(b->hex, hex) != 0) {
		*error_r = xasprintf("content file %s: the copy has changed", hex);
		rc = -1;
	}
	store_blob_close(&b);
	return rc;
}

int store_blob_ensure(const char *dir, const char *hex, int fd, char **error_r)
{
	char *path = store_attachment_path(dir, hex);
	struct stat sb;
	int rc = 0;

	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
		(void)utimensat(AT_FDCWD, path, NULL, 0);
	} else if (fd < 0) {
		*error_r = xasprintf("content file %s: missing", path);
		rc = -1;
	} else {
		/* An erasure removed it since it was linked in (a linked file
		 * cannot be linked again once its last name is gone). */
		rc = blob_copy(dir, fd, hex, error_r);
	}
	free(path);
	return rc;
}

void store_blob_close(struct store_blob **bp)
{
	struct store_blob *b = *bp;

	if (b == NULL)
		return;
	if (b->fd >= 0)
		close(b->fd);
	if (b->tmp_path != NULL)
		(void)unlink(b->tmp_path);
	EVP_MD_CTX_free(b->md);
	free(b->tmp_path);
	free(b->dir);
	free(b);
	*bp = NULL;
}
