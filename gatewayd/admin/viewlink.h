/*
 * viewlink.h - minting a signed View-chat URL for one person and one
 * thread, as `gatewayctl link` and the JSON API's links endpoint do:
 * base_url + "/v/" + a LINK_VIEW token valid for [links] view_ttl.
 *
 * Minting is two steps so that a caller may load the keys only once the
 * request is known to be good: viewlink_check() asks the store whether the
 * person may see the thread (and for their generation), viewlink_sign()
 * signs.  The store is used only by viewlink_check(), read-only.
 */
#ifndef GW_VIEWLINK_H
#define GW_VIEWLINK_H

#include <stdint.h>

#include "gw.h"
#include "links.h"
#include "store.h"

struct viewlink {
	char token[LINK_TOKEN_MAX];
	char *url;                 /* malloc'd; freed by viewlink_clear() */
	int64_t thread_id;
	enum store_kind kind;      /* STORE_CONTACT or STORE_STAFF */
	int64_t principal_id;
	uint32_t generation;
	int64_t expires;           /* Unix seconds */
};

/*
 * May kind/id (STORE_CONTACT or STORE_STAFF) see thread_id?  *gen_r gets
 * their current generation.  Results:
 *   GW_OK        yes
 *   GW_NOTFOUND  no such thread, contact or staff member
 *   GW_PERMFAIL  they exist but may not see it: a contact of another
 *                account, a member the account is not assigned to
 *   GW_INVALID   kind is neither contact nor staff
 *   GW_TEMPFAIL  database busy
 * Anything but GW_OK sets *error_r (malloc'd), e.g.
 *   "contact 3 (Clara Birch) belongs to account 2, not to account 1
 *    (Acme Bakery Ltd) of thread 1"
 */
enum gw_result viewlink_check(struct store *store, int64_t thread_id,
			      enum store_kind kind, int64_t id, uint32_t *gen_r,
			      char **error_r);

/*
 * Sign a View-chat link expiring at now + ttl and build its URL (a
 * trailing "/" of base_url is not doubled).  Returns 0, or -1 when the
 * claims cannot be signed (link_r is then zeroed).
 */
int viewlink_sign(const struct link_keys *keys, const char *base_url, int64_t ttl,
		  int64_t now, int64_t thread_id, enum store_kind kind, int64_t id,
		  uint32_t generation, struct viewlink *link_r);

/* Free the URL; accepts a zeroed record and may be called twice. */
void viewlink_clear(struct viewlink *link);

#endif
