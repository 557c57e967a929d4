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

enum gw_result {
	GW_OK = 0,
	GW_TEMPFAIL = 1,
	GW_PERMFAIL = 2,
	GW_NOTFOUND = 3,
	GW_INVALID = 4,
};

const char *gw_result_name(enum gw_result r);

#define GW_UNUSED(x) ((void)(x))
#define GW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define GW_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define GW_PRINTF(f, a)
#endif

#endif
