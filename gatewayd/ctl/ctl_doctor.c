/*
 * ctl_doctor.c - `gatewayctl doctor`: look over an installation the way a
 * postmaster would before calling it done, and say in plain words what is
 * wrong and how to fix it.
 *
 * Checks, each one line "ok|warning|problem  WHAT: ...":
 *   config       loads (else gatewayctl stops with exit 78 before this runs)
 *                and the daemon's user can read it
 *   database     exists, opens, PRAGMA integrity_check is ok, the schema
 *                version is the one this gatewayd writes, and the daemon's
 *                user can write it, its WAL files and its directory; none
 *                of the three has a mode looser than 0600 (0640 with
 *                [store] group)
 *   key file     exists, mode 0600, owned by the daemon's user, loads
 *   attachments  a directory the daemon's user can write
 *   files        no content file the database names is missing (problem);
 *                none is unreferenced, no stray file (warnings: gc)
 *   transport    smtp: a TCP connection and a 220 greeting within a few
 *                seconds; sendmail: an executable; maildir: writable
 *   addresses    [mail] from and reply_domain: not placeholders, the reply
 *                domain apart from the firm's own
 *   base_url     reachable by the people who get the emails
 * Exit code: 0 when there is no problem (warnings allowed), 65 when there
 * is one.
 *
 * "The daemon's user" is --user NAME, else the user "gatewayd" when it
 * exists, else whoever runs doctor.  Permissions are judged for that user
 * from the mode bits and groups (run as that user, access(2) itself is
 * asked).  The database is opened read-only: doctor changes nothing, and
 * never migrates a schema it finds old.  The probes themselves (access
 * for another user, the SMTP greeting) are in ctl_probe.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


#include "buf.h"
#include "ctl.h"
#include "ctl_probe.h"
#include "links.h"
#include "path.h"
#include "webhook.h"

/* Longest wait for an SMTP server's greeting. */
#define DOCTOR_SMTP_TIMEOUT_S 10

enum doc_status { DOC_OK, DOC_WARNING, DOC_PROBLEM };

static const char *const status_names[] = { "ok", "warning", "problem" };

struct doctor {
	struct ctl *c;
	struct ctl_user user;
	json_t *checks;   /* --json: the array of results */
	int problems, warnings;
};

static void report(struct doctor *d, enum doc_status st, const char *what,
		   const char *fmt, ...) GW_PRINTF(4, 5);

static void report(struct doctor *d, enum doc_status st, const char *what,
		   const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (st == DOC_PROBLEM)
		d->problems++;
	else if (st == DOC_WARNING)
		d->warnings++;
	if (d->checks != NULL)
		json_array_append_new(d->checks,
				      json_pack("{s:s, s:s, s:s}", "check", what, "status",
						status_names[st], "message", buf_cstr(&b)));
	else
		printf("%-8s %s: %s\n", status_names[st], what, buf_cstr(&b));
	buf_release(&b);
}

/* ---- config ---- */

static void check_config(struct doctor *d)
{
	const char *file = d->c->cfg->file;
	char *why = NULL;

	if (ctl_user_may(&d->user, file, 4, &why) < 0) {
		report(d, DOC_PROBLEM, "config",
		       "%s loads, but %s; gatewayd and gatewayd-pipe run as %s and must read "
		       "it (the package uses mode 0640, owner root:gatewayd)",
		       file, why, d->user.name);
		free(why);
		return;
	}
	report(d, DOC_OK, "config", "%s loads", file);
}

/* ---- database ---- */

/* The database and its WAL companions must be writable by the daemon. */
static int check_database_access(struct doctor *d, const char *path)
{
	static const char *const companions[] = { "", "-wal", "-shm" };
	char *dir = path_dir(path), *why = NULL;
	int bad = 0;

	if (ctl_user_may(&d->user, dir, 3, &why) < 0) {
		report(d, DOC_PROBLEM, "database",
		       "directory %s: %s; SQLite creates its -wal and -shm files there", dir,
		       why);
		bad = 1;
	}
	free(why);
	why = NULL;
	for (size_t i = 0; i < GW_ARRAY_SIZE(companions) && !bad; i++) {
		char *f = xasprintf("%s%s", path, companions[i]);
		struct stat st;

		if ((i == 0 || stat(f, &st) == 0) && ctl_user_may(&d->user, f, 6, &why) < 0) {
			report(d, DOC_PROBLEM, "database",
			       "%s: %s (was gatewayctl run as another user? chown %s %s*)", f,
			       why, d->user.name, path);
			bad = 1;
		}
		free(why);
		why = NULL;
		free(f);
	}
	free(dir);
	return bad ? -1 : 0;
}

