/*
 * sse.c - GET /t/ID/events: server-sent events that tell an open thread
 * page that the thread changed ("event: change"), so that the page script
 * fetches the new messages without a reload.
 *
 * Changes made by other processes (gatewayctl, the API, mail) do not pass
 * through here, so the web view looks: once a second one job on the store
 * pool's read lane reads each open stream's thread counters for its
 * reader (one indexed query each), and back on the loop an event goes to
 * every stream whose counters differ from the last look.  A look still in
 * the pool when the next second comes is not doubled.  A comment line
 * every 15 seconds keeps proxies from closing the stream and lets a write
 * fail on a connection the browser has left.
 *
 * A staff reader's inbox (unread count, newest item) is part of every
 * stream's signature: a change sends "event: inbox" with the count and
 * the sentence that says it, so that every staff page keeps its header
 * count live.  GET /inbox/events is such a stream without a thread, for
 * the pages that have none; a thread page uses its own.
 *
 * A reader whose stream was told of a change has seen it live: what the
 * change would have emailed them is cancelled (store_batch_seen_live(),
 * one job on the writer lane per look that told anyone), as of the time
 * the look began, so nothing committed after it counts as seen.
 *
 * Lifetime: a stream ends when its connection closes (evhttp's close
 * callback; the request was detached from the connection then and
 * evhttp_send_reply_end() frees it), when the thread can no longer be
 * read, or at web_close().
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "buf.h"
#include "i18n.h"
#include "inbox.h"
#include "clock.h"
#include "log.h"

#define SSE_PING_TICKS 15
#define SSE_SIG WEB_SSE_SIG
#define SSE_INBOX WEB_SSE_THREAD_SIG   /* where the inbox's part starts */

struct web_sse {
	struct web_sse *next;
	struct web_loop *loop;
	struct evhttp_request *req;
	struct evhttp_connection *conn;
	int64_t serial;            /* newer streams have larger numbers */
	int64_t thread_id;         /* 0: the reader's inbox */
	enum store_kind kind;
	int64_t reader_id;
	int64_t sig[SSE_SIG];
};

/* One look at every stream, as a job of the read lane. */
struct sse_look_item {
	int64_t serial;
	int64_t thread_id;
	enum store_kind kind;
	int64_t reader_id;
	int64_t sig[SSE_SIG];
	int ok;
};
struct sse_look {
	struct store_job job;      /* first */
	struct sse_look_item *items; /* in the order of the loop's streams */
	size_t count;
	int ping;
	int64_t at;                /* when the look began */
};

/* Readers told of a change: seen live, on the writer lane. */
struct sse_seen {
	struct store_job job;      /* first */
	struct store_seen *seen;
	size_t count;
	int64_t at;
};

static void unlink_sse(struct web_loop *lp, struct web_sse *s)
{
	for (struct web_sse **pp = &lp->sse; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			return;
		}
	}
}

static int signature(struct store *store, int64_t thread_id, enum store_kind kind,
		     int64_t reader_id, int64_t sig[SSE_SIG])
{
	struct store_thread t;

	memset(sig, 0, sizeof(int64_t) * SSE_SIG);
	/* a staff reader's inbox rides on every stream they have open, so a
	 * thread page needs no second connection for the header count */
	if (kind == STORE_STAFF &&
	    store_inbox_unread(store, reader_id, &sig[SSE_INBOX], &sig[SSE_INBOX + 1], NULL) !=
		    GW_OK)
		return -1;
	if (thread_id == 0)
		return 0;
	memset(&t, 0, sizeof(t));
	if (store_thread_get(store, thread_id, kind, reader_id, &t, NULL) != GW_OK)
		return -1;
	sig[0] = t.message_count;
	sig[1] = t.last_message_at;
	sig[2] = t.tasks_done;
	sig[3] = t.tasks_total;
	sig[4] = t.archived;
	sig[5] = t.reminders.next_due;
	sig[6] = t.reminders.enabled;
	sig[7] = t.tasks_rev;      /* an edit or a move keeps the counts */
	store_thread_clear(&t);
	return 0;
}

static void send_text(struct web_sse *s, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL)
		return;
	evbuffer_add(b, text, strlen(text));
	evhttp_send_reply_chunk(s->req, b);
	evbuffer_free(b);
}

