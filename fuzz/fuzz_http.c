/*
 * fuzz_http.c - libFuzzer target for the web view: each input is raw bytes
 * sent to a real web view (web_open() on a unix socket, evhttp, the router,
 * sessions, CSRF, forms, pages, attachments, event streams) over a real
 * SQLite file, on the target's own event loop.
 *
 * Set up once, in LLVMFuzzerInitialize: a temp directory (under
 * $GW_FUZZ_TMPDIR, else /dev/shm, else /tmp) with a seeded database (a
 * firm, three staff members, two accounts with contacts, threads with
 * tasks, a note, an attachment, an archived thread, a template); its
 * bytes are kept as the pristine copy.  The clock is pinned, so that
 * every token below stays valid and every run is the same.
 *
 * Placeholders in the input are replaced before it is sent, so that
 * mutations can reach what lies behind a valid session or link:
 *   $$SO $$SM $$SA $$SB   session cookie value of owner, member (assigned
 *                         to account A), contact anna (A), contact bob (B)
 *   $$CO $$CM $$CA $$CB   the CSRF token of that session
 *   $$VA $$VO             View link: anna to thread A1, owner home
 *   $$VX $$VR             anna's View link expired / revoked (generation)
 *   $$FA $$UA             anna's fresh-link and unsubscribe tokens
 *   $$L                   length of the bytes after the blank line that
 *                         follows it (to the end of the input)
 * Ids are those of a fresh database: accounts 1 (A) and 2 (B); threads
 * 1 (A1), 2 (B1), 3 (A2, archived); messages 1 and its reminder note 2
 * (A1), 3 (B1), 4 (staff-only note in A1), 5 (A2); tasks 1 and 2 (A1);
 * attachment 1 (A1); template "year-end".
 *
 * One connection per input: the bytes are written (the client then shuts
 * down its sending side) and the loop runs until the server has closed
 * the connection.  An event stream is ticked once and ended.  After an
 * input that changed the database, the web view is closed, the database
 * and the attachment directory are put back as they were and it is opened
 * again, and so after a fresh-link request (its rate limit is kept in
 * memory): every input starts from the same state.  (The page cache
 * follows the data by itself.)
 *
 * With GW_FUZZ_ECHO set in the environment, each request (placeholders
 * replaced) and its response are printed to stderr: for writing seeds.
 *
 * Checked besides memory safety and leaks: an error logged by the web
 * view (a handler without a reply or with two, a missing attachment file)
 * aborts; the response (the first one, when requests are pipelined) is
 * no 500, and a 2xx/3xx one (only our handlers send those) carries the
 * security headers; a request that is not a POST never changes the
 * database ("a GET never changes chat state").
 *
 * The seed is the one of tests/unit/web_fixture.c (which needs cmocka),
 * plus an attachment, an archived thread and a template.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "clock.h"
#include "log.h"
#include "signin.h"
#include "web_int.h"

#define KEYS "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
/* 2026-11-25 09:30 UTC, like the unit tests. */
#define T0 INT64_C(1795599000)
#define ATT_BYTES "%PDF-1.4 statements\n"

struct placeholder {
	char name[5];
	char value[LINK_TOKEN_MAX];
};

static struct {
	char dir[4096];
	char *db_path, *att_dir, *listen;
	struct cfg_web web_cfg;
	struct cfg_store store_cfg;
	struct cfg_links links_cfg;
	struct link_keys *keys;
	struct event_base *base;
	struct web *web;
	struct store *s;        /* the target's own connection */
	int echo;               /* GW_FUZZ_ECHO: print requests and responses */
	char *pristine;         /* the seeded database file */
	size_t pristine_len;
	struct placeholder ph[14];
	size_t n_ph;
} fx;

/* ---- log: errors of the web view are bugs ---------------------------------- */

