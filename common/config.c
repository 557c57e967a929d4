/*
 * config.c - gatewayd.conf: one table of every key, parsed with inih.
 *
 * Every key is a row of cfg_keys[]: section, name, type, where it lives in
 * struct gw_config, its default (as text, parsed by the same code as the
 * file, so a bad default cannot hide) and its bounds.  Loading is:
 * defaults -> file -> required check -> cross-key checks.  The first error
 * wins and names the file, line and key.
 *
 * Debian's inih is built without line numbers in the handler and with a
 * 200-byte line buffer, so the text is fed to ini_parse_stream() through
 * our own reader, which counts lines, refuses longer ones instead of letting
 * inih split them, and strips indentation so that an indented line is never
 * taken as a continuation of the previous value.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include "buf.h"
#include "config_check.h"
#include "path.h"
#include "webhook.h"

enum cfg_type {
	CFG_STRING,   /* char *; "" allowed unless a check refuses it */
	CFG_OPTSTR,   /* char *; "" means NULL */
	CFG_PATH,     /* char *; relative = relative to the config file */
	CFG_OPTPATH,  /* same, "" means NULL */
	CFG_INT,      /* int64_t */
	CFG_DURATION, /* int64_t seconds */
	CFG_RETENTION,/* int64_t seconds, 0 = off (keep forever); unit required */
	CFG_SIZE,     /* int64_t bytes */
	CFG_BOOL,     /* int */
	CFG_ENUM,     /* char *, one of enums[] (stored as written there) */
	CFG_ENUM_INT, /* int, index into enums[] */
	CFG_LISTEN,   /* char *; "" means NULL (off) */
};

/* Checks beyond the type; may rewrite *value (a malloc'd string). */
typedef int cfg_check_fn(const char *dir, char **value, char **why_r);

struct cfg_key {
	const char *section;
	const char *name;
	enum cfg_type type;
	size_t offset;
	const char *def;   /* NULL: no default (string NULL, or required) */
	int64_t min, max;  /* numeric types */
	int required;
	const char *const *enums;
	cfg_check_fn *check;
};

#define OFF(f) offsetof(struct gw_config, f)
#define DAY (INT64_C(86400))
#define KiB (INT64_C(1024))
#define MiB (INT64_C(1024) * 1024)
#define GiB (INT64_C(1024) * 1024 * 1024)

static const char *const starttls_values[] = { "no", "try", "require", NULL };
/* Index = synchronous_full. */
static const char *const synchronous_values[] = { "normal", "full", NULL };
static const char *const level_values[] = { "error", "warn", "info", "debug", NULL };

