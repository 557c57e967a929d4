/*
 * imap.c - the IMAP reader (imap.h): its thread, the reconnect backoff,
 * and one pass over the mailbox.  The session with the server is
 * imap_session.c; the store work runs on the pool's writer lane.
 */
#include "imap.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "decide.h"
#include "imap_int.h"
#include "inbound_headers.h"
#include "log.h"
#include "pool.h"
#include "store.h"

struct imap {
	struct imap_settings set;
	struct imap_session_settings ss;
	_Atomic(const struct link_keys *) keys;
	char *host, *password, *key;   /* key: the imap_state row */
	const char *done_mailbox;      /* NULL = delete */
	const char *rejected_mailbox;
	int stop_pipe[2];
	atomic_int stopping;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;            /* guards fd against imap_close */
	int fd;                        /* the session's socket, -1 = none */
	int failures;                  /* in a row, for the backoff */
	unsigned seed;
	struct imap_session *session;
	uint32_t uidvalidity, last_uid;
};

/* What one pass ends with. */
enum pass_end { PASS_DONE, PASS_RETRY, PASS_LOST };

/* ---- store jobs (on the writer lane) ---- */

struct state_job {
	struct imap *im;
	uint32_t uidvalidity, last_uid; /* in: the server's; out: the store's */
	int changed;                    /* out: the UIDVALIDITY was another */
	int fresh;                      /* out: never read before */
	enum gw_result r;
	char *error;
};

static void state_job_run(struct store *store, void *arg)
{
	struct state_job *j = arg;
	uint32_t v = 0, last = 0;

	j->r = store_imap_state_get(store, j->im->key, &v, &last, &j->error);
	if (j->r == GW_NOTFOUND) {
		free(j->error);
		j->error = NULL;
		j->fresh = 1;
	} else if (j->r != GW_OK) {
		return;
	}
	if (j->fresh || v != j->uidvalidity) {
		j->changed = !j->fresh;
		j->r = store_imap_state_set(store, j->im->key, j->uidvalidity, 0, &j->error);
		last = 0;
	} else {
		j->r = GW_OK;
	}
	j->last_uid = last;
}

struct decide_job {
	struct imap *im;
	const char *sender, *recipient, *data;
	size_t len, total;
	uint32_t uid;
	struct decide_outcome out;
	enum gw_result r;
	char *error;
};

/* Decide, then record the UID as done: a crash in between decides it
 * again, and the redelivery check makes that a "duplicate". */
static void decide_job_run(struct store *store, void *arg)
{
	struct decide_job *j = arg;
	struct decide_settings ds;
	char *err = NULL;

	memset(&ds, 0, sizeof(ds));
	ds.store = store;
	ds.keys = atomic_load(&j->im->keys);
	ds.reply_domain = j->im->set.reply_domain;
	ds.from_address = j->im->set.from_address;
	ds.max_explanations_per_day = j->im->set.max_explanations_per_day;
	ds.limits = j->im->set.limits;
	j->r = decide_message(&ds, j->sender, j->recipient, j->data, j->len, j->total, &j->out,
			      &j->error);
	if (j->r != GW_OK)
		return;
	if (store_imap_state_set(store, j->im->key, j->im->uidvalidity, j->uid, &err) != GW_OK) {
		/* Decided but not recorded: the next pass decides it again
		 * and the redelivery check drops it.  Not a failure of this
		 * message. */
		log_warn("imap: %s: UID %u decided, but its state was not saved: %s", j->im->key,
			 j->uid, err);
		free(err);
	}
}

/* ---- the session ---- */

static void set_fd(struct imap *im, int fd)
{
	pthread_mutex_lock(&im->mu);
	im->fd = fd;
	pthread_mutex_unlock(&im->mu);
}

static void on_socket(void *ctx, int fd)
{
	set_fd(ctx, fd);
}

static void drop_session(struct imap *im)
{
	imap_session_close(&im->session);
}

/* ms to wait after the n-th failure in a row: doubling from retry_min up
 * to retry_max, then a random part of it taken off (between 0 and a
 * half) so that readers restarted together do not come back together. */
static int64_t backoff_ms(struct imap *im)
{
	int64_t ms = im->set.cfg->retry_min * 1000, max = im->set.cfg->retry_max * 1000;

	for (int i = 1; i < im->failures && ms < max; i++)
		ms *= 2;
	if (ms > max)
		ms = max;
	return ms - (int64_t)(rand_r(&im->seed) % (unsigned)(ms / 2 + 1));
}

