/*
 * test_api_util.c - the JSON API tests' fixture, HTTP client and
 * gatewayctl runner (see test_api_util.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "apikey.h"
#include "buf.h"
#include "clock.h"
#include "test_api_util.h"

static const char CONF_TEXT[] =
	"[store]\n"
	"path = gw.db\n"
	"attachments_dir = attachments\n"
	"synchronous = normal\n"
	"busy_timeout_ms = 200\n"
	"[mail]\n"
	"transport = maildir:Maildir\n"
	"from = chat@firm.example\n"
	"from_name = Example & Partners\n"
	"reply_domain = reply.firm.example\n"
	"batch_window = 0\n"
	"[links]\n"
	"key_file = keys\n"
	"view_ttl = 7d\n"
	"[web]\n"
	"base_url = " BASE_URL "\n"
	"[reminders]\n"
	"default_days = 4\n"
	"default_count = 1\n";

char *fmt(const char *f, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, f);
	buf_vprintf(&b, f, ap);
	va_end(ap);
	return buf_detach(&b);
}

static void on_queued(void *ctx)
{
	struct tfx *t = ctx;

	t->wakes++;
}

static void seed(struct tfx *t)
{
	struct store_firm_in firm = { .name = "Example & Partners", .allow_client_chats = 1 };
	static const char *const tasks[] = { "Upload the bank statements",
					     "Confirm the stock count" };
	struct store_chat_new chat = { 0 };
	struct store_thread_view v = { 0 };
	char hash[65], *e = NULL;

	if (store_firm_set(t->s, &firm, &e) != GW_OK ||
	    store_staff_add(t->s, "Olivia Owner", "olivia@firm.example", STORE_ROLE_OWNER,
			    &t->owner, &e) != GW_OK ||
	    store_staff_add(t->s, "Max Member", "max@firm.example", STORE_ROLE_MEMBER,
			    &t->member, &e) != GW_OK ||
	    store_account_add(t->s, "Acme Bakery Ltd", &t->acme, &e) != GW_OK ||
	    store_account_add(t->s, "Birch & Sons", &t->birch, &e) != GW_OK ||
	    store_staff_assign(t->s, t->member, t->acme, 1, &e) != GW_OK ||
	    store_contact_add(t->s, t->acme, "Anna Baker", "anna@acme.example", &t->anna, &e) !=
		    GW_OK ||
	    store_contact_add(t->s, t->acme, "Ben Baker", "ben@acme.example", &t->ben, &e) !=
		    GW_OK ||
	    store_contact_set_notify(t->s, t->ben, 0, &e) != GW_OK ||
	    store_contact_add(t->s, t->birch, "Clara Birch", "clara@birch.example", &t->clara,
			      &e) != GW_OK)
		fail_msg("seed: %s", e);
	chat.account_ids = &t->acme;
	chat.n_accounts = 1;
	chat.staff_id = t->member;
	chat.subject = "Year-end accounts 2026";
	chat.body = "Hello Anna, please send the **bank statements**.";
	chat.tasks = tasks;
	chat.n_tasks = 2;
	chat.reminders = 1;
	chat.reminder_days = 3;
	chat.reminder_count = 2;
	if (store_chat_create(t->s, &chat, &t->thread, &e) != GW_OK ||
	    store_thread_show(t->s, t->thread, 0, 0, 1, &v, &e) != GW_OK)
		fail_msg("seed thread: %s", e);
	t->task1 = v.tasks[0].id;
	t->task2 = v.tasks[1].id;
	store_thread_view_clear(&v);

	assert_int_equal(apikey_generate(t->key), 0);
	apikey_hash(t->key, strlen(t->key), hash);
	if (store_apikey_add(t->s, "portal", hash, &t->key_id, &e) != GW_OK)
		fail_msg("seed api key: %s", e);
}

int tfx_setup(void **state)
{
	struct tfx *t = xcalloc(1, sizeof(*t));
	struct api_settings set;
	char *e = NULL, *path;
	FILE *f;

	clock_set(T0);
	snprintf(t->dir, sizeof(t->dir), "/tmp/test_api.XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	snprintf(t->conf, sizeof(t->conf), "%s/gatewayd.conf", t->dir);
	f = fopen(t->conf, "w");
	assert_non_null(f);
	fputs(CONF_TEXT, f);
	assert_int_equal(fclose(f), 0);
	if (cfg_load(t->conf, &t->cfg, &e) < 0)
		fail_msg("config: %s", e);
	path = fmt("%s/attachments", t->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	free(path);
	if (link_keys_create(t->cfg->links.key_file, &e) < 0 ||
	    link_keys_load(t->cfg->links.key_file, &t->keys, &e) < 0)
		fail_msg("keys: %s", e);
	if (store_open(&t->cfg->store, &t->s, &e) < 0)
		fail_msg("store: %s", e);
	seed(t);

	t->base = event_base_new();
	assert_non_null(t->base);
	memset(&set, 0, sizeof(set));
	set.listen = "127.0.0.1:0";
	set.store = &t->cfg->store;
	set.web = &t->cfg->web;
	set.links = &t->cfg->links;
	set.reminders = &t->cfg->reminders;
	set.mail_domain = t->cfg->mail.reply_domain;
	set.keys = t->keys;
	set.outbox_queued = on_queued;
	set.ctx = t;
	if (api_open(t->base, &set, &t->api, &e) < 0)
		fail_msg("api_open: %s", e);
	t->port = api_bound_port(t->api);
	assert_true(t->port > 0);
	*state = t;
	return 0;
}

int tfx_teardown(void **state)
{
	struct tfx *t = *state;
	char *cmd;

	api_close(&t->api);
	assert_null(t->api);
	event_base_free(t->base);
	store_close(&t->s);
	link_keys_free(&t->keys);
	cfg_free(&t->cfg);
	cmd = fmt("rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", t->dir);
	free(cmd);
	free(t);
	clock_set(0);
	return 0;
}

/* ---- the client ---- */