/*
 * The database and its WAL files hold every chat and address: nobody but
 * the daemon's user (and [store] group, reading) may open them.  One
 * problem line per file whose mode allows more.
 */
static int check_database_modes(struct doctor *d, const char *path)
{
	static const char *const companions[] = { "", "-wal", "-shm" };
	const struct cfg_store *cs = &d->c->cfg->store;
	unsigned want = store_file_mode(cs);
	int bad = 0;

	for (size_t i = 0; i < GW_ARRAY_SIZE(companions); i++) {
		char *f = xasprintf("%s%s", path, companions[i]);
		struct stat st;

		if (stat(f, &st) == 0 && (st.st_mode & 07777 & ~want) != 0) {
			report(d, DOC_PROBLEM, "database",
			       "%s has mode %04o, looser than %04o: anyone on this host may read "
			       "the chats; chmod %04o %s*%s%s", f, (unsigned)(st.st_mode & 07777),
			       want, want, path, cs->group != NULL ? " and chgrp " : "",
			       cs->group != NULL ? cs->group : "");
			bad = 1;
		}
		free(f);
	}
	return bad ? -1 : 0;
}

static void check_database(struct doctor *d)
{
	const char *path = d->c->cfg->store.path;
	struct store_file_health h;
	int64_t version;
	char *error = NULL;
	struct stat st;

	if (stat(path, &st) < 0) {
		report(d, DOC_PROBLEM, "database",
		       "%s: %s; create it with: gatewayctl init (run as %s)", path,
		       errno == ENOENT ? "does not exist" : strerror(errno), d->user.name);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		report(d, DOC_PROBLEM, "database", "%s is not a regular file ([store] path)",
		       path);
		return;
	}
	if (store_inspect(path, &h, &error) < 0) {
		report(d, DOC_PROBLEM, "database",
		       "%s cannot be read: %s; if it is damaged, restore the last backup "
		       "(see the backup guide)",
		       path, error);
		free(error);
		return;
	}
	version = h.schema_version;
	if (h.tables == 0) {
		report(d, DOC_PROBLEM, "database", "%s is empty; run: gatewayctl init", path);
		return;
	}
	if (h.damage != NULL) {
		report(d, DOC_PROBLEM, "database",
		       "%s fails its integrity check: %s; stop gatewayd and restore the last "
		       "backup (see the backup guide)", path, h.damage);
		store_file_health_clear(&h);
		return;
	}
	if (version < STORE_SCHEMA_VERSION) {
		report(d, DOC_PROBLEM, "database",
		       "%s has schema version %lld, this gatewayd uses %d; back it up "
		       "(gatewayctl backup FILE), then migrate it: gatewayctl init",
		       path, (long long)version, STORE_SCHEMA_VERSION);
		return;
	}
	if (version > STORE_SCHEMA_VERSION) {
		report(d, DOC_PROBLEM, "database",
		       "%s has schema version %lld, written by a newer gatewayd than this one "
		       "(%d); install that version again, or restore a backup taken before "
		       "the upgrade", path, (long long)version, STORE_SCHEMA_VERSION);
		return;
	}
	if (check_database_access(d, path) < 0 || check_database_modes(d, path) < 0)
		return;
	report(d, DOC_OK, "database", "%s: integrity ok, schema version %lld (current)",
	       path, (long long)version);
}

/* ---- key file ---- */

static void check_key_file(struct doctor *d)
{
	const char *path = d->c->cfg->links.key_file;
	struct link_keys *keys = NULL;
	struct link_claims claims = { .purpose = LINK_VIEW, .kind = LINK_CONTACT,
				      .principal_id = 1, .expires = INT32_MAX };
	char token[LINK_TOKEN_MAX], *why = NULL, *error = NULL;
	struct stat st;

	if (lstat(path, &st) < 0) {
		report(d, DOC_PROBLEM, "key file",
		       "%s: %s; the package creates it at install, gatewayctl init creates "
		       "it otherwise (then: chown %s %s)", path,
		       errno == ENOENT ? "does not exist" : strerror(errno), d->user.name, path);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		report(d, DOC_PROBLEM, "key file", "%s is not a regular file", path);
		return;
	}
	if ((st.st_mode & 077) != 0) {
		report(d, DOC_PROBLEM, "key file",
		       "%s has mode %04o: other users can read the signing keys and forge "
		       "View-chat links; run: chmod 600 %s",
		       path, (unsigned)(st.st_mode & 07777), path);
		return;
	}
	if (st.st_uid != d->user.uid) {
		char *own = ctl_uid_name(st.st_uid);

		report(d, DOC_PROBLEM, "key file",
		       "%s is owned by %s, but gatewayd runs as %s and must read it; run: "
		       "chown %s %s", path, own, d->user.name, d->user.name, path);
		free(own);
		return;
	}
	if (ctl_user_may(&d->user, path, 4, &why) < 0) {
		report(d, DOC_PROBLEM, "key file", "%s: %s", path, why);
		free(why);
		return;
	}
	if (link_keys_load(path, &keys, &error) < 0) {
		report(d, DOC_PROBLEM, "key file", "%s", error);
		free(error);
		return;
	}
	/* The signing key's id, as every link minted now will carry it. */
	if (link_sign(keys, &claims, token) == 0)
		link_verify(keys, token, LINK_VIEW, 0, NULL, NULL, &claims);
	link_keys_free(&keys);
	report(d, DOC_OK, "key file", "%s: mode 0600, owner %s, signing key %d", path,
	       d->user.name, claims.key_id);
}

