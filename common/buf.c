/*
 * buf.c - growable NUL-terminated byte buffer and the x* allocation helpers.
 *
 * Every allocation in gatewayd that "cannot fail" goes through here, so that
 * running out of memory is one message on stderr and abort(), never a NULL
 * dereference somewhere far away.
 */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void __attribute__((noreturn)) oom(size_t n)
{
	char msg[96];
	int len = snprintf(msg, sizeof(msg), "out of memory allocating %zu bytes\n", n);

	/* No stdio buffering, no allocation: write(2) straight to stderr. */
	if (len > 0 && write(STDERR_FILENO, msg, (size_t)len) < 0) {
		/* nothing more we can do */
	}
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_detach(&b);
}

/* Make room for n more bytes plus the NUL. */
static void buf_grow(struct buf *b, size_t n)
{
	size_t need, cap;

	if (n > SIZE_MAX - b->len - 1)
		oom(SIZE_MAX);
	need = b->len + n + 1;
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

/* The header leaves the attribute off; clang's -Wformat=2 wants it here. */
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) GW_PRINTF(2, 0);

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	buf_grow(b, 0);
	va_copy(ap2, ap);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		/* Only an invalid format gets here; keep the buffer as it was. */
		b->data[b->len] = '\0';
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		buf_grow(b, (size_t)n);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		if (n < 0) {
			b->data[b->len] = '\0';
			return;
		}
	}
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->data[len] = '\0';
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

char *buf_detach(struct buf *b)
{
	char *p = b->data;

	if (p == NULL)
		p = xstrdup("");
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

const char *buf_cstr(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}

void buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void buf_html_escape(struct buf *b, const char *s)
{
	buf_html_escape_n(b, s, strlen(s));
}

void buf_html_escape_n(struct buf *b, const char *s, size_t n)
{
	const char *run = s, *end = s + n;

	for (; s < end; s++) {
		const char *rep;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		buf_append(b, run, (size_t)(s - run));
		buf_puts(b, rep);
		run = s + 1;
	}
	buf_append(b, run, (size_t)(s - run));
}

void buf_html_escape_marked(struct buf *b, const char *s)
{
	int open = 0;

	while (*s != '\0') {
		size_t n = strcspn(s, "\x01\x02");

		buf_html_escape_n(b, s, n);
		s += n;
		if (*s == '\x01' && !open) {
			buf_puts(b, "<mark>");
			open = 1;
		} else if (*s == '\x02' && open) {
			buf_puts(b, "</mark>");
			open = 0;
		}
		if (*s != '\0')
			s++;
	}
	if (open)
		buf_puts(b, "</mark>");
}

void buf_unmarked(struct buf *b, const char *s)
{
	while (*s != '\0') {
		size_t n = strcspn(s, "\x01\x02");

		buf_append(b, s, n);
		s += n;
		if (*s != '\0')
			s++;
	}
}
