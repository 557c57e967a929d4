/*
 * ctl_probe.c - what `gatewayctl doctor` asks of the system: may a given
 * user read, write or search a path (judged from mode bits and groups,
 * every directory on the way included, because doctor usually runs as
 * root on behalf of the daemon's user), and does an SMTP server answer
 * with a 220 greeting.  See ctl_probe.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "ctl_probe.h"

/* ---- users and permissions ---- */

int ctl_user_lookup(const char *name, struct ctl_user *u)
{
	struct passwd *pw = name != NULL ? getpwnam(name) : getpwuid(geteuid());

	if (pw == NULL)
		return -1;
	u->name = xstrdup(pw->pw_name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->ngroups = CTL_PROBE_MAX_GROUPS;
	if (getgrouplist(pw->pw_name, pw->pw_gid, u->groups, &u->ngroups) < 0) {
		u->groups[0] = pw->pw_gid;
		u->ngroups = 1;
	}
	u->is_self = pw->pw_uid == geteuid();
	return 0;
}

static int user_in_group(const struct ctl_user *u, gid_t gid)
{
	for (int i = 0; i < u->ngroups; i++)
		if (u->groups[i] == gid)
			return 1;
	return 0;
}

/* Name of a uid / gid for messages ("uid 1234" when unknown); malloc'd. */
char *ctl_uid_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	return pw != NULL ? xstrdup(pw->pw_name) : xasprintf("uid %u", (unsigned)uid);
}

static char *gid_name(gid_t gid)
{
	struct group *gr = getgrgid(gid);

	return gr != NULL ? xstrdup(gr->gr_name) : xasprintf("gid %u", (unsigned)gid);
}

/* Do the mode bits of ST grant U every bit of want (4 r, 2 w, 1 x)? */
static int bits_allow(const struct ctl_user *u, const struct stat *st, int want)
{
	int have;

	if (u->uid == 0)
		/* root: everything, but executing needs some x bit on a file */
		return !(want & 1) || S_ISDIR(st->st_mode) || (st->st_mode & 0111) != 0;
	if (st->st_uid == u->uid)
		have = (st->st_mode >> 6) & 7;
	else if (user_in_group(u, st->st_gid))
		have = (st->st_mode >> 3) & 7;
	else
		have = st->st_mode & 7;
	return (have & want) == want;
}

/* The verb of a permission for messages. */
static const char *want_words(int want)
{
	switch (want) {
	case 4: return "read";
	case 2: return "write";
	case 1: return "search";
	case 6: return "read and write";
	case 3: return "write to";
	default: return "use";
	}
}

/* Does directory DIR keep U from searching it?  1 with *why_r. */
static int dir_blocks(const struct ctl_user *u, const char *dir, char **why_r)
{
	struct stat st;
	char *own, *grp;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || bits_allow(u, &st, 1))
		return 0;
	own = ctl_uid_name(st.st_uid);
	grp = gid_name(st.st_gid);
	*why_r = xasprintf("%s cannot search the directory %s (mode %04o, owner %s:%s)",
			   u->name, dir, (unsigned)(st.st_mode & 07777), own, grp);
	free(own);
	free(grp);
	return 1;
}

/*
 * May the daemon's user do WANT (bits 4 r, 2 w, 1 x) on PATH, every
 * directory on the way included?  0, or -1 with *why_r (malloc'd) saying
 * what stands in the way.
 */
int ctl_user_may(const struct ctl_user *u, const char *path, int want, char **why_r)
{
	struct statvfs vfs;
	struct stat st;
	char *abs, *p;

	if (u->is_self) {
		int mode = ((want & 4) ? R_OK : 0) | ((want & 2) ? W_OK : 0) |
			   ((want & 1) ? X_OK : 0);

		if (faccessat(AT_FDCWD, path, mode, AT_EACCESS) == 0)
			return 0;
		*why_r = xasprintf("%s cannot %s it: %s", u->name, want_words(want),
				   strerror(errno));
		return -1;
	}
	if (path[0] == '/') {
		abs = xstrdup(path);
	} else {
		char cwd[4096];

		if (getcwd(cwd, sizeof(cwd)) == NULL)
			strcpy(cwd, "/");
		abs = xasprintf("%s/%s", cwd, path);
	}
	/* Every directory on the way must be searchable. */
	if (dir_blocks(u, "/", why_r)) {
		free(abs);
		return -1;
	}
	for (p = abs + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (dir_blocks(u, abs, why_r)) {
			free(abs);
			return -1;
		}
		*p = '/';
	}
	free(abs);
	if (stat(path, &st) < 0) {
		*why_r = xasprintf("%s", strerror(errno));
		return -1;
	}
	if ((want & 2) && statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) {
		*why_r = xstrdup("it is on a read-only file system");
		return -1;
	}
	if (!bits_allow(u, &st, want)) {
		char *own = ctl_uid_name(st.st_uid), *grp = gid_name(st.st_gid);

		*why_r = xasprintf("%s cannot %s it (mode %04o, owner %s:%s)", u->name,
				   want_words(want), (unsigned)(st.st_mode & 07777), own, grp);
		free(own);
		free(grp);
		return -1;
	}
	return 0;
}