void __wrap_log_msg(enum log_level level, const char *fmt, ...) GW_PRINTF(2, 3);
void __wrap_log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > LOG_LVL_ERROR)
		return;
	va_start(ap, fmt);
	fputs("fuzz_http: web view logged an error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* ---- set-up ---------------------------------------------------------------- */

static void die(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_http: %s: %s\n", what, err != NULL ? err : "failed");
	abort();
}

static void seed(void)
{
	struct store *s = fx.s;
	struct store_firm_in firm = { "Firm <b>&amp;</b> Co", 1, NULL };
	const char *tasks[] = { "Upload <b>statements</b>", "Confirm the stock count" };
	struct store_chat_new chat;
	struct store_attachment_new att;
	int64_t owner, member, other, acc_a, acc_b, anna, ann2, bob, ids[1], id;
	char *err = NULL;

#define SEED(expr)                                                            \
	do {                                                                  \
		if ((expr) != GW_OK)                                          \
			die(#expr, err);                                      \
	} while (0)
	SEED(store_firm_set(s, &firm, &err));
	SEED(store_staff_add(s, "Olivia Owner", "olivia@firm.example", STORE_ROLE_OWNER,
			     &owner, &err));
	SEED(store_staff_add(s, "Max <script>alert('m')</script>", "max@firm.example",
			     STORE_ROLE_MEMBER, &member, &err));
	SEED(store_staff_add(s, "Otto Other", "otto@firm.example", STORE_ROLE_MEMBER, &other,
			     &err));
	SEED(store_account_add(s, "Acme <img src=x onerror=alert(1)>", &acc_a, &err));
	SEED(store_account_add(s, "Birch & Sons", &acc_b, &err));
	SEED(store_staff_assign(s, member, acc_a, 1, &err));
	SEED(store_contact_add(s, acc_a, "Anna <script>alert('a')</script>", "anna@acme.example",
			       &anna, &err));
	SEED(store_contact_add(s, acc_a, "Ann Two", "ann2@acme.example", &ann2, &err));
	SEED(store_contact_add(s, acc_b, "Bob Birch", "bob@birch.example", &bob, &err));
	SEED(store_template_set(s, "year-end", "Year end [ACCOUNT_NAME]",
				"Dear [CONTACT_FIRST_NAME], from [FIRM_NAME] on [CURRENT_DATE]",
				&err));

	memset(&chat, 0, sizeof(chat));
	chat.account_ids = &acc_a;
	chat.n_accounts = 1;
	chat.staff_id = member;
	chat.subject = "<script>alert('s')</script> Year end";
	chat.body = "Hello <script>alert(1)</script> **bold** [x](javascript:alert(1)) "
		    "<img src=x onerror=alert(2)>\n\n- a\n- b\n\n```\ncode\n```";
	chat.tasks = tasks;
	chat.n_tasks = 2;
	chat.reminders = 1;
	chat.reminder_days = 3;
	chat.reminder_count = 2;
	SEED(store_chat_create(s, &chat, ids, &err));
	chat.account_ids = &acc_b;
	chat.subject = "Birch private matter";
	chat.body = "Only for Birch";
	chat.tasks = NULL;
	chat.n_tasks = 0;
	chat.reminders = 0;
	chat.staff_id = owner;
	SEED(store_chat_create(s, &chat, ids, &err));
	SEED(store_note_add(s, 1, "secret staff note", 1, &id, &err));
	chat.account_ids = &acc_a;
	chat.subject = "Old matter";
	chat.body = "Done and dusted";
	SEED(store_chat_create(s, &chat, ids, &err));
	SEED(store_thread_archive(s, ids[0], 0, &err));

	memset(&att, 0, sizeof(att));
	att.thread_id = 1;
	att.uploader_kind = STORE_CONTACT;
	att.uploader_id = anna;
	/* hostile for a Content-Disposition header; the store refuses slashes */
	att.file_name = "..\"; x=<y>; filename*=UTF-8''evil.pdf";
	att.content_type = "application/pdf";
	att.bytes = ATT_BYTES;
	att.len = strlen(ATT_BYTES);
	SEED(store_attachment_add(s, &att, &id, &err));
#undef SEED
	/* The ids the placeholders and seeds rely on. */
	if (owner != 1 || member != 2 || anna != 1 || bob != 3 || ids[0] != 3 || id != 1)
		die("seed", "unexpected ids");
	(void)other;
	(void)ann2;
}

static void add_ph(const char *name, enum link_purpose purpose, int64_t thread,
		   enum link_principal kind, int64_t id, int64_t expires, int gen_delta)
{
	struct placeholder *p = &fx.ph[fx.n_ph++];
	struct link_claims c;
	uint32_t gen = 0;

	if (store_link_generation(fx.s, kind, id, &gen) < 0)
		die("generation", name);
	memset(&c, 0, sizeof(c));
	c.purpose = purpose;
	c.thread_id = thread;
	c.kind = kind;
	c.principal_id = id;
	c.generation = gen + (uint32_t)gen_delta;
	c.expires = expires;
	snprintf(p->name, sizeof(p->name), "%s", name);
	if (link_sign(fx.keys, &c, p->value) < 0)
		die("link_sign", name);
}

static void mint(void)
{
	static const struct {
		char tag;
		enum link_principal kind;
		int64_t id;
	} who[] = {
		{ 'O', LINK_STAFF, 1 }, { 'M', LINK_STAFF, 2 },
		{ 'A', LINK_CONTACT, 1 }, { 'B', LINK_CONTACT, 3 },
	};
	char name[5];

	for (size_t i = 0; i < 4; i++) {
		/* A session is a row that the cookie names. */
		int64_t row = 0;
		char *err = NULL;

		if (store_session_create(fx.s, who[i].kind == LINK_STAFF ? STORE_STAFF : STORE_CONTACT,
					 who[i].id, "fuzz", T0, T0 + 86400, &row, &err) != GW_OK)
			die("session", err);
		snprintf(name, sizeof(name), "$$S%c", who[i].tag);
		add_ph(name, LINK_SESSION, row, who[i].kind, who[i].id, T0 + 86400, 0);
		snprintf(name, sizeof(name), "$$C%c", who[i].tag);
		add_ph(name, LINK_CSRF, row, who[i].kind, who[i].id, T0 + 86400, 0);
	}
	add_ph("$$VA", LINK_VIEW, 1, LINK_CONTACT, 1, T0 + 86400, 0);
	add_ph("$$VO", LINK_VIEW, 0, LINK_STAFF, 1, T0 + 86400, 0);
	add_ph("$$VX", LINK_VIEW, 1, LINK_CONTACT, 1, T0 - 60, 0);
	add_ph("$$VR", LINK_VIEW, 1, LINK_CONTACT, 1, T0 + 86400, 1);
	add_ph("$$FA", LINK_FRESH, 1, LINK_CONTACT, 1, T0 + 3600, 0);
	add_ph("$$UA", LINK_UNSUBSCRIBE, 1, LINK_CONTACT, 1, T0 + 86400, 0);
}

static char *slurp(const char *path, size_t *len_r)
{
	struct buf b = BUF_INIT;
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open", path);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(&b, chunk, (size_t)n);
	close(fd);
	*len_r = b.len;
	return buf_detach(&b);
}

static void open_all(void)
{
	struct web_settings ws;
	char *err = NULL;

	if (store_open(&fx.store_cfg, &fx.s, &err) < 0)
		die("store_open", err);
	memset(&ws, 0, sizeof(ws));
	ws.web = &fx.web_cfg;
	ws.store = &fx.store_cfg;
	ws.links = &fx.links_cfg;
	ws.keys = fx.keys;
	ws.mail_domain = "reply.firm.example";
	ws.firm_fallback_name = "Fallback";
	ws.systemd_fd = -1;
	if (web_open(fx.base, &ws, &fx.web, &err) < 0)
		die("web_open", err);
}

static void close_all(void)
{
	web_close(&fx.web);
	store_close(&fx.s);
}

/* Remove every file under dir (not dir itself). */
static void empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *p;
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			empty_dir(p);
			(void)rmdir(p);
		} else {
			(void)unlink(p);
		}
		free(p);
	}
	closedir(d);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) != 0)
		die("write", path);
}