static void closed_cb(struct evhttp_connection *conn, void *arg)
{
	struct web_sse *s = arg;

	unlink_sse(s->loop, s);
	/* Detached from its dying connection: ending it frees it.  Still
	 * attached: the connection frees it right after this callback. */
	if (evhttp_request_get_connection(s->req) == NULL)
		evhttp_send_reply_end(s->req);
	free(s);
}

/* End a stream that is still connected (thread gone, shutdown). */
static void end_stream(struct web_loop *lp, struct web_sse *s)
{
	unlink_sse(lp, s);
	if (s->conn != NULL)
		evhttp_connection_set_closecb(s->conn, NULL, NULL);
	evhttp_send_reply_end(s->req);
	free(s);
}

void web_sse_start(struct web_req *r, int64_t thread_id)
{
	char *err = NULL;
	enum gw_result res;

	if (r->sess.kind == 0) {
		web_send_error(r, 403, NULL);
		return;
	}
	res = store_thread_access(r->store, thread_id, r->sess.kind, r->sess.id, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	if (r->method == EVHTTP_REQ_HEAD) {
		web_send(r, 200, "text/event-stream", NULL, 0);
		return;
	}
	if (signature(r->store, thread_id, r->sess.kind, r->sess.id, r->reply.sse_sig) < 0) {
		web_send_error(r, 503, NULL);
		return;
	}
	/* The stream itself starts on the loop (web_sse_begin). */
	r->replied = 1;
	r->reply.sse = 1;
}

void web_sse_start_inbox(struct web_req *r)
{
	if (r->sess.kind != STORE_STAFF) {
		web_send_error(r, 404, NULL);
		return;
	}
	if (r->method == EVHTTP_REQ_HEAD) {
		web_send(r, 200, "text/event-stream", NULL, 0);
		return;
	}
	if (signature(r->store, 0, r->sess.kind, r->sess.id, r->reply.sse_sig) < 0) {
		web_send_error(r, 503, NULL);
		return;
	}
	r->replied = 1;
	r->reply.sse = 2;
}

/* "event: inbox": the count, then the sentence a screen reader says. */
static void send_inbox(struct web_sse *s, int64_t unread)
{
	char text[512];

	snprintf(text, sizeof(text), "event: inbox\ndata: %lld\ndata: ", (long long)unread);
	snprintf(text + strlen(text), sizeof(text) - strlen(text),
		 ngettext("%lld unread item in your inbox", "%lld unread items in your inbox",
			  (unsigned long)unread),
		 (long long)unread);
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "\n\n");
	send_text(s, text);
}

void web_sse_begin(struct web_req *r)
{
	struct web_loop *lp = r->loop;
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
	struct web_sse *s = xcalloc(1, sizeof(*s));

	s->loop = lp;
	s->req = r->req;
	s->serial = ++lp->sse_serial;
	s->thread_id = r->reply.sse == 2 ? 0 : r->id;
	s->kind = r->sess.kind;
	s->reader_id = r->sess.id;
	memcpy(s->sig, r->reply.sse_sig, sizeof(s->sig));
	web_headers(r->req, 0);
	evhttp_add_header(h, "Content-Type", "text/event-stream");
	evhttp_add_header(h, "X-Accel-Buffering", "no");
	web_guard_replying(r->loop, r->req);
	evhttp_send_reply_start(r->req, 200, "OK");
	send_text(s, "retry: 3000\n\n");
	s->conn = evhttp_request_get_connection(r->req);
	if (s->conn != NULL)
		evhttp_connection_set_closecb(s->conn, closed_cb, s);
	s->next = lp->sse;
	lp->sse = s;
}

static void look_run(struct store *store, struct store_job *job)
{
	struct sse_look *look = (struct sse_look *)job;

	for (size_t i = 0; i < look->count; i++) {
		struct sse_look_item *it = &look->items[i];

		it->ok = signature(store, it->thread_id, it->kind, it->reader_id, it->sig) == 0;
	}
}

static void look_free(struct sse_look *look)
{
	free(look->items);
	free(look);
}

