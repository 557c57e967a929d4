/*
 * ctl_privacy.c - gatewayctl and the firm's duties to keep no more than it
 * needs and to say who saw or changed what:
 *   account hold ACCOUNT_ID on|off   the legal hold of an account
 *   audit [--account ID] [--since DATE] [--before ID] [--limit N]
 *   retention run [--now TIME]       what the daemon does every interval
 * and the audit entry of every gatewayctl command that touches chats,
 * keys or holds (ctl_audit_begin / ctl_audit_end, called by main): the
 * command runs inside one write transaction with its entry, so the change
 * and its entry are committed together or not at all.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "clock.h"
#include "ctl.h"
#include "retention.h"

/* Commands audited, with the action they are recorded as, whether their
 * first argument is a thread or an account, and a flag that makes them
 * another action. */
static const struct ctl_audited {
	const char *cmd;
	const char *action;
	char first;      /* 't' thread id, 'a' account id, 'x' another id, 0 none */
	const char *flag;        /* given: recorded as flag_action instead */
	const char *flag_action;
} audited[] = {
	{ "thread show", "view", 't', "--as", "view_as" },
	{ "thread new", "post", 0, NULL, NULL },
	{ "thread archive", "archive", 't', NULL, NULL },
	{ "thread show-content", "content", 't', NULL, NULL },
	{ "thread reopen", "reopen", 't', NULL, NULL },
	{ "thread resend", "resend", 't', NULL, NULL },
	{ "thread follow", "follow", 't', NULL, NULL },
	{ "thread unfollow", "follow", 't', NULL, NULL },
	{ "thread link", "link", 't', NULL, NULL },
	{ "thread unlink", "link", 't', NULL, NULL },
	{ "message post", "post", 't', "--internal", "note" },
	{ "task done", "task", 'x', NULL, NULL },
	{ "task add", "task", 't', NULL, NULL },
	{ "task edit", "task", 'x', NULL, NULL },
	{ "task remove", "task", 'x', NULL, NULL },
	{ "task move", "task", 'x', NULL, NULL },
	{ "reminders set", "reminders", 't', NULL, NULL },
	{ "link", "view", 't', NULL, NULL },
	{ "contact email", "contact", 'x', NULL, NULL },
	{ "contact remove", "contact", 'x', NULL, NULL },
	{ "contact notify", "contact", 'x', NULL, NULL },
	{ "contact language", "contact", 'x', NULL, NULL },
	{ "staff language", "language", 'x', NULL, NULL },
	{ "contact clear-bounce", "contact", 'x', NULL, NULL },
	{ "contact revoke", "contact", 'x', NULL, NULL },
	{ "account hold", "hold", 'a', NULL, NULL },
	{ "apikey add", "api_key", 0, NULL, NULL },
	{ "apikey revoke", "api_key", 'x', NULL, NULL },
	{ "keys rotate", "key_rotation", 0, NULL, NULL },
	{ "webhook add", "webhook", 0, NULL, NULL },
	{ "webhook remove", "webhook", 0, NULL, NULL },
	{ "webhook enable", "webhook", 0, NULL, NULL },
	{ "webhook disable", "webhook", 0, NULL, NULL },
	{ "audit", "audit", 0, NULL, NULL },
	{ "staff add", "account", 0, NULL, NULL },
	{ "staff set", "account", 'x', NULL, NULL },
	{ "template add", "template", 0, NULL, NULL },
	{ "template remove", "template", 0, NULL, NULL },
};

static const struct ctl_audited *audited_find(const char *cmd)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(audited); i++)
		if (strcmp(audited[i].cmd, cmd) == 0)
			return &audited[i];
	return NULL;
}

int ctl_audit_begin(struct ctl *c)
{
	char *error = NULL;
	enum gw_result r;

	if (audited_find(c->cmd) == NULL || c->store == NULL)
		return 0;
	r = store_request_begin(c->store, 1, &error);
	return r == GW_OK ? 0 : ctl_store_fail(c, r, error);
}

/* Who runs gatewayctl, as the audit log names them. */
static void cli_actor(struct store_audit_in *in, char *name, size_t size)
{
	struct passwd *pw = getpwuid(getuid());

	snprintf(name, size, "%s", pw != NULL && pw->pw_name != NULL ? pw->pw_name : "unknown");
	in->actor = STORE_AUDIT_CLI;
	in->actor_id = (int64_t)getuid();
	in->actor_name = name;
	in->client = "local";
}

int ctl_audit_append(struct ctl *c, const char *action, int64_t account_id,
		     const char *target)
{
	struct store_audit_in in;
	char name[96], *error = NULL;
	enum gw_result r;

	memset(&in, 0, sizeof(in));
	cli_actor(&in, name, sizeof(name));
	in.action = action;
	in.account_id = account_id;
	in.target = target;
	r = store_audit_append(c->store, &in, NULL, &error);
	return r == GW_OK ? 0 : ctl_store_fail(c, r, error);
}