static const struct cfg_key cfg_keys[] = {
	{ "store", "path", CFG_PATH, OFF(store.path), "/var/lib/gatewayd/gatewayd.db",
	  0, 0, 0, NULL, NULL },
	/* No default of its own: beside the database (check_whole). */
	{ "store", "attachments_dir", CFG_PATH, OFF(store.attachments_dir), NULL,
	  0, 0, 0, NULL, NULL },
	{ "store", "busy_timeout_ms", CFG_INT, OFF(store.busy_timeout_ms), "5000",
	  0, 600000, 0, NULL, NULL },
	{ "store", "synchronous", CFG_ENUM_INT, OFF(store.synchronous_full), "full",
	  0, 0, 0, synchronous_values, NULL },
	{ "store", "group", CFG_OPTSTR, OFF(store.group), NULL, 0, 0, 0, NULL,
	  cfg_check_group },

	{ "mail", "transport", CFG_STRING, OFF(mail.transport),
	  "maildir:/var/lib/gatewayd/Maildir", 0, 0, 0, NULL, cfg_check_transport },
	{ "mail", "from", CFG_STRING, OFF(mail.from), NULL, 0, 0, 1, NULL,
	  cfg_check_mailbox },
	{ "mail", "from_name", CFG_STRING, OFF(mail.from_name), "", 0, 0, 0, NULL,
	  cfg_check_display_name },
	{ "mail", "reply_domain", CFG_STRING, OFF(mail.reply_domain), NULL, 0, 0, 1,
	  NULL, cfg_check_domain },
	{ "mail", "helo_name", CFG_OPTSTR, OFF(mail.helo_name), NULL, 0, 0, 0, NULL,
	  cfg_check_domain },
	{ "mail", "starttls", CFG_ENUM, OFF(mail.starttls), "try", 0, 0, 0,
	  starttls_values, NULL },
	{ "mail", "auth_user", CFG_OPTSTR, OFF(mail.auth_user), NULL, 0, 0, 0, NULL,
	  cfg_check_token },
	{ "mail", "auth_password_file", CFG_OPTPATH, OFF(mail.auth_password_file),
	  NULL, 0, 0, 0, NULL, NULL },
	{ "mail", "timeout", CFG_DURATION, OFF(mail.timeout), "60s", 1, 3600, 0, NULL,
	  NULL },
	{ "mail", "concurrency", CFG_INT, OFF(mail.concurrency), "4", 1, 64, 0, NULL,
	  NULL },
	{ "mail", "retry_min", CFG_DURATION, OFF(mail.retry_min), "60s", 1, DAY, 0,
	  NULL, NULL },
	{ "mail", "retry_max", CFG_DURATION, OFF(mail.retry_max), "1h", 1, 30 * DAY, 0,
	  NULL, NULL },
	{ "mail", "max_lifetime", CFG_DURATION, OFF(mail.max_lifetime), "5d", 60,
	  365 * DAY, 0, NULL, NULL },
	{ "mail", "lease", CFG_DURATION, OFF(mail.lease), "10m", 10, DAY, 0, NULL,
	  NULL },
	{ "mail", "poll_interval_ms", CFG_INT, OFF(mail.poll_interval_ms), "1000", 50,
	  60000, 0, NULL, NULL },
	{ "mail", "max_explanations_per_day", CFG_INT,
	  OFF(mail.max_explanations_per_day), "5", 0, 1000, 0, NULL, NULL },
	/* The store writes the chat rules, so these live in its settings. */
	{ "mail", "batch_window", CFG_DURATION, OFF(store.batch_window), "2m", 0, DAY, 0,
	  NULL, NULL },
	{ "mail", "show_content", CFG_BOOL, OFF(store.show_content), "no", 0, 0, 0, NULL,
	  NULL },

	{ "links", "key_file", CFG_PATH, OFF(links.key_file), "/etc/gatewayd/keys", 0,
	  0, 0, NULL, NULL },
	{ "links", "view_ttl", CFG_DURATION, OFF(links.view_ttl), "30d", 60,
	  3650 * DAY, 0, NULL, NULL },
	{ "links", "reply_ttl", CFG_DURATION, OFF(links.reply_ttl), "180d", 60,
	  3650 * DAY, 0, NULL, NULL },

	{ "web", "listen", CFG_LISTEN, OFF(web.listen), NULL, 0, 0, 0, NULL, NULL },
	{ "web", "base_url", CFG_STRING, OFF(web.base_url), "http://localhost:8080", 0,
	  0, 0, NULL, cfg_check_base_url },
	/* max_body is the former name of max_post (the same setting). */
	{ "web", "max_body", CFG_SIZE, OFF(web.max_body), NULL, KiB, GiB, 0, NULL,
	  NULL },
	{ "web", "max_post", CFG_SIZE, OFF(web.max_body), "50M", KiB, GiB, 0, NULL,
	  NULL },
	{ "web", "max_upload", CFG_SIZE, OFF(web.max_upload), "25M", KiB, GiB, 0, NULL,
	  NULL },
	{ "web", "session_ttl", CFG_DURATION, OFF(web.session_ttl), "30d", 60,
	  3650 * DAY, 0, NULL, NULL },
	{ "web", "threads", CFG_INT, OFF(web.threads), "2", 1, 16, 0, NULL, NULL },
	{ "web", "header_timeout", CFG_DURATION, OFF(web.header_timeout), "10s", 1,
	  3600, 0, NULL, NULL },
	{ "web", "request_timeout", CFG_DURATION, OFF(web.request_timeout), "120s", 1,
	  DAY, 0, NULL, NULL },
	{ "web", "max_per_client", CFG_INT, OFF(web.max_per_client), "32", 1, 100000,
	  0, NULL, NULL },
	{ "web", "proxies", CFG_STRING, OFF(web.proxies), "127.0.0.1 ::1", 0, 0, 0, NULL,
	  NULL },
	{ "web", "body_budget", CFG_SIZE, OFF(web.body_budget), "64M", KiB, 64 * GiB,
	  0, NULL, NULL },

	{ "api", "listen", CFG_LISTEN, OFF(api.listen), NULL, 0, 0, 0, NULL, NULL },
	{ "lmtp", "listen", CFG_LISTEN, OFF(lmtp.listen), NULL, 0, 0, 0, NULL, NULL },
	{ "policy", "listen", CFG_LISTEN, OFF(policy.listen), NULL, 0, 0, 0, NULL,
	  NULL },

	{ "pipe", "handover", CFG_BOOL, OFF(pipe.handover), "yes", 0, 0, 0, NULL, NULL },
	{ "pipe", "socket", CFG_OPTPATH, OFF(pipe.socket), NULL, 0, 0, 0, NULL, NULL },
	{ "pipe", "timeout", CFG_DURATION, OFF(pipe.timeout), "60s", 1, 300, 0, NULL,
	  NULL },

	{ "inbound", "max_size", CFG_SIZE, OFF(inbound.max_size), "25M", KiB, GiB, 0,
	  NULL, NULL },
	{ "inbound", "max_header_bytes", CFG_SIZE, OFF(inbound.max_header_bytes), "1M",
	  KiB, 64 * MiB, 0, NULL, NULL },
	{ "inbound", "max_mime_depth", CFG_INT, OFF(inbound.max_mime_depth), "20", 1,
	  100, 0, NULL, NULL },
	{ "inbound", "max_parts", CFG_INT, OFF(inbound.max_parts), "500", 1, 100000, 0,
	  NULL, NULL },

	{ "imap", "url", CFG_OPTSTR, OFF(imap.url), NULL, 0, 0, 0, NULL,
	  cfg_check_imap_url },
	{ "imap", "starttls", CFG_BOOL, OFF(imap.starttls), "yes", 0, 0, 0, NULL, NULL },
	{ "imap", "user", CFG_OPTSTR, OFF(imap.user), NULL, 0, 0, 0, NULL,
	  cfg_check_token },
	{ "imap", "password_file", CFG_OPTPATH, OFF(imap.password_file), NULL, 0, 0, 0,
	  NULL, cfg_check_secret_file },
	{ "imap", "ca_file", CFG_OPTPATH, OFF(imap.ca_file), NULL, 0, 0, 0, NULL, NULL },
	{ "imap", "mailbox", CFG_STRING, OFF(imap.mailbox), "INBOX", 0, 0, 0, NULL,
	  cfg_check_imap_mailbox },
	{ "imap", "done", CFG_STRING, OFF(imap.done), "move:Processed", 0, 0, 0, NULL,
	  cfg_check_imap_done },
	{ "imap", "rejected", CFG_STRING, OFF(imap.rejected), "move:gatewayd-rejected", 0,
	  0, 0, NULL, cfg_check_imap_rejected },
	{ "imap", "poll_interval", CFG_DURATION, OFF(imap.poll_interval), "60s", 1, 3600, 0,
	  NULL, NULL },
	{ "imap", "idle_restart", CFG_DURATION, OFF(imap.idle_restart), "25m", 1, 1740, 0,
	  NULL, NULL },
	{ "imap", "timeout", CFG_DURATION, OFF(imap.timeout), "60s", 1, 3600, 0, NULL,
	  NULL },
	{ "imap", "retry_min", CFG_DURATION, OFF(imap.retry_min), "5s", 1, 3600, 0, NULL,
	  NULL },
	{ "imap", "retry_max", CFG_DURATION, OFF(imap.retry_max), "5m", 1, DAY, 0, NULL,
	  NULL },

	{ "firm", "language", CFG_STRING, OFF(firm.language), "en", 0, 0, 0, NULL,
	  cfg_check_language },
	{ "firm", "timezone", CFG_STRING, OFF(firm.timezone), "UTC", 0, 0, 0, NULL,
	  cfg_check_timezone },

	{ "reminders", "default_days", CFG_INT, OFF(reminders.default_days), "3", 1,
	  GW_REMINDER_DAYS_MAX, 0, NULL, NULL },
	{ "reminders", "default_count", CFG_INT, OFF(reminders.default_count), "1", 1,
	  GW_REMINDER_COUNT_MAX, 0, NULL, NULL },
	{ "reminders", "hours", CFG_OPTSTR, OFF(reminders.hours), NULL, 0, 0, 0, NULL,
	  cfg_check_hours },
	{ "reminders", "days", CFG_STRING, OFF(reminders.days), "mon-fri", 0, 0, 0, NULL,
	  cfg_check_days },
	{ "reminders", "timezone", CFG_STRING, OFF(reminders.timezone), "UTC", 0, 0, 0, NULL,
	  NULL },
	{ "reminders", "holidays", CFG_OPTPATH, OFF(reminders.holidays), NULL, 0, 0, 0, NULL,
	  NULL },

	{ "retention", "archived_threads", CFG_RETENTION, OFF(retention.archived_threads),
	  "off", DAY, 100 * 365 * DAY, 0, NULL, NULL },
	{ "retention", "attachments", CFG_RETENTION, OFF(retention.attachments), "off",
	  DAY, 100 * 365 * DAY, 0, NULL, NULL },
	{ "retention", "outbox", CFG_RETENTION, OFF(retention.outbox), "90d", DAY,
	  100 * 365 * DAY, 0, NULL, NULL },
	{ "retention", "inbound_log", CFG_RETENTION, OFF(retention.inbound_log), "90d",
	  DAY, 100 * 365 * DAY, 0, NULL, NULL },
	{ "retention", "sessions", CFG_RETENTION, OFF(retention.sessions), "30d", 3600,
	  100 * 365 * DAY, 0, NULL, NULL },
	{ "retention", "interval", CFG_DURATION, OFF(retention.interval), "1h", 1, DAY, 0,
	  NULL, NULL },
	{ "retention", "batch", CFG_INT, OFF(retention.batch), "500", 1, 100000, 0, NULL,
	  NULL },

	{ "log", "level", CFG_ENUM, OFF(log.level), "info", 0, 0, 0, level_values,
	  NULL },
	{ "log", "syslog", CFG_BOOL, OFF(log.syslog), "no", 0, 0, 0, NULL, NULL },

	{ "webhooks", "timeout", CFG_DURATION, OFF(webhooks.timeout), "10s", 1, 300, 0,
	  NULL, NULL },
	{ "webhooks", "concurrency", CFG_INT, OFF(webhooks.concurrency), "2", 1, 32, 0,
	  NULL, NULL },
	{ "webhooks", "retry_min", CFG_DURATION, OFF(webhooks.retry_min), "10s", 1, DAY,
	  0, NULL, NULL },
	{ "webhooks", "retry_max", CFG_DURATION, OFF(webhooks.retry_max), "1h", 1, DAY,
	  0, NULL, NULL },
	{ "webhooks", "disable_after", CFG_DURATION, OFF(webhooks.disable_after), "1d", 1,
	  30 * DAY, 0, NULL, NULL },
	{ "webhooks", "poll_interval_ms", CFG_INT, OFF(webhooks.poll_interval_ms), "1000",
	  50, 60000, 0, NULL, NULL },
};

