/*
 * pipe_front.c - gatewayd-pipe, the command Postfix pipe(8) runs for each
 * message to the reply domain:
 *
 *   gatewayd-pipe [-c CONF] [-v] SENDER RECIPIENT < message
 *
 * A front with few shared libraries (libc and inih): when the running
 * gatewayd answers on [pipe] socket, it hands the message over in LMTP and
 * the daemon decides and commits it (decide_message(), [store]
 * synchronous, before its 250); otherwise it executes gatewayd-pipe-local
 * (pipe.c), which does the same work in its own process.  Start-up of that
 * program (gmime, GLib, SQLite) is what a message cost before.
 *
 * Exits as gatewayd-pipe-local does, 0 or 75 and nothing else:
 *
 *   250 after the final dot      0: decided and committed by the daemon
 *   4xx to any command           75, "4.x.x gatewayd: TEXT" on stdout
 *   5xx to any command           run locally: the program records what
 *                                the daemon refused (a forged address,
 *                                an oversized message) and exits 0
 *   no socket, refused, odd or   run locally, with stdin untouched before
 *   no answer before the dot,    DATA and from a memfd holding what was
 *   the daemon gone in DATA      read followed by the rest once in it
 *   odd or no answer after the   75: the daemon may have committed; the
 *   final dot, or a timeout      retry is recognised as a redelivery
 *
 * Never 0 without the daemon's 250, never 1, 70 or 74: pipe(8) bounces
 * those to the sender (see pipe.c).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "gw.h"
#include "log.h"
#include "pipe_exit.h"

#define FRONT_LINE_MAX 1024
#define FRONT_CHUNK 65536
/* Until the message is sent, a healthy daemon answers at once (its event
   loop never waits for the database): one that stalls longer than this is
   not waited for, whatever [pipe] timeout says, and the work is done here. */
#define FRONT_EARLY_TIMEOUT 10
#define LOCAL_NAME "gatewayd-pipe-local"

/* -v: log to stderr.  The log is opened only when there is something to
   say: syslog's socket costs every message a connection otherwise. */
static int log_stderr;

/* gatewayd-pipe-local says more (pipe.c); here a crash and an abort are one. */
static const char front_crash[] = "4.3.0 gatewayd-pipe: internal error, will retry\n";

enum reply_kind { REPLY_OK, REPLY_TEMP, REPLY_PERM, REPLY_ODD };

struct front {
	char **argv;
	int to_stderr;
	const char *socket_path;
	int fd;            /* to the daemon; -1 none */
	int memfd;         /* what was read from stdin; -1 none yet */
	/* reply reader */
	char in[4096];
	size_t in_len;
	int closed;        /* the daemon closed the connection */
	int code;          /* of the last reply */
	char text[FRONT_LINE_MAX]; /* its last line, after "NNN " */
};

/* "4.x.x WHY" for Postfix on stdout (one line, cut to fit), logged; 75. */
static void __attribute__((noreturn)) defer(const char *fmt, ...) GW_PRINTF(1, 2);
static void defer(const char *fmt, ...)
{
	va_list ap;

	log_init("gatewayd-pipe", LOG_LVL_INFO, !log_stderr);
	va_start(ap, fmt);
	pipe_vdefer("", fmt, ap);
}

/* The in-process program, next to this one (build tree and libexec alike). */
static char *local_path(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return xstrdup(GW_LIBEXECDIR_ABS "/" LOCAL_NAME);
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash == NULL)
		return xstrdup(GW_LIBEXECDIR_ABS "/" LOCAL_NAME);
	slash[1] = '\0';
	return xasprintf("%s%s", self, LOCAL_NAME);
}

/*
 * Run gatewayd-pipe-local with our arguments.  With a memfd, it becomes
 * stdin, after the rest of our stdin has been appended to it.
 */
static void __attribute__((noreturn)) run_local(struct front *f, const char *why)
{
	char *path = local_path();

	if (f->fd >= 0)
		close(f->fd);
	if (why != NULL && f->to_stderr)
		log_info("pipe: %s; deciding in this process", why);
	if (f->memfd >= 0) {
		char chunk[FRONT_CHUNK];
		ssize_t n;

		for (;;) {
			n = read(STDIN_FILENO, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			for (ssize_t off = 0; off < n;) {
				ssize_t w = write(f->memfd, chunk + off, (size_t)(n - off));

				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0)
					defer("4.3.0 gatewayd-pipe: keeping the message: %s",
					      strerror(errno));
				off += w;
			}
		}
		if (n < 0)
			defer("4.3.0 gatewayd-pipe: reading the message: %s", strerror(errno));
		if (lseek(f->memfd, 0, SEEK_SET) != 0 || dup2(f->memfd, STDIN_FILENO) < 0)
			defer("4.3.0 gatewayd-pipe: keeping the message: %s", strerror(errno));
		close(f->memfd);
	}
	alarm(0);
	f->argv[0] = path;
	execv(path, f->argv);
	defer("4.3.0 gatewayd-pipe: cannot run %s: %s", path, strerror(errno));
}