/* Sleep ms unless stopped; 1 when stopped. */
static int sleep_or_stop(struct imap *im, int64_t ms)
{
	if (atomic_load(&im->stopping))
		return 1;
	return imap_sleep(im->stop_pipe[0], ms) == IMAP_WAIT_STOP || atomic_load(&im->stopping);
}

static const char *kind_hint(enum imap_err kind)
{
	switch (kind) {
	case IMAP_E_LOGIN:
		return " (check [imap] user and password_file)";
	case IMAP_E_MAILBOX:
		return " (check [imap] mailbox)";
	default:
		return "";
	}
}

static void failed(struct imap *im, enum imap_err kind, const char *error)
{
	int64_t ms;

	im->failures++;
	ms = backoff_ms(im);
	log_warn("imap: %s%s; retry in %" PRId64 ".%01" PRId64 "s (failure %d in a row)", error,
		 kind_hint(kind), ms / 1000, (ms % 1000) / 100, im->failures);
	(void)sleep_or_stop(im, ms);
}

/* Log in, select, and line the stored state up with the server's. */
static int connect_session(struct imap *im)
{
	struct state_job sj;
	enum imap_err kind = IMAP_OK;
	char *error = NULL;
	uint32_t v;

	if (imap_session_open(&im->ss, &im->session, &kind, &error) < 0)
		goto fail;
	if (imap_session_select(im->session, im->set.cfg->mailbox, &v, &kind, &error) < 0)
		goto fail;
	memset(&sj, 0, sizeof(sj));
	sj.im = im;
	sj.uidvalidity = v;
	store_pool_run(im->set.pool, STORE_LANE_WRITE, state_job_run, &sj);
	if (sj.r != GW_OK) {
		error = xasprintf("%s: state not readable: %s", im->key, sj.error);
		free(sj.error);
		kind = IMAP_E_NO;
		goto fail;
	}
	if (sj.changed)
		log_warn("imap: %s: UIDVALIDITY changed to %u: every message in it is decided "
			 "again (the inbound log's redelivery check drops what was answered)",
			 im->key, v);
	im->uidvalidity = v;
	im->last_uid = sj.last_uid;
	log_info("imap: %s: reading, UIDVALIDITY %u, last UID decided %u, %s%s", im->key, v,
		 im->last_uid, im->session->has_idle ? "IDLE" : "polling",
		 im->failures > 0 ? " (connected again)" : "");
	im->failures = 0;
	return 0;
fail:
	drop_session(im);
	failed(im, kind, error);
	free(error);
	return -1;
}

/* ---- one message ---- */

/* CRLF to LF, as the pipe and LMTP hand messages over. */
static size_t to_lf(char *data, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++)
		if (!(data[i] == '\r' && i + 1 < len && data[i + 1] == '\n'))
			data[o++] = data[i];
	data[o] = '\0';
	return o;
}

/* Where a decided message goes: NULL = deleted. */
static const char *target_of(const struct imap *im, enum inbound_verdict class)
{
	if (class == INBOUND_OVER_LIMIT || class == INBOUND_MALFORMED)
		return im->rejected_mailbox;
	return im->done_mailbox;
}

static int put_away(struct imap *im, uint32_t uid, const char *target, char **error_r)
{
	enum imap_err kind;

	if (target != NULL)
		return imap_session_move(im->session, uid, target, &kind, error_r);
	return imap_session_delete(im->session, uid, &kind, error_r);
}

/* The class of a message decided before (only parsed, nothing written). */
static enum inbound_verdict class_again(struct imap *im, const char *data, size_t len,
					size_t total, const char *sender, const char *rcpt)
{
	struct inbound_envelope env = { sender, rcpt, im->set.reply_domain, total };
	struct inbound_result *r = NULL;
	enum inbound_verdict v = INBOUND_MALFORMED;
	char *err = NULL;

	if (inbound_parse(data, len, &env, &im->set.limits, &r, &err) == 0) {
		v = r->verdict;
		inbound_result_free(&r);
	}
	free(err);
	return v;
}

static enum pass_end one_message(struct imap *im, uint32_t uid)
{
	size_t max = im->set.limits.max_size, len = 0;
	struct decide_job dj;
	enum imap_err kind;
	char *data = NULL, *error = NULL, *sender = NULL, *rcpt = NULL, *line = NULL;
	uint32_t size = 0;
	int gone = 0, header_only;
	enum pass_end end = PASS_DONE;
	const char *target;