/* Digits only (a contact id as typed): safe to copy into a target. */
static int digits_only(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n < 20 && s[n] == '\0';
}

static int append_entry(struct ctl *c, const struct ctl_audited *au,
			const struct ctl_args *a)
{
	struct store_audit_in in;
	char name[96], target[96], *error = NULL;
	int64_t id = 0;
	enum gw_result r;

	memset(&in, 0, sizeof(in));
	cli_actor(&in, name, sizeof(name));
	in.action = au->flag != NULL && ctl_flag(a, au->flag) ? au->flag_action : au->action;
	/* The command and the id it was given: never a text or a key. */
	if (au->first != 0 && a->npos > 0 && ctl_parse_id(c, NULL, "an id", a->pos[0], &id) == 0) {
		if (au->first == 't')
			in.thread_id = id;
		else if (au->first == 'a')
			in.account_id = id;
		snprintf(target, sizeof(target), "gatewayctl %s %lld", c->cmd, (long long)id);
	} else {
		snprintf(target, sizeof(target), "gatewayctl %s", c->cmd);
	}
	if ((strcmp(c->cmd, "account hold") == 0 || strcmp(c->cmd, "contact notify") == 0) &&
	    a->npos > 1)
		snprintf(target + strlen(target), sizeof(target) - strlen(target), " %s",
			 strcmp(a->pos[1], "on") == 0 ? "on" : "off");
	/* the right given or taken: what changed, never a name or address */
	if (strcmp(c->cmd, "staff set") == 0 && ctl_opt(a, "--view-all") != NULL)
		snprintf(target + strlen(target), sizeof(target) - strlen(target),
			 " view-all %s", strcmp(ctl_opt(a, "--view-all"), "on") == 0 ? "on" : "off");
	if (strcmp(c->cmd, "thread show") == 0 && ctl_opt(a, "--as") != NULL &&
	    strncmp(ctl_opt(a, "--as"), "contact:", 8) == 0 &&
	    digits_only(ctl_opt(a, "--as") + 8))
		snprintf(target + strlen(target), sizeof(target) - strlen(target), " as %s",
			 ctl_opt(a, "--as"));
	if (strcmp(c->cmd, "staff add") == 0 && ctl_flag(a, "--view-all"))
		snprintf(target + strlen(target), sizeof(target) - strlen(target), " view-all on");
	in.target = target;
	r = store_audit_append(c->store, &in, NULL, &error);
	return r == GW_OK ? 0 : ctl_store_fail(c, r, error);
}

int ctl_audit_end(struct ctl *c, const struct ctl_args *a, int rc)
{
	const struct ctl_audited *au = audited_find(c->cmd);
	char *error = NULL;
	enum gw_result r;

	if (au == NULL)
		return rc;
	if (c->store == NULL) {
		/* keys rotate opens no database: its entry has a transaction
		 * of its own, after the key file was written */
		if (rc != 0 || ctl_open_store(c, 1) != 0)
			return rc != 0 ? rc : ctl_error(c, EX_TEMPFAIL, "the key was rotated, "
							"but the audit log cannot be written");
		return append_entry(c, au, a);
	}
	if (rc == 0)
		rc = append_entry(c, au, a);
	r = store_request_end(c->store, rc == 0, &error);
	if (rc == 0 && r != GW_OK)
		return ctl_store_fail(c, r, error);
	free(error);
	return rc;
}

/* ---- account hold ---- */

int ctl_cmd_account_hold(struct ctl *c, const struct ctl_args *a)
{
	int64_t id, since = 0;
	int held = 0, on, rc = ctl_parse_id(c, NULL, "an account id", a->pos[0], &id);
	char *error = NULL, tbuf[CTL_TIME_MAX];
	enum gw_result r;

	if (rc != 0)
		return rc;
	if (a->npos < 2) {
		r = store_account_held(c->store, id, &held, &since, &error);
	} else {
		if (strcmp(a->pos[1], "on") != 0 && strcmp(a->pos[1], "off") != 0)
			return ctl_usage(c, "'%s': say on or off", a->pos[1]);
		on = strcmp(a->pos[1], "on") == 0;
		r = store_account_set_hold(c->store, id, on, &error);
		if (r == GW_OK)
			r = store_account_held(c->store, id, &held, &since, &error);
	}
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:b, s:o}", "account_id", (json_int_t)id,
					 "legal_hold", held, "since", ctl_json_time(since)));
	else if (held)
		printf("account %lld: on legal hold since %s\n", (long long)id,
		       ctl_time(since, tbuf));
	else
		printf("account %lld: not on legal hold\n", (long long)id);
	return 0;
}

/* ---- audit ---- */

static json_t *json_entry(const struct store_audit *e)
{
	return json_pack("{s:I, s:o, s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:o}",
			 "id", (json_int_t)e->id, "at", ctl_json_time(e->at),
			 "actor_kind", store_audit_actor_name(e->actor),
			 "actor_id", ctl_json_id(e->actor_id), "actor_name", e->actor_name,
			 "action", e->action, "account_id", ctl_json_id(e->account_id),
			 "thread_id", ctl_json_id(e->thread_id),
			 "target", ctl_json_str(e->target), "client", ctl_json_str(e->client),
			 "api_key", ctl_json_str(e->api_key));
}

