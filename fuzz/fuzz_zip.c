/*
 * fuzz_zip.c - libFuzzer target for unpacking an uploaded zip
 * (common/zip.c, libarchive underneath): the bytes of a stranger's file.
 *
 * Each input is unpacked under a 256 KB limit (and ten times its own
 * size).  Besides "no crash, no leak", every verdict must keep the
 * promises of zip.h: unpacked files have valid folder paths and plain
 * names, their sizes add up to what was unpacked and stay within the
 * limit, each temporary file holds exactly its size; a refusal or a
 * "keep" leaves no file behind and says why.
 *
 * With GW_FUZZ_WRITE_SEEDS=DIR in the environment the target writes zips
 * made with libarchive (plain and deflated, nested, with folders,
 * traversal, absolute paths, links, encryption, a bomb) into DIR as seeds
 * and exits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "zip.h"

#define LIMIT (256 * 1024)

static const char *tmp_dir(void)
{
	const char *d = getenv("GW_FUZZ_TMPDIR");

	return d != NULL && *d != '\0' ? d : "/tmp";
}

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_zip: %s\n", what);
	abort();
}

static void check(const struct zip_result *res, size_t len)
{
	int64_t total = 0, limit = (int64_t)len * ZIP_MAX_RATIO;

	if (limit > LIMIT)
		limit = LIMIT;
	switch (res->verdict) {
	case ZIP_UNPACKED:
		for (size_t i = 0; i < res->n_files; i++) {
			const struct zip_file *f = &res->files[i];
			struct stat st;

			if (!zip_folder_valid(f->folder))
				fail("an unpacked file's folder is not a folder path");
			if (f->name[0] == '\0' || strchr(f->name, '/') != NULL ||
			    strcmp(f->name, "..") == 0 || strcmp(f->name, ".") == 0)
				fail("an unpacked file's name is not a plain name");
			if (fstat(f->fd, &st) < 0 || st.st_size != f->size)
				fail("a temporary file does not hold its size");
			total += f->size;
		}
		if (res->n_files == 0)
			fail("unpacked into nothing");
		if (total > limit || total > res->unpacked)
			fail("more unpacked than the limit allows");
		break;
	case ZIP_KEEP:
		if (res->n_files != 0 || zip_note_name(res->note) == NULL)
			fail("kept whole with files left, or without a note");
		break;
	case ZIP_REFUSED:
		if (res->n_files != 0 || res->reason == NULL || res->reason[0] == '\0')
			fail("refused with files left, or without a reason");
		if (res->n_entries > ZIP_MAX_ENTRIES + 1)
			fail("read on past the entry limit");
		break;
	}
}

/* ---- seeds ---------------------------------------------------------------- */

static la_ssize_t mem_write(struct archive *a, void *ctx, const void *p, size_t n)
{
	(void)a;
	buf_append(ctx, p, n);
	return (la_ssize_t)n;
}

struct seed_ent {
	const char *path;
	mode_t type;
	const char *text;
	size_t zeros;
};

static void write_seed(const char *dir, const char *name, const struct seed_ent *ents, size_t n,
		       const char *options, const char *pass)
{
	struct archive *a = archive_write_new();
	struct buf b = BUF_INIT;
	char *path;
	FILE *fp;

	archive_write_set_format_zip(a);
	if (options != NULL)
		archive_write_set_options(a, options);
	if (pass != NULL) {
		archive_write_set_options(a, "zip:encryption=zipcrypt");
		archive_write_set_passphrase(a, pass);
	}
	archive_write_set_bytes_per_block(a, 0);
	archive_write_open(a, &b, NULL, mem_write, NULL);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		mode_t type = ents[i].type != 0 ? ents[i].type : AE_IFREG;
		size_t size = ents[i].text != NULL ? strlen(ents[i].text) : ents[i].zeros;

		archive_entry_set_pathname(e, ents[i].path);
		archive_entry_set_filetype(e, type);
		archive_entry_set_perm(e, 0644);
		if (type == AE_IFLNK)
			archive_entry_set_symlink(e, ents[i].text);
		archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)size : 0);
		archive_write_header(a, e);
		if (type == AE_IFREG && ents[i].text != NULL) {
			archive_write_data(a, ents[i].text, size);
		} else if (type == AE_IFREG) {
			char z[4096] = { 0 };

			for (size_t left = size; left > 0; left -= left < sizeof(z) ? left : sizeof(z))
				archive_write_data(a, z, left < sizeof(z) ? left : sizeof(z));
		}
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	path = xasprintf("%s/%s.zip", dir, name);
	if ((fp = fopen(path, "wb")) != NULL) {
		fwrite(b.data, 1, b.len, fp);
		fclose(fp);
	}
	free(path);
	buf_release(&b);
}

static void write_seeds(const char *dir)
{
	static const struct seed_ent plain[] = {
		{ "a.txt", 0, "alpha", 0 }, { "docs/", AE_IFDIR, NULL, 0 },
		{ "docs/b.pdf", 0, "%PDF-1.4", 0 }, { "docs/sub/c.csv", 0, "1,2,3\n", 0 },
	};
	static const struct seed_ent up[] = { { "../up.txt", 0, "x", 0 } };
	static const struct seed_ent abs_[] = { { "/etc/abs.txt", 0, "x", 0 } };
	static const struct seed_ent link[] = { { "l", AE_IFLNK, "/etc/passwd", 0 } };
	static const struct seed_ent bomb[] = { { "zeros", 0, NULL, 1 << 20 } };
	static const struct seed_ent mac[] = {
		{ "r/x.txt", 0, "x", 0 }, { "__MACOSX/r/._x.txt", 0, "fork", 0 },
	};

	write_seed(dir, "plain-store", plain, 4, "zip:compression=store", NULL);
	write_seed(dir, "plain-deflate", plain, 4, "zip:compression=deflate", NULL);
	write_seed(dir, "traversal", up, 1, NULL, NULL);
	write_seed(dir, "absolute", abs_, 1, NULL, NULL);
	write_seed(dir, "symlink", link, 1, NULL, NULL);
	write_seed(dir, "bomb", bomb, 1, "zip:compression=deflate", NULL);
	write_seed(dir, "encrypted", plain, 2, NULL, "secret");
	write_seed(dir, "macosx", mac, 2, NULL, NULL);
	write_seed(dir, "empty", plain, 0, NULL, NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("GW_FUZZ_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	if (seeds != NULL) {
		write_seeds(seeds);
		exit(0);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zip_limits lim = { .max_total = LIMIT, .tmp_dir = tmp_dir() };
	struct zip_result res;
	char *err = NULL;

	if (zip_unpack_mem(data, size, &lim, &res, &err) < 0) {
		/* Only a temporary file that cannot be made: the machine's fault. */
		free(err);
		return 0;
	}
	check(&res, size);
	zip_result_clear(&res);
	return 0;
}
