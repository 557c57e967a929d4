/*
 * main.c - gatewayd, the daemon: one libevent event base on the main
 * thread wires together the signals, the web view, the API, the inbound
 * listeners, systemd notification and the relay.  The loop never calls
 * SQLite: one store pool (store/pool.h), opened here and shared, runs the
 * listeners' store work and orders every in-process write on its writer
 * lane; the relay's worker and scheduler threads do the rest of the
 * blocking things (SMTP, the reminder timer), and the IMAP reader
 * ([imap] url, gatewayd/imap/imap.h) reads its mailbox on a thread of
 * its own.
 *
 *   gatewayd [-c CONF] [--foreground] [--check-config]
 *
 * gatewayd always runs in the foreground, as systemd's Type=notify
 * expects: it never forks.  --foreground is accepted for compatibility
 * with init scripts and means "log to stderr" even when [log] syslog is
 * on.  --check-config loads the configuration, prints the effective
 * values, checks the key file, the database and the transport spec, and
 * exits 0, or 78 (EX_CONFIG) naming what is wrong.
 *
 * Signals: SIGTERM/SIGINT stop (in-flight sends finish, claimed rows are
 * released, threads joined, exit 0); SIGHUP reopens the log, reads the
 * config file again, applies [log] level, reloads the key file and names
 * every other changed setting as needing a restart (see on_hup);
 * SIGPIPE is ignored (a peer that closed an SMTP or HTTP connection).
 *
 * systemd: READY=1 once everything is open, STATUS= with the queue
 * depth every few seconds, WATCHDOG=1 when WATCHDOG_USEC is set,
 * STOPPING=1 on the way out.  Without NOTIFY_SOCKET these are no-ops.
 * Listening sockets passed by systemd (socket activation) are taken by
 * their FileDescriptorName=: "web", "api", "policy" and "lmtp" replace
 * binding the [web], [api], [policy] and [lmtp] listen addresses, and
 * start that server even when its listen is not set.  A single socket with
 * another name (or none) is the web view's.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "buf.h"
#include "config.h"
#include "links.h"
#include "i18n.h"
#include "log.h"
#include "path.h"
#include "pool.h"
#include "retention_run.h"
#include "relay.h"
#include "tick.h"
#include "webhook_delivery.h"
#include "store.h"
#include "transport.h"
#include "api.h"
#include "imap.h"
#include "inbound.h"
#include "lmtp.h"
#include "policy.h"
#include "web.h"

/* Reader threads of the store pool: pages and API reads of a small firm
 * rarely overlap more than this, and each holds a connection. */
#define DAEMON_POOL_READERS 2

/* STATUS= and the watchdog are refreshed at least this often.  Never from
 * the database: relay_stats() reads counters the scheduler keeps. */
#define STATUS_INTERVAL_MS 2000

struct daemon {
	struct gw_config *cfg;
	struct link_keys *keys;      /* the set in use */
	struct link_keys **old_keys; /* replaced by SIGHUP; a relay worker may
	                                still hold one, so freed at exit only */
	size_t n_old_keys;
	struct event_base *base;
	struct store_pool *pool;     /* shared by web, api, lmtp and relay */
	struct relay *relay;
	struct webhook_delivery *webhooks;
	struct web *web;
	struct api *api;
	struct policy *policy;
	struct lmtp *lmtp;
	struct retention_run *retention;
	struct lmtp *handover;       /* [pipe] socket: gatewayd-pipe's hand-over */
	struct imap *imap;           /* [imap] url: the mailbox reader's thread */
	struct event *ev_term, *ev_int, *ev_hup, *ev_status;
	/* sockets passed by systemd; 0 = none */
	int fd_web, fd_api, fd_policy, fd_lmtp;
	int watchdog;
	char status[256];
};

static void usage(FILE *out)
{
	fprintf(out, "usage: gatewayd [-c CONF] [--foreground] [--check-config]\n"
		     "  -c, --config FILE   configuration (default " CFG_DEFAULT_PATH ")\n"
		     "  -f, --foreground    log to stderr (gatewayd never forks)\n"
		     "  -t, --check-config  print the effective configuration, check the key\n"
		     "                      file, database and transport, and exit\n"
		     "  -V, --version       print the version\n");
}

/* ---- --check-config ------------------------------------------------------- */

