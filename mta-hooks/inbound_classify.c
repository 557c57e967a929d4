/*
 * inbound_classify.c - the decision: our own loop, bounce, automatic or
 * human, and the token candidates.
 *
 * The rules follow the order of inbound.h.  Each rule yields a short
 * reason; the first that fires decides.  Mail that is a bounce or
 * automatic must never be taken for a human reply (a human verdict is
 * answered, and answering automatic mail is how mail loops start), so
 * where a message is ambiguous the rules lean away from "human".
 */
#include <string.h>

#include "inbound_private.h"

/* --- header helpers --- */

const char *inb_header_next(GMimeObject *o, const char *name, int *pos)
{
	GMimeHeaderList *hl = o ? g_mime_object_get_header_list(o) : NULL;
	int n = hl ? g_mime_header_list_get_count(hl) : 0;

	while (*pos < n) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, (*pos)++);
		const char *hname = h ? g_mime_header_get_name(h) : NULL;

		if (hname && !g_ascii_strcasecmp(hname, name)) {
			const char *v = g_mime_header_get_value(h);

			return v ? v : "";
		}
	}
	return NULL;
}

const char *inb_header(GMimeObject *o, const char *name)
{
	int pos = 0;

	return inb_header_next(o, name, &pos);
}

const char *inb_strcasestr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0)
		return hay;
	for (; *hay; hay++)
		if (!g_ascii_strncasecmp(hay, needle, n))
			return hay;
	return NULL;
}

char *inb_bare_address(const char *s)
{
	const char *p = s, *e;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	if (e > p && *p == '<')
		p++;
	if (e > p && e[-1] == '>')
		e--;
	return xstrndup(p, (size_t)(e - p));
}

char *inb_local_part(const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t n = at ? (size_t)(at - addr) : strlen(addr);
	char *l = xstrndup(addr, n);
	char *p;

	for (p = l; *p; p++)
		*p = g_ascii_tolower(*p);
	return l;
}

const char *inb_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : NULL;
}

/* The first word of a header value, lowercased and cut: "auto-replied". */
static char *first_word(const char *v)
{
	struct buf b = BUF_INIT;
	char *out;

	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	while (*v && *v != ';' && *v != ' ' && *v != '\t' && *v != '\r' && *v != '\n' &&
	       *v != '(' && b.len < INB_VALUE_MAX)
		buf_putc(&b, g_ascii_tolower(*v++));
	out = inb_clean_line(buf_cstr(&b), INB_VALUE_MAX);
	buf_release(&b);
	return out;
}

/* --- envelope --- */

/* "", "<>" and pipe(8)'s default null_sender "MAILER-DAEMON" */
static int null_sender(const struct inbound_envelope *env)
{
	const char *s = env->sender;

	return !s || !*s || !strcmp(s, "<>") || !g_ascii_strcasecmp(s, "MAILER-DAEMON");
}

static const char *sender_address(struct inb_ctx *c)
{
	return null_sender(c->env) ? NULL : c->env->sender;
}

/* The recipient is our bounce+ VERP address. */
static int to_bounce_address(struct inb_ctx *c)
{
	const char *rcpt = c->env->recipient;
	const char *dom, *rd = c->env->reply_domain;
	char *bare, *local;
	int yes;

	if (!rcpt || !*rcpt)
		return 0;
	bare = inb_bare_address(rcpt);
	local = inb_local_part(bare);
	dom = inb_domain(bare);
	yes = !strncmp(local, "bounce+", 7) && (!rd || (dom && !g_ascii_strcasecmp(dom, rd)));
	free(local);
	free(bare);
	return yes;
}

/* --- token candidates --- */

