/*
 * ctl_refs.c - gatewayctl commands about a thread's external references
 * (a label and an http(s) URL into the firm's own systems): thread link,
 * thread unlink, and how thread show and thread new deal with them.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ctl.h"

json_t *ctl_json_refs(const struct store_thread_ref *refs, size_t n)
{
	json_t *arr = json_array();
	char tbuf[CTL_TIME_MAX];

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:I, s:I, s:s, s:s, s:s}",
			"id", (json_int_t)refs[i].id, "thread_id", (json_int_t)refs[i].thread_id,
			"label", refs[i].label, "url", refs[i].url,
			"created_at", ctl_time(refs[i].created_at, tbuf)));
	return arr;
}

void ctl_print_refs(const struct store_thread_ref *refs, size_t n)
{
	printf("\nlinks (%zu):\n", n);
	if (n == 0)
		printf("  (none)\n");
	for (size_t i = 0; i < n; i++)
		printf("  #%lld  %s  <%s>\n", (long long)refs[i].id, refs[i].label, refs[i].url);
}

/* The store names the field ("url: ..."); the command line names the option. */
static int ref_fail(struct ctl *c, enum gw_result r, char *error)
{
	int code = ctl_exit_code(r);

	if (error != NULL && (strncmp(error, "url:", 4) == 0 || strncmp(error, "label:", 6) == 0))
		ctl_error(c, code, "--%s", error);
	else
		ctl_error(c, code, "%s", error != NULL ? error : gw_result_name(r));
	free(error);
	return code;
}

int ctl_refs_from_opts(struct ctl *c, const struct ctl_args *a,
		       struct store_thread_ref_new **refs_r, size_t *n_r)
{
	size_t n_labels = 0, n_urls = 0;
	char *const *labels = ctl_opt_all(a, "--link-label", &n_labels);
	char *const *urls = ctl_opt_all(a, "--link-url", &n_urls);
	struct store_thread_ref_new *refs;

	*refs_r = NULL;
	*n_r = 0;
	if (n_labels != n_urls)
		return ctl_usage(c, "--link-label and --link-url go in pairs (%zu and %zu given)",
				 n_labels, n_urls);
	if (n_urls == 0)
		return 0;
	refs = xcalloc(n_urls, sizeof(*refs));
	for (size_t i = 0; i < n_urls; i++) {
		const char *field;
		char *error = NULL;
		enum gw_result r;

		refs[i].label = labels[i];
		refs[i].url = urls[i];
		r = store_thread_ref_check(labels[i], urls[i], &field, &error);
		if (r != GW_OK) {
			free(refs);
			ctl_error(c, ctl_exit_code(r), "--link-%s", error);
			free(error);
			return ctl_exit_code(r);
		}
	}
	*refs_r = refs;
	*n_r = n_urls;
	return 0;
}

int ctl_cmd_thread_link(struct ctl *c, const struct ctl_args *a)
{
	const char *label = ctl_opt(a, "--label"), *url = ctl_opt(a, "--url");
	struct store_thread_ref *refs = NULL;
	char *error = NULL;
	int64_t thread, id = 0;
	size_t n = 0;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "a thread id", a->pos[0], &thread);

	if (rc != 0)
		return rc;
	if (label == NULL)
		return ctl_usage(c, "--label is required");
	if (url == NULL)
		return ctl_usage(c, "--url is required");
	r = store_thread_ref_add(c->store, thread, 0, label, url, &id, &error);
	if (r != GW_OK)
		return ref_fail(c, r, error);
	if (!c->json) {
		printf("%lld\n", (long long)id);
		return 0;
	}
	r = store_thread_refs(c->store, thread, &refs, &n, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	for (size_t i = 0; i < n; i++) {
		if (refs[i].id == id) {
			json_t *arr = ctl_json_refs(&refs[i], 1);

			ctl_json_print(json_incref(json_array_get(arr, 0)));
			json_decref(arr);
		}
	}
	store_thread_refs_free(refs, n);
	return 0;
}

int ctl_cmd_thread_unlink(struct ctl *c, const struct ctl_args *a)
{
	char *error = NULL;
	int64_t thread, ref;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "a thread id", a->pos[0], &thread);

	if (rc == 0)
		rc = ctl_parse_id(c, NULL, "a link id", a->pos[1], &ref);
	if (rc != 0)
		return rc;
	r = store_thread_ref_remove(c->store, thread, ref, 0, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:I, s:b}", "thread_id", (json_int_t)thread, "id",
					 (json_int_t)ref, "removed", 1));
	else
		printf("thread %lld: link %lld removed\n", (long long)thread, (long long)ref);
	return 0;
}
