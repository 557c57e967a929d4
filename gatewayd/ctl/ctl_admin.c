/*
 * ctl_admin.c - gatewayctl commands about the installation rather than the
 * chat: init (database, attachments directory, key file), signed View-chat
 * links, the outbox and inbound logs, and one pass of scheduled work
 * (tick).  Also opens the store for every command.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "ctl.h"
#include "links.h"
#include "tick.h"
#include "viewlink.h"

/* A failed file-system call: the disk may fill up or fail (retry later);
 * anything else is how the installation is set up. */
static int errno_code(int err)
{
	return err == ENOSPC || err == EDQUOT || err == EIO || err == ENOMEM
		       ? EX_TEMPFAIL : EX_CONFIG;
}

int ctl_open_store(struct ctl *c, int must_exist)
{
	const struct gw_config *cfg = c->cfg;
	const char *path = cfg->store.path;
	char *error = NULL;
	struct stat st;

	if (must_exist && stat(path, &st) < 0) {
		if (errno == ENOENT)
			return ctl_error(c, EX_CONFIG,
					 "database %s does not exist (run gatewayctl init)", path);
		return ctl_error(c, errno_code(errno), "database %s: %s", path,
				 strerror(errno));
	}
	if (store_open(&cfg->store, &c->store, &error) < 0) {
		/* Busy or locked during migration, disk full, or unreadable:
		 * nothing was changed; a later run may succeed. */
		ctl_error(c, EX_TEMPFAIL, "%s", error);
		free(error);
		return EX_TEMPFAIL;
	}
	store_set_mail_domain(c->store, cfg->mail.reply_domain);
	store_set_reminder_defaults(c->store, (int)cfg->reminders.default_days,
				    (int)cfg->reminders.default_count);
	return 0;
}

/* ---- init ---- */

/*
 * Schema version of an existing database file from its header (user_version
 * is the big-endian 32-bit number at offset 60); -1 if the file is not
 * there, 0 for an empty file.  Read before store_open() migrates it, to
 * say what init did.
 */
static int file_schema_version(const char *path)
{
	unsigned char h[100];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(h, 1, sizeof(h), f);
	fclose(f);
	if (n < sizeof(h) || memcmp(h, "SQLite format 3", 16) != 0)
		return 0;
	return (int)((uint32_t)h[60] << 24 | (uint32_t)h[61] << 16 | (uint32_t)h[62] << 8 |
		     (uint32_t)h[63]);
}

int ctl_cmd_init(struct ctl *c, const struct ctl_args *a)
{
	const struct gw_config *cfg = c->cfg;
	const char *db = cfg->store.path, *att = cfg->store.attachments_dir;
	const char *keyfile = cfg->links.key_file;
	struct link_keys *keys = NULL;
	int before, after, att_created = 0, key_created = 0, rc;
	char *error = NULL;
	struct stat st;

	before = file_schema_version(db);
	rc = ctl_open_store(c, 0);
	if (rc != 0)
		return rc;
	after = store_schema_version(c->store);

	if (mkdir(att, 0750) == 0)
		att_created = 1;
	else if (errno != EEXIST)
		return ctl_error(c, errno_code(errno), "attachments directory %s: %s", att,
				 strerror(errno));
	else if (stat(att, &st) < 0 || !S_ISDIR(st.st_mode))
		return ctl_error(c, EX_CONFIG, "attachments directory %s: not a directory",
				 att);

	if (lstat(keyfile, &st) < 0) {
		if (errno != ENOENT)
			return ctl_error(c, errno_code(errno), "key file %s: %s", keyfile,
					 strerror(errno));
		if (link_keys_create(keyfile, &error) < 0) {
			ctl_error(c, EX_CONFIG, "%s", error);
			free(error);
			return EX_CONFIG;
		}
		key_created = 1;
	}
	/* An existing file must be usable: owner-only and well-formed. */
	if (link_keys_load(keyfile, &keys, &error) < 0) {
		ctl_error(c, EX_CONFIG, "%s", error);
		free(error);
		return EX_CONFIG;
	}
	link_keys_free(&keys);

	if (c->json) {
		json_t *o = json_object();

		json_object_set_new(o, "database", json_string(db));
		json_object_set_new(o, "database_created", json_boolean(before <= 0));
		json_object_set_new(o, "schema_version_before",
				    before > 0 ? json_integer(before) : json_null());
		json_object_set_new(o, "schema_version", json_integer(after));
		json_object_set_new(o, "attachments_dir", json_string(att));
		json_object_set_new(o, "attachments_dir_created", json_boolean(att_created));
		json_object_set_new(o, "key_file", json_string(keyfile));
		json_object_set_new(o, "key_file_created", json_boolean(key_created));
		ctl_json_print(o);
		return 0;
	}
	if (before <= 0)
		printf("database %s: created, schema version %d\n", db, after);
	else if (before < after)
		printf("database %s: migrated from schema version %d to %d\n", db, before, after);
	else
		printf("database %s: schema version %d, up to date\n", db, after);
	printf("attachments %s: %s\n", att, att_created ? "created" : "exists");
	printf("key file %s: %s\n", keyfile,
	       key_created ? "created with a fresh signing key (mode 0600)" : "exists");
	return 0;
}

