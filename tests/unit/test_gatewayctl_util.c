/*
 * test_gatewayctl_util.c - the runner and fixtures of the gatewayctl tests
 * (see test_gatewayctl_util.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "gw.h"
#include "test_gatewayctl_util.h"

static const char CONF_TEXT[] =
	"# test configuration: paths relative to this file\n"
	"[store]\n"
	"path = gw.db\n"
	"attachments_dir = attachments\n"
	"synchronous = normal\n"
	"\n"
	"[mail]\n"
	"transport = maildir:Maildir\n"
	"from = chat@firm.example\n"
	"from_name = Example & Partners\n"
	"reply_domain = reply.firm.example\n"
	"batch_window = 0\n"
	"\n"
	"[links]\n"
	"key_file = keys\n"
	"view_ttl = 7d\n"
	"\n"
	"[web]\n"
	"base_url = http://127.0.0.1:8080\n";

char *slurp(const char *path)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return xstrdup("");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return buf_detach(&b);
}

void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

char *path_in(const struct env *e, const char *name)
{
	return xasprintf("%s/%s", e->dir, name);
}

/* Run gatewayctl with argv (NULL-terminated, after the program name),
 * from "/", so that relative paths must resolve against the config. */
struct res run_argv(const struct env *e, const char *const *args)
{
	struct res r = { 0 };
	char *outp = path_in(e, "stdout.txt"), *errp = path_in(e, "stderr.txt");
	const char *argv[64];
	size_t n = 0;
	int status;
	pid_t pid;

	argv[n++] = GATEWAYCTL_BIN;
	for (size_t i = 0; args[i] != NULL; i++) {
		assert_true(n + 1 < GW_ARRAY_SIZE(argv));
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fo = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int fi = open("/dev/null", O_RDONLY);

		if (fo < 0 || fe < 0 || fi < 0 || dup2(fi, 0) < 0 || dup2(fo, 1) < 0 ||
		    dup2(fe, 2) < 0 || chdir("/") < 0)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r.out = slurp(outp);
	r.err = slurp(errp);
	free(outp);
	free(errp);
	return r;
}

void res_free(struct res *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}



char *ok_out(struct res r, const char *what)
{
	if (r.code != 0)
		fail_msg("%s: exit %d, stderr: %s", what, r.code, r.err);
	free(r.err);
	return r.out;
}


long long id_out(struct res r, const char *what)
{
	char *out = ok_out(r, what), *end;
	long long id = strtoll(out, &end, 10);

	if (id <= 0 || strcmp(end, "\n") != 0)
		fail_msg("%s: \"%s\" is not one id", what, out);
	free(out);
	return id;
}


json_t *json_out(struct res r, const char *what)
{
	char *out = ok_out(r, what);
	json_error_t jerr;
	json_t *v = json_loads(out, 0, &jerr);

	if (v == NULL)
		fail_msg("%s: output is not JSON (%s): %s", what, jerr.text, out);
	free(out);
	return v;
}

char *fmt_id(long long id)
{
	return xasprintf("%lld", id);
}

int setup_env(void **state)
{
	struct env *e = xcalloc(1, sizeof(*e));

	snprintf(e->dir, sizeof(e->dir), "/tmp/test_gatewayctl.XXXXXX");
	if (mkdtemp(e->dir) == NULL)
		return -1;
	snprintf(e->conf, sizeof(e->conf), "%s/gatewayd.conf", e->dir);
	write_file(e->conf, CONF_TEXT);
	*state = e;
	return 0;
}

int teardown_env(void **state)
{
	struct env *e = *state;
	char *cmd = xasprintf("rm -rf '%s'", e->dir);

	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", e->dir);
	free(cmd);
	free(e);
	return 0;
}

/* The demo's data (scripts/demo.sh), every id checked. */
void seed(struct env *e)
{
	char *out, *s_member, *s_acme, *s_birch;

	free(OK(e, "init"));
	free(OK(e, "firm", "set", "--name", "Example & Partners", "--allow-client-chats"));
	e->owner = ID(e, "staff", "add", "Olivia Owner", "olivia@firm.example", "--role",
		      "owner");
	e->member = ID(e, "staff", "add", "Max Member", "max@firm.example", "--role", "member");
	e->acme = ID(e, "account", "add", "Acme Bakery Ltd");
	e->birch = ID(e, "account", "add", "Birch & Sons");
	s_member = fmt_id(e->member);
	s_acme = fmt_id(e->acme);
	s_birch = fmt_id(e->birch);
	free(OK(e, "staff", "assign", s_member, s_acme));
	e->anna = ID(e, "contact", "add", s_acme, "Anna Baker", "anna@acme.example",
		     "--may-create");
	e->ben = ID(e, "contact", "add", s_acme, "Ben Baker", "ben@acme.example", "--no-notify");
	e->clara = ID(e, "contact", "add", s_birch, "Clara Birch", "clara@birch.example");
	out = OK(e, "thread", "new", s_acme, "--from", s_member, "--subject",
		 "Year-end accounts 2026", "--body",
		 "Hello Anna, please send us the **bank statements** for December and "
		 "confirm the stock count.",
		 "--task", "Upload December bank statements", "--task",
		 "Confirm the stock count", "--remind", "--remind-days", "3",
		 "--remind-count", "2");
	e->thread = strtoll(out, NULL, 10);
	assert_true(e->thread > 0);
	free(out);
	free(s_member);
	free(s_acme);
	free(s_birch);
}

/* Seeded once per run (every gatewayctl start counts under ASan), then
 * copied for each test that needs the demo data. */
static struct env *seeded_template;

int group_setup(void **state)
{
	void *e = NULL;

	if (setup_env(&e) != 0)
		return -1;
	seed(e);
	seeded_template = e;
	return 0;
}

int group_teardown(void **state)
{
	void *e = seeded_template;

	seeded_template = NULL;
	return e != NULL ? teardown_env(&e) : 0;
}

int setup_seeded(void **state)
{
	struct env *e;
	char *cmd;
	int rc;

	if (setup_env(state) != 0)
		return -1;
	e = *state;
	/* No connection is open: the database is whole in gw.db. */
	cmd = xasprintf("cp -a '%s/gw.db' '%s/keys' '%s/attachments' '%s/'",
			seeded_template->dir, seeded_template->dir, seeded_template->dir,
			e->dir);
	rc = system(cmd);
	free(cmd);
	if (rc != 0)
		return -1;
	memcpy(&e->owner, &seeded_template->owner,
	       sizeof(*e) - offsetof(struct env, owner));
	return 0;
}

void expect_in(const char *what, const char *out, const char *want)
{
	if (strstr(out, want) == NULL)
		fail_msg("%s: \"%s\" not in output:\n%s", what, want, out);
}

