/*
 * decide_fixture.h - what the test_decide program's files share: a fresh
 * database in a temp dir with a firm, an owner, an account with two
 * contacts (Jane Smith jane@client.example, Bob Brown bob@client.example),
 * one thread with reminders on, a real key file, and a config file for
 * the gatewayd-pipe binary; plus small queries for the assertions, made
 * on a second SQLite connection so that they see only committed rows.
 */
#ifndef GW_DECIDE_FIXTURE_H
#define GW_DECIDE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "decide.h"
#include "links.h"
#include "store.h"

/* 2026-11-25T09:30:00Z */
#define FX_NOW INT64_C(1795599000)
#define FX_KEY_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define FX_REPLY_DOMAIN "reply.example"

struct fx {
	char dir[64];
	char *db_path;
	char *key_path;
	char *conf_path;
	struct cfg_store cs;
	struct store *store;
	struct link_keys *keys;
	struct decide_settings set;
	sqlite3 *check;          /* read-only connection for assertions */
	int64_t now;             /* the time the fixture was made */
	int64_t staff, account, jane, bob, thread;
	char *jane_mail_id;      /* Message-ID of jane's first notification */
	char *kept[64];          /* strings freed at teardown */
	size_t n_kept;
};

/* pin_clock: clock_set(FX_NOW); else the real clock (binary tests). */
void fx_setup(struct fx *f, int pin_clock);
void fx_teardown(struct fx *f);

/* reply+TOKEN@ / bounce+TOKEN@ for a contact of the thread; malloc'd. */
char *fx_address(struct fx *f, enum link_purpose purpose, int64_t thread,
		 int64_t contact, int64_t expires);
/* Another thread for the account (reminders on); its id. */
int64_t fx_thread(struct fx *f, const char *subject);
/* A message from a template with "%s" recipient, "%d" n, "%s" id. */
char *fx_msg(const char *tmpl, const char *rcpt, int n, const char *id);

enum gw_result fx_decide(struct fx *f, const char *sender, const char *rcpt,
			 const char *msg, struct decide_outcome *out);

/* First column of the first row; SQL formatted with integers only. */
int64_t fx_int(struct fx *f, const char *fmt, ...) GW_PRINTF(2, 3);
char *fx_str(struct fx *f, const char *fmt, ...) GW_PRINTF(2, 3);
/* Same, freed at teardown. */
const char *fx_str_keep(struct fx *f, const char *fmt, ...) GW_PRINTF(2, 3);
int64_t fx_explanations(struct fx *f);
int64_t fx_notes(struct fx *f);
int fx_bouncing(struct fx *f, int64_t contact);

/* Write the binary's config: f->conf_path, with `extra` lines appended. */
void fx_write_config(struct fx *f, const char *extra);

/* ---- test_decide_pipe.c ---- */
void test_decide_pipe_exit_codes(void **state);
void test_decide_pipe_tempfail(void **state);
void test_decide_pipe_concurrent_replies(void **state);
void test_decide_pipe_corpus_never_answered(void **state);

#endif
