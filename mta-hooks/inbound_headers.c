/*
 * inbound_headers.c - the envelope of a message read from a mailbox,
 * guessed from the traces in its header (inbound_headers.h).
 */
#include "inbound_headers.h"

#include <string.h>
#include <strings.h>

#include "buf.h"

/* Address fields in the order they are searched for the recipient. */
enum field { F_DELIVERED_TO, F_X_ORIGINAL_TO, F_TO, F_CC, F_RETURN_PATH, F_FROM, F_N };

static const char *const field_names[F_N] = {
	"Delivered-To", "X-Original-To", "To", "Cc", "Return-Path", "From",
};

/* Each field's unfolded values, joined by "\n", topmost first. */
struct fields {
	struct buf v[F_N];
};

static int field_of(const char *line, size_t n, size_t *colon_r)
{
	const char *c = memchr(line, ':', n);

	if (c == NULL)
		return -1;
	for (int f = 0; f < F_N; f++) {
		size_t l = strlen(field_names[f]);

		if ((size_t)(c - line) == l && strncasecmp(line, field_names[f], l) == 0) {
			*colon_r = l;
			return f;
		}
	}
	return -1;
}

/* Collect the fields of the header block (unfolding continuation lines). */
static void collect(const char *data, size_t len, size_t max_header, struct fields *fs)
{
	const char *p = data, *end = data + (len < max_header ? len : max_header);
	int cur = -1;

	/* A leading mbox "From " line is not a header field. */
	if (end - p >= 5 && memcmp(p, "From ", 5) == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl != NULL ? nl + 1 : end;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl != NULL ? nl : end) - p), colon;

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0)
			break;  /* the blank line: end of the header */
		if (*p == ' ' || *p == '\t') {
			if (cur >= 0) {
				buf_putc(&fs->v[cur], ' ');
				buf_append(&fs->v[cur], p, n);
			}
		} else {
			cur = field_of(p, n, &colon);
			if (cur >= 0) {
				if (fs->v[cur].len > 0)
					buf_putc(&fs->v[cur], '\n');
				buf_append(&fs->v[cur], p + colon + 1, n - colon - 1);
			}
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

static int addr_char(char c)
{
	return (unsigned char)c > ' ' && c != 0x7f && strchr("<>,;:\"()[]\\", c) == NULL;
}

/*
 * The next address-looking word (local@domain) of S from *pos on; its
 * bounds in *a, *n.  0 when there is none.
 */
static int next_address(const char *s, size_t *pos, const char **a, size_t *n)
{
	const char *p = s + *pos;

	while ((p = strchr(p, '@')) != NULL) {
		const char *b = p, *e = p + 1;

		while (b > s && addr_char(b[-1]))
			b--;
		while (*e != '\0' && addr_char(*e))
			e++;
		*pos = (size_t)(e - s);
		if (b < p && e > p + 1) {
			*a = b;
			*n = (size_t)(e - b);
			return 1;
		}
		p = e;
	}
	return 0;
}

static int in_domain(const char *a, size_t n, const char *domain)
{
	const char *at = memrchr(a, '@', n);
	size_t dl = domain != NULL ? strlen(domain) : 0;

	return at != NULL && dl > 0 && (size_t)(a + n - at - 1) == dl &&
	       strncasecmp(at + 1, domain, dl) == 0;
}

/* The first address of field F (in the reply domain when DOMAIN is set). */
static char *first_address(const struct fields *fs, enum field f, const char *domain)
{
	const char *s = buf_cstr(&fs->v[f]), *a;
	size_t pos = 0, n;

	while (next_address(s, &pos, &a, &n))
		if (domain == NULL || in_domain(a, n, domain))
			return xstrndup(a, n);
	return NULL;
}

static char *guess_recipient(const struct fields *fs, const char *domain)
{
	static const enum field order[] = { F_DELIVERED_TO, F_X_ORIGINAL_TO, F_TO, F_CC };
	char *r;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if ((r = first_address(fs, order[i], domain)) != NULL)
			return r;
	if ((r = first_address(fs, F_DELIVERED_TO, NULL)) != NULL ||
	    (r = first_address(fs, F_X_ORIGINAL_TO, NULL)) != NULL)
		return r;
	return xstrdup("");
}

static char *guess_sender(const struct fields *fs)
{
	const char *rp = buf_cstr(&fs->v[F_RETURN_PATH]);
	char *r;

	if (fs->v[F_RETURN_PATH].len > 0) {
		const char *lt = strchr(rp, '<'), *nl = strchr(rp, '\n');

		/* Return-Path: <> (only the topmost field counts) */
		if (lt != NULL && (nl == NULL || lt < nl)) {
			const char *q = lt + 1;

			while (*q == ' ')
				q++;
			if (*q == '>')
				return xstrdup("");
		}
		if ((r = first_address(fs, F_RETURN_PATH, NULL)) != NULL)
			return r;
	}
	if ((r = first_address(fs, F_FROM, NULL)) != NULL)
		return r;
	return xstrdup("");
}

void inbound_headers_envelope(const char *data, size_t len, size_t max_header,
			      const char *reply_domain, char **sender_r, char **recipient_r)
{
	struct fields fs;

	memset(&fs, 0, sizeof(fs));
	collect(data, len, max_header, &fs);
	*sender_r = guess_sender(&fs);
	*recipient_r = guess_recipient(&fs, reply_domain);
	for (int f = 0; f < F_N; f++)
		buf_release(&fs.v[f]);
}
