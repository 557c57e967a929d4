/*
 * test_zip.c - zip.h: unpacking uploaded zips under the limits (bombs,
 * traversal, links, encrypted, damaged and nested zips, all built here
 * with libarchive), folder paths, and the zip writer read back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "gw.h"
#include "zip.h"

/* ---- building zips -------------------------------------------------------- */

struct ent {
	const char *path;
	mode_t type;               /* 0: regular file */
	const char *text;          /* content; NULL: size bytes of 'z' */
	size_t size;
	const char *link;          /* symlink target */
};

struct memzip {
	struct buf b;
};

static la_ssize_t mem_write(struct archive *a, void *ctx, const void *p, size_t n)
{
	GW_UNUSED(a);
	buf_append(&((struct memzip *)ctx)->b, p, n);
	return (la_ssize_t)n;
}

/* A zip of the entries; options e.g. "zip:compression=deflate"; passphrase
 * set: encrypted.  The bytes are malloc'd into *len_r. */
static char *make_zip(const struct ent *ents, size_t n, const char *options,
		      const char *passphrase, size_t *len_r)
{
	struct archive *a = archive_write_new();
	struct memzip mz = { BUF_INIT };

	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	if (options != NULL)
		assert_true(archive_write_set_options(a, options) >= ARCHIVE_WARN);
	if (passphrase != NULL) {
		assert_true(archive_write_set_options(a, "zip:encryption=zipcrypt") >= ARCHIVE_WARN);
		assert_int_equal(archive_write_set_passphrase(a, passphrase), ARCHIVE_OK);
	}
	archive_write_set_bytes_per_block(a, 0);
	assert_int_equal(archive_write_open(a, &mz, NULL, mem_write, NULL), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t size = ents[i].text != NULL ? strlen(ents[i].text) : ents[i].size;
		mode_t type = ents[i].type != 0 ? ents[i].type : AE_IFREG;

		archive_entry_set_pathname(e, ents[i].path);
		archive_entry_set_filetype(e, type);
		archive_entry_set_perm(e, 0644);
		if (type == AE_IFLNK)
			archive_entry_set_symlink(e, ents[i].link);
		if (type == AE_IFREG)
			archive_entry_set_size(e, (la_int64_t)size);
		else
			archive_entry_set_size(e, 0);
		assert_true(archive_write_header(a, e) >= ARCHIVE_WARN);
		if (type == AE_IFREG && ents[i].text != NULL) {
			assert_int_equal(archive_write_data(a, ents[i].text, size), (la_ssize_t)size);
		} else if (type == AE_IFREG) {
			char chunk[8192];

			memset(chunk, 'z', sizeof(chunk));
			for (size_t left = size; left > 0; ) {
				size_t k = left < sizeof(chunk) ? left : sizeof(chunk);

				assert_int_equal(archive_write_data(a, chunk, k), (la_ssize_t)k);
				left -= k;
			}
		}
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	*len_r = mz.b.len;
	return buf_detach(&mz.b);
}

static char tmpdir[] = "/tmp/test_zip.XXXXXX";

static int setup(void **state)
{
	GW_UNUSED(state);
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	GW_UNUSED(state);
	return rmdir(tmpdir);     /* fails if a temporary file was left behind */
}

static struct zip_limits limits(int64_t max_total)
{
	struct zip_limits lim = { .max_total = max_total, .tmp_dir = tmpdir };

	return lim;
}

static char *read_fd(int fd, size_t *len_r)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(&b, chunk, (size_t)n);
	*len_r = b.len;
	return b.len > 0 ? buf_detach(&b) : (buf_release(&b), xstrdup(""));
}

/* ---- unpacking ------------------------------------------------------------ */

