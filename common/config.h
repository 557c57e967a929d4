/*
 * config.h - gatewayd.conf, parsed once into a read-only struct.
 *
 * The file is INI (parsed with inih).  Every key is declared in one table in
 * config.c with its type, default and bounds; an unknown section or key, a
 * value of the wrong type or out of bounds, or a missing required value is an
 * error that names the file, the line and the key:
 *
 *   gatewayd.conf:12: [mail] retry_min: "abc" is not a duration
 *
 * Each module is handed only its own section struct.  Strings are owned by
 * struct gw_config and live until cfg_free().
 *
 * Durations accept a plain number of seconds or a suffix s, m, h, d
 * ("90s", "5m", "3d").  Sizes accept a plain number of bytes or k, M, G.
 * Booleans accept yes/no, true/false, on/off, 1/0.
 * Listener addresses are "HOST:PORT", "[V6]:PORT" or "unix:/path"; a
 * listener whose section or key is left out (or empty) is off (NULL).
 * [webhooks] holds, besides its own keys, NAME.url, NAME.secret_file and
 * NAME.events for each endpoint NAME (struct cfg_webhook).
 * Relative paths ([store] path and attachments_dir, [links] key_file,
 * [mail] auth_password_file, [webhooks] NAME.secret_file, [imap] password_file
 * and ca_file, maildir:PATH, unix:PATH) are resolved against
 * the directory of the config file.  A string value in double quotes has
 * them removed; ';' after a blank starts a comment.
 */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stdint.h>
#include <stdio.h>

struct cfg_store {
	char *path;              /* SQLite database file */
	char *attachments_dir;   /* content-addressed attachment files */
	int64_t busy_timeout_ms; /* how long a writer waits for the lock */
	int synchronous_full;    /* synchronous = full (1) | normal (0) */
	/* The database, its -wal and -shm files and backups are created
	   0600; with a group, 0640 and that group.  NULL = no group. */
	char *group;
	/* From [mail], for the chat rules the store writes: */
	int64_t batch_window;    /* batch_window: seconds notifications wait; 0 = off */
	int show_content;        /* show_content: new chats show messages in emails */
};

struct cfg_mail {
	char *transport;     /* smtp://host:port | sendmail:/path | maildir:/path */
	char *from;          /* notification address, e.g. chat@firm.example */
	char *from_name;     /* display name, e.g. "Example & Co" */
	char *reply_domain;  /* domain of reply+TOKEN@ and bounce+TOKEN@ */
	char *helo_name;     /* EHLO name; NULL = hostname */
	char *starttls;      /* "no" | "try" | "require" */
	char *auth_user;     /* SMTP AUTH user, NULL = no AUTH */
	char *auth_password_file; /* file holding the password (first line) */
	int64_t timeout;     /* seconds, every SMTP step */
	int64_t concurrency; /* relay worker threads */
	int64_t retry_min;   /* first retry delay, seconds */
	int64_t retry_max;   /* cap on the retry delay, seconds */
	int64_t max_lifetime;/* after this, a deferred mail fails, seconds */
	int64_t lease;       /* a claimed row is re-delivered after this, seconds */
	int64_t poll_interval_ms; /* relay poll for rows queued by other processes */
	int64_t max_explanations_per_day; /* per sender, all threads */
};

struct cfg_links {
	char *key_file;       /* signing keys, mode 0600 */
	int64_t view_ttl;     /* View-chat links expire after this, seconds */
	int64_t reply_ttl;    /* reply addresses stop giving a fresh link after this */
};

struct cfg_listen {
	char *listen;         /* NULL = off */
};

struct cfg_web {
	char *listen;
	char *base_url;       /* absolute links in mail, e.g. https://chat.firm.example */
	int64_t max_body;     /* [web] max_post: bytes of one post, its files included */
	int64_t max_upload;   /* bytes of one file of a post */
	int64_t session_ttl;  /* seconds */
	int64_t threads;      /* event loops serving the web view */
	int64_t header_timeout;  /* seconds for a request's whole header block */
	int64_t request_timeout; /* seconds for a request's headers and body */
	int64_t max_per_client;  /* open connections per client address */
	char *proxies;           /* addresses max_per_client does not apply to */
	int64_t body_budget;     /* bytes of request bodies in flight, all loops */
};

struct cfg_api {
	char *listen;
};

struct cfg_inbound {
	int64_t max_size;        /* bytes of a whole message */
	int64_t max_header_bytes;
	int64_t max_mime_depth;
	int64_t max_parts;
};

/* [imap]: a mailbox gatewayd reads inbound mail from (docs/imap.md). */
struct cfg_imap {
	char *url;            /* imaps://HOST[:PORT] | imap://HOST[:PORT]; NULL = off */
	int starttls;         /* imap://: STARTTLS required (1) or not used (0) */
	char *user;
	char *password_file;  /* first line; not readable by others */
	char *ca_file;        /* trusted CAs instead of the system's; NULL = system */
	char *mailbox;        /* read from, e.g. INBOX */
	char *done;           /* "move:MAILBOX" | "delete" */
	char *rejected;       /* "move:MAILBOX" */
	int64_t poll_interval;/* seconds between passes without IDLE */
	int64_t idle_restart; /* seconds an IDLE lasts before a new pass */
	int64_t timeout;      /* seconds, every IMAP command */
	int64_t retry_min;    /* first reconnect delay, seconds */
	int64_t retry_max;    /* cap on the reconnect delay, seconds */
};

