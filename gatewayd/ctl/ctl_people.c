/*
 * ctl_people.c - gatewayctl commands about who is who: the firm's
 * settings, client accounts, their contacts, staff and chat templates.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ctl.h"
#include "i18n.h"

/* ---- firm ---- */

static void print_firm(struct ctl *c, const struct store_firm_in *f)
{
	if (c->json) {
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(f->name));
		json_object_set_new(o, "allow_client_chats", json_boolean(f->allow_client_chats));
		json_object_set_new(o, "notify_display_name",
				    ctl_json_str(f->notify_display_name));
		ctl_json_print(o);
		return;
	}
	printf("name:                 %s\n", *f->name != '\0' ? f->name : "(not set)");
	printf("client chats:         %s\n", f->allow_client_chats ? "allowed" : "not allowed");
	if (f->notify_display_name != NULL)
		printf("notify display name:  %s\n", f->notify_display_name);
	else
		printf("notify display name:  ([mail] from_name: %s)\n",
		       c->cfg->mail.from_name);
}

int ctl_cmd_firm_set(struct ctl *c, const struct ctl_args *a)
{
	struct store_firm firm = { 0 };
	struct store_firm_in next;
	const char *name = ctl_opt(a, "--name");
	int allow = ctl_flag(a, "--allow-client-chats");
	int deny = ctl_flag(a, "--no-client-chats");
	char *error = NULL;
	enum gw_result r;
	int rc = 0;

	if (allow && deny)
		return ctl_usage(c, "--allow-client-chats and --no-client-chats exclude each other");
	if (name == NULL && !allow && !deny)
		return ctl_usage(c, "--name is required");
	r = store_firm_get(c->store, &firm, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (name == NULL && *firm.name == '\0') {
		store_firm_clear(&firm);
		return ctl_usage(c, "--name is required (the firm has no name yet)");
	}
	next = store_firm_in_of(&firm);
	if (name != NULL)
		next.name = name;
	next.allow_client_chats = allow ? 1 : deny ? 0 : firm.allow_client_chats;
	r = store_firm_set(c->store, &next, &error);
	if (r != GW_OK) {
		rc = ctl_store_fail(c, r, error);
	} else {
		print_firm(c, &next);
	}
	store_firm_clear(&firm);
	return rc;
}

int ctl_cmd_firm_show(struct ctl *c, const struct ctl_args *a)
{
	struct store_firm firm = { 0 };
	char *error = NULL;
	enum gw_result r = store_firm_get(c->store, &firm, &error);
	struct store_firm_in shown;

	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	shown = store_firm_in_of(&firm);
	print_firm(c, &shown);
	store_firm_clear(&firm);
	return 0;
}

/* ---- accounts ---- */

int ctl_cmd_account_add(struct ctl *c, const struct ctl_args *a)
{
	char *error = NULL;
	int64_t id = 0;
	enum gw_result r = store_account_add(c->store, a->pos[0], &id, &error);

	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:s}", "id", (json_int_t)id, "name", a->pos[0]));
	else
		printf("%lld\n", (long long)id);
	return 0;
}

int ctl_cmd_account_list(struct ctl *c, const struct ctl_args *a)
{
	static const char *const head[] = { "ID", "NAME", "CREATED" };
	struct store_account_list list = { 0 };
	char *error = NULL, tbuf[CTL_TIME_MAX];
	enum gw_result r = store_account_list(c->store, 0, &list, &error);

	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < list.count; i++) {
			const struct store_account *x = &list.items[i];

			json_array_append_new(arr, json_pack("{s:I, s:s, s:o}",
				"id", (json_int_t)x->id, "name", x->name,
				"created_at", ctl_json_time(x->created_at)));
		}
		ctl_json_print(arr);
	} else {
		struct ctl_table t;

		ctl_table_init(&t, GW_ARRAY_SIZE(head), head);
		for (size_t i = 0; i < list.count; i++) {
			const struct store_account *x = &list.items[i];

			ctl_table_cell(&t, "%lld", (long long)x->id);
			ctl_table_cell(&t, "%s", x->name);
			ctl_table_cell(&t, "%s", ctl_time(x->created_at, tbuf));
		}
		ctl_table_print(&t, stdout);
	}
	store_account_list_free(&list);
	return 0;
}

