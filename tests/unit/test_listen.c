/*
 * test_listen.c - listening sockets from listener addresses (common/listen.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "listen.h"

static void test_listen_tcp_port_zero_accepts(void **state)
{
	struct listen_socket ls;
	struct sockaddr_in sa;
	char *err = NULL;
	int c;

	(void)state;
	assert_int_equal(listen_open("127.0.0.1:0", &ls, &err), 0);
	assert_true(ls.fd >= 0);
	assert_true(ls.port > 0);
	assert_null(ls.unix_path);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)ls.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(c);
	listen_release(&ls, 1);
	assert_int_equal(ls.fd, -1);
}

static void test_listen_unix_replaces_stale_socket_only(void **state)
{
	char dir[] = "/tmp/gw-test-listen.XXXXXX";
	struct listen_socket ls, again;
	struct stat st;
	char *err = NULL, *path, *spec;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/s.sock", dir);
	spec = xasprintf("unix:%s", path);
	assert_int_equal(listen_open(spec, &ls, &err), 0);
	assert_string_equal(ls.unix_path, path);
	assert_int_equal(ls.port, 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	/* A socket left behind by a crashed run is replaced. */
	close(ls.fd);
	assert_int_equal(listen_open(spec, &again, &err), 0);
	listen_release(&again, 1);
	assert_int_not_equal(stat(path, &st), 0); /* unlinked at release */
	free(ls.unix_path);
	/* Anything else at the path is refused, never removed. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(listen_open(spec, &ls, &err), -1);
	assert_non_null(strstr(err, spec + 5));
	free(err);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(path);
	rmdir(dir);
	free(path);
	free(spec);
}

/* A passed socket (fd 3 or above) is adopted, blocking or not, and the
 * address is not bound; 0 and -1 mean none and the address is bound. */
static void test_listen_take_passed_socket(void **state)
{
	struct listen_socket passed, ls;
	char *err = NULL;

	(void)state;
	assert_int_equal(listen_open("127.0.0.1:0", &passed, &err), 0);
	assert_true(passed.fd > STDERR_FILENO);
	assert_int_equal(fcntl(passed.fd, F_SETFL, 0), 0);
	/* an address that cannot be bound: taking the socket must not try */
	assert_int_equal(listen_take(passed.fd, "192.0.2.1:25", &ls, &err), 0);
	assert_int_equal(ls.fd, passed.fd);
	assert_int_equal(ls.port, passed.port);
	assert_true(fcntl(ls.fd, F_GETFL) & O_NONBLOCK);
	for (int none = -1; none <= 0; none++) {
		assert_int_equal(listen_take(none, "192.0.2.1:25", &ls, &err), -1);
		assert_non_null(strstr(err, "192.0.2.1:25"));
		free(err);
		err = NULL;
		assert_int_equal(ls.fd, -1);
	}
	listen_release(&passed, 1);
}

static void test_listen_refuses_bad_addresses(void **state)
{
	static const struct {
		const char *spec;
		const char *want;
	} cases[] = {
		{ "127.0.0.1", "expected HOST:PORT" },
		{ ":80", "expected HOST:PORT" },
		{ "127.0.0.1:http", "bad port" },
		{ "127.0.0.1:70000", "bad port" },
		{ "127.0.0.1:", "bad port" },
		{ "unix:", "socket path" },
	};
	struct listen_socket ls;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *err = NULL;

		if (listen_open(cases[i].spec, &ls, &err) != -1)
			fail_msg("case %zu: \"%s\" accepted", i, cases[i].spec);
		if (err == NULL || strstr(err, cases[i].want) == NULL ||
		    strstr(err, cases[i].spec) == NULL)
			fail_msg("case %zu: error \"%s\" lacks \"%s\" or the address", i,
				 err ? err : "(none)", cases[i].want);
		assert_int_equal(ls.fd, -1);
		free(err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_tcp_port_zero_accepts),
		cmocka_unit_test(test_listen_unix_replaces_stale_socket_only),
		cmocka_unit_test(test_listen_take_passed_socket),
		cmocka_unit_test(test_listen_refuses_bad_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
