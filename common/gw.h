/*
 * gw.h - result codes shared by every gatewayd module.
 *
 * Functions that can only succeed or fail return 0 / -1.  Where the caller
 * must branch on the kind of failure they return enum gw_result, which maps
 * straight onto SMTP reply classes and sysexits:
 *
 *   GW_OK        2xx, exit 0
 *   GW_TEMPFAIL  4xx, exit 75 (database busy, disk full, out of memory)
 *   GW_PERMFAIL  5xx, exit 65 for the CLI (bad data, constraint broken)
 *   GW_NOTFOUND  an id that does not exist (CLI exit 65, HTTP 404)
 *   GW_INVALID   bad argument from the caller (CLI exit 64, HTTP 400)
 */
#ifndef GW_H
#define GW_H

/*
 * Exit codes are those of <sysexits.h> (EX_OK, EX_USAGE, EX_DATAERR,
 * EX_TEMPFAIL, EX_CONFIG, ...), spelled the same in every program; Postfix
 * and systemd read them.
 */
#include <sysexits.h>

enum gw_result {
	GW_OK = 0,
	GW_TEMPFAIL = 1,
	GW_PERMFAIL = 2,
	GW_NOTFOUND = 3,
	GW_INVALID = 4,
};

const char *gw_result_name(enum gw_result r);

/*
 * Rules every layer checks the same way (config, store, schema, web view,
 * API, gatewayctl): reminders go out every 1..GW_REMINDER_DAYS_MAX days
 */
#define GW_REMINDER_DAYS_MAX 365
/* ... and at most GW_REMINDER_COUNT_MAX of them per staff message. */
#define GW_REMINDER_COUNT_MAX 50

/*
 * Our loop header: every mail we send carries it with the reply domain as
 * its value; the inbound side drops any message that carries it.
 */
#define GW_LOOP_HEADER "X-Gatewayd-Loop"

/* The decimal spelling of a numeric macro, for SQL and HTML text. */
#define GW_STR(x) GW_STR_(x)
#define GW_STR_(x) #x

#define GW_UNUSED(x) ((void)(x))
#define GW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define GW_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define GW_PRINTF(f, a)
#endif

#endif
