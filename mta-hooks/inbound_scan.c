/*
 * inbound_scan.c - the limits checked before gmime parses a message.
 *
 * A hostile message can be small and still expensive: a header block of
 * megabytes, thousands of nested multiparts, or a hundred thousand empty
 * parts.  This scan walks the bytes once, line by line, and follows the MIME
 * structure the way gmime's parser does (the last Content-Type of a header
 * block wins, a boundary line is "--" boundary with optional trailing white
 * space, "--" boundary "--" closes, a boundary of an outer multipart closes
 * the inner ones, parts of multipart/digest default to message/rfc822, an
 * encoded message/rfc822 is a leaf).  Content-Type values are read with
 * gmime's own parameter parser, so that both agree on every boundary.  The
 * scan stops at the first limit exceeded; its memory is bounded by the
 * depth limit.  It also counts the header fields of every header block, the
 * ':' of every address field and the ';' of every Content-Type and
 * Content-Disposition field (INBOUND_MAX_HEADER_FIELDS,
 * INBOUND_MAX_ADDRESS_COLONS, INBOUND_MAX_PARAMETERS): gmime's cost per
 * field, its recursion into nested groups and its quadratic work on long
 * parameter lists are what a small hostile message can exploit.
 *
 * Should the scan and gmime still disagree somewhere, the walk of the
 * parsed tree in inbound.c enforces the limits again, and gmime itself
 * stops recursing at 1024 levels.
 */
#include <string.h>

#include "inbound_private.h"

struct frame {
	char *boundary;
	size_t blen;
	int depth;  /* depth of the entities it contains */
	int digest; /* multipart/digest: parts default to message/rfc822 */
};

struct scanner {
	const struct inbound_limits *lim;
	struct inb_scan *s;

	struct frame *frames;
	int nframes;
	int maxframes;

	/* the header block being read */
	int in_headers;
	int top;         /* it is the message's own header block */
	int depth;       /* depth of its entity */
	int digest_kid;  /* its entity is a part of a multipart/digest */
	const char *ct, *ct_end;   /* last Content-Type field */
	const char *cte, *cte_end; /* last Content-Transfer-Encoding field */
	int field;       /* 1 = Content-Type, 2 = Content-Transfer-Encoding,
			    3 = an address field, 4 = Content-Disposition */
	size_t marks;    /* ':' of the address field or ';' of the
			    Content-Type or -Disposition field being read */
};

static int is_lwsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int only_lwsp(const char *p, const char *end)
{
	for (; p < end; p++)
		if (!is_lwsp(*p))
			return 0;
	return 1;
}

static int field_is(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);

	if ((size_t)(end - p) < n || strncasecmp(p, name, n) != 0)
		return 0;
	p += n;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p < end && *p == ':';
}

static int hit(struct scanner *sc, enum inbound_limit which)
{
	if (sc->s->hit == INBOUND_LIMIT_NONE)
		sc->s->hit = which;
	return -1;
}

/* The fields gmime parses into address lists when it builds a message. */
static int is_address_field(const char *p, const char *end)
{
	static const char *const names[] = { "from", "sender", "reply-to", "to", "cc", "bcc" };
	size_t i;

	if ((size_t)(end - p) > 7 && strncasecmp(p, "resent-", 7) == 0)
		p += 7;
	for (i = 0; i < GW_ARRAY_SIZE(names); i++)
		if (field_is(p, end, names[i]))
			return 1;
	return 0;
}

/*
 * Count the marks gmime's cost follows in a line of the field being read
 * (after its name on the first line): ':' of an address field (one level
 * of group recursion each), ';' of a Content-Type or Content-Disposition
 * field (one parameter each).  Other fields count nothing.
 */
static int count_marks(struct scanner *sc, const char *p, const char *end)
{
	int address = sc->field == 3;
	char mark = address ? ':' : ';';
	size_t max = address ? INBOUND_MAX_ADDRESS_COLONS : INBOUND_MAX_PARAMETERS;
	const char *c;

	if (sc->field != 1 && sc->field != 3 && sc->field != 4)
		return 0;
	while ((c = memchr(p, mark, (size_t)(end - p))) != NULL) {
		if (++sc->marks > max) {
			sc->s->top_unsafe |= sc->top;
			return hit(sc, address ? INBOUND_LIMIT_ADDRESS_GROUPS
					       : INBOUND_LIMIT_PARAMETERS);
		}
		p = c + 1;
	}
	return 0;
}