static int check_database(const struct cfg_store *settings, char **error_r)
{
	struct store *store = NULL;
	struct stat st;
	char *dir;
	int rc = 0;

	if (stat(settings->path, &st) < 0 && errno == ENOENT) {
		/* gatewayd creates it; the directory must let it. */
		dir = path_dir(settings->path);
		if (access(dir, W_OK) < 0) {
			*error_r = xasprintf("[store] path: cannot create \"%s\": \"%s\": %s",
					     settings->path, dir, strerror(errno));
			rc = -1;
		} else {
			fprintf(stderr, "gatewayd: note: database \"%s\" does not exist yet; "
					"it is created at start\n", settings->path);
		}
		free(dir);
		return rc;
	}
	if (store_open(settings, &store, error_r) < 0)
		return -1;
	store_close(&store);
	return 0;
}

static int check_config(const struct gw_config *cfg)
{
	struct link_keys *keys = NULL;
	struct transport *transport = NULL;
	char *error = NULL;

	cfg_dump(cfg, stdout);
	fflush(stdout);
	if (link_keys_load(cfg->links.key_file, &keys, &error) < 0) {
		fprintf(stderr, "gatewayd: [links] key_file: %s\n", error);
		goto fail;
	}
	link_keys_free(&keys);
	if (check_database(&cfg->store, &error) < 0) {
		fprintf(stderr, "gatewayd: [store] path: %s\n", error);
		goto fail;
	}
	if (relay_transport_open(&cfg->mail, &transport, &error) < 0) {
		fprintf(stderr, "gatewayd: [mail] transport: %s\n", error);
		goto fail;
	}
	transport_close(&transport);
	/* the zone and the holiday file of [reminders] */
	struct gw_hours *hours = NULL;

	if (tick_hours_load(cfg, &hours, &error) < 0) {
		fprintf(stderr, "gatewayd: %s\n", error);
		goto fail;
	}
	hours_free(&hours);
	fprintf(stderr, "gatewayd: configuration \"%s\" is ok\n", cfg->file);
	return EX_OK;
fail:
	free(error);
	return EX_CONFIG;
}

/* ---- event callbacks ------------------------------------------------------ */

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	GW_UNUSED(what);
	log_info("daemon: %s received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	sd_notify(0, "STOPPING=1\nSTATUS=stopping: finishing deliveries in flight");
	event_base_loopbreak(d->base);
}

/* cfg_dump() of cfg into a malloc'd string. */
static char *dump_config(const struct gw_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return NULL;
	cfg_dump(cfg, f);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/*
 * "[web] listen, [mail] transport": the settings whose dumped line differs
 * between old and new, except those SIGHUP applies.  cfg_dump() prints
 * every key in the same order, so the lines pair up.  "" when nothing
 * else changed; NULL when a dump failed.  malloc'd.
 */
static char *changed_settings(const struct gw_config *old, const struct gw_config *fresh)
{
	char *a = dump_config(old), *b = dump_config(fresh);
	char *pa = a, *pb = b;
	struct buf out = BUF_INIT;
	char *result;

	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return NULL;
	}
	while (*pa != '\0' && *pb != '\0') {
		size_t la = strcspn(pa, "\n"), lb = strcspn(pb, "\n");
		size_t name = strcspn(pa, "=");

		if ((la != lb || memcmp(pa, pb, la) != 0) && name < la && name > 0 &&
		    strncmp(pa, "[log] level ", name) != 0 &&
		    strncmp(pa, "[links] key_file ", name) != 0) {
			if (out.len > 0)
				buf_puts(&out, ", ");
			buf_printf(&out, "%.*s", (int)(name - 1), pa);
		}
		pa += la + (pa[la] == '\n');
		pb += lb + (pb[lb] == '\n');
	}
	/* Only [webhooks] endpoints make one dump longer than the other. */
	if (*pa != '\0' || *pb != '\0')
		buf_printf(&out, "%s[webhooks] endpoints", out.len > 0 ? ", " : "");
	result = xstrdup(buf_cstr(&out));
	buf_release(&out);
	free(a);
	free(b);
	return result;
}