/* An account that must exist, for commands that list by account. */
static int need_account(struct ctl *c, const char *arg, int64_t *id_r)
{
	struct store_account acc = { 0 };
	char *error = NULL;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "an account id", arg, id_r);

	if (rc != 0)
		return rc;
	r = store_account_get(c->store, *id_r, &acc, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	store_account_clear(&acc);
	return 0;
}

/* ---- contacts ---- */

int ctl_cmd_contact_add(struct ctl *c, const struct ctl_args *a)
{
	int notify = !ctl_flag(a, "--no-notify");
	int may_create = ctl_flag(a, "--may-create") > 0;
	char *error = NULL;
	int64_t account_id, id = 0;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "an account id", a->pos[0], &account_id);

	if (rc != 0)
		return rc;
	r = store_contact_add(c->store, account_id, a->pos[1], a->pos[2], &id, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	/*
	 * The store adds a contact with notify on and may-create on; the
	 * flags that differ follow in their own transactions.  Should one of
	 * them fail (database busy), the contact exists with the store's
	 * defaults, and the message says which setting is missing.
	 */
	if (!notify) {
		r = store_contact_set_notify(c->store, id, 0, &error);
		if (r != GW_OK) {
			ctl_error(c, ctl_exit_code(r), "contact %lld added, but notify is still on: %s",
				  (long long)id, error);
			free(error);
			return ctl_exit_code(r);
		}
	}
	if (!may_create) {
		r = store_contact_set_may_create(c->store, id, 0, &error);
		if (r != GW_OK) {
			ctl_error(c, ctl_exit_code(r),
				  "contact %lld added, but may still create chats: %s",
				  (long long)id, error);
			free(error);
			return ctl_exit_code(r);
		}
	}
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:I, s:s, s:s, s:b, s:b}",
					 "id", (json_int_t)id,
					 "account_id", (json_int_t)account_id,
					 "name", a->pos[1], "email", a->pos[2],
					 "notify", notify, "may_create_chats", may_create));
	else
		printf("%lld\n", (long long)id);
	return 0;
}

int ctl_cmd_contact_list(struct ctl *c, const struct ctl_args *a)
{
	static const char *const head[] = { "ID", "NAME", "EMAIL", "NOTIFY", "CREATE",
					     "EMAIL-STATUS", "LAST-LOGIN" };
	struct store_contact_list list = { 0 };
	char *error = NULL, tbuf[CTL_TIME_MAX];
	int64_t account_id;
	enum gw_result r;
	int rc = need_account(c, a->pos[0], &account_id);

	if (rc != 0)
		return rc;
	r = store_contact_list(c->store, account_id, &list, &error);
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
			ctl_table_cell(&t, "%s", k->name);
			ctl_table_cell(&t, "%s", k->email);
			ctl_table_cell(&t, "%s", k->notify ? "on" : "off");
			ctl_table_cell(&t, "%s", k->may_create_chats ? "yes" : "no");
			ctl_table_cell(&t, "%s", k->removed_at != 0 ? "removed"
						 : store_email_status_name(k->email_status));
			ctl_table_cell(&t, "%s", ctl_time(k->last_login_at, tbuf));
		}
		ctl_table_print(&t, stdout);
	}
	store_contact_list_free(&list);
	return 0;
}

int ctl_cmd_contact_notify(struct ctl *c, const struct ctl_args *a)
{
	const char *v = a->pos[1];
	char *error = NULL;
	int64_t id;
	enum gw_result r;
	int on, rc = ctl_parse_id(c, NULL, "a contact id", a->pos[0], &id);

	if (rc != 0)
		return rc;
	if (strcmp(v, "on") == 0)
		on = 1;
	else if (strcmp(v, "off") == 0)
		on = 0;
	else
		return ctl_usage(c, "'%s' is not on or off", v);
	r = store_contact_set_notify(c->store, id, on, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:b}", "id", (json_int_t)id, "notify", on));
	else
		printf("contact %lld: emails %s\n", (long long)id, on ? "on" : "off");
	return 0;
}