/* ---- webhooks ---- */

/* Each [webhooks] secret file: private, owned by and readable for the
 * daemon's user, and a secret long enough (gatewayd refuses to start
 * otherwise). */
static void check_webhooks(struct doctor *d)
{
	const struct cfg_webhooks *wh = &d->c->cfg->webhooks;

	for (size_t i = 0; i < wh->n_endpoints; i++) {
		const struct cfg_webhook *w = &wh->endpoints[i];
		char *why = NULL, *secret = NULL;
		struct stat st;

		if (webhook_secret_read(w->secret_file, &secret, &why) < 0) {
			report(d, DOC_PROBLEM, "webhooks", "[webhooks] %s.secret_file: %s", w->name,
			       why);
			free(why);
			continue;
		}
		explicit_bzero(secret, strlen(secret));
		free(secret);
		if (stat(w->secret_file, &st) == 0 && st.st_uid != d->user.uid) {
			report(d, DOC_PROBLEM, "webhooks",
			       "[webhooks] %s.secret_file: %s is not owned by %s, who must read it;"
			       " run: chown %s %s", w->name, w->secret_file, d->user.name,
			       d->user.name, w->secret_file);
			continue;
		}
		report(d, DOC_OK, "webhooks", "%s: %s, secret in %s (mode 0600)", w->name, w->url,
		       w->secret_file);
	}
}

/* ---- attachments ---- */

static void check_attachments(struct doctor *d)
{
	const char *dir = d->c->cfg->store.attachments_dir;
	char *why = NULL;
	struct stat st;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		report(d, DOC_PROBLEM, "attachments", "%s %s; gatewayctl init creates it",
		       dir, errno == ENOENT ? "does not exist" : "is not a directory");
		return;
	}
	if (ctl_user_may(&d->user, dir, 3, &why) < 0) {
		report(d, DOC_PROBLEM, "attachments",
		       "%s: %s; uploads would fail (chown -R %s %s)", dir, why, d->user.name,
		       dir);
		free(why);
		return;
	}
	report(d, DOC_OK, "attachments", "%s is writable by %s", dir, d->user.name);
}

/* The content files against the rows that name them. */
static void check_blobs(struct doctor *d)
{
	struct store_blob_report rep;
	char *error = NULL;

	if (store_blob_check(d->c->cfg->store.path, d->c->cfg->store.attachments_dir, &rep,
			     &error) < 0) {
		report(d, DOC_PROBLEM, "files", "cannot compare the files with the database: %s",
		       error);
		free(error);
		return;
	}
	if (rep.missing > 0)
		report(d, DOC_PROBLEM, "files", "%lld of %lld content files the database names "
		       "are missing from %s (e.g. %s): their downloads fail; restore them from "
		       "the backup's attachments (gatewayctl backup --attachments)",
		       (long long)rep.missing, (long long)rep.referenced,
		       d->c->cfg->store.attachments_dir, rep.missing_example);
	if (rep.unreferenced > 0)
		report(d, DOC_WARNING, "files", "%lld content files (%lld bytes) are named by no "
		       "row (uploads that did not complete, or erased data): gatewayctl gc "
		       "removes them once they are an hour old", (long long)rep.unreferenced,
		       (long long)rep.unreferenced_bytes);
	if (rep.strays > 0)
		report(d, DOC_WARNING, "files", "%lld files in %s are not content files (e.g. "
		       "%s): temp files of interrupted uploads go with gatewayctl gc; move "
		       "anything else away", (long long)rep.strays,
		       d->c->cfg->store.attachments_dir, rep.stray_example);
	if (rep.missing == 0 && rep.unreferenced == 0 && rep.strays == 0)
		report(d, DOC_OK, "files", "%lld content files, each named by the database and "
		       "none missing", (long long)rep.files);
	store_blob_report_clear(&rep);
}

