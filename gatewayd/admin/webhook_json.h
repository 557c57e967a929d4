/*
 * webhook_json.h - webhook endpoints as the JSON API and `gatewayctl
 * --json webhook list` both show them.
 */
#ifndef GW_WEBHOOK_JSON_H
#define GW_WEBHOOK_JSON_H

#include <jansson.h>

/* An endpoint's subscription as an array of event names, in bit order
   (a new reference). */
json_t *webhook_json_events(unsigned mask);

#endif
