/*
 * test_gatewayctl_attach.c - files from the command line, end to end with
 * the built gatewayctl on a real database, content store and Maildir:
 * --attach on message post and thread new (one post, one email per
 * recipient that lists or counts the files), the limits and refusals,
 * and doctor, gc and backup --attachments over the content files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "test_gatewayctl_util.h"

/* Every message in the Maildir, concatenated with a separator. */
static char *maildir_all(struct env *e)
{
	char *path = xasprintf("%s/Maildir/new", e->dir);
	DIR *d = opendir(path);
	struct dirent *de;
	struct buf b = BUF_INIT;

	while (d != NULL && (de = readdir(d)) != NULL) {
		char *f, *text;

		if (de->d_name[0] == '.')
			continue;
		f = xasprintf("%s/%s", path, de->d_name);
		text = slurp(f);
		/* quoted-printable soft line breaks undone, for the searches */
		for (char *p = text, *q = text; ; p++) {
			if (p[0] == '=' && p[1] == '\r' && p[2] == '\n')
				p += 2;
			else if (p[0] == '=' && p[1] == '\n')
				p += 1;
			else if ((*q++ = *p) == '\0')
				break;
		}
		buf_printf(&b, "%s\n=====MAIL=====\n", text);
		free(text);
		free(f);
	}
	if (d != NULL)
		closedir(d);
	free(path);
	buf_puts(&b, "");
	return buf_detach(&b);
}

/* How many mails hold needle. */
static int mails_with(struct env *e, const char *needle)
{
	char *all = maildir_all(e), *p = all;
	int n = 0;

	while ((p = strstr(p, needle)) != NULL) {
		char *end = strstr(p, "=====MAIL=====");

		n++;
		p = end != NULL ? end : p + strlen(needle);
	}
	free(all);
	return n;
}

static size_t rows_of(struct env *e, const char *thread, const char *kind, long long msg)
{
	json_t *j = JSON(e, "outbox", "list", "--thread", thread, "--limit", "1000"), *row;
	size_t i, n = 0;

	json_array_foreach(j, i, row) {
		n += strcmp(json_string_value(json_object_get(row, "kind")), kind) == 0 &&
		     (msg == 0 || json_integer_value(json_object_get(row, "message_id")) == msg);
	}
	json_decref(j);
	return n;
}

static void make_files(struct env *e)
{
	char *a = path_in(e, "bank-statements.pdf"), *b = path_in(e, "stock.xlsx");
	char *z = path_in(e, "empty.pdf");

	write_file(a, "%PDF-1.4 bank statements\n");
	write_file(b, "PK stock list\n");
	write_file(z, "");
	free(a);
	free(b);
	free(z);
}

