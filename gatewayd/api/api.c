/*
 * api.c - the JSON API's frame: listener, the route table, and the steps
 * every request goes through before and after its handler:
 *
 *   on the loop (parse):
 *     route (path, then method)                            404, 405
 *     body: size, Content-Type, JSON object                413, 415, 400
 *     Idempotency-Key on POST: its syntax                  400
 *   one job in the store pool (call_run):
 *     authenticate (Bearer key -> SHA-256 -> store)        401, before
 *                                                          any of the above
 *     Idempotency-Key: replay or refuse a reuse            422
 *     handler -> one reply
 *     render; remember a 2xx under the Idempotency-Key
 *   on the loop again (finish): send, wake the relay
 *
 * Handlers live in api_people.c, api_threads.c, api_actions.c,
 * api_logs.c and api_person.c; the JSON helpers in api_json.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>


#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <openssl/evp.h>

#include "api_int.h"
#include "apikey.h"
#include "buf.h"
#include "clock.h"
#include "i18n.h"
#include "accept_pause.h"
#include "listen.h"
#include "log.h"
#include "pool.h"

#define API_PREFIX "/api/v1/"
/* Bodies up to this much over the limit reach us and get a JSON 413;
 * beyond it evhttp answers 413 itself. */
#define API_BODY_SLACK (64 * 1024)
/* How long a response is kept under its Idempotency-Key. */
#define API_IDEMPOTENCY_WINDOW (24 * 3600)
#define API_TIMEOUT_SECONDS 30

/* ---- routes ---- */

/*
 * A pattern is a path under /api/v1 whose segments are literals, "#" (an
 * id: r->ids in order) or "*" (a name: r->name, URL-decoded).
 */
struct api_route {
	const char *pattern;
	enum evhttp_cmd_type method;
	api_handler *handler;
	/* the audit action of a success (store/audit.h); NULL: "api_key",
	 * a use of the key */
	const char *audit;
};

#define GET EVHTTP_REQ_GET
#define POST EVHTTP_REQ_POST
#define PUT EVHTTP_REQ_PUT
#define PATCH EVHTTP_REQ_PATCH
#define DELETE EVHTTP_REQ_DELETE

static const struct api_route routes[] = {
	{ "firm", GET, api_firm_get, NULL },
	{ "firm", PATCH, api_firm_patch, NULL },
	{ "accounts", GET, api_accounts_list, NULL },
	{ "accounts", POST, api_accounts_create, "account" },
	{ "accounts/#", GET, api_accounts_show, NULL },
	{ "accounts/#/documents", GET, api_accounts_documents, NULL },
	{ "contacts", GET, api_contacts_list, NULL },
	{ "contacts", POST, api_contacts_create, "contact" },
	{ "contacts/#", GET, api_contacts_show, NULL },
	{ "contacts/#", PATCH, api_contacts_patch, "contact" },
	{ "contacts/#/revoke", POST, api_contacts_revoke, "contact" },
	{ "contacts/#/clear-bounce", POST, api_contacts_clear_bounce, "contact" },
	{ "contacts/#/remove", POST, api_contacts_remove, "contact" },
	{ "contacts/#/export", GET, api_contacts_export, "export" },
	{ "contacts/#/erase", POST, api_contacts_erase, "erase" },
	{ "staff", GET, api_staff_list, NULL },
	{ "staff", POST, api_staff_create, "account" },
	{ "staff/#", GET, api_staff_show, NULL },
	{ "staff/#", PATCH, api_staff_patch, "account" },
	{ "staff/#/revoke", POST, api_staff_revoke, "account" },
	{ "staff/#/export", GET, api_staff_export, "export" },
	{ "staff/#/accounts", GET, api_staff_accounts, NULL },
	{ "staff/#/inbox", GET, api_staff_inbox, NULL },
	{ "staff/#/inbox/read", POST, api_staff_inbox_read, NULL },
	{ "staff/#/accounts/#", PUT, api_staff_assign, "account" },
	{ "staff/#/accounts/#", DELETE, api_staff_unassign, "account" },
	{ "templates", GET, api_templates_list, NULL },
	{ "templates/*", GET, api_templates_show, NULL },
	{ "templates/*", PUT, api_templates_put, "template" },
	{ "templates/*", DELETE, api_templates_delete, "template" },
	{ "threads", GET, api_threads_list, NULL },
	{ "threads", POST, api_threads_create, "post" },
	{ "threads/#", GET, api_threads_show, "view" },
	{ "threads/#", PATCH, api_threads_patch, NULL },
	{ "threads/#/messages", POST, api_messages_post, "post" },
	{ "threads/#/tasks", POST, api_tasks_add, "task" },
	{ "threads/#/tasks/#", PATCH, api_tasks_patch, "task" },
	{ "threads/#/tasks/#", DELETE, api_tasks_delete, "task" },
	{ "threads/#/read", POST, api_threads_read, NULL },
	{ "threads/#/archive", POST, api_threads_archive, "archive" },
	{ "threads/#/reopen", POST, api_threads_reopen, "reopen" },
	{ "threads/#/resend", POST, api_threads_resend, "resend" },
	{ "threads/#/recipients", GET, api_threads_recipients, NULL },
	{ "threads/#/documents", GET, api_threads_documents, NULL },
	{ "threads/#/follow", POST, api_threads_follow, "follow" },
	{ "threads/#/unfollow", POST, api_threads_unfollow, "follow" },
	{ "threads/#/reminders", PUT, api_threads_reminders, "reminders" },
	{ "threads/#/links", POST, api_threads_link, NULL },
	{ "threads/#/refs", POST, api_refs_add, "link" },
	{ "threads/#/refs/#", DELETE, api_refs_remove, "link" },
	{ "search", GET, api_search, NULL },
	{ "outbox", GET, api_outbox_list, NULL },
	{ "outbox/#", GET, api_outbox_show, NULL },
	{ "inbound", GET, api_inbound_list, NULL },
	{ "audit", GET, api_audit_list, "audit" },
	{ "accounts/#/hold", GET, api_hold_get, NULL },
	{ "accounts/#/hold", PUT, api_hold_put, "hold" },
	{ "webhooks", GET, api_webhooks_list, NULL },
	{ "webhooks", POST, api_webhooks_create, "webhook" },
	{ "webhooks/#", GET, api_webhooks_show, NULL },
	{ "webhooks/#", PATCH, api_webhooks_patch, "webhook" },
	{ "webhooks/#", DELETE, api_webhooks_delete, "webhook" },
};

