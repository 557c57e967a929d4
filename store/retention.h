/*
 * retention.h - deleting what the firm no longer needs to keep, and the
 * legal hold that stops it for one account.
 *
 * Periods are seconds; 0 keeps forever.  Something is deleted when it is
 * OLDER than its period at `now`, that is when its time is strictly
 * before now - period:
 *   archived_threads  threads archived before the cut-off, with their
 *                     messages, mentions, read marks, tasks, attachments
 *                     and the outbox rows about them
 *   attachments       attachment rows created before the cut-off
 *   outbox            outbox rows created before the cut-off that are
 *                     sent or failed (never one still queued or sending)
 *   inbound_log       inbound log rows received before the cut-off
 *   sessions          web sessions started before the cut-off
 * and always, whatever the periods: sign-in links made more than a day
 * ago (with the address someone typed) and sign-in request counts past
 * their hour (store/signin.h).
 * Nothing that belongs to an account on legal hold is deleted: its
 * threads, attachments, and the outbox and inbound rows about its threads.
 *
 * Work is cut into small transactions (store_retention_step) so that a
 * large backlog never holds the write lock for long; a daemon runs one
 * step per job on the store pool's writer lane, so other writes go in
 * between.
 *
 * Attachment files.  A deleted attachment row leaves its content hash in
 * blob_trash, in the same transaction.  A later step removes the file
 * (after that commit) once no row refers to that content any more and the
 * file has not been touched for STORE_BLOB_GRACE seconds (an upload of the
 * same content writes or touches the file before its row commits: the
 * grace keeps such a file).  A crash between the commit and the unlink
 * loses nothing: the hash stays in blob_trash until a step removes it.
 */
#ifndef GW_STORE_RETENTION_H
#define GW_STORE_RETENTION_H

#include <stdint.h>

#include "gw.h"

struct store;

#define STORE_BLOB_GRACE 3600

struct store_retention {
	int64_t archived_threads;
	int64_t attachments;
	int64_t outbox;
	int64_t inbound_log;
	int64_t sessions;
};

struct store_retention_result {
	int64_t threads;       /* rows deleted by this step */
	int64_t attachments;   /* attachment rows, the threads' included */
	int64_t outbox;
	int64_t inbound;
	int64_t sessions;      /* sessions, sign-in links and counts */
	int64_t files;         /* attachment files removed */
	int more;              /* the step was full: call again */
};

/*
 * One step: in one write transaction, delete at most `batch` rows (at
 * most batch/20 + 1 threads) of the first kind that has anything to
 * delete, in the order archived threads, attachments, outbox, inbound
 * log, sessions, sign-in links and counts; when none has, remove up to `batch` files of blob_trash (each
 * checked in a write transaction of its own).  Counts are ADDED to *res;
 * res->more is set when this step may have left work for another.
 * files_dir: the attachments directory (NULL = the store's).
 */
enum gw_result store_retention_step(struct store *store, const struct store_retention *p,
				    int64_t now, int batch, const char *files_dir,
				    struct store_retention_result *res, char **error_r);

/*
 * Legal hold.  store_account_set_hold(): on = 1 sets it (the date it was
 * set is kept when it already was), 0 lifts it; GW_NOTFOUND for an
 * unknown account.  store_account_held(): *held_r 1 or 0, *since_r (may
 * be NULL) the time it was set, 0 when not held; GW_NOTFOUND for an
 * unknown account.  Export and erasure of a person consult it too.
 */
enum gw_result store_account_set_hold(struct store *store, int64_t account_id, int on,
				      char **error_r);
enum gw_result store_account_held(struct store *store, int64_t account_id, int *held_r,
				  int64_t *since_r, char **error_r);

#endif
