/*
 * upload.c - multipart/form-data as a stream (see upload.h).
 *
 * The parser is a push parser over a small window: bytes are appended to
 * it, as much as can be decided is consumed, and what could still be the
 * start of a delimiter ("\r\n--BOUNDARY") is kept for the next read.  The
 * body's first delimiter has no CRLF before it: the window starts with one.
 */
#include "upload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "i18n.h"
#include "zip.h"

#define UPLOAD_READ_CHUNK (64 * 1024)
/* The header block of one part; the text fields of a post, together. */
#define UPLOAD_PART_HEAD_MAX (8 * 1024)
#define UPLOAD_TEXT_MAX (512 * 1024)
#define UPLOAD_FIELDS_MAX 256

enum state { S_PREAMBLE, S_AFTER_DELIM, S_HEADERS, S_BODY, S_END };

struct upload_parser {
	struct upload_limits limits;
	const struct upload_limits *lim;
	struct upload_form *form;
	struct buf delim;        /* "\r\n--BOUNDARY" */
	struct buf win;          /* bytes not yet decided */
	enum state state;
	int64_t total;           /* body bytes seen */
	size_t text_bytes;
	/* the part being read */
	char *name, *filename, *ctype;
	char *folder;            /* a folder's file: its folder path */
	struct buf value;        /* a text part */
	struct store_blob *blob; /* a file part being written */
	int64_t part_size;
	int skip;                /* a part whose bytes go nowhere */
};

/* ---- small helpers ------------------------------------------------------ */

const struct upload_field *upload_form_field(const struct upload_form *form,
					     const char *name)
{
	for (size_t i = 0; i < form->n_fields; i++)
		if (strcmp(form->fields[i].name, name) == 0)
			return &form->fields[i];
	return NULL;
}

char *upload_size_text(int64_t n)
{
	if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
		return xasprintf("%lld MB", (long long)(n / (1024 * 1024)));
	if (n >= 1024 * 1024)
		return xasprintf("%.1f MB", (double)n / (1024.0 * 1024.0));
	if (n >= 1024)
		return xasprintf("%lld KB", (long long)((n + 1023) / 1024));
	return xasprintf("%lld bytes", (long long)n);
}

/* A name as it can be shown: controls as '?', at most 80 bytes. */
static char *visible_name(const char *raw)
{
	struct buf b = BUF_INIT;

	for (const char *p = raw; *p != '\0' && b.len < 80; p++)
		buf_putc(&b, (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
	if (b.len == 0)
		buf_puts(&b, "?");
	return buf_detach(&b);
}

/* The first error wins; a file error names the file. */
static void fail(struct upload_parser *ps, enum upload_error e, const char *file, const char *detail)
{
	struct upload_form *f = ps->form;

	if (f->error != UPLOAD_OK)
		return;
	f->error = e;
	f->error_file = file != NULL ? visible_name(file) : NULL;
	f->detail = xstrdup(detail != NULL ? detail : "");
}

/* A plain "type/subtype" or NULL. */
static char *plain_type(const char *v, size_t n)
{
	size_t slash = 0;

	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == 0 || n > 100)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];

		if (c == ';')
			return slash > 0 && slash + 1 < i ? xstrndup(v, i) : NULL;
		if (c == '/' && slash == 0 && i > 0)
			slash = i;
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || strchr("+-.", c) != NULL))
			return NULL;
	}
	return slash > 0 && slash + 1 < n ? xstrndup(v, n) : NULL;
}

/* ---- parts -------------------------------------------------------------- */

static void part_reset(struct upload_parser *ps)
{
	free(ps->name);
	free(ps->filename);
	free(ps->ctype);
	free(ps->folder);
	ps->name = ps->filename = ps->ctype = ps->folder = NULL;
	buf_release(&ps->value);
	store_blob_close(&ps->blob);
	ps->part_size = 0;
	ps->skip = 0;
}

/* The header block h[0..n) of a part: -1 when it is not form-data. */
static int part_headers(struct upload_parser *ps, const char *h, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const char *eol = memmem(h + i, n - i, "\r\n", 2);
		size_t llen = eol != NULL ? (size_t)(eol - h - i) : n - i;
		const char *line = h + i, *v;
		size_t vlen;

		i += llen + 2;
		if (llen > 20 && strncasecmp(line, "Content-Disposition:", 20) == 0) {
			v = line + 20;
			vlen = llen - 20;
			while (vlen > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				vlen--;
			}
			if (vlen < 9 || strncasecmp(v, "form-data", 9) != 0)
				return -1;
			free(ps->name);
			free(ps->filename);
			ps->name = web_header_param(v, vlen, "name");
			ps->filename = web_header_param(v, vlen, "filename");
		} else if (llen > 13 && strncasecmp(line, "Content-Type:", 13) == 0) {
			v = line + 13;
			vlen = llen - 13;
			while (vlen > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				vlen--;
			}
			free(ps->ctype);
			ps->ctype = plain_type(v, vlen);
		}
	}
	return ps->name != NULL ? 0 : -1;
}

