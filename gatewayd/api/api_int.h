/*
 * api_int.h - what the files of the JSON API share: its state, the
 * per-request context, reading request fields with errors that name
 * them, store results as HTTP errors, and the JSON shape of each record.
 *
 * A handler reads r->ids / r->name (from the path), r->body (always an
 * object for POST, PUT and PATCH; {} when the request had no body) and the
 * query, and ends in exactly one api_reply() or api_error() (or a helper
 * that calls one).  The dispatcher (api.c) sends the reply, so a handler
 * never touches evhttp.
 *
 * Threads: a handler runs on a worker of the store pool (store/pool.h),
 * inside the one job of its request, with r->store the worker's
 * connection; the event loop has parsed the request into api_req before
 * and sends the reply after.  So a handler must not touch evhttp, the
 * event base or anything in struct api that the loop changes (the link
 * keys are r->keys, taken when the request was parsed).  Every api_get_*() / api_query_*() helper returns
 * 0, or -1 after replying 400 with the offending field named: the handler
 * then just returns.
 */
#ifndef GW_API_INT_H
#define GW_API_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "api.h"
#include "gw.h"
#include "store.h"
#include "upload.h"

struct api_call;

struct api {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct accept_pause *pause; /* EMFILE backoff */
	struct store_pool *pool;
	int own_pool;              /* opened by api_open: closed by api_close */
	struct store_done_queue *done;
	struct event *done_ev;     /* done's descriptor, on the loop */
	struct api_call *calls;    /* requests whose job is in the pool */
	const struct link_keys *keys;
	char *base_url;            /* [web] base_url ("" if unset) */
	int64_t view_ttl;          /* [links] view_ttl */
	int64_t max_body;
	struct upload_limits upload; /* multipart posts with files */
	void (*outbox_queued)(void *ctx);
	void *ctx;
	char *unix_path;           /* removed at close */
	int port;
};

#define API_MAX_IDS 3

struct api_req {
	struct api *api;           /* base_url, view_ttl: fixed after api_open */
	struct store *store;       /* the pool worker's connection, in the job */
	const struct link_keys *keys; /* api->keys when the request came in */
	enum evhttp_cmd_type method;
	int64_t ids[API_MAX_IDS];  /* the "#" segments of the route, in order */
	char *name;                /* the "*" segment, URL-decoded */
	struct evkeyvalq query;
	json_t *body;              /* the request's JSON object (borrowed) */
	/* The files of a multipart post, in the content store already (as
	 * the store takes them; NULL, 0 for a JSON body). */
	const struct store_upload *files;
	size_t n_files;
	const char *prefix;        /* names nested fields: "reminders" */
	struct store_apikey key;   /* who is calling */
	/* the reply */
	int status;
	json_t *resp;              /* owned; NULL = no body (204) */
	char allow[96];            /* 405: the Allow header ("" otherwise) */
	int wake;                  /* call outbox_queued() after replying */
	int replied;
	const char *audit_action;  /* a success audited as this, not the route's */
	char peer[48];             /* client address */
	/* A file as the body instead of JSON (api_reply_file): sent with
	 * evbuffer_add_file(), which takes the descriptor. */
	int file_fd;               /* -1: none */
	int64_t file_size;
	char file_type[64];        /* Content-Type */
	char file_name[96];        /* Content-Disposition: attachment; filename= */
	/* Work that must follow the commit of the request's transaction, on
	 * the same worker and connection (outside any transaction).  Called
	 * exactly once when set: committed 1 after a successful commit, 0
	 * otherwise (then it only frees after_arg). */
	void (*after_commit)(struct api_req *r, int committed);
	void *after_arg;
};

typedef void api_handler(struct api_req *r);

/* ---- replies (api_json.c) ---- */

/* Reply status with body (a new reference, taken over; NULL for 204). */
void api_reply(struct api_req *r, int status, json_t *body);
/* 201 Created with the new record. */
void api_created(struct api_req *r, json_t *body);
/* {"error": {"code", "message", "field"}}; field may be NULL. */
void api_error(struct api_req *r, int status, const char *code, const char *field,
	       const char *fmt, ...) GW_PRINTF(5, 6);
/*
 * A store result (not GW_OK) as an error; error is freed.
 *   GW_NOTFOUND 404 not_found      GW_INVALID  422 invalid_value
 *   GW_PERMFAIL 422 rule_violation GW_TEMPFAIL 503 unavailable (Retry-After)
 */
