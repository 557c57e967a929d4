/*
 * listen.c - listening sockets from "HOST:PORT", "[V6]:PORT", "unix:/path".
 */
#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"

/* Connections the kernel queues for us without a descriptor of ours: when
 * the process is out of descriptors (an attack holding them, see
 * accept_pause.h) a full queue drops the SYNs of everyone else, who then
 * wait a second for the retransmission. */
#define LISTEN_BACKLOG 1024

static int fail(const char *spec, const char *why, char **error_r)
{
	*error_r = xasprintf("listen \"%s\": %s", spec, why);
	return -1;
}

static int open_unix(const char *spec, const char *path, struct listen_socket *ls,
		     char **error_r)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (path[0] == '\0' || strlen(path) >= sizeof(sa.sun_path))
		return fail(spec, "bad or too long socket path", error_r);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* A stale socket of a previous run; never remove anything else. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		(void)unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, LISTEN_BACKLOG) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return fail(spec, strerror(e), error_r);
	}
	ls->fd = fd;
	ls->unix_path = xstrdup(path);
	return 0;
}

static int open_tcp(const char *spec, struct listen_socket *ls, char **error_r)
{
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints, *ai = NULL;
	char *host, *end;
	long port;
	int fd, one = 1, rc;

	if (colon == NULL || colon == spec)
		return fail(spec, "expected HOST:PORT or unix:/path", error_r);
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == colon + 1 || port < 0 || port > 65535)
		return fail(spec, "bad port", error_r);
	if (spec[0] == '[' && colon[-1] == ']')
		host = xstrndup(spec + 1, (size_t)(colon - spec - 2));
	else
		host = xstrndup(spec, (size_t)(colon - spec));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, colon + 1, &hints, &ai);
	free(host);
	if (rc != 0)
		return fail(spec, gai_strerror(rc), error_r);
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return fail(spec, strerror(e), error_r);
	}
	freeaddrinfo(ai);
	listen_adopt(fd, ls);
	return 0;
}

int listen_open(const char *spec, struct listen_socket *ls, char **error_r)
{
	memset(ls, 0, sizeof(*ls));
	ls->fd = -1;
	if (spec == NULL)
		return fail("", "no address", error_r);
	if (strncmp(spec, "unix:", 5) == 0)
		return open_unix(spec, spec + 5, ls, error_r);
	return open_tcp(spec, ls, error_r);
}

void listen_adopt(int fd, struct listen_socket *ls)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int one = 1;

	ls->fd = fd;
	ls->port = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET)
		ls->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		ls->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int listen_take(int systemd_fd, const char *spec, struct listen_socket *ls, char **error_r)
{
	if (systemd_fd <= STDERR_FILENO)
		return listen_open(spec, ls, error_r);
	memset(ls, 0, sizeof(*ls));
	listen_adopt(systemd_fd, ls);
	return 0;
}

void listen_release(struct listen_socket *ls, int close_fd)
{
	if (ls->unix_path != NULL) {
		(void)unlink(ls->unix_path);
		free(ls->unix_path);
		ls->unix_path = NULL;
	}
	if (close_fd && ls->fd >= 0)
		close(ls->fd);
	ls->fd = -1;
}
