/*
 * export.h - the archive of everything gatewayd holds about one person
 * (`gatewayctl person export` and the JSON API's export endpoints).
 *
 * The archive is a zip file (libarchive) with, in this order:
 *   person.json     the person, the threads as they see them (messages,
 *                   tasks, files), the emails sent to them and the inbound
 *                   log rows about them (deflated)
 *   files/THREAD/ID-NAME   each file of those threads, its content as
 *                   stored (not deflated again)
 *   manifest.json   format, version, who, when, counts, and every entry
 *                   with its size (and SHA-256 for the files)
 * Nothing is whole in memory: person.json is written one thread at a time
 * (the zip carries its size after the data), the files are copied from
 * the attachment store in chunks, and the archive goes straight to the
 * file descriptor.  Everything is read from one snapshot: the caller's
 * request transaction, or one opened here.
 */
#ifndef GW_EXPORT_H
#define GW_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "gw.h"
#include "store.h"

#define PERSON_EXPORT_FORMAT "gatewayd-person-export"
#define PERSON_EXPORT_VERSION 1

struct person_export_stats {
	size_t threads;
	size_t messages;
	size_t files;
	size_t emails;
	size_t inbound;
	int64_t file_bytes;
};

/*
 * Write the archive of person kind:id to fd (left open).  att_dir: the
 * attachments directory.  GW_NOTFOUND for an unknown person; GW_PERMFAIL
 * when a content file is missing or not of its recorded size; GW_TEMPFAIL
 * when the archive cannot be written or a file read (disk full, I/O
 * error); *error_r names what.  On failure fd holds
 * a partial archive: the caller removes it.
 */
enum gw_result person_export_write(struct store *store, const char *att_dir,
				   enum store_kind kind, int64_t id, int fd,
				   struct person_export_stats *stats_r, char **error_r);

#endif