static void add_token(struct inb_ctx *c, enum inbound_token_source src, const char *value,
		      int filter)
{
	struct inbound_result *r = c->r;
	const char *rd = c->env->reply_domain, *dom;
	char *bare, *clean;
	size_t i;

	if (!value || r->n_tokens >= INBOUND_MAX_TOKENS)
		return;
	bare = inb_bare_address(value);
	clean = inb_clean_line(bare, INB_LINE_MAX);
	free(bare);
	dom = inb_domain(clean);
	if (!*clean || strchr(clean, ' ') ||
	    (filter && rd && (!dom || g_ascii_strcasecmp(dom, rd) != 0))) {
		free(clean);
		return;
	}
	for (i = 0; i < r->n_tokens; i++) {
		if (!g_ascii_strcasecmp(r->tokens[i].value, clean)) {
			free(clean);
			return;
		}
	}
	if (!r->tokens)
		r->tokens = xcalloc(INBOUND_MAX_TOKENS, sizeof(*r->tokens));
	r->tokens[r->n_tokens].source = src;
	r->tokens[r->n_tokens].value = clean;
	r->n_tokens++;
}

static void add_ids(struct inb_ctx *c, enum inbound_token_source src, const char *value,
		    int newest_first)
{
	GMimeReferences *refs;
	int i, n;

	/* g_mime_references_parse(NULL text) logs a critical: check first */
	if (!value || !*value)
		return;
	refs = g_mime_references_parse(c->opts, value);
	if (!refs)
		return;
	n = g_mime_references_length(refs);
	for (i = 0; i < n; i++) {
		int k = newest_first ? n - 1 - i : i;

		add_token(c, src, g_mime_references_get_message_id(refs, k), 1);
	}
	g_mime_references_free(refs);
}

void inb_tokens(struct inb_ctx *c)
{
	GMimeObject *m = (GMimeObject *)c->msg;
	const char *v;
	int pos;

	if (c->env->recipient && *c->env->recipient)
		add_token(c, INBOUND_TOKEN_RECIPIENT, c->env->recipient, 0);
	if (!m)
		return;
	add_ids(c, INBOUND_TOKEN_REFERENCES, inb_header(m, "References"), 1);
	add_ids(c, INBOUND_TOKEN_IN_REPLY_TO, inb_header(m, "In-Reply-To"), 0);
	for (pos = 0; (v = inb_header_next(m, "Delivered-To", &pos));)
		add_token(c, INBOUND_TOKEN_DELIVERED_TO, v, 1);
	for (pos = 0; (v = inb_header_next(m, "X-Original-To", &pos));)
		add_token(c, INBOUND_TOKEN_X_ORIGINAL_TO, v, 1);
}

/* --- the rules --- */

static int is_loop(struct inb_ctx *c)
{
	const char *v, *rd = c->env->reply_domain;
	int pos = 0;

	while ((v = inb_header_next((GMimeObject *)c->msg, GW_LOOP_HEADER, &pos))) {
		char *val = inb_clean_line(v, INB_LINE_MAX);
		int yes = !rd || !g_ascii_strcasecmp(val, rd);

		free(val);
		if (yes)
			return 1;
	}
	return 0;
}

/*
 * The From address, its display name, or the envelope sender names NAME
 * (compared without punctuation: "post_master" is "postmaster").
 */
static int sender_is(struct inb_ctx *c, const char *name)
{
	const char *addrs[3] = { c->r->from, sender_address(c), c->r->from_name };
	size_t i;

	for (i = 0; i < 3; i++) {
		char *bare, *local, *w;
		const char *q;
		int yes;

		if (!addrs[i])
			continue;
		bare = inb_bare_address(addrs[i]);
		local = i < 2 ? inb_local_part(bare) : xstrdup(bare);
		for (q = local, w = local; *q; q++)
			if (g_ascii_isalnum(*q))
				*w++ = g_ascii_tolower(*q);
		*w = '\0';
		yes = !strcmp(local, name);
		free(local);
		free(bare);
		if (yes)
			return 1;
	}
	return 0;
}

