/*
 * test_api.c - the JSON API driven over loopback HTTP, in-process, on a
 * real SQLite file.  This file: keys (missing, wrong, revoked; made and
 * revoked by gatewayctl, stored only as a hash), routing (404, 405 with
 * Allow), request bodies and parameters (400 naming the field, 413, 415),
 * Idempotency-Key replay and reuse, 503 on a busy database, the UNIX
 * socket listener.  test_api_pool.c: requests as jobs in the store pool
 * (reads during another writer's lock, clients that leave, close with
 * requests in flight).  test_api_people.c: the firm, account, contact,
 * staff and template endpoints.  test_api_threads.c: threads and
 * everything inside them, View-chat links, the outbox and inbound logs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "apikey.h"
#include "buf.h"
#include "clock.h"
#include "test_api_util.h"

void test_api_pool_get_answers_while_the_write_lock_is_held(void **state);
void test_api_pool_client_leaving_mid_job(void **state);
void test_api_pool_close_with_requests_in_flight(void **state);
void test_api_firm_get_and_patch(void **state);
void test_api_accounts(void **state);
void test_api_contacts(void **state);
void test_api_contact_away_until(void **state);
void test_api_contact_email_change_revokes_links(void **state);
void test_api_contact_remove_keeps_history_and_stops_mail(void **state);
void test_api_person_export_owner_gets_a_zip(void **state);
void test_api_person_erase_needs_owner_and_confirm(void **state);
void test_api_staff(void **state);
void test_api_templates(void **state);
void test_api_threads_create_one_bulk_and_contact(void **state);
void test_api_threads_list_filters_and_unread(void **state);
void test_api_threads_show_and_patch(void **state);
void test_api_messages_post_as_staff_and_contact(void **state);
void test_api_messages_internal_note(void **state);
void test_api_tasks_add_and_tick(void **state);
void test_api_read_archive_reopen_resend(void **state);
void test_api_reminders_set(void **state);
void test_api_links_minted_and_verified(void **state);
void test_api_outbox_and_inbound_logs(void **state);
void test_api_refs_add_find_show_remove(void **state);
void test_api_refs_bad_input_names_the_field(void **state);
void test_api_refs_with_a_new_chat(void **state);

/* ---- keys ---- */

static void test_api_auth_refuses_missing_bad_and_revoked_keys(void **state)
{
	struct tfx *t = *state;
	char *wrong = fmt("Authorization: Bearer %sx", t->key);
	char *lower = fmt("Authorization: bearer %s", t->key);
	const struct {
		const char *header;
		int status;
	} cases[] = {
		{ "Authorization:", 401 },                   /* none at all */
		{ "Authorization: Basic dXNlcjpwYXNz", 401 },
		{ "Authorization: Bearer ", 401 },
		{ wrong, 401 },
		{ lower, 200 },                              /* the scheme is case-insensitive */
	};
	char *error = NULL;

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		const char *h[] = { cases[i].header, NULL };
		struct resp r = req(t, "GET", "/api/v1/accounts", NULL, h);

		if (r.status != cases[i].status)
			fail_msg("case %zu (%s): status %d, want %d: %s", i, cases[i].header,
				 r.status, cases[i].status, r.body);
		if (r.status == 401) {
			char *what = fmt("case %zu", i);

			expect_error(what, &r, 401, "unauthorized", NULL, NULL);
			assert_non_null(r.www_authenticate);
			assert_non_null(strstr(r.www_authenticate, "Bearer"));
			free(what);
		}
		resp_free(&r);
	}
	/* Authentication comes first: an unknown path tells nothing without a key. */
	{
		const char *h[] = { "Authorization:", NULL };
		struct resp r = req(t, "GET", "/api/v1/nowhere", NULL, h);

		expect_error("unknown path without key", &r, 401, "unauthorized", NULL, NULL);
		resp_free(&r);
	}
	/* Revoked: refused from the next request on. */
	json_decref(call(t, "GET", "/api/v1/firm", NULL, 200));
	assert_int_equal(store_apikey_revoke(t->s, t->key_id, &error), GW_OK);
	call_error(t, "GET", "/api/v1/firm", NULL, 401, "unauthorized", NULL, "revoked");
	free(wrong);
	free(lower);
}