void web_sse_tick(struct web_loop *lp)
{
	struct sse_look *look;
	size_t n = 0;

	lp->tick_count++;
	if (lp->sse == NULL || lp->sse_job != NULL)
		return;
	for (struct web_sse *s = lp->sse; s != NULL; s = s->next)
		n++;
	look = xcalloc(1, sizeof(*look));
	look->items = xcalloc(n, sizeof(*look->items));
	look->ping = lp->tick_count % SSE_PING_TICKS == 0;
	look->at = clock_now();
	for (struct web_sse *s = lp->sse; s != NULL; s = s->next) {
		struct sse_look_item *it = &look->items[look->count++];

		it->serial = s->serial;
		it->thread_id = s->thread_id;
		it->kind = s->kind;
		it->reader_id = s->reader_id;
	}
	look->job.run = look_run;
	look->job.reply_to = lp->doneq;
	lp->sse_job = &look->job;
	store_pool_submit(lp->web->pool, STORE_LANE_READ, &look->job);
}

static void seen_run(struct store *store, struct store_job *job)
{
	struct sse_seen *j = (struct sse_seen *)job;
	char *err = NULL;

	if (store_batch_seen_live(store, j->seen, j->count, j->at, &err) != GW_OK)
		log_warn("web: live views not recorded, their emails go out: %s",
			 err != NULL ? err : "");
	free(err);
}

static void seen_done(struct store_job *job)
{
	struct sse_seen *j = (struct sse_seen *)job;

	free(j->seen);
	free(j);
}

void web_sse_looked(struct web_loop *lp, struct store_job *job)
{
	struct sse_look *look = (struct sse_look *)job;
	struct web_sse *s = lp->sse, *next;
	struct sse_seen *seen = NULL;

	if (lp->sse_job == job)
		lp->sse_job = NULL;
	/* Both lists run newest first; streams that began since the look
	 * are ahead of it, streams that ended are gone from the list. */
	for (size_t i = 0; i < look->count; i++) {
		const struct sse_look_item *it = &look->items[i];

		while (s != NULL && s->serial > it->serial)
			s = s->next;
		if (s == NULL)
			break;
		if (s->serial != it->serial)
			continue;
		next = s->next;
		if (!it->ok) {
			end_stream(lp, s);
		} else if (memcmp(it->sig, s->sig, sizeof(s->sig)) != 0) {
			char text[64];

			if (memcmp(it->sig, s->sig, sizeof(int64_t) * SSE_INBOX) != 0) {
				snprintf(text, sizeof(text), "event: change\ndata: %lld\n\n",
					 (long long)it->sig[0]);
				send_text(s, text);
				if (s->thread_id != 0) {
					if (seen == NULL) {
						seen = xcalloc(1, sizeof(*seen));
						seen->seen = xcalloc(look->count, sizeof(*seen->seen));
						seen->at = look->at;
					}
					seen->seen[seen->count++] = (struct store_seen){
						.thread_id = s->thread_id, .kind = s->kind,
						.reader_id = s->reader_id,
					};
				}
			}
			if (memcmp(it->sig + SSE_INBOX, s->sig + SSE_INBOX,
				   sizeof(int64_t) * (SSE_SIG - SSE_INBOX)) != 0)
				send_inbox(s, it->sig[SSE_INBOX]);
			memcpy(s->sig, it->sig, sizeof(s->sig));
		} else if (look->ping) {
			send_text(s, ": ping\n\n");
		}
		s = next;
	}
	look_free(look);
	if (seen != NULL) {
		seen->job.run = seen_run;
		seen->job.done = seen_done;
		store_pool_submit(lp->web->pool, STORE_LANE_WRITE, &seen->job);
	}
}

void web_sse_cancel(struct web_loop *lp)
{
	struct store_job *job = lp->sse_job;

	if (job == NULL)
		return;
	/* Not started: ours to free.  Started: it comes back through the
	 * done queue, where the caller frees it. */
	if (store_pool_cancel(lp->web->pool, job)) {
		lp->sse_job = NULL;
		look_free((struct sse_look *)job);
	}
}

void web_sse_close_all(struct web_loop *lp)
{
	while (lp->sse != NULL)
		end_stream(lp, lp->sse);
}

int web_sse_forget(struct web_loop *lp, struct evhttp_request *req)
{
	for (struct web_sse *s = lp->sse; s != NULL; s = s->next) {
		if (s->req == req) {
			end_stream(lp, s);
			return 1;
		}
	}
	return 0;
}
