/*
 * form.c - request bodies: application/x-www-form-urlencoded and
 * multipart/form-data (RFC 7578) into a list of fields, and the checks
 * that text from a form must pass before it reaches the store.
 *
 * The multipart parser is deliberately small: it needs only what browsers
 * send (a boundary, per part Content-Disposition: form-data with name and
 * optional filename, and an optional Content-Type) and refuses anything
 * it cannot read unambiguously.
 */
#include "web_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "i18n.h"
#include "log.h"
#include "utf8.h"

static void add_field(struct web_form *form, char *name, char *value, size_t len,
		      char *filename, char *content_type)
{
	struct web_field *f;

	form->fields = xrealloc(form->fields, (form->count + 1) * sizeof(*form->fields));
	f = &form->fields[form->count++];
	f->name = name;
	f->value = value;
	f->len = len;
	f->filename = filename;
	f->content_type = content_type;
	f->borrowed = 0;
}

void web_form_clear(struct web_form *form)
{
	for (size_t i = 0; i < form->count; i++) {
		free(form->fields[i].name);
		if (!form->fields[i].borrowed)
			free(form->fields[i].value);
		free(form->fields[i].filename);
		free(form->fields[i].content_type);
	}
	free(form->fields);
	form->fields = NULL;
	form->count = 0;
}

const struct web_field *web_form_field(const struct web_form *form, const char *name)
{
	for (size_t i = 0; i < form->count; i++)
		if (strcmp(form->fields[i].name, name) == 0)
			return &form->fields[i];
	return NULL;
}

const char *web_form_get(const struct web_form *form, const char *name)
{
	const struct web_field *f = web_form_field(form, name);

	return f != NULL ? f->value : NULL;
}

char *web_form_typed(const struct web_field *f)
{
	struct buf b = BUF_INIT;

	if (f == NULL || !utf8_valid(f->value, f->len))
		return xstrdup("");
	for (size_t i = 0; i < f->len; i++)
		if ((unsigned char)f->value[i] >= 0x20 && f->value[i] != 0x7f)
			buf_putc(&b, f->value[i]);
	return buf_detach(&b);
}

int64_t web_parse_id(const char *s)
{
	int64_t v = 0;

	if (s == NULL || *s < '1' || *s > '9')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - (*s - '0')) / 10)
			return 0;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* ---- urlencoded --------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decode s[0..n) with '+' as space; -1 on a bad escape. */
static int decode(const char *s, size_t n, char **out_r, size_t *len_r)
{
	char *out = xmalloc(n + 1);
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= n) {
				free(out);
				return -1;
			}
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0) {
				free(out);
				return -1;
			}
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	*out_r = out;
	*len_r = o;
	return 0;
}

int web_form_parse_urlencoded(const char *s, size_t len, struct web_form *form)
{
	size_t i = 0;

	while (i < len) {
		const char *pair = s + i;
		const char *amp = memchr(pair, '&', len - i);
		size_t plen = amp != NULL ? (size_t)(amp - pair) : len - i;
		const char *eq = memchr(pair, '=', plen);
		size_t nlen = eq != NULL ? (size_t)(eq - pair) : plen;
		char *name, *value;
		size_t dummy, vlen;

		i += plen + 1;
		if (plen == 0)
			continue;
		if (form->count >= WEB_FORM_MAX_FIELDS)
			return -1;
		if (decode(pair, nlen, &name, &dummy) < 0)
			return -1;
		if (eq != NULL) {
			if (decode(eq + 1, plen - nlen - 1, &value, &vlen) < 0) {
				free(name);
				return -1;
			}
		} else {
			value = xstrdup("");
			vlen = 0;
		}
		if (strlen(name) != dummy) {
			free(name);
			free(value);
			return -1;
		}
		add_field(form, name, value, vlen, NULL, NULL);
	}
	return 0;
}

/* ---- multipart ---------------------------------------------------------- */

/* Value of a parameter (name="value" or name=value) in a header value;
 * malloc'd, NULL if absent. */
char *web_header_param(const char *h, size_t hlen, const char *param)
{
	size_t plen = strlen(param);
	size_t i = 0;

	while (i < hlen) {
		/* Parameters follow a ';'. */
		const char *semi = memchr(h + i, ';', hlen - i);

		if (semi == NULL)
			return NULL;
		i = (size_t)(semi - h) + 1;
		while (i < hlen && (h[i] == ' ' || h[i] == '\t'))
			i++;
		if (hlen - i > plen && strncasecmp(h + i, param, plen) == 0 &&
		    h[i + plen] == '=') {
			struct buf v = BUF_INIT;

			i += plen + 1;
			if (i < hlen && h[i] == '"') {
				for (i++; i < hlen && h[i] != '"'; i++) {
					if (h[i] == '\\' && i + 1 < hlen)
						i++;
					buf_putc(&v, h[i]);
				}
				if (i >= hlen) {
					buf_release(&v);
					return NULL;
				}
			} else {
				for (; i < hlen && h[i] != ';' && h[i] != ' ' && h[i] != '\t'; i++)
					buf_putc(&v, h[i]);
			}
			return buf_detach(&v);
		}
	}
	return NULL;
}