/* Does the file hold these bytes anywhere? */
static int file_contains(const char *path, const char *needle)
{
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n, len = strlen(needle);
	FILE *f = fopen(path, "rb");
	int found = 0;

	if (f == NULL)
		return 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	for (size_t i = 0; i + len <= b.len && !found; i++)
		found = memcmp(b.data + i, needle, len) == 0;
	buf_release(&b);
	return found;
}

static void test_api_apikey_from_gatewayctl_hashed_and_revoked(void **state)
{
	struct tfx *t = *state;
	struct store_apikey_list list = { 0 };
	char *out = NULL, *auth, hash[65], *error = NULL, *id_s, *db, *wal;
	const char *h[2] = { NULL, NULL };
	int64_t id = 0;
	struct resp r;

	assert_int_equal(run_ctl(t, &out, (const char *const[]){ "apikey", "add", "crm", NULL }),
			 0);
	/* One line: the key, in the documented format. */
	assert_int_equal(strlen(out), APIKEY_LEN + 1);
	assert_int_equal(out[APIKEY_LEN], '\n');
	out[APIKEY_LEN] = '\0';
	assert_memory_equal(out, APIKEY_PREFIX, strlen(APIKEY_PREFIX));

	/* The database keeps the SHA-256, never the key. */
	apikey_hash(out, strlen(out), hash);
	assert_int_equal(store_apikey_list(t->s, &list, &error), GW_OK);
	for (size_t i = 0; i < list.count; i++)
		if (strcmp(list.items[i].name, "crm") == 0) {
			assert_string_equal(list.items[i].key_sha256, hash);
			id = list.items[i].id;
		}
	store_apikey_list_free(&list);
	assert_true(id > 0);
	db = fmt("%s/gw.db", t->dir);
	wal = fmt("%s/gw.db-wal", t->dir);
	assert_true(file_contains(db, hash) || file_contains(wal, hash));
	assert_false(file_contains(db, out + strlen(APIKEY_PREFIX)));
	assert_false(file_contains(wal, out + strlen(APIKEY_PREFIX)));

	auth = fmt("Authorization: Bearer %s", out);
	h[0] = auth;
	r = req(t, "GET", "/api/v1/accounts", NULL, h);
	assert_int_equal(r.status, 200);
	resp_free(&r);

	id_s = fmt("%lld", (long long)id);
	assert_int_equal(run_ctl(t, NULL, (const char *const[]){ "apikey", "revoke", id_s, NULL }),
			 0);
	r = req(t, "GET", "/api/v1/accounts", NULL, h);
	expect_error("revoked by gatewayctl", &r, 401, "unauthorized", NULL, NULL);
	resp_free(&r);
	/* The fixture's own key is untouched. */
	json_decref(call(t, "GET", "/api/v1/accounts", NULL, 200));
	free(out);
	free(auth);
	free(id_s);
	free(db);
	free(wal);
}

/* ---- routing ---- */

static void test_api_routing_404_and_405_with_allow(void **state)
{
	struct tfx *t = *state;
	static const struct {
		const char *method, *path;
		int status;
		const char *allow;
	} cases[] = {
		{ "GET", "/api/v1/nowhere", 404, NULL },
		{ "GET", "/elsewhere", 404, NULL },
		{ "GET", "/api/v2/accounts", 404, NULL },
		{ "GET", "/api/v1/threads/abc", 404, NULL },
		{ "GET", "/api/v1/threads/0", 404, NULL },
		{ "GET", "/api/v1/threads/1/nothing", 404, NULL },
		{ "DELETE", "/api/v1/accounts", 405, "GET, POST" },
		{ "POST", "/api/v1/accounts/1", 405, "GET" },
		{ "GET", "/api/v1/threads/1/messages", 405, "POST" },
		{ "PUT", "/api/v1/contacts/1", 405, "GET, PATCH" },
		{ "POST", "/api/v1/templates/x", 405, "GET, PUT, DELETE" },
		{ "OPTIONS", "/api/v1/outbox", 405, "GET" },
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct resp r = req(t, cases[i].method, cases[i].path, NULL, NULL);
		char *what = fmt("case %zu (%s %s)", i, cases[i].method, cases[i].path);

		expect_error(what, &r, cases[i].status,
			     cases[i].status == 404 ? "not_found" : "method_not_allowed", NULL,
			     NULL);
		if (cases[i].allow != NULL &&
		    (r.allow == NULL || strcmp(r.allow, cases[i].allow) != 0))
			fail_msg("%s: Allow \"%s\", want \"%s\"", what,
				 r.allow != NULL ? r.allow : "(none)", cases[i].allow);
		free(what);
		resp_free(&r);
	}
}

