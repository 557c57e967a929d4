/*
 * test_relay_marks.c - acknowledgements marked sent in batches: the
 * window between a server's 250 and the commit (a crash there re-sends
 * with the same Message-ID after the lease, and loses nothing), a full
 * list flushed before it grows, rows that left "sending" meanwhile.  Part
 * of the test_relay program.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "relay_int.h"

#include "relay_fixture.h"

static void claim(struct fx *f, int64_t now, struct store_outbox_list *list)
{
	char *error = NULL;

	if (store_outbox_claim(f->store, now, f->cfg->mail.lease, 100, list, &error) != GW_OK)
		fail_msg("claim: %s", error);
}

static void expect_counts(struct fx *f, int64_t sending, int64_t sent, const char *when)
{
	struct store_outbox_counts c;
	char *error = NULL;

	if (store_outbox_counts(f->store, &c, &error) != GW_OK)
		fail_msg("counts: %s", error);
	if (c.sending != sending || c.sent != sent)
		fail_msg("%s: sending=%" PRId64 " sent=%" PRId64 ", want %" PRId64 " and %" PRId64,
			 when, c.sending, c.sent, sending, sent);
}

/*
 * The window of the batched marks: a crash after the server's 250 but
 * before the flush leaves the rows "sending"; nobody claims them within
 * their lease, and after it they go out a second time with the same
 * Message-IDs.  Nothing is lost.  A flush that comes late still marks them.
 */
void test_relay_marks_window(void **state)
{
	struct fx *f = *state;
	struct transport *t = open_transport(f->cfg);
	struct relay_marks first = RELAY_MARKS_INIT, second = RELAY_MARKS_INIT;
	struct store_outbox_list claimed = { NULL, 0 }, again = { NULL, 0 };
	struct buf scratch = BUF_INIT;
	struct relay_settings rs;
	struct relay_report rep;
	char **paths;
	size_t n;

	relay_settings_init(&rs, f->cfg, f->keys);
	memset(&rep, 0, sizeof(rep));
	fx_chat(f, 0);
	claim(f, T0, &claimed);
	assert_int_equal(claimed.count, 2);
	for (size_t i = 0; i < claimed.count; i++)
		assert_int_equal(relay_deliver(&rs, f->store, t, &claimed.items[i], T0, &scratch,
					       NULL, &first, &rep), RELAY_SENT);
	assert_int_equal(rep.sent, 2);
	assert_int_equal(first.count, 2);
	assert_false(relay_marks_due(&first, first.oldest_ms + RELAY_MARKS_DELAY_MS - 1));
	assert_true(relay_marks_due(&first, first.oldest_ms + RELAY_MARKS_DELAY_MS));
	expect_counts(f, 2, 0, "delivered, not flushed");
	assert_int_equal(maildir_files(f->maildir, &paths), 2);
	free_paths(paths);

	/* the process died here: the lease keeps the rows from everyone ... */
	claim(f, T0 + f->cfg->mail.lease - 1, &again);
	assert_int_equal(again.count, 0);
	store_outbox_list_free(&again);
	/* ... until it runs out; then they go out again, same Message-IDs */
	claim(f, T0 + f->cfg->mail.lease + 1, &again);
	assert_int_equal(again.count, 2);
	for (size_t i = 0; i < again.count; i++) {
		int same = 0;

		for (size_t j = 0; j < claimed.count; j++)
			same += again.items[i].id == claimed.items[j].id &&
				strcmp(again.items[i].mail_id, claimed.items[j].mail_id) == 0;
		assert_int_equal(same, 1);
		assert_int_equal(relay_deliver(&rs, f->store, t, &again.items[i],
					       T0 + f->cfg->mail.lease + 1, &scratch, NULL,
					       &second, &rep), RELAY_SENT);
	}
	n = maildir_files(f->maildir, &paths);
	assert_int_equal(n, 4);
	g_mime_init();
	for (size_t i = 0; i < n; i++) {
		GMimeMessage *msg = parse_file(paths[i]);
		const char *mid = g_mime_message_get_message_id(msg);
		int copies = 0;

		for (size_t j = 0; j < n; j++) {
			GMimeMessage *other = parse_file(paths[j]);

			copies += strcmp(g_mime_message_get_message_id(other), mid) == 0;
			g_object_unref(other);
		}
		if (copies != 2)
			fail_msg("file %zu: %d copies of %s, want 2", i, copies, mid);
		g_object_unref(msg);
	}
	free_paths(paths);

	relay_marks_flush(&first, f->store, NULL);
	assert_int_equal(first.count, 0);
	expect_counts(f, 0, 2, "late flush");
	relay_marks_flush(&second, f->store, NULL); /* sent already: fine */
	expect_counts(f, 0, 2, "second flush");

	buf_release(&scratch);
	store_outbox_list_free(&claimed);
	store_outbox_list_free(&again);
	transport_close(&t);
}

/*
 * A full list is flushed before the next row joins it, and a row that
 * left "sending" before the flush (an operator failed it) is not marked
 * while the rest of its batch is.
 */
void test_relay_marks_full_and_rows_gone(void **state)
{
	struct fx *f = *state;
	struct transport *t = open_transport(f->cfg);
	struct relay_marks marks = RELAY_MARKS_INIT;
	struct store_outbox_list claimed = { NULL, 0 };
	struct buf scratch = BUF_INIT;
	struct relay_settings rs;
	struct relay_report rep;
	char *error = NULL;

	relay_settings_init(&rs, f->cfg, f->keys);
	memset(&rep, 0, sizeof(rep));
	fx_chat(f, 0);
	for (int i = 0; i < RELAY_MARKS_MAX / 2; i++)
		assert_int_equal(store_thread_resend(f->store, f->thread, f->staff, NULL, &error),
				 GW_OK);
	claim(f, T0, &claimed);
	assert_int_equal(claimed.count, RELAY_MARKS_MAX + 2);

	for (size_t i = 0; i < RELAY_MARKS_MAX; i++)
		relay_deliver(&rs, f->store, t, &claimed.items[i], T0, &scratch, NULL, &marks,
			      &rep);
	assert_int_equal(marks.count, RELAY_MARKS_MAX);
	assert_true(relay_marks_due(&marks, marks.oldest_ms));
	expect_counts(f, RELAY_MARKS_MAX + 2, 0, "a full list");
	relay_deliver(&rs, f->store, t, &claimed.items[RELAY_MARKS_MAX], T0, &scratch, NULL,
		      &marks, &rep);
	assert_int_equal(marks.count, 1);
	expect_counts(f, 2, RELAY_MARKS_MAX, "one more");

	relay_deliver(&rs, f->store, t, &claimed.items[RELAY_MARKS_MAX + 1], T0, &scratch, NULL,
		      &marks, &rep);
	assert_int_equal(store_outbox_fail(f->store, claimed.items[RELAY_MARKS_MAX].id,
					   "stopped by an operator", &error), GW_OK);
	relay_marks_flush(&marks, f->store, NULL);
	expect_counts(f, 0, RELAY_MARKS_MAX + 1, "flushed");
	assert_int_equal(rep.sent, RELAY_MARKS_MAX + 2);

	buf_release(&scratch);
	store_outbox_list_free(&claimed);
	transport_close(&t);
}