/* Everything as it was after the seed. */
static void reset(void)
{
	char *p;
	char sha[65];
	char *err = NULL;

	close_all();
	write_file(fx.db_path, fx.pristine, fx.pristine_len);
	p = xasprintf("%s-wal", fx.db_path);
	(void)unlink(p);
	free(p);
	p = xasprintf("%s-shm", fx.db_path);
	(void)unlink(p);
	free(p);
	open_all();
	empty_dir(fx.att_dir);
	if (store_attachment_put(fx.s, fx.att_dir, ATT_BYTES, strlen(ATT_BYTES), sha, &err) !=
	    GW_OK)
		die("store_attachment_put", err);
}

static void cleanup(void)
{
	close_all();
	if (fx.base != NULL)
		event_base_free(fx.base);
	link_keys_free(&fx.keys);
	empty_dir(fx.dir);
	(void)rmdir(fx.dir);
	free(fx.db_path);
	free(fx.att_dir);
	free(fx.listen);
	free(fx.pristine);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("GW_FUZZ_TMPDIR");
	char *err = NULL;

	(void)argc;
	(void)argv;
	if (tmp == NULL)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(fx.dir, sizeof(fx.dir), "%s/gw-fuzz-http.XXXXXX", tmp);
	if (mkdtemp(fx.dir) == NULL)
		die("mkdtemp", fx.dir);
	/* OpenSSL's own exit handler must run after ours: ours joins the
	 * store pool's threads, whose OpenSSL state is freed as they end,
	 * which no longer works once OpenSSL has cleaned up. */
	if (OPENSSL_init_crypto(0, NULL) != 1)
		die("OPENSSL_init_crypto", NULL);
	atexit(cleanup);
	fx.echo = getenv("GW_FUZZ_ECHO") != NULL;
	log_init("fuzz_http", LOG_LVL_ERROR, 0);
	clock_set(T0);
	fx.db_path = xasprintf("%s/gw.db", fx.dir);
	fx.att_dir = xasprintf("%s/att", fx.dir);
	fx.listen = xasprintf("unix:%s/web.sock", fx.dir);
	fx.store_cfg.path = fx.db_path;
	fx.store_cfg.attachments_dir = fx.att_dir;
	fx.store_cfg.busy_timeout_ms = 1000;
	fx.store_cfg.synchronous_full = 0;
	fx.web_cfg.listen = fx.listen;
	fx.web_cfg.base_url = "http://chat.firm.example/";
	fx.web_cfg.max_body = 64 * 1024;
	fx.web_cfg.session_ttl = 3600;
	fx.links_cfg.view_ttl = 86400;
	fx.links_cfg.reply_ttl = 86400;
	if (link_keys_parse(KEYS, &fx.keys, &err) < 0)
		die("keys", err);
	if ((fx.base = event_base_new()) == NULL)
		die("event_base_new", NULL);

	if (store_open(&fx.store_cfg, &fx.s, &err) < 0)
		die("store_open", err);
	seed();
	mint();
	store_close(&fx.s); /* checkpoints: the file alone is the database */
	fx.pristine = slurp(fx.db_path, &fx.pristine_len);
	open_all();
	return 0;
}

