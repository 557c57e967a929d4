/*
 * test_upload.c - web-lite/upload.c, the streaming multipart reader: text
 * fields kept, files written into the content store as they go by (any
 * split of the body into pieces gives the same result), and every kind of
 * bad input a clear verdict with no content file and no temp file left
 * behind.  Real files in a temp directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "upload.h"

#define CT "multipart/form-data; boundary=XyZ"

struct ufx {
	char dir[64];
	char att[96];
	struct upload_limits lim;
};

static int setup(void **state)
{
	struct ufx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/gw-upload-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->att, sizeof(f->att), "%s/att", f->dir);
	f->lim.dir = f->att;
	f->lim.max_file = 1024 * 1024;
	f->lim.max_post = 4 * 1024 * 1024;
	f->lim.max_files = 5;
	*state = f;
	return 0;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int teardown(void **state)
{
	struct ufx *f = *state;

	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Files (not directories) under the content store. */
static int n_found;
static int count_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)p;
	(void)sb;
	(void)ftw;
	n_found += flag == FTW_F;
	return 0;
}
static int files_in(const char *dir)
{
	n_found = 0;
	if (access(dir, F_OK) == 0)
		nftw(dir, count_one, 16, FTW_PHYS);
	return n_found;
}

static void part_text(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "--XyZ\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n", name,
		   value);
}

static void part_file(struct buf *b, const char *filename, const char *bytes, size_t n)
{
	buf_printf(b, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
		      "Content-Type: application/pdf\r\n\r\n", filename);
	buf_append(b, bytes, n);
	buf_puts(b, "\r\n");
}

static void end(struct buf *b)
{
	buf_puts(b, "--XyZ--\r\n");
}

/* Read body as pieces of `piece` bytes (0: in one). */
static void read_split(struct ufx *f, const struct buf *body, size_t piece,
		       struct upload_form *form)
{
	size_t n = piece == 0 ? 1 : (body->len + piece - 1) / piece;
	struct iovec *v = calloc(n + 1, sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		size_t off = piece == 0 ? 0 : i * piece;

		v[i].iov_base = body->data + off;
		v[i].iov_len = piece == 0 ? body->len
			       : body->len - off < piece ? body->len - off : piece;
	}
	assert_int_equal(upload_read_iov(&f->lim, CT, v, n, form), 0);
	free(v);
}

static void test_upload_several_files_any_split(void **state)
{
	struct ufx *f = *state;
	static const size_t pieces[] = { 0, 1, 2, 3, 7, 13, 64, 4096 };
	char big[70000];
	struct buf body = BUF_INIT;

	/* Bytes that look like the start of the delimiter, across every split. */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = "\r\n--XyY-ab"[i % 10];
	part_text(&body, "body", "Here are the statements");
	part_file(&body, "bank-statements.pdf", big, sizeof(big));
	part_file(&body, "stock.xlsx", "\0\1\2 stock", 10);
	part_text(&body, "csrf", "tok");
	end(&body);
	for (size_t k = 0; k < GW_ARRAY_SIZE(pieces); k++) {
		struct upload_form form;
		struct store_upload *ups;

		read_split(f, &body, pieces[k], &form);
		if (form.error != UPLOAD_OK)
			fail_msg("split %zu: error %d (%s)", pieces[k], form.error, form.detail);
		assert_int_equal(form.n_files, 2);
		assert_int_equal(form.n_fields, 2);
		assert_string_equal(upload_form_field(&form, "body")->value,
				    "Here are the statements");
		assert_string_equal(upload_form_field(&form, "csrf")->value, "tok");
		assert_string_equal(form.files[0].name, "bank-statements.pdf");
		assert_string_equal(form.files[0].content_type, "application/pdf");
		assert_int_equal(form.files[0].size, (int64_t)sizeof(big));
		assert_int_equal(form.files[1].size, 10);
		ups = upload_form_store(&form);
		assert_int_equal(strlen(ups[0].sha256), 64);
		/* The content as sent, under its hash. */
		{
			char *path = store_attachment_path(f->att, ups[0].sha256);
			struct stat sb;

			assert_int_equal(stat(path, &sb), 0);
			assert_int_equal(sb.st_size, (off_t)sizeof(big));
			assert_int_equal(sb.st_mode & 0777, 0640);
			free(path);
			path = xasprintf("%s/%.2s", f->att, ups[0].sha256);
			assert_int_equal(stat(path, &sb), 0);
			assert_int_equal(sb.st_mode & 0777, 0750);
			free(path);
		}
		free(ups);
		upload_form_clear(&form);
		/* Identical content is stored once, however often it comes. */
		assert_int_equal(files_in(f->att), 2);
	}
	buf_release(&body);
}

static void test_upload_empty_file_input_is_no_file(void **state)
{
	struct ufx *f = *state;
	struct buf body = BUF_INIT;
	struct upload_form form;

	part_text(&body, "body", "only text");
	part_file(&body, "", "", 0);
	end(&body);
	read_split(f, &body, 0, &form);
	assert_int_equal(form.error, UPLOAD_OK);
	assert_int_equal(form.n_files, 0);
	upload_form_clear(&form);
	buf_release(&body);
}

