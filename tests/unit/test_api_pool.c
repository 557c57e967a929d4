/*
 * test_api_pool.c - the JSON API off the event loop: every request runs as
 * one job in a store pool (store/pool.h), so while another connection
 * holds SQLite's write lock a GET still answers and a POST waits for the
 * lock and then succeeds; a client that leaves while its job runs, and
 * api_close() with requests in flight, leave nothing behind.  Ordering
 * is asserted (what had happened when a reply came), never durations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "pool.h"
#include "test_api_util.h"

void test_api_pool_get_answers_while_the_write_lock_is_held(void **state);
void test_api_pool_client_leaving_mid_job(void **state);
void test_api_pool_close_with_requests_in_flight(void **state);

/* ---- another connection holding the write lock ---- */

enum { HOLD_STARTING, HOLD_LOCKED, HOLD_RELEASED, HOLD_FAILED };

struct holder {
	const char *path;
	/* With a pool: once armed, release when fewer than two writes are
	 * pending there (a close took one back).  Else on release. */
	struct store_pool *pool;
	atomic_int armed;
	atomic_int state;
	atomic_int release;
	pthread_t thread;
};

static void *hold_lock(void *arg)
{
	struct holder *h = arg;
	sqlite3 *db = NULL;

	if (sqlite3_open(h->path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN IMMEDIATE; UPDATE firm SET name = name;", NULL, NULL,
			 NULL) != SQLITE_OK) {
		sqlite3_close(db);
		atomic_store(&h->state, HOLD_FAILED);
		return NULL;
	}
	atomic_store(&h->state, HOLD_LOCKED);
	while (!atomic_load(&h->release)) {
		if (h->pool != NULL && atomic_load(&h->armed) &&
		    store_pool_pending(h->pool, STORE_LANE_WRITE) < 2)
			break;
		usleep(1000);
	}
	/* Before COMMIT: a writer that answers has seen this. */
	atomic_store(&h->state, HOLD_RELEASED);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return NULL;
}

static void holder_start(struct holder *h, const char *path, struct store_pool *pool)
{
	memset(h, 0, sizeof(*h));
	h->path = path;
	h->pool = pool;
	assert_int_equal(pthread_create(&h->thread, NULL, hold_lock, h), 0);
	while (atomic_load(&h->state) == HOLD_STARTING)
		usleep(1000);
	assert_int_equal(atomic_load(&h->state), HOLD_LOCKED);
}

/* ---- an API of the test's own, with a pool the test can look into ---- */

struct papi {
	struct cfg_store cs;
	struct store_pool *pool;
	struct api *api;
	int port;
};

static void papi_open(struct tfx *t, struct papi *p)
{
	struct store_pool_settings ps = { 0 };
	struct api_settings set;
	char *e = NULL;

	p->cs = t->cfg->store;
	p->cs.busy_timeout_ms = 60000;  /* writes wait for the holder */
	ps.store = &p->cs;
	ps.readers = 1;
	ps.mail_domain = t->cfg->mail.reply_domain;
	if (store_pool_open(&ps, &p->pool, &e) < 0)
		fail_msg("store_pool_open: %s", e);
	memset(&set, 0, sizeof(set));
	set.listen = "127.0.0.1:0";
	set.pool = p->pool;
	set.web = &t->cfg->web;
	set.links = &t->cfg->links;
	set.keys = t->keys;
	if (api_open(t->base, &set, &p->api, &e) < 0)
		fail_msg("api_open: %s", e);
	p->port = api_bound_port(p->api);
}

static void papi_close(struct papi *p)
{
	api_close(&p->api);
	store_pool_close(&p->pool);
}

/* ---- requests in parallel on the test's loop ---- */

struct acall {
	struct holder *h;
	struct evhttp_connection *conn;
	int done;
	int status;               /* -1: no response (connection gone) */
	int held_at_reply;        /* holder state when the reply came */
};

static void on_reply(struct evhttp_request *rq, void *arg)
{
	struct acall *c = arg;

	c->done = 1;
	c->held_at_reply = c->h != NULL ? atomic_load(&c->h->state) : -1;
	c->status = rq != NULL && evhttp_request_get_response_code(rq) > 0
			    ? evhttp_request_get_response_code(rq) : -1;
}

static void send_async(struct tfx *t, int port, enum evhttp_cmd_type method,
		       const char *path, const char *body, struct acall *c)
{
	struct evhttp_request *rq = evhttp_request_new(on_reply, c);
	struct evkeyvalq *out = evhttp_request_get_output_headers(rq);
	char *auth = fmt("Bearer %s", t->key);

	c->conn = evhttp_connection_base_new(t->base, NULL, "127.0.0.1", (ev_uint16_t)port);
	assert_non_null(c->conn);
	evhttp_add_header(out, "Host", "127.0.0.1");
	evhttp_add_header(out, "Authorization", auth);
	if (body != NULL) {
		evhttp_add_header(out, "Content-Type", "application/json");
		evbuffer_add(evhttp_request_get_output_buffer(rq), body, strlen(body));
	}
	assert_int_equal(evhttp_make_request(c->conn, rq, method, path), 0);
	free(auth);
}

static void loop_until_done(struct tfx *t, struct acall *c)
{
	while (!c->done)
		event_base_loop(t->base, EVLOOP_ONCE);
}

