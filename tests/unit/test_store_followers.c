/*
 * test_store_followers.c - who is told about a thread: following and
 * unfollowing (by hand, by posting, by being mentioned), the staff told
 * of a client's reply (assigned plus followers, once each), each
 * contact's email state and the "Nobody will be emailed" sentence for
 * every combination of states, and bad input refused with nothing
 * written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "test_store_util.h"

/* ---- every state, without a database ---- */

struct state_case {
	int notify, unsubscribed, bouncing, removed;
	enum store_reach want;
	const char *words;  /* after the name in the sentence */
};

static const struct state_case states[] = {
	{ 1, 0, 0, 0, STORE_REACH_EMAILED, NULL },
	{ 0, 0, 0, 0, STORE_REACH_NOTIFY_OFF, " has notifications off" },
	{ 0, 1, 0, 0, STORE_REACH_UNSUBSCRIBED, " unsubscribed" },
	{ 1, 0, 1, 0, STORE_REACH_BOUNCING, "'s address bounces" },
	/* bouncing is said before the switch: clearing it is what helps */
	{ 0, 1, 1, 0, STORE_REACH_BOUNCING, "'s address bounces" },
	{ 0, 0, 1, 0, STORE_REACH_BOUNCING, "'s address bounces" },
	/* removed says it all */
	{ 0, 0, 0, 1, STORE_REACH_REMOVED, " was removed" },
	{ 0, 1, 1, 1, STORE_REACH_REMOVED, " was removed" },
	{ 1, 0, 0, 1, STORE_REACH_REMOVED, " was removed" },
};

static void contact_in(struct store_contact *k, const struct state_case *c, const char *name)
{
	memset(k, 0, sizeof(*k));
	k->name = (char *)name;
	k->notify = c->notify;
	k->unsubscribed = c->unsubscribed;
	k->email_status = c->bouncing ? STORE_EMAIL_BOUNCING : STORE_EMAIL_OK;
	k->removed_at = c->removed ? 1700000000 : 0;
}

static void test_store_followers_reach_of_every_state(void **state)
{
	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(states); i++) {
		struct store_contact k;

		contact_in(&k, &states[i], "Anna");
		if (store_contact_reach(&k) != states[i].want)
			fail_msg("case %zu: reach %s, want %s", i,
				 store_reach_name(store_contact_reach(&k)),
				 store_reach_name(states[i].want));
	}
	assert_string_equal(store_reach_name(STORE_REACH_NOTIFY_OFF), "notifications_off");
}

/* Every pair of states for two contacts: the sentence names both, in
 * order, unless one of them is emailed. */
static void test_store_followers_sentence_of_every_pair(void **state)
{
	(void)state;
	for (size_t i = 0; i < GW_ARRAY_SIZE(states); i++) {
		for (size_t j = 0; j < GW_ARRAY_SIZE(states); j++) {
			struct store_contact k[2];
			char *got, *want = NULL;

			contact_in(&k[0], &states[i], "Anna");
			contact_in(&k[1], &states[j], "Ben");
			got = store_nobody_emailed(k, 2);
			if (states[i].words != NULL && states[j].words != NULL)
				want = xasprintf("Nobody will be emailed: Anna%s, Ben%s",
						 states[i].words, states[j].words);
			if ((got == NULL) != (want == NULL) ||
			    (got != NULL && strcmp(got, want) != 0))
				fail_msg("case %zu,%zu: got \"%s\", want \"%s\"", i, j,
					 got != NULL ? got : "(none)", want != NULL ? want : "(none)");
			free(got);
			free(want);
		}
	}
	char *none = store_nobody_emailed(NULL, 0);
	assert_string_equal(none, "Nobody will be emailed: the account has no contacts");
	free(none);
}

/* ---- the people of a real thread ---- */

static struct store_recipients recipients(struct fx *f, int64_t tid)
{
	struct store_recipients rc;
	char *err = NULL;

	CHECK_OK(store_thread_recipients(f->s, tid, &rc, &err), err);
	return rc;
}

