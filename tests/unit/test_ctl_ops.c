/*
 * test_ctl_ops.c - the postmaster's gatewayctl commands, run as built
 * against a temp installation: `backup` (a copy that opens and holds the
 * same rows, taken while a writer holds the lock, never over an existing
 * file without --force), `doctor` (a good set-up passes; each broken one is
 * named in plain words) and `keys rotate` (old links keep working, new
 * ones carry the new key).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "links.h"
#include "test_gatewayctl_util.h"
#include "test_skip.h"

/* ---- helpers ---- */

static char *self_name(void)
{
	struct passwd *pw = getpwuid(geteuid());

	assert_non_null(pw);
	return xstrdup(pw->pw_name);
}

static void sh(const char *fmt, ...) GW_PRINTF(1, 2);
static void sh(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (system(buf_cstr(&b)) != 0)
		fail_msg("command failed: %s", buf_cstr(&b));
	buf_release(&b);
}

/* Rewrite the env's config with another [mail] transport. */
static void set_transport(struct env *e, const char *transport)
{
	char *text = slurp(e->conf), *p = strstr(text, "transport = ");
	struct buf b = BUF_INIT;

	assert_non_null(p);
	buf_append(&b, text, (size_t)(p - text));
	buf_printf(&b, "transport = %s", transport);
	buf_puts(&b, p + strcspn(p, "\n"));
	write_file(e->conf, buf_cstr(&b));
	buf_release(&b);
	free(text);
}

static void sql_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s: %s", path, sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

static char *sql_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *r;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	r = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every row of every table, one sorted line per row: what a database holds. */
static char *dump_rows(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *tables = NULL;
	struct buf out = BUF_INIT;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT name FROM sqlite_master WHERE type = 'table' "
					    "ORDER BY name", -1, &tables, NULL), SQLITE_OK);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(tables, 0);
		char *sql = xasprintf("SELECT * FROM \"%s\"", name);
		sqlite3_stmt *st = NULL;
		char **rows = NULL;
		size_t n = 0;

		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct buf row = BUF_INIT;

			for (int i = 0; i < sqlite3_column_count(st); i++) {
				const unsigned char *v = sqlite3_column_text(st, i);

				buf_printf(&row, "%s|", v != NULL ? (const char *)v : "NULL");
			}
			rows = xrealloc(rows, (n + 1) * sizeof(*rows));
			rows[n++] = buf_detach(&row);
		}
		sqlite3_finalize(st);
		if (n > 1)
			qsort(rows, n, sizeof(*rows), cmp_str);
		buf_printf(&out, "table %s: %zu rows\n", name, n);
		for (size_t i = 0; i < n; i++) {
			buf_printf(&out, "%s\n", rows[i]);
			free(rows[i]);
		}
		free(rows);
		free(sql);
	}
	sqlite3_finalize(tables);
	sqlite3_close(db);
	return buf_detach(&out);
}

/* ---- backup ---- */