/* ---- link ---- */

int ctl_cmd_link(struct ctl *c, const struct ctl_args *a)
{
	const struct gw_config *cfg = c->cfg;
	struct link_keys *keys = NULL;
	struct viewlink link;
	char *error = NULL;
	enum store_kind kind;
	int64_t thread, who;
	uint32_t gen = 0;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "a thread id", a->pos[0], &thread);
	const char *who_s = rc == 0 ? ctl_need(c, a, "--for", &rc) : NULL;

	if (who_s == NULL)
		return rc;
	rc = ctl_parse_principal(c, "--for", who_s, 1, 1, &kind, &who);
	if (rc != 0)
		return rc;
	r = viewlink_check(c->store, thread, kind, who, &gen, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (link_keys_load(cfg->links.key_file, &keys, &error) < 0) {
		ctl_error(c, EX_CONFIG, "%s", error);
		free(error);
		return EX_CONFIG;
	}
	rc = viewlink_sign(keys, cfg->web.base_url, cfg->links.view_ttl, clock_now(), thread,
			   kind, who, gen, &link);
	link_keys_free(&keys);
	if (rc < 0)
		return ctl_error(c, EX_TEMPFAIL, "cannot sign the link");
	if (c->json) {
		json_t *o = json_object();

		json_object_set_new(o, "url", json_string(link.url));
		json_object_set_new(o, "token", json_string(link.token));
		json_object_set_new(o, "thread_id", json_integer(thread));
		json_object_set_new(o, "principal_kind", json_string(store_kind_name(kind)));
		json_object_set_new(o, "principal_id", json_integer(who));
		json_object_set_new(o, "generation", json_integer(gen));
		json_object_set_new(o, "expires", ctl_json_time(link.expires));
		ctl_json_print(o);
	} else {
		printf("%s\n", link.url);
	}
	viewlink_clear(&link);
	return 0;
}

/* ---- outbox and inbound ---- */

static int parse_limit(struct ctl *c, const struct ctl_args *a, int *limit_r)
{
	const char *s = ctl_opt(a, "--limit");
	int64_t v = 0;
	int rc = s != NULL ? ctl_parse_int(c, "--limit", s, 1, 1000000, &v) : 0;

	*limit_r = (int)v;
	return rc;
}

int ctl_cmd_outbox_list(struct ctl *c, const struct ctl_args *a)
{
	static const char *const head[] = { "ID", "STATUS", "KIND", "RECIPIENT", "ADDRESS",
					     "THREAD", "TRIES", "CREATED", "NEXT/SENT",
					     "ERROR" };
	struct store_outbox_list list = { 0 };
	enum store_out_status status = 0;
	const char *status_s = ctl_opt(a, "--status"), *thread_s = ctl_opt(a, "--thread");
	char *error = NULL, tbuf[CTL_TIME_MAX];
	int64_t thread = 0;
	enum gw_result r;
	int limit, rc = parse_limit(c, a, &limit);

	if (rc != 0)
		return rc;
	if (status_s != NULL && store_out_status_parse(status_s, &status) < 0)
		return ctl_usage(c, "--status: '%s' is not queued, sending, sent or failed",
				 status_s);
	if (thread_s != NULL) {
		struct store_thread t = { 0 };

		rc = ctl_parse_id(c, "--thread", "a thread id", thread_s, &thread);
		if (rc != 0)
			return rc;
		r = store_thread_get(c->store, thread, 0, 0, &t, &error);
		if (r != GW_OK)
			return ctl_store_fail(c, r, error);
		store_thread_clear(&t);
	}
	r = store_outbox_list(c->store, status, thread, limit, &list, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < list.count; i++)
			json_array_append_new(arr, ctl_json_outbox(&list.items[i]));
		ctl_json_print(arr);
	} else {
		struct ctl_table t;

		ctl_table_init(&t, GW_ARRAY_SIZE(head), head);
		for (size_t i = 0; i < list.count; i++) {
			const struct store_outbox *o = &list.items[i];

			ctl_table_cell(&t, "%lld", (long long)o->id);
			ctl_table_cell(&t, "%s", store_out_status_name(o->status));
			ctl_table_cell(&t, "%s", mail_kind_name(o->kind));
			if (o->recipient_kind == STORE_ADDRESS)
				ctl_table_cell(&t, "address");
			else
				ctl_table_cell(&t, "%s:%lld", store_kind_name(o->recipient_kind),
					       (long long)o->recipient_id);
			ctl_table_cell(&t, "%s", o->recipient_address != NULL
							 ? o->recipient_address : "");
			if (o->thread_id != 0)
				ctl_table_cell(&t, "%lld", (long long)o->thread_id);
			else
				ctl_table_cell(&t, "-");
			ctl_table_cell(&t, "%d", o->attempts);
			ctl_table_cell(&t, "%s", ctl_time(o->created_at, tbuf));
			ctl_table_cell(&t, "%s", ctl_time(o->status == STORE_OUT_SENT
								  ? o->sent_at
								  : o->next_attempt_at, tbuf));
			ctl_table_cell(&t, "%s", o->last_error != NULL ? o->last_error : "");
		}
		ctl_table_print(&t, stdout);
	}
	store_outbox_list_free(&list);
	return 0;
}