static void assert_nobody(struct fx *f, int64_t tid, const char *want)
{
	struct store_recipients rc = recipients(f, tid);

	if (want == NULL)
		assert_null(rc.nobody_emailed);
	else
		assert_string_equal(rc.nobody_emailed != NULL ? rc.nobody_emailed : "(none)", want);
	store_recipients_clear(&rc);
}

static void test_store_followers_contact_states_in_a_thread(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int changed = 0;
	int64_t tid = fx_chat(f, f->acc1, "Papers", "Please send them", 0, 0, 0);
	struct store_recipients rc = recipients(f, tid);
	struct store_contact k;

	assert_int_equal(rc.n_contacts, 2);
	assert_int_equal(rc.contacts_emailed, 2);
	assert_null(rc.nobody_emailed);
	store_recipients_clear(&rc);

	CHECK_OK(store_contact_set_notify_by(f->s, f->c1, 0, STORE_NOTIFY_BY_UNSUBSCRIBE, &changed,
					     &err), err);
	assert_int_equal(changed, 1);
	assert_nobody(f, tid, NULL);
	CHECK_OK(store_contact_set_notify(f->s, f->c2, 0, &err), err);
	assert_nobody(f, tid, "Nobody will be emailed: Carla Client unsubscribed, "
			      "Chris Client has notifications off");
	/* the same switch again changes nothing */
	CHECK_OK(store_contact_set_notify_by(f->s, f->c2, 0, STORE_NOTIFY_BY_STAFF, &changed, &err),
		 err);
	assert_int_equal(changed, 0);

	CHECK_OK(store_contact_mark_bouncing(f->s, f->c2, "550 5.1.1 no such user", &err), err);
	rc = recipients(f, tid);
	assert_int_equal(rc.contacts[1].reach, STORE_REACH_BOUNCING);
	assert_string_equal(rc.contacts[1].bounce_reason, "550 5.1.1 no such user");
	assert_true(rc.contacts[1].bounced_at > 0);
	assert_string_equal(rc.nobody_emailed, "Nobody will be emailed: Carla Client unsubscribed, "
					       "Chris Client's address bounces");
	store_recipients_clear(&rc);

	CHECK_OK(store_contact_remove(f->s, f->c1, NULL, &err), err);
	/* a removed contact cannot be turned back on; nothing changes */
	CHECK_R(store_contact_set_notify_by(f->s, f->c1, 1, STORE_NOTIFY_BY_STAFF, NULL, &err),
		GW_PERMFAIL, err);
	assert_nobody(f, tid, "Nobody will be emailed: Carla Client was removed, "
			      "Chris Client's address bounces");

	/* the bounce cleared and emails on: Chris is emailed again */
	CHECK_OK(store_contact_clear_bounce(f->s, f->c2, 0, &err), err);
	assert_nobody(f, tid, "Nobody will be emailed: Carla Client was removed, "
			      "Chris Client has notifications off");
	CHECK_OK(store_contact_set_notify_by(f->s, f->c2, 1, STORE_NOTIFY_BY_CONTACT, NULL, &err),
		 err);
	assert_nobody(f, tid, NULL);
	CHECK_OK(store_contact_get(f->s, f->c2, &k, &err), err);
	assert_int_equal(k.notify, 1);
	assert_int_equal(k.unsubscribed, 0);
	assert_true(k.notify_changed_at > 0);
	store_contact_clear(&k);

	/* what the thread page says is what the outbox does */
	CHECK_OK(store_message_post(f->s, tid, STORE_STAFF, f->owner, "Any news?", NULL, &err), err);
	assert_int_equal(OUTBOX(f, "kind = 'new_message' AND recipient_id = %lld",
				(long long)f->c2), 2);
	assert_int_equal(OUTBOX(f, "kind = 'new_message' AND recipient_id = %lld",
				(long long)f->c1), 1);

	/* an account without contacts */
	int64_t empty = fx_chat(f, f->acc3, "Hello", "First words", 0, 0, 0);
	assert_nobody(f, empty, "Nobody will be emailed: the account has no contacts");

	CHECK_R(store_contact_set_notify_by(f->s, 4242, 0, STORE_NOTIFY_BY_STAFF, NULL, &err),
		GW_NOTFOUND, err);
	CHECK_R(store_thread_recipients(f->s, 4242, &rc, &err), GW_NOTFOUND, err);
}

