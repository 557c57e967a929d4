/*
 * ctl_bounce.c - contacts whose address bounces: `contact show` (with
 * "bouncing since DATE because REASON"), `contact bouncing` (every such
 * contact) and `contact clear-bounce` (emails again).  Who may be marked
 * is decided by the inbound path (mta-hooks/decide.h); here staff read and
 * undo it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "ctl.h"

/* "bouncing since 2026-11-25 09:30:00 because 5.1.1 ..." or "ok". */
static void print_status(const struct store_contact *k)
{
	char tbuf[CTL_TIME_MAX];

	if (k->email_status != STORE_EMAIL_BOUNCING) {
		printf("%s", store_email_status_name(k->email_status));
		return;
	}
	printf("bouncing since %s because %s", ctl_time(k->bounced_at, tbuf),
	       k->bounce_reason != NULL && k->bounce_reason[0] != '\0' ? k->bounce_reason
								     : "(no reason given)");
}

int ctl_cmd_contact_show(struct ctl *c, const struct ctl_args *a)
{
	struct store_contact k = { 0 };
	struct store_account acc = { 0 };
	char *error = NULL, tbuf[CTL_TIME_MAX];
	int64_t id;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "a contact id", a->pos[0], &id);

	if (rc != 0)
		return rc;
	r = store_contact_get(c->store, id, &k, &error);
	if (r == GW_OK)
		r = store_account_get(c->store, k.account_id, &acc, &error);
	if (r != GW_OK) {
		store_contact_clear(&k);
		return ctl_store_fail(c, r, error);
	}
	if (c->json) {
		ctl_json_print(ctl_json_contact(&k));
	} else {
		printf("contact %lld: %s <%s>\n", (long long)k.id, k.name, k.email);
		printf("account:      %lld %s\n", (long long)acc.id, acc.name);
		printf("notify:       %s", k.notify ? "on" : k.unsubscribed ? "off (unsubscribed)" : "off");
		if (!k.notify && k.notify_changed_at != 0)
			printf(" since %s", ctl_time(k.notify_changed_at, tbuf));
		printf("\n");
		printf("may create:   %s\n", k.may_create_chats ? "yes" : "no");
		printf("email status: ");
		print_status(&k);
		printf("\nlast login:   %s\n", ctl_time(k.last_login_at, tbuf));
		/* their out-of-office reply's date, while reminders to them wait */
		if (k.away_until != NULL && k.away_resume_at > clock_now())
			printf("away until:   %s (reminded again from %s)\n", k.away_until,
			       ctl_time(k.away_resume_at, tbuf));
	}
	store_account_clear(&acc);
	store_contact_clear(&k);
	return 0;
}

int ctl_cmd_contact_bouncing(struct ctl *c, const struct ctl_args *a)
{
	static const char *const head[] = { "ID", "ACCOUNT", "NAME", "EMAIL", "SINCE", "REASON" };
	struct store_contact_list list = { 0 };
	char *error = NULL, tbuf[CTL_TIME_MAX];
	enum gw_result r;

	(void)a;
	r = store_contacts_bouncing(c->store, 0, &list, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < list.count; i++)
			json_array_append_new(arr, ctl_json_contact(&list.items[i]));
		ctl_json_print(arr);
	} else {
		struct ctl_table t;

		ctl_table_init(&t, GW_ARRAY_SIZE(head), head);
		for (size_t i = 0; i < list.count; i++) {
			const struct store_contact *k = &list.items[i];

			ctl_table_cell(&t, "%lld", (long long)k->id);
			ctl_table_cell(&t, "%lld", (long long)k->account_id);
			ctl_table_cell(&t, "%s", k->name);
			ctl_table_cell(&t, "%s", k->email);
			ctl_table_cell(&t, "%s", ctl_time(k->bounced_at, tbuf));
			ctl_table_cell(&t, "%s", k->bounce_reason != NULL ? k->bounce_reason : "");
		}
		ctl_table_print(&t, stdout);
	}
	store_contact_list_free(&list);
	return 0;
}

int ctl_cmd_contact_clear_bounce(struct ctl *c, const struct ctl_args *a)
{
	char *error = NULL;
	int64_t id;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "a contact id", a->pos[0], &id);

	if (rc != 0)
		return rc;
	r = store_contact_clear_bounce(c->store, id, 0, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:s}", "id", (json_int_t)id, "email_status", "ok"));
	else
		printf("contact %lld: email status ok, emails go out again\n", (long long)id);
	return 0;
}
