/*
 * upload.h - a multipart/form-data body (RFC 7578) read as a stream: the
 * text fields into memory (bounded), every file part straight into the
 * content store (store_blob: hashed, fsync'd, linked in under its hash)
 * as its bytes go by.  Nothing of a file is held in memory beyond one
 * read buffer, whatever its size.  The web view and the JSON API read
 * their uploads through it.
 *
 * The limits are checked while the bytes arrive; the first thing wrong
 * (a file or the post too large, too many files, an empty file, a name
 * that cannot be a file name, a body that is not well-formed multipart,
 * the disk) is kept in form->error, every file written so far is
 * dropped (unnamed temporary files: closing them removes them) and the
 * rest of the body is read for its text fields only, so that the page can
 * show the typed text again with the error.  Only a body read whole and
 * without error has its files linked into the content store, all at the
 * end.
 */
#ifndef GW_WEB_UPLOAD_H
#define GW_WEB_UPLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "store.h"

struct upload_limits {
	const char *dir;        /* the content store ([store] attachments_dir) */
	int64_t max_file;       /* bytes of one file ([web] max_upload) */
	int64_t max_post;       /* bytes of the whole body ([web] max_post) */
	int max_files;          /* files in one post; 0 = STORE_POST_MAX_FILES */
};

enum upload_error {
	UPLOAD_OK = 0,
	UPLOAD_FILE_TOO_LARGE,  /* error_file names it */
	UPLOAD_POST_TOO_LARGE,
	UPLOAD_TOO_MANY,
	UPLOAD_EMPTY_FILE,      /* error_file names it */
	UPLOAD_BAD_NAME,        /* error_file holds it, controls made visible */
	UPLOAD_BAD_FOLDER,      /* a folder's file with a path that cannot be
				   kept: error_why says why */
	UPLOAD_MALFORMED,
	UPLOAD_STORAGE,         /* the disk: full, unwritable */
};

struct upload_field {
	char *name;
	char *value;            /* NUL-terminated; len bytes */
	size_t len;
};

struct upload_file {
	char *field;            /* the form field it came in */
	char *name;             /* checked: store_upload_name_check() */
	char *folder;           /* "" or "a/b": parts named "folder" carry a
				   relative path (a folder upload), split by
				   zip_path_split() */
	char *content_type;     /* a plain type/subtype, or NULL */
	int64_t size;
	struct store_blob *blob;  /* finished: in the content store */
};

struct upload_form {
	struct upload_field *fields;
	size_t n_fields;
	struct upload_file *files;
	size_t n_files;
	enum upload_error error;
	char *error_file;       /* the file the error is about, or NULL */
	char *error_why;        /* UPLOAD_BAD_FOLDER: a translated sentence */
	char *detail;           /* for the log: what exactly failed */
};

/* The text field name (first of that name), or NULL. */
const struct upload_field *upload_form_field(const struct upload_form *form,
					     const char *name);

/*
 * Read a body of len bytes from fd (from offset 0, with pread) or from
 * memory.  Returns 0 when the body was read (form->error may still say
 * what was wrong with it), -1 only for what a client cannot cause
 * (form->detail set).
 */
int upload_read_fd(const struct upload_limits *limits, const char *content_type, int fd,
		   int64_t len, struct upload_form *form);
int upload_read_mem(const struct upload_limits *limits, const char *content_type,
		    const char *body, size_t len, struct upload_form *form);
/* A body in pieces (an evbuffer's chains, as evbuffer_peek() gives them). */
int upload_read_iov(const struct upload_limits *limits, const char *content_type,
		    const struct iovec *iov, size_t n_iov, struct upload_form *form);

/*
 * The same, pushed as the bytes arrive (the web view's guard, while a
 * body comes in): feed every byte in order, then end (the verdict; the
 * files written but not yet in the store), then upload_form_commit() off
 * the event loop (fsync and link in).  free instead of end abandons the
 * body: its files are dropped and form cleared.  The limits are copied;
 * form must outlive the parser.
 */
struct upload_parser;
struct upload_parser *upload_parser_new(const struct upload_limits *limits,
					const char *content_type, struct upload_form *form);
void upload_parser_feed(struct upload_parser *parser, const char *bytes, size_t n);
void upload_parser_end(struct upload_parser **parserp);
void upload_parser_free(struct upload_parser **parserp);
/* The files of a body read whole and without error into the content
 * store (fsync'd, linked in): 0, or -1 with form->error set (UPLOAD_STORAGE)
 * and every file dropped.  The upload_read_*() functions call it. */
int upload_form_commit(struct upload_form *form);

/* A person's words for form->error (translated; malloc'd), NULL when OK. */
char *upload_error_text(const struct upload_form *form, const struct upload_limits *limits);

/*
 * The files as the store takes them (file_name and content_type borrowed
 * from form, which must outlive the array); malloc'd, NULL when none.
 */
struct store_upload *upload_form_store(const struct upload_form *form);

/* "10 MB", "512 KB", "700 bytes" (malloc'd). */
char *upload_size_text(int64_t bytes);

/* Close every file (those not committed by a row are then unreferenced),
 * free everything. */
void upload_form_clear(struct upload_form *form);

/* Value of a parameter (name="value" or name=value) in a header value
 * such as a part's Content-Disposition; malloc'd ("" when empty), NULL
 * when absent.  Shared with the form parser (form.c, where it lives). */
char *web_header_param(const char *h, size_t hlen, const char *param);

#endif