static const char *method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	default: return "OTHER";
	}
}

/* Does seg (raw, still percent-encoded) match one pattern segment? */
static int seg_match(struct api_req *r, const char *pat, size_t plen, const char *seg,
		     size_t slen, int *n_ids, char **name_r)
{
	if (plen == 1 && *pat == '#') {
		int64_t v = 0;

		if (slen == 0 || slen > 18)
			return 0;
		for (size_t i = 0; i < slen; i++) {
			if (seg[i] < '0' || seg[i] > '9')
				return 0;
			v = v * 10 + (seg[i] - '0');
		}
		if (v <= 0 || *n_ids >= API_MAX_IDS)
			return 0;
		r->ids[(*n_ids)++] = v;
		return 1;
	}
	if (plen == 1 && *pat == '*') {
		char *raw = xstrndup(seg, slen), *dec;
		size_t n = 0;

		dec = evhttp_uridecode(raw, 0, &n);
		free(raw);
		/* A name with a NUL in it cannot be a template's. */
		if (dec == NULL || n == 0 || strlen(dec) != n) {
			free(dec);
			return 0;
		}
		free(*name_r);
		*name_r = xstrdup(dec);
		free(dec);
		return 1;
	}
	return plen == slen && memcmp(pat, seg, slen) == 0;
}

static int route_match(struct api_req *r, const char *pattern, const char *path)
{
	const char *p = pattern, *s = path;
	int n_ids = 0;

	for (;;) {
		const char *pe = strchr(p, '/'), *se = strchr(s, '/');
		size_t plen = pe != NULL ? (size_t)(pe - p) : strlen(p);
		size_t slen = se != NULL ? (size_t)(se - s) : strlen(s);

		if (!seg_match(r, p, plen, s, slen, &n_ids, &r->name))
			return 0;
		if (pe == NULL || se == NULL)
			return pe == NULL && se == NULL;
		p = pe + 1;
		s = se + 1;
	}
}

/*
 * The handler for path and r->method, or NULL after replying 404 or 405
 * (with the methods the path has in Allow).
 */
static api_handler *route(struct api_req *r, const char *path, const char **audit_r)
{
	char *allow = r->allow;
	size_t cap = sizeof(r->allow);
	api_handler *h = NULL;

	allow[0] = '\0';
	for (size_t i = 0; i < GW_ARRAY_SIZE(routes); i++) {
		memset(r->ids, 0, sizeof(r->ids));
		if (!route_match(r, routes[i].pattern, path))
			continue;
		if (routes[i].method == r->method) {
			h = routes[i].handler;
			*audit_r = routes[i].audit != NULL ? routes[i].audit : "api_key";
			break;
		}
		if (allow[0] != '\0')
			strncat(allow, ", ", cap - strlen(allow) - 1);
		strncat(allow, method_name(routes[i].method), cap - strlen(allow) - 1);
	}
	if (h != NULL)
		return h;
	if (allow[0] == '\0')
		api_error(r, 404, "not_found", NULL, "no such endpoint: %s%s", API_PREFIX, path);
	else
		api_error(r, 405, "method_not_allowed", NULL, "%s %s%s: use %s",
			  method_name(r->method), API_PREFIX, path, allow);
	return NULL;
}

/* ---- one request in flight ---- */

/*
 * A request from dispatch() to its reply.  The loop fills it (parse()),
 * a pool worker does the store work (call_run()), the loop sends the reply
 * and frees it (finish()).  Between submit and the done queue only the
 * worker touches it; the loop keeps it on api->calls so that api_close()
 * can take the job back.
 */