int ctl_cmd_inbound_list(struct ctl *c, const struct ctl_args *a)
{
	static const char *const head[] = { "ID", "RECEIVED", "VERDICT", "SENDER",
					     "RECIPIENT", "THREAD", "SIZE", "REASON" };
	struct store_inbound_list list = { 0 };
	char *error = NULL, tbuf[CTL_TIME_MAX];
	enum gw_result r;
	int limit, rc = parse_limit(c, a, &limit);

	if (rc != 0)
		return rc;
	r = store_inbound_list(c->store, limit, &list, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < list.count; i++) {
			const struct store_inbound *x = &list.items[i];
			json_t *o = json_object();

			json_object_set_new(o, "id", json_integer(x->id));
			json_object_set_new(o, "received_at", ctl_json_time(x->received_at));
			json_object_set_new(o, "sender", ctl_json_str(x->sender));
			json_object_set_new(o, "recipient", ctl_json_str(x->recipient));
			json_object_set_new(o, "message_id", ctl_json_str(x->message_id));
			json_object_set_new(o, "size", json_integer(x->size));
			json_object_set_new(o, "verdict", ctl_json_str(x->verdict));
			json_object_set_new(o, "thread_id", ctl_json_id(x->thread_id));
			json_object_set_new(o, "reason", ctl_json_str(x->reason));
			json_array_append_new(arr, o);
		}
		ctl_json_print(arr);
	} else {
		struct ctl_table t;

		ctl_table_init(&t, GW_ARRAY_SIZE(head), head);
		for (size_t i = 0; i < list.count; i++) {
			const struct store_inbound *x = &list.items[i];

			ctl_table_cell(&t, "%lld", (long long)x->id);
			ctl_table_cell(&t, "%s", ctl_time(x->received_at, tbuf));
			ctl_table_cell(&t, "%s", x->verdict);
			ctl_table_cell(&t, "%s", *x->sender != '\0' ? x->sender : "<>");
			ctl_table_cell(&t, "%s", x->recipient);
			if (x->thread_id != 0)
				ctl_table_cell(&t, "%lld", (long long)x->thread_id);
			else
				ctl_table_cell(&t, "-");
			ctl_table_cell(&t, "%lld", (long long)x->size);
			ctl_table_cell(&t, "%s", x->reason != NULL ? x->reason : "");
		}
		ctl_table_print(&t, stdout);
	}
	store_inbound_list_free(&list);
	return 0;
}

/* ---- tick ---- */

int ctl_cmd_tick(struct ctl *c, const struct ctl_args *a)
{
	const char *now_s = ctl_opt(a, "--now");
	struct tick_report rep;
	char *error = NULL, tbuf[CLOCK_ISO_MAX];
	int64_t now;
	int r;

	if (now_s != NULL) {
		if (clock_parse(now_s, &now) < 0)
			return ctl_usage(c, "--now: '%s' is not a time (2026-11-25T09:30:00Z, "
					 "2026-11-25 or @SECONDS)", now_s);
		/* Everything this run does reads the pinned time. */
		clock_set(now);
	}
	now = clock_now();
	r = tick_run(c->cfg, c->store, now, &rep, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, (enum gw_result)r, error);
	char hbuf[CLOCK_ISO_MAX];

	if (c->json) {
		json_t *j = json_pack("{s:s, s:i, s:i, s:i, s:i}", "now",
				      clock_format(rep.now, tbuf), "reminders_queued",
				      rep.reminders_queued, "sent", rep.sent, "deferred",
				      rep.deferred, "failed", rep.failed);

		json_object_set_new(j, "reminders_held_until",
				    rep.reminders_held > 0
					    ? json_string(clock_format(rep.reminders_held, hbuf))
					    : json_null());
		ctl_json_print(j);
	} else {
		printf("%s: %d reminder%s queued; %d sent, %d deferred, %d failed\n",
		       clock_format(rep.now, tbuf), rep.reminders_queued,
		       rep.reminders_queued == 1 ? "" : "s", rep.sent, rep.deferred,
		       rep.failed);
		if (rep.reminders_held > 0)
			printf("outside business hours: reminders wait until %s\n",
			       clock_format(rep.reminders_held, hbuf));
	}
	return 0;
}