#define CFG_NKEYS GW_ARRAY_SIZE(cfg_keys)

static void put_number(struct buf *b, const struct cfg_key *k, int64_t v)
{
	if (k->type == CFG_RETENTION && v == 0)
		buf_puts(b, "off");
	else if (k->type == CFG_DURATION || k->type == CFG_RETENTION)
		cfg_put_duration(b, v);
	else if (k->type == CFG_SIZE)
		cfg_put_size(b, v);
	else
		buf_printf(b, "%lld", (long long)v);
}

/* ---- loading ---------------------------------------------------------- */

struct cfg_ctx {
	struct gw_config *cfg;
	const char *name; /* file name for messages */
	const char *dir;  /* relative paths are resolved against this; NULL = keep */
	const char *text; /* whole text, for quoting a syntax error */
	const char *pos;  /* reader position */
	const char *end;
	int lineno;       /* line last handed to inih */
	int set_line[CFG_NKEYS];
	int err_line;     /* first error, 0 = none (a "line 0" error is fatal anyway) */
	char *err;
	int long_line;    /* first over-long line */
};

static void ctx_error(struct cfg_ctx *c, int line, const struct cfg_key *k,
		      const char *section, const char *key, const char *fmt, ...)
	GW_PRINTF(6, 7);

static void ctx_error(struct cfg_ctx *c, int line, const struct cfg_key *k,
		      const char *section, const char *key, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (c->err != NULL && c->err_line <= line)
		return;
	if (k != NULL) {
		section = k->section;
		key = k->name;
	}
	buf_printf(&b, "%s:%d: ", c->name, line);
	if (section != NULL && *section != '\0')
		buf_printf(&b, "[%s] ", section);
	if (key != NULL)
		buf_printf(&b, "%s: ", key);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(c->err);
	c->err = buf_detach(&b);
	c->err_line = line;
}