void ctl_user_release(struct ctl_user *u)
{
	free(u->name);
	u->name = NULL;
}

/* ---- SMTP greeting ---- */

/* Split "HOST[:PORT]" / "[V6][:PORT]" (the part after smtp://). */
static int split_host_port(const char *s, char **host_r, char **port_r)
{
	const char *colon;

	if (*s == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL)
			return -1;
		*host_r = xstrndup(s + 1, (size_t)(end - s - 1));
		colon = end[1] == ':' ? end + 1 : NULL;
	} else {
		colon = strrchr(s, ':');
		*host_r = colon != NULL ? xstrndup(s, (size_t)(colon - s)) : xstrdup(s);
	}
	*port_r = xstrdup(colon != NULL ? colon + 1 : "25");
	return 0;
}

/* Replace bytes a terminal should not see. */
static void printable(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

/* Connect within the deadline; the socket, or -1 with *why_r. */
static int connect_by(const struct addrinfo *ai, int64_t deadline, int timeout_s,
		      char **why_r)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			ai->ai_protocol);
	struct pollfd pfd;
	int err = 0;
	socklen_t len = sizeof(err);

	if (fd < 0) {
		*why_r = xstrdup(strerror(errno));
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			*why_r = xstrdup(strerror(errno));
			close(fd);
			return -1;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		int64_t left = deadline - clock_monotonic_ms();
		int n = left > 0 ? poll(&pfd, 1, (int)left) : 0;

		if (n <= 0) {
			*why_r = xasprintf("no connection within %d seconds",
					   timeout_s);
			close(fd);
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
			*why_r = xstrdup(strerror(err != 0 ? err : errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Read an SMTP reply (all its lines) into b; 0, or -1 with *why_r. */
static int read_reply(int fd, struct buf *b, int64_t deadline, int timeout_s,
		      char **why_r)
{
	char chunk[512];

	for (;;) {
		/* The last line of a reply is "NNN " or "NNN" alone. */
		const char *line = buf_cstr(b), *nl;

		while ((nl = strchr(line, '\n')) != NULL) {
			if (nl - line >= 3 && (nl - line == 3 || line[3] != '-'))
				return 0;
			line = nl + 1;
		}
		if (b->len > 4096) {
			*why_r = xstrdup("the greeting is longer than 4 KB");
			return -1;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - clock_monotonic_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			*why_r = xasprintf("connected, but no greeting within %d seconds",
					   timeout_s);
			return -1;
		}
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*why_r = xasprintf("connected, but the server closed the connection%s%s",
					   b->len > 0 ? " after: " : " without a greeting",
					   b->len > 0 ? buf_cstr(b) : "");
			return -1;
		}
		buf_append(b, chunk, (size_t)n);
	}
}

/* Connect to an SMTP server and wait for its greeting.  0 with *said_r
 * (the greeting's first line), or -1 with *why_r. */
static int greet(const char *host, const char *port, int timeout_s, char **said_r,
		 char **why_r)
{
	struct addrinfo hints, *res = NULL, *ai;
	int64_t deadline = clock_monotonic_ms() + (int64_t)timeout_s * 1000;
	struct buf b = BUF_INIT;
	int rc, fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		*why_r = xasprintf("cannot resolve \"%s\": %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		free(*why_r);
		*why_r = NULL;
		fd = connect_by(ai, deadline, timeout_s, why_r);
	}
	freeaddrinfo(res);
	if (fd < 0)
		return -1;
	rc = read_reply(fd, &b, deadline, timeout_s, why_r);
	if (rc == 0) {
		char *first = xstrndup(buf_cstr(&b), strcspn(buf_cstr(&b), "\r\n"));

		printable(first);
		if (strncmp(first, "220", 3) != 0) {
			*why_r = xasprintf("the server greets with \"%s\" instead of 220", first);
			free(first);
			rc = -1;
		} else {
			*said_r = first;
			/* Say goodbye; its answer does not matter. */
			(void)!write(fd, "QUIT\r\n", 6);
		}
	} else {
		printable(*why_r);
	}
	buf_release(&b);
	close(fd);
	return rc;
}
int ctl_smtp_greeting(const char *target, int timeout_s, char **said_r, char **why_r)
{
	char *host = NULL, *port = NULL;
	int rc;

	*said_r = *why_r = NULL;
	if (split_host_port(target, &host, &port) < 0) {
		*why_r = xasprintf("\"%s\" is not HOST[:PORT]", target);
		return -1;
	}
	rc = greet(host, port, timeout_s, said_r, why_r);
	free(host);
	free(port);
	return rc;
}
