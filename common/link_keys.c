/*
 * link_keys.c - the link signing key file: parse, load (owner-only),
 * create and rotate.
 *
 * Format (see links.h): "ID HEX" per line, ID 1..255, HEX 64 hex digits;
 * blank lines and '#' comments ignored; the first key signs.  Writing goes
 * through a temporary file in the same directory, fsync and rename, so a
 * crash leaves either the old or the new file, never half of one.
 */
#include "links.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "link_keys_int.h"

#include <openssl/core_names.h>
#include <openssl/params.h>

#define KEY_FILE_MAX (64 * 1024)
#define KEY_FILE_HEADER                                                     \
	"# gatewayd link signing keys: \"ID HEX\", the first key signs,\n"  \
	"# the others only verify (rotation).  Keep this file mode 0600.\n"

const struct link_key *link_keys_find(const struct link_keys *keys, uint8_t id)
{
	for (int i = 0; i < keys->count; i++)
		if (keys->keys[i].id == id)
			return &keys->keys[i];
	return NULL;
}

void link_keys_free(struct link_keys **keysp)
{
	if (keysp == NULL || *keysp == NULL)
		return;
	for (int i = 0; i < (*keysp)->count; i++)
		EVP_MAC_CTX_free((*keysp)->keys[i].mac);
	OPENSSL_cleanse(*keysp, sizeof(**keysp));
	free(*keysp);
	*keysp = NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse one non-comment line "ID HEX" (already trimmed). */
static int parse_key_line(const char *line, struct link_key *key, char **why_r)
{
	const char *p = line, *hex;
	long id = 0;
	size_t hexlen;

	if (*p < '0' || *p > '9') {
		*why_r = xasprintf("\"%s\" is not \"ID HEX\"", line);
		return -1;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		id = id * 10 + (*p - '0');
		if (id > 255)
			break;
	}
	if (id < 1 || id > 255 || (*p >= '0' && *p <= '9')) {
		*why_r = xasprintf("key id \"%.*s\" is not in 1..255",
				   (int)strspn(line, "0123456789"), line);
		return -1;
	}
	if (*p != ' ' && *p != '\t') {
		*why_r = xasprintf("\"%s\" is not \"ID HEX\"", line);
		return -1;
	}
	p += strspn(p, " \t");
	hex = p;
	hexlen = strcspn(hex, " \t");
	if (hex[hexlen] != '\0') {
		*why_r = xasprintf("key %ld: unexpected text after the key", id);
		return -1;
	}
	if (hexlen != 2 * LINK_KEY_BYTES) {
		*why_r = xasprintf("key %ld: key must be %d hex digits, not %zu", id,
				   2 * LINK_KEY_BYTES, hexlen);
		return -1;
	}
	for (size_t i = 0; i < LINK_KEY_BYTES; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			*why_r = xasprintf("key %ld: key is not hexadecimal", id);
			return -1;
		}
		key->secret[i] = (uint8_t)(hi << 4 | lo);
	}
	key->id = (uint8_t)id;
	return 0;
}

/* Each key's keyed HMAC-SHA256 context (struct link_key). */
static int mac_templates(struct link_keys *keys)
{
	static char sha256[] = "SHA256";
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	OSSL_PARAM params[2];
	int rc = 0;

	if (hmac == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha256, 0);
	params[1] = OSSL_PARAM_construct_end();
	for (int i = 0; i < keys->count && rc == 0; i++) {
		struct link_key *k = &keys->keys[i];

		k->mac = EVP_MAC_CTX_new(hmac);
		if (k->mac == NULL ||
		    EVP_MAC_init(k->mac, k->secret, LINK_KEY_BYTES, params) != 1)
			rc = -1;
	}
	EVP_MAC_free(hmac);
	return rc;
}

