/*
 * ctl.h - what the gatewayctl source files share: the command table entry,
 * the per-run context, argument parsing, error reporting as sysexits codes,
 * and the output helpers (aligned tables, JSON).
 *
 * gatewayctl works on the database directly.  Every command is one store
 * operation (one transaction); reads that follow a write only render it.
 *
 * Exit codes (<sysexits.h>, through gw.h):
 *   0   done
 *   64  usage: a missing or malformed argument, named in the message
 *   65  data: an unknown id, or the change breaks a rule
 *   73  an output file cannot be created (backup: it exists, no --force)
 *   75  temporary: database busy or locked, disk full; retry later
 *   78  configuration: bad config file (file:line), missing key file or
 *       database
 * Messages go to stderr as "gatewayctl: COMMAND: what is wrong".
 *
 * Ownership: struct ctl owns cfg and store (closed by main).  struct
 * ctl_args points into argv; only its arrays are malloc'd
 * (ctl_args_release).
 */
#ifndef GW_CTL_H
#define GW_CTL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "gw.h"
#include "store.h"

/* One option of a command: "--name" with or without a value. */
struct ctl_opt {
	const char *name;
	int has_arg;
	int repeat;   /* may be given more than once (else the last one counts) */
};

#define CTL_MAX_OPTS 16

/* Parsed command line of one command: positionals and option values. */
struct ctl_args {
	char **pos;                   /* positional arguments (into argv) */
	int npos;
	const struct ctl_opt *opts;   /* the command's table, NULL-terminated */
	int count[CTL_MAX_OPTS];      /* times each option was given */
	char **vals[CTL_MAX_OPTS];    /* their values (has_arg), malloc'd arrays */
};

struct ctl {
	const char *cmd;          /* "thread new": prefix of every message */
	int json;                 /* --json */
	const char *conf_path;
	struct gw_config *cfg;    /* loaded before the command runs */
	struct store *store;      /* opened before the command runs (but init) */
};

/* Flags of a command. */
#define CTL_OPENS_STORE 0x1   /* the command opens the store itself (init) */

struct ctl_cmd {
	const char *group;        /* "thread" */
	const char *name;         /* "new", or NULL for a one-word command */
	const char *synopsis;     /* what follows the command words */
	const char *help;         /* description and options, indented lines */
	const struct ctl_opt *opts; /* NULL-terminated (name NULL), may be NULL */
	int min_pos, max_pos;     /* positional count; max -1 = no limit */
	unsigned flags;
	int (*run)(struct ctl *c, const struct ctl_args *a);
};

/* ---- ctl_args.c: parsing and errors ---- */

/* Parse argv[0..argc) against cmd's options.  Returns 0, or an exit code
 * (usage error printed).  *help_r is set when --help/-h was given. */
int ctl_args_parse(struct ctl *c, const struct ctl_cmd *cmd, int argc,
		   char **argv, struct ctl_args *a, int *help_r);
void ctl_args_release(struct ctl_args *a);

/* Last value of an option (NULL if not given). */
const char *ctl_opt(const struct ctl_args *a, const char *name);
/* How many times an option was given. */
int ctl_flag(const struct ctl_args *a, const char *name);
/* Every value of a repeatable option, in order; *n_r gets the count. */
char *const *ctl_opt_all(const struct ctl_args *a, const char *name, size_t *n_r);

/* The files of --attach (ctl_attach.c), in the content store already. */
struct ctl_files {
	struct store_blob **blobs;
	struct store_upload *given;   /* the files as given */
	size_t n_given;
	struct store_post_files unpacked;
	const struct store_upload *files;   /* for store_post / store_chat_new */
	size_t n;
};
/* Store each --attach FILE within [web] max_upload and max_post, a zip
 * unpacked as in the web view (store_post_files_unpack()); 0 or an exit
 * code (printed).  Release after the post's transaction. */
int ctl_attach_files(struct ctl *c, const struct ctl_args *a, struct ctl_files *files);
void ctl_files_release(struct ctl_files *files);

/* ctl_blobs.c: the content files a backup copy of the database names,
 * copied into dest (those there already skipped); 0 or an exit code. */
