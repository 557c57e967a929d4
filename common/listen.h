/*
 * listen.h - listening sockets from the config's listener addresses.
 *
 * "HOST:PORT", "[V6]:PORT" or "unix:/path" (see config.h).  The web view,
 * the JSON API and the mail listeners all take their socket from here and
 * hand the descriptor to their event library.
 *
 * TCP sockets get SO_REUSEADDR and TCP_NODELAY (inherited by accepted
 * sockets on Linux: replies larger than one write otherwise wait ~40 ms for
 * the client's delayed ACK on kept-alive connections).  A UNIX socket path
 * that holds a stale socket of an earlier run is replaced; anything else at
 * the path is refused, never removed.
 */
#ifndef GW_LISTEN_H
#define GW_LISTEN_H

struct listen_socket {
	int fd;           /* non-blocking, close-on-exec; -1 when closed */
	int port;         /* bound TCP port (useful with port 0); 0 for UNIX */
	char *unix_path;  /* malloc'd path of a UNIX socket, else NULL */
};

/*
 * Bind and listen.  On error returns -1 with *error_r set to
 * "listen \"SPEC\": WHY" (malloc'd) and ls->fd = -1.
 */
int listen_open(const char *spec, struct listen_socket *ls, char **error_r);

/* For a descriptor from elsewhere (systemd): TCP_NODELAY and the port. */
void listen_adopt(int fd, struct listen_socket *ls);

/*
 * The listener of a server: a socket passed by systemd when systemd_fd is
 * one (3 or above: fds 0-2 are never passed sockets, so 0 and -1 mean
 * none), adopted as by listen_adopt(); otherwise listen_open(spec).
 */
int listen_take(int systemd_fd, const char *spec, struct listen_socket *ls, char **error_r);

/*
 * Forget the socket: unlink a UNIX socket path and free it.  The descriptor
 * is NOT closed (the event library that accepted on it owns it); pass
 * close_fd = 1 to close it too.
 */
void listen_release(struct listen_socket *ls, int close_fd);

#endif