static void part_begin(struct upload_parser *ps)
{
	struct upload_form *f = ps->form;
	int max = ps->lim->max_files > 0 ? ps->lim->max_files : STORE_POST_MAX_FILES;
	char *err = NULL;

	if (ps->filename == NULL)
		return;
	/* A file input left empty sends a part without a name or bytes. */
	if (ps->filename[0] == '\0') {
		ps->skip = 1;
		return;
	}
	if (f->error != UPLOAD_OK) {
		ps->skip = 1;
		return;
	}
	if ((int)f->n_files >= max) {
		fail(ps, UPLOAD_TOO_MANY, NULL, "too many files");
		ps->skip = 1;
		return;
	}
	/* A file of an uploaded folder: its name is its path in the folder. */
	if (ps->name != NULL && strcmp(ps->name, "folder") == 0) {
		char *folder = NULL, *name = NULL;
		const char *why = NULL;

		if (zip_path_split(ps->filename, &folder, &name, &why) < 0) {
			fail(ps, UPLOAD_BAD_FOLDER, ps->filename, "bad folder path");
			if (f->error == UPLOAD_BAD_FOLDER && f->error_why == NULL)
				f->error_why = xstrdup(why);
			ps->skip = 1;
			return;
		}
		free(ps->filename);
		ps->filename = name;
		ps->folder = folder;
	}
	if (store_upload_name_check(ps->filename, &err) != GW_OK) {
		fail(ps, UPLOAD_BAD_NAME, ps->filename, err);
		free(err);
		ps->skip = 1;
		return;
	}
	if (store_blob_open(ps->lim->dir, &ps->blob, &err) < 0) {
		fail(ps, UPLOAD_STORAGE, ps->filename, err);
		free(err);
		ps->skip = 1;
	}
}

static void part_data(struct upload_parser *ps, const char *p, size_t n)
{
	char *err = NULL;

	if (n == 0 || ps->skip)
		return;
	if (ps->filename == NULL) {
		ps->text_bytes += n;
		if (ps->text_bytes > UPLOAD_TEXT_MAX) {
			fail(ps, UPLOAD_POST_TOO_LARGE, NULL, "text fields too large");
			ps->skip = 1;
			return;
		}
		buf_append(&ps->value, p, n);
		return;
	}
	ps->part_size += (int64_t)n;
	if (ps->lim->max_file > 0 && ps->part_size > ps->lim->max_file) {
		fail(ps, UPLOAD_FILE_TOO_LARGE, ps->filename, "file too large");
		store_blob_close(&ps->blob);
		ps->skip = 1;
		return;
	}
	if (ps->blob != NULL && store_blob_write(ps->blob, p, n, &err) < 0) {
		fail(ps, UPLOAD_STORAGE, ps->filename, err);
		free(err);
		store_blob_close(&ps->blob);
		ps->skip = 1;
	}
}

static void part_end(struct upload_parser *ps)
{
	struct upload_form *f = ps->form;

	if (ps->filename == NULL && !ps->skip) {
		struct upload_field *fl;

		if (f->n_fields >= UPLOAD_FIELDS_MAX) {
			fail(ps, UPLOAD_MALFORMED, NULL, "too many fields");
		} else {
			f->fields = xrealloc(f->fields, (f->n_fields + 1) * sizeof(*f->fields));
			fl = &f->fields[f->n_fields++];
			fl->name = ps->name;
			fl->len = ps->value.len;
			fl->value = ps->value.data != NULL ? buf_detach(&ps->value) : xstrdup("");
			ps->name = NULL;
		}
	} else if (ps->filename != NULL && ps->filename[0] != '\0' && !ps->skip &&
		   ps->part_size == 0) {
		fail(ps, UPLOAD_EMPTY_FILE, ps->filename, "empty file");
	} else if (ps->blob != NULL && !ps->skip && f->error == UPLOAD_OK) {
		struct upload_file *uf;

		f->files = xrealloc(f->files, (f->n_files + 1) * sizeof(*f->files));
		uf = &f->files[f->n_files++];
		uf->field = ps->name;
		uf->name = ps->filename;
		uf->content_type = ps->ctype;
		uf->size = ps->part_size;
		uf->blob = ps->blob;
		uf->folder = ps->folder != NULL ? ps->folder : xstrdup("");
		ps->name = ps->filename = ps->ctype = ps->folder = NULL;
		ps->blob = NULL;
	}
	part_reset(ps);
}

