/*
 * policy.h - Postfix policy delegation server (SMTPD_POLICY_README): refuse
 * forged reply addresses while the sender is still connected, so that no
 * bounce is ever made for them (backscatter).
 *
 * main.cf:  smtpd_recipient_restrictions = ..., check_policy_service
 *           inet:127.0.0.1:PORT (or unix:...), ...
 *
 * Postfix sends "name=value" lines ended by an empty line; we answer
 * "action=...", an empty line, and keep the connection for the next
 * request.  For protocol_state=RCPT and a recipient in the reply domain:
 *   reply+/bounce+ token whose MAC is good     action=DUNNO
 *     (an expired one too: its sender deserves the explanation with a
 *     fresh link, which decide_message() sends)
 *   forged or malformed token, a token of the wrong kind, or an address
 *   of the domain without a token (postmaster@ and abuse@ excepted)
 *                                              action=REJECT 5.1.1 <rcpt>: unknown reply address
 * Anything else: action=DUNNO.  The HMAC alone decides: no database, no
 * allocation beyond the request, so the check stays cheap under load.
 *
 * Runs on the caller's event loop thread; nothing blocks.
 */
#ifndef GW_POLICY_H
#define GW_POLICY_H

#include <stdint.h>

struct event_base;
struct link_keys;
struct policy;

enum policy_rcpt {
	POLICY_RCPT_OTHER = 0, /* a role address of the reply domain, or no address */
	POLICY_RCPT_FOREIGN,   /* not in the reply domain (any case, a trailing dot ignored) */
	POLICY_RCPT_VALID,     /* our token, MAC good, not expired */
	POLICY_RCPT_EXPIRED,   /* our token, MAC good, expired: accept */
	POLICY_RCPT_UNKNOWN,   /* in the reply domain, not a token of ours */
};

/*
 * Classify one envelope recipient ("<a@b>" or "a@b"; case ignored) of
 * REPLY_DOMAIN at time NOW.  Shared with the LMTP listener's RCPT.
 */
enum policy_rcpt policy_check_recipient(const struct link_keys *keys, const char *reply_domain,
					const char *recipient, int64_t now);

/* Everything is borrowed and must outlive the policy server. */
struct policy_settings {
	const char *listen;          /* [policy] listen: "HOST:PORT" or "unix:/path" */
	int systemd_fd;              /* passed socket instead; 0 = none */
	const struct link_keys *keys;
	const char *reply_domain;    /* [mail] reply_domain */
	int idle_timeout;            /* seconds a connection may wait; 0 = 600 */
};

/*
 * Listen on set->listen and serve on BASE.  Returns 0, or -1 with
 * *error_r (malloc'd) and *policy_r NULL.
 */
int policy_open(struct event_base *base, const struct policy_settings *set,
		struct policy **policy_r, char **error_r);
/* Stop listening (a UNIX socket file is removed), drop the connections;
   accepts NULL and clears the caller's pointer. */
void policy_close(struct policy **policyp);
/* New keys (SIGHUP, rotation), from the loop thread; from the next request on. */
void policy_set_keys(struct policy *policy, const struct link_keys *keys);
/* The TCP port bound (port 0 in the settings picks one); 0 for UNIX. */
int policy_bound_port(const struct policy *policy);
/* Requests answered since open, and how many of them were REJECT. */
void policy_stats(const struct policy *policy, uint64_t *requests_r, uint64_t *rejected_r);

#endif