/* ---- transport ---- */

static void check_smtp(struct doctor *d, const char *spec)
{
	char *said = NULL, *why = NULL;

	if (ctl_smtp_greeting(spec + 7, DOCTOR_SMTP_TIMEOUT_S, &said, &why) < 0)
		report(d, DOC_PROBLEM, "transport",
		       "%s: cannot talk to the mail server: %s; is it running and listening "
		       "there? ([mail] transport)", spec, why);
	else
		report(d, DOC_OK, "transport", "%s answers: %s", spec, said);
	free(said);
	free(why);
}

static void check_sendmail(struct doctor *d, const char *spec)
{
	const char *path = spec + 9;
	char *why = NULL;
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		report(d, DOC_PROBLEM, "transport", "%s: %s is %s", spec, path,
		       errno == ENOENT ? "missing (is the MTA installed?)" : "not a program");
		return;
	}
	if (ctl_user_may(&d->user, path, 1, &why) < 0) {
		report(d, DOC_PROBLEM, "transport", "%s: %s", spec, why);
		free(why);
		return;
	}
	report(d, DOC_OK, "transport", "%s is executable by %s", spec, d->user.name);
	report(d, DOC_WARNING, "transport",
	       "the systemd unit runs gatewayd with NoNewPrivileges=yes, under which a "
	       "sendmail that hands mail to a setgid helper (Postfix's postdrop) cannot "
	       "queue it; prefer smtp://127.0.0.1:25 (see the troubleshooting guide)");
}

static void check_maildir(struct doctor *d, const char *spec)
{
	static const char *const subs[] = { "tmp", "new" };
	const char *dir = spec + 8;
	char *why = NULL;
	struct stat st;

	if (stat(dir, &st) < 0) {
		char *parent = path_dir(dir);

		/* The daemon creates DIR and its subdirectories. */
		if (ctl_user_may(&d->user, parent, 3, &why) < 0)
			report(d, DOC_PROBLEM, "transport",
			       "%s does not exist and cannot be created: %s: %s", spec, parent,
			       why);
		else
			report(d, DOC_OK, "transport", "%s will be created at the first delivery",
			       spec);
		free(why);
		free(parent);
		return;
	}
	for (size_t i = 0; i < GW_ARRAY_SIZE(subs); i++) {
		char *sub = xasprintf("%s/%s", dir, subs[i]);
		int rc = 0, exists = stat(sub, &st) == 0;

		if (exists && !S_ISDIR(st.st_mode)) {
			report(d, DOC_PROBLEM, "transport", "%s: %s is not a directory", spec,
			       sub);
			rc = -1;
		} else if (ctl_user_may(&d->user, exists ? sub : dir, 3, &why) < 0) {
			/* A missing subdirectory is created in DIR at start. */
			report(d, DOC_PROBLEM, "transport", "%s: cannot write %s: %s", spec,
			       sub, why);
			rc = -1;
		}
		free(why);
		why = NULL;
		free(sub);
		if (rc < 0)
			return;
	}
	report(d, DOC_OK, "transport", "%s is writable by %s", spec, d->user.name);
}

static void check_transport(struct doctor *d)
{
	const char *spec = d->c->cfg->mail.transport;

	if (strncmp(spec, "smtp://", 7) == 0)
		check_smtp(d, spec);
	else if (strncmp(spec, "sendmail:", 9) == 0)
		check_sendmail(d, spec);
	else if (strncmp(spec, "maildir:", 8) == 0)
		check_maildir(d, spec);
	else
		report(d, DOC_PROBLEM, "transport", "\"%s\" is not a known transport", spec);
}

/* ---- addresses and base_url ---- */

/* A domain reserved for documentation and tests (RFC 2606, RFC 6761). */
static int reserved_domain(const char *domain)
{
	static const char *const tlds[] = { ".example", ".invalid", ".test", ".localhost",
					    ".local" };
	static const char *const names[] = { "example.com", "example.net", "example.org" };
	size_t len = strlen(domain);

	for (size_t i = 0; i < GW_ARRAY_SIZE(tlds); i++) {
		size_t n = strlen(tlds[i]);

		if ((len > n && strcasecmp(domain + len - n, tlds[i]) == 0) ||
		    strcasecmp(domain, tlds[i] + 1) == 0)
			return 1;
	}
	for (size_t i = 0; i < GW_ARRAY_SIZE(names); i++) {
		size_t n = strlen(names[i]);

		if (strcasecmp(domain, names[i]) == 0 ||
		    (len > n && domain[len - n - 1] == '.' &&
		     strcasecmp(domain + len - n, names[i]) == 0))
			return 1;
	}
	return 0;
}

