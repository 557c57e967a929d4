/*
 * transport_testutil.h - what the source files of test_transport share.
 *
 * Helpers fail the running cmocka test on any system error; strings they
 * return are malloc'd.
 */
#ifndef GW_TEST_TRANSPORT_TESTUTIL_H
#define GW_TEST_TRANSPORT_TESTUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "tls_peer.h"
#include "transport.h"

#define FROM "bounce+tok42@reply.firm.example"
#define RCPT "anna@client.example"
#define HELO "gw-test.example"

/* A fresh directory under $TMPDIR or /tmp, mode 0711; remove_tree frees DIR. */
char *make_tmpdir(void);
void remove_tree(char *dir);
char *read_file(const char *path, size_t *len_r);
void write_file(const char *path, const char *text, mode_t mode);
/* Names in DIR without . and .., sorted; names_r may be NULL. */
size_t list_dir(const char *dir, char ***names_r);
void free_names(char **names);
/* CRLF -> LF, the form of local delivery and of smtp-sink's dumps. */
char *lf_form(const char *crlf);
/* Message number N: CRLF line ends, a line that needs dot-stuffing, a lone ".". */
char *test_message(int n);
/* A port on 127.0.0.1 that was free a moment ago. */
int free_port(void);
void sleep_ms(long ms);

/*
 * Servers a test started, killed by kill_leftovers (a cmocka teardown)
 * when the test fails before stopping them.
 */
void track(pid_t pid);
void untrack(pid_t pid);
int kill_leftovers(void **state);
/* tls_peer started and tracked, or the test fails. */
void peer_start(struct tls_peer *peer, enum tls_peer_mode mode, const char *log_path);
void peer_stop(struct tls_peer *peer);
/* smtp://127.0.0.1:PORT with SET (default: HELO, 5 s timeout). */
struct transport *open_smtp(int port, const struct transport_settings *set);

/* test_transport_peer.c */
void test_transport_smtp_rset_only_after_failure(void **state);
void test_transport_smtp_starttls_real(void **state);
void test_transport_smtp_starttls_injection(void **state);

/* test_transport_local.c */
void test_transport_maildir_delivers(void **state);
void test_transport_maildir_failure_is_tempfail(void **state);
void test_transport_sendmail_exit_codes(void **state);
void test_transport_sendmail_argv_and_stdin(void **state);
void test_transport_sendmail_timeout(void **state);

#endif
