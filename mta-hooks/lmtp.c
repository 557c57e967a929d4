/*
 * lmtp.c - the LMTP listener (lmtp.h).  One session per connection, an
 * explicit state, one read callback that dispatches to a function per
 * verb; a complete message is one job on the store pool's writer lane
 * (jobs part below) and the session stops reading until the replies are
 * back through the done queue.
 */
#include "lmtp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "decide.h"
#include "links.h"
#include "accept_pause.h"
#include "listen.h"
#include "policy.h"
#include "pool.h"
#include "store.h"

#define LMTP_IDLE_DEFAULT 300
#define LMTP_RCPT_DEFAULT 100
#define LMTP_ERRORS_DEFAULT 5
/* RFC 5321 4.5.3.1.4 says 512 for a command line; be lenient. */
#define LMTP_LINE_MAX 2048
/* Longest reason in a 451 (Postfix keeps about 400 bytes of a reply). */
#define LMTP_REASON_MAX 300
/* A DATA line longer than this is taken in pieces. */
#define LMTP_CHUNK (64 * 1024)
#define LMTP_HOSTNAME "gatewayd"

enum sess_state {
	S_START, /* greeted, LHLO expected */
	S_READY, /* no transaction */
	S_MAIL,  /* MAIL given, RCPTs being collected */
	S_DATA,  /* reading the message */
	S_WAIT,  /* the pool has the message */
};

/* One message with its recipients, from DATA to the replies. */
struct lmtp_job {
	struct store_job job;     /* first: the job is the record */
	struct lmtp_sess *sess;   /* NULL once the session is gone */
	struct lmtp_job *prev, *next; /* lmtp->jobs, until answered */
	struct decide_settings dset; /* as at submission (keys may change) */
	char *sender;
	char **rcpts;
	size_t n_rcpts;
	char *data;
	size_t len, total;
	enum gw_result *results;
	char **lines;
	int queued;               /* an explanation was queued */
};

struct lmtp_sess {
	struct lmtp *lmtp;
	struct bufferevent *bev;
	struct lmtp_sess *prev, *next;
	enum sess_state state;
	char *sender;
	char **rcpts;
	size_t n_rcpts;
	struct buf data;
	size_t total;
	int mid_line;             /* the last DATA piece did not end a line */
	int errors;
	int closing;              /* free once the output is written */
	struct lmtp_job *job;
};

struct lmtp {
	struct event_base *base;
	struct evconnlistener *listener;
	struct accept_pause *pause; /* EMFILE backoff */
	struct lmtp_settings set;
	struct decide_settings dset; /* store is the pool worker's, per job */
	char *reply_domain, *from_address, *unix_path;
	int port;
	struct lmtp_sess *sessions;
	struct store_pool *pool;
	int own_pool;             /* opened by lmtp_open: closed by lmtp_close */
	struct store_done_queue *doneq;
	struct event *done_ev;
	struct lmtp_job *jobs;    /* submitted, not answered yet */
};

static void sess_process(struct lmtp_sess *s);

/* ---- jobs ---- */

static void job_free(struct lmtp_job *j)
{
	for (size_t i = 0; i < j->n_rcpts; i++) {
		free(j->rcpts[i]);
		if (j->lines != NULL)
			free(j->lines[i]);
	}
	free(j->rcpts);
	free(j->lines);
	free(j->results);
	free(j->sender);
	free(j->data);
	free(j);
}

/* On the pool's writer: decide the message for each recipient. */
static void job_run(struct store *store, struct store_job *job)
{
	struct lmtp_job *j = (struct lmtp_job *)job;

	j->dset.store = store;
	j->results = xcalloc(j->n_rcpts, sizeof(*j->results));
	j->lines = xcalloc(j->n_rcpts, sizeof(*j->lines));
	for (size_t i = 0; i < j->n_rcpts; i++) {
		struct decide_outcome out;
		char *err = NULL;

		memset(&out, 0, sizeof(out));
		j->results[i] = decide_message(&j->dset, j->sender, j->rcpts[i], j->data, j->len,
					       j->total, &out, &err);
		if (j->results[i] == GW_OK) {
			j->lines[i] = decide_outcome_line(&out);
			if (out.outbox_id != 0)
				j->queued = 1;
			free(err);
		} else {
			j->results[i] = GW_TEMPFAIL;
			j->lines[i] = err != NULL ? err : xstrdup("decide failed");
		}
		decide_outcome_clear(&out);
	}
	j->dset.store = NULL;
}