static const struct cfg_key *find_key(const char *section, const char *name,
				      int *section_known_r)
{
	*section_known_r = 0;
	for (size_t i = 0; i < CFG_NKEYS; i++) {
		if (strcmp(cfg_keys[i].section, section) != 0)
			continue;
		*section_known_r = 1;
		if (strcmp(cfg_keys[i].name, name) == 0)
			return &cfg_keys[i];
	}
	return NULL;
}

static char **str_field(struct gw_config *cfg, const struct cfg_key *k)
{
	return (char **)((char *)cfg + k->offset);
}

static int64_t *int64_field(struct gw_config *cfg, const struct cfg_key *k)
{
	return (int64_t *)((char *)cfg + k->offset);
}

static int *int_field(struct gw_config *cfg, const struct cfg_key *k)
{
	return (int *)((char *)cfg + k->offset);
}

static int is_string_type(enum cfg_type t)
{
	return t == CFG_STRING || t == CFG_OPTSTR || t == CFG_PATH ||
	       t == CFG_OPTPATH || t == CFG_ENUM || t == CFG_LISTEN;
}

static int numeric_value(const struct cfg_key *k, const char *value, int64_t *v)
{
	switch (k->type) {
	case CFG_INT:
		return cfg_parse_int(value, v);
	case CFG_DURATION:
		return cfg_parse_duration(value, v);
	case CFG_RETENTION:
		return cfg_parse_retention(value, v);
	case CFG_SIZE:
		return cfg_parse_size(value, v);
	default:
		return -1;
	}
}

static const char *type_noun(enum cfg_type t)
{
	switch (t) {
	case CFG_INT: return "an integer";
	case CFG_DURATION: return "a duration";
	case CFG_RETENTION: return "a retention period (a number with a unit d, w or y, e.g. 90d or 7y; or off)";
	case CFG_SIZE: return "a size";
	case CFG_BOOL: return "a boolean (yes/no)";
	default: return "valid";
	}
}

/* Strip one pair of surrounding double quotes: from_name = "Example & Co". */
static char *unquote(const char *value)
{
	size_t len = strlen(value);

	if (len >= 2 && value[0] == '"' && value[len - 1] == '"')
		return xstrndup(value + 1, len - 2);
	return xstrdup(value);
}

/*
 * Parse VALUE for key K into the config.  Returns 0, or -1 with *why_r set
 * to the part of the message after "[section] key: ".
 */
static int set_value(struct cfg_ctx *c, const struct cfg_key *k, const char *value,
		     char **why_r)
{
	struct gw_config *cfg = c->cfg;
	char *s;

	if (is_string_type(k->type)) {
		s = unquote(value);
		if (*s == '\0' && (k->type == CFG_OPTSTR || k->type == CFG_OPTPATH ||
				   k->type == CFG_LISTEN)) {
			free(s);
			free(*str_field(cfg, k));
			*str_field(cfg, k) = NULL;
			return 0;
		}
		if (k->type == CFG_PATH || k->type == CFG_OPTPATH) {
			if (cfg_resolve_path(c->dir, &s, why_r) < 0)
				goto fail;
		} else if (k->type == CFG_LISTEN) {
			if (cfg_check_listen(c->dir, &s, why_r) < 0)
				goto fail;
		} else if (k->type == CFG_ENUM) {
			size_t i;

			for (i = 0; k->enums[i] != NULL; i++)
				if (strcmp(s, k->enums[i]) == 0)
					break;
			if (k->enums[i] == NULL) {
				*why_r = cfg_enum_error(s, k->enums);
				goto fail;
			}
		}
		if (k->check != NULL && k->check(c->dir, &s, why_r) < 0)
			goto fail;
		free(*str_field(cfg, k));
		*str_field(cfg, k) = s;
		return 0;
	fail:
		free(s);
		return -1;
	}

	switch (k->type) {
	case CFG_BOOL: {
		int b;

		if (cfg_parse_bool(value, &b) < 0) {
			*why_r = xasprintf("\"%s\" is not a boolean (yes/no)", value);
			return -1;
		}
		*int_field(cfg, k) = b;
		return 0;
	}
	case CFG_ENUM_INT:
		for (int i = 0; k->enums[i] != NULL; i++) {
			if (strcmp(value, k->enums[i]) == 0) {
				*int_field(cfg, k) = i;
				return 0;
			}
		}
		*why_r = cfg_enum_error(value, k->enums);
		return -1;
	default: {
		int64_t v;

		if (numeric_value(k, value, &v) < 0) {
			*why_r = xasprintf("\"%s\" is not %s", value, type_noun(k->type));
			return -1;
		}
		/* "off" is below every period's minimum and always allowed. */
		if ((v < k->min || v > k->max) && !(k->type == CFG_RETENTION && v == 0)) {
			struct buf b = BUF_INIT;

			buf_printf(&b, "\"%s\" is out of range (", value);
			put_number(&b, k, k->min);
			buf_puts(&b, "..");
			put_number(&b, k, k->max);
			buf_puts(&b, ")");
			*why_r = buf_detach(&b);
			return -1;
		}
		*int64_field(cfg, k) = v;
		return 0;
	}
	}
}