/* "MAILER-DAEMON <>", "Mail Delivery System <>": a system message. */
static int mailer_daemon(struct inb_ctx *c)
{
	GMimeObject *m = (GMimeObject *)c->msg;

	if (sender_is(c, "mailerdaemon") || sender_is(c, "maildeliverysystem") ||
	    sender_is(c, "maildeliverysubsystem"))
		return 1;
	/* a From header whose only mailbox is "<>" */
	return !c->r->from && inb_header(m, "From") && strstr(inb_header(m, "From"), "<>");
}

static int has_header(struct inb_ctx *c, const char *name)
{
	return inb_header((GMimeObject *)c->msg, name) != NULL;
}

/* A header whose presence says "automatic", unless its value says no. */
static int flag_header(struct inb_ctx *c, const char *name)
{
	const char *v = inb_header((GMimeObject *)c->msg, name);
	char *w;
	int yes;

	if (!v)
		return 0;
	w = first_word(v);
	yes = strcmp(w, "no") != 0 && strcmp(w, "false") != 0 && strcmp(w, "0") != 0;
	free(w);
	return yes;
}

static char *no_reply_sender(struct inb_ctx *c)
{
	static const char *const prefixes[] = {
		"noreply", "no-reply", "no_reply", "no.reply", "donotreply", "do-not-reply",
		"do_not_reply", "do.not.reply", "dontreply", "dont-reply", "mailer", "bounce",
		"bounces",
	};
	const char *addrs[2] = { c->r->from, sender_address(c) };
	size_t i, k;

	for (i = 0; i < 2; i++) {
		char *bare, *local;

		if (!addrs[i])
			continue;
		bare = inb_bare_address(addrs[i]);
		local = inb_local_part(bare);
		free(bare);
		for (k = 0; k < GW_ARRAY_SIZE(prefixes); k++) {
			size_t n = strlen(prefixes[k]);

			if (!strncmp(local, prefixes[k], n) && !g_ascii_isalpha(local[n])) {
				char *reason = xasprintf("no-reply sender: %.*s", INB_VALUE_MAX, local);

				free(local);
				return reason;
			}
		}
		free(local);
	}
	return NULL;
}

static int report_type_is(struct inb_ctx *c, const char *type)
{
	return c->t.report_type && !strcmp(c->t.report_type, type);
}

static int is_mdn_or_arf(struct inb_ctx *c)
{
	return report_type_is(c, "disposition-notification") || c->t.disposition ||
	       report_type_is(c, "feedback-report") || c->t.feedback;
}

static char *lower_dup(const char *s)
{
	char *l = xstrdup(s), *q;

	for (q = l; *q; q++)
		*q = g_ascii_tolower(*q);
	return l;
}

/* Hotmail's complaint reports predate ARF: a fixed subject, the message attached. */
static int hotmail_complaint(struct inb_ctx *c)
{
	const char *s = c->r->subject;

	while (s && *s == ' ')
		s++;
	return s && c->t.returned && !g_ascii_strncasecmp(s, "complaint about message from ", 29);
}

/*
 * Bulk and transactional sending services: a header they add to every
 * message, or the domain of the envelope sender they use for bounces
 * (the domain itself or one under it).
 */
static const struct {
	const char *header;
	const char *service;
} bulk_headers[] = {
	{ "X-SES-Outgoing", "amazon ses" }, { "X-SES-Configuration-Set", "amazon ses" },
	/* X-Mailgun-Tag and -Variables are what a sender asks for: a person's
	   mail relayed through Mailgun's routes may still carry them */
	{ "X-Mailgun-Sid", "mailgun" }, { "X-SG-EID", "sendgrid" }, { "X-SG-ID", "sendgrid" },
	{ "X-PM-Message-Id", "postmark" }, { "X-PM-Tag", "postmark" },
	{ "X-Mandrill-User", "mandrill" }, { "X-MC-User", "mailchimp" },
	{ "X-Campaign", "mailchimp" }, { "X-campaignid", "mailchimp" },
	{ "X-MSFBL", "sparkpost" }, { "X-SP-Message-Id", "sparkpost" },
};