/* "contact language" and "staff language": set, then show what they read in
 * (NULL: the firm's). */
static int language_cmd(struct ctl *c, const struct ctl_args *a, int contact)
{
	const char *lang = ctl_opt(a, "--language"), *zone = ctl_opt(a, "--timezone");
	char *error = NULL, *cur_lang = NULL, *cur_zone = NULL;
	int64_t id;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, contact ? "a contact id" : "a staff id", a->pos[0], &id);

	if (rc != 0)
		return rc;
	if (lang != NULL || zone != NULL) {
		r = contact ? store_contact_set_locale(c->store, id, lang, zone, &error)
			    : store_staff_set_locale(c->store, id, lang, zone, &error);
		if (r != GW_OK)
			return ctl_store_fail(c, r, error);
	}
	if (contact) {
		struct store_contact k;

		r = store_contact_get(c->store, id, &k, &error);
		if (r != GW_OK)
			return ctl_store_fail(c, r, error);
		cur_lang = k.language != NULL ? xstrdup(k.language) : NULL;
		cur_zone = k.timezone != NULL ? xstrdup(k.timezone) : NULL;
		store_contact_clear(&k);
	} else {
		struct store_staff st;

		r = store_staff_get(c->store, id, &st, &error);
		if (r != GW_OK)
			return ctl_store_fail(c, r, error);
		cur_lang = st.language != NULL ? xstrdup(st.language) : NULL;
		cur_zone = st.timezone != NULL ? xstrdup(st.timezone) : NULL;
		store_staff_clear(&st);
	}
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:o, s:o, s:s, s:s}", "id", (json_int_t)id,
					 "language", ctl_json_str(cur_lang),
					 "timezone", ctl_json_str(cur_zone),
					 "reads_language", cur_lang != NULL ? cur_lang : i18n_default_lang(),
					 "reads_timezone", cur_zone != NULL ? cur_zone : i18n_default_zone()));
	else
		printf("%s %lld: language %s%s, time zone %s%s\n", contact ? "contact" : "staff",
		       (long long)id, cur_lang != NULL ? cur_lang : i18n_default_lang(),
		       cur_lang != NULL ? "" : " (the firm's)",
		       cur_zone != NULL ? cur_zone : i18n_default_zone(),
		       cur_zone != NULL ? "" : " (the firm's)");
	free(cur_lang);
	free(cur_zone);
	return 0;
}

int ctl_cmd_contact_language(struct ctl *c, const struct ctl_args *a)
{
	return language_cmd(c, a, 1);
}

int ctl_cmd_staff_language(struct ctl *c, const struct ctl_args *a)
{
	return language_cmd(c, a, 0);
}

int ctl_cmd_contact_revoke(struct ctl *c, const struct ctl_args *a)
{
	char *error = NULL;
	uint32_t gen = 0;
	int64_t id;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "a contact id", a->pos[0], &id);

	if (rc != 0)
		return rc;
	r = store_contact_bump_generation(c->store, id, &gen, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:I}", "id", (json_int_t)id,
					 "generation", (json_int_t)gen));
	else
		printf("contact %lld: every link revoked (generation %lu)\n", (long long)id,
		       (unsigned long)gen);
	return 0;
}

int ctl_cmd_contact_email(struct ctl *c, const struct ctl_args *a)
{
	struct store_contact k;
	char *error = NULL;
	int64_t id;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "a contact id", a->pos[0], &id);

	if (rc != 0)
		return rc;
	/* The store bumps the generation with the change: links and sessions
	   that went to the old address stop working. */
	r = store_contact_set_email(c->store, id, a->pos[1], &error);
	if (r == GW_OK)
		r = store_contact_get(c->store, id, &k, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(ctl_json_contact(&k));
	else
		printf("contact %lld: address %s, earlier links revoked (generation %lu)\n",
		       (long long)id, k.email, (unsigned long)k.generation);
	store_contact_clear(&k);
	return 0;
}