/* ---- one exchange ------------------------------------------------------------ */

struct client {
	int fd;
	const char *req;
	size_t len, sent;
	int eof;
	struct buf in;
	struct event *wev;
};

static void client_write(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	ssize_t n;

	(void)what;
	if (c->sent < c->len) {
		n = send(fd, c->req + c->sent, c->len - c->sent, MSG_NOSIGNAL);
		if (n > 0)
			c->sent += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			c->sent = c->len; /* the server stopped reading */
	}
	if (c->sent >= c->len) {
		(void)shutdown(fd, SHUT_WR);
		event_del(c->wev);
	}
}

static void client_read(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	char chunk[16384];
	ssize_t n;

	(void)what;
	while ((n = recv(fd, chunk, sizeof(chunk), 0)) > 0)
		buf_append(&c->in, chunk, (size_t)n);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		c->eof = 1;
}

static void exchange(const char *req, size_t len, struct buf *in)
{
	struct sockaddr_un sa;
	struct client c;
	struct event *rev;

	memset(&c, 0, sizeof(c));
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fx.listen + 5);
	c.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c.fd < 0 || connect(c.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect", strerror(errno));
	c.req = req;
	c.len = len;
	c.in = (struct buf)BUF_INIT;
	rev = event_new(fx.base, c.fd, EV_READ | EV_PERSIST, client_read, &c);
	c.wev = event_new(fx.base, c.fd, EV_WRITE | EV_PERSIST, client_write, &c);
	if (rev == NULL || c.wev == NULL || event_add(rev, NULL) < 0 ||
	    event_add(c.wev, NULL) < 0)
		die("event_add", NULL);
	while (!c.eof) {
		if (event_base_loop(fx.base, EVLOOP_ONCE) < 0)
			die("event_base_loop", NULL);
		/* An event stream: one look at the thread, then the end. */
		if (fx.web->loops[0].sse != NULL) {
			web_sse_tick(&fx.web->loops[0]);
			web_sse_close_all(&fx.web->loops[0]);
		}
	}
	event_free(rev);
	event_free(c.wev);
	close(c.fd);
	*in = c.in;
}