static const struct {
	const char *domain;
	const char *service;
} bulk_domains[] = {
	/* not mailgun.org: its customers' own mail lives under it */
	{ "amazonses.com", "amazon ses" }, { "sendgrid.net", "sendgrid" },
	{ "postmarkapp.com", "postmark" }, { "mtasv.net", "postmark" },
	{ "mandrillapp.com", "mandrill" }, { "mcsv.net", "mailchimp" },
	{ "mcdlv.net", "mailchimp" }, { "rsgsv.net", "mailchimp" },
	{ "sparkpostmail.com", "sparkpost" },
};

/* DOM is DOMAIN or a name under it ("bounces.amazonses.com"). */
static int domain_under(const char *dom, const char *domain)
{
	size_t n = strlen(dom), k = strlen(domain);

	if (n < k || g_ascii_strcasecmp(dom + n - k, domain) != 0)
		return 0;
	return n == k || dom[n - k - 1] == '.';
}

static const char *bulk_service(struct inb_ctx *c)
{
	const char *s = sender_address(c), *dom;
	char *bare;
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(bulk_headers); i++)
		if (has_header(c, bulk_headers[i].header))
			return bulk_headers[i].service;
	if (!s)
		return NULL;
	bare = inb_bare_address(s);
	dom = inb_domain(bare);
	for (i = 0; dom && i < GW_ARRAY_SIZE(bulk_domains); i++) {
		if (domain_under(dom, bulk_domains[i].domain)) {
			free(bare);
			return bulk_domains[i].service;
		}
	}
	free(bare);
	return NULL;
}

/* An iMIP method: the METHOD parameter or the first METHOD: line. */
static char *calendar_method(struct inb_ctx *c)
{
	const char *m;
	char *text, *line, *out;

	if (!c->t.calendar)
		return NULL;
	m = g_mime_object_get_content_type_parameter(c->t.calendar, "method");
	if (m && *m)
		return first_word(m);
	text = inb_part_text(c->t.calendar, 16 * 1024);
	line = (char *)inb_strcasestr(text, "\nMETHOD:");
	if (!line && !g_ascii_strncasecmp(text, "METHOD:", 7))
		line = text - 1;
	out = line ? first_word(line + 8) : xstrdup("no method");
	free(text);
	if (!*out) {
		free(out);
		out = xstrdup("no method");
	}
	return out;
}

/*
 * Local parts of list and system senders: list owners, request and bounce
 * addresses, list servers.  (postmaster and mailer-daemon are bounce rules,
 * which come first.)  LOCAL is lowercase.
 */
static int system_local_part(const char *local)
{
	static const char *const exact[] = { "majordomo", "listserv", "mailman" };
	static const char *const suffixes[] = { "-request", "-bounces", "-owner" };
	size_t i, n = strlen(local);

	for (i = 0; i < GW_ARRAY_SIZE(exact); i++)
		if (!strcmp(local, exact[i]))
			return 1;
	if (!strncmp(local, "owner-", 6) && local[6])
		return 1;
	for (i = 0; i < GW_ARRAY_SIZE(suffixes); i++) {
		size_t k = strlen(suffixes[i]);

		if (n > k && !strcmp(local + n - k, suffixes[i]))
			return 1;
	}
	return 0;
}

/* System senders and senders whose domain has no dot ("root@localhost"). */
static char *system_sender(struct inb_ctx *c)
{
	const char *addrs[2] = { c->r->from, sender_address(c) };
	char *reason = NULL;
	size_t i;

	for (i = 0; i < 2 && !reason; i++) {
		char *bare, *local;
		const char *dom;

		if (!addrs[i])
			continue;
		bare = inb_bare_address(addrs[i]);
		local = inb_local_part(bare);
		dom = inb_domain(bare);
		if (system_local_part(local))
			reason = xasprintf("system sender: %.*s", INB_VALUE_MAX, local);
		else if (*bare && (!dom || !strchr(dom, '.')))
			reason = xasprintf("sender domain without a dot: %.*s", INB_VALUE_MAX,
					   dom && *dom ? dom : "(none)");
		free(local);
		free(bare);
	}
	return reason;
}