int ctl_cmd_contact_remove(struct ctl *c, const struct ctl_args *a)
{
	char *error = NULL;
	int64_t id;
	int cancelled = 0;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "a contact id", a->pos[0], &id);

	if (rc != 0)
		return rc;
	r = store_contact_remove(c->store, id, &cancelled, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:b, s:i}", "id", (json_int_t)id, "removed", 1,
					 "emails_cancelled", cancelled));
	else
		printf("contact %lld: removed (messages kept, links revoked, no more emails; "
		       "%d queued email%s cancelled)\n", (long long)id, cancelled,
		       cancelled == 1 ? "" : "s");
	return 0;
}

/* ---- staff ---- */

int ctl_cmd_staff_add(struct ctl *c, const struct ctl_args *a)
{
	const char *role_s = ctl_opt(a, "--role");
	enum store_role role = STORE_ROLE_MEMBER;
	char *error = NULL;
	int64_t id = 0;
	enum gw_result r;

	if (role_s != NULL && store_role_parse(role_s, &role) < 0)
		return ctl_usage(c, "--role: '%s' is not owner, admin or member", role_s);
	r = store_staff_add(c->store, a->pos[0], a->pos[1], role, &id, &error);
	/* audited, so one transaction: added with the right or not at all */
	if (r == GW_OK && ctl_flag(a, "--view-all"))
		r = store_staff_set_view_all(c->store, id, 1, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:s, s:s, s:s, s:b}", "id", (json_int_t)id,
					 "name", a->pos[0], "email", a->pos[1],
					 "role", store_role_name(role), "view_all",
					 ctl_flag(a, "--view-all")));
	else
		printf("%lld\n", (long long)id);
	return 0;
}

int ctl_cmd_staff_set(struct ctl *c, const struct ctl_args *a)
{
	const char *v = ctl_opt(a, "--view-all");
	struct store_staff s = { 0 };
	char *error = NULL;
	int64_t id;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "a staff id", a->pos[0], &id);

	if (rc != 0)
		return rc;
	if (v == NULL)
		return ctl_usage(c, "staff set: nothing to set (--view-all on|off)");
	if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
		return ctl_usage(c, "--view-all: '%s' is not on or off", v);
	r = store_staff_set_view_all(c->store, id, strcmp(v, "on") == 0, &error);
	if (r == GW_OK)
		r = store_staff_get(c->store, id, &s, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(ctl_json_staff(&s));
	else if (s.role != STORE_ROLE_MEMBER)
		printf("staff %lld: view all accounts %s (an %s sees every account anyway)\n",
		       (long long)id, v, store_role_name(s.role));
	else
		printf("staff %lld: view all accounts %s: %s\n", (long long)id, v,
		       s.view_all ? "sees every account" : "sees the accounts assigned to them");
	store_staff_clear(&s);
	return 0;
}

int ctl_cmd_staff_list(struct ctl *c, const struct ctl_args *a)
{
	static const char *const head[] = { "ID", "NAME", "EMAIL", "ROLE", "NOTIFY", "VIEW-ALL" };
	struct store_staff_list list = { 0 };
	char *error = NULL;
	enum gw_result r = store_staff_list(c->store, &list, &error);

	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < list.count; i++)
			json_array_append_new(arr, ctl_json_staff(&list.items[i]));
		ctl_json_print(arr);
	} else {
		struct ctl_table t;

		ctl_table_init(&t, GW_ARRAY_SIZE(head), head);
		for (size_t i = 0; i < list.count; i++) {
			const struct store_staff *s = &list.items[i];

			ctl_table_cell(&t, "%lld", (long long)s->id);
			ctl_table_cell(&t, "%s", s->name);
			ctl_table_cell(&t, "%s", s->email);
			ctl_table_cell(&t, "%s", store_role_name(s->role));
			ctl_table_cell(&t, "%s", s->notify ? "on" : "off");
			ctl_table_cell(&t, "%s", s->role != STORE_ROLE_MEMBER ? "(role)"
						 : s->view_all ? "on" : "off");
		}
		ctl_table_print(&t, stdout);
	}
	store_staff_list_free(&list);
	return 0;
}