/* Load the key file named by the new config and hand it to everyone. */
static void reload_keys(struct daemon *d, const struct gw_config *fresh)
{
	struct link_keys *keys = NULL;
	char *error = NULL;

	if (link_keys_load(fresh->links.key_file, &keys, &error) < 0) {
		log_warn("daemon: SIGHUP: %s; keeping the link keys in use", error);
		free(error);
		return;
	}
	relay_set_keys(d->relay, keys);
	web_set_keys(d->web, keys);
	api_set_keys(d->api, keys);
	policy_set_keys(d->policy, keys);
	lmtp_set_keys(d->lmtp, keys);
	lmtp_set_keys(d->handover, keys);
	imap_set_keys(d->imap, keys);
	d->old_keys = xrealloc(d->old_keys, (d->n_old_keys + 1) * sizeof(*d->old_keys));
	d->old_keys[d->n_old_keys++] = d->keys;
	d->keys = keys;
	log_info("daemon: SIGHUP: key file %s reloaded", fresh->links.key_file);
}

/*
 * SIGHUP: reopen the log, read the config file again, apply [log] level,
 * and load the key file ([links] key_file of the new config).  Templates
 * live in the database and are read per mail: nothing to reload.  Every
 * other setting keeps its running value (the relay, the web view and the
 * API borrow strings from the running config, which stays); the ones that
 * changed are named in one log line so that nobody waits for them.
 */
static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	struct gw_config *fresh = NULL;
	enum log_level level;
	char *error = NULL, *changed;

	GW_UNUSED(sig);
	GW_UNUSED(what);
	log_reopen();
	if (cfg_load(d->cfg->file, &fresh, &error) < 0) {
		log_warn("daemon: SIGHUP: %s; keeping the running settings", error);
		free(error);
		return;
	}
	if (log_level_parse(fresh->log.level, &level) == 0) {
		log_set_level(level);
		log_info("daemon: SIGHUP: log reopened, log level %s", fresh->log.level);
	}
	reload_keys(d, fresh);
	changed = changed_settings(d->cfg, fresh);
	if (changed == NULL)
		log_warn("daemon: SIGHUP: cannot compare the configurations: %s",
			 strerror(errno));
	else if (*changed != '\0')
		log_warn("daemon: SIGHUP: changed, needs a restart: %s", changed);
	free(changed);
	cfg_free(&fresh);
}

static void on_status(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct relay_stats s;
	char status[256];

	GW_UNUSED(fd);
	GW_UNUSED(what);
	relay_stats(d->relay, &s);
	snprintf(status, sizeof(status),
		 "queue: %" PRId64 " queued, %" PRId64 " sending, %" PRId64 " failed; "
		 "since start: %" PRId64 " sent, %" PRId64 " deferred, %" PRId64 " failed, "
		 "%" PRId64 " reminders",
		 s.queued, s.sending, s.failed, s.sent_total, s.deferred_total,
		 s.failed_total, s.reminders_total);
	if (strcmp(status, d->status) != 0) {
		char *msg = xasprintf("STATUS=%s", status);

		sd_notify(0, msg);
		free(msg);
		memcpy(d->status, status, sizeof(status));
	}
	if (d->watchdog)
		sd_notify(0, "WATCHDOG=1");
}

static void on_outbox_queued(void *ctx)
{
	struct daemon *d = ctx;

	relay_wake(d->relay);
	webhook_delivery_wake(d->webhooks);
}

