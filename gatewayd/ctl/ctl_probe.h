/*
 * ctl_probe.h - system probes for `gatewayctl doctor` (ctl_probe.c):
 * whether a user may read, write or search a path, and whether an SMTP
 * server greets.  Nothing here prints or judges; doctor words the results.
 *
 * Messages (*why_r, *said_r) are malloc'd, lowercase, and safe to print
 * (bytes from the network are replaced by '?' when not printable ASCII).
 */
#ifndef GW_CTL_PROBE_H
#define GW_CTL_PROBE_H

#include <sys/types.h>

#define CTL_PROBE_MAX_GROUPS 256

/* A user whose access is judged; name owned by the struct. */
struct ctl_user {
	char *name;
	uid_t uid;
	gid_t gid;
	gid_t groups[CTL_PROBE_MAX_GROUPS];  /* primary and supplementary */
	int ngroups;
	int is_self;   /* the user running this: access(2) answers for it */
};

/* NAME, or the user running this when NULL.  0, or -1 when there is no
 * such user.  Release with ctl_user_release(). */
int ctl_user_lookup(const char *name, struct ctl_user *u);
void ctl_user_release(struct ctl_user *u);

/*
 * May U do WANT (bits 4 read, 2 write, 1 search/execute) on PATH, every
 * directory on the way included?  For the user running this, access(2)
 * answers (ACLs and read-only mounts included); for another user the
 * mode bits, owner, group and U's groups decide, plus read-only mounts
 * for writing (ACLs are not read).  root may do anything but execute a
 * file without any x bit.  0, or -1 with *why_r saying what stands in the
 * way ("gatewayd cannot write to it (mode 0755, owner root:root)").
 */
int ctl_user_may(const struct ctl_user *u, const char *path, int want, char **why_r);

/* "gatewayd", or "uid 1234" for an unknown uid; malloc'd. */
char *ctl_uid_name(uid_t uid);

/*
 * Connect to TARGET ("HOST[:PORT]" or "[V6][:PORT]", port 25 by default:
 * the part of a transport spec after smtp://) and read its greeting,
 * within TIMEOUT_S seconds in all; then send QUIT and close.  0 with
 * *said_r = the greeting's first line when it is a 220, or -1 with *why_r
 * (no resolution, refused, no greeting in time, another code).
 */
int ctl_smtp_greeting(const char *target, int timeout_s, char **said_r, char **why_r);

#endif
