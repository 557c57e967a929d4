/*
 * gw.c - names of the result codes shared by every module (see gw.h).
 */
#include "gw.h"

const char *gw_result_name(enum gw_result r)
{
	switch (r) {
	case GW_OK:
		return "ok";
	case GW_TEMPFAIL:
		return "temporary failure";
	case GW_PERMFAIL:
		return "permanent failure";
	case GW_NOTFOUND:
		return "not found";
	case GW_INVALID:
		return "invalid argument";
	}
	return "unknown result";
}