static void test_zip_unpack_keeps_folders(void **state)
{
	static const struct ent ents[] = {
		{ .path = "report/", .type = AE_IFDIR },
		{ .path = "report/summary.txt", .text = "Totals for 2026\n" },
		{ .path = "report/scans/page 1.pdf", .text = "%PDF-1.4 page one" },
		{ .path = "report/./notes\\draft.md", .text = "# draft" },
		{ .path = "__MACOSX/report/._summary.txt", .text = "fork" },
	};
	struct zip_limits lim = limits(1 << 20);
	struct zip_result res;
	size_t len, got;
	char *zip = make_zip(ents, GW_ARRAY_SIZE(ents), "zip:compression=deflate", NULL, &len);
	char *err = NULL, *data;

	GW_UNUSED(state);
	assert_int_equal(zip_unpack_mem(zip, len, &lim, &res, &err), 0);
	assert_int_equal(res.verdict, ZIP_UNPACKED);
	assert_int_equal(res.n_files, 3);
	assert_string_equal(res.files[0].folder, "report");
	assert_string_equal(res.files[0].name, "summary.txt");
	assert_string_equal(res.files[1].folder, "report/scans");
	assert_string_equal(res.files[1].name, "page 1.pdf");
	assert_string_equal(res.files[2].folder, "report/notes");
	assert_string_equal(res.files[2].name, "draft.md");
	data = read_fd(res.files[1].fd, &got);
	assert_int_equal(got, strlen("%PDF-1.4 page one"));
	assert_memory_equal(data, "%PDF-1.4 page one", got);
	assert_int_equal(res.files[1].size, (int64_t)got);
	free(data);
	/* One top folder already: left as it is. */
	zip_result_root(&res, "Upload.zip");
	assert_string_equal(res.files[0].folder, "report");
	zip_result_clear(&res);
	free(zip);
}

static void test_zip_unpack_root_folder(void **state)
{
	static const struct ent ents[] = {
		{ .path = "a.txt", .text = "a" },
		{ .path = "sub/b.txt", .text = "b" },
	};
	struct zip_limits lim = limits(1 << 20);
	struct zip_result res;
	size_t len;
	char *zip = make_zip(ents, GW_ARRAY_SIZE(ents), NULL, NULL, &len);
	char *err = NULL;

	GW_UNUSED(state);
	assert_int_equal(zip_unpack_mem(zip, len, &lim, &res, &err), 0);
	assert_int_equal(res.verdict, ZIP_UNPACKED);
	zip_result_root(&res, "Tax 2026.ZIP");
	assert_string_equal(res.files[0].folder, "Tax 2026");
	assert_string_equal(res.files[1].folder, "Tax 2026/sub");
	zip_result_clear(&res);
	free(zip);
}

/* A bomb by ratio (a megabyte of one letter deflates to a kilobyte) and
 * one by the absolute limit; the limits count unpacked bytes. */
static void test_zip_unpack_bomb_refused(void **state)
{
	static const struct ent ents[] = {
		{ .path = "zeros.bin", .size = 4 << 20 },
	};
	static const struct ent two[] = {
		{ .path = "one.bin", .size = 6000 },
		{ .path = "two.bin", .size = 6000 },
	};
	struct zip_limits lim = limits(64 << 20);
	struct zip_result res;
	size_t len;
	char *zip = make_zip(ents, 1, "zip:compression=deflate", NULL, &len);
	char *err = NULL;

	GW_UNUSED(state);
	assert_true(len < (4 << 20) / 100);
	assert_int_equal(zip_unpack_mem(zip, len, &lim, &res, &err), 0);
	assert_int_equal(res.verdict, ZIP_REFUSED);
	assert_int_equal(res.n_files, 0);
	assert_non_null(strstr(res.reason, "nothing of it was stored"));
	/* It stopped at the first chunk over, not at the end. */
	assert_true(res.unpacked <= (int64_t)len * 10 + 64 * 1024);
	zip_result_clear(&res);
	free(zip);

	/* Stored (no compression): the ratio holds, the total does not. */
	zip = make_zip(two, 2, "zip:compression=store", NULL, &len);
	lim = limits(10000);
	assert_int_equal(zip_unpack_mem(zip, len, &lim, &res, &err), 0);
	assert_int_equal(res.verdict, ZIP_REFUSED);
	assert_int_equal(res.n_files, 0);
	zip_result_clear(&res);
	lim = limits(12000);
	assert_int_equal(zip_unpack_mem(zip, len, &lim, &res, &err), 0);
	assert_int_equal(res.verdict, ZIP_UNPACKED);
	assert_int_equal(res.n_files, 2);
	zip_result_clear(&res);
	free(zip);
}