/* Each kind of bad input: its verdict, the text kept, nothing stored. */
static void test_upload_bad_input(void **state)
{
	struct ufx *f = *state;
	char name300[301], *big = malloc(f->lim.max_file + 1);
	static const struct {
		const char *what;
		enum upload_error want;
		const char *file;     /* the file the verdict names */
	} cases[] = {
		{ "file over max_upload", UPLOAD_FILE_TOO_LARGE, "huge.pdf" },
		{ "post over max_post", UPLOAD_POST_TOO_LARGE, NULL },
		{ "six files", UPLOAD_TOO_MANY, NULL },
		{ "empty file", UPLOAD_EMPTY_FILE, "empty.pdf" },
		{ "control character", UPLOAD_BAD_NAME, "a?b.pdf" },
		{ "slash", UPLOAD_BAD_NAME, "../etc/passwd" },
		{ "300 bytes", UPLOAD_BAD_NAME, NULL },
		{ "no closing delimiter", UPLOAD_MALFORMED, NULL },
		{ "part without headers end", UPLOAD_MALFORMED, NULL },
	};

	memset(name300, 'n', 300);
	name300[300] = '\0';
	memset(big, 'x', f->lim.max_file + 1);
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct buf body = BUF_INIT;
		struct upload_form form;
		char *msg;

		part_text(&body, "body", "typed text");
		switch (i) {
		case 0:
			part_file(&body, "ok.pdf", "fine", 4);
			part_file(&body, "huge.pdf", big, f->lim.max_file + 1);
			break;
		case 1:
			for (int k = 0; k < 4; k++)
				part_file(&body, "part.pdf", big, f->lim.max_file);
			break;
		case 2:
			for (int k = 0; k < 6; k++)
				part_file(&body, "one.pdf", "1", 1);
			break;
		case 3: part_file(&body, "empty.pdf", "", 0); break;
		case 4: part_file(&body, "a\x01" "b.pdf", "x", 1); break;
		case 5: part_file(&body, "../etc/passwd", "x", 1); break;
		case 6: part_file(&body, name300, "x", 1); break;
		case 7: part_file(&body, "cut.pdf", "x", 1); break;
		case 8: buf_puts(&body, "--XyZ\r\nContent-Disposition: form-data; name=\"file\""); break;
		}
		if (i < 7)
			end(&body);
		read_split(f, &body, 4096, &form);
		if (form.error != cases[i].want)
			fail_msg("case %zu (%s): error %d, want %d", i, cases[i].what, form.error,
				 cases[i].want);
		if (cases[i].file != NULL &&
		    (form.error_file == NULL || strcmp(form.error_file, cases[i].file) != 0))
			fail_msg("case %zu (%s): names \"%s\"", i, cases[i].what,
				 form.error_file != NULL ? form.error_file : "(nothing)");
		/* The text typed is kept, whatever happened to the files. */
		if (upload_form_field(&form, "body") == NULL ||
		    strcmp(upload_form_field(&form, "body")->value, "typed text") != 0)
			fail_msg("case %zu (%s): the text was lost", i, cases[i].what);
		msg = upload_error_text(&form, &f->lim);
		assert_non_null(msg);
		assert_non_null(strstr(msg, "Nothing was sent") != NULL ? msg
				    : strstr(msg, "nothing was sent") != NULL ? msg : NULL);
		free(msg);
		upload_form_clear(&form);
		if (files_in(f->att) != 0)
			fail_msg("case %zu (%s): %d files left in the store", i, cases[i].what,
				 n_found);
		buf_release(&body);
	}
	free(big);
}

/* The disk fills while a file is written: a clear verdict, no file left. */
static void test_upload_disk_full(void **state)
{
	struct ufx *f = *state;
	struct rlimit was, lim;
	struct buf body = BUF_INIT;
	struct upload_form form;
	char *big = malloc(200000);

	memset(big, 'd', 200000);
	part_text(&body, "body", "typed text");
	part_file(&body, "scan.pdf", big, 200000);
	end(&body);
	/* A file size limit fails write(2) with EFBIG as a full disk fails it
	 * with ENOSPC: the same path. */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
	lim = was;
	lim.rlim_cur = 100000;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	read_split(f, &body, 65536, &form);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
	assert_int_equal(form.error, UPLOAD_STORAGE);
	assert_string_equal(upload_form_field(&form, "body")->value, "typed text");
	upload_form_clear(&form);
	assert_int_equal(files_in(f->att), 0);
	buf_release(&body);
	free(big);
}

/* From a file, as the web view reads a streamed body. */
static void test_upload_from_file(void **state)
{
	struct ufx *f = *state;
	struct buf body = BUF_INIT;
	struct upload_form form;
	char *path = xasprintf("%s/body", f->dir);
	int fd;

	part_text(&body, "body", "from a file");
	part_file(&body, "a.pdf", "AAAA", 4);
	part_file(&body, "b.pdf", "BBBB", 4);
	end(&body);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, body.data, body.len), (ssize_t)body.len);
	assert_int_equal(upload_read_fd(&f->lim, CT, fd, (int64_t)body.len, &form), 0);
	assert_int_equal(form.error, UPLOAD_OK);
	assert_int_equal(form.n_files, 2);
	upload_form_clear(&form);
	close(fd);
	unlink(path);
	free(path);
	buf_release(&body);
	/* Not multipart at all. */
	assert_int_equal(upload_read_mem(&f->lim, "text/plain", "x", 1, &form), 0);
	assert_int_equal(form.error, UPLOAD_MALFORMED);
	upload_form_clear(&form);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_upload_several_files_any_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upload_empty_file_input_is_no_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_upload_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upload_disk_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upload_from_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