/* ---- bodies and parameters ---- */

static void test_api_bad_requests_name_the_field(void **state)
{
	struct tfx *t = *state;
	static const struct {
		const char *method, *path, *body;
		int status;
		const char *code, *field;
	} cases[] = {
		{ "POST", "/api/v1/accounts", "{\"name\": ", 400, "bad_json", NULL },
		{ "POST", "/api/v1/accounts", "[\"x\"]", 400, "bad_json", NULL },
		{ "POST", "/api/v1/accounts", "{\"name\":\"a\",\"name\":\"b\"}", 400, "bad_json",
		  NULL },
		{ "POST", "/api/v1/accounts", "{}", 400, "missing_field", "name" },
		{ "POST", "/api/v1/accounts", "{\"name\": null}", 400, "missing_field", "name" },
		{ "POST", "/api/v1/accounts", "{\"name\": 7}", 400, "invalid_field", "name" },
		{ "POST", "/api/v1/accounts", "{\"name\": \"x\", \"nmae\": 1}", 400,
		  "unknown_field", "nmae" },
		{ "POST", "/api/v1/contacts", "{\"account_id\": \"1\", \"name\": \"n\", "
		  "\"email\": \"n@x.example\"}", 400, "invalid_field", "account_id" },
		{ "POST", "/api/v1/contacts", "{\"account_id\": -4, \"name\": \"n\", "
		  "\"email\": \"n@x.example\"}", 400, "invalid_field", "account_id" },
		{ "POST", "/api/v1/contacts", "{\"account_id\": 1, \"name\": \"n\", "
		  "\"email\": \"n@x.example\", \"notify\": \"yes\"}", 400, "invalid_field",
		  "notify" },
		{ "POST", "/api/v1/threads", "{\"account_id\": 1, \"subject\": \"s\", "
		  "\"body\": \"b\"}", 400, "missing_field", "from_staff" },
		{ "POST", "/api/v1/threads", "{\"from_staff\": 1, \"account_id\": 1, "
		  "\"subject\": \"s\", \"body\": \"b\", \"reminders\": {\"enabled\": true, "
		  "\"days\": \"3\"}}", 400, "invalid_field", "reminders.days" },
		{ "POST", "/api/v1/threads", "{\"from_staff\": 1, \"account_id\": 1, "
		  "\"subject\": \"s\", \"body\": \"b\", \"reminders\": {\"on\": true}}", 400,
		  "unknown_field", "reminders.on" },
		{ "POST", "/api/v1/staff", "{\"name\": \"N\", \"email\": \"n@firm.example\", "
		  "\"role\": \"king\"}", 400, "invalid_field", "role" },
		{ "GET", "/api/v1/threads?colour=red", NULL, 400, "unknown_parameter", "colour" },
		{ "GET", "/api/v1/threads?limit=0", NULL, 400, "invalid_parameter", "limit" },
		{ "GET", "/api/v1/threads?limit=ten", NULL, 400, "invalid_parameter", "limit" },
		{ "GET", "/api/v1/threads?reader=boss:1", NULL, 400, "invalid_parameter",
		  "reader" },
		{ "GET", "/api/v1/threads?archived=maybe", NULL, 400, "invalid_parameter",
		  "archived" },
		{ "GET", "/api/v1/outbox?status=lost", NULL, 400, "invalid_parameter", "status" },
		{ "GET", "/api/v1/contacts?account=x", NULL, 400, "invalid_parameter", "account" },
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct resp r = req(t, cases[i].method, cases[i].path, cases[i].body, NULL);
		char *what = fmt("case %zu (%s %s)", i, cases[i].method, cases[i].path);

		expect_error(what, &r, cases[i].status, cases[i].code, cases[i].field, NULL);
		free(what);
		resp_free(&r);
	}
	/* Nothing was created by any of them. */
	json_t *j = call(t, "GET", "/api/v1/accounts", NULL, 200);
	assert_int_equal(json_array_size(jget(j, "accounts")), 2);
	json_decref(j);
}