struct ctl_blob_backup {
	int64_t copied, present, missing, bytes;
};
int ctl_backup_attachments(struct ctl *c, const char *db_copy, const char *dest,
			   struct ctl_blob_backup *result);

/* Print "gatewayctl: CMD: MESSAGE" and return EX_USAGE. */
int ctl_usage(struct ctl *c, const char *fmt, ...) GW_PRINTF(2, 3);
/* Print "gatewayctl: CMD: MESSAGE" and return code. */
int ctl_error(struct ctl *c, int code, const char *fmt, ...) GW_PRINTF(3, 4);
/* Exit code of a store result. */
int ctl_exit_code(enum gw_result r);
/* Print the store's error (freed) and return its exit code; r != GW_OK. */
int ctl_store_fail(struct ctl *c, enum gw_result r, char *error);

/* "12" -> 12.  what names the thing ("an account id"); opt the option it
 * was given with (NULL for a positional argument).  0 or EX_USAGE. */
int ctl_parse_id(struct ctl *c, const char *opt, const char *what, const char *s,
		 int64_t *id_r);
/* Integer in [min, max] for option opt.  0 or EX_USAGE. */
int ctl_parse_int(struct ctl *c, const char *opt, const char *s, int64_t min,
		  int64_t max, int64_t *v_r);
/* "contact:3" / "staff:2" for option opt; allow_contact / allow_staff
 * restrict the kinds accepted.  0 or EX_USAGE. */
int ctl_parse_principal(struct ctl *c, const char *opt, const char *s,
			int allow_contact, int allow_staff,
			enum store_kind *kind_r, int64_t *id_r);
/* Require option opt; returns its value or NULL (usage error printed,
 * *rc_r = EX_USAGE). */
const char *ctl_need(struct ctl *c, const struct ctl_args *a, const char *opt,
		     int *rc_r);

/* ---- ctl_out.c: output ---- */

/* Print a JSON value to stdout (indented, newline) and drop the reference. */
void ctl_json_print(json_t *v);
/* ISO 8601 string, or JSON null for 0. */
json_t *ctl_json_time(int64_t t);
json_t *ctl_json_str(const char *s);   /* NULL -> null */
json_t *ctl_json_id(int64_t id);       /* 0 -> null */
/* "2026-11-25 09:30:00" (UTC) or "-" for 0; buf of CTL_TIME_MAX bytes. */
#define CTL_TIME_MAX 32
const char *ctl_time(int64_t t, char buf[CTL_TIME_MAX]);
/* "contact 3 (Anna Baker)", "staff 2", "system"; malloc'd. */
char *ctl_who(enum store_kind kind, int64_t id, const char *name);

/* An aligned text table; cells are copied. */
struct ctl_table {
	size_t ncols;
	const char *const *head;
	char **cells;          /* nrows * ncols */
	size_t nrows, ncells, cap;
};
void ctl_table_init(struct ctl_table *t, size_t ncols, const char *const *head);
/* Append the next cell (rows fill left to right); line breaks and tabs in
 * the text become spaces. */
void ctl_table_cell(struct ctl_table *t, const char *fmt, ...) GW_PRINTF(2, 3);
/* Print header and rows to out (last column unpadded), then free. */
void ctl_table_print(struct ctl_table *t, FILE *out);

/* JSON records shared by several commands (new references). */
json_t *ctl_json_contact(const struct store_contact *k);
json_t *ctl_json_staff(const struct store_staff *s);
json_t *ctl_json_reminders(const struct store_reminders *r);
json_t *ctl_json_thread(const struct store_thread *t);
json_t *ctl_json_outbox(const struct store_outbox *o);

/* ---- ctl_file.c: a file written beside FILE and moved into place ---- */

/* The exit code of a failed file-system call: EX_TEMPFAIL when the disk
   may fill up or fail (retry later), else EX_CANTCREAT. */
int ctl_create_errno_code(int err);
/* Move TMP to FILE; without force, never over an existing FILE (-1 with
   errno EEXIST).  0 or -1 with errno. */