struct pending {
	struct event_base *base;
	struct resp *r;
	int done;
};

static char *header_copy(struct evkeyvalq *h, const char *name)
{
	const char *v = evhttp_find_header(h, name);

	return v != NULL ? xstrdup(v) : NULL;
}

static void on_response(struct evhttp_request *rq, void *arg)
{
	struct pending *p = arg;
	struct resp *r = p->r;

	p->done = 1;
	event_base_loopbreak(p->base);
	if (rq == NULL || evhttp_request_get_response_code(rq) == 0) {
		r->status = -1;
		r->body = xstrdup("");
		return;
	}
	struct evbuffer *in = evhttp_request_get_input_buffer(rq);
	struct evkeyvalq *h = evhttp_request_get_input_headers(rq);
	size_t n = evbuffer_get_length(in);

	r->status = evhttp_request_get_response_code(rq);
	r->body = xmalloc(n + 1);
	evbuffer_remove(in, r->body, n);
	r->body[n] = '\0';
	r->body_len = n;
	r->allow = header_copy(h, "Allow");
	r->content_type = header_copy(h, "Content-Type");
	r->replayed = header_copy(h, "Idempotent-Replayed");
	r->retry_after = header_copy(h, "Retry-After");
	r->www_authenticate = header_copy(h, "WWW-Authenticate");
	r->disposition = header_copy(h, "Content-Disposition");
}

static enum evhttp_cmd_type method_of(const char *m)
{
	static const struct {
		const char *name;
		enum evhttp_cmd_type type;
	} map[] = {
		{ "GET", EVHTTP_REQ_GET },       { "POST", EVHTTP_REQ_POST },
		{ "PUT", EVHTTP_REQ_PUT },       { "PATCH", EVHTTP_REQ_PATCH },
		{ "DELETE", EVHTTP_REQ_DELETE }, { "HEAD", EVHTTP_REQ_HEAD },
		{ "OPTIONS", EVHTTP_REQ_OPTIONS },
	};

	for (size_t i = 0; i < GW_ARRAY_SIZE(map); i++)
		if (strcmp(map[i].name, m) == 0)
			return map[i].type;
	fail_msg("unknown method %s", m);
	return EVHTTP_REQ_GET;
}

static int named(const char *const *headers, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
		if (strncasecmp(headers[i], name, n) == 0 && headers[i][n] == ':')
			return 1;
	return 0;
}

struct resp req(struct tfx *t, const char *method, const char *path, const char *body,
		const char *const *headers)
{
	return req_len(t, method, path, body, body != NULL ? strlen(body) : 0, headers);
}

struct resp req_len(struct tfx *t, const char *method, const char *path, const char *body,
		    size_t len, const char *const *headers)
{
	struct resp r = { 0 };
	struct pending p = { t->base, &r, 0 };
	struct evhttp_connection *conn;
	struct evhttp_request *rq;
	struct evkeyvalq *out;
	char *auth = fmt("Bearer %s", t->key), lenbuf[32];

	conn = evhttp_connection_base_new(t->base, NULL, "127.0.0.1", (ev_uint16_t)t->port);
	assert_non_null(conn);
	evhttp_connection_set_timeout(conn, 60);
	rq = evhttp_request_new(on_response, &p);
	out = evhttp_request_get_output_headers(rq);
	evhttp_add_header(out, "Host", "127.0.0.1");
	if (!named(headers, "Authorization"))
		evhttp_add_header(out, "Authorization", auth);
	if (body != NULL && !named(headers, "Content-Type"))
		evhttp_add_header(out, "Content-Type", "application/json");
	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
		const char *colon = strchr(headers[i], ':');
		char *name = xstrndup(headers[i], (size_t)(colon - headers[i]));
		const char *value = colon + 1;

		while (*value == ' ')
			value++;
		if (*value != '\0')
			evhttp_add_header(out, name, value);
		free(name);
	}
	if (body != NULL) {
		snprintf(lenbuf, sizeof(lenbuf), "%zu", len);
		if (!named(headers, "Content-Length"))
			evhttp_add_header(out, "Content-Length", lenbuf);
		evbuffer_add(evhttp_request_get_output_buffer(rq), body, len);
	}
	assert_int_equal(evhttp_make_request(conn, rq, method_of(method), path), 0);
	while (!p.done)
		event_base_dispatch(t->base);
	evhttp_connection_free(conn);
	free(auth);
	if (r.body != NULL && *r.body != '\0')
		r.json = json_loads(r.body, 0, NULL);
	return r;
}