static void test_api_body_size_and_media_type(void **state)
{
	struct tfx *t = *state;
	const char *text_plain[] = { "Content-Type: text/plain", NULL };
	const char *no_type[] = { "Content-Type:", NULL };
	const char *charset[] = { "Content-Type: application/json; charset=utf-8", NULL };
	size_t n = API_MAX_BODY_DEFAULT + 1;
	char *big = xmalloc(n + 1);
	struct resp r;

	r = req(t, "POST", "/api/v1/accounts", "{\"name\": \"Cedar\"}", text_plain);
	expect_error("text/plain", &r, 415, "unsupported_media_type", NULL, "text/plain");
	resp_free(&r);
	r = req(t, "POST", "/api/v1/accounts", "{\"name\": \"Cedar\"}", no_type);
	expect_error("no Content-Type", &r, 415, "unsupported_media_type", NULL, NULL);
	resp_free(&r);
	r = req(t, "POST", "/api/v1/accounts", "{\"name\": \"Cedar\"}", charset);
	assert_int_equal(r.status, 201);
	resp_free(&r);

	/* One byte over the limit: a JSON 413 naming the limit. */
	memset(big, ' ', n);
	memcpy(big, "{\"name\": \"x\"}", 13);
	big[n] = '\0';
	r = req(t, "POST", "/api/v1/accounts", big, NULL);
	expect_error("1 MiB + 1", &r, 413, "payload_too_large", NULL, "1048576");
	resp_free(&r);
	free(big);
	/* Announced far over (beyond what even a post with files may bring,
	 * [web] max_post): evhttp refuses it from the Content-Length alone. */
	{
		const char *h[] = { "Content-Length: 536870912", NULL };

		r = req(t, "POST", "/api/v1/accounts", "{}", h);
		assert_int_equal(r.status, 413);
		resp_free(&r);
	}
	/* An empty body is an empty object: the missing field is named. */
	call_error(t, "POST", "/api/v1/accounts", NULL, 400, "missing_field", "name", NULL);
}

/* ---- idempotency ---- */

