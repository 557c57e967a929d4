/*
 * ctl_webhook.c - webhook endpoints from the command line: `webhook list`,
 * `webhook add` and `webhook remove` (endpoints of the API kind; those of
 * [webhooks] live in the config file), `webhook enable` (after the
 * endpoint was disabled for failing; its waiting events go out at once)
 * and `webhook disable`.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"
#include "store_webhooks.h"
#include "webhook.h"
#include "webhook_json.h"

static json_t *json_endpoint(const struct store_webhook *e)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:b, s:b, s:o, s:o, s:s?,"
			      " s:I, s:I, s:s?}",
			      "id", (json_int_t)e->id, "name", e->name, "url", e->url,
			      "secret_file", e->secret_file,
			      "events", webhook_json_events(e->events),
			      "source", e->from_config ? "config" : "api",
			      "enabled", e->enabled, "removed", e->removed,
			      "failing_since", ctl_json_time(e->failing_since),
			      "disabled_at", ctl_json_time(e->disabled_at),
			      "disabled_reason", e->disabled_reason,
			      "waiting", (json_int_t)e->queued,
			      "delivered", (json_int_t)e->delivered,
			      "last_error", e->last_error);
	return o;
}

static const char *state_of(const struct store_webhook *e)
{
	if (e->removed)
		return "removed";
	if (!e->enabled)
		return "disabled";
	return e->failing_since != 0 ? "failing" : "enabled";
}

int ctl_cmd_webhook_list(struct ctl *c, const struct ctl_args *a)
{
	static const char *const head[] = { "ID", "NAME", "SOURCE", "STATE", "WAITING",
					    "DELIVERED", "URL", "LAST ERROR" };
	struct store_webhook_list list = { 0 };
	char *error = NULL;
	enum gw_result r;

	(void)a;
	r = store_webhook_list(c->store, &list, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < list.count; i++)
			json_array_append_new(arr, json_endpoint(&list.items[i]));
		ctl_json_print(arr);
	} else {
		struct ctl_table t;

		ctl_table_init(&t, GW_ARRAY_SIZE(head), head);
		for (size_t i = 0; i < list.count; i++) {
			const struct store_webhook *e = &list.items[i];

			ctl_table_cell(&t, "%lld", (long long)e->id);
			ctl_table_cell(&t, "%s", e->name);
			ctl_table_cell(&t, "%s", e->from_config ? "config" : "api");
			ctl_table_cell(&t, "%s", state_of(e));
			ctl_table_cell(&t, "%lld", (long long)e->queued);
			ctl_table_cell(&t, "%lld", (long long)e->delivered);
			ctl_table_cell(&t, "%s", e->url);
			ctl_table_cell(&t, "%s", e->last_error != NULL ? e->last_error : "");
		}
		ctl_table_print(&t, stdout);
	}
	store_webhook_list_free(&list);
	return 0;
}

static int find(struct ctl *c, const char *name, struct store_webhook *e)
{
	char *error = NULL;
	enum gw_result r = store_webhook_find(c->store, name, e, &error);

	return r == GW_OK ? 0 : ctl_store_fail(c, r, error);
}

static int set_enabled(struct ctl *c, const struct ctl_args *a, int on)
{
	struct store_webhook e;
	char *error = NULL;
	enum gw_result r;
	int rc = find(c, a->pos[0], &e);

	if (rc != 0)
		return rc;
	r = store_webhook_set_enabled(c->store, e.id, on, &error);
	if (r != GW_OK) {
		store_webhook_clear(&e);
		return ctl_store_fail(c, r, error);
	}
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:s, s:b}", "id", (json_int_t)e.id, "name", e.name,
					 "enabled", on));
	else if (on)
		printf("webhook %s: enabled; %lld waiting event%s go out now\n", e.name,
		       (long long)e.queued, e.queued == 1 ? "" : "s");
	else
		printf("webhook %s: disabled; events wait until it is enabled\n", e.name);
	store_webhook_clear(&e);
	return 0;
}

int ctl_cmd_webhook_enable(struct ctl *c, const struct ctl_args *a)
{
	return set_enabled(c, a, 1);
}

int ctl_cmd_webhook_disable(struct ctl *c, const struct ctl_args *a)
{
	return set_enabled(c, a, 0);
}

int ctl_cmd_webhook_add(struct ctl *c, const struct ctl_args *a)
{
	struct store_webhook_in in = { a->pos[0], a->pos[1], a->pos[2], WEBHOOK_EVENTS_ALL };
	const char *events = ctl_opt(a, "--events");
	char *why = NULL, *secret = NULL, *error = NULL, abs[PATH_MAX];
	int64_t id = 0;
	enum gw_result r;

	if (webhook_name_check(in.name, &why) < 0 || webhook_url_check(in.url, &why) < 0 ||
	    webhook_secret_read(in.secret_file, &secret, &why) < 0) {
		int rc = ctl_usage(c, "%s", why);

		free(why);
		return rc;
	}
	free(secret);
	/* The daemon reads it from another directory. */
	if (realpath(in.secret_file, abs) != NULL)
		in.secret_file = abs;
	if (events != NULL && webhook_events_parse(events, &in.events, &why) < 0) {
		int rc = ctl_usage(c, "--events: \"%s\" is no event; known: %s", why,
				   webhook_events_known());

		free(why);
		return rc;
	}
	r = store_webhook_add(c->store, &in, &id, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:s}", "id", (json_int_t)id, "name", in.name));
	else
		printf("%lld\n", (long long)id);
	return 0;
}

int ctl_cmd_webhook_remove(struct ctl *c, const struct ctl_args *a)
{
	struct store_webhook e;
	char *error = NULL;
	enum gw_result r;
	int rc = find(c, a->pos[0], &e);

	if (rc != 0)
		return rc;
	r = store_webhook_remove(c->store, e.id, &error);
	store_webhook_clear(&e);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (!c->json)
		printf("webhook %s: removed with its waiting events\n", a->pos[0]);
	else
		ctl_json_print(json_pack("{s:s, s:b}", "name", a->pos[0], "removed", 1));
	return 0;
}
