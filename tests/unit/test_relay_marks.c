/*
 * test_relay_marks.c - a row sent is marked at once, in a commit of its
 * own: a process killed between a server's 250 and that commit re-sends
 * that one mail (same Message-ID, after the lease) and no other, and
 * loses none; a row that left "sending" meanwhile is not marked.  Part of
 * the test_relay program.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "relay_int.h"
#include "transport_private.h"

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
 * A transport that dies: it hands each mail to the Maildir transport and,
 * once the server (the Maildir) has accepted the DIE_AFTER-th, ends the
 * process right there, between the acknowledgement and its mark -- the
 * worst moment for a kill -9.
 */
struct dying {
	struct transport base;
	struct transport *inner;
	int left;
};

static enum gw_result dying_send(struct transport *t, const char *from, const char *rcpt,
				 const char *data, size_t len, char **reply_r)
{
	struct dying *d = (struct dying *)t;
	enum gw_result r = transport_send(d->inner, from, rcpt, data, len, reply_r);

	if (r == GW_OK && --d->left == 0)
		_exit(0);
	return r;
}

static void dying_close(struct transport *t)
{
	struct dying *d = (struct dying *)t;

	transport_close(&d->inner);
	free(d);
}

static const struct transport_ops dying_ops = { "dying", dying_send, dying_close };

#define ROWS 8
#define DIE_AFTER 4

/*
 * One worker's claim of ROWS rows; the process dies right after the
 * server accepted the DIE_AFTER-th mail.  The rows before it are marked
 * sent already, the one the server took is the only one left "sending"
 * that arrived, and after the lease it goes out once more with the same
 * Message-ID: one re-send for the crash, nothing lost.
 */
void test_relay_one_resend_per_worker_per_crash(void **state)
{
	struct fx *f = *state;
	struct store_outbox_list claimed = { NULL, 0 }, again = { NULL, 0 };
	struct transport *t;
	struct buf scratch = BUF_INIT;
	struct relay_settings rs;
	struct relay_report rep;
	char **paths, *error = NULL;
	size_t n, twice = 0;
	int status;
	pid_t pid;

	relay_settings_init(&rs, f->cfg, f->keys);
	fx_chat(f, 0);
	for (int i = 0; i < (ROWS - 2) / 2; i++)
		assert_int_equal(store_thread_resend(f->store, f->thread, f->staff, NULL, &error),
				 GW_OK);
	claim(f, T0, &claimed);
	assert_int_equal(claimed.count, ROWS);

	/* The worker, in a process of its own with its own connection. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct dying *d = xcalloc(1, sizeof(*d));
		struct store *store = NULL;

		d->base.ops = &dying_ops;
		d->left = DIE_AFTER;
		if (relay_transport_open(&f->cfg->mail, &d->inner, &error) < 0 ||
		    store_open(&f->cfg->store, &store, &error) < 0)
			_exit(2);
		store_set_mail_domain(store, "reply.example");
		memset(&rep, 0, sizeof(rep));
		for (size_t i = 0; i < claimed.count; i++)
			relay_deliver(&rs, store, &d->base, &claimed.items[i], T0, &scratch, NULL,
				      &rep);
		_exit(3); /* should have died on the way */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(maildir_files(f->maildir, &paths), DIE_AFTER);
	free_paths(paths);
	expect_counts(f, ROWS - (DIE_AFTER - 1), DIE_AFTER - 1, "killed after a 250");

	/* The lease keeps the rows from everyone ... */
	claim(f, T0 + f->cfg->mail.lease - 1, &again);
	assert_int_equal(again.count, 0);
	store_outbox_list_free(&again);
	/* ... until it runs out; then the rest goes out, the one in flight again. */
	t = open_transport(f->cfg);
	memset(&rep, 0, sizeof(rep));
	claim(f, T0 + f->cfg->mail.lease + 1, &again);
	assert_int_equal(again.count, ROWS - (DIE_AFTER - 1));
	for (size_t i = 0; i < again.count; i++) {
		int same = 0;

		for (size_t j = 0; j < claimed.count; j++)
			same += again.items[i].id == claimed.items[j].id &&
				strcmp(again.items[i].mail_id, claimed.items[j].mail_id) == 0;
		assert_int_equal(same, 1);
		assert_int_equal(relay_deliver(&rs, f->store, t, &again.items[i],
					       T0 + f->cfg->mail.lease + 1, &scratch, NULL, &rep),
				 RELAY_SENT);
	}
	expect_counts(f, 0, ROWS, "after the lease");

	n = maildir_files(f->maildir, &paths);
	assert_int_equal(n, ROWS + 1);
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
		if (copies != 1 && copies != 2)
			fail_msg("file %zu: %d copies of %s", i, copies, mid);
		twice += copies == 2;
		g_object_unref(msg);
	}
	/* the two copies of the one mail in flight at the kill */
	assert_int_equal(twice, 2);
	free_paths(paths);

	buf_release(&scratch);
	store_outbox_list_free(&claimed);
	store_outbox_list_free(&again);
	transport_close(&t);
}

/*
 * A row that left "sending" before its mark (an operator failed it while
 * the server took it) is not marked sent; each row of the claim is
 * marked as it goes.
 */
void test_relay_marks_rows_gone(void **state)
{
	struct fx *f = *state;
	struct transport *t = open_transport(f->cfg);
	struct store_outbox_list claimed = { NULL, 0 };
	struct store_outbox_counts c;
	struct buf scratch = BUF_INIT;
	struct relay_settings rs;
	struct relay_report rep;
	char *error = NULL;

	relay_settings_init(&rs, f->cfg, f->keys);
	memset(&rep, 0, sizeof(rep));
	fx_chat(f, 0);
	assert_int_equal(store_thread_resend(f->store, f->thread, f->staff, NULL, &error), GW_OK);
	claim(f, T0, &claimed);
	assert_int_equal(claimed.count, 4);

	assert_int_equal(relay_deliver(&rs, f->store, t, &claimed.items[0], T0, &scratch, NULL,
				       &rep), RELAY_SENT);
	expect_counts(f, 3, 1, "one sent");
	assert_int_equal(store_outbox_fail(f->store, claimed.items[1].id,
					   "stopped by an operator", &error), GW_OK);
	for (size_t i = 1; i < claimed.count; i++)
		relay_deliver(&rs, f->store, t, &claimed.items[i], T0, &scratch, NULL, &rep);
	expect_counts(f, 0, 3, "the rest");
	assert_int_equal(store_outbox_counts(f->store, &c, &error), GW_OK);
	assert_int_equal(c.failed, 1);
	assert_int_equal(rep.sent, 4);

	buf_release(&scratch);
	store_outbox_list_free(&claimed);
	transport_close(&t);
}