static void test_api_idempotency_replays_and_refuses_reuse(void **state)
{
	struct tfx *t = *state;
	const char *key1[] = { "Idempotency-Key: order-7", NULL };
	const char *bad[] = { "Idempotency-Key: bad\001key", NULL };
	char *other_key = NULL, *other_auth, hash[65], *error = NULL, *long_key;
	struct resp a, b, c;
	json_t *j;

	a = req(t, "POST", "/api/v1/accounts", "{\"name\": \"Cedar Ltd\"}", key1);
	assert_int_equal(a.status, 201);
	assert_null(a.replayed);
	b = req(t, "POST", "/api/v1/accounts", "{\"name\": \"Cedar Ltd\"}", key1);
	assert_int_equal(b.status, 201);
	assert_non_null(b.replayed);
	assert_string_equal(b.replayed, "true");
	assert_string_equal(a.body, b.body);
	resp_free(&b);
	/* Without the key the same request is a second create: 409. */
	call_error(t, "POST", "/api/v1/accounts", "{\"name\": \"Cedar Ltd\"}", 409, "conflict",
		   "name", "already exists");
	/* The same key for something else. */
	b = req(t, "POST", "/api/v1/accounts", "{\"name\": \"Dune Ltd\"}", key1);
	expect_error("reused key", &b, 422, "idempotency_key_reused", "Idempotency-Key", NULL);
	resp_free(&b);
	b = req(t, "POST", "/api/v1/accounts?x=1", "{\"name\": \"Cedar Ltd\"}", key1);
	expect_error("reused key, other URI", &b, 422, "idempotency_key_reused",
		     "Idempotency-Key", NULL);
	resp_free(&b);
	j = call(t, "GET", "/api/v1/accounts", NULL, 200);
	assert_int_equal(json_array_size(jget(j, "accounts")), 3);
	json_decref(j);

	/* Keys are per API key: another integrator's "order-7" is its own. */
	other_key = xmalloc(APIKEY_MAX);
	assert_int_equal(apikey_generate(other_key), 0);
	apikey_hash(other_key, strlen(other_key), hash);
	assert_int_equal(store_apikey_add(t->s, "other", hash, NULL, &error), GW_OK);
	other_auth = fmt("Authorization: Bearer %s", other_key);
	{
		const char *h[] = { other_auth, "Idempotency-Key: order-7", NULL };

		c = req(t, "POST", "/api/v1/accounts", "{\"name\": \"Elm Ltd\"}", h);
		assert_int_equal(c.status, 201);
		assert_null(c.replayed);
		resp_free(&c);
	}
	/* A failed request is not kept: after fixing it the key works. */
	{
		const char *h[] = { "Idempotency-Key: retry-1", NULL };

		c = req(t, "POST", "/api/v1/accounts", "{\"name\": \"\"}", h);
		assert_int_equal(c.status, 422);
		resp_free(&c);
		c = req(t, "POST", "/api/v1/accounts", "{\"name\": \"\"}", h);
		assert_int_equal(c.status, 422);
		assert_null(c.replayed);
		resp_free(&c);
	}
	/* Malformed keys. */
	c = req(t, "POST", "/api/v1/accounts", "{\"name\": \"Fir\"}", bad);
	expect_error("control character", &c, 400, "invalid_header", "Idempotency-Key", NULL);
	resp_free(&c);
	long_key = xmalloc(300);
	memcpy(long_key, "Idempotency-Key: ", 17);
	memset(long_key + 17, 'k', 256);
	long_key[17 + 256] = '\0';
	{
		const char *h[] = { long_key, NULL };

		c = req(t, "POST", "/api/v1/accounts", "{\"name\": \"Fir\"}", h);
		expect_error("256 characters", &c, 400, "invalid_header", "Idempotency-Key", NULL);
		resp_free(&c);
	}
	/* A day later the key is forgotten and may be used again. */
	clock_set(T0 + 86400 + 1);
	{
		const char *h[] = { "Idempotency-Key: order-7", NULL };

		c = req(t, "POST", "/api/v1/accounts", "{\"name\": \"Gum Ltd\"}", h);
		assert_int_equal(c.status, 201);
		assert_null(c.replayed);
		resp_free(&c);
	}
	clock_set(T0);
	resp_free(&a);
	free(other_key);
	free(other_auth);
	free(long_key);
}

/* ---- a busy database ---- */

static void test_api_busy_database_is_503_with_retry_after(void **state)
{
	struct tfx *t = *state;
	sqlite3 *db = NULL;
	struct resp r;
	json_t *j;

	/* Another process holds the write lock longer than busy_timeout_ms. */
	assert_int_equal(sqlite3_open(t->cfg->store.path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	r = req(t, "POST", "/api/v1/accounts", "{\"name\": \"Busy Ltd\"}", NULL);
	expect_error("locked", &r, 503, "unavailable", NULL, NULL);
	assert_non_null(r.retry_after);
	assert_string_equal(r.retry_after, "1");
	resp_free(&r);
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	/* The retry goes through. */
	j = call(t, "POST", "/api/v1/accounts", "{\"name\": \"Busy Ltd\"}", 201);
	json_decref(j);
}

/* ---- the UNIX socket listener ---- */

/* One HTTP/1.0 exchange over a UNIX socket, running the loop meanwhile. */
static char *unix_get(struct tfx *t, const char *path, const char *target)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *request = fmt("GET %s HTTP/1.0\r\nAuthorization: Bearer %s\r\n\r\n", target,
			    t->key);
	struct buf b = BUF_INIT;
	char chunk[4096];
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, request, strlen(request)), (ssize_t)strlen(request));
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	for (;;) {
		ssize_t n;

		event_base_loop(t->base, EVLOOP_NONBLOCK);
		n = read(fd, chunk, sizeof(chunk));
		if (n > 0)
			buf_append(&b, chunk, (size_t)n);
		else if (n == 0)
			break;
		else if (errno != EAGAIN && errno != EWOULDBLOCK)
			fail_msg("read: %s", strerror(errno));
		else
			usleep(1000);
	}
	close(fd);
	free(request);
	return buf_detach(&b);
}