static void test_zip_unpack_refusals(void **state)
{
	static const struct {
		struct ent ent;
		const char *why;
	} cases[] = {
		{ { .path = "../evil.txt", .text = "x" }, "goes up a folder" },
		{ { .path = "a/../../evil.txt", .text = "x" }, "goes up a folder" },
		{ { .path = "a\\..\\evil.txt", .text = "x" }, "goes up a folder" },
		{ { .path = "/etc/passwd", .text = "x" }, "absolute" },
		{ { .path = "C:\\boot.ini", .text = "x" }, "absolute" },
		{ { .path = "link", .type = AE_IFLNK, .link = "/etc/passwd" }, "a link" },
		{ { .path = "bad\x01name.txt", .text = "x" }, "control characters" },
		{ { .path = "bad\xff.txt", .text = "x" }, "UTF-8" },
	};

	GW_UNUSED(state);
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct ent ents[2] = { { .path = "fine.txt", .text = "ok" }, cases[i].ent };
		struct zip_limits lim = limits(1 << 20);
		struct zip_result res;
		size_t len;
		char *zip = make_zip(ents, 2, NULL, NULL, &len);
		char *err = NULL;

		assert_int_equal(zip_unpack_mem(zip, len, &lim, &res, &err), 0);
		if (res.verdict != ZIP_REFUSED || res.n_files != 0 ||
		    strstr(res.reason, cases[i].why) == NULL)
			fail_msg("case %zu (%s): verdict %d, %zu files, reason \"%s\"", i,
				 cases[i].ent.path, res.verdict, res.n_files,
				 res.reason != NULL ? res.reason : "");
		zip_result_clear(&res);
		free(zip);
	}
}

static void test_zip_unpack_too_many_entries(void **state)
{
	struct ent *ents = xcalloc(ZIP_MAX_ENTRIES + 1, sizeof(*ents));
	char **names = xcalloc(ZIP_MAX_ENTRIES + 1, sizeof(*names));
	struct zip_limits lim = limits(1 << 20);
	struct zip_result res;
	size_t len;
	char *zip, *err = NULL;

	GW_UNUSED(state);
	for (size_t i = 0; i <= ZIP_MAX_ENTRIES; i++) {
		names[i] = xasprintf("f%zu.txt", i);
		ents[i].path = names[i];
		ents[i].text = "x";
	}
	zip = make_zip(ents, ZIP_MAX_ENTRIES + 1, NULL, NULL, &len);
	assert_int_equal(zip_unpack_mem(zip, len, &lim, &res, &err), 0);
	assert_int_equal(res.verdict, ZIP_REFUSED);
	assert_non_null(strstr(res.reason, "more than 1000"));
	assert_int_equal(res.n_files, 0);
	zip_result_clear(&res);
	free(zip);
	zip = make_zip(ents, ZIP_MAX_ENTRIES, NULL, NULL, &len);
	assert_int_equal(zip_unpack_mem(zip, len, &lim, &res, &err), 0);
	assert_int_equal(res.verdict, ZIP_UNPACKED);
	assert_int_equal(res.n_files, ZIP_MAX_ENTRIES);
	zip_result_clear(&res);
	free(zip);
	for (size_t i = 0; i <= ZIP_MAX_ENTRIES; i++)
		free(names[i]);
	free(names);
	free(ents);
}

static void test_zip_unpack_encrypted_kept(void **state)
{
	static const struct ent ents[] = {
		{ .path = "secret.txt", .text = "the numbers" },
	};
	struct zip_limits lim = limits(1 << 20);
	struct zip_result res;
	size_t len;
	char *zip = make_zip(ents, 1, NULL, "passphrase", &len);
	char *err = NULL;

	GW_UNUSED(state);
	assert_int_equal(zip_unpack_mem(zip, len, &lim, &res, &err), 0);
	assert_int_equal(res.verdict, ZIP_KEEP);
	assert_int_equal(res.note, ZIP_NOTE_ENCRYPTED);
	assert_int_equal(res.n_files, 0);
	assert_string_equal(zip_note_name(res.note), "encrypted");
	zip_result_clear(&res);
	free(zip);
}

static void test_zip_unpack_damaged_kept(void **state)
{
	static const struct ent ents[] = {
		{ .path = "a.txt", .size = 200000 },
		{ .path = "b.txt", .text = "second" },
	};
	struct zip_limits lim = limits(16 << 20);
	struct zip_result res;
	size_t len;
	char *zip = make_zip(ents, 2, "zip:compression=store", NULL, &len);
	char *err = NULL;

	GW_UNUSED(state);
	/* Cut before the central directory. */
	assert_int_equal(zip_unpack_mem(zip, len / 2, &lim, &res, &err), 0);
	assert_int_equal(res.verdict, ZIP_KEEP);
	assert_int_equal(res.note, ZIP_NOTE_DAMAGED);
	assert_int_equal(res.n_files, 0);
	zip_result_clear(&res);
	/* Garbage inside the first file's data: its CRC fails. */
	for (size_t i = 40; i < 80; i++)
		zip[i] ^= 0x5a;
	assert_int_equal(zip_unpack_mem(zip, len, &lim, &res, &err), 0);
	assert_int_equal(res.verdict, ZIP_KEEP);
	assert_int_equal(res.note, ZIP_NOTE_DAMAGED);
	assert_int_equal(res.n_files, 0);
	zip_result_clear(&res);
	/* Not a zip at all. */
	assert_int_equal(zip_unpack_mem("PK\x03\x04 not really", 16, &lim, &res, &err), 0);
	assert_int_equal(res.verdict, ZIP_KEEP);
	assert_int_equal(res.note, ZIP_NOTE_DAMAGED);
	zip_result_clear(&res);
	free(zip);
}

