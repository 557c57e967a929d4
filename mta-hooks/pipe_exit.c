/*
 * pipe_exit.c - the ways out of gatewayd-pipe and gatewayd-pipe-local
 * (see pipe_exit.h).
 */
#include "pipe_exit.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "gw.h"
#include "log.h"

static const char alarm_line[] = "4.3.0 gatewayd-pipe: timed out, will retry\n";
static const char *abort_text, *crash_text;
static size_t abort_len, crash_len;

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Async-signal-safe: fixed text, write(2), _exit(2). */
static void on_fatal_signal(int sig)
{
	if (sig == SIGABRT)
		write_all(STDOUT_FILENO, abort_text, abort_len);
	else if (sig == SIGALRM)
		write_all(STDOUT_FILENO, alarm_line, sizeof(alarm_line) - 1);
	else
		write_all(STDOUT_FILENO, crash_text, crash_len);
	_exit(EX_TEMPFAIL);
}

void pipe_catch_signals(const char *abort_line, const char *crash_line)
{
	struct sigaction sa;
	/* Under AddressSanitizer its own handlers report the crash, and an
	   abort (abort_on_error) must stay visible as one. */
#if defined(__SANITIZE_ADDRESS__)
	static const int sigs[] = { SIGALRM, SIGTERM, SIGHUP, SIGINT };
#else
	static const int sigs[] = { SIGABRT, SIGALRM, SIGTERM, SIGHUP, SIGINT,
				    SIGSEGV, SIGBUS,  SIGFPE,  SIGILL, SIGXCPU, SIGXFSZ };
#endif

	abort_text = abort_line;
	abort_len = strlen(abort_line);
	crash_text = crash_line;
	crash_len = strlen(crash_line);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < GW_ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

void pipe_vdefer(const char *prefix, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, prefix);
	buf_vprintf(&b, fmt, ap);
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7f)
			b.data[i] = ' ';
	if (b.len > PIPE_REPLY_MAX)
		buf_truncate(&b, PIPE_REPLY_MAX);
	buf_putc(&b, '\n');
	write_all(STDOUT_FILENO, b.data, b.len);
	buf_truncate(&b, b.len - 1);
	log_warn("pipe: deferred: %s", b.len > 6 ? b.data + 6 : "");
	_exit(EX_TEMPFAIL);
}

const char *pipe_envelope_sender(const char *s)
{
	if (strcasecmp(s, "MAILER-DAEMON") == 0 || strcmp(s, "<>") == 0)
		return "";
	return s;
}