/* A new header field starts: count it. */
static int header_field(struct scanner *sc)
{
	if (++sc->s->fields > INBOUND_MAX_HEADER_FIELDS) {
		sc->s->top_unsafe |= sc->top;
		return hit(sc, INBOUND_LIMIT_HEADER_FIELDS);
	}
	return 0;
}

/* A new entity starts at DEPTH: count it and check the limits. */
static int entity(struct scanner *sc, int depth)
{
	sc->s->parts++;
	if (depth > sc->s->depth)
		sc->s->depth = depth;
	if (depth > sc->lim->max_mime_depth)
		return hit(sc, INBOUND_LIMIT_MIME_DEPTH);
	if (sc->s->parts > sc->lim->max_parts)
		return hit(sc, INBOUND_LIMIT_PARTS);
	return 0;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* Past "Name:" of a field. */
static const char *field_value(const char *p, const char *end)
{
	const char *colon = memchr(p, ':', (size_t)(end - p));

	return colon ? skip_ws(colon + 1, end) : end;
}

static int token_eq(const char *p, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(p, word, n) == 0;
}

/*
 * Type, subtype and boundary of a Content-Type field, by gmime's own
 * parser so that both read the same boundary (quoting, RFC 2231
 * continuations and all).  The strings are malloc'd; NULL when absent.
 */
static void content_type(const char *field, const char *end, char **type, char **sub,
			 char **boundary)
{
	const char *p = field_value(field, end);
	struct buf v = BUF_INIT;
	GMimeContentType *ct;
	const char *b;

	*type = *sub = *boundary = NULL;
	for (; p < end; p++)
		if (*p != '\r' && *p != '\n')
			buf_putc(&v, *p == '\t' ? ' ' : *p);
	if (!strchr(buf_cstr(&v), '/')) {
		buf_release(&v);
		return;
	}
	ct = g_mime_content_type_parse(NULL, buf_cstr(&v));
	buf_release(&v);
	if (!ct)
		return;
	*type = xstrdup(g_mime_content_type_get_media_type(ct));
	*sub = xstrdup(g_mime_content_type_get_media_subtype(ct));
	b = g_mime_content_type_get_parameter(ct, "boundary");
	if (b && *b)
		*boundary = xstrdup(b);
	g_object_unref(ct);
}

static int is_encoded(struct scanner *sc)
{
	const char *p, *e;

	if (!sc->cte)
		return 0;
	p = field_value(sc->cte, sc->cte_end);
	for (e = p; e < sc->cte_end && !is_lwsp(*e) && *e != '\n' && *e != ';'; e++)
		;
	return token_eq(p, (size_t)(e - p), "base64") ||
	       token_eq(p, (size_t)(e - p), "quoted-printable") ||
	       token_eq(p, (size_t)(e - p), "x-uuencode") ||
	       token_eq(p, (size_t)(e - p), "uuencode");
}

static void push(struct scanner *sc, char *boundary, int depth, int digest)
{
	struct frame *f;

	if (sc->nframes == sc->maxframes) {
		/* cannot happen: entity() stops deeper structures first */
		free(boundary);
		return;
	}
	f = &sc->frames[sc->nframes++];
	f->boundary = boundary;
	f->blen = strlen(boundary);
	f->depth = depth;
	f->digest = digest;
}

static void pop_to(struct scanner *sc, int n)
{
	while (sc->nframes > n) {
		sc->nframes--;
		free(sc->frames[sc->nframes].boundary);
	}
}

static void start_headers(struct scanner *sc, int depth, int digest_kid)
{
	sc->in_headers = 1;
	sc->depth = depth;
	sc->digest_kid = digest_kid;
	sc->ct = sc->ct_end = sc->cte = sc->cte_end = NULL;
	sc->field = 0;
}

static int is_message(const char *type, const char *sub)
{
	return type && !strcasecmp(type, "message") &&
	       (!strcasecmp(sub, "rfc822") || !strcasecmp(sub, "rfc2822") ||
		!strcasecmp(sub, "global") || !strcasecmp(sub, "news"));
}

/* The header block ended: decide what its entity contains. */
static int end_headers(struct scanner *sc)
{
	char *type = NULL, *sub = NULL, *boundary = NULL;
	int rc = 0;

	sc->in_headers = 0;
	sc->top = 0;
	if (sc->ct)
		content_type(sc->ct, sc->ct_end, &type, &sub, &boundary);
	if (type && !strcasecmp(type, "multipart")) {
		if (boundary) {
			push(sc, boundary, sc->depth + 1, !strcasecmp(sub, "digest"));
			boundary = NULL;
		}
	} else if ((is_message(type, sub) || (!type && sc->digest_kid)) && !is_encoded(sc)) {
		/* an attached message: its header block starts right away */
		if (entity(sc, sc->depth + 1) < 0)
			rc = -1;
		else
			start_headers(sc, sc->depth + 1, 0);
	}
	free(type);
	free(sub);
	free(boundary);
	return rc;
}

/*
 * A line starting with "--": a boundary of an open multipart?  Returns 1
 * when it is (and moves to the next part or closes), 0 when it is not, -1
 * when a limit was exceeded.
 */
static int boundary_line(struct scanner *sc, const char *p, const char *end)
{
	int i;

	for (i = sc->nframes - 1; i >= 0; i--) {
		struct frame *f = &sc->frames[i];
		const char *rest = p + 2 + f->blen;

		if ((size_t)(end - p) < 2 + f->blen || memcmp(p + 2, f->boundary, f->blen) != 0)
			continue;
		if (end - rest >= 2 && rest[0] == '-' && rest[1] == '-' && only_lwsp(rest + 2, end)) {
			pop_to(sc, i);
			sc->in_headers = 0;
			return 1;
		}
		if (only_lwsp(rest, end)) {
			int digest = f->digest, depth = f->depth;

			pop_to(sc, i + 1);
			if (entity(sc, depth) < 0)
				return -1;
			start_headers(sc, depth, digest);
			return 1;
		}
	}
	return 0;
}

void inb_scan(const char *data, size_t len, const struct inbound_limits *lim,
	      struct inb_scan *s)
{
	struct scanner sc;
	const char *p = data, *end = data + len;
	int blank_seen = 0;

	memset(s, 0, sizeof(*s));
	memset(&sc, 0, sizeof(sc));
	sc.lim = lim;
	sc.s = s;
	sc.maxframes = lim->max_mime_depth + 2;
	sc.frames = xcalloc((size_t)sc.maxframes, sizeof(*sc.frames));
	sc.top = 1;
	s->parts = 1;
	start_headers(&sc, 0, 0);

	while (p < end && s->hit == INBOUND_LIMIT_NONE) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *next = nl ? nl + 1 : end;
		const char *content_end = eol;

		if (content_end > p && content_end[-1] == '\r')
			content_end--;

		if (sc.top && (size_t)(p - data) > lim->max_header_bytes) {
			s->header_bytes = (size_t)(p - data);
			hit(&sc, INBOUND_LIMIT_HEADER_BYTES);
			break;
		}
		if (sc.in_headers) {
			if (content_end == p) {
				if (sc.top) {
					s->header_bytes = (size_t)(p - data);
					blank_seen = 1;
				}
				if (end_headers(&sc) < 0)
					break;
			} else if (p[0] == '-' && p + 1 < content_end && p[1] == '-' &&
				   sc.nframes > 0) {
				/* a boundary may cut a header block short */
				int m = boundary_line(&sc, p, content_end);

				if (m < 0)
					break;
				if (m == 0)
					sc.field = 0;
			} else if (*p == ' ' || *p == '\t') {
				if (sc.field == 1)
					sc.ct_end = eol;
				else if (sc.field == 2)
					sc.cte_end = eol;
				if (count_marks(&sc, p, content_end) < 0)
					break;
			} else if (header_field(&sc) < 0) {
				break;
			} else {
				if (field_is(p, content_end, "content-type")) {
					sc.ct = p;
					sc.ct_end = eol;
					sc.field = 1;
				} else if (field_is(p, content_end, "content-transfer-encoding")) {
					sc.cte = p;
					sc.cte_end = eol;
					sc.field = 2;
				} else if (is_address_field(p, content_end)) {
					sc.field = 3;
				} else if (field_is(p, content_end, "content-disposition")) {
					sc.field = 4;
				} else {
					sc.field = 0;
				}
				/* field_is() found the ':' of the name */
				sc.marks = 0;
				if (sc.field != 0 &&
				    count_marks(&sc, memchr(p, ':', (size_t)(content_end - p)) + 1,
						content_end) < 0)
					break;
			}
		} else if (p[0] == '-' && p + 1 < content_end && p[1] == '-' && sc.nframes > 0) {
			if (boundary_line(&sc, p, content_end) < 0)
				break;
		}
		p = next;
	}
	if (!blank_seen && sc.top) {
		s->header_bytes = len;
		if (len > lim->max_header_bytes)
			hit(&sc, INBOUND_LIMIT_HEADER_BYTES);
	}
	pop_to(&sc, 0);
	free(sc.frames);
}
