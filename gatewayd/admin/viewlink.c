/*
 * viewlink.c - who may receive a View-chat link for a thread, and the
 * signing of it (see viewlink.h).  The rules are the store's
 * (store_thread_access); this file adds messages that say why not.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "viewlink.h"

static enum gw_result check_contact(struct store *store, const struct store_thread *t,
				    int64_t id, uint32_t *gen_r, char **error_r)
{
	struct store_contact k = { 0 };
	enum gw_result r = store_contact_get(store, id, &k, error_r);

	if (r != GW_OK)
		return r;
	*gen_r = k.generation;
	if (k.account_id != t->account_id) {
		*error_r = xasprintf("contact %lld (%s) belongs to account %lld, not to account "
				     "%lld (%s) of thread %lld",
				     (long long)id, k.name, (long long)k.account_id,
				     (long long)t->account_id, t->account_name, (long long)t->id);
		store_contact_clear(&k);
		return GW_PERMFAIL;
	}
	if (k.removed_at != 0) {
		*error_r = xasprintf("contact %lld (%s) was removed", (long long)id, k.name);
		store_contact_clear(&k);
		return GW_PERMFAIL;
	}
	store_contact_clear(&k);
	/* The store's own rule, which the web view applies too. */
	return store_thread_access(store, t->id, STORE_CONTACT, id, error_r);
}

static enum gw_result check_staff(struct store *store, const struct store_thread *t,
				  int64_t id, uint32_t *gen_r, char **error_r)
{
	struct store_staff s = { 0 };
	enum gw_result r = store_staff_get(store, id, &s, error_r);

	if (r != GW_OK)
		return r;
	*gen_r = s.generation;
	r = store_thread_access(store, t->id, STORE_STAFF, id, error_r);
	if (r == GW_NOTFOUND) {
		free(*error_r);
		*error_r = xasprintf("staff %lld (%s, %s) may not see thread %lld: account %lld "
				     "(%s) is not assigned to them",
				     (long long)id, s.name, store_role_name(s.role),
				     (long long)t->id, (long long)t->account_id, t->account_name);
		r = GW_PERMFAIL;
	}
	store_staff_clear(&s);
	return r;
}

enum gw_result viewlink_check(struct store *store, int64_t thread_id, enum store_kind kind,
			      int64_t id, uint32_t *gen_r, char **error_r)
{
	struct store_thread t = { 0 };
	enum gw_result r;

	*gen_r = 0;
	if (kind != STORE_CONTACT && kind != STORE_STAFF) {
		*error_r = xasprintf("thread %lld: links are for contacts and staff, not %s",
				     (long long)thread_id, store_kind_name(kind));
		return GW_INVALID;
	}
	r = store_thread_get(store, thread_id, 0, 0, &t, error_r);
	if (r != GW_OK)
		return r;
	if (kind == STORE_CONTACT)
		r = check_contact(store, &t, id, gen_r, error_r);
	else
		r = check_staff(store, &t, id, gen_r, error_r);
	store_thread_clear(&t);
	return r;
}

int viewlink_sign(const struct link_keys *keys, const char *base_url, int64_t ttl,
		  int64_t now, int64_t thread_id, enum store_kind kind, int64_t id,
		  uint32_t generation, struct viewlink *link_r)
{
	struct link_claims claims = { 0 };

	memset(link_r, 0, sizeof(*link_r));
	claims.purpose = LINK_VIEW;
	claims.thread_id = thread_id;
	claims.kind = kind == STORE_CONTACT ? LINK_CONTACT : LINK_STAFF;
	claims.principal_id = id;
	claims.generation = generation;
	claims.expires = now + ttl;
	if ((kind != STORE_CONTACT && kind != STORE_STAFF) ||
	    link_sign(keys, &claims, link_r->token) < 0) {
		memset(link_r, 0, sizeof(*link_r));
		return -1;
	}
	link_r->url = link_url(base_url, "v", link_r->token);
	link_r->thread_id = thread_id;
	link_r->kind = kind;
	link_r->principal_id = id;
	link_r->generation = generation;
	link_r->expires = claims.expires;
	return 0;
}

void viewlink_clear(struct viewlink *link)
{
	if (link == NULL)
		return;
	free(link->url);
	memset(link, 0, sizeof(*link));
}