/* ---- the stream ------------------------------------------------------------ */

/* Drop the first n bytes of the window (what is left is small). */
static void win_consume(struct upload_parser *ps, size_t n)
{
	struct buf *w = &ps->win;

	if (n >= w->len) {
		buf_truncate(w, 0);
		return;
	}
	memmove(w->data, w->data + n, w->len - n);
	buf_truncate(w, w->len - n);
}

/* Consume what can be decided in the window; 0, or -1 when it is not
 * multipart (the error is set). */
static int parse_window(struct upload_parser *ps)
{
	for (;;) {
		const char *w = ps->win.data;
		size_t n = ps->win.len, dl = ps->delim.len;
		const char *hit;

		switch (ps->state) {
		case S_PREAMBLE:
			hit = n > 0 ? memmem(w, n, ps->delim.data, dl) : NULL;
			if (hit == NULL) {
				if (n >= dl)
					win_consume(ps, n - dl + 1);
				return 0;
			}
			win_consume(ps, (size_t)(hit - w) + dl);
			ps->state = S_AFTER_DELIM;
			break;
		case S_AFTER_DELIM: {
			size_t i = 0;

			if (n >= 2 && w[0] == '-' && w[1] == '-') {
				ps->state = S_END;
				break;
			}
			while (i < n && (w[i] == ' ' || w[i] == '\t'))
				i++;
			if (i + 2 > n) {
				if (n > 64)
					goto bad;
				return 0;
			}
			if (w[i] != '\r' || w[i + 1] != '\n')
				goto bad;
			win_consume(ps, i + 2);
			ps->state = S_HEADERS;
			break;
		}
		case S_HEADERS: {
			size_t hlen;

			if (n >= 2 && w[0] == '\r' && w[1] == '\n') {
				hlen = 0;
			} else {
				hit = n > 0 ? memmem(w, n, "\r\n\r\n", 4) : NULL;
				if (hit == NULL) {
					if (n > UPLOAD_PART_HEAD_MAX)
						goto bad;
					return 0;
				}
				hlen = (size_t)(hit - w) + 2;
			}
			if (hlen > UPLOAD_PART_HEAD_MAX || part_headers(ps, w, hlen) < 0)
				goto bad;
			win_consume(ps, hlen + 2);
			part_begin(ps);
			ps->state = S_BODY;
			break;
		}
		case S_BODY:
			hit = n > 0 ? memmem(w, n, ps->delim.data, dl) : NULL;
			if (hit == NULL) {
				if (n >= dl) {
					part_data(ps, w, n - dl + 1);
					win_consume(ps, n - dl + 1);
				}
				return 0;
			}
			part_data(ps, w, (size_t)(hit - w));
			part_end(ps);
			win_consume(ps, (size_t)(hit - w) + dl);
			ps->state = S_AFTER_DELIM;
			break;
		case S_END:
			buf_truncate(&ps->win, 0);   /* the epilogue means nothing */
			return 0;
		}
	}
bad:
	fail(ps, UPLOAD_MALFORMED, NULL, "not well-formed multipart");
	return -1;
}

static int parser_start(struct upload_parser *ps, const struct upload_limits *lim,
			const char *content_type, struct upload_form *form)
{
	char *boundary;

	memset(ps, 0, sizeof(*ps));
	memset(form, 0, sizeof(*form));
	ps->lim = lim;
	ps->form = form;
	if (content_type == NULL || strncasecmp(content_type, "multipart/form-data", 19) != 0) {
		fail(ps, UPLOAD_MALFORMED, NULL, "not multipart/form-data");
		return -1;
	}
	boundary = web_header_param(content_type, strlen(content_type), "boundary");
	if (boundary == NULL || *boundary == '\0' || strlen(boundary) > 200) {
		free(boundary);
		fail(ps, UPLOAD_MALFORMED, NULL, "no boundary");
		return -1;
	}
	buf_printf(&ps->delim, "\r\n--%s", boundary);
	free(boundary);
	buf_puts(&ps->win, "\r\n");
	return 0;
}