void api_fail(struct api_req *r, enum gw_result res, char *error, const char *field);
/* 200 with the file open at fd (size bytes, taken over) as the body. */
void api_reply_file(struct api_req *r, int fd, int64_t size, const char *type,
		    const char *name);
/* The same, but GW_PERMFAIL is 409 conflict (a duplicate name or address). */
void api_fail_dup(struct api_req *r, enum gw_result res, char *error, const char *field);

/* ---- request fields (api_json.c) ---- */

/* Refuse members of r->body not in allowed (NULL-terminated): 400 unknown_field. */
int api_body_only(struct api_req *r, const char *const *allowed);
/* Same for a nested object (its name in r->prefix). */
int api_object_only(struct api_req *r, json_t *o, const char *const *allowed);

/*
 * Typed members of object o.  A member that is absent or null leaves the
 * output untouched and sets *present_r (when non-NULL) to 0; required
 * ones are 400 missing_field then.  A member of the wrong type is 400
 * invalid_field.
 */
int api_get_id(struct api_req *r, json_t *o, const char *key, int required, int64_t *v_r);
int api_get_str(struct api_req *r, json_t *o, const char *key, int required,
		const char **v_r);
int api_get_bool(struct api_req *r, json_t *o, const char *key, int required, int *v_r,
		 int *present_r);
int api_get_int(struct api_req *r, json_t *o, const char *key, int required, int *v_r,
		int *present_r);
/*
 * Who acts: exactly one of "<verb>_staff" and "<verb>_contact" (verb
 * "from", "by", "for").  Absent: *kind_r = 0 (400 missing_field when
 * required).
 */
int api_get_actor(struct api_req *r, const char *verb, int required,
		  enum store_kind *kind_r, int64_t *id_r);
/* "name" as it appears in messages: "reminders.days" under a prefix. */
char *api_field_name(const struct api_req *r, const char *key);

/* ---- query parameters (api_json.c) ---- */

/* Refuse parameters not in allowed: 400 unknown_parameter. */
int api_query_only(struct api_req *r, const char *const *allowed);
/* NULL when absent. */
const char *api_query(struct api_req *r, const char *name);
int api_query_id(struct api_req *r, const char *name, int64_t *v_r);
/* Integer in [min, max]; absent leaves *v_r. */
int api_query_int(struct api_req *r, const char *name, int min, int max, int *v_r);
/* "contact:ID" / "staff:ID"; absent leaves *kind_r = 0. */
int api_query_principal(struct api_req *r, const char *name, enum store_kind *kind_r,
			int64_t *id_r);
/* true/false (also 1/0, yes/no); absent leaves *v_r. */
int api_query_bool(struct api_req *r, const char *name, int *v_r);
/* ?archived=false|true|any (api_threads.c); absent leaves *v_r. */
int api_query_archived(struct api_req *r, enum store_archived_filter *v_r);

/* ---- checks shared by handlers (api_threads.c) ---- */


/*
 * The thread must exist (404) and kind/id must exist (404, field named)
 * and see it (403 forbidden, field named).  0 or -1 (replied).
 */
int api_check_actor(struct api_req *r, int64_t thread_id, enum store_kind kind,
		    int64_t id, const char *field);

/* Reminder days 1..GW_REMINDER_DAYS_MAX and count 1..GW_REMINDER_COUNT_MAX
 * (those present); 422 naming the field (under r->prefix) otherwise.
 * 0 or -1 (replied). */
int api_check_reminder_numbers(struct api_req *r, int days, int has_days, int count,
			       int has_count);

/* ---- JSON records (api_json.c): new references ---- */

json_t *api_json_time(int64_t t);      /* ISO 8601, null for 0 */
json_t *api_json_str(const char *s);   /* null for NULL */
json_t *api_json_id(int64_t id);       /* null for 0 */
json_t *api_json_firm(const struct store_firm_in *f);
json_t *api_json_account(const struct store_account *a);
json_t *api_json_contact(const struct store_contact *c);
json_t *api_json_staff(const struct store_staff *s);
json_t *api_json_template(const struct store_template *t);
json_t *api_json_reminders(const struct store_reminders *rem);
/* with_unread: the list or view was read for a reader. */
json_t *api_json_thread(const struct store_thread *t, int with_unread);
json_t *api_json_message(const struct store_message *m);
json_t *api_json_task(const struct store_task *t);
json_t *api_json_attachment(const struct store_attachment *a);
json_t *api_json_outbox(const struct store_outbox *o);
json_t *api_json_ref(const struct store_thread_ref *f);
json_t *api_json_refs(const struct store_thread_ref *refs, size_t n);
json_t *api_json_inbound(const struct store_inbound *in);