/* ---- input ------------------------------------------------------------------- */

/* Replace the placeholders; $$L last, once the body is known. */
static void expand(const uint8_t *data, size_t size, struct buf *out)
{
	size_t i = 0, lpos[16], nl = 0;

	while (i < size) {
		const char *p = (const char *)data + i;
		size_t k;

		if (size - i >= 3 && memcmp(p, "$$L", 3) == 0 && nl < 16) {
			lpos[nl++] = out->len;
			i += 3;
			continue;
		}
		for (k = 0; k < fx.n_ph; k++) {
			if (size - i >= 4 && memcmp(p, fx.ph[k].name, 4) == 0)
				break;
		}
		if (k < fx.n_ph) {
			buf_puts(out, fx.ph[k].value);
			i += 4;
		} else {
			buf_putc(out, *p);
			i++;
		}
	}
	if (nl == 0 || out->len == 0)
		return;
	/* Each $$L: the bytes after the blank line that follows it. */
	{
		struct buf tmp = BUF_INIT;
		size_t from = 0;

		for (size_t j = 0; j < nl; j++) {
			const char *blank = memmem(out->data + lpos[j], out->len - lpos[j],
						   "\r\n\r\n", 4);
			size_t blen = blank != NULL ?
					      out->len - (size_t)(blank + 4 - out->data) : 0;

			buf_append(&tmp, out->data + from, lpos[j] - from);
			buf_printf(&tmp, "%zu", blen);
			from = lpos[j];
		}
		buf_append(&tmp, out->data + from, out->len - from);
		buf_release(out);
		*out = tmp;
	}
}

/*
 * The first response (later ones of pipelined requests are not looked at:
 * telling where a body ends needs the request's method).
 */
static void check_response(const struct buf *in)
{
	const char *hend = in->len > 0 ? memmem(in->data, in->len, "\r\n\r\n", 4) : NULL;
	int status = 0;
	char *head;

	if (hend == NULL)
		return;
	head = xstrndup(in->data, (size_t)(hend - in->data) + 2);
	if (sscanf(head, "HTTP/1.%*d %d", &status) != 1)
		status = 0;
	if (status == 500) {
		fprintf(stderr, "fuzz_http: 500 response:\n%s\n", head);
		abort();
	}
	if (status >= 200 && status < 400 &&
	    (strstr(head, "\r\nContent-Security-Policy: ") == NULL ||
	     strstr(head, "\r\nX-Content-Type-Options: nosniff\r\n") == NULL ||
	     strstr(head, "\r\nX-Frame-Options: DENY\r\n") == NULL ||
	     strstr(head, "\r\nReferrer-Policy: no-referrer\r\n") == NULL)) {
		fprintf(stderr, "fuzz_http: response without security headers:\n%s\n", head);
		abort();
	}
	free(head);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf req = BUF_INIT, in = BUF_INIT;
	int64_t v_before = 0, v_after = 0;
	uint64_t writes = fx.web->loops[0].writes;
	const int echo = fx.echo;

	expand(data, size, &req);
	if (store_data_version(fx.s, &v_before) < 0)
		die("store_data_version", NULL);
	exchange(req.data != NULL ? req.data : "", req.len, &in);
	check_response(&in);
	if (echo) {
		fwrite(req.data, 1, req.len, stderr);
		fputs("\n----\n", stderr);
		fwrite(in.data, 1, in.len, stderr);
		fputs("\n====\n", stderr);
	}
	if (store_data_version(fx.s, &v_after) < 0)
		die("store_data_version", NULL);
	if (v_after != v_before && fx.web->loops[0].writes == writes) {
		fprintf(stderr, "fuzz_http: a request answered on a read lane changed "
				"the database\n");
		abort();
	}
	/* Only a writer-lane request can have changed the data (checked
	 * above); the page cache follows the data, the fresh-link rate limit
	 * is looked at. */
	if (v_after != v_before || fx.web->n_fresh > 0)
		reset();
	buf_release(&req);
	buf_release(&in);
	return 0;
}