/* Unsubscribing and then turning emails on again forgets the link's mark. */
static void test_store_followers_unsubscribed_turns_back_on(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	struct store_contact k;

	CHECK_OK(store_contact_set_notify_by(f->s, f->c1, 0, STORE_NOTIFY_BY_UNSUBSCRIBE, NULL,
					     &err), err);
	CHECK_OK(store_contact_get(f->s, f->c1, &k, &err), err);
	assert_int_equal(k.unsubscribed, 1);
	store_contact_clear(&k);
	CHECK_OK(store_contact_set_notify_by(f->s, f->c1, 1, STORE_NOTIFY_BY_CONTACT, NULL, &err),
		 err);
	CHECK_OK(store_contact_get(f->s, f->c1, &k, &err), err);
	assert_int_equal(k.notify, 1);
	assert_int_equal(k.unsubscribed, 0);
	store_contact_clear(&k);
	assert_int_equal(fx_int(f, "SELECT notify_off_by IS NULL FROM contacts WHERE id = %lld",
				(long long)f->c1), 1);
}

static const struct store_thread_person *staff_in(const struct store_recipients *rc, int64_t id)
{
	for (size_t i = 0; i < rc->n_staff; i++)
		if (rc->staff[i].id == id)
			return &rc->staff[i];
	return NULL;
}

static void test_store_followers_follow_and_unfollow(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int changed = 0;
	int64_t tid = fx_chat(f, f->acc1, "Papers", "Please send them", 0, 0, 0);
	struct store_recipients rc;

	/* the owner started it: following; the member is assigned */
	rc = recipients(f, tid);
	assert_int_equal(rc.n_staff, 2);
	assert_true(staff_in(&rc, f->owner)->following);
	assert_false(staff_in(&rc, f->owner)->assigned);
	assert_true(staff_in(&rc, f->member)->assigned);
	assert_false(staff_in(&rc, f->member)->following);
	store_recipients_clear(&rc);

	CHECK_OK(store_thread_follow(f->s, tid, f->admin, 1, &changed, &err), err);
	assert_int_equal(changed, 1);
	CHECK_OK(store_thread_follow(f->s, tid, f->admin, 1, &changed, &err), err);
	assert_int_equal(changed, 0);
	CHECK_OK(store_thread_follow(f->s, tid, f->member, 1, &changed, &err), err);
	rc = recipients(f, tid);
	assert_int_equal(rc.n_staff, 3);
	assert_true(staff_in(&rc, f->member)->assigned && staff_in(&rc, f->member)->following);
	store_recipients_clear(&rc);
	CHECK_OK(store_thread_follow(f->s, tid, f->admin, 0, &changed, &err), err);
	assert_int_equal(changed, 1);
	CHECK_OK(store_thread_follow(f->s, tid, f->admin, 0, &changed, &err), err);
	assert_int_equal(changed, 0);
	rc = recipients(f, tid);
	assert_null(staff_in(&rc, f->admin));
	store_recipients_clear(&rc);

	/* bad input: nothing written, the same answer for what one may not see */
	int64_t before = fx_int(f, "SELECT count(*) FROM thread_followers");
	CHECK_R(store_thread_follow(f->s, 4242, f->admin, 1, NULL, &err), GW_NOTFOUND, err);
	CHECK_R(store_thread_follow(f->s, tid, 4242, 1, NULL, &err), GW_NOTFOUND, err);
	CHECK_R(store_thread_follow(f->s, tid, f->member2, 1, NULL, &err), GW_NOTFOUND, err);
	CHECK_R(store_thread_follow(f->s, tid, 0, 1, NULL, &err), GW_INVALID, err);
	assert_int_equal(fx_int(f, "SELECT count(*) FROM thread_followers"), before);

	/* an account nobody is assigned to: owners and admins stand in */
	int64_t beta = fx_chat(f, f->acc2, "Beta", "Hello", 0, 0, 0);
	rc = recipients(f, beta);
	assert_true(staff_in(&rc, f->admin)->standing_in);
	assert_true(staff_in(&rc, f->owner)->standing_in);
	assert_null(staff_in(&rc, f->member));
	store_recipients_clear(&rc);
}

