/*
 * inbound.c - inbound_parse(): limits, gmime parse, tree walk, and the
 * result record.  The rules live in inbound_classify.c and inbound_dsn.c,
 * the text work in inbound_text.c, the pre-parse scan in inbound_scan.c.
 *
 * gmime is initialised once per process.  Its warnings and GLib's are
 * counted per thread instead of printed: gatewayd-pipe's stderr ends up in
 * Postfix's log, and a hostile message must not be able to fill it.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "inbound_private.h"

static _Thread_local unsigned int glib_warnings;

static void count_log(const gchar *domain, GLogLevelFlags level, const gchar *message,
		      gpointer data)
{
	GW_UNUSED(domain);
	GW_UNUSED(level);
	GW_UNUSED(message);
	GW_UNUSED(data);
	glib_warnings++;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_gmime(void)
{
	static const char *const domains[] = {
		"gmime", "GMime", "GLib", "GLib-GObject", "GLib-GIO"
	};
	size_t i;

	g_mime_init();
	for (i = 0; i < GW_ARRAY_SIZE(domains); i++)
		g_log_set_handler(domains[i],
				  G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE |
					  G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG | G_LOG_FLAG_RECURSION,
				  count_log, NULL);
}

void inbound_init(void)
{
	pthread_once(&init_once, init_gmime);
}

void inbound_limits_init(struct inbound_limits *l)
{
	l->max_size = INBOUND_DEFAULT_MAX_SIZE;
	l->max_header_bytes = INBOUND_DEFAULT_MAX_HEADER_BYTES;
	l->max_mime_depth = INBOUND_DEFAULT_MAX_MIME_DEPTH;
	l->max_parts = INBOUND_DEFAULT_MAX_PARTS;
	l->max_quote = INBOUND_DEFAULT_MAX_QUOTE;
}

const char *inbound_verdict_name(enum inbound_verdict v)
{
	switch (v) {
	case INBOUND_LOOP:
		return "loop";
	case INBOUND_BOUNCE:
		return "bounce";
	case INBOUND_AUTOMATIC:
		return "automatic";
	case INBOUND_HUMAN:
		return "human";
	case INBOUND_OVER_LIMIT:
		return "over-limit";
	case INBOUND_MALFORMED:
		return "malformed";
	}
	return "unknown";
}

const char *inbound_token_source_name(enum inbound_token_source s)
{
	switch (s) {
	case INBOUND_TOKEN_RECIPIENT:
		return "recipient";
	case INBOUND_TOKEN_REFERENCES:
		return "references";
	case INBOUND_TOKEN_IN_REPLY_TO:
		return "in-reply-to";
	case INBOUND_TOKEN_DELIVERED_TO:
		return "delivered-to";
	case INBOUND_TOKEN_X_ORIGINAL_TO:
		return "x-original-to";
	}
	return "unknown";
}

void inbound_result_free(struct inbound_result **rp)
{
	struct inbound_result *r = rp ? *rp : NULL;
	size_t i;

	if (!r)
		return;
	free(r->reason);
	free(r->message_id);
	free(r->from);
	free(r->from_name);
	free(r->subject);
	free(r->bounce.action);
	free(r->bounce.final_recipient);
	free(r->bounce.diagnostic);
	free(r->bounce.original_message_id);
	for (i = 0; i < r->n_tokens; i++)
		free(r->tokens[i].value);
	free(r->tokens);
	free(r->quote);
	free(r->auto_text);
	free(r);
	*rp = NULL;
}

/* --- body text, computed once --- */

const char *inb_body(struct inb_ctx *c)
{
	if (!c->body_done) {
		c->body_done = 1;
		if (c->t.text_plain) {
			c->body = inb_part_text(c->t.text_plain, INB_BODY_MAX);
		} else if (c->t.text_html) {
			char *html = inb_part_text(c->t.text_html, INB_BODY_MAX);

			c->body = inb_html_to_text(html);
			c->body_is_html = 1;
			free(html);
		} else {
			c->body = xstrdup("");
		}
	}
	return c->body;
}

const char *inb_body_lower(struct inb_ctx *c)
{
	if (!c->body_lower) {
		const char *b = inb_body(c);
		size_t i, n = strlen(b);

		c->body_lower = xmalloc(n + 1);
		for (i = 0; i <= n; i++)
			c->body_lower[i] = g_ascii_tolower(b[i]);
	}
	return c->body_lower;
}