static const char *find(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	return memmem(hay, hlen, needle, nlen);
}

/* Parse the header block of one part (h[0..n) without the blank line). */
static int part_headers(const char *h, size_t n, char **name_r, char **filename_r,
			char **ctype_r)
{
	size_t i = 0;

	*name_r = *filename_r = *ctype_r = NULL;
	while (i < n) {
		const char *eol = find(h + i, n - i, "\r\n", 2);
		size_t llen = eol != NULL ? (size_t)(eol - h - i) : n - i;
		const char *line = h + i;

		i += llen + 2;
		if (llen > 20 && strncasecmp(line, "Content-Disposition:", 20) == 0) {
			const char *v = line + 20;
			size_t vlen = llen - 20;

			while (vlen > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				vlen--;
			}
			if (vlen < 9 || strncasecmp(v, "form-data", 9) != 0)
				return -1;
			free(*name_r);
			free(*filename_r);
			*name_r = web_header_param(v, vlen, "name");
			*filename_r = web_header_param(v, vlen, "filename");
		} else if (llen > 13 && strncasecmp(line, "Content-Type:", 13) == 0) {
			const char *v = line + 13;
			size_t vlen = llen - 13;

			while (vlen > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				vlen--;
			}
			free(*ctype_r);
			*ctype_r = xstrndup(v, vlen);
		}
	}
	return *name_r != NULL ? 0 : -1;
}

/* borrow_files: a file part's value points into body (which outlives the
 * form) instead of being copied to the heap. */
static int parse_multipart(const char *content_type, const char *body, size_t len,
			   struct web_form *form, int borrow_files)
{
	char *boundary = web_header_param(content_type, strlen(content_type), "boundary");
	struct buf delim = BUF_INIT;
	const char *p, *end = body + len;
	int ret = -1;

	if (boundary == NULL || *boundary == '\0' || strlen(boundary) > 200)
		goto out;
	/* The first delimiter may start the body; later ones follow CRLF. */
	buf_printf(&delim, "\r\n--%s", boundary);
	if (len >= delim.len - 2 && memcmp(body, delim.data + 2, delim.len - 2) == 0)
		p = body + delim.len - 2;
	else if ((p = find(body, len, delim.data, delim.len)) != NULL)
		p += delim.len;
	else
		goto out;
	for (;;) {
		const char *hend, *next;
		char *name, *filename, *ctype, *value;

		if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
			ret = 0; /* closing delimiter */
			break;
		}
		/* Transport padding, then CRLF. */
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			break;
		p += 2;
		if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
			hend = p;
		else if ((hend = find(p, (size_t)(end - p), "\r\n\r\n", 4)) == NULL)
			break;
		if (part_headers(p, (size_t)(hend - p), &name, &filename, &ctype) < 0) {
			free(name);
			free(filename);
			free(ctype);
			break;
		}
		p = hend + (hend == p ? 2 : 4);
		next = find(p, (size_t)(end - p), delim.data, delim.len);
		if (next == NULL || form->count >= WEB_FORM_MAX_FIELDS) {
			free(name);
			free(filename);
			free(ctype);
			break;
		}
		if (borrow_files && filename != NULL) {
			add_field(form, name, (char *)p, (size_t)(next - p), filename, ctype);
			form->fields[form->count - 1].borrowed = 1;
		} else {
			value = xmalloc((size_t)(next - p) + 1);
			memcpy(value, p, (size_t)(next - p));
			value[next - p] = '\0';
			add_field(form, name, value, (size_t)(next - p), filename, ctype);
		}
		p = next + delim.len;
	}
out:
	free(boundary);
	buf_release(&delim);
	return ret;
}

int web_form_parse_multipart(const char *content_type, const char *body,
			     size_t len, struct web_form *form)
{
	return parse_multipart(content_type, body, len, form, 0);
}

/* ---- request body ------------------------------------------------------- */

/* The limits of a post's files, from the web view's settings. */
void web_upload_limits(const struct web *web, struct upload_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->dir = web->attachments_dir;
	lim->max_post = web->max_body;
	lim->max_file = web->max_upload;
	lim->max_files = STORE_POST_MAX_FILES;
}

