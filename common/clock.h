/*
 * clock.h - the one source of "now" for every rule in gatewayd.
 *
 * Times are Unix seconds (int64_t, UTC).  Tests and `gatewayctl tick --now`
 * pin the clock with clock_set(); clock_set(0) returns to the system clock.
 * The pinned value is process-wide and not thread-local: set it before
 * starting threads.
 */
#ifndef GW_CLOCK_H
#define GW_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t clock_now(void);
void clock_set(int64_t t);

/* Milliseconds from a monotonic clock, for timeouts and benchmarks only. */
int64_t clock_monotonic_ms(void);

/*
 * Parse "2026-11-25", "2026-11-25T09:30", "2026-11-25T09:30:00",
 * optionally followed by "Z" or "+01:00"; a time without zone is UTC.
 * Also accepts "@SECONDS".  Returns 0, or -1 on anything else.
 */
int clock_parse(const char *s, int64_t *t_r);

/* "2026-11-25T09:30:00Z"; buf must hold CLOCK_ISO_MAX bytes (room for
 * six ints as the compiler sees them, so that no build warns). */
#define CLOCK_ISO_MAX 80
const char *clock_format(int64_t t, char buf[CLOCK_ISO_MAX]);

/* RFC 5322 date in UTC: "Wed, 25 Nov 2026 09:30:00 +0000". */
#define CLOCK_RFC5322_MAX 96
const char *clock_format_rfc5322(int64_t t, char buf[CLOCK_RFC5322_MAX]);

#define CLOCK_DAY 86400

#endif