/* --- the tree --- */

static int is_type(GMimeObject *o, const char *type, const char *subtype)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	return ct && g_mime_content_type_is_type(ct, type, subtype);
}

static void walk(struct inb_ctx *c, GMimeObject *o, int depth, int attached)
{
	struct inb_tree *t = &c->t;

	if (!o)
		return;
	t->parts++;
	if (depth > t->depth)
		t->depth = depth;
	if (depth > c->lim->max_mime_depth || t->parts > c->lim->max_parts)
		return;

	if (GMIME_IS_MULTIPART(o)) {
		int i, n = g_mime_multipart_get_count((GMimeMultipart *)o);

		if (!attached && !t->report_type && is_type(o, "multipart", "report")) {
			const char *rt = g_mime_object_get_content_type_parameter(o, "report-type");
			char *q;

			t->report_type = xstrdup(rt ? rt : "");
			for (q = t->report_type; *q; q++)
				*q = g_ascii_tolower(*q);
		}
		for (i = 0; i < n; i++)
			walk(c, g_mime_multipart_get_part((GMimeMultipart *)o, i), depth + 1, attached);
		return;
	}
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m = g_mime_message_part_get_message((GMimeMessagePart *)o);

		if (m) {
			if (!attached && !t->returned)
				t->returned = m;
			walk(c, g_mime_message_get_mime_part(m), depth + 1, 1);
		}
		return;
	}
	if (attached)
		return;
	/* an invitation or its answer, inline or as an attachment */
	if (!t->calendar && is_type(o, "text", "calendar"))
		t->calendar = o;
	if (!t->delivery_status && (is_type(o, "message", "delivery-status") ||
				    is_type(o, "message", "global-delivery-status")))
		t->delivery_status = o;
	else if (!t->disposition && (is_type(o, "message", "disposition-notification") ||
				     is_type(o, "message", "global-disposition-notification")))
		t->disposition = o;
	else if (!t->feedback && is_type(o, "message", "feedback-report"))
		t->feedback = o;
	else if (!t->returned_headers && (is_type(o, "text", "rfc822-headers") ||
					  is_type(o, "text", "global-headers")))
		t->returned_headers = o;
	else if (GMIME_IS_PART(o) && g_mime_part_is_attachment((GMimePart *)o))
		return;
	else if (!t->text_plain && is_type(o, "text", "plain"))
		t->text_plain = o;
	else if (!t->text_html && is_type(o, "text", "html"))
		t->text_html = o;
}

/* --- parsing --- */

static void parser_warning(gint64 offset, GMimeParserWarning code, const gchar *item,
			   gpointer data)
{
	struct inb_ctx *c = data;

	GW_UNUSED(offset);
	GW_UNUSED(item);
	c->r->parser_warnings++;
	if (code == GMIME_CRIT_NESTING_OVERFLOW && c->r->limit == INBOUND_LIMIT_NONE)
		c->r->limit = INBOUND_LIMIT_MIME_DEPTH;
}

static GMimeMessage *parse_bytes(struct inb_ctx *c, const char *p, size_t n)
{
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(p, n);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *msg;

	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, c->opts);
	g_object_unref(parser);
	g_object_unref(stream);
	return msg;
}

static void fill_headers(struct inb_ctx *c)
{
	struct inbound_result *r = c->r;
	InternetAddressList *from = g_mime_message_get_from(c->msg);
	int i, n = from ? internet_address_list_length(from) : 0;

	r->message_id = inb_clean_line(g_mime_message_get_message_id(c->msg), INB_LINE_MAX);
	r->subject = inb_clean_line(g_mime_message_get_subject(c->msg), INB_LINE_MAX);
	for (i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(from, i);

		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			InternetAddressList *members =
				internet_address_group_get_members((InternetAddressGroup *)a);

			if (!members || internet_address_list_length(members) == 0)
				continue;
			a = internet_address_list_get_address(members, 0);
		}
		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			const char *addr = internet_address_mailbox_get_addr((InternetAddressMailbox *)a);
			const char *name = internet_address_get_name(a);

			/* "MAILER-DAEMON <>" has a name and no address */
			r->from = addr && *addr ? inb_clean_line(addr, INB_LINE_MAX) : NULL;
			r->from_name = name && *name ? inb_clean_line(name, INB_LINE_MAX) : NULL;
			break;
		}
	}
}