static void test_zip_unpack_nested_kept_as_file(void **state)
{
	static const struct ent inner_ents[] = {
		{ .path = "deep/inside.txt", .text = "inside" },
	};
	struct zip_limits lim = limits(1 << 20);
	struct zip_result res;
	size_t ilen, len, got;
	char *inner = make_zip(inner_ents, 1, NULL, NULL, &ilen), *zip, *data;
	char *err = NULL;
	struct ent outer[2] = {
		{ .path = "inner.zip" },
		{ .path = "readme.txt", .text = "see inner.zip" },
	};

	GW_UNUSED(state);
	inner[ilen] = '\0';        /* buf_detach leaves room */
	outer[0].size = ilen;
	/* make_zip writes 'z' for a sized entry: write the inner zip instead. */
	{
		struct archive *a = archive_write_new();
		struct memzip mz = { BUF_INIT };
		struct archive_entry *e = archive_entry_new();

		archive_write_set_format_zip(a);
		archive_write_open(a, &mz, NULL, mem_write, NULL);
		archive_entry_set_pathname(e, "inner.zip");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_size(e, (la_int64_t)ilen);
		archive_write_header(a, e);
		archive_write_data(a, inner, ilen);
		archive_entry_clear(e);
		archive_entry_set_pathname(e, outer[1].path);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_size(e, (la_int64_t)strlen(outer[1].text));
		archive_write_header(a, e);
		archive_write_data(a, outer[1].text, strlen(outer[1].text));
		archive_entry_free(e);
		archive_write_close(a);
		archive_write_free(a);
		len = mz.b.len;
		zip = buf_detach(&mz.b);
	}
	assert_int_equal(zip_unpack_mem(zip, len, &lim, &res, &err), 0);
	assert_int_equal(res.verdict, ZIP_UNPACKED);
	assert_int_equal(res.n_files, 2);
	assert_string_equal(res.files[0].name, "inner.zip");
	data = read_fd(res.files[0].fd, &got);
	assert_int_equal(got, ilen);
	assert_memory_equal(data, inner, ilen);
	free(data);
	zip_result_clear(&res);
	free(zip);
	free(inner);
}

static void test_zip_unpack_fd(void **state)
{
	static const struct ent ents[] = {
		{ .path = "x/y.txt", .text = "from a file" },
	};
	struct zip_limits lim = limits(1 << 20);
	struct zip_result res;
	char path[] = "/tmp/test_zip_fd.XXXXXX";
	size_t len;
	char *zip = make_zip(ents, 1, NULL, NULL, &len), *err = NULL;
	int fd = mkstemp(path);

	GW_UNUSED(state);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, zip, len), (ssize_t)len);
	assert_int_equal(zip_unpack_fd(fd, &lim, &res, &err), 0);
	assert_int_equal(res.verdict, ZIP_UNPACKED);
	assert_string_equal(res.files[0].folder, "x");
	zip_result_clear(&res);
	close(fd);
	free(zip);
}

/* ---- paths ---------------------------------------------------------------- */