static void test_api_unix_socket_replaces_stale_socket_only(void **state)
{
	struct tfx *t = *state;
	char *sock = fmt("%s/api.sock", t->dir), *listen = fmt("unix:%s", sock);
	char *plain = fmt("%s/plain", t->dir), *listen_plain = fmt("unix:%s", plain);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct api_settings set = { 0 };
	struct api *api = NULL;
	char *error = NULL, *out;
	struct stat st;
	int fd;

	/* A socket file left behind by a crashed run. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(lstat(sock, &st), 0);

	set.listen = listen;
	set.store = &t->cfg->store;
	set.web = &t->cfg->web;
	set.links = &t->cfg->links;
	set.keys = t->keys;
	if (api_open(t->base, &set, &api, &error) < 0)
		fail_msg("api_open unix: %s", error);
	assert_int_equal(api_bound_port(api), 0);
	out = unix_get(t, sock, "/api/v1/firm");
	assert_non_null(strstr(out, " 200 "));
	assert_non_null(strstr(out, "Example & Partners"));
	free(out);
	api_close(&api);
	assert_int_equal(lstat(sock, &st), -1);

	/* Anything else at the path is left alone, and api_open says why. */
	FILE *f = fopen(plain, "w");
	assert_non_null(f);
	fclose(f);
	set.listen = listen_plain;
	assert_int_equal(api_open(t->base, &set, &api, &error), -1);
	assert_null(api);
	assert_non_null(strstr(error, plain));
	free(error);
	assert_int_equal(lstat(plain, &st), 0);
	assert_true(S_ISREG(st.st_mode));

	/* Bad listen strings are refused with the string quoted. */
	set.listen = "localhost";
	assert_int_equal(api_open(t->base, &set, &api, &error), -1);
	assert_non_null(strstr(error, "localhost"));
	free(error);
	set.listen = "127.0.0.1:99999";
	assert_int_equal(api_open(t->base, &set, &api, &error), -1);
	assert_non_null(strstr(error, "bad port"));
	free(error);
	api_close(&api);  /* NULL is fine */

	free(sock);
	free(listen);
	free(plain);
	free(listen_plain);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, tfx_setup, tfx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_api_auth_refuses_missing_bad_and_revoked_keys),
		T(test_api_apikey_from_gatewayctl_hashed_and_revoked),
		T(test_api_routing_404_and_405_with_allow),
		T(test_api_bad_requests_name_the_field),
		T(test_api_body_size_and_media_type),
		T(test_api_idempotency_replays_and_refuses_reuse),
		T(test_api_busy_database_is_503_with_retry_after),
		T(test_api_unix_socket_replaces_stale_socket_only),
		T(test_api_pool_get_answers_while_the_write_lock_is_held),
		T(test_api_pool_client_leaving_mid_job),
		T(test_api_pool_close_with_requests_in_flight),
		T(test_api_firm_get_and_patch),
		T(test_api_accounts),
		T(test_api_contacts),
		T(test_api_contact_away_until),
		T(test_api_contact_email_change_revokes_links),
		T(test_api_contact_remove_keeps_history_and_stops_mail),
		T(test_api_person_export_owner_gets_a_zip),
		T(test_api_person_erase_needs_owner_and_confirm),
		T(test_api_staff),
		T(test_api_templates),
		T(test_api_threads_create_one_bulk_and_contact),
		T(test_api_threads_list_filters_and_unread),
		T(test_api_threads_show_and_patch),
		T(test_api_messages_post_as_staff_and_contact),
		T(test_api_messages_internal_note),
		T(test_api_tasks_add_and_tick),
		T(test_api_read_archive_reopen_resend),
		T(test_api_reminders_set),
		T(test_api_links_minted_and_verified),
		T(test_api_outbox_and_inbound_logs),
		T(test_api_refs_add_find_show_remove),
		T(test_api_refs_bad_input_names_the_field),
		T(test_api_refs_with_a_new_chat),
	};
#undef T
	/* A client writing to a connection the server closed (413). */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
