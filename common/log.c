/*
 * log.c - one line per event to stderr or syslog (facility mail).
 *
 * Each line is formatted completely and then written with a single write(2),
 * so lines from several threads never interleave.  Control characters in a
 * message (a header value, an address) become spaces: one event, one line.
 * Under systemd the journal stamps stderr lines itself, so no timestamp is
 * added here.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

static char log_ident[64];
static _Atomic int log_level = LOG_LVL_INFO;
static _Atomic int log_syslog;

static const char *ident(void)
{
	if (log_ident[0] != '\0')
		return log_ident;
	return program_invocation_short_name;
}

void log_init(const char *id, enum log_level level, int use_syslog)
{
	snprintf(log_ident, sizeof(log_ident), "%s", id != NULL ? id : "gatewayd");
	atomic_store(&log_level, (int)level);
	if (log_syslog)
		closelog();
	atomic_store(&log_syslog, use_syslog ? 1 : 0);
	if (use_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void log_set_level(enum log_level level)
{
	atomic_store(&log_level, (int)level);
}

enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load(&log_level);
}

int log_level_parse(const char *s, enum log_level *level_r)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {
		{ "error", LOG_LVL_ERROR }, { "warn", LOG_LVL_WARN },
		{ "warning", LOG_LVL_WARN }, { "info", LOG_LVL_INFO },
		{ "debug", LOG_LVL_DEBUG },
	};

	if (s == NULL)
		return -1;
	for (size_t i = 0; i < GW_ARRAY_SIZE(names); i++) {
		if (strcasecmp(s, names[i].name) == 0) {
			*level_r = names[i].level;
			return 0;
		}
	}
	return -1;
}

void log_reopen(void)
{
	if (log_syslog) {
		closelog();
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
	}
}

static int syslog_priority(enum log_level level)
{
	switch (level) {
	case LOG_LVL_ERROR: return LOG_ERR;
	case LOG_LVL_WARN: return LOG_WARNING;
	case LOG_LVL_INFO: return LOG_INFO;
	case LOG_LVL_DEBUG: return LOG_DEBUG;
	}
	return LOG_INFO;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static size_t format_line(char *line, size_t size, const char *prefix,
			  const char *fmt, va_list ap) GW_PRINTF(4, 0);

/* Format "prefix" + message into line; returns its length (no newline). */
static size_t format_line(char *line, size_t size, const char *prefix,
			  const char *fmt, va_list ap)
{
	size_t off = 0;
	int n;

	n = snprintf(line, size, "%s", prefix);
	if (n > 0)
		off = (size_t)n < size ? (size_t)n : size - 1;
	n = vsnprintf(line + off, size - off, fmt, ap);
	if (n > 0)
		off += (size_t)n < size - off ? (size_t)n : size - off - 1;
	for (size_t i = 0; i < off; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c == 0x7f)
			line[i] = ' ';
	}
	return off;
}

static void log_emit(enum log_level level, int fatal_line, const char *fmt, va_list ap)
	GW_PRINTF(3, 0);

static void log_emit(enum log_level level, int fatal_line, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX + 2];
	char prefix[96];
	size_t len;
	int saved_errno = errno;

	if (log_syslog) {
		len = format_line(line, LOG_LINE_MAX, fatal_line ? "fatal: " : "",
				  fmt, ap);
		syslog(fatal_line ? LOG_CRIT : syslog_priority(level), "%.*s",
		       (int)len, line);
	} else {
		snprintf(prefix, sizeof(prefix), "%s: %s", ident(),
			 fatal_line ? "fatal: " : "");
		len = format_line(line, LOG_LINE_MAX, prefix, fmt, ap);
		line[len++] = '\n';
		write_all(STDERR_FILENO, line, len);
	}
	errno = saved_errno;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if ((int)level > atomic_load(&log_level))
		return;
	va_start(ap, fmt);
	log_emit(level, 0, fmt, ap);
	va_end(ap);
}

void fatal(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_ERROR, 1, fmt, ap);
	va_end(ap);
	/* With syslog on, also tell whoever started us (systemd shows it). */
	if (log_syslog) {
		char line[LOG_LINE_MAX + 2];
		char prefix[96];
		size_t len;

		snprintf(prefix, sizeof(prefix), "%s: fatal: ", ident());
		va_start(ap, fmt);
		len = format_line(line, LOG_LINE_MAX, prefix, fmt, ap);
		va_end(ap);
		line[len++] = '\n';
		write_all(STDERR_FILENO, line, len);
	}
	exit(code);
}
