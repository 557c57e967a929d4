/*
 * ctl_recipients.c - who gets a thread's emails, from the command line:
 * `thread people` (each contact with their email state, the staff told
 * of the client's replies), `thread follow|unfollow THREAD --by staff:ID`,
 * and the "Nobody will be emailed: ..." line that `message post` (a staff
 * message) and `thread resend` print when no contact gets the email, in
 * the store's words: the web view and the JSON API say the same.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* The sentence for thread (NULL: someone is emailed, or it could not be
 * read: the change is done, the warning is a courtesy); malloc'd. */
char *ctl_nobody_emailed(struct ctl *c, int64_t thread)
{
	struct store_recipients rc;
	char *s = NULL;

	if (store_thread_recipients(c->store, thread, &rc, NULL) == GW_OK) {
		s = rc.nobody_emailed;
		rc.nobody_emailed = NULL;
	}
	store_recipients_clear(&rc);
	return s;
}

static const char *staff_why(const struct store_thread_person *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s", p->assigned ? "assigned" : "",
		 p->assigned && (p->standing_in || p->following) ? ", " : "",
		 p->standing_in ? "nobody is assigned" : "",
		 p->standing_in && p->following ? ", " : "", p->following ? "following" : "");
	return buf;
}

static json_t *json_person(const struct store_thread_person *p)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)p->id, "name", p->name,
			      "email", p->email, "state", store_reach_name(p->reach));

	if (p->kind == STORE_CONTACT) {
		json_object_set_new(o, "bounce_reason", ctl_json_str(p->bounce_reason));
		json_object_set_new(o, "bounced_at", ctl_json_time(p->bounced_at));
		json_object_set_new(o, "removed_at", ctl_json_time(p->removed_at));
		json_object_set_new(o, "switched_at", ctl_json_time(p->notify_changed_at));
	} else {
		json_object_set_new(o, "assigned", json_boolean(p->assigned));
		json_object_set_new(o, "standing_in", json_boolean(p->standing_in));
		json_object_set_new(o, "following", json_boolean(p->following));
	}
	return o;
}

static void people_json(const struct store_recipients *rc, int64_t thread)
{
	json_t *contacts = json_array(), *staff = json_array();

	for (size_t i = 0; i < rc->n_contacts; i++)
		json_array_append_new(contacts, json_person(&rc->contacts[i]));
	for (size_t i = 0; i < rc->n_staff; i++)
		json_array_append_new(staff, json_person(&rc->staff[i]));
	ctl_json_print(json_pack("{s:I, s:o, s:o, s:o}", "thread_id", (json_int_t)thread,
				 "contacts", contacts, "staff", staff, "nobody_emailed",
				 ctl_json_str(rc->nobody_emailed)));
}

static void people_text(const struct store_recipients *rc)
{
	static const char *const chead[] = { "CONTACT", "NAME", "EMAIL", "STATE", "SINCE" };
	static const char *const shead[] = { "STAFF", "NAME", "EMAIL", "EMAILS", "WHY" };
	struct ctl_table t;
	char tbuf[CTL_TIME_MAX], why[80];

	if (rc->nobody_emailed != NULL)
		printf("%s\n\n", rc->nobody_emailed);
	ctl_table_init(&t, GW_ARRAY_SIZE(chead), chead);
	for (size_t i = 0; i < rc->n_contacts; i++) {
		const struct store_thread_person *p = &rc->contacts[i];
		int64_t since = p->reach == STORE_REACH_BOUNCING  ? p->bounced_at
				: p->reach == STORE_REACH_REMOVED ? p->removed_at
				: p->reach == STORE_REACH_EMAILED ? 0
								  : p->notify_changed_at;

		ctl_table_cell(&t, "%lld", (long long)p->id);
		ctl_table_cell(&t, "%s", p->name);
		ctl_table_cell(&t, "%s", p->email);
		if (p->reach == STORE_REACH_BOUNCING)
			ctl_table_cell(&t, "bouncing: %s",
				       p->bounce_reason != NULL ? p->bounce_reason : "no reason given");
		else
			ctl_table_cell(&t, "%s", store_reach_name(p->reach));
		ctl_table_cell(&t, "%s", ctl_time(since, tbuf));
	}
	ctl_table_print(&t, stdout);
	printf("\n");
	ctl_table_init(&t, GW_ARRAY_SIZE(shead), shead);
	for (size_t i = 0; i < rc->n_staff; i++) {
		const struct store_thread_person *p = &rc->staff[i];

		ctl_table_cell(&t, "%lld", (long long)p->id);
		ctl_table_cell(&t, "%s", p->name);
		ctl_table_cell(&t, "%s", p->email);
		ctl_table_cell(&t, "%s", p->reach == STORE_REACH_EMAILED ? "on" : "off");
		ctl_table_cell(&t, "%s", staff_why(p, why, sizeof(why)));
	}
	ctl_table_print(&t, stdout);
}

int ctl_cmd_thread_people(struct ctl *c, const struct ctl_args *a)
{
	struct store_recipients rc;
	char *error = NULL;
	int64_t id;
	enum gw_result r;
	int rcode = ctl_parse_id(c, NULL, "a thread id", a->pos[0], &id);

	if (rcode != 0)
		return rcode;
	r = store_thread_recipients(c->store, id, &rc, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		people_json(&rc, id);
	else
		people_text(&rc);
	store_recipients_clear(&rc);
	return 0;
}

static int follow(struct ctl *c, const struct ctl_args *a, int on)
{
	enum store_kind kind;
	char *error = NULL;
	int64_t thread, staff;
	int changed = 0;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "a thread id", a->pos[0], &thread);
	const char *by = rc == 0 ? ctl_need(c, a, "--by", &rc) : NULL;

	if (by == NULL)
		return rc;
	/* a contact follows nothing: they get every email of their threads */
	rc = ctl_parse_principal(c, "--by", by, 0, 1, &kind, &staff);
	if (rc != 0)
		return rc;
	r = store_thread_follow(c->store, thread, staff, on, &changed, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:I, s:b, s:b}", "thread_id", (json_int_t)thread,
					 "staff_id", (json_int_t)staff, "following", on,
					 "changed", changed));
	else
		printf("thread %lld: staff %lld %s\n", (long long)thread, (long long)staff,
		       on ? "follows it" : "does not follow it");
	return 0;
}

int ctl_cmd_thread_follow(struct ctl *c, const struct ctl_args *a)
{
	return follow(c, a, 1);
}

int ctl_cmd_thread_unfollow(struct ctl *c, const struct ctl_args *a)
{
	return follow(c, a, 0);
}