static void test_gatewayctl_attach_post_and_email(void **state)
{
	struct env *e = *state;
	char *th = fmt_id(e->thread), *acme = fmt_id(e->acme), *member = fmt_id(e->member);
	char *as_member = xasprintf("staff:%lld", e->member);
	char *as_anna = xasprintf("contact:%lld", e->anna);
	char *a, *b, *out, *t2, msgid[32];
	long long id;
	json_t *j, *att;
	struct res r;

	make_files(e);
	a = path_in(e, "bank-statements.pdf");
	b = path_in(e, "stock.xlsx");
	/* Files only, from staff: one message, one email per notify-on
	 * contact, which counts the files (content hidden in emails). */
	id = ID(e, "message", "post", th, "--from", as_member, "--attach", a, "--attach", b);
	j = JSON(e, "thread", "show", th);
	att = json_object_get(j, "attachments");
	assert_int_equal(json_array_size(att), 2);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(json_integer_value(json_object_get(json_array_get(att, i),
								    "message_id")), id);
	assert_string_equal(json_string_value(json_object_get(json_array_get(att, 0),
							      "file_name")), "bank-statements.pdf");
	json_decref(j);
	assert_int_equal(rows_of(e, th, "new_message", id), 1);   /* Anna; Ben is off */
	free(OK(e, "tick"));
	assert_int_equal(mails_with(e, "2 files"), 1);
	assert_int_equal(mails_with(e, "2 files: bank-statements.pdf"), 0);

	/* A new chat to one account with files, content shown: the names. */
	out = OK(e, "thread", "new", acme, "--from", member, "--subject", "Year end",
		 "--show-content", "--attach", a, "--attach", b);
	t2 = xstrndup(out, strcspn(out, "\n"));
	free(out);
	free(OK(e, "tick"));
	assert_int_equal(mails_with(e, "2 files: bank-statements.pdf, stock.xlsx"), 1);

	/* A client's reply with a file: staff are told once, by the reply. */
	id = ID(e, "message", "post", t2, "--from", as_anna, "--body", "here", "--attach", a);
	snprintf(msgid, sizeof(msgid), "%lld", id);
	assert_true(rows_of(e, t2, "staff_client_replied", id) >= 1);
	assert_int_equal(rows_of(e, t2, "staff_upload", 0), 0);
	{
		/* one row per staff recipient, never two */
		json_t *rows = JSON(e, "outbox", "list", "--thread", t2, "--limit", "1000"), *row;
		size_t i, k;

		json_array_foreach(rows, i, row) {
			json_t *other;

			if (json_integer_value(json_object_get(row, "message_id")) != id)
				continue;
			json_array_foreach(rows, k, other) {
				if (k > i && json_integer_value(json_object_get(other, "message_id")) == id &&
				    strcmp(json_string_value(json_object_get(row, "to")),
					   json_string_value(json_object_get(other, "to"))) == 0)
					fail_msg("two emails to %s for one post",
						 json_string_value(json_object_get(row, "to")));
			}
		}
		json_decref(rows);
	}

	/* The staff email of a task ticked names the person who ticked it. */
	{
		json_t *tj = JSON(e, "thread", "show", th);
		json_t *task = json_array_get(json_object_get(tj, "tasks"), 0);
		char *task_id = fmt_id(json_integer_value(json_object_get(task, "id")));

		json_decref(tj);
		free(OK(e, "task", "done", task_id, "--by", as_anna));
		free(OK(e, "tick"));
		assert_true(mails_with(e, "Anna Baker (Acme Bakery Ltd) ticked off the task") >= 1);
		assert_int_equal(mails_with(e, "Someone"), 0);
		free(task_id);
	}

	/* Refusals: an empty file, a bulk chat with files, a missing file. */
	{
		char *z = path_in(e, "empty.pdf"), *missing = path_in(e, "nope.pdf");
		char *two = xasprintf("%lld,%lld", (long long)e->acme, (long long)e->birch);

		r = CTL(e, "message", "post", th, "--from", as_member, "--attach", z);
		assert_int_equal(r.code, 65);
		expect_in("empty", r.err, "empty");
		res_free(&r);
		r = CTL(e, "thread", "new", two, "--from", member, "--subject", "S", "--body", "B",
			"--attach", a);
		assert_int_equal(r.code, 64);
		expect_in("bulk", r.err, "several accounts carries no files");
		res_free(&r);
		r = CTL(e, "message", "post", th, "--from", as_member, "--attach", missing);
		assert_int_equal(r.code, 66);
		res_free(&r);
		free(z);
		free(missing);
		free(two);
	}
	free(a);
	free(b);
	free(t2);
	free(th);
	free(acme);
	free(member);
	free(as_member);
	free(as_anna);
}

/* A content file named by no row, mtime set back by age seconds. */
static char *orphan(struct env *e, const char *hex, int age)
{
	char *sub = xasprintf("%s/attachments/%.2s", e->dir, hex);
	char *path = xasprintf("%s/%s", sub, hex);
	struct timeval tv[2];

	mkdir(sub, 0750);
	write_file(path, "left over");
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= age;
	tv[1] = tv[0];
	assert_int_equal(utimes(path, tv), 0);
	free(sub);
	return path;
}

static const char *check_status(json_t *doc, const char *check, const char *status)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(doc, "checks"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "check")), check) == 0 &&
		    strcmp(json_string_value(json_object_get(c, "status")), status) == 0)
			return json_string_value(json_object_get(c, "message"));
	return NULL;
}