static int parser_feed(struct upload_parser *ps, const char *p, size_t n)
{
	ps->total += (int64_t)n;
	if (ps->lim->max_post > 0 && ps->total > ps->lim->max_post &&
	    ps->form->error == UPLOAD_OK) {
		fail(ps, UPLOAD_POST_TOO_LARGE, NULL, "post too large");
		store_blob_close(&ps->blob);
		ps->skip = ps->filename != NULL ? 1 : ps->skip;
	}
	buf_append(&ps->win, p, n);
	return parse_window(ps);
}

/* The body has ended: its verdict; the files wait for upload_form_commit(). */
static void parser_end(struct upload_parser *ps)
{
	struct upload_form *f = ps->form;

	if (ps->state != S_END)
		fail(ps, UPLOAD_MALFORMED, NULL, "body ended before the closing delimiter");
	part_reset(ps);
	if (f->error != UPLOAD_OK)
		for (size_t i = 0; i < f->n_files; i++)
			store_blob_close(&f->files[i].blob);
	buf_release(&ps->win);
	buf_release(&ps->delim);
}

int upload_form_commit(struct upload_form *f)
{
	char *err = NULL;

	for (size_t i = 0; f->error == UPLOAD_OK && i < f->n_files; i++) {
		if (f->files[i].blob == NULL || store_blob_finish(f->files[i].blob, &err) < 0) {
			f->error = UPLOAD_STORAGE;
			f->error_file = visible_name(f->files[i].name);
			f->detail = err != NULL ? err : xstrdup("no file");
			err = NULL;
		}
	}
	if (f->error != UPLOAD_OK)
		for (size_t i = 0; i < f->n_files; i++)
			store_blob_close(&f->files[i].blob);
	return f->error == UPLOAD_OK ? 0 : -1;
}

static void parser_finish(struct upload_parser *ps)
{
	parser_end(ps);
	(void)upload_form_commit(ps->form);
}

/* ---- the push interface (a body read as it arrives) ------------------ */

struct upload_parser *upload_parser_new(const struct upload_limits *lim,
					const char *content_type, struct upload_form *form)
{
	struct upload_parser *ps = xmalloc(sizeof(*ps));

	(void)parser_start(ps, lim, content_type, form);
	ps->limits = *lim;
	ps->lim = &ps->limits;
	return ps;
}

void upload_parser_feed(struct upload_parser *ps, const char *bytes, size_t n)
{
	/* Once refused as not multipart, the rest goes nowhere. */
	if (ps->form->error != UPLOAD_MALFORMED)
		(void)parser_feed(ps, bytes, n);
}

void upload_parser_end(struct upload_parser **psp)
{
	if (*psp == NULL)
		return;
	parser_end(*psp);
	free(*psp);
	*psp = NULL;
}

void upload_parser_free(struct upload_parser **psp)
{
	struct upload_parser *ps = *psp;

	if (ps == NULL)
		return;
	part_reset(ps);
	buf_release(&ps->win);
	buf_release(&ps->delim);
	upload_form_clear(ps->form);
	free(ps);
	*psp = NULL;
}

int upload_read_mem(const struct upload_limits *lim, const char *content_type,
		    const char *body, size_t len, struct upload_form *form)
{
	struct upload_parser ps;

	if (parser_start(&ps, lim, content_type, form) == 0) {
		/* In slices, as from a file: the window stays small. */
		for (size_t off = 0; off < len; off += UPLOAD_READ_CHUNK) {
			size_t n = len - off < UPLOAD_READ_CHUNK ? len - off : UPLOAD_READ_CHUNK;

			if (parser_feed(&ps, body + off, n) < 0)
				break;
		}
	}
	parser_finish(&ps);
	return 0;
}

int upload_read_iov(const struct upload_limits *lim, const char *content_type,
		    const struct iovec *iov, size_t n_iov, struct upload_form *form)
{
	struct upload_parser ps;

	if (parser_start(&ps, lim, content_type, form) == 0) {
		for (size_t i = 0; i < n_iov; i++)
			if (parser_feed(&ps, iov[i].iov_base, iov[i].iov_len) < 0)
				break;
	}
	parser_finish(&ps);
	return 0;
}