int web_post_files(struct web_req *r, struct store_post_files *pf, char **error_r)
{
	struct store_upload *in = upload_form_store(&r->upload);
	char *err = NULL;
	enum gw_result res;

	*error_r = NULL;
	res = store_post_files_unpack(r->web->attachments_dir, in, r->upload.n_files,
				      r->web->max_body, pf, &err);
	free(in);
	if (res == GW_OK) {
		free(err);
		return 0;
	}
	if (res == GW_INVALID) {
		log_info("web: %s: files refused: %s", r->path, err);
		*error_r = err;
		return 400;
	}
	log_error("web: %s: %s", r->path, err);
	free(err);
	*error_r = xstrdup(_("The zip file could not be unpacked, so nothing was sent. "
			     "Please try again."));
	return 503;
}

/*
 * A multipart body through the streaming reader: files into the content
 * store, text fields into r->form.  What was wrong with the files is in
 * r->upload.error for the handler, which shows the page again with the
 * typed text; only a body that cannot be read at all is an error here.
 */
static int read_multipart(struct web_req *r, const char *ct, const char *mem, size_t len)
{
	struct upload_limits lim;
	int rc;

	web_upload_limits(r->web, &lim);
	if (r->upload_streamed)
		rc = (upload_form_commit(&r->upload), 0);   /* a refusal is in the form */
	else if (mem != NULL)
		rc = upload_read_mem(&lim, ct, mem, len, &r->upload);
	else
		rc = upload_read_fd(&lim, ct, r->body_fd, r->body_len, &r->upload);
	if (rc < 0) {
		log_error("web: %s: cannot read a %lld byte upload: %s", r->path,
			  (long long)len, r->upload.detail);
		return 503;
	}
	for (size_t i = 0; i < r->upload.n_fields; i++) {
		struct upload_field *f = &r->upload.fields[i];

		if (r->form.count >= WEB_FORM_MAX_FIELDS)
			return 400;
		add_field(&r->form, f->name, f->value, f->len, NULL, NULL);
		f->name = f->value = NULL;   /* the form's now */
	}
	/* Nothing readable at all: no page to show again. */
	if (r->upload.error == UPLOAD_MALFORMED && r->form.count == 0)
		return 400;
	if (r->upload.error != UPLOAD_OK)
		log_info("web: %s: upload refused: %s%s%s", r->path, r->upload.detail,
			 r->upload.error_file != NULL ? ": " : "",
			 r->upload.error_file != NULL ? r->upload.error_file : "");
	return 0;
}

int web_form_read(struct web_req *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(r->req),
					    "Content-Type");
	int streamed = r->body_fd >= 0;
	size_t len = streamed || r->upload_streamed ? (size_t)r->body_len
						    : evbuffer_get_length(in);
	const char *body = NULL;

	if (r->form_read)
		return r->form_status;
	r->form_read = 1;
	if (r->body_too_large)
		r->form_status = 413;
	else if (r->upload_streamed)
		/* Read by the guard as it arrived: its files go into the store. */
		r->form_status = read_multipart(r, ct, NULL, len);
	else if ((int64_t)len > r->web->max_body + WEB_BODY_SLACK)
		r->form_status = 413;
	else if (len == 0)
		r->form_status = 0;
	else if (ct == NULL)
		r->form_status = 415;
	else if (strncasecmp(ct, "multipart/form-data", 19) == 0)
		/* A streamed body is read from its file, a small one from memory:
		 * files go to the store as they are read, never whole to the heap. */
		r->form_status = streamed ? read_multipart(r, ct, NULL, len)
				 : (body = (const char *)evbuffer_pullup(in, -1)) == NULL ? 413
				 : read_multipart(r, ct, body, len);
	else if (streamed)
		r->form_status = 415;   /* only uploads are streamed */
	else if ((body = (const char *)evbuffer_pullup(in, -1)) == NULL)
		r->form_status = 413;
	else if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0)
		r->form_status = web_form_parse_urlencoded(body, len, &r->form) < 0 ? 400 : 0;
	else
		r->form_status = 415;
	return r->form_status;
}

/* ---- text --------------------------------------------------------------- */

char *web_clean_text(const char *s, size_t len)
{
	struct buf b = BUF_INIT;

	if (s == NULL)
		return NULL;
	if (!utf8_valid(s, len))
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r') {
			if (i + 1 < len && s[i + 1] == '\n')
				continue;
			c = '\n';
		} else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
			buf_release(&b);
			return NULL;
		}
		buf_putc(&b, (char)c);
	}
	while (b.len > 0 && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\n' ||
			     b.data[b.len - 1] == '\t'))
		buf_truncate(&b, b.len - 1);
	return buf_detach(&b);
}