/* NAME is used in messages: "NAME:LINE: ...". */
static int parse_keys(const char *name, const char *text, struct link_keys **keys_r,
		      char **error_r)
{
	struct link_keys *keys = xcalloc(1, sizeof(*keys));
	const char *p = text;
	int lineno = 0, first_line[256] = { 0 };

	*keys_r = NULL;
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, len), *s = line, *e;
		struct link_key key;
		char *why = NULL;

		p += len + (nl != NULL);
		lineno++;
		memset(&key, 0, sizeof(key));  /* its MAC context comes later */
		s += strspn(s, " \t");
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			*--e = '\0';
		if (*s == '\0' || *s == '#') {
			free(line);
			continue;
		}
		if (parse_key_line(s, &key, &why) < 0) {
			*error_r = xasprintf("%s:%d: %s", name, lineno, why);
			free(why);
			goto fail_line;
		}
		if (first_line[key.id] != 0) {
			*error_r = xasprintf("%s:%d: duplicate key id %u (first on line %d)",
					     name, lineno, key.id, first_line[key.id]);
			goto fail_line;
		}
		if (keys->count == LINK_KEYS_MAX) {
			*error_r = xasprintf("%s:%d: more than %d keys", name, lineno,
					     LINK_KEYS_MAX);
			goto fail_line;
		}
		first_line[key.id] = lineno;
		keys->keys[keys->count++] = key;
		OPENSSL_cleanse(&key, sizeof(key));
		OPENSSL_cleanse(line, len);
		free(line);
		continue;
	fail_line:
		OPENSSL_cleanse(&key, sizeof(key));
		OPENSSL_cleanse(line, len);
		free(line);
		link_keys_free(&keys);
		return -1;
	}
	if (keys->count == 0) {
		*error_r = xasprintf("%s: no keys", name);
		link_keys_free(&keys);
		return -1;
	}
	if (mac_templates(keys) < 0) {
		*error_r = xasprintf("%s: cannot set up HMAC-SHA256", name);
		link_keys_free(&keys);
		return -1;
	}
	*keys_r = keys;
	return 0;
}

int link_keys_parse(const char *text, struct link_keys **keys_r, char **error_r)
{
	return parse_keys("keys", text, keys_r, error_r);
}

/*
 * Read PATH (owner-only) into *text_r; *st_r gets its stat.  Errors are
 * "PATH: ...".
 */
static int read_key_file(const char *path, char **text_r, struct stat *st_r,
			 char **error_r)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	ssize_t n;
	int fd;

	*text_r = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		*error_r = xasprintf("%s: cannot open key file: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, st_r) < 0) {
		*error_r = xasprintf("%s: cannot stat key file: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st_r->st_mode)) {
		*error_r = xasprintf("%s: key file is not a regular file", path);
		goto fail;
	}
	if ((st_r->st_mode & 077) != 0) {
		*error_r = xasprintf("%s: key file mode is %04o, readable or writable by "
				     "group or others; chmod 600 it",
				     path, (unsigned)(st_r->st_mode & 07777));
		goto fail;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*error_r = xasprintf("%s: cannot read key file: %s", path,
					     strerror(errno));
			goto fail;
		}
		buf_append(&b, chunk, (size_t)n);
		if (b.len > KEY_FILE_MAX) {
			*error_r = xasprintf("%s: key file larger than %d bytes", path,
					     KEY_FILE_MAX);
			goto fail;
		}
	}
	OPENSSL_cleanse(chunk, sizeof(chunk));
	close(fd);
	if (memchr(buf_cstr(&b), '\0', b.len) != NULL) {
		*error_r = xasprintf("%s: key file contains a NUL byte", path);
		OPENSSL_cleanse(b.data, b.len);
		buf_release(&b);
		return -1;
	}
	*text_r = buf_detach(&b);
	return 0;
fail:
	OPENSSL_cleanse(chunk, sizeof(chunk));
	if (b.data != NULL)
		OPENSSL_cleanse(b.data, b.len);
	buf_release(&b);
	close(fd);
	return -1;
}