static void test_zip_path_split_table(void **state)
{
	static const struct {
		const char *in, *folder, *name;   /* folder NULL: refused */
	} cases[] = {
		{ "a.txt", "", "a.txt" },
		{ "dir/a.txt", "dir", "a.txt" },
		{ "dir//sub/./a.txt", "dir/sub", "a.txt" },
		{ "dir\\sub\\a.txt", "dir/sub", "a.txt" },
		{ "Bel\xc3\xa8ge/r\xc3\xa9sum\xc3\xa9.pdf", "Bel\xc3\xa8ge", "r\xc3\xa9sum\xc3\xa9.pdf" },
		{ "..", NULL, NULL },
		{ "../a", NULL, NULL },
		{ "a/../b", NULL, NULL },
		{ "/a", NULL, NULL },
		{ "\\a", NULL, NULL },
		{ "c:/a", NULL, NULL },
		{ "", NULL, NULL },
		{ "dir/", NULL, NULL },
		{ "./", NULL, NULL },
		{ "a\nb", NULL, NULL },
		{ "\xc3", NULL, NULL },
	};

	GW_UNUSED(state);
	for (size_t i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		char *folder = NULL, *name = NULL;
		const char *why = NULL;
		int rc = zip_path_split(cases[i].in, &folder, &name, &why);

		if (cases[i].folder == NULL) {
			if (rc != -1 || why == NULL)
				fail_msg("case %zu \"%s\": accepted", i, cases[i].in);
		} else if (rc != 0 || strcmp(folder, cases[i].folder) != 0 ||
			   strcmp(name, cases[i].name) != 0) {
			fail_msg("case %zu \"%s\": rc %d folder \"%s\" name \"%s\"", i, cases[i].in,
				 rc, folder != NULL ? folder : "", name != NULL ? name : "");
		}
		free(folder);
		free(name);
	}
	assert_true(zip_folder_valid(""));
	assert_true(zip_folder_valid("a/b c"));
	assert_false(zip_folder_valid("a/../b"));
	assert_false(zip_folder_valid("/a"));
	assert_false(zip_folder_valid("a/"));
	assert_false(zip_folder_valid("a//b"));
}

/* ---- writing -------------------------------------------------------------- */

static void test_zip_writer_round_trip(void **state)
{
	char p1[] = "/tmp/test_zip_w1.XXXXXX", p2[] = "/tmp/test_zip_w2.XXXXXX";
	char out[] = "/tmp/test_zip_out.XXXXXX";
	int f1 = mkstemp(p1), f2 = mkstemp(p2), fo = mkstemp(out);
	struct zip_writer *zw;
	struct archive *a;
	struct archive_entry *e;
	char *err = NULL, big[100000];
	const char *names[] = { "Docs/r\xc3\xa9sum\xc3\xa9.txt", "Docs/sub/big.bin" };
	size_t k = 0;

	GW_UNUSED(state);
	assert_true(f1 >= 0 && f2 >= 0 && fo >= 0);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	assert_int_equal(write(f1, "hello", 5), 5);
	assert_int_equal(write(f2, big, sizeof(big)), (ssize_t)sizeof(big));
	zw = zip_writer_open(fo, &err);
	assert_non_null(zw);
	assert_int_equal(zip_writer_add(zw, names[0], p1, 1700000000, &err), 0);
	assert_int_equal(zip_writer_add(zw, names[1], p2, 1700000000, &err), 0);
	assert_int_equal(zip_writer_add(zw, "gone", "/nonexistent/file", 0, &err), -1);
	free(err);
	err = NULL;
	assert_int_equal(zip_writer_close(zw, &err), 0);
	if (getenv("ZIP_KEEP") != NULL)
		fprintf(stderr, "zip in %s\n", out);

	/* The names come back in the locale's character set. */
	setlocale(LC_CTYPE, "C.UTF-8");
	a = archive_read_new();
	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_filename(a, out, 10240), ARCHIVE_OK);
	for (int rc; (rc = archive_read_next_header(a, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN; ) {
		char got[sizeof(big)];
		la_ssize_t n = archive_read_data(a, got, sizeof(got));

		const char *name = archive_entry_pathname_utf8(e);

		assert_true(k < 2);
		if (name == NULL || strcmp(name, names[k]) != 0)
			fail_msg("entry %zu: \"%s\" (%s)", k, name != NULL ? name : "(null)",
				 archive_entry_pathname(e));
		if (k == 0) {
			assert_int_equal(n, 5);
			assert_memory_equal(got, "hello", 5);
		} else {
			assert_int_equal(n, (la_ssize_t)sizeof(big));
			assert_memory_equal(got, big, sizeof(big));
		}
		k++;
	}
	assert_int_equal(k, 2);
	archive_read_free(a);
	close(f1);
	close(f2);
	close(fo);
	unlink(p1);
	unlink(p2);
	if (getenv("ZIP_KEEP") == NULL)
		unlink(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zip_unpack_keeps_folders),
		cmocka_unit_test(test_zip_unpack_root_folder),
		cmocka_unit_test(test_zip_unpack_bomb_refused),
		cmocka_unit_test(test_zip_unpack_refusals),
		cmocka_unit_test(test_zip_unpack_too_many_entries),
		cmocka_unit_test(test_zip_unpack_encrypted_kept),
		cmocka_unit_test(test_zip_unpack_damaged_kept),
		cmocka_unit_test(test_zip_unpack_nested_kept_as_file),
		cmocka_unit_test(test_zip_unpack_fd),
		cmocka_unit_test(test_zip_path_split_table),
		cmocka_unit_test(test_zip_writer_round_trip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
