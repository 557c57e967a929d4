/*
 * mta_listen_util.c - loop thread and client socket for the listener
 * tests (mta_listen_util.h).
 */
#include "mta_listen_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "buf.h"

void ml_loop_init(struct ml_loop *l)
{
	memset(l, 0, sizeof(*l));
	if (evthread_use_pthreads() != 0)
		fail_msg("evthread_use_pthreads failed");
	l->base = event_base_new();
	assert_non_null(l->base);
}

static void *loop_main(void *arg)
{
	struct ml_loop *l = arg;

	event_base_loop(l->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static pthread_mutex_t started_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t started_cond = PTHREAD_COND_INITIALIZER;

static void on_started(evutil_socket_t fd, short what, void *arg)
{
	struct ml_loop *l = arg;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&started_mu);
	l->running = 1;
	pthread_cond_signal(&started_cond);
	pthread_mutex_unlock(&started_mu);
}

/* Returns once the loop runs: a loopbreak before that would be lost. */
void ml_loop_start(struct ml_loop *l)
{
	struct timeval zero = { 0, 0 };

	l->running = 0;
	assert_int_equal(event_base_once(l->base, -1, EV_TIMEOUT, on_started, l, &zero), 0);
	assert_int_equal(pthread_create(&l->thread, NULL, loop_main, l), 0);
	pthread_mutex_lock(&started_mu);
	while (!l->running)
		pthread_cond_wait(&started_cond, &started_mu);
	pthread_mutex_unlock(&started_mu);
}

void ml_loop_stop(struct ml_loop *l)
{
	event_base_loopbreak(l->base);
	pthread_join(l->thread, NULL);
}

void ml_loop_free(struct ml_loop *l)
{
	event_base_free(l->base);
	l->base = NULL;
}

int ml_connect(int port)
{
	struct sockaddr_in sin;
	struct timeval tv = { 20, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		fail_msg("connect to 127.0.0.1:%d failed", port);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

void ml_send(int fd, const char *text)
{
	size_t n = strlen(text);

	while (n > 0) {
		ssize_t w = send(fd, text, n, MSG_NOSIGNAL);

		if (w <= 0)
			fail_msg("send failed");
		text += w;
		n -= (size_t)w;
	}
}

char *ml_line(int fd)
{
	struct buf b = BUF_INIT;
	char c;

	for (;;) {
		ssize_t r = recv(fd, &c, 1, 0);

		if (r <= 0) {
			buf_release(&b);
			return NULL;
		}
		if (c == '\n')
			break;
		buf_putc(&b, c);
	}
	if (b.len > 0 && b.data[b.len - 1] == '\r')
		buf_truncate(&b, b.len - 1);
	return b.len > 0 ? buf_detach(&b) : xstrdup("");
}

char *ml_reply(int fd)
{
	struct buf b = BUF_INIT;
	char *line;

	while ((line = ml_line(fd)) != NULL) {
		int last = strlen(line) < 4 || line[3] != '-';

		if (b.len > 0)
			buf_putc(&b, '\n');
		buf_puts(&b, line);
		free(line);
		if (last)
			return buf_detach(&b);
	}
	buf_release(&b);
	return NULL;
}

int ml_eof(int fd)
{
	char c;

	return recv(fd, &c, 1, 0) == 0;
}

char *ml_data(const char *text)
{
	struct buf b = BUF_INIT;
	int bol = 1;

	for (const char *p = text; *p != '\0'; p++) {
		if (bol && *p == '.')
			buf_putc(&b, '.');
		if (*p == '\n')
			buf_putc(&b, '\r');
		buf_putc(&b, *p);
		bol = *p == '\n';
	}
	if (!bol)
		buf_puts(&b, "\r\n");
	buf_puts(&b, ".\r\n");
	return buf_detach(&b);
}
