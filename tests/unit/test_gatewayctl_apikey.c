/*
 * test_gatewayctl_apikey.c - `gatewayctl apikey add | revoke | list` run
 * as a user runs them (temp config, real SQLite): the key is printed once
 * and only its SHA-256 reaches the database; list never shows a key;
 * revoke makes the store refuse the key; refusals exit 64 / 65 naming
 * what was wrong.  The API's side of revocation is in test_api.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apikey.h"
#include "buf.h"
#include "clock.h"
#include "gw.h"
#include "store.h"
#include "test_gatewayctl_util.h"

/* Does the file hold these bytes anywhere? */
static int file_contains(const struct env *e, const char *name, const char *needle)
{
	char *path = path_in(e, name);
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n, len = strlen(needle);
	FILE *f = fopen(path, "rb");
	int found = 0;

	free(path);
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

/* The store's view of the key called name (fails if missing). */
static void find_key(const struct env *e, const char *name, struct store_apikey *k_r)
{
	struct gw_config *cfg = NULL;
	struct store *store = NULL;
	struct store_apikey_list list = { 0 };
	char *error = NULL;

	assert_int_equal(cfg_load(e->conf, &cfg, &error), 0);
	assert_int_equal(store_open(&cfg->store, &store, &error), 0);
	assert_int_equal(store_apikey_list(store, &list, &error), GW_OK);
	memset(k_r, 0, sizeof(*k_r));
	for (size_t i = 0; i < list.count; i++) {
		if (strcmp(list.items[i].name, name) == 0) {
			*k_r = list.items[i];
			memset(&list.items[i], 0, sizeof(list.items[i]));
		}
	}
	store_apikey_list_free(&list);
	store_close(&store);
	cfg_free(&cfg);
	if (k_r->id == 0)
		fail_msg("no api key \"%s\"", name);
}

/* Is this key accepted by the store (as the API asks)? */
static int key_valid(const struct env *e, const char *key)
{
	struct gw_config *cfg = NULL;
	struct store *store = NULL;
	struct store_apikey k = { 0 };
	char *error = NULL, hash[65];
	enum gw_result r;

	apikey_hash(key, strlen(key), hash);
	assert_int_equal(cfg_load(e->conf, &cfg, &error), 0);
	assert_int_equal(store_open(&cfg->store, &store, &error), 0);
	r = store_apikey_find(store, hash, &k, &error);
	free(error);
	store_apikey_clear(&k);
	store_close(&store);
	cfg_free(&cfg);
	return r == GW_OK;
}

static void test_gatewayctl_apikey_add_list_revoke(void **state)
{
	struct env *e = *state;
	struct store_apikey k;
	char hash[65], *out, *id;
	json_t *j, *x;

	free(OK(e, "init"));
	out = OK(e, "apikey", "add", "portal");
	/* One line: the key, "gw_" and 43 base64url characters. */
	assert_int_equal(strlen(out), APIKEY_LEN + 1);
	assert_int_equal(out[APIKEY_LEN], '\n');
	out[APIKEY_LEN] = '\0';
	assert_memory_equal(out, APIKEY_PREFIX, strlen(APIKEY_PREFIX));
	assert_int_equal(strspn(out + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				"0123456789-_"), APIKEY_LEN - 3);

	/* Only the hash is kept. */
	apikey_hash(out, strlen(out), hash);
	find_key(e, "portal", &k);
	assert_string_equal(k.key_sha256, hash);
	assert_int_equal(k.revoked_at, 0);
	assert_false(file_contains(e, "gw.db", out + 3));
	assert_false(file_contains(e, "gw.db-wal", out + 3));
	assert_true(key_valid(e, out));

	/* A second key is different. */
	j = JSON(e, "apikey", "add", "crm");
	assert_string_not_equal(json_string_value(json_object_get(j, "key")), out);
	apikey_hash(json_string_value(json_object_get(j, "key")),
		    strlen(json_string_value(json_object_get(j, "key"))), hash);
	assert_string_equal(json_string_value(json_object_get(j, "key_sha256")), hash);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "crm");
	assert_true(json_is_integer(json_object_get(j, "id")));
	json_decref(j);

	/* list shows names, never keys. */
	char *list = OK(e, "apikey", "list");
	expect_in("apikey list", list, "NAME");
	expect_in("apikey list", list, "portal");
	expect_in("apikey list", list, "crm");
	assert_null(strstr(list, out));
	assert_null(strstr(list, k.key_sha256));
	free(list);
	j = JSON(e, "apikey", "list");
	assert_int_equal(json_array_size(j), 2);
	x = json_array_get(j, 0);
	assert_string_equal(json_string_value(json_object_get(x, "name")), "portal");
	assert_true(json_is_null(json_object_get(x, "revoked_at")));
	assert_non_null(json_string_value(json_object_get(x, "created_at")));
	assert_null(json_object_get(x, "key"));
	json_decref(j);

	/* revoke: refused by the store from now on; again is fine. */
	id = fmt_id(k.id);
	char *rev = OK(e, "apikey", "revoke", id);
	expect_in("apikey revoke", rev, "portal");
	expect_in("apikey revoke", rev, "revoked");
	free(rev);
	assert_false(key_valid(e, out));
	j = JSON(e, "apikey", "revoke", id);
	assert_non_null(json_string_value(json_object_get(j, "revoked_at")));
	json_decref(j);
	j = JSON(e, "apikey", "list");
	assert_false(json_is_null(json_object_get(json_array_get(j, 0), "revoked_at")));
	assert_true(json_is_null(json_object_get(json_array_get(j, 1), "revoked_at")));
	json_decref(j);

	store_apikey_clear(&k);
	free(id);
	free(out);
}

static void test_gatewayctl_apikey_refusals_exit_64_65(void **state)
{
	struct env *e = *state;
	static const struct {
		const char *args[6];
		int code;
		const char *want;
	} cases[] = {
		{ { "apikey", "add" }, 64, "NAME is required" },
		{ { "apikey", "add", "a", "b" }, 64, "unexpected argument 'b'" },
		{ { "apikey", "add", "" }, 64, "api key name" },
		{ { "apikey", "add", "portal" }, 65, "already exists" },
		{ { "apikey", "revoke" }, 64, "API_KEY_ID is required" },
		{ { "apikey", "revoke", "x" }, 64, "'x' is not an api key id" },
		{ { "apikey", "revoke", "99" }, 65, "api key 99" },
		{ { "apikey", "frob" }, 64, "'frob' is not a apikey command" },
	};

	free(OK(e, "init"));
	free(OK(e, "apikey", "add", "portal"));
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		const char *argv[10] = { "-c", e->conf };
		size_t k = 2;
		struct res r;

		for (size_t j = 0; cases[i].args[j] != NULL; j++)
			argv[k++] = cases[i].args[j];
		argv[k] = NULL;
		r = run_argv(e, argv);
		if (r.code != cases[i].code || strstr(r.err, cases[i].want) == NULL)
			fail_msg("case %zu: exit %d, stderr \"%s\"; want %d and \"%s\"", i, r.code,
				 r.err, cases[i].code, cases[i].want);
		if (*r.out != '\0')
			fail_msg("case %zu: stdout not empty: %s", i, r.out);
		res_free(&r);
	}
	/* help names the once-only key */
	struct res r = CTL(e, "apikey", "add", "--help");
	assert_int_equal(r.code, 0);
	expect_in("apikey add --help", r.out, "only this once");
	res_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gatewayctl_apikey_add_list_revoke, setup_env,
						teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_apikey_refusals_exit_64_65,
						setup_env, teardown_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
