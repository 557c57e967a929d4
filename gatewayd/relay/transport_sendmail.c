/*
 * transport_sendmail.c - hand each message to a sendmail(1) program.
 *
 * Runs PATH -i -f SENDER -- RCPT with posix_spawn (no shell; safe in a
 * threaded program), writes the message on its stdin with LF line ends
 * (what sendmail expects from a local program), collects what it prints on
 * stdout and stderr for the reply text, and waits for it within the
 * timeout.  The null sender is passed as -f "<>": Postfix's sendmail parses
 * -f as an address, and "<>" (like "") becomes the empty envelope sender;
 * unlike "", it survives other sendmail implementations too.
 *
 * Exit status (sysexits):
 *   0                          GW_OK
 *   64 EX_USAGE, 65 EX_DATAERR,
 *   67 EX_NOUSER, 68 EX_NOHOST GW_PERMFAIL: this message or address is bad
 *   75 EX_TEMPFAIL, any other
 *   code, a signal, a timeout  GW_TEMPFAIL: the mail system has a problem
 *                              that someone can fix; the message is kept
 */
#include "transport_private.h"

#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define OUTPUT_MAX 2000 /* bytes of the program's output kept for the reply */

struct sendmail_transport {
	struct transport base;
	char *path;
	unsigned int timeout;
};

static enum gw_result exit_result(int status)
{
	if (WIFEXITED(status)) {
		switch (WEXITSTATUS(status)) {
		case EX_OK:
			return GW_OK;
		case EX_USAGE:
		case EX_DATAERR:
		case EX_NOUSER:
		case EX_NOHOST:
			return GW_PERMFAIL;
		default:
			return GW_TEMPFAIL;
		}
	}
	return GW_TEMPFAIL;
}

static pid_t spawn(struct sendmail_transport *t, char *const argv[], int in_fd, int out_fd,
		   int *errno_r)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	pid_t pid = -1;
	int err;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out_fd, STDERR_FILENO);
	posix_spawnattr_init(&attr);
	/* The daemon ignores SIGPIPE and blocks signals in workers; the child must not. */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	err = posix_spawn(&pid, t->path, &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	*errno_r = err;
	return err == 0 ? pid : -1;
}

/*
 * Feed IN to the child's stdin and collect its output until both are done
 * or the deadline passes.  Returns 0 when everything was written, 1 when
 * the child stopped reading early, -1 on timeout.
 */
static int exchange(int in_fd, int out_fd, const struct buf *in, struct buf *out,
		    int64_t deadline)
{
	size_t off = 0;
	int writing = 1, reading = 1, early = 0;

	if (in->len == 0) {
		close(in_fd);
		writing = 0;
	}
	while (writing || reading) {
		struct pollfd pfd[2];
		int64_t left = deadline - clock_monotonic_ms();
		nfds_t n = 0;
		int wi = -1, ri = -1, r;

		if (left <= 0) {
			if (writing)
				close(in_fd);
			return -1;
		}
		if (writing) {
			pfd[n] = (struct pollfd){ in_fd, POLLOUT, 0 };
			wi = (int)n++;
		}
		if (reading) {
			pfd[n] = (struct pollfd){ out_fd, POLLIN, 0 };
			ri = (int)n++;
		}
		r = poll(pfd, n, (int)(left > 60000 ? 60000 : left));
		if (r < 0 && errno != EINTR) {
			if (writing)
				close(in_fd);
			return -1;
		}
		if (r <= 0)
			continue;
		if (wi >= 0 && pfd[wi].revents != 0) {
			ssize_t w = write(in_fd, in->data + off, in->len - off);

			if (w > 0)
				off += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || off == in->len) {
				early = off < in->len;
				close(in_fd);
				writing = 0;
			}
		}
		if (ri >= 0 && pfd[ri].revents != 0) {
			char chunk[4096];
			ssize_t got = read(out_fd, chunk, sizeof(chunk));

			if (got > 0 && out->len < OUTPUT_MAX)
				buf_append(out, chunk, (size_t)got);
			else if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
				reading = 0;
		}
	}
	return early;
}