	if (imap_session_size(im->session, uid, &size, &gone, &kind, &error) < 0)
		goto lost;
	if (gone)
		return PASS_DONE;  /* expunged by someone else meanwhile */
	/* Over the limit: only the header is read, and decide_message()
	 * logs it "over-limit" from the header and the real size. */
	header_only = size > max;
	if (imap_session_fetch(im->session, uid, header_only,
			       header_only ? im->set.limits.max_header_bytes + 1 : max + 1, &data,
			       &len, &kind, &error) < 0) {
		if (kind != IMAP_E_NO)
			goto lost;
		/* The server cannot give us this message: keep it aside. */
		log_warn("imap: %s: UID %u: %s; moving it to \"%s\"", im->key, uid, error,
			 im->rejected_mailbox);
		free(error);
		error = NULL;
		if (put_away(im, uid, im->rejected_mailbox, &error) < 0)
			goto lost;
		return PASS_DONE;
	}
	len = to_lf(data, len);
	inbound_headers_envelope(data, len, im->set.limits.max_header_bytes,
				 im->set.reply_domain, &sender, &rcpt);

	if (uid <= im->last_uid) {
		/* Decided before; the move was lost. */
		target = target_of(im, class_again(im, data, len, header_only ? size : 0,
						   sender, rcpt));
		if (put_away(im, uid, target, &error) < 0)
			goto lost;
		log_info("imap: %s: UID %u was decided before; %s now", im->key, uid,
			 target != NULL ? "moved" : "deleted");
		goto out;
	}

	memset(&dj, 0, sizeof(dj));
	dj.im = im;
	dj.sender = sender;
	dj.recipient = rcpt;
	dj.data = data;
	dj.len = len;
	dj.total = header_only ? size : 0;
	dj.uid = uid;
	store_pool_run(im->set.pool, STORE_LANE_WRITE, decide_job_run, &dj);
	if (dj.r != GW_OK) {
		log_warn("imap: %s: UID %u left for the next pass: %s", im->key, uid,
			 dj.error != NULL ? dj.error : "decide failed");
		free(dj.error);
		decide_outcome_clear(&dj.out);
		end = PASS_RETRY;
		goto out;
	}
	im->last_uid = uid;
	if (dj.out.outbox_id != 0 && im->set.outbox_queued != NULL)
		im->set.outbox_queued(im->set.ctx);
	target = target_of(im, dj.out.class);
	line = decide_outcome_line(&dj.out);
	decide_outcome_clear(&dj.out);
	if (put_away(im, uid, target, &error) < 0) {
		log_info("imap: UID %u %s", uid, line);
		goto lost;
	}
	log_info("imap: UID %u %s; %s%s%s", uid, line, target != NULL ? "moved to \"" : "deleted",
		 target != NULL ? target : "", target != NULL ? "\"" : "");
	goto out;
lost:
	log_warn("imap: %s: UID %u: %s", im->key, uid, error);
	end = PASS_LOST;
out:
	free(line);
	free(error);
	free(data);
	free(sender);
	free(rcpt);
	return end;
}

/* Every message in the mailbox, in UID order, until one must wait. */
static enum pass_end pass(struct imap *im)
{
	uint32_t *uids = NULL;
	size_t n = 0;
	enum imap_err kind;
	enum pass_end end = PASS_DONE;
	char *error = NULL;

	if (imap_session_uids(im->session, &uids, &n, &kind, &error) < 0) {
		log_warn("imap: %s: %s", im->key, error);
		free(error);
		return PASS_LOST;
	}
	for (size_t i = 0; i < n && end == PASS_DONE && !atomic_load(&im->stopping); i++)
		end = one_message(im, uids[i]);
	free(uids);
	return end;
}

/* ---- the thread ---- */

static void *reader(void *arg)
{
	struct imap *im = arg;

	while (!atomic_load(&im->stopping)) {
		enum imap_err kind = IMAP_OK;
		enum imap_wait w;
		enum pass_end end;
		char *error = NULL;
		int seconds;

		if (im->session == NULL && connect_session(im) < 0)
			continue;
		end = pass(im);
		if (end == PASS_LOST) {
			drop_session(im);
			im->failures++;
			if (sleep_or_stop(im, backoff_ms(im)))
				break;
			continue;
		}
		if (end == PASS_RETRY) {
			im->failures++;
			if (sleep_or_stop(im, backoff_ms(im)))
				break;
			continue;
		}
		im->failures = 0;
		seconds = (int)(im->session->has_idle ? im->set.cfg->idle_restart
						       : im->set.cfg->poll_interval);
		w = imap_session_wait(im->session, im->stop_pipe[0], seconds, &kind, &error);
		if (w == IMAP_WAIT_ERROR) {
			drop_session(im);
			failed(im, kind, error != NULL ? error : "IDLE failed");
			free(error);
		}
	}
	drop_session(im);
	return NULL;
}

/* ---- open and close ---- */