/*
 * The writer lane, as every other writer of the process: decide_message()
 * writes (inbound log, explanation), and the lane keeps us from competing
 * with the API, the web view and the relay for SQLite's lock.
 */
static void job_submit(struct lmtp *l, struct lmtp_job *j)
{
	j->dset = l->dset;
	j->job.run = job_run;
	j->job.reply_to = l->doneq;
	j->prev = NULL;
	j->next = l->jobs;
	if (l->jobs != NULL)
		l->jobs->prev = j;
	l->jobs = j;
	store_pool_submit(l->pool, STORE_LANE_WRITE, &j->job);
}

static void job_unlink(struct lmtp *l, struct lmtp_job *j)
{
	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		l->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	j->prev = j->next = NULL;
}

/* ---- replies and session state ---- */

static void reply(struct lmtp_sess *s, const char *fmt, ...) GW_PRINTF(2, 3);
static void reply(struct lmtp_sess *s, const char *fmt, ...)
{
	struct evbuffer *out = bufferevent_get_output(s->bev);
	va_list ap;

	va_start(ap, fmt);
	evbuffer_add_vprintf(out, fmt, ap);
	va_end(ap);
	evbuffer_add(out, "\r\n", 2);
}

static void sess_reset(struct lmtp_sess *s)
{
	for (size_t i = 0; i < s->n_rcpts; i++)
		free(s->rcpts[i]);
	free(s->rcpts);
	free(s->sender);
	s->rcpts = NULL;
	s->n_rcpts = 0;
	s->sender = NULL;
	buf_release(&s->data);
	s->total = 0;
	s->mid_line = 0;
	if (s->state != S_START)
		s->state = S_READY;
}

static void sess_free(struct lmtp_sess *s)
{
	struct lmtp *l = s->lmtp;

	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		l->sessions = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	if (s->job != NULL)
		s->job->sess = NULL;  /* the worker's result is dropped */
	bufferevent_free(s->bev);
	s->state = S_READY;
	sess_reset(s);
	free(s);
}

/* Say goodbye (or nothing when REPLY is NULL) and free once written. */
static void sess_close(struct lmtp_sess *s)
{
	s->closing = 1;
	bufferevent_disable(s->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) == 0)
		sess_free(s);
}

static void protocol_error(struct lmtp_sess *s)
{
	if (++s->errors >= s->lmtp->set.max_errors) {
		reply(s, "421 4.7.0 %s too many errors, closing", LMTP_HOSTNAME);
		sess_close(s);
	}
}

/* <path> [params]: copy the path out (no brackets); return the rest. */
static const char *parse_path(const char *arg, char **path_r)
{
	const char *close;

	while (*arg == ' ')
		arg++;
	if (*arg != '<' || (close = strchr(arg, '>')) == NULL)
		return NULL;
	for (const char *p = arg + 1; p < close; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == ' ')
			return NULL;
	*path_r = xstrndup(arg + 1, (size_t)(close - arg - 1));
	return close + 1;
}

static void cmd_lhlo(struct lmtp_sess *s, const char *arg)
{
	if (*arg == '\0') {
		reply(s, "501 5.5.4 LHLO needs a host name");
		protocol_error(s);
		return;
	}
	s->state = S_READY;
	sess_reset(s);
	reply(s, "250-%s\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
		 "250 SIZE %zu", LMTP_HOSTNAME, s->lmtp->dset.limits.max_size);
}

