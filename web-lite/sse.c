/*
 * sse.c - GET /t/ID/events: server-sent events that tell an open thread
 * page that the thread changed ("event: change"), so that the page script
 * fetches the new messages without a reload.
 *
 * Changes made by other processes (gatewayctl, the API, mail) do not pass
 * through here, so the web view looks: once a second each open stream
 * reads the thread's counters for its reader (one indexed query) and
 * sends an event when they differ from the last look.  A comment line
 * every 15 seconds keeps proxies from closing the stream and lets a write
 * fail on a connection the browser has left.
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

#include "log.h"

#define SSE_PING_TICKS 15

struct web_sse {
	struct web_sse *next;
	struct web *web;
	struct evhttp_request *req;
	struct evhttp_connection *conn;
	int64_t thread_id;
	enum store_kind kind;
	int64_t reader_id;
	int64_t sig[7];
};

static void unlink_sse(struct web *web, struct web_sse *s)
{
	for (struct web_sse **pp = &web->sse; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			return;
		}
	}
}

static int signature(struct web *web, struct web_sse *s, int64_t sig[7])
{
	struct store_thread t;

	memset(&t, 0, sizeof(t));
	if (store_thread_get(web->store, s->thread_id, s->kind, s->reader_id, &t, NULL) !=
	    GW_OK)
		return -1;
	sig[0] = t.message_count;
	sig[1] = t.last_message_at;
	sig[2] = t.tasks_done;
	sig[3] = t.tasks_total;
	sig[4] = t.archived;
	sig[5] = t.reminders.next_due;
	sig[6] = t.reminders.enabled;
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

	unlink_sse(s->web, s);
	/* Detached from its dying connection: ending it frees it.  Still
	 * attached: the connection frees it right after this callback. */
	if (evhttp_request_get_connection(s->req) == NULL)
		evhttp_send_reply_end(s->req);
	free(s);
}

/* End a stream that is still connected (thread gone, shutdown). */
static void end_stream(struct web *web, struct web_sse *s)
{
	unlink_sse(web, s);
	if (s->conn != NULL)
		evhttp_connection_set_closecb(s->conn, NULL, NULL);
	evhttp_send_reply_end(s->req);
	free(s);
}

void web_sse_start(struct web_req *r, int64_t thread_id)
{
	struct web *web = r->web;
	struct web_sse *s;
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
	char *err = NULL;
	enum gw_result res;

	if (r->sess.kind == 0) {
		web_send_error(r, 403, NULL);
		return;
	}
	res = store_thread_access(web->store, thread_id, r->sess.kind, r->sess.id, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		free(err);
		return;
	}
	s = xcalloc(1, sizeof(*s));
	s->web = web;
	s->req = r->req;
	s->thread_id = thread_id;
	s->kind = r->sess.kind;
	s->reader_id = r->sess.id;
	if (signature(web, s, s->sig) < 0 || r->method == EVHTTP_REQ_HEAD) {
		free(s);
		if (r->method == EVHTTP_REQ_HEAD)
			web_send(r, 200, "text/event-stream", NULL, 0);
		else
			web_send_error(r, 503, NULL);
		return;
	}
	r->replied = 1;
	web_headers(r->req, 0);
	evhttp_add_header(h, "Content-Type", "text/event-stream");
	evhttp_add_header(h, "X-Accel-Buffering", "no");
	evhttp_send_reply_start(r->req, 200, "OK");
	send_text(s, "retry: 3000\n\n");
	s->conn = evhttp_request_get_connection(r->req);
	if (s->conn != NULL)
		evhttp_connection_set_closecb(s->conn, closed_cb, s);
	s->next = web->sse;
	web->sse = s;
}

void web_sse_tick(struct web *web)
{
	int ping = ++web->tick_count % SSE_PING_TICKS == 0;
	struct web_sse *s, *next;

	for (s = web->sse; s != NULL; s = next) {
		int64_t sig[7];

		next = s->next;
		if (signature(web, s, sig) < 0) {
			end_stream(web, s);
			continue;
		}
		if (memcmp(sig, s->sig, sizeof(sig)) != 0) {
			char text[64];

			memcpy(s->sig, sig, sizeof(sig));
			snprintf(text, sizeof(text), "event: change\ndata: %lld\n\n",
				 (long long)sig[0]);
			send_text(s, text);
		} else if (ping) {
			send_text(s, ": ping\n\n");
		}
	}
}

void web_sse_close_all(struct web *web)
{
	while (web->sse != NULL)
		end_stream(web, web->sse);
}

int web_sse_forget(struct web *web, struct evhttp_request *req)
{
	for (struct web_sse *s = web->sse; s != NULL; s = s->next) {
		if (s->req == req) {
			end_stream(web, s);
			return 1;
		}
	}
	return 0;
}
