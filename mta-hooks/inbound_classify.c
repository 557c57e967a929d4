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

/* Out-of-office subject prefixes; lowercase, matched on the casefolded subject. */
static const char *const ooo_prefixes[] = {
	/* English */
	"out of office", "out of the office", "out-of-office", "ooo:", "automatic reply",
	"automated reply", "automated response", "auto reply", "auto-reply", "autoreply",
	"auto response", "auto-response", "autoresponse", "autorespons", "auto:", "away",
	"on vacation", "vacation reply", "on leave",
	/* German */
	"abwesend", "abwesenheitsnotiz", "abwesenheit", "automatische antwort",
	"automatische abwesenheitsnotiz", "nicht im büro",
	/* French */
	"absence", "absent", "réponse automatique", "reponse automatique",
	"message d'absence",
	/* Spanish */
	"fuera de la oficina", "fuera de oficina", "respuesta automática",
	"respuesta automatica", "ausencia",
	/* Dutch */
	"afwezig", "automatisch antwoord", "afwezigheidsmelding", "niet aanwezig",
	/* Italian */
	"risposta automatica", "fuori sede", "fuori ufficio", "assente",
	/* Portuguese */
	"resposta automática", "resposta automatica", "ausente", "fora do escritório",
	/* Scandinavian, Finnish */
	"frånvaro", "automatiskt svar", "autosvar", "automatisk svar", "fravær",
	"poissa", "automaattinen vastaus",
	/* Central and Eastern Europe, Turkish */
	"odpowiedź automatyczna", "automatyczna odpowiedź", "nieobecność",
	"automatická odpověď", "nepřítomnost", "automatikus válasz", "házon kívül",
	"otomatik yanıt", "otomatik cevap", "автоматический ответ", "автоответ",
	/* East Asian */
	"自動応答", "自動返信", "自动回复", "自動回覆", "自动答复", "不在", "자동 회신", "부재",
};

static char *ooo_subject(struct inb_ctx *c)
{
	const char *s = c->r->subject;
	char *norm, *fold, *hit = NULL;
	const char *p;
	size_t i;

	if (!s || !*s)
		return NULL;
	norm = g_utf8_normalize(s, -1, G_NORMALIZE_DEFAULT_COMPOSE);
	if (!norm)
		return NULL;
	fold = g_utf8_casefold(norm, -1);
	g_free(norm);
	for (p = fold; *p == ' ' || *p == '[' || *p == '(' || *p == '*'; p++)
		;
	for (i = 0; i < GW_ARRAY_SIZE(ooo_prefixes) && !hit; i++) {
		const char *pat = ooo_prefixes[i];
		size_t n = strlen(pat);
		unsigned char next;

		if (strncmp(p, pat, n) != 0)
			continue;
		next = (unsigned char)p[n];
		/* a whole word: "Away:" but not "Awaiting" */
		if (g_ascii_isalpha(pat[n - 1]) && (g_ascii_isalnum(next) || next >= 0x80))
			continue;
		hit = xasprintf("subject: %s", pat);
	}
	g_free(fold);
	return hit;
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
	if ((reason = ooo_subject(c)))
		return reason;
	return no_reply_sender(c);
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
		free(autom);
	} else {
		r->verdict = INBOUND_HUMAN;
		r->reason = xstrdup("human");
	}
}
