/*
 * zip.h - zip files in and out (libarchive), with no database and no HTTP:
 * what an upload of a zip becomes, the folder paths people send, and a
 * zip written to a descriptor as it is read.
 *
 * Unpacking a zip answers one of three ways:
 *   ZIP_UNPACKED  its files, each in an unnamed temporary file, with the
 *                 folder path it had in the zip (validated: see
 *                 zip_path_split()); a zip inside is one of the files
 *   ZIP_KEEP      keep the upload as it is, with a note why (encrypted,
 *                 damaged, empty): no temporary files
 *   ZIP_REFUSED   refuse the upload, nothing of it may be stored: more
 *                 than max_entries entries, more bytes unpacked than the
 *                 limit (a zip bomb), an absolute path or "..", a link or
 *                 a device; reason says which, for the person who sent it
 * The limits are counted on the bytes actually unpacked, never on the
 * sizes the zip's headers claim, and unpacking stops at the first byte
 * over.
 */
#ifndef GW_ZIP_H
#define GW_ZIP_H

#include <stddef.h>
#include <stdint.h>

#define ZIP_MAX_ENTRIES 1000
#define ZIP_MAX_RATIO 10
/* A folder path: at most this many bytes and levels. */
#define ZIP_FOLDER_MAX 1024
#define ZIP_FOLDER_DEPTH 32

enum zip_verdict { ZIP_UNPACKED, ZIP_KEEP, ZIP_REFUSED };

/* Why a zip is kept as it is; stored with the file (attachments.zip_note)
 * by these names. */
enum zip_note {
	ZIP_NOTE_NONE = 0,
	ZIP_NOTE_ENCRYPTED,        /* "encrypted" */
	ZIP_NOTE_DAMAGED,          /* "damaged" */
	ZIP_NOTE_EMPTY,            /* "empty" */
};

struct zip_limits {
	size_t max_entries;        /* 0: ZIP_MAX_ENTRIES */
	int64_t max_total;         /* bytes unpacked in all (the post limit) */
	int64_t ratio;             /* and at most ratio x the zip; 0: ZIP_MAX_RATIO */
	const char *tmp_dir;       /* where the unnamed files go */
};

struct zip_file {
	char *name;                /* last component, valid UTF-8 */
	char *folder;              /* "" or "a/b" */
	int fd;                    /* unnamed temporary file, at offset 0 */
	int64_t size;
};

struct zip_result {
	enum zip_verdict verdict;
	enum zip_note note;        /* ZIP_KEEP */
	char *reason;              /* ZIP_REFUSED (translated) and ZIP_KEEP (log) */
	struct zip_file *files;    /* ZIP_UNPACKED, in the zip's order */
	size_t n_files;
	size_t n_entries;          /* entries read */
	int64_t unpacked;          /* bytes written so far */
};

/* 1 when a file with this name and first bytes should be unpacked: the
 * name ends in ".zip" or the bytes start a zip's local header. */
int zip_looks_like(const char *name, const void *head, size_t len);

/*
 * Unpack the zip of len bytes at bytes (zip_unpack_mem) or in fd
 * (zip_unpack_fd, read from offset 0, left open).  -1 only when no
 * temporary file could be made (error_r set: a disk problem); else 0 with
 * the verdict in *res, which the caller clears.
 */
int zip_unpack_mem(const void *bytes, size_t len, const struct zip_limits *lim,
		   struct zip_result *res, char **error_r);
int zip_unpack_fd(int fd, const struct zip_limits *lim, struct zip_result *res,
		  char **error_r);
/* Unless every file sits in one top folder, put them all in a folder
 * named after the zip (zip_name without ".zip"), as unzipping it would. */
void zip_result_root(struct zip_result *res, const char *zip_name);
/* Closes the files and frees everything; res may be reused after. */
void zip_result_clear(struct zip_result *res);

/* The stored name of a note ("encrypted", ...), NULL for none; and back. */
const char *zip_note_name(enum zip_note note);
enum zip_note zip_note_from_name(const char *name);

/*
 * Split a relative path as a zip or a browser's folder upload names a
 * file ("a/b/c.pdf") into its folder ("a/b") and name ("c.pdf"), both
 * malloc'd.  Backslashes count as slashes, "." and empty components are
 * dropped.  Refused (-1, *why_r a translated sentence): an absolute path
 * or a drive letter, "..", invalid UTF-8 or control characters, an empty
 * name, a component over 255 bytes, more than ZIP_FOLDER_DEPTH levels or
 * ZIP_FOLDER_MAX bytes of folder.
 */
int zip_path_split(const char *path, char **folder_r, char **name_r, const char **why_r);
/* 1 when folder is "" or a folder path as zip_path_split() makes them. */
int zip_folder_valid(const char *folder);

/* ---- writing ---------------------------------------------------------- */

struct zip_writer;
/* A zip written to fd as it is added to (no compression: documents are
 * mostly compressed already, and storing costs no CPU); fd is not closed. */
struct zip_writer *zip_writer_open(int fd, char **error_r);
/* One file from the file at path, as archive_path (folder/name) with its
 * modification time.  0, or -1 with *error_r. */
int zip_writer_add(struct zip_writer *zw, const char *archive_path, const char *path,
		   int64_t mtime, char **error_r);
/* Write the central directory: 0, or -1 with *error_r.  Frees zw. */
int zip_writer_close(struct zip_writer *zw, char **error_r);
/* Frees zw without finishing the zip (after an error). */
void zip_writer_abort(struct zip_writer *zw);

#endif