static int read_password(const char *path, char **password_r, char **error_r)
{
	FILE *f = fopen(path, "r");
	char line[1024];

	if (f == NULL) {
		*error_r = xasprintf("[imap] password_file: cannot read \"%s\": %s", path,
				     strerror(errno));
		return -1;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '\0') {
		*error_r = xasprintf("[imap] password_file: \"%s\": no password on the first line",
				     path);
		return -1;
	}
	*password_r = xstrdup(line);
	explicit_bzero(line, sizeof(line));
	return 0;
}

static void imap_free(struct imap *im)
{
	if (im->stop_pipe[0] >= 0)
		close(im->stop_pipe[0]);
	if (im->stop_pipe[1] >= 0)
		close(im->stop_pipe[1]);
	if (im->password != NULL) {
		explicit_bzero(im->password, strlen(im->password));
		free(im->password);
	}
	pthread_mutex_destroy(&im->mu);
	free(im->host);
	free(im->key);
	free(im);
}

int imap_open(const struct imap_settings *set, struct imap **imap_r, char **error_r)
{
	const struct cfg_imap *cfg = set->cfg;
	struct imap *im;
	int tls;

	*imap_r = NULL;
	if (cfg == NULL || cfg->url == NULL || cfg->user == NULL || cfg->password_file == NULL ||
	    set->pool == NULL || set->keys == NULL || set->reply_domain == NULL) {
		*error_r = xstrdup("imap: url, user, password_file, keys and a store pool are "
				   "required");
		return -1;
	}
	im = xcalloc(1, sizeof(*im));
	im->stop_pipe[0] = im->stop_pipe[1] = -1;
	im->fd = -1;
	pthread_mutex_init(&im->mu, NULL);
	im->set = *set;
	if (im->set.limits.max_size == 0)
		im->set.limits.max_size = INBOUND_DEFAULT_MAX_SIZE;
	if (im->set.limits.max_header_bytes == 0)
		im->set.limits.max_header_bytes = INBOUND_DEFAULT_MAX_HEADER_BYTES;
	atomic_store(&im->keys, set->keys);
	if (cfg_parse_imap_url(cfg->url, &tls, &im->host, &im->ss.port) < 0) {
		*error_r = xasprintf("[imap] url: \"%s\" is not imaps://HOST[:PORT] or "
				     "imap://HOST[:PORT]", cfg->url);
		goto fail;
	}
	if (read_password(cfg->password_file, &im->password, error_r) < 0)
		goto fail;
	im->ss.host = im->host;
	im->ss.implicit_tls = tls;
	im->ss.starttls = !tls && cfg->starttls;
	im->ss.ca_file = cfg->ca_file;
	im->ss.user = cfg->user;
	im->ss.password = im->password;
	im->ss.timeout = (unsigned)cfg->timeout;
	im->ss.socket_cb = on_socket;
	im->ss.ctx = im;
	im->key = xasprintf("%s %s %s", cfg->url, cfg->user, cfg->mailbox);
	im->done_mailbox = strncmp(cfg->done, "move:", 5) == 0 ? cfg->done + 5 : NULL;
	im->rejected_mailbox = cfg->rejected + 5;
	im->seed = (unsigned)clock_monotonic_ms() ^ (unsigned)getpid();
	if (pipe2(im->stop_pipe, O_CLOEXEC) < 0) {
		*error_r = xasprintf("imap: pipe: %s", strerror(errno));
		goto fail;
	}
	im->ss.stop_fd = im->stop_pipe[0];
	if (pthread_create(&im->thread, NULL, reader, im) != 0) {
		*error_r = xstrdup("imap: cannot start the reader thread");
		goto fail;
	}
	im->started = 1;
	*imap_r = im;
	return 0;
fail:
	imap_free(im);
	return -1;
}

void imap_close(struct imap **imapp)
{
	struct imap *im = imapp != NULL ? *imapp : NULL;

	if (im == NULL)
		return;
	*imapp = NULL;
	atomic_store(&im->stopping, 1);
	if (write(im->stop_pipe[1], "x", 1) < 0) {
		/* the flag alone stops it at the next check */
	}
	/* Cut a command in flight short: its read fails at once. */
	pthread_mutex_lock(&im->mu);
	if (im->fd >= 0)
		(void)shutdown(im->fd, SHUT_RDWR);
	pthread_mutex_unlock(&im->mu);
	if (im->started)
		pthread_join(im->thread, NULL);
	imap_free(im);
}

void imap_set_keys(struct imap *im, const struct link_keys *keys)
{
	if (im == NULL || keys == NULL)
		return;
	atomic_store(&im->keys, keys);
}
