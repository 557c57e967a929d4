/*
 * test_transport_local.c - the maildir and sendmail transports (part of
 * the test_transport program; see test_transport.c).
 *
 * maildir writes into a temporary directory.  The sendmail transport runs
 * a small stand-in script written by the test that records its argv and
 * stdin and exits with a chosen code: the program on the other side of
 * the pipe is the unit's neighbour, not the unit.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "transport_testutil.h"

/* ---- maildir ---------------------------------------------------------- */

void test_transport_maildir_delivers(void **state)
{
	char *dir = make_tmpdir(), *md = xasprintf("%s/Maildir", dir), *spec, *error = NULL;
	char *sub, **names;
	struct transport *t;
	size_t n, i;

	(void)state;
	spec = xasprintf("maildir:%s/", md);
	if (transport_open(spec, NULL, &t, &error) < 0)
		fail_msg("open: %s", error);
	assert_string_equal(transport_kind(t), "maildir");
	for (i = 0; i < 3; i++) {
		char *msg = test_message((int)i), *reply = NULL;
		enum gw_result r = transport_send(t, i == 2 ? "" : FROM, RCPT, msg, strlen(msg),
						  &reply);

		if (r != GW_OK || strstr(reply, "delivered to maildir") == NULL)
			fail_msg("message %zu: %s: %s", i, gw_result_name(r), reply);
		free(reply);
		free(msg);
	}
	transport_close(&t);

	sub = xasprintf("%s/tmp", md);
	assert_int_equal(list_dir(sub, NULL), 0);
	free(sub);
	sub = xasprintf("%s/cur", md);
	assert_int_equal(list_dir(sub, NULL), 0);
	free(sub);
	sub = xasprintf("%s/new", md);
	n = list_dir(sub, &names);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", sub, names[i]);
		char *file = read_file(path, NULL), *subject = strstr(file, "Subject: test ");
		char *msg, *want, *orig;
		struct stat st;
		int num;

		/* SECONDS.MusecPpidQn.host */
		if (strchr(names[i], '/') != NULL || strstr(names[i], ".M") == NULL ||
		    strchr(names[i], 'P') == NULL || strchr(names[i], 'Q') == NULL)
			fail_msg("file name \"%s\"", names[i]);
		assert_non_null(subject);
		num = atoi(subject + 14);
		orig = test_message(num);
		msg = lf_form(orig);
		free(orig);
		want = xasprintf("Return-Path: <%s>\nDelivered-To: " RCPT "\n%s",
				 num == 2 ? "" : FROM, msg);
		if (strcmp(file, want) != 0)
			fail_msg("file %s:\n[%s]\nwant\n[%s]", names[i], file, want);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		free(want);
		free(msg);
		free(file);
		free(path);
	}
	free_names(names);
	free(sub);
	free(spec);
	free(md);
	remove_tree(dir);
}

void test_transport_maildir_failure_is_tempfail(void **state)
{
	char *dir = make_tmpdir(), *md = xasprintf("%s/Maildir", dir), *spec, *error = NULL;
	char *tmp, *newdir, *reply = NULL;
	struct transport *t;

	(void)state;
	spec = xasprintf("maildir:%s", md);
	if (transport_open(spec, NULL, &t, &error) < 0)
		fail_msg("open: %s", error);
	/* tmp/ replaced by a plain file: nothing can be created in it */
	tmp = xasprintf("%s/tmp", md);
	assert_int_equal(rmdir(tmp), 0);
	write_file(tmp, "", 0600);
	assert_int_equal(transport_send(t, FROM, RCPT, "x\r\n", 3, &reply), GW_TEMPFAIL);
	if (strstr(reply, "Not a directory") == NULL || strstr(reply, "create") == NULL)
		fail_msg("reply \"%s\"", reply);
	free(reply);
	newdir = xasprintf("%s/new", md);
	assert_int_equal(list_dir(newdir, NULL), 0);

	/* tmp/ gone altogether: set up again on the fly */
	assert_int_equal(unlink(tmp), 0);
	assert_int_equal(transport_send(t, FROM, RCPT, "x\r\n", 3, &reply), GW_OK);
	free(reply);
	assert_int_equal(list_dir(newdir, NULL), 1);
	transport_close(&t);
	free(newdir);
	free(tmp);
	free(spec);
	free(md);
	remove_tree(dir);
}

/* ---- sendmail --------------------------------------------------------- */

/*
 * A stand-in for Postfix's sendmail: records argv (one per line) and stdin,
 * prints a line on stderr, and exits with the code in the file "code"
 * ("sleep" sleeps, "kill" dies by a signal, "noread" exits 0 unread).
 */
static char *fake_sendmail(const char *dir)
{
	char *path = xasprintf("%s/sendmail", dir);
	char *script = xasprintf(
		"#!/bin/sh\n"
		"d='%s'\n"
		"code=$(cat \"$d/code\")\n"
		"case \"$code\" in\n"
		"sleep) exec sleep 5 ;;\n"
		"noread) exit 0 ;;\n"
		"esac\n"
		"printf '%%s\\n' \"$@\" > \"$d/argv\"\n"
		"cat > \"$d/stdin\"\n"
		"echo \"fake sendmail: exit $code\" >&2\n"
		"[ \"$code\" = kill ] && kill -9 $$\n"
		"exit \"$code\"\n",
		dir);

	write_file(path, script, 0755);
	free(script);
	return path;
}

