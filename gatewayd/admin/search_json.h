/*
 * search_json.h - a search result as the JSON API (GET /api/v1/search)
 * and `gatewayctl --json search` both show it.
 */
#ifndef GW_SEARCH_JSON_H
#define GW_SEARCH_JSON_H

#include <jansson.h>

#include "search.h"

/*
 * One hit (a new reference).  thread is the hit's thread as the caller
 * writes threads, last_at its last message's time in the caller's time
 * format; both references are stolen.
 */
json_t *search_json_hit(const struct store_search_hit *h, json_t *thread, json_t *last_at);

#endif