struct api_call {
	struct store_job job;          /* first: the job is the record */
	struct api_req r;
	struct evhttp_request *req;    /* the loop's only */
	struct api_call *prev, *next;  /* api->calls */
	api_handler *handler;          /* NULL: refused while parsing */
	const char *audit;             /* the route's audit action */
	char *path;                    /* under /api/v1/, for the audit entry */
	json_t *body;                  /* the parsed body of a write */
	/* A multipart body (files): moved off evhttp on the loop, read on
	 * the worker into the content store and the "json" part. */
	struct evbuffer *multipart;
	char *multipart_type;
	struct upload_form upload;
	struct store_post_files files; /* zips unpacked (store_post_files_unpack) */
	char *uri;                     /* for log lines */
	char *authorization;           /* the header; NULL when absent */
	char *idem_key;                /* Idempotency-Key of a POST; NULL when absent */
	char hash[65];                 /* request_hash(), when idem_key */
	/* A refusal made while parsing: it stands unless the key check,
	 * which comes first for every request, refuses too. */
	int early_status;
	json_t *early_resp;
	/* what the job leaves for the loop */
	struct store_idempotency replay;
	int replayed;                  /* 1 replayed, -1 refused, 0 neither */
	char *out;                     /* the body to send */
};

/* ---- parsing, on the loop ---- */