struct exit_case {
	const char *code;
	enum gw_result want;
	const char *reply;
};

static const struct exit_case exit_cases[] = {
	{ "0", GW_OK, "exit 0: fake sendmail: exit 0" },
	{ "75", GW_TEMPFAIL, "exit 75: fake sendmail: exit 75" },
	{ "64", GW_PERMFAIL, "exit 64" },
	{ "65", GW_PERMFAIL, "exit 65" },
	{ "67", GW_PERMFAIL, "exit 67" },
	{ "68", GW_PERMFAIL, "exit 68" },
	{ "69", GW_TEMPFAIL, "exit 69" },
	{ "70", GW_TEMPFAIL, "exit 70" },
	{ "71", GW_TEMPFAIL, "exit 71" },
	{ "1", GW_TEMPFAIL, "exit 1" },
	{ "kill", GW_TEMPFAIL, "killed by signal 9" },
	{ "noread", GW_TEMPFAIL, "exit 0 before reading the whole message" },
};

void test_transport_sendmail_exit_codes(void **state)
{
	char *dir = make_tmpdir(), *prog = fake_sendmail(dir), *spec = xasprintf("sendmail:%s", prog);
	char *code_path = xasprintf("%s/code", dir), *error = NULL;
	struct transport *t;
	struct buf big = BUF_INIT;
	size_t i;

	(void)state;
	if (transport_open(spec, NULL, &t, &error) < 0)
		fail_msg("open: %s", error);
	assert_string_equal(transport_kind(t), "sendmail");
	/* larger than a pipe buffer, so that "noread" really leaves data unread */
	buf_puts(&big, "Subject: big\r\n\r\n");
	while (big.len < 300 * 1024)
		buf_puts(&big, "0123456789012345678901234567890123456789012345678901234567890123\r\n");
	for (i = 0; i < GW_ARRAY_SIZE(exit_cases); i++) {
		const struct exit_case *c = &exit_cases[i];
		char *reply = NULL;
		enum gw_result r;

		write_file(code_path, c->code, 0644);
		r = transport_send(t, FROM, RCPT, big.data, big.len, &reply);
		if (r != c->want || strstr(reply, c->reply) == NULL)
			fail_msg("case %zu (%s): %s \"%s\", want %s \"%s\"", i, c->code,
				 gw_result_name(r), reply, gw_result_name(c->want), c->reply);
		free(reply);
	}
	transport_close(&t);
	buf_release(&big);
	free(code_path);
	free(spec);
	free(prog);
	remove_tree(dir);
}

void test_transport_sendmail_argv_and_stdin(void **state)
{
	char *dir = make_tmpdir(), *prog = fake_sendmail(dir), *spec = xasprintf("sendmail:%s", prog);
	char *code_path = xasprintf("%s/code", dir), *argv_path = xasprintf("%s/argv", dir);
	char *stdin_path = xasprintf("%s/stdin", dir), *msg = test_message(7), *error = NULL;
	char *got, *want;
	struct transport *t;

	(void)state;
	write_file(code_path, "0", 0644);
	if (transport_open(spec, NULL, &t, &error) < 0)
		fail_msg("open: %s", error);

	assert_int_equal(transport_send(t, FROM, RCPT, msg, strlen(msg), NULL), GW_OK);
	got = read_file(argv_path, NULL);
	assert_string_equal(got, "-i\n-f\n" FROM "\n--\n" RCPT "\n");
	free(got);
	/* LF line ends; with -i a lone "." line is just text */
	got = read_file(stdin_path, NULL);
	want = lf_form(msg);
	assert_string_equal(got, want);
	free(got);
	free(want);

	/* the null sender, and a recipient that looks like an option */
	assert_int_equal(transport_send(t, "", "-oi@client.example", msg, strlen(msg), NULL), GW_OK);
	got = read_file(argv_path, NULL);
	assert_string_equal(got, "-i\n-f\n<>\n--\n-oi@client.example\n");
	free(got);
	transport_close(&t);
	free(msg);
	free(stdin_path);
	free(argv_path);
	free(code_path);
	free(spec);
	free(prog);
	remove_tree(dir);
}

void test_transport_sendmail_timeout(void **state)
{
	char *dir = make_tmpdir(), *prog = fake_sendmail(dir), *spec = xasprintf("sendmail:%s", prog);
	char *code_path = xasprintf("%s/code", dir), *error = NULL, *reply = NULL;
	struct transport_settings set = { .timeout = 1 };
	struct transport *t;

	(void)state;
	write_file(code_path, "sleep", 0644);
	if (transport_open(spec, &set, &t, &error) < 0)
		fail_msg("open: %s", error);
	assert_int_equal(transport_send(t, FROM, RCPT, "x\r\n", 3, &reply), GW_TEMPFAIL);
	if (strstr(reply, "timed out after 1s") == NULL)
		fail_msg("reply \"%s\"", reply);
	free(reply);
	transport_close(&t);
	free(code_path);
	free(spec);
	free(prog);
	remove_tree(dir);
}
