/*
 * test_security_listener.c - descriptor exhaustion (docs/security.md,
 * "Descriptor exhaustion spins"): a listener whose accept() fails with
 * EMFILE pauses instead of calling accept() again at once, and takes
 * connections again once descriptors are free.
 *
 * The process lowers its own RLIMIT_NOFILE; the clients are a child
 * process, so that only the server's descriptors count.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "accept_pause.h"
#include "listen.h"
#include "log.h"

#define CLIENTS 24

struct server {
	int fds[CLIENTS * 2];
	int n;
};

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct server *s = arg;

	(void)l;
	(void)sa;
	(void)salen;
	if (s->n < (int)(sizeof(s->fds) / sizeof(s->fds[0])))
		s->fds[s->n++] = fd;
	else
		close(fd);
}

/* The child: CLIENTS connections that send nothing, held until killed. */
static pid_t clients(int port)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct sockaddr_in sa;

		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)port);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		for (int i = 0; i < CLIENTS; i++) {
			int fd = socket(AF_INET, SOCK_STREAM, 0);

			if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
				_exit(1);
		}
		pause();
		_exit(0);
	}
	return pid;
}

static void test_security_emfile_backoff(void **state)
{
	struct event_base *base = event_base_new();
	struct listen_socket ls;
	struct evconnlistener *lev;
	struct accept_pause *ap;
	struct server s = { .n = 0 };
	struct rlimit old, low;
	struct timeval second = { 1, 0 };
	char *err = NULL;
	unsigned long pauses;
	pid_t pid;
	int probe, spare;

	(void)state;
	assert_non_null(base);
	assert_int_equal(listen_open("127.0.0.1:0", &ls, &err), 0);
	lev = evconnlistener_new(base, on_accept, &s, LEV_OPT_CLOSE_ON_FREE, -1, ls.fd);
	assert_non_null(lev);
	ap = accept_pause_watch(lev, "test");
	assert_non_null(ap);
	pid = clients(ls.port);
	assert_true(pid > 0);

	/* Leave room for 4 more descriptors: the rest of the clients wait. */
	probe = dup(0);
	assert_true(probe >= 0);
	close(probe);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)probe + 4;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);

	event_base_loopexit(base, &second);
	event_base_dispatch(base);
	pauses = accept_pause_count(ap);
	/* A spinning listener fails accept() hundreds of thousands of times
	 * a second; one that pauses 250 ms at a time only a handful. */
	assert_true(pauses >= 1);
	assert_true(pauses <= 1000 / ACCEPT_PAUSE_MS + 2);
	assert_true(s.n <= 4);

	/* Descriptors free again: the waiting clients are taken. */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	spare = s.n;
	event_base_loopexit(base, &second);
	event_base_dispatch(base);
	assert_true(s.n > spare);
	assert_int_equal(s.n, CLIENTS);

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	for (int i = 0; i < s.n; i++)
		close(s.fds[i]);
	accept_pause_free(&ap);
	assert_null(ap);
	evconnlistener_free(lev);
	listen_release(&ls, 0);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_security_emfile_backoff),
	};

	log_set_level(LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