static int is_json_type(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	while (ct != NULL && *ct == ' ')
		ct++;
	if (ct == NULL || strncasecmp(ct, want, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* Size, type and syntax of a write's body; *body_r gets an object. */
static int read_body(struct api_call *c, json_t **body_r)
{
	struct api_req *r = &c->r;
	struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
	size_t len = evbuffer_get_length(in);
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(c->req),
					    "Content-Type");
	json_error_t jerr;
	json_t *v;

	if ((int64_t)len > r->api->max_body) {
		api_error(r, 413, "payload_too_large", NULL,
			  "request body of %zu bytes is over the limit of %lld", len,
			  (long long)r->api->max_body);
		return -1;
	}
	if (len == 0) {
		*body_r = json_object();
		return 0;
	}
	if (!is_json_type(ct)) {
		api_error(r, 415, "unsupported_media_type", NULL,
			  "Content-Type must be application/json, not %s%s%s",
			  ct != NULL ? "\"" : "", ct != NULL ? ct : "none",
			  ct != NULL ? "\"" : "");
		return -1;
	}
	v = json_loadb((const char *)evbuffer_pullup(in, -1), len, JSON_REJECT_DUPLICATES,
		       &jerr);
	if (v == NULL) {
		api_error(r, 400, "bad_json", NULL, "body: line %d, column %d: %s", jerr.line,
			  jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		api_error(r, 400, "bad_json", NULL, "body: expected a JSON object");
		return -1;
	}
	*body_r = v;
	return 0;
}

/* The body into the digest chain by chain: an upload is not made one
 * block of memory for it. */
static int hash_chains(EVP_MD_CTX *ctx, struct evbuffer *b)
{
	int n = evbuffer_peek(b, -1, NULL, NULL, 0);
	struct evbuffer_iovec *v;
	int rc = 0;

	if (n <= 0)
		return EVP_DigestUpdate(ctx, "", 0) == 1 ? 0 : -1;
	v = xcalloc((size_t)n, sizeof(*v));
	n = evbuffer_peek(b, -1, NULL, v, n);
	for (int i = 0; rc == 0 && i < n; i++)
		if (EVP_DigestUpdate(ctx, v[i].iov_base, v[i].iov_len) != 1)
			rc = -1;
	free(v);
	return rc;
}

/* SHA-256 of what the request asks: method, path with query, body. */
static void request_hash(struct api_call *c, char hex[65])
{
	struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
	size_t len = evbuffer_get_length(in);
	const char *uri = evhttp_request_get_uri(c->req);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const char *m = method_name(c->r.method);

	memset(md, 0, sizeof(md));
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, m, strlen(m) + 1) != 1 ||
	    EVP_DigestUpdate(ctx, uri, strlen(uri) + 1) != 1 ||
	    hash_chains(ctx, c->multipart != NULL ? c->multipart : in) < 0 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
		memset(md, 0, sizeof(md));
	(void)len;
	EVP_MD_CTX_free(ctx);
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static int valid_idempotency_key(const char *k)
{
	size_t n = strlen(k);

	if (n == 0 || n > STORE_IDEMPOTENCY_KEY_MAX)
		return 0;
	for (; *k != '\0'; k++)
		if ((unsigned char)*k < 0x20 || (unsigned char)*k > 0x7e)
			return 0;
	return 1;
}

/* The Idempotency-Key of a POST, checked and copied with the request's
 * hash; 0, or -1 after replying 400. */
static int idempotency_parse(struct api_call *c)
{
	const char *k = evhttp_find_header(evhttp_request_get_input_headers(c->req),
					   "Idempotency-Key");

	if (k == NULL || c->r.method != EVHTTP_REQ_POST)
		return 0;
	if (!valid_idempotency_key(k)) {
		api_error(&c->r, 400, "invalid_header", "Idempotency-Key",
			  "Idempotency-Key: must be 1..%d printable ASCII characters",
			  STORE_IDEMPOTENCY_KEY_MAX);
		return -1;
	}
	request_hash(c, c->hash);
	c->idem_key = xstrdup(k);
	return 0;
}

/* A POST with files: multipart/form-data to the routes that take them. */
static int takes_files(struct api_call *c)
{
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(c->req),
					    "Content-Type");

	return ct != NULL && strncasecmp(ct, "multipart/form-data", 19) == 0 &&
	       (c->handler == api_threads_create || c->handler == api_messages_post);
}

/* On the loop: the body's chains move to the call (no copy), for the
 * worker to read; 0, or -1 after an error reply. */
static int multipart_take(struct api_call *c)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
	size_t len = evbuffer_get_length(in);
	int64_t max = c->r.api->upload.max_post;

	if ((int64_t)len > max) {
		api_error(&c->r, 413, "payload_too_large", "file",
			  "request body of %zu bytes is over the limit of %lld ([web] max_post)",
			  len, (long long)max);
		return -1;
	}
	c->multipart = evbuffer_new();
	c->multipart_type = xstrdup(evhttp_find_header(evhttp_request_get_input_headers(c->req),
						       "Content-Type"));
	evbuffer_remove_buffer(in, c->multipart, len);
	return 0;
}

/* On the worker: the files into the content store, the "json" part into
 * the body; 0, or -1 after an error reply (nothing of it is kept). */
static int multipart_read(struct api_call *c)
{
	struct api_req *r = &c->r;
	int n = evbuffer_peek(c->multipart, -1, NULL, NULL, 0);
	struct evbuffer_iovec *v = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*v));
	const struct upload_field *jf;
	struct store_upload *in;
	enum gw_result res;
	json_error_t jerr;
	char *msg, *err = NULL;

	n = n > 0 ? evbuffer_peek(c->multipart, -1, NULL, v, n) : 0;
	(void)upload_read_iov(&r->api->upload, c->multipart_type, (const struct iovec *)v,
			      (size_t)(n > 0 ? n : 0), &c->upload);
	free(v);
	if (c->upload.error != UPLOAD_OK) {
		static const int status[] = {
			[UPLOAD_FILE_TOO_LARGE] = 413, [UPLOAD_POST_TOO_LARGE] = 413,
			[UPLOAD_TOO_MANY] = 422, [UPLOAD_EMPTY_FILE] = 422, [UPLOAD_BAD_NAME] = 422,
			[UPLOAD_BAD_FOLDER] = 422, [UPLOAD_MALFORMED] = 400, [UPLOAD_STORAGE] = 503,
		};
		static const char *const code[] = {
			[UPLOAD_FILE_TOO_LARGE] = "payload_too_large",
			[UPLOAD_POST_TOO_LARGE] = "payload_too_large",
			[UPLOAD_TOO_MANY] = "invalid_value", [UPLOAD_EMPTY_FILE] = "invalid_value",
			[UPLOAD_BAD_NAME] = "invalid_value", [UPLOAD_BAD_FOLDER] = "invalid_value",
			[UPLOAD_MALFORMED] = "bad_multipart",
			[UPLOAD_STORAGE] = "unavailable",
		};

		msg = upload_error_text(&c->upload, &r->api->upload);
		api_error(r, status[c->upload.error], code[c->upload.error], "file", "%s", msg);
		free(msg);
		return -1;
	}
	jf = upload_form_field(&c->upload, "json");
	if (c->upload.n_fields != (jf != NULL ? 1u : 0u)) {
		api_error(r, 400, "invalid_field", NULL,
			  "a multipart body holds one part \"json\" and parts \"file\" or "
			  "\"folder\" only");
		return -1;
	}
	c->body = jf != NULL ? json_loadb(jf->value, jf->len, JSON_REJECT_DUPLICATES, &jerr)
			     : json_object();
	if (c->body == NULL || !json_is_object(c->body)) {
		api_error(r, 400, "bad_json", "json", "part \"json\": %s",
			  c->body == NULL ? jerr.text : "expected a JSON object");
		return -1;
	}
	for (size_t i = 0; i < c->upload.n_files; i++) {
		if (strcmp(c->upload.files[i].field, "file") != 0 &&
		    strcmp(c->upload.files[i].field, "folder") != 0) {
			api_error(r, 400, "invalid_field", c->upload.files[i].field,
				  "files go in parts named \"file\" (or \"folder\", with a "
				  "relative path as the file name)");
			return -1;
		}
	}
	/* A zip is unpacked as in the web view (one function for both). */
	in = upload_form_store(&c->upload);
	res = store_post_files_unpack(r->api->upload.dir, in, c->upload.n_files,
				      r->api->upload.max_post, &c->files, &err);
	free(in);
	if (res != GW_OK) {
		if (res == GW_INVALID)
			api_error(r, 422, "invalid_value", "file", "%s", err);
		else
			api_error(r, 503, "unavailable", "file", "%s", err);
		free(err);
		return -1;
	}
	r->files = c->files.files;
	r->n_files = c->files.n;
	return 0;
}