/* Sort the sockets systemd passed (LISTEN_FDS, LISTEN_FDNAMES) by name. */
static int take_passed_sockets(struct daemon *d, char **error_r)
{
	static const char *const known[] = { "web", "api", "policy", "lmtp" };
	int *slots[] = { &d->fd_web, &d->fd_api, &d->fd_policy, &d->fd_lmtp };
	char **names = NULL;
	int n = sd_listen_fds_with_names(1, &names), rc = 0;

	if (n < 0) {
		*error_r = xasprintf("sockets from systemd: %s", strerror(-n));
		return -1;
	}
	for (int i = 0; i < n && rc == 0; i++) {
		const char *name = names != NULL && names[i] != NULL ? names[i] : "unknown";
		int *slot = NULL;

		for (size_t k = 0; k < GW_ARRAY_SIZE(known); k++)
			if (strcmp(name, known[k]) == 0)
				slot = slots[k];
		if (slot == NULL && n == 1)
			slot = &d->fd_web;
		if (slot == NULL) {
			*error_r = xasprintf("systemd passed a socket named \"%s\"; gatewayd takes"
					     " sockets named web, api, policy and lmtp"
					     " (FileDescriptorName=)", name);
			rc = -1;
		} else if (*slot != 0) {
			*error_r = xasprintf("systemd passed two sockets named \"%s\"", name);
			rc = -1;
		} else {
			*slot = SD_LISTEN_FDS_START + i;
		}
	}
	for (int i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int open_web(struct daemon *d, char **error_r)
{
	const struct gw_config *cfg = d->cfg;
	struct web_settings ws;

	if (cfg->web.listen == NULL && d->fd_web == 0)
		return 0;
	memset(&ws, 0, sizeof(ws));
	ws.web = &cfg->web;
	ws.store = &cfg->store;
	ws.pool = d->pool;
	ws.links = &cfg->links;
	ws.keys = d->keys;
	ws.mail_domain = cfg->mail.reply_domain;
	ws.reminder_days = (int)cfg->reminders.default_days;
	ws.reminder_count = (int)cfg->reminders.default_count;
	ws.firm_fallback_name = cfg->mail.from_name != NULL && *cfg->mail.from_name != '\0' ?
					cfg->mail.from_name : "gatewayd";
	ws.outbox_queued = on_outbox_queued;
	ws.ctx = d;
	ws.systemd_fd = d->fd_web;
	if (web_open(d->base, &ws, &d->web, error_r) < 0)
		return -1;
	if (d->fd_web != 0)
		log_info("daemon: web view on the socket from systemd (port %d)",
			 web_bound_port(d->web));
	else
		log_info("daemon: web view on %s (port %d)", cfg->web.listen,
			 web_bound_port(d->web));
	return 0;
}

static int open_api(struct daemon *d, char **error_r)
{
	const struct gw_config *cfg = d->cfg;
	struct api_settings as;

	if (cfg->api.listen == NULL && d->fd_api == 0)
		return 0;
	memset(&as, 0, sizeof(as));
	as.listen = cfg->api.listen;
	as.systemd_fd = d->fd_api;
	as.store = &cfg->store;
	as.pool = d->pool;
	as.web = &cfg->web;
	as.links = &cfg->links;
	as.reminders = &cfg->reminders;
	as.mail_domain = cfg->mail.reply_domain;
	as.keys = d->keys;
	as.outbox_queued = on_outbox_queued;
	as.ctx = d;
	if (api_open(d->base, &as, &d->api, error_r) < 0)
		return -1;
	log_info("daemon: JSON API on %s (port %d)",
		 d->fd_api != 0 ? "the socket from systemd" : cfg->api.listen,
		 api_bound_port(d->api));
	return 0;
}

/* The [inbound] limits, as every inbound front end applies them. */
static void inbound_limits_from(const struct gw_config *cfg, struct inbound_limits *limits)
{
	inbound_limits_init(limits);
	limits->max_size = (size_t)cfg->inbound.max_size;
	limits->max_header_bytes = (size_t)cfg->inbound.max_header_bytes;
	limits->max_mime_depth = (int)cfg->inbound.max_mime_depth;
	limits->max_parts = (int)cfg->inbound.max_parts;
}

static void on_lmtp_delivered(void *ctx, enum gw_result r, const char *line)
{
	GW_UNUSED(ctx);
	if (r == GW_OK)
		log_info("lmtp: %s", line);
	else
		log_warn("lmtp: deferred: %s", line);
}

static void on_handover_delivered(void *ctx, enum gw_result r, const char *line)
{
	GW_UNUSED(ctx);
	if (r == GW_OK)
		log_info("pipe: %s", line);
	else
		log_warn("pipe: deferred: %s", line);
}

/* What the LMTP listener and the hand-over share: the config's decision
 * settings and the daemon's pool (its connections commit with [store]
 * synchronous, as gatewayd-pipe's own does). */
static void lmtp_settings_from(struct daemon *d, struct lmtp_settings *ls)
{
	const struct gw_config *cfg = d->cfg;

	memset(ls, 0, sizeof(*ls));
	ls->keys = d->keys;
	ls->reply_domain = cfg->mail.reply_domain;
	ls->from_address = cfg->mail.from;
	ls->store = &cfg->store;
	ls->pool = d->pool;
	inbound_limits_init(&ls->limits);
	ls->limits.max_size = (size_t)cfg->inbound.max_size;
	ls->limits.max_header_bytes = (size_t)cfg->inbound.max_header_bytes;
	ls->limits.max_mime_depth = (int)cfg->inbound.max_mime_depth;
	ls->limits.max_parts = (int)cfg->inbound.max_parts;
	ls->max_explanations_per_day = cfg->mail.max_explanations_per_day;
	ls->outbox_queued = on_outbox_queued;
	ls->ctx = d;
}

/*
 * [pipe] socket: LMTP on a UNIX socket that only gatewayd-pipe speaks to,
 * so that a message costs it a connection instead of its own start-up.
 * An optimisation only: without it gatewayd-pipe does the work itself,
 * so a socket that cannot be bound is a warning, not a reason to stop.
 */
static void open_handover(struct daemon *d)
{
	const struct gw_config *cfg = d->cfg;
	struct lmtp_settings ls;
	char *spec, *error = NULL;

	if (!cfg->pipe.handover || cfg->pipe.socket == NULL)
		return;
	spec = xasprintf("unix:%s", cfg->pipe.socket);
	/* [lmtp] listen on the same socket serves it already (a second bind
	   would take the socket away from it). */
	if (d->lmtp != NULL && d->fd_lmtp == 0 && cfg->lmtp.listen != NULL &&
	    strcmp(cfg->lmtp.listen, spec) == 0) {
		log_info("daemon: gatewayd-pipe hands messages over on %s ([lmtp] listen)",
			 cfg->pipe.socket);
		free(spec);
		return;
	}
	lmtp_settings_from(d, &ls);
	ls.listen = spec;
	ls.delivered = on_handover_delivered;
	if (lmtp_open(d->base, &ls, &d->handover, &error) < 0) {
		log_warn("daemon: [pipe] socket: %s; gatewayd-pipe does its work itself", error);
		free(error);
	} else if (chmod(cfg->pipe.socket, 0600) < 0) {
		/* Only our own user, which gatewayd-pipe runs as, whatever
		   the umask: what it takes is the pipe's to give. */
		log_warn("daemon: [pipe] socket: chmod %s: %s; gatewayd-pipe does its work itself",
			 cfg->pipe.socket, strerror(errno));
		lmtp_close(&d->handover);
	} else {
		log_info("daemon: gatewayd-pipe hands messages over on %s", cfg->pipe.socket);
	}
	free(spec);
}

/* [policy] listen and [lmtp] listen: the inbound listeners Postfix talks to
 * while the sender is still connected (docs/postfix.md). */
static int open_inbound_listeners(struct daemon *d, char **error_r)
{
	const struct gw_config *cfg = d->cfg;

	if (cfg->policy.listen != NULL || d->fd_policy != 0) {
		struct policy_settings ps;

		memset(&ps, 0, sizeof(ps));
		ps.listen = cfg->policy.listen;
		ps.systemd_fd = d->fd_policy;
		ps.keys = d->keys;
		ps.reply_domain = cfg->mail.reply_domain;
		if (policy_open(d->base, &ps, &d->policy, error_r) < 0)
			return -1;
		log_info("daemon: policy service on %s (port %d)",
			 d->fd_policy != 0 ? "the socket from systemd" : cfg->policy.listen,
			 policy_bound_port(d->policy));
	}
	if (cfg->lmtp.listen != NULL || d->fd_lmtp != 0) {
		struct lmtp_settings ls;

		lmtp_settings_from(d, &ls);
		ls.listen = cfg->lmtp.listen;
		ls.systemd_fd = d->fd_lmtp;
		ls.keys = d->keys;
		ls.reply_domain = cfg->mail.reply_domain;
		ls.from_address = cfg->mail.from;
		ls.store = &cfg->store;
		ls.pool = d->pool;
		inbound_limits_from(cfg, &ls.limits);
		ls.max_explanations_per_day = cfg->mail.max_explanations_per_day;
		ls.outbox_queued = on_outbox_queued;
		ls.delivered = on_lmtp_delivered;
		if (lmtp_open(d->base, &ls, &d->lmtp, error_r) < 0)
			return -1;
		log_info("daemon: LMTP on %s (port %d)",
			 d->fd_lmtp != 0 ? "the socket from systemd" : cfg->lmtp.listen,
			 lmtp_bound_port(d->lmtp));
	}
	open_handover(d);
	return 0;
}

/* [imap] url: read a mailbox in a thread of its own (docs/imap.md). */
static int open_imap(struct daemon *d, char **error_r)
{
	const struct gw_config *cfg = d->cfg;
	struct imap_settings is;

	if (cfg->imap.url == NULL)
		return 0;
	memset(&is, 0, sizeof(is));
	is.cfg = &cfg->imap;
	is.keys = d->keys;
	is.reply_domain = cfg->mail.reply_domain;
	is.from_address = cfg->mail.from;
	is.pool = d->pool;
	inbound_limits_from(cfg, &is.limits);
	is.max_explanations_per_day = cfg->mail.max_explanations_per_day;
	is.outbox_queued = on_outbox_queued;
	is.ctx = d;
	if (imap_open(&is, &d->imap, error_r) < 0)
		return -1;
	log_info("daemon: IMAP reader for %s, user %s, mailbox \"%s\"", cfg->imap.url,
		 cfg->imap.user, cfg->imap.mailbox);
	return 0;
}

/* ---- start and stop ------------------------------------------------------- */

static int add_event(struct event **evp, struct event *ev)
{
	*evp = ev;
	return ev != NULL && event_add(ev, NULL) == 0 ? 0 : -1;
}

/* The pool's connections carry what every user of it expects: the reply
 * domain of LMTP's decisions and the reminder defaults of new threads. */
static void open_pool(struct daemon *d)
{
	const struct gw_config *cfg = d->cfg;
	struct store_pool_settings ps;
	char *error = NULL;

	memset(&ps, 0, sizeof(ps));
	ps.store = &cfg->store;
	ps.readers = DAEMON_POOL_READERS;
	ps.mail_domain = cfg->mail.reply_domain;
	ps.reminder_days = (int)cfg->reminders.default_days;
	ps.reminder_count = (int)cfg->reminders.default_count;
	if (store_pool_open(&ps, &d->pool, &error) < 0)
		fatal(EX_UNAVAILABLE, "[store] path: %s", error);
}

static void daemon_start(struct daemon *d)
{
	const struct gw_config *cfg = d->cfg;
	uint64_t usec = 0;
	char *error = NULL;
	struct timeval tv;
	int64_t period = STATUS_INTERVAL_MS;

	if (link_keys_load(cfg->links.key_file, &d->keys, &error) < 0)
		fatal(EX_CONFIG, "[links] key_file: %s", error);
	/* Creates or migrates the database once (its writer's connection
	 * first), before other threads open it. */
	open_pool(d);

	d->base = event_base_new();
	if (d->base == NULL)
		fatal(EX_UNAVAILABLE, "cannot create the event base");
	if (add_event(&d->ev_term, evsignal_new(d->base, SIGTERM, on_stop, d)) < 0 ||
	    add_event(&d->ev_int, evsignal_new(d->base, SIGINT, on_stop, d)) < 0 ||
	    add_event(&d->ev_hup, evsignal_new(d->base, SIGHUP, on_hup, d)) < 0)
		fatal(EX_UNAVAILABLE, "cannot install signal handlers");

	if (relay_open(cfg, d->keys, d->pool, &d->relay, &error) < 0) {
		store_pool_close(&d->pool);
		fatal(EX_UNAVAILABLE, "%s", error);
	}
	if (webhook_delivery_open(cfg, d->pool, &d->webhooks, &error) < 0) {
		relay_close(&d->relay);
		store_pool_close(&d->pool);
		fatal(EX_CONFIG, "%s", error);
	}
	if (take_passed_sockets(d, &error) < 0) {
		relay_close(&d->relay);
		store_pool_close(&d->pool);
		fatal(EX_CONFIG, "%s", error);
	}
	if (open_web(d, &error) < 0) {
		relay_close(&d->relay);
		store_pool_close(&d->pool);
		fatal(EX_UNAVAILABLE, "web view: %s", error);
	}
	if (open_api(d, &error) < 0) {
		web_close(&d->web);
		relay_close(&d->relay);
		store_pool_close(&d->pool);
		fatal(EX_UNAVAILABLE, "JSON API: %s", error);
	}
	if (open_inbound_listeners(d, &error) < 0) {
		lmtp_close(&d->handover);
		lmtp_close(&d->lmtp);
		policy_close(&d->policy);
		api_close(&d->api);
		web_close(&d->web);
		relay_close(&d->relay);
		store_pool_close(&d->pool);
		fatal(EX_UNAVAILABLE, "%s", error);
	}
	if (open_imap(d, &error) < 0) {
		lmtp_close(&d->lmtp);
		policy_close(&d->policy);
		api_close(&d->api);
		web_close(&d->web);
		relay_close(&d->relay);
		store_pool_close(&d->pool);
		fatal(EX_CONFIG, "%s", error);
	}

	if (retention_run_open(d->base, d->pool, cfg, &d->retention, &error) < 0)
		fatal(EX_UNAVAILABLE, "%s", error);

	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		d->watchdog = 1;
		if ((int64_t)(usec / 2000) < period)
			period = (int64_t)(usec / 2000) > 0 ? (int64_t)(usec / 2000) : 1;
	}
	d->ev_status = event_new(d->base, -1, EV_PERSIST, on_status, d);
	tv.tv_sec = period / 1000;
	tv.tv_usec = (period % 1000) * 1000;
	if (d->ev_status == NULL || event_add(d->ev_status, &tv) < 0)
		fatal(EX_UNAVAILABLE, "cannot add the status timer");

	log_info("daemon: started, %" PRId64 " relay worker%s, transport %s",
		 cfg->mail.concurrency, cfg->mail.concurrency == 1 ? "" : "s",
		 cfg->mail.transport);
	sd_notify(0, "READY=1\nSTATUS=started");
	on_status(-1, 0, d);
}

/*
 * The IMAP reader and the listeners first (each takes back or waits for
 * its own jobs in the pool), then the relay (whose threads wait on the writer lane), then the
 * pool, which finishes whatever is still queued.
 */
static void daemon_stop(struct daemon *d)
{
	struct relay_stats s;

	retention_run_stop(d->retention);
	lmtp_close(&d->handover);
	imap_close(&d->imap);
	lmtp_close(&d->lmtp);
	policy_close(&d->policy);
	api_close(&d->api);
	web_close(&d->web);
	relay_stats(d->relay, &s);
	webhook_delivery_close(&d->webhooks);
	relay_close(&d->relay);
	store_pool_close(&d->pool);
	retention_run_free(&d->retention);
	if (d->ev_status != NULL)
		event_free(d->ev_status);
	if (d->ev_hup != NULL)
		event_free(d->ev_hup);
	if (d->ev_int != NULL)
		event_free(d->ev_int);
	if (d->ev_term != NULL)
		event_free(d->ev_term);
	event_base_free(d->base);
	link_keys_free(&d->keys);
	for (size_t i = 0; i < d->n_old_keys; i++)
		link_keys_free(&d->old_keys[i]);
	free(d->old_keys);
	log_info("daemon: stopped (%" PRId64 " sent, %" PRId64 " deferred, %" PRId64
		 " failed since start)", s.sent_total, s.deferred_total, s.failed_total);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check-config", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = CFG_DEFAULT_PATH;
	int foreground = 0, check = 0, c, rc;
	struct daemon d;
	enum log_level level = LOG_LVL_INFO;
	char *error = NULL;

	log_init("gatewayd", LOG_LVL_INFO, 0);
	/* Before any connection exists (the relay's threads open their own). */
	store_process_init();
	while ((c = getopt_long(argc, argv, "c:ftVh", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 't':
			check = 1;
			break;
		case 'V':
			printf("gatewayd %s\n", GW_VERSION);
			return EX_OK;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "gatewayd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return EX_USAGE;
	}

	memset(&d, 0, sizeof(d));
	if (cfg_load(conf, &d.cfg, &error) < 0 || cfg_check_webhook_secrets(d.cfg, &error) < 0) {
		fprintf(stderr, "gatewayd: %s\n", error);
		free(error);
		cfg_free(&d.cfg);
		return EX_CONFIG;
	}
	if (check) {
		rc = check_config(d.cfg);
		cfg_free(&d.cfg);
		return rc;
	}
	if (i18n_init(&error) < 0) {
		fprintf(stderr, "gatewayd: %s\n", error);
		free(error);
	}
	i18n_defaults(d.cfg->firm.language, d.cfg->firm.timezone);

	log_level_parse(d.cfg->log.level, &level);
	log_init("gatewayd", level, !foreground && d.cfg->log.syslog);
	/* libetpan and evhttp write to sockets whose peer may have gone. */
	signal(SIGPIPE, SIG_IGN);

	daemon_start(&d);
	event_base_dispatch(d.base);
	daemon_stop(&d);
	cfg_free(&d.cfg);
	return EX_OK;
}