static void set_reason(struct inbound_result *r, enum inbound_verdict v, const char *reason)
{
	r->verdict = v;
	free(r->reason);
	r->reason = xstrdup(reason);
}

static const char *limit_reason(enum inbound_limit l)
{
	switch (l) {
	case INBOUND_LIMIT_SIZE:
		return "limit: size";
	case INBOUND_LIMIT_HEADER_BYTES:
		return "limit: header bytes";
	case INBOUND_LIMIT_MIME_DEPTH:
		return "limit: mime depth";
	case INBOUND_LIMIT_PARTS:
		return "limit: parts";
	case INBOUND_LIMIT_HEADER_FIELDS:
		return "limit: header fields";
	case INBOUND_LIMIT_ADDRESS_GROUPS:
		return "limit: address groups";
	case INBOUND_LIMIT_PARAMETERS:
		return "limit: parameters";
	case INBOUND_LIMIT_NONE:
		break;
	}
	return "limit";
}

static void digest(struct inbound_result *r, const char *data, size_t len)
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);

	g_checksum_update(ck, (const guchar *)data, (gssize)len);
	snprintf(r->digest, sizeof(r->digest), "%s", g_checksum_get_string(ck));
	g_checksum_free(ck);
}

static void effective_limits(const struct inbound_limits *in, struct inbound_limits *out)
{
	inbound_limits_init(out);
	if (!in)
		return;
	if (in->max_size)
		out->max_size = in->max_size;
	if (in->max_header_bytes)
		out->max_header_bytes = in->max_header_bytes;
	if (in->max_mime_depth > 0)
		out->max_mime_depth = in->max_mime_depth;
	if (in->max_parts > 0)
		out->max_parts = in->max_parts;
	if (in->max_quote)
		out->max_quote = in->max_quote;
}

/* Over a limit: read only the header block, when it is within its limits. */
static void over_limit(struct inb_ctx *c, const char *p, enum inbound_limit which,
		       int header_unsafe)
{
	struct inbound_result *r = c->r;

	r->limit = which;
	set_reason(r, INBOUND_OVER_LIMIT, limit_reason(which));
	if (which != INBOUND_LIMIT_HEADER_BYTES && !header_unsafe && r->header_bytes > 0 &&
	    r->header_bytes <= c->lim->max_header_bytes) {
		c->msg = parse_bytes(c, p, r->header_bytes);
		if (c->msg)
			fill_headers(c);
	}
	inb_tokens(c);
}

static void parse_full(struct inb_ctx *c, const char *p, size_t n)
{
	struct inbound_result *r = c->r;
	GMimeHeaderList *hl;

	c->msg = parse_bytes(c, p, n);
	if (!c->msg) {
		set_reason(r, INBOUND_MALFORMED, "malformed: unparsable");
		inb_tokens(c);
		return;
	}
	hl = g_mime_object_get_header_list((GMimeObject *)c->msg);
	c->t.top = g_mime_message_get_mime_part(c->msg);
	walk(c, c->t.top, 0, 0);
	if (c->t.depth > r->mime_depth)
		r->mime_depth = c->t.depth;
	if (c->t.parts > r->mime_parts)
		r->mime_parts = c->t.parts;
	fill_headers(c);
	inb_tokens(c);

	if (c->t.depth > c->lim->max_mime_depth || r->limit == INBOUND_LIMIT_MIME_DEPTH) {
		r->limit = INBOUND_LIMIT_MIME_DEPTH;
		set_reason(r, INBOUND_OVER_LIMIT, limit_reason(r->limit));
		return;
	}
	if (c->t.parts > c->lim->max_parts) {
		r->limit = INBOUND_LIMIT_PARTS;
		set_reason(r, INBOUND_OVER_LIMIT, limit_reason(r->limit));
		return;
	}
	if ((!hl || g_mime_header_list_get_count(hl) == 0) &&
	    !g_mime_object_get_header(c->t.top, "Content-Type")) {
		set_reason(r, INBOUND_MALFORMED, "malformed: no header");
		return;
	}
	inb_classify(c);
	if (r->verdict == INBOUND_BOUNCE)
		inb_dsn(c);
	if (r->verdict == INBOUND_HUMAN)
		r->quote = inb_quote(inb_body(c), c->lim->max_quote);
	if (r->verdict == INBOUND_AUTOMATIC && r->out_of_office)
		r->auto_text = inb_auto_text(c);
}

