/*
 * ctl_tasks.c - gatewayctl changes the checklist of an existing thread:
 *   task add THREAD_ID --text TEXT [--by staff:ID]
 *   task edit TASK_ID --text TEXT [--by staff:ID]
 *   task remove TASK_ID [--by staff:ID]
 *   task move TASK_ID --position N [--by staff:ID]
 * Without --by the change is the firm's own (the note in the thread says
 * "through the firm's tools"); with it, that staff member's, who must see
 * the account.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"

/* --by staff:ID, or 0 for the firm.  0 or EX_USAGE. */
static int staff_by(struct ctl *c, const struct ctl_args *a, int64_t *staff_r)
{
	const char *by = ctl_opt(a, "--by");
	enum store_kind kind;

	*staff_r = 0;
	if (by == NULL)
		return 0;
	return ctl_parse_principal(c, "--by", by, 0, 1, &kind, staff_r);
}

static int print_task(struct ctl *c, const char *verb, int64_t task_id, int changed)
{
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:s, s:b}", "id", (json_int_t)task_id,
					 "change", verb, "changed", changed));
	else if (changed)
		printf("task %lld: %s\n", (long long)task_id, verb);
	else
		printf("task %lld: unchanged\n", (long long)task_id);
	return 0;
}

int ctl_cmd_task_add(struct ctl *c, const struct ctl_args *a)
{
	char *error = NULL;
	int64_t thread, staff, id = 0;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "a thread id", a->pos[0], &thread);
	const char *text = rc == 0 ? ctl_need(c, a, "--text", &rc) : NULL;

	if (text == NULL || (rc = staff_by(c, a, &staff)) != 0)
		return rc;
	r = store_task_create(c->store, thread, staff, text, &id, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	if (c->json)
		ctl_json_print(json_pack("{s:I, s:I, s:s}", "id", (json_int_t)id, "thread_id",
					 (json_int_t)thread, "text", text));
	else
		printf("task %lld: added to thread %lld\n", (long long)id, (long long)thread);
	return 0;
}

int ctl_cmd_task_edit(struct ctl *c, const struct ctl_args *a)
{
	char *error = NULL;
	int64_t task, staff;
	int changed = 0;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "a task id", a->pos[0], &task);
	const char *text = rc == 0 ? ctl_need(c, a, "--text", &rc) : NULL;

	if (text == NULL || (rc = staff_by(c, a, &staff)) != 0)
		return rc;
	r = store_task_edit(c->store, 0, task, staff, text, &changed, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	return print_task(c, "edited", task, changed);
}

int ctl_cmd_task_remove(struct ctl *c, const struct ctl_args *a)
{
	char *error = NULL;
	int64_t task, staff;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "a task id", a->pos[0], &task);

	if (rc != 0 || (rc = staff_by(c, a, &staff)) != 0)
		return rc;
	r = store_task_remove(c->store, 0, task, staff, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	return print_task(c, "removed", task, 1);
}

int ctl_cmd_task_move(struct ctl *c, const struct ctl_args *a)
{
	char *error = NULL;
	int64_t task, staff, position = 0;
	int changed = 0;
	enum gw_result r;
	int rc = ctl_parse_id(c, NULL, "a task id", a->pos[0], &task);
	const char *pos = rc == 0 ? ctl_need(c, a, "--position", &rc) : NULL;

	if (pos == NULL || (rc = ctl_parse_int(c, "--position", pos, 1, STORE_TASKS_MAX,
					       &position)) != 0 ||
	    (rc = staff_by(c, a, &staff)) != 0)
		return rc;
	r = store_task_move(c->store, 0, task, staff, (int)position, &changed, &error);
	if (r != GW_OK)
		return ctl_store_fail(c, r, error);
	return print_task(c, "moved", task, changed);
}
