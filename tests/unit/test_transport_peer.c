/*
 * test_transport_peer.c - smtp tests against tls_peer.c, which logs every
 * command it reads: STARTTLS (what travels in clear text, and no reading
 * of bytes injected behind the STARTTLS reply), and RSET only where a
 * transaction needs one.  Part of the test_transport program.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "transport_testutil.h"

/*
 * RSET only where it is needed: transactions that ended with a 250 follow
 * each other directly; one refused part way is reset before the next.  All
 * on one connection, the envelope pipelined.  The peer accepts DATA even
 * after refusing the recipient: an empty message ends that transaction.
 */
void test_transport_smtp_rset_only_after_failure(void **state)
{
	static const struct {
		const char *rcpt;
		enum gw_result want;
	} sends[] = {
		{ RCPT, GW_OK },
		{ RCPT, GW_OK },
		{ "refuse@client.example", GW_PERMFAIL },
		{ RCPT, GW_OK },
		{ RCPT, GW_OK },
	};
	static const char want_log[] =
		"PLAIN EHLO " HELO "\n"
		"PLAIN MAIL FROM:<" FROM "> SIZE=%zu\nPLAIN RCPT TO:<" RCPT ">\nPLAIN DATA\n"
		"PLAIN MAIL FROM:<" FROM "> SIZE=%zu\nPLAIN RCPT TO:<" RCPT ">\nPLAIN DATA\n"
		"PLAIN MAIL FROM:<" FROM "> SIZE=%zu\nPLAIN RCPT TO:<refuse@client.example>\n"
		"PLAIN DATA\nPLAIN RSET\n"
		"PLAIN MAIL FROM:<" FROM "> SIZE=%zu\nPLAIN RCPT TO:<" RCPT ">\nPLAIN DATA\n"
		"PLAIN MAIL FROM:<" FROM "> SIZE=%zu\nPLAIN RCPT TO:<" RCPT ">\nPLAIN DATA\n";
	struct transport_settings set = { .helo_name = HELO, .timeout = 5 };
	char *dir = make_tmpdir(), *log_path = xasprintf("%s/peer.log", dir), *log, *want;
	char *msg = test_message(7);
	size_t len = strlen(msg);
	struct tls_peer peer;
	struct transport *t;

	(void)state;
	peer_start(&peer, TLS_PEER_OK, log_path);
	t = open_smtp(peer.port, &set);
	for (size_t i = 0; i < GW_ARRAY_SIZE(sends); i++) {
		char *reply = NULL;
		enum gw_result r = transport_send(t, FROM, sends[i].rcpt, msg, len, &reply);

		if (r != sends[i].want)
			fail_msg("send %zu: %s \"%s\", want %s", i, gw_result_name(r), reply,
				 gw_result_name(sends[i].want));
		free(reply);
	}
	transport_close(&t);
	sleep_ms(50);
	peer_stop(&peer);
	log = read_file(log_path, NULL);
	want = xasprintf(want_log, len, len, len, len, len);
	/* the conversation up to QUIT (sent without waiting, so maybe unlogged) */
	if (strncmp(log, want, strlen(want)) != 0 || strstr(log + strlen(want), "MAIL") != NULL)
		fail_msg("conversation:\n%s\nwant:\n%s", log, want);
	free(want);
	free(log);
	free(log_path);
	free(msg);
	remove_tree(dir);
}

/* ---- STARTTLS against tls_peer --------------------------------------- */

void test_transport_smtp_starttls_real(void **state)
{
	struct transport_settings set = {
		.helo_name = HELO, .timeout = 5, .starttls = TRANSPORT_TLS_REQUIRE,
		.auth_user = "user", .auth_password = "secret",
	};
	static const char prefix[] = "PLAIN EHLO " HELO "\nPLAIN STARTTLS\n"
				     "TLS EHLO " HELO "\nTLS AUTH PLAIN ";
	char *dir = make_tmpdir(), *log_path = xasprintf("%s/peer.log", dir), *log;
	struct tls_peer peer;
	struct transport *t;
	int i;

	(void)state;
	peer_start(&peer, TLS_PEER_OK, log_path);
	t = open_smtp(peer.port, &set);
	for (i = 0; i < 2; i++) {
		char *msg = test_message(i), *reply = NULL;
		enum gw_result r = transport_send(t, FROM, RCPT, msg, strlen(msg), &reply);

		if (r != GW_OK || strstr(reply, "said: 250 2.0.0 Ok: queued") == NULL)
			fail_msg("message %d: %s \"%s\"", i, gw_result_name(r), reply);
		free(reply);
		free(msg);
	}
	transport_close(&t);
	sleep_ms(50);
	peer_stop(&peer);
	log = read_file(log_path, NULL);
	/* in clear text only EHLO and STARTTLS; the password and mail under TLS */
	if (strncmp(log, prefix, strlen(prefix)) != 0 ||
	    strstr(log, "TLS MAIL FROM:<" FROM ">") == NULL ||
	    strstr(strstr(log, "TLS MAIL FROM:<" FROM ">") + 1, "TLS MAIL FROM:<" FROM ">") == NULL ||
	    strstr(log, "PLAIN MAIL") != NULL || strstr(log, "PLAIN AUTH") != NULL)
		fail_msg("conversation:\n%s", log);
	free(log);
	free(log_path);
	remove_tree(dir);
}

/* A forged reply behind the STARTTLS 220 is never read as if it were TLS. */
void test_transport_smtp_starttls_injection(void **state)
{
	static const enum transport_tls modes[] = { TRANSPORT_TLS_REQUIRE, TRANSPORT_TLS_TRY };
	size_t i;

	(void)state;
	for (i = 0; i < GW_ARRAY_SIZE(modes); i++) {
		struct transport_settings set = { .helo_name = HELO, .timeout = 5,
						  .starttls = modes[i] };
		char *dir = make_tmpdir(), *log_path = xasprintf("%s/peer.log", dir), *log;
		char *reply = NULL;
		struct tls_peer peer;
		struct transport *t;
		enum gw_result r;

		peer_start(&peer, TLS_PEER_INJECT, log_path);
		t = open_smtp(peer.port, &set);
		r = transport_send(t, FROM, RCPT, "Subject: x\r\n\r\nx\r\n", 16, &reply);
		transport_close(&t);
		sleep_ms(50);
		peer_stop(&peer);
		log = read_file(log_path, NULL);
		if (modes[i] == TRANSPORT_TLS_REQUIRE) {
			/* refused, and nothing went further */
			if (r != GW_TEMPFAIL ||
			    strstr(reply, "sent more after its STARTTLS reply") == NULL ||
			    strstr(log, "MAIL") != NULL)
				fail_msg("case %zu: %s \"%s\"\n%s", i, gw_result_name(r), reply, log);
		} else {
			/* opportunistic: a second connection without STARTTLS */
			if (r != GW_OK || strstr(log, "PLAIN MAIL FROM:<" FROM ">") == NULL ||
			    strstr(log, "TLS MAIL") != NULL)
				fail_msg("case %zu: %s \"%s\"\n%s", i, gw_result_name(r), reply, log);
		}
		free(reply);
		free(log);
		free(log_path);
		remove_tree(dir);
	}
}
