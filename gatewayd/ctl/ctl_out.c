/*
 * ctl_out.c - gatewayctl's output: aligned text tables for people, JSON
 * (jansson) for programs, and the JSON shape of records several commands
 * print.  In JSON, ids are numbers (null for "none"), times ISO 8601 UTC
 * strings (null for "never"), flags booleans, kinds lowercase names.
 */
#include "ctl.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"

void ctl_json_print(json_t *v)
{
	if (v == NULL) {
		/* Only allocation failures get here. */
		fputs("gatewayctl: out of memory building JSON\n", stderr);
		exit(EX_TEMPFAIL);
	}
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	fputc('\n', stdout);
	json_decref(v);
}

json_t *ctl_json_time(int64_t t)
{
	char buf[CLOCK_ISO_MAX];

	if (t == 0)
		return json_null();
	return json_string(clock_format(t, buf));
}

json_t *ctl_json_str(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

json_t *ctl_json_id(int64_t id)
{
	return id != 0 ? json_integer((json_int_t)id) : json_null();
}

const char *ctl_time(int64_t t, char buf[CTL_TIME_MAX])
{
	char iso[CLOCK_ISO_MAX];

	if (t == 0)
		return "-";
	/* "2026-11-25T09:30:00Z" -> "2026-11-25 09:30:00" */
	clock_format(t, iso);
	snprintf(buf, CTL_TIME_MAX, "%.10s %.8s", iso, iso + 11);
	return buf;
}

char *ctl_who(enum store_kind kind, int64_t id, const char *name)
{
	if (kind == STORE_SYSTEM)
		return xstrdup("system");
	if (name != NULL && *name != '\0')
		return xasprintf("%s %lld (%s)", store_kind_name(kind), (long long)id, name);
	return xasprintf("%s %lld", store_kind_name(kind), (long long)id);
}

/* ---- tables ---- */

void ctl_table_init(struct ctl_table *t, size_t ncols, const char *const *head)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->head = head;
}

void ctl_table_cell(struct ctl_table *t, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < b.len; i++)
		if (b.data[i] == '\n' || b.data[i] == '\r' || b.data[i] == '\t')
			b.data[i] = ' ';
	if (t->ncells == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->cells = xrealloc(t->cells, t->cap * sizeof(char *));
	}
	t->cells[t->ncells++] = buf_detach(&b);
	t->nrows = (t->ncells + t->ncols - 1) / t->ncols;
}

/* Display width: UTF-8 code points (continuation bytes do not count). */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

static void put_cell(struct buf *line, const char *s, size_t w)
{
	buf_puts(line, s);
	for (size_t n = width(s); n < w + 2; n++)
		buf_putc(line, ' ');
}

/* One line without trailing blanks (an empty last column leaves none). */
static void put_line(FILE *out, struct buf *line)
{
	size_t len = line->len;

	while (len > 0 && line->data[len - 1] == ' ')
		len--;
	fprintf(out, "%.*s\n", (int)len, buf_cstr(line));
	buf_reset(line);
}

void ctl_table_print(struct ctl_table *t, FILE *out)
{
	size_t *w = xcalloc(t->ncols, sizeof(size_t));
	struct buf line = BUF_INIT;

	for (size_t j = 0; j < t->ncols; j++)
		w[j] = width(t->head[j]);
	for (size_t i = 0; i < t->ncells; i++) {
		size_t n = width(t->cells[i]);
		if (n > w[i % t->ncols])
			w[i % t->ncols] = n;
	}
	for (size_t j = 0; j < t->ncols; j++)
		put_cell(&line, t->head[j], w[j]);
	put_line(out, &line);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t j = 0; j < t->ncols; j++) {
			size_t i = r * t->ncols + j;
			put_cell(&line, i < t->ncells ? t->cells[i] : "", w[j]);
		}
		put_line(out, &line);
	}
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(w);
	buf_release(&line);
	memset(t, 0, sizeof(*t));
}

/* ---- records ---- */