static void check_addresses(struct doctor *d)
{
	const struct cfg_mail *m = &d->c->cfg->mail;
	const char *at = strrchr(m->from, '@');
	const char *from_domain = at != NULL ? at + 1 : "";
	int quiet = 1;

	if (reserved_domain(from_domain) || reserved_domain(m->reply_domain)) {
		report(d, DOC_WARNING, "addresses",
		       "[mail] from (%s) or reply_domain (%s) is a reserved example domain: "
		       "mail to or from it goes nowhere; set the firm's real ones",
		       m->from, m->reply_domain);
		quiet = 0;
	}
	if (strcasecmp(from_domain, m->reply_domain) == 0) {
		report(d, DOC_WARNING, "addresses",
		       "[mail] reply_domain is the domain of [mail] from (%s); give gatewayd "
		       "a subdomain of its own such as reply.%s (see the DNS guide)",
		       from_domain, from_domain);
		quiet = 0;
	}
	if (quiet)
		report(d, DOC_OK, "addresses", "notifications from %s, replies to *@%s",
		       m->from, m->reply_domain);
}

static int loopback_host(const char *host, size_t len)
{
	char h[256];
	struct in_addr a4;

	if (len >= sizeof(h))
		return 0;
	memcpy(h, host, len);
	h[len] = '\0';
	if (strcasecmp(h, "localhost") == 0 || strcmp(h, "[::1]") == 0 ||
	    (len > 10 && strcasecmp(h + len - 10, ".localhost") == 0))
		return 1;
	return inet_pton(AF_INET, h, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

static void check_base_url(struct doctor *d)
{
	const struct gw_config *cfg = d->c->cfg;
	const char *url = cfg->web.base_url;
	int https = strncmp(url, "https://", 8) == 0;
	const char *host = url + (https ? 8 : 7);
	size_t hlen = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":/");
	int quiet = 1;

	if (loopback_host(host, hlen)) {
		report(d, DOC_WARNING, "base_url",
		       "[web] base_url %s points to this machine itself: the links in the "
		       "emails open only here; set the address people reach the web view at",
		       url);
		quiet = 0;
	} else if (!https) {
		report(d, DOC_WARNING, "base_url",
		       "[web] base_url %s is plain http: links and session cookies cross "
		       "the network unencrypted; put a TLS proxy in front and use https://",
		       url);
		quiet = 0;
	}
	if (cfg->web.listen == NULL) {
		report(d, DOC_WARNING, "base_url",
		       "[web] listen is off: nothing serves %s unless gatewayd.socket hands "
		       "gatewayd its socket", url);
		quiet = 0;
	}
	if (quiet)
		report(d, DOC_OK, "base_url", "links point to %s", url);
}

/* ---- the command ---- */

int ctl_cmd_doctor(struct ctl *c, const struct ctl_args *a)
{
	const char *name = ctl_opt(a, "--user");
	struct doctor d;
	struct passwd *pw;

	memset(&d, 0, sizeof(d));
	d.c = c;
	if (name == NULL && (pw = getpwnam("gatewayd")) != NULL)
		name = "gatewayd";
	if (ctl_user_lookup(name, &d.user) < 0) {
		if (name != NULL)
			return ctl_usage(c, "--user: no user '%s' on this system", name);
		return ctl_error(c, EX_CONFIG, "cannot look up the user running this");
	}
	if (c->json)
		d.checks = json_array();
	else
		printf("checking %s as the daemon's user %s (uid %u)\n", c->cfg->file,
		       d.user.name, (unsigned)d.user.uid);

	check_config(&d);
	check_database(&d);
	check_key_file(&d);
	check_webhooks(&d);
	check_attachments(&d);
	check_blobs(&d);
	check_transport(&d);
	check_addresses(&d);
	check_base_url(&d);

	if (c->json) {
		ctl_json_print(json_pack("{s:s, s:s, s:o, s:i, s:i}", "config", c->cfg->file,
					 "user", d.user.name, "checks", d.checks, "problems",
					 d.problems, "warnings", d.warnings));
	} else if (d.problems == 0) {
		printf("no problems found%s\n",
		       d.warnings > 0 ? " (read the warnings above)" : "");
	} else {
		printf("%d problem%s found\n", d.problems, d.problems == 1 ? "" : "s");
	}
	ctl_user_release(&d.user);
	return d.problems > 0 ? EX_DATAERR : 0;
}