static void test_ctl_ops_backup_holds_the_same_rows(void **state)
{
	struct env *e = *state;
	char *db = path_in(e, "gw.db"), *bk = path_in(e, "backup.db");
	char *before = dump_rows(db), *after, *out, *check, *mode, *tid = fmt_id(e->thread);
	char *conf2 = path_in(e, "restored.conf"), *text;
	sqlite3 *copy = NULL;
	struct stat st;
	struct res r;

	out = OK(e, "backup", bk);
	expect_in("backup", out, "integrity ok");
	expect_in("backup", out, "attachments");
	free(out);

	after = dump_rows(bk);
	assert_string_equal(before, after);
	assert_non_null(strstr(after, "Year-end accounts 2026"));
	assert_int_equal(sqlite3_open_v2(bk, &copy, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	check = sql_text(copy, "PRAGMA integrity_check");
	mode = sql_text(copy, "PRAGMA journal_mode");
	sqlite3_close(copy);
	assert_string_equal(check, "ok");
	assert_string_equal(mode, "delete");   /* one self-contained file */
	assert_int_equal(stat(bk, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* gatewayctl works on the copy as on the original. */
	text = slurp(e->conf);
	write_file(conf2, text);
	sh("sed -i 's/^path = gw.db/path = backup.db/' '%s'", conf2);
	r = run_argv(e, (const char *const[]){ "-c", conf2, "thread", "show", tid, NULL });
	assert_int_equal(r.code, 0);
	expect_in("thread show on the backup", r.out, "Year-end accounts 2026");
	res_free(&r);

	/* No temporary file is left behind. */
	r = run_argv(e, (const char *const[]){ "-c", e->conf, "backup", bk, NULL });
	assert_int_equal(r.code, 73);
	res_free(&r);
	out = xasprintf("test -z \"$(ls '%s' | grep tmp)\"", e->dir);
	sh("%s", out);
	free(out);

	free(text);
	free(conf2);
	free(tid);
	free(check);
	free(mode);
	free(before);
	free(after);
	free(db);
	free(bk);
}

static void test_ctl_ops_backup_refuses_to_overwrite(void **state)
{
	struct env *e = *state;
	char *bk = path_in(e, "backup.db"), *content, *out;
	struct res r;

	write_file(bk, "precious\n");
	r = CTL(e, "backup", bk);
	assert_int_equal(r.code, 73);
	expect_in("backup over a file", r.err, "exists");
	expect_in("backup over a file", r.err, "--force");
	res_free(&r);
	content = slurp(bk);
	assert_string_equal(content, "precious\n");
	free(content);

	out = OK(e, "backup", bk, "--force");
	free(out);
	out = dump_rows(bk);
	assert_non_null(strstr(out, "Year-end accounts 2026"));
	free(out);

	/* The database itself is never a backup target. */
	out = path_in(e, "gw.db");
	r = CTL(e, "backup", out, "--force");
	assert_int_equal(r.code, 64);
	expect_in("backup onto the database", r.err, "the database itself");
	res_free(&r);
	free(out);
	free(bk);
}

static void test_ctl_ops_backup_without_database(void **state)
{
	struct env *e = *state;
	char *bk = path_in(e, "backup.db");
	struct res r = CTL(e, "backup", bk);

	assert_int_equal(r.code, 78);
	expect_in("backup without database", r.err, "does not exist");
	assert_int_not_equal(access(bk, F_OK), 0);
	res_free(&r);
	free(bk);
}

/* Online: a writer holding the lock with uncommitted work neither blocks
 * the backup nor leaks into it. */
static void test_ctl_ops_backup_while_a_writer_holds_the_lock(void **state)
{
	struct env *e = *state;
	char *db = path_in(e, "gw.db"), *bk = path_in(e, "backup.db"), *out, *tables;
	sqlite3 *w = NULL, *copy = NULL;

	assert_int_equal(sqlite3_open(db, &w), SQLITE_OK);
	assert_int_equal(sqlite3_exec(w, "BEGIN IMMEDIATE; CREATE TABLE probe_uncommitted(x);",
				      NULL, NULL, NULL), SQLITE_OK);
	out = OK(e, "backup", bk);
	free(out);
	assert_int_equal(sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(w);

	assert_int_equal(sqlite3_open_v2(bk, &copy, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	tables = sql_text(copy, "SELECT count(*) FROM sqlite_master WHERE name = "
				"'probe_uncommitted'");
	sqlite3_close(copy);
	assert_string_equal(tables, "0");
	free(tables);
	free(db);
	free(bk);
}

/* ---- doctor ---- */

/* A one-connection SMTP greeter on 127.0.0.1 port 0. */
struct greeter {
	int fd;
	int port;
	const char *greeting;
	pthread_t thread;
};

static void *greeter_run(void *arg)
{
	struct greeter *g = arg;
	int c = accept(g->fd, NULL, NULL);
	char buf[256];
	struct timeval tv = { 5, 0 };

	if (c >= 0) {
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)!write(c, g->greeting, strlen(g->greeting));
		(void)!read(c, buf, sizeof(buf));   /* QUIT, or the close */
		close(c);
	}
	return NULL;
}

/* listening 1: a greeter; 0: a bound port that nobody listens on. */
static void greeter_start(struct greeter *g, const char *greeting, int listening)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	g->greeting = greeting;
	g->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(g->fd >= 0);
	assert_int_equal(bind(g->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(g->fd, (struct sockaddr *)&a, &len), 0);
	g->port = ntohs(a.sin_port);
	if (listening) {
		assert_int_equal(listen(g->fd, 4), 0);
		assert_int_equal(pthread_create(&g->thread, NULL, greeter_run, g), 0);
	}
}

static void greeter_stop(struct greeter *g, int listening)
{
	if (listening) {
		shutdown(g->fd, SHUT_RDWR);
		pthread_join(g->thread, NULL);
	}
	close(g->fd);
}

static struct res doctor(struct env *e, const char *user)
{
	return CTL(e, "doctor", "--user", user);
}

static void test_ctl_ops_doctor_good_setup(void **state)
{
	struct env *e = *state;
	char *me = self_name();
	struct res r = doctor(e, me);
	json_t *j, *checks, *c;
	size_t i;

	if (r.code != 0)
		fail_msg("doctor on a good set-up: exit %d\n%s%s", r.code, r.out, r.err);
	for (i = 0; i < 5; i++) {
		static const char *const want[] = { "ok       config:", "ok       database:",
						    "ok       key file:", "ok       attachments:",
						    "ok       transport:" };
		expect_in("doctor", r.out, want[i]);
	}
	expect_in("doctor", r.out, "integrity ok, schema version");
	expect_in("doctor", r.out, "no problems found");
	assert_null(strstr(r.out, "problem "));
	res_free(&r);

	/* The same as JSON. */
	j = json_out(CTL(e, "--json", "doctor", "--user", me), "doctor --json");
	assert_int_equal(json_integer_value(json_object_get(j, "problems")), 0);
	checks = json_object_get(j, "checks");
	assert_true(json_array_size(checks) >= 5);
	json_array_foreach(checks, i, c)
		if (strcmp(json_string_value(json_object_get(c, "status")), "problem") == 0)
			fail_msg("check %zu: %s", i, json_string_value(json_object_get(c, "message")));
	json_decref(j);
	free(me);
}

static void test_ctl_ops_doctor_smtp_greeting(void **state)
{
	struct env *e = *state;
	char *me = self_name(), *spec;
	struct greeter g;
	struct res r;

	greeter_start(&g, "220-mx.test ESMTP\r\n220 ready\r\n", 1);
	spec = xasprintf("smtp://127.0.0.1:%d", g.port);
	set_transport(e, spec);
	r = doctor(e, me);
	greeter_stop(&g, 1);
	if (r.code != 0)
		fail_msg("doctor with a greeting SMTP server: exit %d\n%s", r.code, r.out);
	expect_in("doctor smtp", r.out, "ok       transport:");
	expect_in("doctor smtp", r.out, "220-mx.test ESMTP");
	res_free(&r);
	free(spec);
	free(me);
}

enum breakage {
	KEY_MODE_0644,
	KEY_OWNER,
	DB_MODE_0644,
	DB_MISSING,
	DB_NEWER_SCHEMA,
	DB_NOT_A_DATABASE,
	ATTACHMENTS_MISSING,
	SMTP_UNREACHABLE,
	SMTP_REFUSES,
	MAILDIR_UNWRITABLE,
};

static const struct broken_case {
	enum breakage what;
	const char *line;     /* the check that must report the problem */
	const char *words;    /* and what it must say */
} broken_cases[] = {
	{ KEY_MODE_0644, "problem  key file:", "has mode 0644" },
	{ KEY_OWNER, "problem  key file:", "is owned by nobody" },
	{ DB_MODE_0644, "problem  database:", "gw.db has mode 0644, looser than 0600" },
	{ DB_MISSING, "problem  database:", "does not exist" },
	{ DB_NEWER_SCHEMA, "problem  database:", "newer gatewayd" },
	{ DB_NOT_A_DATABASE, "problem  database:", "cannot be read" },
	{ ATTACHMENTS_MISSING, "problem  attachments:", "does not exist" },
	{ SMTP_UNREACHABLE, "problem  transport:", "Connection refused" },
	{ SMTP_REFUSES, "problem  transport:", "\"554 5.3.2 not now\" instead of 220" },
	{ MAILDIR_UNWRITABLE, "problem  transport:", "cannot write" },
};

static void test_ctl_ops_doctor_names_each_problem(void **state)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(broken_cases); i++) {
		const struct broken_case *k = &broken_cases[i];
		void *st = NULL;
		struct env *e;
		char *me = self_name(), *user = me, *spec = NULL;
		int listening = 0;
		struct greeter g;
		struct res r;

		if (k->what == KEY_OWNER && geteuid() != 0) {
			test_skip_note("broken-config cases of a key file owned by "
				       "another user: chown needs root");
			free(me);
			continue;
		}
		assert_int_equal(setup_seeded(&st), 0);
		e = st;
		switch (k->what) {
		case KEY_MODE_0644:
			sh("chmod 0644 '%s/keys'", e->dir);
			break;
		case KEY_OWNER:
			sh("chown nobody '%s/keys'", e->dir);
			break;
		case DB_MODE_0644:
			sh("chmod 0644 '%s/gw.db'", e->dir);
			break;
		case DB_MISSING:
			sh("rm '%s/gw.db'", e->dir);
			break;
		case DB_NEWER_SCHEMA: {
			char *db = path_in(e, "gw.db");

			sql_exec(db, "PRAGMA user_version = 999");
			free(db);
			break;
		}
		case DB_NOT_A_DATABASE:
			sh("printf 'this is not a database at all, and it is long enough "
			   "to replace the header of one....................' | "
			   "dd of='%s/gw.db' conv=notrunc status=none", e->dir);
			break;
		case ATTACHMENTS_MISSING:
			sh("rm -r '%s/attachments'", e->dir);
			break;
		case SMTP_UNREACHABLE:
		case SMTP_REFUSES:
			listening = k->what == SMTP_REFUSES;
			greeter_start(&g, "554 5.3.2 not now\r\n", listening);
			spec = xasprintf("smtp://127.0.0.1:%d", g.port);
			set_transport(e, spec);
			break;
		case MAILDIR_UNWRITABLE:
			sh("mkdir -p '%s/Maildir/tmp' '%s/Maildir/new' '%s/Maildir/cur' && "
			   "chmod 0555 '%s/Maildir/new'", e->dir, e->dir, e->dir, e->dir);
			if (geteuid() == 0) {
				/* root may write anywhere: judge for another user who owns
				 * everything else. */
				sh("chown -R nobody '%s'", e->dir);
				user = "nobody";
			}
			break;
		}
		r = doctor(e, user);
		if (k->what == SMTP_UNREACHABLE || k->what == SMTP_REFUSES)
			greeter_stop(&g, listening);
		if (r.code != 65)
			fail_msg("case %zu: exit %d, want 65\n%s%s", i, r.code, r.out, r.err);
		expect_in("doctor: the check", r.out, k->line);
		if (strstr(r.out, k->words) == NULL)
			fail_msg("case %zu: \"%s\" not in\n%s", i, k->words, r.out);
		expect_in("doctor: the summary", r.out, "found");
		res_free(&r);
		free(spec);
		free(me);
		teardown_env(&st);
	}
}

static void test_ctl_ops_doctor_config_error(void **state)
{
	struct env *e = *state;
	char *text = slurp(e->conf), *bad = xasprintf("%s\nbogus_key = 1\n", text);
	struct res r;

	write_file(e->conf, bad);
	r = CTL(e, "doctor");
	assert_int_equal(r.code, 78);
	expect_in("doctor with a bad config", r.err, "bogus_key");
	res_free(&r);
	free(bad);
	free(text);
}

/* ---- keys rotate ---- */

static char *mint_token(struct env *e, long long contact)
{
	char *tid = fmt_id(e->thread), *who = xasprintf("contact:%lld", contact);
	json_t *j = JSON(e, "link", tid, "--for", who);
	char *token = xstrdup(json_string_value(json_object_get(j, "token")));

	json_decref(j);
	free(tid);
	free(who);
	return token;
}

static enum link_verdict verify(struct env *e, const char *token, uint8_t *key_id_r)
{
	char *path = path_in(e, "keys"), *error = NULL;
	struct link_keys *keys = NULL;
	struct link_claims claims;
	enum link_verdict v;

	if (link_keys_load(path, &keys, &error) < 0)
		fail_msg("%s", error);
	v = link_verify(keys, token, LINK_VIEW, (int64_t)time(NULL), NULL, NULL, &claims);
	*key_id_r = claims.key_id;
	link_keys_free(&keys);
	free(path);
	return v;
}

static void test_ctl_ops_keys_rotate_keeps_old_links(void **state)
{
	struct env *e = *state;
	char *old = mint_token(e, e->anna), *fresh, *out, *keys = path_in(e, "keys");
	uint8_t id_old = 0, id_new = 0;
	struct stat st;

	assert_int_equal(verify(e, old, &id_old), LINK_OK);

	out = OK(e, "keys", "rotate");
	expect_in("keys rotate", out, "new signing key");
	expect_in("keys rotate", out, "systemctl reload gatewayd");
	expect_in("keys rotate", out, "still verifies");
	free(out);
	assert_int_equal(stat(keys, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* The link sent before still works, with the key it was signed with. */
	uint8_t id_again = 0;
	assert_int_equal(verify(e, old, &id_again), LINK_OK);
	assert_int_equal(id_again, id_old);
	/* A link minted now carries the new key. */
	fresh = mint_token(e, e->anna);
	assert_int_equal(verify(e, fresh, &id_new), LINK_OK);
	assert_int_not_equal(id_new, id_old);

	free(fresh);
	free(old);
	free(keys);
}

static void test_ctl_ops_keys_rotate_refuses_open_key_file(void **state)
{
	struct env *e = *state;
	char *keys = path_in(e, "keys"), *before, *after;
	struct res r;

	sh("chmod 0640 '%s'", keys);
	before = slurp(keys);
	r = CTL(e, "keys", "rotate");
	assert_int_equal(r.code, 78);
	expect_in("keys rotate on 0640", r.err, "chmod 600");
	res_free(&r);
	after = slurp(keys);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(keys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ctl_ops_backup_holds_the_same_rows,
						setup_seeded, teardown_env),
		cmocka_unit_test_setup_teardown(test_ctl_ops_backup_refuses_to_overwrite,
						setup_seeded, teardown_env),
		cmocka_unit_test_setup_teardown(test_ctl_ops_backup_without_database,
						setup_env, teardown_env),
		cmocka_unit_test_setup_teardown(test_ctl_ops_backup_while_a_writer_holds_the_lock,
						setup_seeded, teardown_env),
		cmocka_unit_test_setup_teardown(test_ctl_ops_doctor_good_setup, setup_seeded,
						teardown_env),
		cmocka_unit_test_setup_teardown(test_ctl_ops_doctor_smtp_greeting, setup_seeded,
						teardown_env),
		cmocka_unit_test(test_ctl_ops_doctor_names_each_problem),
		cmocka_unit_test_setup_teardown(test_ctl_ops_doctor_config_error, setup_seeded,
						teardown_env),
		cmocka_unit_test_setup_teardown(test_ctl_ops_keys_rotate_keeps_old_links,
						setup_seeded, teardown_env),
		cmocka_unit_test_setup_teardown(test_ctl_ops_keys_rotate_refuses_open_key_file,
						setup_seeded, teardown_env),
	};

	return test_exit(cmocka_run_group_tests(tests, group_setup, group_teardown));
}