int ctl_cmd_staff_assign(struct ctl *c, const struct ctl_args *a)
{
	char *error = NULL;
	int64_t staff_id, account_id;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "a staff id", a->pos[0], &staff_id);

	if (rc == 0)
		rc = ctl_parse_id(c, NULL, "an account id", a->pos[1], &account_id);
	if (rc != 0)
		return rc;
	r = store_staff_assign(c->store, staff_id, account_id, 1, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:I, s:b}", "staff_id", (json_int_t)staff_id,
					 "account_id", (json_int_t)account_id, "assigned", 1));
	else
		printf("staff %lld: assigned to account %lld\n", (long long)staff_id,
		       (long long)account_id);
	return 0;
}

/* ---- templates ---- */

int ctl_cmd_template_add(struct ctl *c, const struct ctl_args *a)
{
	char *error = NULL;
	enum gw_result r;
	int rc = 0;
	const char *subject = ctl_need(c, a, "--subject", &rc);
	const char *body = subject != NULL ? ctl_need(c, a, "--body", &rc) : NULL;

	size_t n_tasks = 0;
	char *const *task = ctl_opt_all(a, "--task", &n_tasks);
	struct buf tasks = BUF_INIT;

	if (body == NULL)
		return rc;
	/* one a line, as the store keeps them; a line break inside one task
	   would make two, so it is refused */
	for (size_t i = 0; i < n_tasks; i++) {
		if (strpbrk(task[i], "\r\n") != NULL) {
			buf_release(&tasks);
			return ctl_usage(c, "--task %zu: a task is one line", i + 1);
		}
		buf_printf(&tasks, "%s%s", i > 0 ? "\n" : "", task[i]);
	}
	r = store_template_save(c->store, a->pos[0], subject, body,
				n_tasks > 0 ? buf_cstr(&tasks) : NULL, &error);
	buf_release(&tasks);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:s, s:s, s:s}", "name", a->pos[0],
					 "subject", subject, "body", body));
	else
		printf("template \"%s\" saved\n", a->pos[0]);
	return 0;
}

int ctl_cmd_template_remove(struct ctl *c, const struct ctl_args *a)
{
	char *error = NULL;
	enum gw_result r = store_template_delete(c->store, a->pos[0], &error);

	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:s, s:b}", "name", a->pos[0], "removed", 1));
	else
		printf("template \"%s\" removed\n", a->pos[0]);
	return 0;
}

int ctl_cmd_template_list(struct ctl *c, const struct ctl_args *a)
{
	static const char *const head[] = { "ID", "NAME", "SUBJECT" };
	struct store_template_list list = { 0 };
	char *error = NULL;
	enum gw_result r = store_template_list(c->store, &list, &error);

	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < list.count; i++) {
			const struct store_template *x = &list.items[i];

			json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:s}",
				"id", (json_int_t)x->id, "name", x->name,
				"subject", x->subject, "body", x->body, "tasks", x->tasks));
		}
		ctl_json_print(arr);
	} else {
		struct ctl_table t;

		ctl_table_init(&t, GW_ARRAY_SIZE(head), head);
		for (size_t i = 0; i < list.count; i++) {
			const struct store_template *x = &list.items[i];

			ctl_table_cell(&t, "%lld", (long long)x->id);
			ctl_table_cell(&t, "%s", x->name);
			ctl_table_cell(&t, "%s", x->subject);
		}
		ctl_table_print(&t, stdout);
	}
	store_template_list_free(&list);
	return 0;
}