static void free_secret_text(char *text)
{
	if (text != NULL) {
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
}

int link_keys_load(const char *path, struct link_keys **keys_r, char **error_r)
{
	struct stat st;
	char *text;
	int rc;

	*keys_r = NULL;
	if (read_key_file(path, &text, &st, error_r) < 0)
		return -1;
	rc = parse_keys(path, text, keys_r, error_r);
	free_secret_text(text);
	return rc;
}

static void put_key_line(struct buf *b, uint8_t id, const uint8_t *secret)
{
	static const char hex[] = "0123456789abcdef";

	buf_printf(b, "%u ", id);
	for (size_t i = 0; i < LINK_KEY_BYTES; i++) {
		buf_putc(b, hex[secret[i] >> 4]);
		buf_putc(b, hex[secret[i] & 15]);
	}
	buf_putc(b, '\n');
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Make a rename or creation in PATH's directory durable. */
static void fsync_dir_of(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

static int write_secret(int fd, const char *path, struct buf *b, char **error_r)
{
	if (write_all(fd, b->data, b->len) < 0 || fsync(fd) < 0) {
		*error_r = xasprintf("%s: cannot write key file: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int link_keys_create(const char *path, char **error_r)
{
	struct buf b = BUF_INIT;
	uint8_t secret[LINK_KEY_BYTES];
	int fd, rc;

	if (RAND_bytes(secret, sizeof(secret)) != 1) {
		*error_r = xasprintf("%s: cannot get random bytes for a key", path);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		*error_r = xasprintf("%s: cannot create key file: %s", path, strerror(errno));
		OPENSSL_cleanse(secret, sizeof(secret));
		return -1;
	}
	buf_puts(&b, KEY_FILE_HEADER);
	put_key_line(&b, 1, secret);
	OPENSSL_cleanse(secret, sizeof(secret));
	rc = write_secret(fd, path, &b, error_r);
	OPENSSL_cleanse(b.data, b.len);
	buf_release(&b);
	if (close(fd) < 0 && rc == 0) {
		*error_r = xasprintf("%s: cannot write key file: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc < 0) {
		unlink(path);
		return -1;
	}
	fsync_dir_of(path);
	return 0;
}

/* The id after the signing key's, skipping ids in use; 1..255. */
static uint8_t next_key_id(const struct link_keys *keys)
{
	unsigned id = keys->keys[0].id;

	for (;;) {
		id = id % 255 + 1;
		if (link_keys_find(keys, (uint8_t)id) == NULL)
			return (uint8_t)id;
	}
}

int link_keys_rotate(const char *path, char **error_r)
{
	struct link_keys *keys = NULL;
	struct buf b = BUF_INIT;
	uint8_t secret[LINK_KEY_BYTES];
	struct stat st;
	char *text = NULL, *tmp = NULL;
	const char *p, *insert_at = NULL;
	int fd = -1, rc = -1;

	if (read_key_file(path, &text, &st, error_r) < 0)
		return -1;
	if (parse_keys(path, text, &keys, error_r) < 0)
		goto out;
	if (keys->count == LINK_KEYS_MAX) {
		*error_r = xasprintf("%s: already holds %d keys, the most a key file may "
				     "hold; remove the oldest before rotating",
				     path, LINK_KEYS_MAX);
		goto out;
	}
	if (RAND_bytes(secret, sizeof(secret)) != 1) {
		*error_r = xasprintf("%s: cannot get random bytes for a key", path);
		goto out;
	}

	/* The new key goes right before the first key line; comments stay. */
	for (p = text; *p != '\0' && insert_at == NULL;) {
		const char *s = p + strspn(p, " \t\r");
		const char *nl = strchr(p, '\n');

		if (*s != '\0' && *s != '\n' && *s != '#')
			insert_at = p;
		p = nl != NULL ? nl + 1 : p + strlen(p);
	}
	buf_append(&b, text, (size_t)(insert_at - text));
	put_key_line(&b, next_key_id(keys), secret);
	OPENSSL_cleanse(secret, sizeof(secret));
	buf_puts(&b, insert_at);
	if (b.data[b.len - 1] != '\n')
		buf_putc(&b, '\n');

	tmp = xasprintf("%s.tmp.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		*error_r = xasprintf("%s: cannot create temporary file: %s", tmp,
				     strerror(errno));
		goto out;
	}
	/* Same owner as before, so that rotating as root keeps the daemon's
	 * access; mkostemp already made it 0600. */
	if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    fchown(fd, st.st_uid, st.st_gid) < 0 && errno != EPERM) {
		*error_r = xasprintf("%s: cannot chown: %s", tmp, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) < 0) {
		*error_r = xasprintf("%s: cannot chmod: %s", tmp, strerror(errno));
		goto out;
	}
	if (write_secret(fd, tmp, &b, error_r) < 0)
		goto out;
	if (close(fd) < 0) {
		fd = -1;
		*error_r = xasprintf("%s: cannot write key file: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		*error_r = xasprintf("%s: cannot rename to %s: %s", tmp, path,
				     strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	fsync_dir_of(path);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	if (b.data != NULL)
		OPENSSL_cleanse(b.data, b.len);
	buf_release(&b);
	free_secret_text(text);
	link_keys_free(&keys);
	return rc;
}