static void print_entries(const struct store_audit_list *list)
{
	static const char *const head[] = { "ID", "WHEN", "WHO", "ACTION", "ACCOUNT",
					    "THREAD", "WHAT", "FROM" };
	struct ctl_table t;
	char tbuf[CTL_TIME_MAX];

	ctl_table_init(&t, GW_ARRAY_SIZE(head), head);
	for (size_t i = 0; i < list->count; i++) {
		const struct store_audit *e = &list->items[i];

		ctl_table_cell(&t, "%lld", (long long)e->id);
		ctl_table_cell(&t, "%s", ctl_time(e->at, tbuf));
		ctl_table_cell(&t, "%s %s", store_audit_actor_name(e->actor), e->actor_name);
		ctl_table_cell(&t, "%s", e->action);
		if (e->account_id != 0)
			ctl_table_cell(&t, "%lld", (long long)e->account_id);
		else
			ctl_table_cell(&t, "-");
		if (e->thread_id != 0)
			ctl_table_cell(&t, "%lld", (long long)e->thread_id);
		else
			ctl_table_cell(&t, "-");
		ctl_table_cell(&t, "%s", e->target != NULL ? e->target : "-");
		ctl_table_cell(&t, "%s%s%s", e->client != NULL ? e->client : "-",
			       e->api_key != NULL ? " key " : "",
			       e->api_key != NULL ? e->api_key : "");
	}
	ctl_table_print(&t, stdout);
}

int ctl_cmd_audit(struct ctl *c, const struct ctl_args *a)
{
	struct store_audit_filter f = { 0 };
	struct store_audit_list list = { 0 };
	const char *s;
	int64_t limit = 100;
	char *error = NULL;
	enum gw_result r;
	int rc = 0;

	if ((s = ctl_opt(a, "--account")) != NULL)
		rc = ctl_parse_id(c, "--account", "an account id", s, &f.account_id);
	if (rc == 0 && (s = ctl_opt(a, "--before")) != NULL)
		rc = ctl_parse_id(c, "--before", "an audit entry id", s, &f.before_id);
	if (rc == 0 && (s = ctl_opt(a, "--limit")) != NULL)
		rc = ctl_parse_int(c, "--limit", s, 1, 1000, &limit);
	if (rc == 0 && (s = ctl_opt(a, "--since")) != NULL && clock_parse(s, &f.since) < 0)
		rc = ctl_usage(c, "--since: '%s' is not a date (2026-11-25 or "
			       "2026-11-25T09:30:00Z)", s);
	if (rc != 0)
		return rc;
	f.limit = (int)limit;
	r = store_audit_list(c->store, &f, &list, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < list.count; i++)
			json_array_append_new(arr, json_entry(&list.items[i]));
		ctl_json_print(json_pack("{s:o, s:o}", "audit", arr, "next_before",
					 list.more ? json_integer(list.items[list.count - 1].id)
						   : json_null()));
	} else {
		print_entries(&list);
		if (list.more)
			printf("(older entries: --before %lld)\n",
			       (long long)list.items[list.count - 1].id);
	}
	store_audit_list_free(&list);
	return 0;
}

/* ---- retention run ---- */

int ctl_cmd_retention_run(struct ctl *c, const struct ctl_args *a)
{
	const struct cfg_retention *cr = &c->cfg->retention;
	struct store_retention p = { cr->archived_threads, cr->attachments, cr->outbox,
				     cr->inbound_log, cr->sessions };
	struct store_retention_result res;
	const char *now_s = ctl_opt(a, "--now");
	int64_t now = clock_now();
	char *error = NULL;
	enum gw_result r;

	if (now_s != NULL && clock_parse(now_s, &now) < 0)
		return ctl_usage(c, "--now: '%s' is not a time (2026-11-25T09:30:00Z)", now_s);
	if (now_s != NULL)
		clock_set(now);
	memset(&res, 0, sizeof(res));
	do {
		r = store_retention_step(c->store, &p, now, (int)cr->batch,
					 c->cfg->store.attachments_dir, &res, &error);
	} while (r == GW_OK && res.more);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "threads",
					 (json_int_t)res.threads, "attachments",
					 (json_int_t)res.attachments, "outbox",
					 (json_int_t)res.outbox, "inbound_log",
					 (json_int_t)res.inbound, "sessions",
					 (json_int_t)res.sessions, "files", (json_int_t)res.files));
	else
		printf("deleted %lld threads, %lld attachments, %lld outbox rows, "
		       "%lld inbound log rows, %lld session and sign-in rows, %lld files\n",
		       (long long)res.threads, (long long)res.attachments,
		       (long long)res.outbox, (long long)res.inbound, (long long)res.sessions,
		       (long long)res.files);
	return 0;
}