static int set_timeout(int fd, int opt, int64_t seconds)
{
	struct timeval tv = { .tv_sec = (time_t)seconds, .tv_usec = 0 };

	return setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

static int connect_daemon(struct front *f, int64_t timeout)
{
	struct sockaddr_un sa;
	size_t len = strlen(f->socket_path);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (len == 0 || len >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, f->socket_path, len + 1);
	f->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->fd < 0)
		return -1;
	/* Every read and write, and a connect to a full backlog, gives up
	   after the timeout (EAGAIN). */
	if (timeout > FRONT_EARLY_TIMEOUT)
		timeout = FRONT_EARLY_TIMEOUT;
	if (set_timeout(f->fd, SO_RCVTIMEO, timeout) < 0 ||
	    set_timeout(f->fd, SO_SNDTIMEO, timeout) < 0 ||
	    connect(f->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(f->fd);
		f->fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

static int send_all(struct front *f, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(f->fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One line into line[] without its CRLF; -1 on EOF, error, timeout or a
   line too long. */
static int read_line(struct front *f, char *line, size_t size)
{
	for (;;) {
		char *nl = memchr(f->in, '\n', f->in_len);
		ssize_t n;

		if (nl != NULL) {
			size_t l = (size_t)(nl - f->in);
			size_t rest = f->in_len - l - 1;

			if (l > 0 && f->in[l - 1] == '\r')
				l--;
			if (l >= size)
				return -1;
			memcpy(line, f->in, l);
			line[l] = '\0';
			memmove(f->in, nl + 1, rest);
			f->in_len = rest;
			return 0;
		}
		if (f->in_len == sizeof(f->in))
			return -1;
		n = read(f->fd, f->in + f->in_len, sizeof(f->in) - f->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			f->closed = n == 0 || errno != EAGAIN;
			return -1;
		}
		f->in_len += (size_t)n;
	}
}

/* A whole reply, "NNN-..." lines then "NNN ...": its class. */
static enum reply_kind read_reply(struct front *f)
{
	char line[FRONT_LINE_MAX];

	for (;;) {
		if (read_line(f, line, sizeof(line)) < 0)
			return REPLY_ODD;
		if (strlen(line) < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' ||
		    line[1] > '9' || line[2] < '0' || line[2] > '9' ||
		    (line[3] != '\0' && line[3] != ' ' && line[3] != '-'))
			return REPLY_ODD;
		if (line[3] == '-')
			continue;
		f->code = atoi(line);
		snprintf(f->text, sizeof(f->text), "%s", line[3] != '\0' ? line + 4 : "");
		break;
	}
	switch (f->code / 100) {
	case 2:
	case 3:
		return REPLY_OK;
	case 4:
		return REPLY_TEMP;
	case 5:
		return REPLY_PERM;
	default:
		return REPLY_ODD;
	}
}

/* Length of an enhanced status code "4.D{1,3}.D{1,3}" opening T and
   followed by a space or the end; 0 when there is none. */
static size_t dsn_length(const char *t)
{
	size_t i = 2, n;

	if (t[0] != '4' || t[1] != '.')
		return 0;
	for (int part = 0; part < 2; part++) {
		n = strspn(t + i, "0123456789");
		if (n < 1 || n > 3)
			return 0;
		i += n;
		if (part == 0 && t[i++] != '.')
			return 0;
	}
	return t[i] == ' ' || t[i] == '\0' ? i : 0;
}

/* The daemon's 4xx for Postfix: its enhanced code, else 4.3.0. */
static void __attribute__((noreturn)) defer_reply(struct front *f, const char *stage)
{
	const char *t = f->text;
	size_t n = dsn_length(t);

	if (n > 0)
		defer("%.*s gatewayd: %s (%s)", (int)n, t, t[n] != '\0' ? t + n + 1 : "",
		      stage);
	defer("4.3.0 gatewayd: %d %s (%s)", f->code, t, stage);
}

/* Before DATA nothing is read from stdin: anything but a 2xx/3xx or a
   4xx hands the run to gatewayd-pipe-local with stdin untouched. */
static void expect_ok(struct front *f, const char *stage)
{
	switch (read_reply(f)) {
	case REPLY_OK:
		if ((strcmp(stage, "DATA") == 0) != (f->code == 354))
			run_local(f, "unexpected answer from gatewayd");
		return;
	case REPLY_TEMP:
		defer_reply(f, stage);
	case REPLY_PERM:
		run_local(f, NULL);
	case REPLY_ODD:
	default:
		run_local(f, "no answer from gatewayd");
	}
}

static int addr_ok(const char *s)
{
	return strlen(s) < 512 && strpbrk(s, "\r\n<>") == NULL;
}

static void keep(struct front *f, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(f->memfd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			defer("4.3.0 gatewayd-pipe: keeping the message: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

/*
 * The message, as read, kept in the memfd and sent as DATA: bare LF
 * becomes CRLF (the daemon turns CRLF back into LF, as Postfix gave it),
 * a dot at the start of a line is doubled.  0 once the final dot is sent;
 * -1 when the daemon stopped taking it (the caller runs locally).
 */
static int send_message(struct front *f, int64_t max_size)
{
	static char chunk[FRONT_CHUNK], out[2 * FRONT_CHUNK + 8];
	int bol = 1, cr = 0;
	int64_t total = 0;

	for (;;) {
		ssize_t n = read(STDIN_FILENO, chunk, sizeof(chunk));
		size_t o = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			defer("4.3.0 gatewayd-pipe: reading the message: %s", strerror(errno));
		if (n == 0)
			break;
		keep(f, chunk, (size_t)n);
		total += n;
		/* The daemon would refuse it (552) after taking it all: the
		   local program records it at once. */
		if (total > max_size)
			return -1;
		for (ssize_t i = 0; i < n; i++) {
			char c = chunk[i];

			if (bol && c == '.')
				out[o++] = '.';
			if (c == '\n' && !cr)
				out[o++] = '\r';
			out[o++] = c;
			cr = c == '\r';
			bol = c == '\n';
		}
		if (send_all(f, out, o) < 0)
			return -1;
	}
	if (!bol ? send_all(f, "\r\n.\r\n", 5) : send_all(f, ".\r\n", 3))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "stderr", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct front f;
	const char *conf = CFG_DEFAULT_PATH, *sender, *rcpt;
	struct gw_config *cfg = NULL;
	char *err = NULL;
	struct buf cmd = BUF_INIT;
	int c;

	memset(&f, 0, sizeof(f));
	f.argv = argv;
	f.fd = -1;
	f.memfd = -1;
	pipe_catch_signals(front_crash, front_crash);
	alarm(PIPE_ALARM_SECONDS);

	/* Anything unusual is gatewayd-pipe-local's to report. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:vh", longopts, NULL)) != -1) {
		if (c == 'c') {
			conf = optarg;
		} else if (c == 'v') {
			f.to_stderr = 1;
			log_stderr = 1;
			log_init("gatewayd-pipe", LOG_LVL_INFO, 0);
		} else {
			run_local(&f, NULL);
		}
	}
	if (argc - optind != 2)
		run_local(&f, NULL);
	if (cfg_load(conf, &cfg, &err) != 0)
		run_local(&f, NULL);
	if (!cfg->pipe.handover || cfg->pipe.socket == NULL)
		run_local(&f, NULL);
	sender = pipe_envelope_sender(argv[optind]);
	rcpt = argv[optind + 1];
	if (!addr_ok(sender) || !addr_ok(rcpt) || rcpt[0] == '\0')
		run_local(&f, NULL);

	f.socket_path = cfg->pipe.socket;
	/* No socket at all is the daemon not running: as quiet as before the
	   hand-over.  A socket that refuses is one left behind by a daemon
	   that did not stop cleanly. */
	if (connect_daemon(&f, cfg->pipe.timeout) < 0)
		run_local(&f, errno == ENOENT ? NULL : "gatewayd does not answer on [pipe] socket");
	expect_ok(&f, "greeting");
	/* The daemon offers PIPELINING: the commands in one write. */
	buf_printf(&cmd, "LHLO localhost\r\nMAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n", sender,
		   rcpt);
	if (send_all(&f, cmd.data, cmd.len) < 0)
		run_local(&f, "gatewayd went away");
	buf_release(&cmd);
	expect_ok(&f, "LHLO");
	expect_ok(&f, "MAIL");
	expect_ok(&f, "RCPT");
	expect_ok(&f, "DATA");

	f.memfd = memfd_create("gatewayd-pipe", MFD_CLOEXEC);
	if (f.memfd < 0)
		defer("4.3.0 gatewayd-pipe: memfd_create: %s", strerror(errno));
	if (send_message(&f, cfg->inbound.max_size) < 0)
		run_local(&f, "gatewayd did not take the whole message");

	/* From here the daemon may have committed: no answer is a retry,
	   which its redelivery check recognises.  The decision may wait for
	   the database: the whole [pipe] timeout. */
	if (set_timeout(f.fd, SO_RCVTIMEO, cfg->pipe.timeout) < 0)
		defer("4.3.0 gatewayd-pipe: setsockopt: %s, will retry", strerror(errno));
	switch (read_reply(&f)) {
	case REPLY_OK:
		if (f.code / 100 != 2)
			defer("4.3.0 gatewayd-pipe: gatewayd answered %d after the message, "
			      "will retry", f.code);
		if (f.to_stderr)
			log_info("pipe: handed over to gatewayd: %d %s", f.code, f.text);
		close(f.fd);
		close(f.memfd);
		cfg_free(&cfg);
		return EX_OK;
	case REPLY_TEMP:
		defer_reply(&f, "after the message");
	case REPLY_PERM:
		run_local(&f, NULL);
	case REPLY_ODD:
	default:
		defer("4.3.0 gatewayd-pipe: no answer from gatewayd after the message (%s), "
		      "will retry", f.closed ? "connection closed" : "timed out");
	}
}
