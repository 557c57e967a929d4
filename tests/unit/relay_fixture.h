/*
 * relay_fixture.h - what the source files of test_relay share: a database
 * with a firm, staff, an account and two contacts, the relay's config, a
 * Maildir transport, and helpers that read the Maildir back.  Helpers fail
 * the running cmocka test on any error.
 */
#ifndef GW_TEST_RELAY_FIXTURE_H
#define GW_TEST_RELAY_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <gmime/gmime.h>

#include "config.h"
#include "links.h"
#include "store.h"
#include "transport.h"

#define T0 1795000000 /* 2026-11-18 */
#define BASE_URL "https://chat.firm.example"

struct fx {
	char dir[64];
	char *maildir;
	struct gw_config *cfg;
	struct link_keys *keys;
	struct store *store;
	int64_t staff, account, contact[2], thread;
};

/* The relay's config with TRANSPORT and [web] base_url = BASE_URL. */
struct gw_config *load_config(struct fx *f, const char *transport, const char *base_url);
/* cmocka setup/teardown: *state becomes a struct fx, the clock at T0. */
int fx_setup(void **state);
int fx_teardown(void **state);
/* A staff chat to the account: one new_message row per contact. */
void fx_chat(struct fx *f, int reminders);
void outbox_of(struct fx *f, enum store_out_status status, struct store_outbox_list *list);

GMimeMessage *parse_file(const char *path);
/* Files in MAILDIR/new, sorted, as a NULL-terminated list; returns the count. */
size_t maildir_files(const char *maildir, char ***paths_r);
void free_paths(char **paths);
struct transport *open_transport(const struct gw_config *cfg);

/* test_relay_marks.c */
void test_relay_one_resend_per_worker_per_crash(void **state);
void test_relay_marks_rows_gone(void **state);

#endif