/* Run the loop until the API has handed n jobs to the writer lane. */
static void loop_until_pending(struct tfx *t, struct papi *p, unsigned n)
{
	while (store_pool_pending(p->pool, STORE_LANE_WRITE) < n)
		event_base_loop(t->base, EVLOOP_NONBLOCK);
}

static int64_t count_accounts(struct tfx *t, const char *name)
{
	json_t *j = call(t, "GET", "/api/v1/accounts", NULL, 200);
	json_t *list = jget(j, "accounts"), *a;
	size_t i;
	int64_t n = 0;

	json_array_foreach(list, i, a)
		if (strcmp(jstr(a, "name"), name) == 0)
			n++;
	json_decref(j);
	return n;
}

/* ---- the tests ---- */

void test_api_pool_get_answers_while_the_write_lock_is_held(void **state)
{
	struct tfx *t = *state;
	struct papi p;
	struct holder h;
	struct acall post = { 0 }, get = { 0 };
	const char *db = t->cfg->store.path;

	papi_open(t, &p);
	holder_start(&h, db, NULL);
	post.h = get.h = &h;
	send_async(t, p.port, EVHTTP_REQ_POST, "/api/v1/accounts", "{\"name\":\"Pool Ltd\"}",
		   &post);
	loop_until_pending(t, &p, 1);
	send_async(t, p.port, EVHTTP_REQ_GET, "/api/v1/accounts", NULL, &get);

	/* The read answers while the lock is held and the write waits. */
	loop_until_done(t, &get);
	assert_int_equal(get.status, 200);
	assert_int_equal(get.held_at_reply, HOLD_LOCKED);
	assert_false(post.done);

	/* Released: the write goes through, and only now. */
	atomic_store(&h.release, 1);
	loop_until_done(t, &post);
	assert_int_equal(post.status, 201);
	assert_int_equal(post.held_at_reply, HOLD_RELEASED);
	pthread_join(h.thread, NULL);
	assert_int_equal(count_accounts(t, "Pool Ltd"), 1);

	evhttp_connection_free(post.conn);
	evhttp_connection_free(get.conn);
	papi_close(&p);
}

/* The client hangs up while its write waits: the write is still made
 * once, its reply goes nowhere, and the API keeps serving. */
void test_api_pool_client_leaving_mid_job(void **state)
{
	struct tfx *t = *state;
	struct papi p;
	struct holder h;
	struct acall gone = { 0 }, after = { 0 };
	const char *db = t->cfg->store.path;

	papi_open(t, &p);
	holder_start(&h, db, NULL);
	send_async(t, p.port, EVHTTP_REQ_POST, "/api/v1/accounts", "{\"name\":\"Gone Ltd\"}",
		   &gone);
	loop_until_pending(t, &p, 1);
	evhttp_connection_free(gone.conn);  /* closes the socket */
	for (int i = 0; i < 20; i++)        /* let the server see it */
		event_base_loop(t->base, EVLOOP_NONBLOCK);
	atomic_store(&h.release, 1);
	pthread_join(h.thread, NULL);

	/* The next request is answered after the abandoned one's reply:
	 * the writer lane is in order, and so is its done queue. */
	send_async(t, p.port, EVHTTP_REQ_POST, "/api/v1/accounts", "{\"name\":\"After Ltd\"}",
		   &after);
	loop_until_done(t, &after);
	assert_int_equal(after.status, 201);
	assert_int_equal(count_accounts(t, "Gone Ltd"), 1);
	assert_int_equal(count_accounts(t, "After Ltd"), 1);
	evhttp_connection_free(after.conn);
	papi_close(&p);
}

/*
 * api_close() while one write waits for the lock and another is queued
 * behind it: the queued one is taken back (never runs), the waiting one is
 * waited for, and nothing of the API is left in the pool.
 */
void test_api_pool_close_with_requests_in_flight(void **state)
{
	struct tfx *t = *state;
	struct papi p;
	struct holder h;
	struct acall first = { 0 }, second = { 0 };
	const char *db = t->cfg->store.path;

	papi_open(t, &p);
	holder_start(&h, db, p.pool);
	send_async(t, p.port, EVHTTP_REQ_POST, "/api/v1/accounts", "{\"name\":\"First Ltd\"}",
		   &first);
	loop_until_pending(t, &p, 1);
	send_async(t, p.port, EVHTTP_REQ_POST, "/api/v1/accounts", "{\"name\":\"Second Ltd\"}",
		   &second);
	loop_until_pending(t, &p, 2);
	atomic_store(&h.armed, 1);

	api_close(&p.api);
	assert_null(p.api);
	assert_int_equal(store_pool_pending(p.pool, STORE_LANE_WRITE), 0);
	assert_int_equal(store_pool_pending(p.pool, STORE_LANE_READ), 0);
	pthread_join(h.thread, NULL);

	/* Each client gets a reply or sees its connection close. */
	loop_until_done(t, &first);
	loop_until_done(t, &second);
	assert_true(first.status == 201 || first.status == 503 || first.status == -1);
	assert_true(second.status == 503 || second.status == -1);
	assert_true(count_accounts(t, "First Ltd") <= 1);
	assert_int_equal(count_accounts(t, "Second Ltd"), 0);
	evhttp_connection_free(first.conn);
	evhttp_connection_free(second.conn);
	store_pool_close(&p.pool);
}