int upload_read_fd(const struct upload_limits *lim, const char *content_type, int fd,
		   int64_t len, struct upload_form *form)
{
	struct upload_parser ps;
	char *chunk = NULL;
	int64_t off = 0;
	int rc = 0;

	if (parser_start(&ps, lim, content_type, form) == 0) {
		chunk = xmalloc(UPLOAD_READ_CHUNK);
		while (off < len) {
			size_t want = len - off < UPLOAD_READ_CHUNK ? (size_t)(len - off)
								    : UPLOAD_READ_CHUNK;
			ssize_t n = pread(fd, chunk, want, (off_t)off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				fail(&ps, UPLOAD_STORAGE, NULL,
				     n < 0 ? strerror(errno) : "the body file is short");
				rc = -1;
				break;
			}
			off += n;
			if (parser_feed(&ps, chunk, (size_t)n) < 0)
				break;
		}
	}
	if (rc == 0 && off < len && form->error == UPLOAD_MALFORMED)
		rc = 0;   /* refused early: the rest does not matter */
	parser_finish(&ps);
	free(chunk);
	return rc;
}

/* ---- results ----------------------------------------------------------------- */

char *upload_error_text(const struct upload_form *f, const struct upload_limits *lim)
{
	char *size = NULL, *msg = NULL;
	const char *file = f->error_file != NULL ? f->error_file : "?";
	int max = lim->max_files > 0 ? lim->max_files : STORE_POST_MAX_FILES;

	switch (f->error) {
	case UPLOAD_OK:
		return NULL;
	case UPLOAD_FILE_TOO_LARGE:
		size = upload_size_text(lim->max_file);
		msg = xasprintf(_("The file \"%s\" is larger than %s, the limit for one file. "
				  "Nothing was sent."), file, size);
		break;
	case UPLOAD_POST_TOO_LARGE:
		size = upload_size_text(lim->max_post);
		msg = xasprintf(_("The message with its files is larger than %s, the limit for "
				  "one message. Nothing was sent."), size);
		break;
	case UPLOAD_TOO_MANY:
		msg = xasprintf(ngettext("A message can carry at most %d file. Nothing was sent.",
					 "A message can carry at most %d files. Nothing was sent.",
					 (unsigned long)max), max);
		break;
	case UPLOAD_EMPTY_FILE:
		msg = xasprintf(_("The file \"%s\" is empty. Nothing was sent."), file);
		break;
	case UPLOAD_BAD_NAME:
		msg = xasprintf(_("The file name \"%s\" cannot be used: it is longer than %d "
				  "bytes or holds a slash or a control character. Rename the file "
				  "and try again. Nothing was sent."), file, STORE_FILE_NAME_MAX);
		break;
	case UPLOAD_BAD_FOLDER:
		msg = xasprintf(_("The folder could not be uploaded: %s Nothing was sent."),
				f->error_why != NULL ? f->error_why : "");
		break;
	case UPLOAD_MALFORMED:
		msg = xstrdup(_("The upload arrived incomplete or garbled. Nothing was sent; "
				"please try again."));
		break;
	case UPLOAD_STORAGE:
		msg = xstrdup(_("The files could not be stored (the server may be out of disk "
				"space). Nothing was sent; please try again later."));
		break;
	}
	free(size);
	return msg;
}

struct store_upload *upload_form_store(const struct upload_form *f)
{
	struct store_upload *u;

	if (f->n_files == 0)
		return NULL;
	u = xcalloc(f->n_files, sizeof(*u));
	for (size_t i = 0; i < f->n_files; i++) {
		const char *hex = f->files[i].blob != NULL ? store_blob_hex(f->files[i].blob) : NULL;

		u[i].file_name = f->files[i].name;
		u[i].content_type = f->files[i].content_type;
		u[i].size = f->files[i].size;
		u[i].rel_path = f->files[i].folder;
		u[i].fd = f->files[i].blob != NULL ? store_blob_fd(f->files[i].blob) : -1;
		snprintf(u[i].sha256, sizeof(u[i].sha256), "%s", hex != NULL ? hex : "");
	}
	return u;
}

void upload_form_clear(struct upload_form *f)
{
	for (size_t i = 0; i < f->n_fields; i++) {
		free(f->fields[i].name);
		free(f->fields[i].value);
	}
	for (size_t i = 0; i < f->n_files; i++) {
		free(f->files[i].field);
		free(f->files[i].name);
		free(f->files[i].folder);
		free(f->files[i].content_type);
		store_blob_close(&f->files[i].blob);
	}
	free(f->fields);
	free(f->files);
	free(f->error_file);
	free(f->error_why);
	free(f->detail);
	memset(f, 0, sizeof(*f));
}
