/*
 * api_recipients.c - who gets a thread's emails, for integrators: GET
 * /threads/ID/recipients (each contact with their email state, the staff
 * told of the client's replies, and nobody_emailed), the nobody_emailed
 * field added to a staff message's and a resend's response, and POST
 * /threads/ID/follow and /unfollow for a staff member.
 *
 * nobody_emailed is null when a contact will be emailed; otherwise the
 * sentence the web view shows above its reply form and gatewayctl prints
 * ("Nobody will be emailed: Anna unsubscribed, Ben has notifications
 * off"), the store's words (store_nobody_emailed).
 */
#include <stdlib.h>

#include "api_int.h"
#include "clock.h"

static json_t *json_person(const struct store_thread_person *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(p->id));
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "email", json_string(p->email));
	json_object_set_new(o, "state", json_string(store_reach_name(p->reach)));
	if (p->kind == STORE_CONTACT) {
		json_object_set_new(o, "bounce_reason", api_json_str(p->bounce_reason));
		json_object_set_new(o, "bounced_at", api_json_time(p->bounced_at));
		json_object_set_new(o, "removed_at", api_json_time(p->removed_at));
		json_object_set_new(o, "switched_at", api_json_time(p->notify_changed_at));
		json_object_set_new(o, "away_until",
				    p->away_until != NULL && p->away_resume_at > clock_now()
					    ? json_string(p->away_until) : json_null());
	} else {
		json_object_set_new(o, "assigned", json_boolean(p->assigned));
		json_object_set_new(o, "standing_in", json_boolean(p->standing_in));
		json_object_set_new(o, "following", json_boolean(p->following));
	}
	return o;
}

json_t *api_json_recipients(const struct store_recipients *rc)
{
	json_t *o = json_object(), *contacts = json_array(), *staff = json_array();

	for (size_t i = 0; i < rc->n_contacts; i++)
		json_array_append_new(contacts, json_person(&rc->contacts[i]));
	for (size_t i = 0; i < rc->n_staff; i++)
		json_array_append_new(staff, json_person(&rc->staff[i]));
	json_object_set_new(o, "contacts", contacts);
	json_object_set_new(o, "contacts_emailed", json_integer((json_int_t)rc->contacts_emailed));
	json_object_set_new(o, "staff", staff);
	json_object_set_new(o, "nobody_emailed", api_json_str(rc->nobody_emailed));
	return o;
}

int api_add_nobody_emailed(struct api_req *r, json_t *o, int64_t thread_id)
{
	struct store_recipients rc;
	char *error = NULL;
	enum gw_result res = store_thread_recipients(r->store, thread_id, &rc, &error);

	if (res != GW_OK) {
		json_decref(o);
		api_fail(r, res, error, NULL);
		return -1;
	}
	json_object_set_new(o, "nobody_emailed", api_json_str(rc.nobody_emailed));
	store_recipients_clear(&rc);
	return 0;
}

void api_threads_recipients(struct api_req *r)
{
	static const char *const none[] = { NULL };
	struct store_recipients rc;
	char *error = NULL;
	enum gw_result res;

	if (api_query_only(r, none) < 0)
		return;
	res = store_thread_recipients(r->store, r->ids[0], &rc, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, NULL);
		return;
	}
	api_reply(r, 200, api_json_recipients(&rc));
	store_recipients_clear(&rc);
}

static void follow(struct api_req *r, int on)
{
	static const char *const fields[] = { "by_staff", NULL };
	int64_t staff = 0;
	int changed = 0;
	char *error = NULL;
	enum gw_result res;

	if (api_body_only(r, fields) < 0 || api_get_id(r, r->body, "by_staff", 1, &staff) < 0 ||
	    api_check_actor(r, r->ids[0], STORE_STAFF, staff, "by_staff") < 0)
		return;
	res = store_thread_follow(r->store, r->ids[0], staff, on, &changed, &error);
	if (res != GW_OK) {
		api_fail(r, res, error, "by_staff");
		return;
	}
	api_reply(r, 200, json_pack("{s:I, s:I, s:b, s:b}", "thread_id", (json_int_t)r->ids[0],
				    "staff_id", (json_int_t)staff, "following", on,
				    "changed", changed));
}

void api_threads_follow(struct api_req *r)
{
	follow(r, 1);
}

void api_threads_unfollow(struct api_req *r)
{
	follow(r, 0);
}