/*
 * Everything the job needs from evhttp, copied or parsed: the key, the
 * route, the query, the body.  A refusal here is kept in early_* and sent
 * only once the key is known to be good, as before any of this moved off
 * the loop: an unauthenticated client learns nothing about routes.
 */
static void parse(struct api_call *c)
{
	struct api_req *r = &c->r;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(c->req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	const char *auth = evhttp_find_header(evhttp_request_get_input_headers(c->req),
					      "Authorization");

	if (auth != NULL)
		c->authorization = xstrdup(auth);
	if (path == NULL || strncmp(path, API_PREFIX, strlen(API_PREFIX)) != 0) {
		api_error(r, 404, "not_found", NULL, "no such endpoint: %s (the API is under %s)",
			  path != NULL ? path : "", API_PREFIX);
		goto refused;
	}
	c->handler = route(r, path + strlen(API_PREFIX), &c->audit);
	if (c->handler == NULL)
		goto refused;
	c->path = xstrdup(path + strlen(API_PREFIX));
	if (query != NULL && evhttp_parse_query_str(query, &r->query) < 0) {
		api_error(r, 400, "invalid_parameter", NULL, "query string: malformed");
		goto refused;
	}
	if (r->method == EVHTTP_REQ_POST && takes_files(c)) {
		if (multipart_take(c) < 0 || idempotency_parse(c) < 0)
			goto refused;
	} else if (r->method == EVHTTP_REQ_POST || r->method == EVHTTP_REQ_PUT ||
		   r->method == EVHTTP_REQ_PATCH) {
		if (read_body(c, &c->body) < 0 || idempotency_parse(c) < 0)
			goto refused;
	}
	return;
refused:
	c->handler = NULL;
	c->early_status = r->status;
	c->early_resp = r->resp;
	r->resp = NULL;
	r->status = 0;
	r->replied = 0;
}

/* ---- the store work: one job on a pool worker ---- */

static int authenticate(struct api_call *c)
{
	struct api_req *r = &c->r;
	const char *h = c->authorization;
	char hash[65], *error = NULL;
	enum gw_result res;
	size_t n;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		api_error(r, 401, "unauthorized", NULL,
			  "an api key is required: Authorization: Bearer KEY");
		return -1;
	}
	h += 7;
	while (*h == ' ')
		h++;
	n = strlen(h);
	while (n > 0 && h[n - 1] == ' ')
		n--;
	apikey_hash(h, n, hash);
	res = store_apikey_find(r->store, hash, &r->key, &error);
	if (res == GW_NOTFOUND) {
		free(error);
		api_error(r, 401, "unauthorized", NULL, "api key unknown or revoked");
		return -1;
	}
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return -1;
	}
	return 0;
}

/*
 * The response kept under the request's Idempotency-Key: 1 when it was
 * found for the same request (c->replay), 0 to go on, -1 after replying
 * with an error.
 */
static int idempotency_lookup(struct api_call *c)
{
	struct api_req *r = &c->r;
	char *error = NULL;
	enum gw_result res;

	if (c->idem_key == NULL)
		return 0;
	res = store_idempotency_get(r->store, r->key.id, c->idem_key,
				    clock_now() - API_IDEMPOTENCY_WINDOW, &c->replay, &error);
	if (res == GW_NOTFOUND) {
		free(error);
		return 0;
	}
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return -1;
	}
	if (strcmp(c->replay.request_sha256, c->hash) != 0) {
		store_idempotency_clear(&c->replay);
		api_error(r, 422, "idempotency_key_reused", "Idempotency-Key",
			  "Idempotency-Key \"%s\" was used for a different request", c->idem_key);
		return -1;
	}
	return 1;
}

/* The reply body as sent and as kept for a replay: compact JSON and "\n". */
static char *render(struct api_req *r)
{
	char *s;

	if (r->resp == NULL)
		return xstrdup("");
	s = json_dumps(r->resp, JSON_COMPACT);
	if (s == NULL) {
		json_decref(r->resp);
		r->resp = NULL;
		r->status = 500;
		return xstrdup("{\"error\":{\"code\":\"internal\",\"message\":"
			       "\"cannot encode the response\"}}\n");
	}
	char *out = xasprintf("%s\n", s);
	free(s);
	return out;
}

static void remember(struct api_call *c)
{
	struct api_req *r = &c->r;
	struct store_idempotency_in rec = { 0 };
	char *error = NULL;
	enum gw_result res;

	rec.api_key_id = r->key.id;
	rec.key = c->idem_key;
	memcpy(rec.request_sha256, c->hash, 65);
	rec.status = r->status;
	rec.body = c->out;
	res = store_idempotency_put(r->store, &rec, clock_now() - API_IDEMPOTENCY_WINDOW,
				    &error);
	if (res != GW_OK) {
		/* The change is made; only a retry would not be recognised. */
		log_warn("api: api key %lld: cannot keep the response under Idempotency-Key: %s",
			 (long long)r->key.id, error != NULL ? error : gw_result_name(res));
		free(error);
	}
}