void resp_free(struct resp *r)
{
	free(r->body);
	json_decref(r->json);
	free(r->allow);
	free(r->content_type);
	free(r->replayed);
	free(r->retry_after);
	free(r->www_authenticate);
	free(r->disposition);
	memset(r, 0, sizeof(*r));
}

json_t *call(struct tfx *t, const char *method, const char *path, const char *body,
	     int status)
{
	struct resp r = req(t, method, path, body, NULL);
	json_t *j;

	if (r.status != status)
		fail_msg("%s %s: status %d, want %d: %s", method, path, r.status, status, r.body);
	if (status == 204) {
		if (*r.body != '\0')
			fail_msg("%s %s: 204 with a body: %s", method, path, r.body);
		resp_free(&r);
		return NULL;
	}
	if (r.json == NULL)
		fail_msg("%s %s: body is not JSON: %s", method, path, r.body);
	if (r.content_type == NULL || strcmp(r.content_type, "application/json") != 0)
		fail_msg("%s %s: Content-Type %s", method, path,
			 r.content_type != NULL ? r.content_type : "(none)");
	j = json_incref(r.json);
	resp_free(&r);
	return j;
}

void expect_error(const char *what, const struct resp *r, int status, const char *code,
		  const char *field, const char *want_msg)
{
	json_t *e = r->json != NULL ? json_object_get(r->json, "error") : NULL;
	const char *got_field, *msg;

	if (r->status != status)
		fail_msg("%s: status %d, want %d: %s", what, r->status, status, r->body);
	if (!json_is_object(e))
		fail_msg("%s: no error object: %s", what, r->body);
	if (!json_is_string(json_object_get(e, "code")) ||
	    strcmp(json_string_value(json_object_get(e, "code")), code) != 0)
		fail_msg("%s: code, want %s: %s", what, code, r->body);
	msg = json_string_value(json_object_get(e, "message"));
	if (msg == NULL || *msg == '\0')
		fail_msg("%s: no message: %s", what, r->body);
	if (want_msg != NULL && strstr(msg, want_msg) == NULL)
		fail_msg("%s: message lacks \"%s\": %s", what, want_msg, r->body);
	got_field = json_string_value(json_object_get(e, "field"));
	if (field == NULL && json_object_get(e, "field") != NULL)
		fail_msg("%s: unexpected field: %s", what, r->body);
	if (field != NULL && (got_field == NULL || strcmp(got_field, field) != 0))
		fail_msg("%s: field, want %s: %s", what, field, r->body);
}

void call_error(struct tfx *t, const char *method, const char *path, const char *body,
		int status, const char *code, const char *field, const char *want_msg)
{
	struct resp r = req(t, method, path, body, NULL);
	char *what = fmt("%s %s %s", method, path, body != NULL ? body : "");

	expect_error(what, &r, status, code, field, want_msg);
	free(what);
	resp_free(&r);
}

json_t *jget(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL) {
		char *s = json_dumps(o, JSON_COMPACT);
		fail_msg("no member \"%s\" in %s", key, s != NULL ? s : "(not an object)");
	}
	return v;
}

json_int_t jint(json_t *o, const char *key)
{
	json_t *v = jget(o, key);

	if (!json_is_integer(v))
		fail_msg("member \"%s\" is not an integer", key);
	return json_integer_value(v);
}

const char *jstr(json_t *o, const char *key)
{
	json_t *v = jget(o, key);

	if (!json_is_string(v))
		fail_msg("member \"%s\" is not a string", key);
	return json_string_value(v);
}

int jbool(json_t *o, const char *key)
{
	json_t *v = jget(o, key);

	if (!json_is_boolean(v))
		fail_msg("member \"%s\" is not a boolean", key);
	return json_is_true(v);
}

/* ---- gatewayctl ---- */

int run_ctl(struct tfx *t, char **out_r, const char *const *args)
{
	char *outp = fmt("%s/ctl.out", t->dir), *errp = fmt("%s/ctl.err", t->dir);
	const char *argv[32];
	size_t n = 0;
	int status;
	pid_t pid;

	argv[n++] = GATEWAYCTL_BIN;
	argv[n++] = "-c";
	argv[n++] = t->conf;
	for (size_t i = 0; args[i] != NULL && n + 1 < GW_ARRAY_SIZE(argv); i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fo = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (out_r != NULL) {
		struct buf b = BUF_INIT;
		char chunk[4096];
		size_t k;
		FILE *f = fopen(outp, "r");

		while (f != NULL && (k = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_append(&b, chunk, k);
		if (f != NULL)
			fclose(f);
		*out_r = buf_detach(&b);
	}
	free(outp);
	free(errp);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
