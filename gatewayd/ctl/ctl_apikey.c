/*
 * ctl_apikey.c - gatewayctl commands for the JSON API's bearer keys: add
 * (prints the new key once; the store keeps only its SHA-256), revoke and
 * list.  See apikey.h for the key format.
 */
#include <stdlib.h>
#include <string.h>

#include "apikey.h"
#include "ctl.h"

int ctl_cmd_apikey_add(struct ctl *c, const struct ctl_args *a)
{
	char key[APIKEY_MAX], hash[65], *error = NULL;
	int64_t id = 0;
	enum gw_result r;

	if (apikey_generate(key) < 0)
		return ctl_error(c, EX_TEMPFAIL, "no random bytes for a key");
	apikey_hash(key, strlen(key), hash);
	r = store_apikey_add(c->store, a->pos[0], hash, &id, &error);
	if (r != GW_OK) {
		memset(key, 0, sizeof(key));
		return ctl_store_fail(c, r, error);
	}
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id,
					 "name", a->pos[0], "key", key, "key_sha256", hash));
	else
		printf("%s\n", key);
	memset(key, 0, sizeof(key));
	return 0;
}

int ctl_cmd_apikey_revoke(struct ctl *c, const struct ctl_args *a)
{
	struct store_apikey_list list = { 0 };
	char *error = NULL, tbuf[CTL_TIME_MAX];
	const struct store_apikey *k = NULL;
	int64_t id;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "an api key id", a->pos[0], &id);

	if (rc != 0)
		return rc;
	r = store_apikey_revoke(c->store, id, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	/* Read back for the name and the time it was revoked (the first time). */
	r = store_apikey_list(c->store, &list, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	for (size_t i = 0; i < list.count; i++)
		if (list.items[i].id == id)
			k = &list.items[i];
	if (k == NULL) {
		store_apikey_list_free(&list);
		return ctl_error(c, EX_DATAERR, "api key %lld: no such id", (long long)id);
	}
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:s, s:o}", "id", (json_int_t)k->id, "name",
					 k->name, "revoked_at", ctl_json_time(k->revoked_at)));
	else
		printf("api key %lld (%s): revoked %s\n", (long long)k->id, k->name,
		       ctl_time(k->revoked_at, tbuf));
	store_apikey_list_free(&list);
	return 0;
}

int ctl_cmd_apikey_list(struct ctl *c, const struct ctl_args *a)
{
	static const char *const head[] = { "ID", "NAME", "CREATED", "REVOKED" };
	struct store_apikey_list list = { 0 };
	char *error = NULL, tbuf[CTL_TIME_MAX];
	enum gw_result r = store_apikey_list(c->store, &list, &error);

	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < list.count; i++) {
			const struct store_apikey *k = &list.items[i];

			json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:o, s:o}",
				"id", (json_int_t)k->id, "name", k->name,
				"key_sha256", k->key_sha256,
				"created_at", ctl_json_time(k->created_at),
				"revoked_at", ctl_json_time(k->revoked_at)));
		}
		ctl_json_print(arr);
	} else {
		struct ctl_table t;

		ctl_table_init(&t, GW_ARRAY_SIZE(head), head);
		for (size_t i = 0; i < list.count; i++) {
			const struct store_apikey *k = &list.items[i];

			ctl_table_cell(&t, "%lld", (long long)k->id);
			ctl_table_cell(&t, "%s", k->name);
			ctl_table_cell(&t, "%s", ctl_time(k->created_at, tbuf));
			ctl_table_cell(&t, "%s", ctl_time(k->revoked_at, tbuf));
		}
		ctl_table_print(&t, stdout);
	}
	store_apikey_list_free(&list);
	return 0;
}