static void after_commit(struct api_req *r, int committed)
{
	void (*fn)(struct api_req *, int) = r->after_commit;

	r->after_commit = NULL;
	if (fn != NULL)
		fn(r, committed);
}

/*
 * One transaction's worth of work for the whole request, with the
 * worker's connection: key, refusal or Idempotency-Key, handler, the
 * response kept.  Touches nothing of evhttp.
 */
/* The handler and its idempotency record, in one transaction of r->store. */
static void call_handle(struct api_call *c)
{
	struct api_req *r = &c->r;
	int write = r->method != EVHTTP_REQ_GET && r->method != EVHTTP_REQ_HEAD;
	char *error = NULL;
	enum gw_result res;

	/* The API speaks English to programs: messages, errors and system
	 * notes alike, whatever the firm's language (the worker is shared
	 * with the web view, which sets its own reader). */
	i18n_reader_set("en", "UTC");
	if ((res = store_request_begin(r->store, write, &error)) != GW_OK) {
		api_fail(r, res, error, NULL);
		c->out = render(r);
		return;
	}
	if ((c->replayed = idempotency_lookup(c)) == 0 &&
	    (c->multipart == NULL || multipart_read(c) == 0)) {
		r->body = c->body;
		c->handler(r);
		r->body = NULL;
		if (!r->replied) {
			log_error("api: %s %s: handler sent no reply", method_name(r->method),
				  c->uri);
			api_error(r, 500, "internal", NULL, "no reply");
		}
	}
	if (c->replayed == 0 && r->status < 400 &&
	    api_audit_record(r, r->audit_action != NULL ? r->audit_action : c->audit,
			     method_name(r->method), c->path, write) < 0) {
		/* no change without its audit entry */
		json_decref(r->resp);
		r->resp = NULL;
		r->replied = 0;
		r->wake = 0;
		api_error(r, 503, "unavailable", NULL, "cannot write the audit log; try again");
	}
	if (c->replayed > 0) {
		r->status = c->replay.status;
		c->out = xstrdup(c->replay.body);
	} else {
		c->out = render(r);
		if (c->replayed == 0 && c->idem_key != NULL && r->status >= 200 &&
		    r->status < 300)
			remember(c);
	}
	/* A refusal leaves nothing behind; a success is only one once
	 * committed, or the client is told it was not. */
	res = store_request_end(r->store, r->status < 400, &error);
	if (res != GW_OK) {
		free(c->out);
		json_decref(r->resp);
		r->resp = NULL;
		r->replied = 0;
		r->wake = 0;
		c->replayed = 0;
		if (r->file_fd >= 0)
			close(r->file_fd);
		r->file_fd = -1;
		api_fail(r, res, error, NULL);
		c->out = render(r);
	}
	after_commit(r, res == GW_OK && r->status < 400 && c->replayed <= 0);
}

static void call_run(struct store *store, struct store_job *job)
{
	struct api_call *c = (struct api_call *)job;
	struct api_req *r = &c->r;

	r->store = store;
	if (authenticate(c) < 0) {
		json_decref(c->early_resp);
		c->early_resp = NULL;
		c->out = render(r);
	} else if (c->handler == NULL) {
		r->replied = 1;
		r->status = c->early_status;
		r->resp = c->early_resp;
		c->early_resp = NULL;
		c->out = render(r);
	} else {
		call_handle(c);
	}
	r->store = NULL;
}

/* ---- replies, on the loop ---- */

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

/*
 * Exactly one reply per request.  A client that went away while the job
 * ran is no trouble: libevent keeps a request its user has not answered
 * (detached from the closed connection), and evhttp_send_reply() frees it.
 */
static void send_reply(struct api_call *c, const char *body, int replayed)
{
	struct api_req *r = &c->r;
	struct evkeyvalq *h = evhttp_request_get_output_headers(c->req);
	struct evbuffer *out = evbuffer_new();

	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (*body != '\0')
		evhttp_add_header(h, "Content-Type", "application/json");
	if (r->status == 401)
		evhttp_add_header(h, "WWW-Authenticate", "Bearer realm=\"gatewayd\"");
	if (r->status == 405 && r->allow[0] != '\0')
		evhttp_add_header(h, "Allow", r->allow);
	if (r->status == 503)
		evhttp_add_header(h, "Retry-After", "1");
	if (replayed)
		evhttp_add_header(h, "Idempotent-Replayed", "true");
	if (out == NULL) {
		evhttp_send_error(c->req, 500, NULL);
		return;
	}
	if (r->file_fd >= 0 && r->status == 200) {
		char disp[160];

		snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", r->file_name);
		evhttp_add_header(h, "Content-Type", r->file_type);
		evhttp_add_header(h, "Content-Disposition", disp);
		/* The file goes out from the page cache (sendfile), never
		 * whole into memory; the buffer takes the descriptor. */
		if (evbuffer_add_file(out, r->file_fd, 0, r->file_size) == 0) {
			r->file_fd = -1;
			evhttp_send_reply(c->req, r->status, reason(r->status), out);
			evbuffer_free(out);
			return;
		}
		evbuffer_free(out);
		evhttp_send_error(c->req, 500, NULL);
		return;
	}
	evbuffer_add(out, body, strlen(body));
	evhttp_send_reply(c->req, r->status, reason(r->status), out);
	evbuffer_free(out);
}

