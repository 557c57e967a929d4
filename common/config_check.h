/*
 * config_check.h - validators for config values (internal to common/).
 *
 * Each takes the config file's directory (NULL: leave relative paths as
 * they are) and a malloc'd value it may replace with a normalised one.
 * On error returns -1 and sets *why_r to a malloc'd text that quotes the
 * value, e.g. "\"smtp:/x\" is not smtp://HOST[:PORT], ...".
 */
#ifndef GW_CONFIG_CHECK_H
#define GW_CONFIG_CHECK_H

#include <stdint.h>

struct buf;

int cfg_resolve_path(const char *dir, char **value, char **why_r);
int cfg_check_listen(const char *dir, char **value, char **why_r);
int cfg_check_transport(const char *dir, char **value, char **why_r);
int cfg_check_address(const char *dir, char **value, char **why_r);
int cfg_check_domain(const char *dir, char **value, char **why_r);
/* [reminders] hours ("09:00-17:00") and days ("mon-fri"). */
int cfg_check_hours(const char *dir, char **value, char **why_r);
int cfg_check_days(const char *dir, char **value, char **why_r);
/* [mail] from: a bare address or NAME <address> (cfg_parse_mailbox). */
int cfg_check_mailbox(const char *dir, char **value, char **why_r);
/*
 * Split a mailbox into its display name ("" when none; quotes and escapes
 * removed) and its address, both malloc'd.  -1 with *why_r set when the
 * text is neither a plain address nor NAME <address>.
 */
int cfg_parse_mailbox(const char *s, char **name_r, char **addr_r, char **why_r);
int cfg_check_display_name(const char *dir, char **value, char **why_r);
int cfg_check_token(const char *dir, char **value, char **why_r);
/* A group known to the system (getgrnam). */
int cfg_check_group(const char *dir, char **value, char **why_r);
/* [firm] language (a catalog of this build, lowercased) and timezone. */
int cfg_check_language(const char *dir, char **value, char **why_r);
int cfg_check_timezone(const char *dir, char **value, char **why_r);
int cfg_check_base_url(const char *dir, char **value, char **why_r);
/* [imap]: imaps://HOST[:PORT] | imap://HOST[:PORT]; a mailbox name;
 * move:MAILBOX | delete; move:MAILBOX. */
int cfg_check_imap_url(const char *dir, char **value, char **why_r);
int cfg_check_imap_mailbox(const char *dir, char **value, char **why_r);
int cfg_check_imap_done(const char *dir, char **value, char **why_r);
int cfg_check_imap_rejected(const char *dir, char **value, char **why_r);
/* A regular file that others can neither read nor write (passwords). */
int cfg_check_secret_file(const char *dir, char **value, char **why_r);

/* Plain decimal integer, optional '-'; no overflow. */
int cfg_parse_int(const char *s, int64_t *r);
/* Shortest exact rendering: "90s", "5m", "3d"; sizes "512k", "10M". */
void cfg_put_duration(struct buf *b, int64_t v);
void cfg_put_size(struct buf *b, int64_t v);

/* "\"x\" is not one of a, b, c" */
char *cfg_enum_error(const char *value, const char *const *enums);

#endif