static void webhook_key(struct cfg_ctx *c, const char *key, const char *value);

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct cfg_ctx *c = user;
	const struct cfg_key *k;
	int known_section;
	char *why = NULL;
	size_t idx;

	if (c->err != NULL)
		return 1; /* first error wins; the rest of the file is not looked at */
	if (*section == '\0') {
		ctx_error(c, c->lineno, NULL, NULL, name,
			  "key outside any [section]");
		return 1;
	}
	if (*name == '\0') {
		ctx_error(c, c->lineno, NULL, section, NULL, "empty key name");
		return 1;
	}
	if (strcmp(section, "webhooks") == 0 && strchr(name, '.') != NULL) {
		webhook_key(c, name, value);
		return 1;
	}
	k = find_key(section, name, &known_section);
	if (k == NULL) {
		if (known_section)
			ctx_error(c, c->lineno, NULL, section, name, "unknown key");
		else
			ctx_error(c, c->lineno, NULL, section, name,
				  "unknown section [%s]", section);
		return 1;
	}
	idx = (size_t)(k - cfg_keys);
	if (c->set_line[idx] != 0) {
		ctx_error(c, c->lineno, k, NULL, NULL,
			  "duplicate key (first set on line %d)", c->set_line[idx]);
		return 1;
	}
	c->set_line[idx] = c->lineno;
	if (set_value(c, k, value, &why) < 0) {
		ctx_error(c, c->lineno, k, NULL, NULL, "%s", why);
		free(why);
	}
	return 1;
}

/* ---- [webhooks] NAME.KEY ------------------------------------------------ */

static struct cfg_webhook *webhook_find(struct gw_config *cfg, const char *name, size_t n)
{
	for (size_t i = 0; i < cfg->webhooks.n_endpoints; i++) {
		struct cfg_webhook *w = &cfg->webhooks.endpoints[i];

		if (strlen(w->name) == n && strncmp(w->name, name, n) == 0)
			return w;
	}
	return NULL;
}

static struct cfg_webhook *webhook_add(struct cfg_ctx *c, const char *name, size_t n)
{
	struct cfg_webhooks *wh = &c->cfg->webhooks;
	struct cfg_webhook *w;

	wh->endpoints = xrealloc(wh->endpoints, (wh->n_endpoints + 1) * sizeof(*w));
	w = &wh->endpoints[wh->n_endpoints++];
	memset(w, 0, sizeof(*w));
	w->name = xstrndup(name, n);
	w->events = WEBHOOK_EVENTS_ALL;
	w->line = c->lineno;
	return w;
}

static int webhook_set(struct cfg_ctx *c, struct cfg_webhook *w, const char *sub,
		       char *value, int *dup_r, char **why_r)
{
	char *bad = NULL;

	*dup_r = 0;
	if (strcmp(sub, "url") == 0) {
		if (w->url != NULL)
			return *dup_r = 1, -1;
		if (webhook_url_check(value, why_r) < 0)
			return -1;
		w->url = xstrdup(value);
		return 0;
	}
	if (strcmp(sub, "secret_file") == 0) {
		char *path = xstrdup(value);

		if (w->secret_file != NULL) {
			free(path);
			return *dup_r = 1, -1;
		}
		if (*path == '\0') {
			free(path);
			*why_r = xstrdup("empty path");
			return -1;
		}
		if (cfg_resolve_path(c->dir, &path, why_r) < 0) {
			free(path);
			return -1;
		}
		w->secret_file = path;
		w->secret_line = c->lineno;
		return 0;
	}
	if (strcmp(sub, "events") == 0) {
		if (webhook_events_parse(value, &w->events, &bad) < 0) {
			*why_r = *bad == '\0' ? xasprintf("no event named; known: %s",
							  webhook_events_known())
					      : xasprintf("\"%s\" is no event; known: %s", bad,
							  webhook_events_known());
			free(bad);
			return -1;
		}
		return 0;
	}
	*why_r = xstrdup("unknown key (an endpoint has url, secret_file and events)");
	return -1;
}