static void call_free(struct api_call *c)
{
	after_commit(&c->r, 0);
	if (c->r.file_fd >= 0)
		close(c->r.file_fd);
	free(c->out);
	json_decref(c->r.resp);
	json_decref(c->early_resp);
	json_decref(c->body);
	if (c->multipart != NULL)
		evbuffer_free(c->multipart);
	free(c->multipart_type);
	store_post_files_clear(&c->files);
	upload_form_clear(&c->upload);
	free(c->r.name);
	evhttp_clear_headers(&c->r.query);
	store_apikey_clear(&c->r.key);
	store_idempotency_clear(&c->replay);
	free(c->authorization);
	free(c->idem_key);
	free(c->uri);
	free(c->path);
	free(c);
}

/* The job is back (or was taken back): log, reply, wake the relay, free. */
static void finish(struct api_call *c)
{
	struct api *api = c->r.api;
	struct api_req *r = &c->r;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		api->calls = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	if (r->status >= 500)
		log_warn("api: %s %s (api key %lld): %d %s", method_name(r->method), c->uri,
			 (long long)r->key.id, r->status, c->out);
	else
		log_debug("api: %s %s (api key %lld): %d%s", method_name(r->method), c->uri,
			  (long long)r->key.id, r->status, c->replayed > 0 ? " (replayed)" : "");
	send_reply(c, c->out, c->replayed > 0);
	if (r->wake && c->replayed <= 0 && r->status >= 200 && r->status < 300 &&
	    api->outbox_queued != NULL)
		api->outbox_queued(api->ctx);
	call_free(c);
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
	struct api *api = arg;
	struct store_job *j = store_done_queue_take(api->done);

	GW_UNUSED(fd);
	GW_UNUSED(what);
	while (j != NULL) {
		struct store_job *next = j->next;

		finish((struct api_call *)j);
		j = next;
	}
}

