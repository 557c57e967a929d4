/*
 * pipe_exit.h - how gatewayd-pipe (pipe_front.c) and gatewayd-pipe-local
 * (pipe.c) leave when something goes wrong.
 *
 * pipe(8) bounces a message to its sender for any status but 0 and 75,
 * and a bounce to whoever wrote to a reply address is the backscatter
 * both programs exist to avoid: so a defer, a crash signal, an abort and
 * the alarm all end in one "4.x.x WHY" line on stdout and exit 75.
 *
 * libc and gw_common's buf and log only: the front links nothing else.
 */
#ifndef GW_PIPE_EXIT_H
#define GW_PIPE_EXIT_H

#include <stdarg.h>

/*
 * pipe(8) bounces when its command runs past <transport>_time_limit
 * (default 1000s), so both programs give up first, and defer.
 */
#define PIPE_ALARM_SECONDS 300

/* Longest "4.x.x ..." line; Postfix keeps about this much of the output. */
#define PIPE_REPLY_MAX 400

/*
 * Turn SIGALRM ("timed out"), SIGTERM, SIGHUP, SIGINT and the crash signals
 * into a line on stdout and exit 75; ignore SIGPIPE.  ABORT_LINE is written
 * for SIGABRT, CRASH_LINE for the others: whole lines ending in "\n",
 * static strings (the handler reads them).  Under AddressSanitizer the
 * crash signals and SIGABRT are left to it.
 */
void pipe_catch_signals(const char *abort_line, const char *crash_line);

/*
 * PREFIX then FMT as one line for Postfix on stdout (control characters
 * blanked, cut to PIPE_REPLY_MAX), logged with log_warn() without its
 * 6-byte status code, and exit 75 at once: whatever is open or allocated
 * goes with the process, and nothing half-done is committed.  The reply
 * comes first so that it is what Postfix reads even when -v sends the log
 * to the same output.
 */
void __attribute__((noreturn)) pipe_vdefer(const char *prefix, const char *fmt, va_list ap);

/* pipe(8) spells the null sender "MAILER-DAEMON" unless null_sender= is set. */
const char *pipe_envelope_sender(const char *s);

#endif
