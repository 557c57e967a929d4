/*
 * webhook_json.c - webhook endpoints in JSON (see webhook_json.h).
 */
#include "webhook_json.h"

#include "webhook.h"

json_t *webhook_json_events(unsigned mask)
{
	json_t *arr = json_array();

	for (unsigned bit = 1; bit <= WEBHOOK_EVENTS_ALL; bit <<= 1)
		if ((mask & bit) != 0 && webhook_event_name(bit) != NULL)
			json_array_append_new(arr, json_string(webhook_event_name(bit)));
	return arr;
}