int ctl_move_into_place(const char *tmp, const char *file, int force);
/* Make a rename or creation in PATH's directory durable (best effort). */
void ctl_fsync_dir(const char *path);
/* Are A and B the same file (the database itself, say)? */
int ctl_same_file(const char *a, const char *b);

/* ---- the commands (ctl_people.c, ctl_thread.c, ctl_admin.c, ctl_apikey.c) ---- */

/* Open the store of c->cfg into c->store; 0 or an exit code (printed).
 * must_exist: refuse (78) when the database file is missing. */
int ctl_open_store(struct ctl *c, int must_exist);

int ctl_cmd_init(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_firm_set(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_firm_show(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_account_add(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_account_list(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_contact_add(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_contact_list(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_contact_notify(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_contact_language(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_staff_language(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_contact_revoke(struct ctl *c, const struct ctl_args *a);
/* ctl_bounce.c */
int ctl_cmd_contact_show(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_contact_bouncing(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_webhook_list(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_webhook_add(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_webhook_remove(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_webhook_enable(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_webhook_disable(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_contact_clear_bounce(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_contact_email(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_contact_remove(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_staff_add(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_staff_list(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_staff_assign(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_staff_set(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_inbox_list(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_inbox_read(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_template_add(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_template_list(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_template_remove(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_thread_new(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_thread_show(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_thread_list(struct ctl *c, const struct ctl_args *a);
/* ctl_search.c */
int ctl_cmd_search(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_thread_read(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_thread_archive(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_thread_show_content(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_thread_reopen(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_thread_resend(struct ctl *c, const struct ctl_args *a);
/* ctl_recipients.c */
int ctl_cmd_thread_people(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_thread_follow(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_thread_unfollow(struct ctl *c, const struct ctl_args *a);
/* "Nobody will be emailed: ..." for the thread, or NULL; malloc'd. */
char *ctl_nobody_emailed(struct ctl *c, int64_t thread);
int ctl_cmd_message_post(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_task_done(struct ctl *c, const struct ctl_args *a);
/* ctl_tasks.c */
int ctl_cmd_task_add(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_task_edit(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_task_remove(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_task_move(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_reminders_set(struct ctl *c, const struct ctl_args *a);
/* ctl_refs.c: external references of a thread */
int ctl_cmd_thread_link(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_thread_unlink(struct ctl *c, const struct ctl_args *a);
json_t *ctl_json_refs(const struct store_thread_ref *refs, size_t n);
void ctl_print_refs(const struct store_thread_ref *refs, size_t n);
/* --link-label/--link-url pairs, checked; *refs_r points into a (free()
 * the array).  0 or an exit code (printed). */
int ctl_refs_from_opts(struct ctl *c, const struct ctl_args *a,
		       struct store_thread_ref_new **refs_r, size_t *n_r);
int ctl_cmd_link(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_outbox_list(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_inbound_list(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_tick(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_apikey_add(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_apikey_revoke(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_apikey_list(struct ctl *c, const struct ctl_args *a);
/* ctl_person.c */
int ctl_cmd_person_export(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_person_erase(struct ctl *c, const struct ctl_args *a);
/* ctl_ops.c, ctl_doctor.c */
int ctl_cmd_backup(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_keys_rotate(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_doctor(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_gc(struct ctl *c, const struct ctl_args *a);
/* ctl_privacy.c */
int ctl_cmd_account_hold(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_audit(struct ctl *c, const struct ctl_args *a);
int ctl_cmd_retention_run(struct ctl *c, const struct ctl_args *a);
/* Around an audited command (main): begin its transaction; then append
 * its entry and commit when rc is 0, or roll back.  Returns the exit code. */
int ctl_audit_begin(struct ctl *c);
int ctl_audit_end(struct ctl *c, const struct ctl_args *a, int rc);
/* One entry by the user running gatewayctl, for a command that manages its
 * own transactions (person export and erase): inside the caller's
 * transaction when one is open.  Returns the exit code. */
int ctl_audit_append(struct ctl *c, const char *action, int64_t account_id,
		     const char *target);

#endif