static void cmd_mail(struct lmtp_sess *s, const char *arg)
{
	char *sender = NULL, *params, *tok, *save = NULL;
	const char *rest;

	if (s->state != S_READY) {
		reply(s, "503 5.5.1 %s", s->state == S_START ? "LHLO first" : "nested MAIL command");
		protocol_error(s);
		return;
	}
	if (strncasecmp(arg, "FROM:", 5) != 0 || (rest = parse_path(arg + 5, &sender)) == NULL) {
		reply(s, "501 5.5.4 syntax: MAIL FROM:<address>");
		protocol_error(s);
		return;
	}
	params = xstrdup(rest);
	for (tok = strtok_r(params, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		if (strncasecmp(tok, "SIZE=", 5) == 0) {
			char *end;
			unsigned long long n;

			errno = 0;
			n = strtoull(tok + 5, &end, 10);
			if (end == tok + 5 || *end != '\0' || errno != 0) {
				reply(s, "501 5.5.4 bad SIZE parameter");
				goto bad;
			}
			if (n > s->lmtp->dset.limits.max_size) {
				reply(s, "552 5.3.4 message size exceeds fixed limit of %zu bytes",
				      s->lmtp->dset.limits.max_size);
				free(params);
				free(sender);
				return;
			}
		} else if (strcasecmp(tok, "BODY=7BIT") != 0 && strcasecmp(tok, "BODY=8BITMIME") != 0) {
			reply(s, "555 5.5.4 unsupported parameter \"%.40s\"", tok);
			goto bad;
		}
	}
	free(params);
	s->sender = sender;
	s->state = S_MAIL;
	reply(s, "250 2.1.0 OK");
	return;
bad:
	free(params);
	free(sender);
	protocol_error(s);
}

static void cmd_rcpt(struct lmtp_sess *s, const char *arg)
{
	struct lmtp *l = s->lmtp;
	char *rcpt = NULL;
	const char *rest;

	if (s->state != S_MAIL) {
		reply(s, "503 5.5.1 %s", s->state == S_START ? "LHLO first" : "MAIL first");
		protocol_error(s);
		return;
	}
	if (strncasecmp(arg, "TO:", 3) != 0 || (rest = parse_path(arg + 3, &rcpt)) == NULL ||
	    rcpt[0] == '\0') {
		free(rcpt);
		reply(s, "501 5.5.4 syntax: RCPT TO:<address>");
		protocol_error(s);
		return;
	}
	while (*rest == ' ')
		rest++;
	if (*rest != '\0') {
		free(rcpt);
		reply(s, "555 5.5.4 unsupported RCPT parameters");
		protocol_error(s);
		return;
	}
	switch (policy_check_recipient(l->set.keys, l->reply_domain, rcpt, clock_now())) {
	case POLICY_RCPT_FOREIGN:
		/* Only the reply domain is ours to take: a relay that hands us
		   anything else is misconfigured, and accepting would make us
		   decide (and perhaps answer) mail that was never for us. */
		reply(s, "550 5.1.1 <%s> not a reply address here", rcpt);
		free(rcpt);
		return;
	case POLICY_RCPT_UNKNOWN:
		reply(s, "550 5.1.1 <%s>: unknown reply address", rcpt);
		free(rcpt);
		return;
	default:
		break;
	}
	if (s->n_rcpts >= (size_t)l->set.max_recipients) {
		reply(s, "452 4.5.3 too many recipients");
		free(rcpt);
		return;
	}
	s->rcpts = xrealloc(s->rcpts, (s->n_rcpts + 1) * sizeof(*s->rcpts));
	s->rcpts[s->n_rcpts++] = rcpt;
	reply(s, "250 2.1.5 OK");
}

static void cmd_data(struct lmtp_sess *s)
{
	if (s->state != S_MAIL || s->n_rcpts == 0) {
		reply(s, "503 5.5.1 %s", s->state == S_START ? "LHLO first" :
		      s->state == S_READY ? "MAIL first" : "no valid recipients");
		protocol_error(s);
		return;
	}
	s->state = S_DATA;
	reply(s, "354 end data with <CR><LF>.<CR><LF>");
}

static void command(struct lmtp_sess *s, char *line)
{
	size_t vlen = strcspn(line, " ");
	const char *arg = line + vlen;

	while (*arg == ' ')
		arg++;
#define IS(v) (vlen == sizeof(v) - 1 && strncasecmp(line, v, vlen) == 0)
	if (IS("LHLO")) {
		cmd_lhlo(s, arg);
	} else if (IS("MAIL")) {
		cmd_mail(s, arg);
	} else if (IS("RCPT")) {
		cmd_rcpt(s, arg);
	} else if (IS("DATA")) {
		cmd_data(s);
	} else if (IS("RSET")) {
		sess_reset(s);
		reply(s, "250 2.0.0 OK");
	} else if (IS("NOOP")) {
		reply(s, "250 2.0.0 OK");
	} else if (IS("QUIT")) {
		reply(s, "221 2.0.0 %s closing", LMTP_HOSTNAME);
		sess_close(s);
	} else {
		reply(s, "500 5.5.2 command not recognized");
		protocol_error(s);
	}
#undef IS
}

/* ---- DATA ---- */

static void data_append(struct lmtp_sess *s, const char *p, size_t n, int eol)
{
	size_t max = s->lmtp->dset.limits.max_size, want = n + (eol ? 1 : 0);

	s->total += want;
	if (s->total > max)
		return;  /* refused at the end; only counted from here */
	buf_append(&s->data, p, n);
	if (eol)
		buf_putc(&s->data, '\n');
}

static void data_end(struct lmtp_sess *s)
{
	struct lmtp *l = s->lmtp;
	struct lmtp_job *j;

	if (s->total > l->dset.limits.max_size) {
		for (size_t i = 0; i < s->n_rcpts; i++)
			reply(s, "552 5.3.4 <%s>: message size exceeds fixed limit of %zu bytes",
			      s->rcpts[i], l->dset.limits.max_size);
		sess_reset(s);
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->sess = s;
	j->sender = s->sender;
	j->rcpts = s->rcpts;
	j->n_rcpts = s->n_rcpts;
	j->len = s->data.len;
	j->total = s->total;
	j->data = s->data.len > 0 ? buf_detach(&s->data) : xstrdup("");
	s->sender = NULL;
	s->rcpts = NULL;
	s->n_rcpts = 0;
	sess_reset(s);
	s->job = j;
	s->state = S_WAIT;
	bufferevent_disable(s->bev, EV_READ);
	job_submit(l, j);
}

/* One line (or piece) of DATA; 0 when more input is needed. */
static int data_step(struct lmtp_sess *s)
{
	struct evbuffer *in = bufferevent_get_input(s->bev);
	size_t n;
	/* Strict CRLF: only CRLF.CRLF ends DATA (RFC 5321 4.1.1.4).  A bare
	   LF is data, so a "." after one cannot cut the message short and
	   smuggle what follows in as commands. */
	char *line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF_STRICT);
	const char *p;

	if (line == NULL) {
		size_t have = evbuffer_get_length(in);
		char piece[LMTP_CHUNK];

		if (have < LMTP_CHUNK)
			return 0;
		/* Keep a final CR with its LF. */
		n = evbuffer_remove(in, piece, LMTP_CHUNK - 1);
		data_append(s, piece, n, 0);
		s->mid_line = 1;
		return 1;
	}
	if (!s->mid_line && n == 1 && line[0] == '.') {
		free(line);
		data_end(s);
		return 1;
	}
	p = line;
	if (!s->mid_line && line[0] == '.') {
		p++;
		n--;
	}
	data_append(s, p, n, 1);
	s->mid_line = 0;
	free(line);
	return 1;
}

/* ---- I/O ---- */

static void sess_process(struct lmtp_sess *s)
{
	struct evbuffer *in = bufferevent_get_input(s->bev);

	while (!s->closing && s->state != S_WAIT) {
		char *line;
		size_t n;

		if (s->state == S_DATA) {
			if (!data_step(s))
				return;
			continue;
		}
		line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF);
		if (line == NULL) {
			if (evbuffer_get_length(in) > LMTP_LINE_MAX) {
				reply(s, "500 5.5.2 line too long");
				sess_close(s);
			}
			return;
		}
		if (n > LMTP_LINE_MAX) {
			reply(s, "500 5.5.2 line too long");
			free(line);
			sess_close(s);
			return;
		}
		command(s, line);
		free(line);
	}
}