/* [firm]: the language and time zone of everyone who has none of their own. */
struct cfg_firm {
	char *language;       /* "en", "fr": a catalog of this build (po/LINGUAS) */
	char *timezone;       /* IANA name, e.g. "Europe/Paris" */
};

/*
 * Set by gw_i18n when a program links it: what a time zone is
 * (gatewayd-pipe, which does not, checks the spelling only).
 */
extern int (*cfg_zone_valid)(const char *zone);

struct cfg_reminders {
	int64_t default_days;   /* days between reminders when a thread turns them on */
	int64_t default_count;  /* reminders per staff message */
	/* Business hours (common/hours.h): a reminder due outside them waits
	 * for the next open moment.  hours NULL = off. */
	char *hours;            /* "09:00-17:00" */
	char *days;             /* "mon-fri" */
	char *timezone;         /* "Europe/Paris" */
	char *holidays;         /* file of YYYY-MM-DD lines; NULL = none */
};

/*
 * [retention]: how long things are kept, in seconds; 0 = forever ("off").
 * Periods take a unit: d (days), w (weeks), y (365 days), or h/m/s; a
 * bare number is refused (it would read as seconds).
 */
struct cfg_retention {
	int64_t archived_threads; /* threads archived longer ago, with everything in them */
	int64_t attachments;      /* attachment files and rows */
	int64_t outbox;           /* sent and failed mail rows */
	int64_t inbound_log;      /* the inbound log */
	int64_t sessions;         /* web sessions live at most this (see docs/privacy.md) */
	int64_t interval;         /* how often the daemon looks */
	int64_t batch;            /* rows per transaction */
};

/* The hand-over of gatewayd-pipe to the running daemon (docs/postfix.md). */
struct cfg_pipe {
	int handover;     /* gatewayd listens, gatewayd-pipe hands messages over */
	char *socket;     /* its UNIX socket; default [store] path + ".sock" */
	int64_t timeout;  /* seconds gatewayd-pipe waits for each reply */
};

struct cfg_log {
	char *level;      /* error | warn | info | debug */
	int syslog;       /* log to syslog instead of stderr */
};

/*
 * One endpoint of [webhooks]: three keys named after it,
 *   NAME.url          http:// or https:// URL (required)
 *   NAME.secret_file  the HMAC secret, first line, mode 0600 (required)
 *   NAME.events       kinds of event (webhook.h), default every kind
 * The secret file is checked (it exists, holds a secret, and others cannot
 * read it) by cfg_check_webhook_secrets() when gatewayd starts or checks
 * its config, not by cfg_load(): gatewayctl, run by an admin who cannot
 * read it, has no use for it.  Delivery reads it again before every POST.
 */
struct cfg_webhook {
	char *name;
	char *url;
	char *secret_file;
	unsigned events;   /* mask of enum webhook_event */
	int line;          /* first line that named it */
	int secret_line;   /* line of NAME.secret_file */
};

struct cfg_webhooks {
	int64_t timeout;          /* seconds for one whole POST */
	int64_t concurrency;      /* delivery threads */
	int64_t retry_min;        /* first retry delay, seconds */
	int64_t retry_max;        /* cap on the retry delay, seconds */
	int64_t disable_after;    /* an endpoint failing this long is disabled */
	int64_t poll_interval_ms; /* look for events queued by other processes */
	struct cfg_webhook *endpoints;
	size_t n_endpoints;
};

struct gw_config {
	char *file;       /* path it was read from */
	struct cfg_store store;
	struct cfg_mail mail;
	struct cfg_links links;
	struct cfg_web web;
	struct cfg_api api;
	struct cfg_listen lmtp;
	struct cfg_listen policy;
	struct cfg_pipe pipe;
	struct cfg_inbound inbound;
	struct cfg_imap imap;
	struct cfg_firm firm;
	struct cfg_reminders reminders;
	struct cfg_retention retention;
	struct cfg_log log;
	struct cfg_webhooks webhooks;
};

/* Default config path when -c is not given. */
#define CFG_DEFAULT_PATH "/etc/gatewayd/gatewayd.conf"

/*
 * Read and validate FILE.  On error returns -1 and sets *error_r to a
 * malloc'd message "FILE:LINE: [section] key: what is wrong" (LINE is 0
 * for a missing required value or an unreadable file).
 */
int cfg_load(const char *file, struct gw_config **cfg_r, char **error_r);
/* Same, from a string (tests, fuzzing); name is used in messages. */
int cfg_load_string(const char *name, const char *text, struct gw_config **cfg_r,
		    char **error_r);
void cfg_free(struct gw_config **cfgp);

/* Every [webhooks] NAME.secret_file readable, private and long enough;
 * else -1 and "FILE:LINE: [webhooks] NAME.secret_file: why". */
int cfg_check_webhook_secrets(const struct gw_config *cfg, char **error_r);

/* Print the effective values, one "[section] key = value" per line. */
void cfg_dump(const struct gw_config *cfg, FILE *out);

/* Parse helpers, exposed for tests and the CLI. */
int cfg_parse_duration(const char *s, int64_t *r);
/* A retention period: "off" (0) or a number with a unit s m h d w y. */
int cfg_parse_retention(const char *s, int64_t *r);
int cfg_parse_size(const char *s, int64_t *r);
int cfg_parse_bool(const char *s, int *r);
/* imaps://HOST[:PORT] (993) or imap://HOST[:PORT] (143); host_r may be
 * NULL, else malloc'd (an IPv6 address without brackets).  0 or -1. */
int cfg_parse_imap_url(const char *url, int *implicit_tls_r, char **host_r, int *port_r);

#endif
