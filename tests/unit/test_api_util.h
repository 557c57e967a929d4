/*
 * test_api_util.h - fixture of the JSON API tests: a temp directory with a
 * config, key file and real SQLite database holding a small firm, the API
 * listening on 127.0.0.1:0 in this process, and an HTTP client on the
 * same event loop (each request runs the loop until its answer is in).
 */
#ifndef GW_TEST_API_UTIL_H
#define GW_TEST_API_UTIL_H

#include <jansson.h>
#include <stdint.h>

#include "api.h"
#include "config.h"
#include "links.h"
#include "store.h"

#ifndef GATEWAYCTL_BIN
#error "GATEWAYCTL_BIN must name the built gatewayctl"
#endif

/* 2026-11-25T09:00:00Z: the clock is pinned there. */
#define T0 ((int64_t)1795597200)
#define BASE_URL "https://chat.firm.example"

struct tfx {
	char dir[256];
	char conf[300];
	struct gw_config *cfg;
	struct link_keys *keys;
	struct store *s;            /* the test's own connection */
	struct event_base *base;
	struct api *api;
	int port;
	int wakes;                  /* outbox_queued() calls */
	char key[64];               /* a valid API key ("portal") */
	int64_t key_id;
	/* the seeded firm */
	int64_t owner, member, acme, birch, anna, ben, clara, thread;
	int64_t task1, task2;
};

/* One HTTP exchange; strings malloc'd, json NULL unless the body parses. */
struct resp {
	int status;
	char *body;
	size_t body_len;            /* the body may hold NULs (a file) */
	json_t *json;
	char *allow;
	char *content_type;
	char *replayed;             /* Idempotent-Replayed */
	char *retry_after;
	char *www_authenticate;
	char *disposition;          /* Content-Disposition */
};

int tfx_setup(void **state);
int tfx_teardown(void **state);

/*
 * Send method path with body (NULL for none) and extra headers
 * ("Name: value" strings, NULL-terminated, may be NULL).  Unless a header
 * list names them, Authorization carries t->key and a body goes with
 * Content-Type: application/json.  "Authorization:" with no value sends
 * none.
 */
struct resp req(struct tfx *t, const char *method, const char *path, const char *body,
		const char *const *headers);
/* The same with a body of len bytes (it may hold NULs). */
struct resp req_len(struct tfx *t, const char *method, const char *path, const char *body,
		    size_t len, const char *const *headers);
void resp_free(struct resp *r);

/* Expect a status; return the JSON body (new reference; fails the test
 * when the body is not JSON unless status is 204). */
json_t *call(struct tfx *t, const char *method, const char *path, const char *body,
	     int status);
/* Expect an error reply: status, error.code, and error.field (NULL: no
 * field) and, when want_msg is non-NULL, that text in error.message. */
void call_error(struct tfx *t, const char *method, const char *path, const char *body,
		int status, const char *code, const char *field, const char *want_msg);
void expect_error(const char *what, const struct resp *r, int status, const char *code,
		  const char *field, const char *want_msg);

/* Object member helpers that fail the test when the member is missing. */
json_int_t jint(json_t *o, const char *key);
const char *jstr(json_t *o, const char *key);
int jbool(json_t *o, const char *key);
json_t *jget(json_t *o, const char *key);

/* printf into a static-free malloc'd string. */
char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

/* Run gatewayctl -c CONF args... (NULL-terminated); stdout malloc'd into
 * *out_r (may be NULL); returns the exit code. */
int run_ctl(struct tfx *t, char **out_r, const char *const *args);

#endif
