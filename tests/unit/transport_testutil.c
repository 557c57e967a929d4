/*
 * transport_testutil.c - temporary directories, files and messages for
 * the transport tests (test_transport.c, test_transport_local.c).
 */
#include "transport_testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>

/* ---- files and directories ------------------------------------------- */

char *make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir = xasprintf("%s/gw-transport-XXXXXX", base != NULL ? base : "/tmp");

	if (mkdtemp(dir) == NULL)
		fail_msg("mkdtemp: %s", strerror(errno));
	/* smtp-sink runs as nobody and must reach its dump directory */
	chmod(dir, 0711);
	return dir;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void remove_tree(char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

char *read_file(const char *path, size_t *len_r)
{
	struct buf b = BUF_INIT;
	char chunk[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		fail_msg("open %s: %s", path, strerror(errno));
	buf_puts(&b, "");
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(&b, chunk, (size_t)n);
	close(fd);
	if (len_r != NULL)
		*len_r = b.len;
	return buf_detach(&b);
}

void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		fail_msg("write %s: %s", path, strerror(errno));
	close(fd);
}

/* Names in DIR (not . and ..), sorted; returns the count. */
size_t list_dir(const char *dir, char ***names_r)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, NULL, alphasort), i;
	size_t count = 0;
	char **names;

	if (n < 0)
		fail_msg("scandir %s: %s", dir, strerror(errno));
	names = xcalloc((size_t)n + 1, sizeof(*names));
	for (i = 0; i < n; i++) {
		if (strcmp(list[i]->d_name, ".") != 0 && strcmp(list[i]->d_name, "..") != 0)
			names[count++] = xstrdup(list[i]->d_name);
		free(list[i]);
	}
	free(list);
	if (names_r != NULL)
		*names_r = names;
	else {
		for (i = 0; i < (int)count; i++)
			free(names[i]);
		free(names);
	}
	return count;
}

void free_names(char **names)
{
	for (size_t i = 0; names[i] != NULL; i++)
		free(names[i]);
	free(names);
}

/* CRLF -> LF, the form local delivery and smtp-sink's dump use. */
char *lf_form(const char *crlf)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "");
	for (; *crlf != '\0'; crlf++) {
		if (!(crlf[0] == '\r' && crlf[1] == '\n'))
			buf_putc(&b, *crlf);
	}
	return buf_detach(&b);
}

/* A small message with a line that needs dot-stuffing, ending in CRLF. */
char *test_message(int n)
{
	return xasprintf("From: Example <chat@firm.example>\r\n"
			 "To: anna@client.example\r\n"
			 "Subject: test %d\r\n"
			 "Message-ID: <m.%d@reply.firm.example>\r\n"
			 "\r\n"
			 "Line one of message %d.\r\n"
			 ".a line that starts with a dot\r\n"
			 ".\r\n"
			 "last line\r\n", n, n, n);
}

int free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		fail_msg("cannot find a free port: %s", strerror(errno));
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Servers still running when a test fails half way (cmocka leaves the test
 * function at the failed assertion); the teardown kills them.
 */
static pid_t leftovers[8];

void track(pid_t pid)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(leftovers); i++) {
		if (leftovers[i] == 0) {
			leftovers[i] = pid;
			return;
		}
	}
}

void untrack(pid_t pid)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(leftovers); i++) {
		if (leftovers[i] == pid)
			leftovers[i] = 0;
	}
}

int kill_leftovers(void **state)
{
	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(leftovers); i++) {
		if (leftovers[i] > 0) {
			kill(leftovers[i], SIGKILL);
			waitpid(leftovers[i], NULL, 0);
			leftovers[i] = 0;
		}
	}
	return 0;
}

void peer_start(struct tls_peer *peer, enum tls_peer_mode mode, const char *log_path)
{
	if (tls_peer_start(peer, mode, log_path) < 0)
		fail_msg("cannot start the TLS peer");
	track(peer->pid);
}

void peer_stop(struct tls_peer *peer)
{
	untrack(peer->pid);
	tls_peer_stop(peer);
}

struct transport *open_smtp(int port, const struct transport_settings *set_in)
{
	struct transport_settings set = { .helo_name = HELO, .timeout = 5 };
	struct transport *t = NULL;
	char *spec = xasprintf("smtp://127.0.0.1:%d", port);
	char *error = NULL;

	if (set_in != NULL)
		set = *set_in;
	if (transport_open(spec, &set, &t, &error) < 0)
		fail_msg("transport_open %s: %s", spec, error);
	free(spec);
	return t;
}
