/*
 * test_log.c - stderr lines "ident: message", level filtering, one line per
 * event even when the message holds newlines, fatal().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

/* Run fn with stderr sent to a temp file; return what it wrote. */
static char *capture_stderr(void (*fn)(void))
{
	char path[] = "/tmp/gw-test-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	static char out[8192];
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	unlink(path);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	fn();
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	n = pread(fd, out, sizeof(out) - 1, 0);
	close(fd);
	assert_true(n >= 0);
	out[n] = '\0';
	return out;
}

static void emit_levels(void)
{
	log_init("gwtest", LOG_LVL_INFO, 0);
	log_error("relay: outbox %d: %s", 12, "failed");
	log_warn("warned");
	log_info("informed");
	log_debug("hidden %d", 1);
	log_set_level(LOG_LVL_DEBUG);
	log_debug("shown %d", 2);
	log_set_level(LOG_LVL_ERROR);
	log_warn("hidden too");
	log_error("multi\nline\r\tmessage");
}

static void test_log_levels_and_format(void **state)
{
	const char *out = capture_stderr(emit_levels);

	assert_string_equal(out, "gwtest: relay: outbox 12: failed\n"
				 "gwtest: warned\n"
				 "gwtest: informed\n"
				 "gwtest: shown 2\n"
				 "gwtest: multi line  message\n");
	assert_int_equal(log_get_level(), LOG_LVL_ERROR);
}

static void test_log_level_parse_table(void **state)
{
	static const struct {
		const char *in;
		int ok;
		enum log_level level;
	} cases[] = {
		{ "error", 1, LOG_LVL_ERROR }, { "warn", 1, LOG_LVL_WARN },
		{ "warning", 1, LOG_LVL_WARN }, { "info", 1, LOG_LVL_INFO },
		{ "debug", 1, LOG_LVL_DEBUG },  { "DEBUG", 1, LOG_LVL_DEBUG },
		{ "", 0, 0 },                   { "verbose", 0, 0 },
		{ "info ", 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum log_level l = (enum log_level)-1;
		int rc = log_level_parse(cases[i].in, &l);

		if (cases[i].ok && (rc != 0 || l != cases[i].level))
			fail_msg("case %zu: \"%s\" gave rc %d level %d", i, cases[i].in, rc,
				 (int)l);
		if (!cases[i].ok && rc != -1)
			fail_msg("case %zu: \"%s\" accepted", i, cases[i].in);
	}
}

static void test_log_fatal_exits_with_code(void **state)
{
	int pipefd[2], status;
	char out[256];
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		log_init("gwtest", LOG_LVL_ERROR, 0);
		fatal(78, "cannot read \"%s\"", "x.conf");
	}
	close(pipefd[1]);
	n = read(pipefd[0], out, sizeof(out) - 1);
	close(pipefd[0]);
	assert_true(n > 0);
	out[n] = '\0';
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 78);
	assert_string_equal(out, "gwtest: fatal: cannot read \"x.conf\"\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_levels_and_format),
		cmocka_unit_test(test_log_level_parse_table),
		cmocka_unit_test(test_log_fatal_exits_with_code),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