json_t *ctl_json_contact(const struct store_contact *k)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(k->id));
	json_object_set_new(o, "account_id", json_integer(k->account_id));
	json_object_set_new(o, "name", json_string(k->name));
	json_object_set_new(o, "email", json_string(k->email));
	json_object_set_new(o, "notify", json_boolean(k->notify));
	json_object_set_new(o, "unsubscribed", json_boolean(k->unsubscribed));
	json_object_set_new(o, "email_state",
			    json_string(store_reach_name(store_contact_reach(k))));
	json_object_set_new(o, "may_create_chats", json_boolean(k->may_create_chats));
	json_object_set_new(o, "email_status",
			    json_string(store_email_status_name(k->email_status)));
	json_object_set_new(o, "bounce_reason", ctl_json_str(k->bounce_reason));
	json_object_set_new(o, "bounced_at", ctl_json_time(k->bounced_at));
	json_object_set_new(o, "generation", json_integer(k->generation));
	json_object_set_new(o, "last_login_at", ctl_json_time(k->last_login_at));
	json_object_set_new(o, "created_at", ctl_json_time(k->created_at));
	json_object_set_new(o, "removed_at", ctl_json_time(k->removed_at));
	/* their automatic reply's return date, while their reminders wait */
	{
		int away = k->away_until != NULL && k->away_resume_at > clock_now();

		json_object_set_new(o, "away_until", ctl_json_str(away ? k->away_until : NULL));
		json_object_set_new(o, "reminders_resume_at",
				    ctl_json_time(away ? k->away_resume_at : 0));
	}
	return o;
}

json_t *ctl_json_staff(const struct store_staff *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(s->id));
	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "email", json_string(s->email));
	json_object_set_new(o, "role", json_string(store_role_name(s->role)));
	json_object_set_new(o, "notify", json_boolean(s->notify));
	json_object_set_new(o, "view_all", json_boolean(s->view_all));
	json_object_set_new(o, "generation", json_integer(s->generation));
	json_object_set_new(o, "created_at", ctl_json_time(s->created_at));
	return o;
}

json_t *ctl_json_reminders(const struct store_reminders *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "enabled", json_boolean(r->enabled));
	json_object_set_new(o, "days", json_integer(r->days));
	json_object_set_new(o, "count", json_integer(r->count));
	json_object_set_new(o, "message_id", ctl_json_id(r->message_id));
	json_object_set_new(o, "anchor_at", ctl_json_time(r->anchor_at));
	json_object_set_new(o, "sent", json_integer(r->sent));
	json_object_set_new(o, "next_due", ctl_json_time(r->next_due));
	json_object_set_new(o, "remaining", json_integer(r->remaining));
	return o;
}

json_t *ctl_json_thread(const struct store_thread *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(t->id));
	json_object_set_new(o, "account_id", json_integer(t->account_id));
	json_object_set_new(o, "account_name", ctl_json_str(t->account_name));
	json_object_set_new(o, "subject", ctl_json_str(t->subject));
	json_object_set_new(o, "created_by_kind",
			    json_string(store_kind_name(t->created_by_kind)));
	json_object_set_new(o, "created_by_id", ctl_json_id(t->created_by_id));
	json_object_set_new(o, "created_at", ctl_json_time(t->created_at));
	json_object_set_new(o, "last_message_at", ctl_json_time(t->last_message_at));
	json_object_set_new(o, "last_notified_at", ctl_json_time(t->last_notified_at));
	json_object_set_new(o, "archived", json_boolean(t->archived));
	json_object_set_new(o, "archived_at", ctl_json_time(t->archived_at));
	json_object_set_new(o, "show_content", json_boolean(t->show_content));
	json_object_set_new(o, "mail_root_id", ctl_json_str(t->mail_root_id));
	json_object_set_new(o, "reminders", ctl_json_reminders(&t->reminders));
	json_object_set_new(o, "message_count", json_integer(t->message_count));
	json_object_set_new(o, "tasks_total", json_integer(t->tasks_total));
	json_object_set_new(o, "tasks_done", json_integer(t->tasks_done));
	return o;
}

json_t *ctl_json_outbox(const struct store_outbox *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "kind", json_string(mail_kind_name(r->kind)));
	json_object_set_new(o, "status", json_string(store_out_status_name(r->status)));
	json_object_set_new(o, "recipient_kind",
			    json_string(store_kind_name(r->recipient_kind)));
	json_object_set_new(o, "recipient_id", ctl_json_id(r->recipient_id));
	json_object_set_new(o, "recipient_address", ctl_json_str(r->recipient_address));
	json_object_set_new(o, "thread_id", ctl_json_id(r->thread_id));
	json_object_set_new(o, "message_id", ctl_json_id(r->message_id));
	json_object_set_new(o, "extra", ctl_json_str(r->extra));
	json_object_set_new(o, "attempts", json_integer(r->attempts));
	json_object_set_new(o, "next_attempt_at", ctl_json_time(r->next_attempt_at));
	json_object_set_new(o, "lease_until", ctl_json_time(r->lease_until));
	json_object_set_new(o, "last_error", ctl_json_str(r->last_error));
	json_object_set_new(o, "created_at", ctl_json_time(r->created_at));
	json_object_set_new(o, "sent_at", ctl_json_time(r->sent_at));
	json_object_set_new(o, "mail_id", ctl_json_str(r->mail_id));
	json_object_set_new(o, "dedup_key", ctl_json_str(r->dedup_key));
	return o;
}