/* ---- api_recipients.c ---- */

json_t *api_json_recipients(const struct store_recipients *rc);
/* Set o's "nobody_emailed" for thread_id (null or the sentence); on a
 * failure o is freed, the error replied and -1 returned. */
int api_add_nobody_emailed(struct api_req *r, json_t *o, int64_t thread_id);
void api_threads_recipients(struct api_req *r);
void api_threads_follow(struct api_req *r);
void api_threads_unfollow(struct api_req *r);

/* ---- handlers ---- */

/* api_webhooks.c */
void api_webhooks_list(struct api_req *r);
void api_webhooks_create(struct api_req *r);
void api_webhooks_show(struct api_req *r);
void api_webhooks_patch(struct api_req *r);
void api_webhooks_delete(struct api_req *r);

/* api_people.c */
void api_firm_get(struct api_req *r);
void api_firm_patch(struct api_req *r);
void api_accounts_list(struct api_req *r);
void api_accounts_create(struct api_req *r);
void api_accounts_show(struct api_req *r);
void api_contacts_list(struct api_req *r);
void api_contacts_create(struct api_req *r);
void api_contacts_show(struct api_req *r);
void api_contacts_patch(struct api_req *r);
void api_contacts_revoke(struct api_req *r);
void api_contacts_clear_bounce(struct api_req *r);
void api_contacts_remove(struct api_req *r);
void api_staff_list(struct api_req *r);
/* api_person.c */
void api_contacts_export(struct api_req *r);
void api_staff_export(struct api_req *r);
void api_contacts_erase(struct api_req *r);
void api_staff_create(struct api_req *r);
void api_staff_show(struct api_req *r);
void api_staff_patch(struct api_req *r);
void api_staff_revoke(struct api_req *r);
void api_staff_accounts(struct api_req *r);
void api_staff_inbox(struct api_req *r);
void api_staff_inbox_read(struct api_req *r);
void api_staff_assign(struct api_req *r);
void api_staff_unassign(struct api_req *r);
void api_templates_list(struct api_req *r);
void api_templates_show(struct api_req *r);
void api_templates_put(struct api_req *r);
void api_templates_delete(struct api_req *r);

/* api_threads.c */
void api_threads_list(struct api_req *r);
/* api_search.c */
void api_search(struct api_req *r);
void api_threads_create(struct api_req *r);
void api_threads_show(struct api_req *r);
/* api_documents.c */
void api_threads_documents(struct api_req *r);
void api_accounts_documents(struct api_req *r);
void api_threads_patch(struct api_req *r);

/* api_actions.c */
void api_messages_post(struct api_req *r);
void api_tasks_add(struct api_req *r);
void api_tasks_patch(struct api_req *r);
void api_tasks_delete(struct api_req *r);
void api_threads_read(struct api_req *r);
void api_threads_archive(struct api_req *r);
void api_threads_reopen(struct api_req *r);
void api_threads_resend(struct api_req *r);
void api_threads_reminders(struct api_req *r);
void api_threads_link(struct api_req *r);

/* api_audit.c */
void api_audit_list(struct api_req *r);
void api_hold_get(struct api_req *r);
void api_hold_put(struct api_req *r);
/*
 * The audit entry of a request that succeeded (store/audit.h): a write
 * appends it in the request's transaction (0, or -1 when it could not:
 * the request must fail); a read hands it to the store pool.
 */
int api_audit_record(struct api_req *r, const char *action, const char *method,
		     const char *path, int write);
/* api_refs.c: external references (staff only) */
void api_refs_add(struct api_req *r);
void api_refs_remove(struct api_req *r);
/* "refs": [{"label", "url"}] of a new chat, checked (422 naming
 * refs[N].FIELD); *refs_r points into the body, free() the array. */
int api_get_refs(struct api_req *r, struct store_thread_ref_new **refs_r, size_t *n_r);
/* Set "refs" on a thread record; -1 after replying with the error. */
int api_set_refs(struct api_req *r, json_t *thread, int64_t thread_id);

/* api_logs.c */
void api_outbox_list(struct api_req *r);
void api_outbox_show(struct api_req *r);
void api_inbound_list(struct api_req *r);

#endif