/* Reap the child, killing it if it outlives the deadline. */
static int reap(pid_t pid, int64_t deadline, int *timed_out)
{
	int status = 0;

	*timed_out = 0;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (clock_monotonic_ms() >= deadline) {
			*timed_out = 1;
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return status;
		}
		nanosleep(&(struct timespec){ 0, 2 * 1000 * 1000 }, NULL);
	}
}

static enum gw_result sendmail_send(struct transport *base, const char *from,
				    const char *rcpt, const char *data, size_t len,
				    char **reply_r)
{
	struct sendmail_transport *t = (struct sendmail_transport *)base;
	char *argv[] = { t->path, "-i", "-f", (char *)(*from != '\0' ? from : "<>"), "--",
			 (char *)rcpt, NULL };
	struct buf in = BUF_INIT, out = BUF_INIT, reply = BUF_INIT;
	int64_t deadline = clock_monotonic_ms() + (int64_t)t->timeout * 1000;
	int in_pipe[2], out_pipe[2], err, early, status, timed_out;
	enum gw_result res;
	pid_t pid;

	if (pipe2(in_pipe, O_CLOEXEC) < 0) {
		*reply_r = xasprintf("%s: pipe: %s", t->path, strerror(errno));
		return GW_TEMPFAIL;
	}
	if (pipe2(out_pipe, O_CLOEXEC) < 0) {
		*reply_r = xasprintf("%s: pipe: %s", t->path, strerror(errno));
		close(in_pipe[0]);
		close(in_pipe[1]);
		return GW_TEMPFAIL;
	}
	pid = spawn(t, argv, in_pipe[0], out_pipe[1], &err);
	close(in_pipe[0]);
	close(out_pipe[1]);
	if (pid < 0) {
		close(in_pipe[1]);
		close(out_pipe[0]);
		*reply_r = xasprintf("cannot run %s: %s", t->path, strerror(err));
		return GW_TEMPFAIL;
	}
	fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
	transport_append_lf(&in, data, len);
	early = exchange(in_pipe[1], out_pipe[0], &in, &out, deadline);
	close(out_pipe[0]);
	status = reap(pid, early < 0 ? 0 : deadline, &timed_out);

	if (early < 0 || timed_out) {
		buf_printf(&reply, "%s: timed out after %us", t->path, t->timeout);
		res = GW_TEMPFAIL;
	} else if (status < 0) {
		buf_printf(&reply, "%s: waitpid: %s", t->path, strerror(errno));
		res = GW_TEMPFAIL;
	} else if (WIFSIGNALED(status)) {
		buf_printf(&reply, "%s: killed by signal %d", t->path, WTERMSIG(status));
		res = GW_TEMPFAIL;
	} else {
		res = exit_result(status);
		buf_printf(&reply, "%s: exit %d", t->path, WEXITSTATUS(status));
		if (res == GW_OK && early) {
			/* it said yes without reading the message: do not believe it */
			buf_puts(&reply, " before reading the whole message");
			res = GW_TEMPFAIL;
		}
	}
	while (out.len > 0 && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == ' '))
		out.len--;
	if (out.len > 0) {
		buf_puts(&reply, ": ");
		transport_append_printable(&reply, out.data, out.len, 500);
	}
	*reply_r = buf_detach(&reply);
	buf_release(&in);
	buf_release(&out);
	return res;
}

static void sendmail_close(struct transport *base)
{
	struct sendmail_transport *t = (struct sendmail_transport *)base;

	free(t->path);
	free(t);
}

static const struct transport_ops sendmail_ops = { "sendmail", sendmail_send,
						   sendmail_close };

struct transport *transport_sendmail_open(const char *target,
					  const struct transport_settings *set,
					  char **error_r)
{
	struct sendmail_transport *t;
	const char *problem = NULL;
	struct stat st;

	if (target[0] != '/') {
		*error_r = xasprintf("transport: \"sendmail:%s\" needs an absolute path", target);
		return NULL;
	}
	if (stat(target, &st) < 0 || access(target, X_OK) < 0)
		problem = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		problem = "not a regular file";
	if (problem != NULL) {
		*error_r = xasprintf("transport: sendmail program \"%s\": %s", target, problem);
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	t->base.ops = &sendmail_ops;
	t->path = xstrdup(target);
	t->timeout = set->timeout > 0 ? set->timeout : TRANSPORT_DEFAULT_TIMEOUT;
	return &t->base;
}