static void on_read(struct bufferevent *bev, void *ctx)
{
	(void)bev;
	sess_process(ctx);
}

static void on_write(struct bufferevent *bev, void *ctx)
{
	struct lmtp_sess *s = ctx;

	if (s->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		sess_free(s);
}

static void on_event(struct bufferevent *bev, short what, void *ctx)
{
	struct lmtp_sess *s = ctx;

	if ((what & BEV_EVENT_TIMEOUT) && !s->closing) {
		reply(s, "421 4.4.2 %s idle timeout, closing", LMTP_HOSTNAME);
		bufferevent_enable(bev, EV_WRITE);
		sess_close(s);
		return;
	}
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		/* Half-closed after pipelining everything: the replies still go
		   out, those of a message being decided too. */
		if (s->state == S_WAIT)
			s->closing = 1;
		else
			sess_close(s);
		return;
	}
	sess_free(s);
}

/*
 * 451 with the reason (a full disk, a busy database): the client logs it,
 * and for gatewayd-pipe's hand-over it is what Postfix's log shows, as it
 * did when the program decided alone.  One line, cut short.
 */
static void reply_tempfail(struct lmtp_sess *s, const char *rcpt, const char *why)
{
	char *r;

	if (why == NULL || why[0] == '\0') {
		reply(s, "451 4.3.0 <%s> temporary failure, try again later", rcpt);
		return;
	}
	r = xstrndup(why, LMTP_REASON_MAX);
	for (char *p = r; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	reply(s, "451 4.3.0 <%s> temporary failure (%s), try again later", rcpt, r);
	free(r);
}

static void job_done(struct lmtp *l, struct lmtp_job *j)
{
	struct lmtp_sess *s = j->sess;

	job_unlink(l, j);
	for (size_t i = 0; i < j->n_rcpts; i++)
		if (l->set.delivered != NULL)
			l->set.delivered(l->set.ctx, j->results[i], j->lines[i]);
	if (j->queued && l->set.outbox_queued != NULL)
		l->set.outbox_queued(l->set.ctx);
	if (s == NULL) {
		job_free(j);
		return;
	}
	s->job = NULL;
	for (size_t i = 0; i < j->n_rcpts; i++) {
		if (j->results[i] == GW_OK)
			reply(s, "250 2.0.0 <%s> OK", j->rcpts[i]);
		else
			reply_tempfail(s, j->rcpts[i], j->lines[i]);
	}
	job_free(j);
	s->state = S_READY;
	if (s->closing) {
		sess_close(s);
		return;
	}
	bufferevent_enable(s->bev, EV_READ);
	sess_process(s);
}

static void on_done(evutil_socket_t fd, short what, void *ctx)
{
	struct lmtp *l = ctx;
	struct store_job *j = store_done_queue_take(l->doneq);

	(void)fd;
	(void)what;
	while (j != NULL) {  /* oldest first */
		struct store_job *next = j->next;

		job_done(l, (struct lmtp_job *)j);
		j = next;
	}
}

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *ctx)
{
	struct lmtp *l = ctx;
	struct lmtp_sess *s;
	struct timeval tv = { l->set.idle_timeout, 0 };

	(void)listener;
	(void)sa;
	(void)salen;
	s = xcalloc(1, sizeof(*s));
	s->lmtp = l;
	s->bev = bufferevent_socket_new(l->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (s->bev == NULL) {
		close(fd);
		free(s);
		return;
	}
	s->next = l->sessions;
	if (l->sessions != NULL)
		l->sessions->prev = s;
	l->sessions = s;
	bufferevent_setcb(s->bev, on_read, on_write, on_event, s);
	bufferevent_set_timeouts(s->bev, &tv, &tv);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	reply(s, "220 %s LMTP ready", LMTP_HOSTNAME);
}

/* ---- open and close ---- */

int lmtp_open(struct event_base *base, const struct lmtp_settings *set, struct lmtp **lmtp_r,
	      char **error_r)
{
	struct lmtp *l;
	struct listen_socket ls;
	char *lerr = NULL;
	int fd;

	*lmtp_r = NULL;
	if (set->keys == NULL || set->reply_domain == NULL ||
	    (set->store == NULL && set->pool == NULL)) {
		*error_r = xstrdup("lmtp: keys, reply domain and a store or pool are required");
		return -1;
	}
	l = xcalloc(1, sizeof(*l));
	l->base = base;
	l->set = *set;
	if (l->set.idle_timeout <= 0)
		l->set.idle_timeout = LMTP_IDLE_DEFAULT;
	if (l->set.max_recipients <= 0)
		l->set.max_recipients = LMTP_RCPT_DEFAULT;
	if (l->set.max_errors <= 0)
		l->set.max_errors = LMTP_ERRORS_DEFAULT;
	l->reply_domain = xstrdup(set->reply_domain);
	l->from_address = set->from_address != NULL ? xstrdup(set->from_address) : NULL;

	if (set->pool != NULL) {
		l->pool = set->pool;
	} else {
		struct store_pool_settings ps = { 0 };

		ps.store = set->store;
		ps.readers = 1;  /* the lane we use is the writer */
		ps.mail_domain = l->reply_domain;
		if (store_pool_open(&ps, &l->pool, &lerr) < 0) {
			*error_r = xasprintf("lmtp: %s", lerr);
			free(lerr);
			goto fail;
		}
		l->own_pool = 1;
	}
	l->dset.keys = set->keys;
	l->dset.reply_domain = l->reply_domain;
	l->dset.from_address = l->from_address;
	l->dset.max_explanations_per_day = set->max_explanations_per_day;
	l->dset.limits = set->limits;
	if (l->dset.limits.max_size == 0)
		l->dset.limits.max_size = INBOUND_DEFAULT_MAX_SIZE;

	if (store_done_queue_open(&l->doneq, &lerr) < 0) {
		*error_r = xasprintf("lmtp: %s", lerr);
		free(lerr);
		goto fail;
	}
	l->done_ev = event_new(base, store_done_queue_fd(l->doneq), EV_READ | EV_PERSIST,
			       on_done, l);
	if (l->done_ev == NULL || event_add(l->done_ev, NULL) != 0) {
		*error_r = xstrdup("lmtp: cannot watch the store pool's done queue");
		goto fail;
	}

	if (listen_take(set->systemd_fd, set->listen, &ls, &lerr) < 0) {
		*error_r = xasprintf("lmtp: %s", lerr);
		free(lerr);
		goto fail;
	}
	fd = ls.fd;
	l->port = ls.port;
	l->unix_path = ls.unix_path; /* unlinked at close */
	l->listener = evconnlistener_new(base, on_accept, l, LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (l->listener == NULL) {
		*error_r = xasprintf("lmtp: socket %d: cannot accept", fd);
		close(fd);
		goto fail;
	}
	l->pause = accept_pause_watch(l->listener, "lmtp");
	*lmtp_r = l;
	return 0;
fail:
	lmtp_close(&l);
	return -1;
}

void lmtp_close(struct lmtp **lmtpp)
{
	struct lmtp *l = lmtpp != NULL ? *lmtpp : NULL;

	if (l == NULL)
		return;
	*lmtpp = NULL;
	accept_pause_free(&l->pause);
	if (l->listener != NULL)
		evconnlistener_free(l->listener);
	/* No worker may touch a job after this: one not started never runs,
	 * one running is waited for (it commits or not).  Their clients are
	 * not answered and Postfix retries; decide_message()'s redelivery
	 * check makes that safe. */
	for (struct lmtp_job *j = l->jobs; j != NULL; j = j->next)
		(void)store_pool_cancel(l->pool, &j->job);
	if (l->doneq != NULL)
		(void)store_done_queue_take(l->doneq);  /* all still on l->jobs */
	while (l->sessions != NULL)
		sess_free(l->sessions);
	while (l->jobs != NULL) {
		struct lmtp_job *j = l->jobs;

		job_unlink(l, j);
		job_free(j);
	}
	if (l->done_ev != NULL)
		event_free(l->done_ev);
	store_done_queue_close(&l->doneq);
	if (l->unix_path != NULL)
		(void)unlink(l->unix_path);
	if (l->own_pool)
		store_pool_close(&l->pool);
	free(l->unix_path);
	free(l->reply_domain);
	free(l->from_address);
	free(l);
}

int lmtp_bound_port(const struct lmtp *lmtp)
{
	return lmtp != NULL ? lmtp->port : 0;
}

void lmtp_set_keys(struct lmtp *lmtp, const struct link_keys *keys)
{
	if (lmtp == NULL || keys == NULL)
		return;
	/* Jobs carry a copy of dset: one already submitted keeps its keys. */
	lmtp->set.keys = keys;
	lmtp->dset.keys = keys;
}