int inbound_parse(const char *data, size_t len, const struct inbound_envelope *env,
		  const struct inbound_limits *limits, struct inbound_result **result_r,
		  char **error_r)
{
	struct inbound_limits lim;
	struct inbound_result *r;
	struct inb_ctx c;
	struct inb_scan sc;
	const char *p = data;
	size_t n = len, total;
	unsigned int warnings_before;

	if ((!data && len > 0) || !env || !result_r) {
		if (error_r)
			*error_r = xstrdup("inbound: bad arguments");
		return -1;
	}
	if (!data)
		p = data = "";
	inbound_init();
	effective_limits(limits, &lim);
	warnings_before = glib_warnings;

	r = xcalloc(1, sizeof(*r));
	total = env->total_len > len ? env->total_len : len;
	r->size = total;
	digest(r, data, len);

	memset(&c, 0, sizeof(c));
	c.env = env;
	c.lim = &lim;
	c.r = r;
	c.opts = g_mime_parser_options_new();
	{
		static const char *fallback[] = { "UTF-8", "windows-1252", NULL };

		g_mime_parser_options_set_fallback_charsets(c.opts, fallback);
	}
	g_mime_parser_options_set_warning_callback(c.opts, parser_warning, &c);

	/* pipe(8) without the F flag adds no "From " line, but a test or a
	   local delivery may */
	if (n >= 5 && !memcmp(p, "From ", 5)) {
		const char *nl = memchr(p, '\n', n);

		n = nl ? n - (size_t)(nl + 1 - p) : 0;
		p = nl ? nl + 1 : p + len;
	}

	if (n == 0) {
		set_reason(r, INBOUND_MALFORMED, "malformed: empty message");
		inb_tokens(&c);
	} else if (total > lim.max_size) {
		/* the header block only: the body may be huge or missing */
		size_t head = n < lim.max_header_bytes + 3 ? n : lim.max_header_bytes + 3;

		inb_scan(p, head, &lim, &sc);
		r->header_bytes = sc.header_bytes;
		over_limit(&c, p, INBOUND_LIMIT_SIZE, sc.top_unsafe);
	} else {
		inb_scan(p, n, &lim, &sc);
		r->header_bytes = sc.header_bytes;
		r->mime_depth = sc.depth;
		r->mime_parts = sc.parts;
		if (sc.hit != INBOUND_LIMIT_NONE)
			over_limit(&c, p, sc.hit, sc.top_unsafe);
		else
			parse_full(&c, p, n);
	}
	if (!r->reason)
		set_reason(r, INBOUND_MALFORMED, "malformed: unparsable");

	r->parser_warnings += glib_warnings - warnings_before;
	free(c.t.report_type);
	free(c.body);
	free(c.body_lower);
	if (c.msg)
		g_object_unref(c.msg);
	g_mime_parser_options_free(c.opts);
	*result_r = r;
	return 0;
}

int inbound_read_fd(int fd, const struct inbound_limits *limits, char **data_r,
		    size_t *len_r, size_t *total_r, char **error_r)
{
	struct inbound_limits lim;
	struct buf b = BUF_INIT;
	size_t total = 0;
	char chunk[65536];

	effective_limits(limits, &lim);
	for (;;) {
		ssize_t got = read(fd, chunk, sizeof(chunk));

		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (error_r)
				*error_r = xasprintf("inbound: read message: %s", strerror(errno));
			buf_release(&b);
			return -1;
		}
		if (got == 0)
			break;
		total += (size_t)got;
		if (b.len < lim.max_size) {
			size_t room = lim.max_size - b.len;

			buf_append(&b, chunk, (size_t)got < room ? (size_t)got : room);
		}
	}
	*len_r = b.len;
	*total_r = total;
	*data_r = buf_detach(&b);
	return 0;
}