/* "crm.url = https://..." in [webhooks]: endpoint crm, its url. */
static void webhook_key(struct cfg_ctx *c, const char *key, const char *value)
{
	const char *dot = strrchr(key, '.');
	char *name = xstrndup(key, (size_t)(dot - key)), *why = NULL, *v = unquote(value);
	struct cfg_webhook *w;
	int dup = 0;

	if (webhook_name_check(name, &why) < 0) {
		ctx_error(c, c->lineno, NULL, "webhooks", key, "endpoint %s", why);
		goto out;
	}
	w = webhook_find(c->cfg, name, strlen(name));
	if (w == NULL)
		w = webhook_add(c, name, strlen(name));
	if (webhook_set(c, w, dot + 1, v, &dup, &why) < 0) {
		if (dup)
			ctx_error(c, c->lineno, NULL, "webhooks", key, "duplicate key");
		else
			ctx_error(c, c->lineno, NULL, "webhooks", key, "%s", why);
	}
out:
	free(why);
	free(name);
	free(v);
}

static void webhook_check_whole(struct cfg_ctx *c)
{
	for (size_t i = 0; i < c->cfg->webhooks.n_endpoints; i++) {
		struct cfg_webhook *w = &c->cfg->webhooks.endpoints[i];
		char key[96];

		snprintf(key, sizeof(key), "%s.%s", w->name,
			 w->url == NULL ? "url" : "secret_file");
		if (w->url == NULL || w->secret_file == NULL)
			ctx_error(c, w->line, NULL, "webhooks", key,
				  "missing (endpoint %s needs url and secret_file)", w->name);
	}
}

/*
 * fgets-style reader for inih: one line per call, counted.  A line that
 * does not fit inih's buffer is replaced by an empty one and remembered as
 * an error; leading blanks are dropped (no continuation lines).
 */
static char *reader(char *str, int num, void *stream)
{
	struct cfg_ctx *c = stream;
	const char *nl, *p;
	size_t len;

	if (c->pos >= c->end)
		return NULL;
	nl = memchr(c->pos, '\n', (size_t)(c->end - c->pos));
	p = c->pos;
	c->pos = nl != NULL ? nl + 1 : c->end;
	c->lineno++;
	while (p < c->pos && (*p == ' ' || *p == '\t'))
		p++;
	len = (size_t)(c->pos - p);
	if (len + 1 > (size_t)num) {
		if (c->long_line == 0)
			c->long_line = c->lineno;
		str[0] = '\n';
		str[1] = '\0';
		return str;
	}
	memcpy(str, p, len);
	str[len] = '\0';
	return str;
}