/* The last two labels of a domain: "em.shop.example" -> "shop.example". */
static const char *org_domain(const char *dom)
{
	const char *p = dom + strlen(dom), *dot = NULL;
	int dots = 0;

	while (p > dom) {
		p--;
		if (*p == '.' && ++dots == 2) {
			dot = p;
			break;
		}
	}
	return dot ? dot + 1 : dom;
}

/* A tag a mailing system put in the local part: an encoded address or a long id. */
static int verp_local_part(const char *local)
{
	static const char *const forwarders[] = { "srs0=", "srs1=", "prvs=", "msprvs1=", "btv1=" };
	const char *eq = strchr(local, '='), *p;
	size_t i;

	/* SRS (a forwarded person's mail) and BATV are not VERP */
	for (i = 0; i < GW_ARRAY_SIZE(forwarders); i++)
		if (!strncmp(local, forwarders[i], strlen(forwarders[i])))
			return 0;
	if (eq && strchr(eq, '.'))
		return 1;
	for (p = local; *p;) {
		size_t len = 0, digits = 0;

		while (p[len] && g_ascii_isalnum(p[len])) {
			digits += g_ascii_isdigit(p[len]) != 0;
			len++;
		}
		if (len >= 12 && digits >= 4)
			return 1;
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

/* A VERP envelope sender in another organisation's domain than From. */
static char *verp_sender(struct inb_ctx *c)
{
	const char *s = sender_address(c), *sdom, *fdom;
	char *bare, *local, *reason = NULL;

	if (!s || !c->r->from || !(fdom = inb_domain(c->r->from)))
		return NULL;
	bare = inb_bare_address(s);
	sdom = inb_domain(bare);
	local = inb_local_part(bare);
	if (sdom && *sdom && g_ascii_strcasecmp(org_domain(sdom), org_domain(fdom)) != 0 &&
	    verp_local_part(local))
		reason = xasprintf("verp sender: %.*s", INB_VALUE_MAX, sdom);
	free(local);
	free(bare);
	return reason;
}

/*
 * Signs of a person's automatic reply (out of office, vacation), as
 * opposed to the other automatic mail: Auto-Submitted: auto-replied, the
 * X-Autoreply family, iCloud's vacation, an Exchange rule, Precedence
 * auto_reply, an out-of-office subject.
 */
static int personal_auto_reply(struct inb_ctx *c)
{
	static const char *const flags[] = {
		"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Autoreply-From",
		"X-Mail-Autoreply",
	};
	const struct inb_subject_prefix *sp = inb_subject_prefix(c->r->subject);
	GMimeObject *m = (GMimeObject *)c->msg;
	const char *v;
	int yes = sp && sp->out_of_office;
	size_t i;

	if (!yes && (v = inb_header(m, "Auto-Submitted"))) {
		char *w = first_word(v);

		yes = !strcmp(w, "auto-replied");
		free(w);
	}
	for (i = 0; !yes && i < GW_ARRAY_SIZE(flags); i++)
		yes = flag_header(c, flags[i]);
	if (!yes && (v = inb_header(m, "X-Apple-Action")))
		yes = inb_strcasestr(v, "vacation") != NULL;
	if (!yes && (v = inb_header(m, "Precedence")))
		yes = inb_strcasestr(v, "auto_reply") || inb_strcasestr(v, "auto-reply");
	if (!yes)
		yes = has_header(c, "X-Auto-Response-Suppress") &&
		      has_header(c, "X-MS-Exchange-Inbox-Rules-Loop");
	return yes;
}

static int system_or_no_reply(struct inb_ctx *c)
{
	char *why;

	if (sender_is(c, "postmaster") || mailer_daemon(c))
		return 1;
	why = no_reply_sender(c);
	if (!why)
		why = system_sender(c);
	free(why);
	return why != NULL;
}

/*
 * Mail from a list, a bulk sender, a report, a calendar or a system: never
 * "away".  (Precedence: bulk or junk is not enough: vacation programs add
 * it to their replies so that other responders keep quiet.)
 */
static int mass_or_machine(struct inb_ctx *c)
{
	static const char *const marks[] = { "List-Id", "List-Unsubscribe", "Feedback-ID" };
	const char *v = inb_header((GMimeObject *)c->msg, "Precedence");
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(marks); i++)
		if (has_header(c, marks[i]))
			return 1;
	if (v && inb_strcasestr(v, "list"))
		return 1;
	if (bulk_service(c) || c->t.calendar || is_mdn_or_arf(c))
		return 1;
	return system_or_no_reply(c);
}

char *inb_auto_text(struct inb_ctx *c)
{
	char *quote = inb_quote(inb_body(c), INBOUND_AUTO_TEXT_MAX);
	char *joined = xasprintf("%s\n%s", c->r->subject ? c->r->subject : "", quote);
	char *out = inb_clean_line(joined, INBOUND_AUTO_TEXT_MAX);

	free(joined);
	free(quote);
	return out;
}

/* The first automatic rule that fires, as a malloc'd reason, or NULL. */
static char *automatic_reason(struct inb_ctx *c)
{
	static const char *const flags[] = {
		"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Autoreply-From",
		"X-Mail-Autoreply",
	};
	/* RFC 2369/2919 list headers, and those of list servers that lack them */
	static const char *const lists[] = {
		"List-Id", "List-Unsubscribe", "List-Subscribe", "List-Post", "List-Help",
		"List-Owner", "List-Archive", "X-MLServer", "X-ML-Name", "X-Mailing-List",
		"Mailing-List",
	};
	GMimeObject *m = (GMimeObject *)c->msg;
	const struct inb_subject_prefix *sp;
	const char *v;
	char *w, *reason;
	size_t i;
	int pos;

	if ((v = inb_header(m, "Auto-Submitted"))) {
		w = first_word(v);
		if (strcmp(w, "no") != 0) {
			reason = xasprintf("auto-submitted: %s", *w ? w : "(empty)");
			free(w);
			return reason;
		}
		free(w);
	}
	for (i = 0; i < GW_ARRAY_SIZE(flags); i++) {
		if (flag_header(c, flags[i]))
			return lower_dup(flags[i]);
	}
	if ((v = inb_header(m, "X-Autogenerated"))) {
		w = first_word(v);
		reason = xasprintf("x-autogenerated: %s", w);
		free(w);
		return reason;
	}
	for (pos = 0; (v = inb_header_next(m, "Precedence", &pos));) {
		w = first_word(v);
		if (!strcmp(w, "bulk") || !strcmp(w, "junk") || !strcmp(w, "list") ||
		    !strcmp(w, "auto_reply") || !strcmp(w, "auto-reply")) {
			reason = xasprintf("precedence: %s", w);
			free(w);
			return reason;
		}
		free(w);
	}
	for (i = 0; i < GW_ARRAY_SIZE(lists); i++)
		if (has_header(c, lists[i]))
			return lower_dup(lists[i]);
	if (has_header(c, "Feedback-ID"))
		return xstrdup("feedback-id");
	if ((v = bulk_service(c)))
		return xasprintf("bulk sender: %s", v);
	/* X-Auto-Response-Suppress alone is on every Outlook reply */
	if (has_header(c, "X-Auto-Response-Suppress") &&
	    has_header(c, "X-MS-Exchange-Inbox-Rules-Loop"))
		return xstrdup("exchange: inbox rule");
	if ((v = inb_header(m, "X-Apple-Action"))) {
		w = first_word(v);
		if (!strcmp(w, "vacation")) {
			free(w);
			return xstrdup("x-apple-action: vacation");
		}
		free(w);
	}
	if (report_type_is(c, "disposition-notification") || c->t.disposition)
		return xstrdup("read receipt");
	if (report_type_is(c, "feedback-report") || c->t.feedback || hotmail_complaint(c))
		return xstrdup("feedback report");
	if ((w = calendar_method(c))) {
		reason = xasprintf("calendar: %s", w);
		free(w);
		return reason;
	}
	if ((sp = inb_subject_prefix(c->r->subject)))
		return xasprintf("subject: %s", sp->prefix);
	if ((reason = no_reply_sender(c)) || (reason = system_sender(c)))
		return reason;
	return verp_sender(c);
}

/* "Re:", "Fwd:", "AW:"...: a person answering or forwarding. */
static int is_reply_subject(const char *s)
{
	static const char *const prefixes[] = {
		"re:", "re ", "fw:", "fwd:", "aw:", "wg:", "tr:", "sv:", "vs:", "rv:", "r:", "enc:",
	};
	size_t i;

	if (!s)
		return 0;
	while (*s == ' ' || *s == '[')
		s++;
	for (i = 0; i < GW_ARRAY_SIZE(prefixes); i++)
		if (!g_ascii_strncasecmp(s, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

/*
 * The bounce rules; returns the reason or NULL.  AUTO is the automatic
 * reason, if any: a message that declares itself automatic and shows no
 * sign of a non-delivery report is left to the automatic rules even when
 * it comes from the null sender (see inbound.h).
 */
static const char *bounce_reason(struct inb_ctx *c, const char *autom)
{
	int declared = autom != NULL && !inb_ndr_evidence(c);

	if (report_type_is(c, "delivery-status") || report_type_is(c, "global-delivery-status"))
		return "bounce: delivery-status report";
	if (c->t.delivery_status)
		return "bounce: delivery-status part";
	if (has_header(c, "X-Failed-Recipients"))
		return "bounce: x-failed-recipients";
	if (mailer_daemon(c) && !is_mdn_or_arf(c))
		return "bounce: mailer-daemon sender";
	if (sender_is(c, "postmaster") && !is_mdn_or_arf(c) && !declared)
		return "bounce: postmaster sender";
	if (null_sender(c->env) && !is_mdn_or_arf(c) && !declared)
		return "bounce: null sender";
	if (to_bounce_address(c)) {
		if (inb_ndr_evidence(c))
			return "bounce: non-delivery report to the bounce address";
		if (!autom)
			return "bounce: mail to the bounce address";
	}
	/*
	 * Some MTAs send their reports to the From or Reply-To address: the
	 * report's own subject and text give it away.  A person forwarding a
	 * bounce ("Fwd: Undelivered Mail") is still a person.
	 */
	if (!is_reply_subject(c->r->subject) && inb_ndr_subject(c) && inb_ndr_body(c))
		return "bounce: non-delivery report";
	return NULL;
}

void inb_classify(struct inb_ctx *c)
{
	struct inbound_result *r = c->r;
	char *autom;
	const char *bounce;

	if (is_loop(c)) {
		r->verdict = INBOUND_LOOP;
		r->reason = xstrdup("loop: x-gatewayd-loop");
		return;
	}
	autom = automatic_reason(c);
	bounce = bounce_reason(c, autom);
	if (bounce) {
		r->verdict = INBOUND_BOUNCE;
		r->reason = xstrdup(bounce);
		free(autom);
	} else if (autom) {
		r->verdict = INBOUND_AUTOMATIC;
		r->reason = inb_clean_line(autom, INB_LINE_MAX);
		r->out_of_office = personal_auto_reply(c) && !mass_or_machine(c);
		free(autom);
	} else {
		r->verdict = INBOUND_HUMAN;
		r->reason = xstrdup("human");
	}
}