static void dispatch(struct evhttp_request *req, void *arg)
{
	struct api *api = arg;
	struct api_call *c;
	enum store_lane lane;

	/* evhttp calls back without a URI for a request it gave up on. */
	if (evhttp_request_get_uri(req) == NULL) {
		evhttp_send_error(req, 400, NULL);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->req = req;
	c->uri = xstrdup(evhttp_request_get_uri(req));
	c->r.api = api;
	c->r.keys = api->keys;
	c->r.method = evhttp_request_get_command(req);
	if (evhttp_request_get_connection(req) != NULL) {
		char *host = NULL;
		ev_uint16_t port = 0;

		evhttp_connection_get_peer(evhttp_request_get_connection(req), &host, &port);
		snprintf(c->r.peer, sizeof(c->r.peer), "%s", host != NULL ? host : "");
	}
	c->r.file_fd = -1;
	TAILQ_INIT(&c->r.query);
	parse(c);

	/* Reads never wait for the writer lane, nor for another process's
	 * write lock (WAL); a refused write only needs its key checked. */
	lane = c->r.method == EVHTTP_REQ_GET || c->r.method == EVHTTP_REQ_HEAD ||
			       c->handler == NULL
		       ? STORE_LANE_READ : STORE_LANE_WRITE;
	c->job.run = call_run;
	c->job.reply_to = api->done;
	c->next = api->calls;
	if (api->calls != NULL)
		api->calls->prev = c;
	api->calls = c;
	store_pool_submit(api->pool, lane, &c->job);
}

/* ---- listener ---- */

static int api_listen(struct api *api, const struct api_settings *set, char **error_r)
{
	struct listen_socket ls;
	char *error = NULL;

	if (listen_take(set->systemd_fd, set->listen, &ls, &error) < 0) {
		*error_r = xasprintf("api: %s", error);
		free(error);
		return -1;
	}
	api->bound = evhttp_accept_socket_with_handle(api->http, ls.fd);
	if (api->bound == NULL) {
		*error_r = xasprintf("api: socket %d: cannot accept", ls.fd);
		listen_release(&ls, set->systemd_fd <= STDERR_FILENO);
		return -1;
	}
	api->port = ls.port;
	api->unix_path = ls.unix_path; /* unlinked at close */
	api->pause = accept_pause_watch(evhttp_bound_socket_get_listener(api->bound), "api");
	return 0;
}

/* ---- life cycle ---- */

int api_open(struct event_base *base, const struct api_settings *set, struct api **api_r,
	     char **error_r)
{
	struct api *api = xcalloc(1, sizeof(*api));
	const char *base_url = set->web != NULL && set->web->base_url != NULL
				       ? set->web->base_url : "";
	char *err = NULL;

	*api_r = NULL;
	api->base = base;
	api->keys = set->keys;
	api->base_url = xstrdup(base_url);
	api->view_ttl = set->links != NULL && set->links->view_ttl > 0 ? set->links->view_ttl
								       : 30 * 86400;
	api->max_body = set->max_body > 0 ? set->max_body : API_MAX_BODY_DEFAULT;
	/* Files come as multipart posts, within the web view's limits. */
	api->upload.dir = set->store != NULL ? set->store->attachments_dir : NULL;
	api->upload.max_post = set->web != NULL && set->web->max_body > 0 ? set->web->max_body
									   : 50 * 1024 * 1024;
	api->upload.max_file = set->web != NULL && set->web->max_upload > 0 &&
			       set->web->max_upload < api->upload.max_post
				       ? set->web->max_upload : api->upload.max_post;
	api->upload.max_files = STORE_POST_MAX_FILES;
	api->outbox_queued = set->outbox_queued;
	api->ctx = set->ctx;

	if ((set->listen == NULL || *set->listen == '\0') && set->systemd_fd <= STDERR_FILENO) {
		*error_r = xstrdup("api: [api] listen is not set");
		goto fail;
	}
	if (set->keys == NULL || (set->store == NULL && set->pool == NULL)) {
		*error_r = xstrdup("api: no link keys or no store settings");
		goto fail;
	}
	if (set->pool != NULL) {
		api->pool = set->pool;
	} else {
		struct store_pool_settings ps = { 0 };

		ps.store = set->store;
		ps.mail_domain = set->mail_domain;
		if (set->reminders != NULL) {
			ps.reminder_days = (int)set->reminders->default_days;
			ps.reminder_count = (int)set->reminders->default_count;
		}
		if (store_pool_open(&ps, &api->pool, &err) < 0) {
			*error_r = xasprintf("api: %s", err);
			free(err);
			goto fail;
		}
		api->own_pool = 1;
	}
	if (store_done_queue_open(&api->done, &err) < 0) {
		*error_r = xasprintf("api: %s", err);
		free(err);
		goto fail;
	}
	api->done_ev = event_new(base, store_done_queue_fd(api->done), EV_READ | EV_PERSIST,
				 on_done, api);
	if (api->done_ev == NULL || event_add(api->done_ev, NULL) != 0) {
		*error_r = xstrdup("api: cannot watch the store pool's done queue");
		goto fail;
	}

	api->http = evhttp_new(base);
	if (api->http == NULL) {
		*error_r = xstrdup("api: cannot create the HTTP server");
		goto fail;
	}
	/* Every method reaches the router, which answers 405 with Allow. */
	evhttp_set_allowed_methods(api->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
				   EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
				   EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_max_body_size(api->http, (ev_ssize_t)((api->upload.max_post > api->max_body
							   ? api->upload.max_post : api->max_body)
							  + API_BODY_SLACK));
	evhttp_set_max_headers_size(api->http, 32 * 1024);
	evhttp_set_timeout(api->http, API_TIMEOUT_SECONDS);
	evhttp_set_default_content_type(api->http, "application/json");
	evhttp_set_gencb(api->http, dispatch, api);

	if (api_listen(api, set, error_r) < 0)
		goto fail;
	*api_r = api;
	return 0;
fail:
	api_close(&api);
	return -1;
}

/*
 * Before evhttp_free() frees the requests: no job may still use one.  A
 * job not started is taken back and answered 503; one running is waited
 * for (store_pool_cancel) and lands on the done queue, which is then
 * answered like any other.  The replies mostly die with the connections,
 * but each request is freed exactly once that way.  api->calls is newest
 * first: the writes queued behind a running one are taken back before we
 * wait for it, so they cannot start meanwhile.
 */
static void take_back_calls(struct api *api)
{
	struct api_call *c = api->calls, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		if (store_pool_cancel(api->pool, &c->job) != 1)
			continue;
		json_decref(c->r.resp);
		c->r.resp = NULL;
		c->r.status = 503;
		free(c->out);
		c->out = xstrdup("{\"error\":{\"code\":\"unavailable\",\"message\":"
				 "\"the server is stopping\"}}\n");
		finish(c);
	}
	if (api->done != NULL)
		on_done(-1, 0, api);
}

void api_close(struct api **apip)
{
	struct api *api = apip != NULL ? *apip : NULL;

	if (api == NULL)
		return;
	*apip = NULL;
	take_back_calls(api);
	accept_pause_free(&api->pause);
	if (api->http != NULL)
		evhttp_free(api->http);
	if (api->unix_path != NULL)
		(void)unlink(api->unix_path);
	if (api->done_ev != NULL)
		event_free(api->done_ev);
	store_done_queue_close(&api->done);
	if (api->own_pool)
		store_pool_close(&api->pool);
	free(api->unix_path);
	free(api->base_url);
	free(api);
}

int api_bound_port(const struct api *api)
{
	return api != NULL ? api->port : 0;
}

void api_set_keys(struct api *api, const struct link_keys *keys)
{
	if (api != NULL && keys != NULL)
		api->keys = keys;
}