/* The text of line N, trimmed, malloc'd. */
static char *line_text(const char *text, int n)
{
	const char *p = text, *e;

	for (int i = 1; i < n && p != NULL; i++) {
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	if (p == NULL)
		return xstrdup("");
	e = strchr(p, '\n');
	if (e == NULL)
		e = p + strlen(p);
	while (p < e && isspace((unsigned char)*p))
		p++;
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	return xstrndup(p, (size_t)(e - p));
}

static void set_defaults(struct cfg_ctx *c)
{
	for (size_t i = 0; i < CFG_NKEYS; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		char *why = NULL;

		if (k->def == NULL)
			continue;
		/* Defaults are absolute or not paths: the dir does not matter. */
		if (set_value(c, k, k->def, &why) < 0) {
			fprintf(stderr, "config: bad built-in default for [%s] %s: %s\n",
				k->section, k->name, why);
			abort();
		}
	}
}

static int key_line(const struct cfg_ctx *c, const char *section, const char *name)
{
	int known;

	return c->set_line[find_key(section, name, &known) - cfg_keys];
}

/*
 * [mail] from may be "NAME <address>": from keeps the address, and the
 * name becomes from_name unless the file sets from_name itself (the key
 * that says only the name wins).  Checked already by cfg_check_mailbox.
 */
static void split_from(struct cfg_ctx *c)
{
	struct gw_config *cfg = c->cfg;
	char *name, *addr, *why = NULL;

	if (cfg_parse_mailbox(cfg->mail.from, &name, &addr, &why) < 0) {
		free(why); /* cannot happen: the value passed the same parser */
		return;
	}
	free(cfg->mail.from);
	cfg->mail.from = addr;
	if (*name != '\0' && key_line(c, "mail", "from_name") == 0) {
		free(cfg->mail.from_name);
		cfg->mail.from_name = name;
	} else {
		free(name);
	}
}

static int key_line_of(struct cfg_ctx *c, const char *section, const char *name,
		       const struct cfg_key **k_r)
{
	int known;

	*k_r = find_key(section, name, &known);
	return c->set_line[*k_r - cfg_keys];
}

/* "move:X" naming MAILBOX (INBOX in any case, as IMAP reads it). */
static int same_mailbox(const char *action, const char *mailbox)
{
	if (strncmp(action, "move:", 5) != 0)
		return 0;
	action += 5;
	if (strcasecmp(action, "INBOX") == 0 && strcasecmp(mailbox, "INBOX") == 0)
		return 1;
	return strcmp(action, mailbox) == 0;
}

/* [imap]: a url needs a user and a password file, and moves somewhere
 * else than the mailbox it reads; without a url [imap] is off. */
static void check_imap(struct cfg_ctx *c)
{
	const struct gw_config *cfg = c->cfg;
	const struct cfg_key *kurl, *k;
	int url_line = key_line_of(c, "imap", "url", &kurl);

	if (cfg->imap.url == NULL)
		return;
	if (cfg->imap.user == NULL) {
		(void)key_line_of(c, "imap", "user", &k);
		ctx_error(c, url_line, k, NULL, NULL, "missing: url is set, so the mailbox's "
			  "user must be too");
	} else if (cfg->imap.password_file == NULL) {
		(void)key_line_of(c, "imap", "password_file", &k);
		ctx_error(c, url_line, k, NULL, NULL, "missing: url is set, so a file with "
			  "the mailbox's password must be too");
	} else if (same_mailbox(cfg->imap.done, cfg->imap.mailbox) ||
		   same_mailbox(cfg->imap.rejected, cfg->imap.mailbox)) {
		const char *name = same_mailbox(cfg->imap.done, cfg->imap.mailbox) ? "done"
										 : "rejected";
		int line = key_line_of(c, "imap", name, &k);

		if (line == 0)
			line = key_line_of(c, "imap", "mailbox", &k);
		(void)key_line_of(c, "imap", name, &k);
		ctx_error(c, line, k, NULL, NULL, "\"%s\" is the mailbox read ([imap] mailbox): "
			  "what is moved there would be read again",
			  strcmp(name, "done") == 0 ? cfg->imap.done : cfg->imap.rejected);
	} else if (cfg->imap.retry_max < cfg->imap.retry_min) {
		int line = key_line_of(c, "imap", "retry_max", &k);

		ctx_error(c, line != 0 ? line : key_line_of(c, "imap", "retry_min", &k), k, NULL,
			  NULL, "retry_max is less than retry_min");
	}
}

static void check_whole(struct cfg_ctx *c)
{
	struct gw_config *cfg = c->cfg;

	for (size_t i = 0; i < CFG_NKEYS; i++) {
		const struct cfg_key *k = &cfg_keys[i];

		if (k->required && *str_field(cfg, k) == NULL)
			ctx_error(c, 0, k, NULL, NULL, "missing required value");
	}
	if (c->err != NULL)
		return;
	split_from(c);
	/* Attachments live beside the database unless told otherwise, so that
	 * moving [store] path moves everything the store writes. */
	if (cfg->store.attachments_dir == NULL) {
		char *dir = path_dir(cfg->store.path);

		cfg->store.attachments_dir = xasprintf("%s%sattachments", dir,
						       dir[strlen(dir) - 1] == '/' ? "" : "/");
		free(dir);
	}
	webhook_check_whole(c);
	if (c->err != NULL)
		return;
	/* The hand-over socket sits next to the database by default: the
	   daemon and every gatewayd-pipe that use one database meet there,
	   and a test's or a second instance's never reach another's. */
	if (cfg->pipe.handover && cfg->pipe.socket == NULL) {
		struct buf b = BUF_INIT;

		buf_printf(&b, "%s.sock", cfg->store.path);
		cfg->pipe.socket = buf_detach(&b);
	}
	if (cfg->mail.retry_max < cfg->mail.retry_min) {
		int known;
		const struct cfg_key *kmin = find_key("mail", "retry_min", &known);
		const struct cfg_key *kmax = find_key("mail", "retry_max", &known);
		int max_line = c->set_line[kmax - cfg_keys];
		struct buf b = BUF_INIT;

		/* Blame the one the file set; retry_max if it set both. */
		buf_puts(&b, "\"");
		if (max_line != 0) {
			cfg_put_duration(&b, cfg->mail.retry_max);
			buf_puts(&b, "\" is less than retry_min (");
			cfg_put_duration(&b, cfg->mail.retry_min);
		} else {
			cfg_put_duration(&b, cfg->mail.retry_min);
			buf_puts(&b, "\" is more than retry_max (");
			cfg_put_duration(&b, cfg->mail.retry_max);
		}
		buf_puts(&b, ")");
		if (max_line != 0)
			ctx_error(c, max_line, kmax, NULL, NULL, "%s", buf_cstr(&b));
		else
			ctx_error(c, c->set_line[kmin - cfg_keys], kmin, NULL, NULL, "%s",
				  buf_cstr(&b));
		buf_release(&b);
	}
	/* Sessions are signed cookies, not rows: keeping them no longer than
	 * [retention] sessions means letting none live longer. */
	if (cfg->retention.sessions > 0 && cfg->web.session_ttl > cfg->retention.sessions)
		cfg->web.session_ttl = cfg->retention.sessions;
	if (c->err == NULL)
		check_imap(c);
}

static int load_text(const char *name, const char *dir, const char *text, size_t len,
		     struct gw_config **cfg_r, char **error_r)
{
	struct cfg_ctx c;
	int rc;

	*cfg_r = NULL;
	*error_r = NULL;
	memset(&c, 0, sizeof(c));
	c.cfg = xcalloc(1, sizeof(*c.cfg));
	c.cfg->file = xstrdup(name);
	c.name = name;
	c.dir = dir;
	c.text = text;
	c.pos = text;
	c.end = text + len;

	const char *nul = memchr(text, '\0', len);
	if (nul != NULL) {
		int line = 1;

		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		ctx_error(&c, line, NULL, NULL, NULL, "line contains a NUL byte");
		goto fail;
	}

	set_defaults(&c);
	rc = ini_parse_stream(reader, &c, handler, &c);
	if (c.long_line != 0)
		ctx_error(&c, c.long_line, NULL, NULL, NULL,
			  "line too long (at most 197 bytes)");
	if (rc > 0 && rc != c.err_line) {
		char *l = line_text(text, rc);

		ctx_error(&c, rc, NULL, NULL, NULL,
			  "syntax error: \"%s\" is not \"[section]\" or \"key = value\"", l);
		free(l);
	} else if (rc < 0) {
		ctx_error(&c, 0, NULL, NULL, NULL, "out of memory");
	}
	if (c.err == NULL)
		check_whole(&c);
	if (c.err != NULL)
		goto fail;
	*cfg_r = c.cfg;
	return 0;
fail:
	*error_r = c.err;
	cfg_free(&c.cfg);
	return -1;
}

#define CFG_MAX_FILE (1024 * 1024)

int cfg_load(const char *file, struct gw_config **cfg_r, char **error_r)
{
	struct buf text = BUF_INIT;
	char *dir = NULL, chunk[8192], resolved[PATH_MAX];
	FILE *f;
	size_t n;
	int rc;

	*cfg_r = NULL;
	f = fopen(file, "r");
	if (f == NULL) {
		*error_r = xasprintf("%s:0: cannot open: %s", file, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_append(&text, chunk, n);
		if (text.len > CFG_MAX_FILE)
			break;
	}
	if (ferror(f) || text.len > CFG_MAX_FILE) {
		*error_r = ferror(f) ? xasprintf("%s:0: cannot read: %s", file,
						 strerror(errno))
				     : xasprintf("%s:0: file larger than %d bytes",
						 file, CFG_MAX_FILE);
		fclose(f);
		buf_release(&text);
		return -1;
	}
	fclose(f);

	/* Resolve relative paths against the file's directory, made absolute
	 * so that they survive a chdir of the daemon. */
	dir = path_dir(file);
	if (realpath(dir, resolved) != NULL) {
		free(dir);
		dir = xstrdup(resolved);
	}
	rc = load_text(file, dir, buf_cstr(&text), text.len, cfg_r, error_r);
	free(dir);
	buf_release(&text);
	return rc;
}

int cfg_check_webhook_secrets(const struct gw_config *cfg, char **error_r)
{
	for (size_t i = 0; i < cfg->webhooks.n_endpoints; i++) {
		const struct cfg_webhook *w = &cfg->webhooks.endpoints[i];
		char *secret = NULL, *why = NULL;

		if (webhook_secret_read(w->secret_file, &secret, &why) < 0) {
			*error_r = xasprintf("%s:%d: [webhooks] %s.secret_file: %s", cfg->file,
					     w->secret_line, w->name, why);
			free(why);
			return -1;
		}
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	return 0;
}

int cfg_load_string(const char *name, const char *text, struct gw_config **cfg_r,
		    char **error_r)
{
	char *dir = strchr(name, '/') != NULL ? path_dir(name) : NULL;
	int rc;

	rc = load_text(name, dir, text, strlen(text), cfg_r, error_r);
	free(dir);
	return rc;
}

void cfg_free(struct gw_config **cfgp)
{
	struct gw_config *cfg;

	if (cfgp == NULL || *cfgp == NULL)
		return;
	cfg = *cfgp;
	for (size_t i = 0; i < CFG_NKEYS; i++)
		if (is_string_type(cfg_keys[i].type))
			free(*str_field(cfg, &cfg_keys[i]));
	for (size_t i = 0; i < cfg->webhooks.n_endpoints; i++) {
		free(cfg->webhooks.endpoints[i].name);
		free(cfg->webhooks.endpoints[i].url);
		free(cfg->webhooks.endpoints[i].secret_file);
	}
	free(cfg->webhooks.endpoints);
	free(cfg->file);
	free(cfg);
	*cfgp = NULL;
}

/* A former name of a key: the same setting as a later row, which has the
 * default; the effective values are printed under the current name. */
static int is_alias(size_t i)
{
	for (size_t j = i + 1; j < CFG_NKEYS; j++)
		if (cfg_keys[j].offset == cfg_keys[i].offset && cfg_keys[i].def == NULL &&
		    cfg_keys[j].def != NULL)
			return 1;
	return 0;
}

void cfg_dump(const struct gw_config *cfg, FILE *out)
{
	struct buf b = BUF_INIT;
	struct gw_config *c = (struct gw_config *)cfg;

	for (size_t i = 0; i < CFG_NKEYS; i++) {
		const struct cfg_key *k = &cfg_keys[i];

		if (is_alias(i))
			continue;
		buf_printf(&b, "[%s] %s =", k->section, k->name);
		if (is_string_type(k->type)) {
			const char *s = *str_field(c, k);

			/* NULL (unset, off) prints nothing; "" prints as "". */
			if (s != NULL)
				buf_printf(&b, " %s", *s != '\0' ? s : "\"\"");
		} else if (k->type == CFG_BOOL) {
			buf_puts(&b, *int_field(c, k) ? " yes" : " no");
		} else if (k->type == CFG_ENUM_INT) {
			buf_printf(&b, " %s", k->enums[*int_field(c, k)]);
		} else {
			buf_putc(&b, ' ');
			put_number(&b, k, *int64_field(c, k));
		}
		buf_putc(&b, '\n');
	}
	for (size_t i = 0; i < cfg->webhooks.n_endpoints; i++) {
		const struct cfg_webhook *w = &cfg->webhooks.endpoints[i];
		char *events = webhook_events_format(w->events);

		buf_printf(&b, "[webhooks] %s.url = %s\n", w->name, w->url);
		buf_printf(&b, "[webhooks] %s.secret_file = %s\n", w->name, w->secret_file);
		buf_printf(&b, "[webhooks] %s.events = %s\n", w->name, events);
		free(events);
	}
	fputs(buf_cstr(&b), out);
	buf_release(&b);
}
