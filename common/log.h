/*
 * log.h - one line per event, module first: "relay: outbox 12 to a@b: sent".
 *
 * Messages go to stderr (default) or syslog.  Lines below the configured
 * level are dropped before formatting.  Safe to call from several threads.
 * Libraries (store, inbound parsing) do not log; their callers do.
 */
#ifndef GW_LOG_H
#define GW_LOG_H

#include "gw.h"

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* ident is the program name used by syslog and as the stderr prefix. */
void log_init(const char *ident, enum log_level level, int use_syslog);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "error", "warn"/"warning", "info", "debug"; -1 if unknown. */
int log_level_parse(const char *s, enum log_level *level_r);
/* Reopen the output (SIGHUP).  For stderr this is a no-op. */
void log_reopen(void);

void log_msg(enum log_level level, const char *fmt, ...) GW_PRINTF(2, 3);
#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* Print "ident: fatal: ..." and exit(code).  Start-up only. */
void fatal(int code, const char *fmt, ...) GW_PRINTF(2, 3) __attribute__((noreturn));

#endif