static int64_t replied_to(struct fx *f, int64_t msg, int64_t staff)
{
	return OUTBOX(f, "kind = 'staff_client_replied' AND message_id = %lld"
		      " AND recipient_id = %lld", (long long)msg, (long long)staff);
}

static void test_store_followers_told_of_client_reply(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = fx_chat(f, f->acc1, "Papers", "Please send them", 0, 0, 0), m;

	/* the admin answers, so follows: told of the reply without being assigned */
	CHECK_OK(store_message_post(f->s, tid, STORE_STAFF, f->admin, "Or scan them", NULL, &err),
		 err);
	CHECK_OK(store_message_post(f->s, tid, STORE_CONTACT, f->c1, "Here they are", &m, &err),
		 err);
	assert_int_equal(replied_to(f, m, f->member), 1);
	assert_int_equal(replied_to(f, m, f->owner), 1);
	assert_int_equal(replied_to(f, m, f->admin), 1);
	assert_int_equal(replied_to(f, m, f->member2), 0);

	/* assigned and following: one email, not two */
	CHECK_OK(store_thread_follow(f->s, tid, f->member, 1, NULL, &err), err);
	/* unfollowed: no more; assigned staff stay told whatever they follow */
	CHECK_OK(store_thread_follow(f->s, tid, f->admin, 0, NULL, &err), err);
	CHECK_OK(store_message_post(f->s, tid, STORE_CONTACT, f->c1, "And one more", &m, &err),
		 err);
	assert_int_equal(replied_to(f, m, f->member), 1);
	assert_int_equal(replied_to(f, m, f->admin), 0);
	CHECK_OK(store_thread_follow(f->s, tid, f->member, 0, NULL, &err), err);
	CHECK_OK(store_message_post(f->s, tid, STORE_CONTACT, f->c1, "Last one", &m, &err), err);
	assert_int_equal(replied_to(f, m, f->member), 1);

	/* staff with notify off follow but get no email */
	CHECK_OK(store_staff_set_notify(f->s, f->owner, 0, &err), err);
	CHECK_OK(store_message_post(f->s, tid, STORE_CONTACT, f->c1, "Really last", &m, &err),
		 err);
	assert_int_equal(replied_to(f, m, f->owner), 0);
	struct store_recipients rc = recipients(f, tid);
	assert_int_equal(staff_in(&rc, f->owner)->reach, STORE_REACH_NOTIFY_OFF);
	store_recipients_clear(&rc);

	/* A mention brings Adam back in (he unfollowed above; as an admin he
	 * sees the account): the mention now, the replies after it.  A
	 * contact's @word naming a colleague who cannot see the account is
	 * plain text: Max gets no email and does not follow. */
	CHECK_OK(store_message_post(f->s, tid, STORE_CONTACT, f->c1,
				    "@Adam Admin and @Max Member can you help?", &m, &err), err);
	assert_int_equal(replied_to(f, m, f->admin), 0);
	assert_int_equal(OUTBOX(f, "kind = 'staff_mention' AND recipient_id = %lld",
				(long long)f->admin), 1);
	assert_int_equal(OUTBOX(f, "kind = 'staff_mention' AND recipient_id = %lld",
				(long long)f->member2), 0);
	CHECK_OK(store_message_post(f->s, tid, STORE_CONTACT, f->c1, "Thanks", &m, &err), err);
	assert_int_equal(replied_to(f, m, f->admin), 1);
	assert_int_equal(replied_to(f, m, f->member2), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_followers_reach_of_every_state),
		cmocka_unit_test(test_store_followers_sentence_of_every_pair),
		T(test_store_followers_contact_states_in_a_thread),
		T(test_store_followers_unsubscribed_turns_back_on),
		T(test_store_followers_follow_and_unfollow),
		T(test_store_followers_told_of_client_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