static void test_gatewayctl_attach_doctor_gc_backup(void **state)
{
	struct env *e = *state;
	char *th = fmt_id(e->thread), *as_member = xasprintf("staff:%lld", e->member);
	char *a, *old, *young, *bk, *bkdir, *hex;
	json_t *j, *att;
	struct res r;

	make_files(e);
	a = path_in(e, "bank-statements.pdf");
	free(OK(e, "message", "post", th, "--from", as_member, "--body", "b", "--attach", a));
	j = JSON(e, "thread", "show", th);
	att = json_array_get(json_object_get(j, "attachments"), 0);
	hex = xstrdup(json_string_value(json_object_get(att, "sha256")));
	json_decref(j);

	r = CTL(e, "--json", "doctor");
	j = json_loads(r.out, 0, NULL);
	assert_non_null(j);
	assert_non_null(check_status(j, "files", "ok"));
	json_decref(j);
	res_free(&r);

	/* Unreferenced: one old, one young (an upload about to commit). */
	old = orphan(e, "aa00000000000000000000000000000000000000000000000000000000000000", 7200);
	young = orphan(e, "bb00000000000000000000000000000000000000000000000000000000000000", 0);
	r = CTL(e, "--json", "doctor");
	j = json_loads(r.out, 0, NULL);
	assert_non_null(check_status(j, "files", "warning"));
	expect_in("doctor", check_status(j, "files", "warning"), "2 content files");
	json_decref(j);
	res_free(&r);
	j = JSON(e, "gc");
	assert_int_equal(json_integer_value(json_object_get(j, "removed")), 1);
	/* the young orphan, and the upload above: not judged yet */
	assert_int_equal(json_integer_value(json_object_get(j, "young")), 2);
	json_decref(j);
	assert_int_not_equal(access(old, F_OK), 0);
	assert_int_equal(access(young, F_OK), 0);
	unlink(young);

	/* backup --attachments: the files the copy names; again: none new. */
	bk = path_in(e, "backup.db");
	bkdir = path_in(e, "backup-files");
	j = JSON(e, "backup", bk, "--attachments", bkdir);
	assert_true(json_integer_value(json_object_get(json_object_get(j, "attachments"),
						       "copied")) >= 1);
	json_decref(j);
	{
		char *copy = xasprintf("%s/%.2s/%s", bkdir, hex, hex);

		assert_int_equal(access(copy, R_OK), 0);
		free(copy);
	}
	j = JSON(e, "backup", bk, "--force", "--attachments", bkdir);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "attachments"),
							    "copied")), 0);
	json_decref(j);

	/* A file the rows name is gone: a problem, and doctor says which. */
	{
		char *path = xasprintf("%s/attachments/%.2s/%s", e->dir, hex, hex);

		assert_int_equal(unlink(path), 0);
		free(path);
	}
	r = CTL(e, "--json", "doctor");
	assert_int_equal(r.code, 65);
	j = json_loads(r.out, 0, NULL);
	expect_in("doctor", check_status(j, "files", "problem"), hex);
	json_decref(j);
	res_free(&r);
	free(a);
	free(old);
	free(young);
	free(bk);
	free(bkdir);
	free(hex);
	free(th);
	free(as_member);
}

/* A zip at path of the entries (path, text), as a person's zip tool
 * would write it. */
static void write_zip(const char *path, const char *const *ents, size_t n)
{
	struct archive *a = archive_write_new();

	archive_write_set_format_zip(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *en = archive_entry_new();

		archive_entry_set_pathname(en, ents[2 * i]);
		archive_entry_set_filetype(en, AE_IFREG);
		archive_entry_set_perm(en, 0644);
		archive_entry_set_size(en, (la_int64_t)strlen(ents[2 * i + 1]));
		archive_write_header(a, en);
		archive_write_data(a, ents[2 * i + 1], strlen(ents[2 * i + 1]));
		archive_entry_free(en);
	}
	archive_write_close(a);
	archive_write_free(a);
}

/* --attach of a zip unpacks it as the web view does (the same function):
 * its files with their folders, one message; a zip that would unpack out
 * of its folder refuses the post and writes nothing. */
static void test_gatewayctl_attach_zip(void **state)
{
	struct env *e = *state;
	char *th = fmt_id(e->thread), *as_member = xasprintf("staff:%lld", e->member);
	char *zip = path_in(e, "Papers.zip"), *bad = path_in(e, "bad.zip");
	static const char *const good[] = { "a.txt", "one", "sub/b.txt", "two" };
	static const char *const evil[] = { "ok.txt", "fine", "../../x.txt", "x" };
	json_t *j, *att;
	size_t before;
	long long id;
	struct res r;

	write_zip(zip, good, 2);
	write_zip(bad, evil, 2);
	j = JSON(e, "thread", "show", th);
	before = json_array_size(json_object_get(j, "attachments"));
	json_decref(j);
	id = ID(e, "message", "post", th, "--from", as_member, "--attach", zip);
	j = JSON(e, "thread", "show", th);
	att = json_object_get(j, "attachments");
	assert_int_equal(json_array_size(att), before + 2);
	for (size_t i = before; i < before + 2; i++) {
		json_t *one = json_array_get(att, i);
		const char *name = json_string_value(json_object_get(one, "file_name"));

		assert_int_equal(json_integer_value(json_object_get(one, "message_id")), id);
		assert_string_equal(json_string_value(json_object_get(one, "folder")),
				    strcmp(name, "a.txt") == 0 ? "Papers" : "Papers/sub");
	}
	json_decref(j);
	r = CTL(e, "message", "post", th, "--from", as_member, "--body", "x", "--attach", bad);
	assert_int_equal(r.code, 65);
	expect_in("refused zip", r.err, "goes up a folder");
	res_free(&r);
	j = JSON(e, "thread", "show", th);
	assert_int_equal(json_array_size(json_object_get(j, "attachments")), before + 2);
	json_decref(j);
	free(zip);
	free(bad);
	free(th);
	free(as_member);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gatewayctl_attach_post_and_email, setup_seeded,
						teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_attach_doctor_gc_backup,
						setup_seeded, teardown_env),
		cmocka_unit_test_setup_teardown(test_gatewayctl_attach_zip, setup_seeded,
						teardown_env),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
