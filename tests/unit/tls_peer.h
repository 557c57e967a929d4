/*
 * tls_peer.h - a tiny SMTP server with STARTTLS for test_transport.
 *
 * smtp-sink offers no STARTTLS, so the TLS path of the smtp transport is
 * tested against this peer: a forked child on 127.0.0.1 (port chosen by the
 * kernel before the fork, so there is no race) with a throw-away
 * self-signed certificate, serving one connection at a time.  It offers
 * PIPELINING (reading one command at a time, which pipelining allows),
 * accepts every command but a recipient whose local part starts with
 * "refuse" (550) -- DATA included, as a careless server would -- and logs each one to LOG_PATH as "PLAIN <command>" or
 * "TLS <command>", so that a test can see what travelled in clear text
 * and what was said on each connection.
 */
#ifndef GW_TEST_TLS_PEER_H
#define GW_TEST_TLS_PEER_H

#include <sys/types.h>

enum tls_peer_mode {
	TLS_PEER_OK,     /* a well-behaved server */
	TLS_PEER_INJECT, /* sends a forged reply right behind its STARTTLS 220 */
};

struct tls_peer {
	pid_t pid;
	int port;
};

/* Returns 0, or -1 when the peer could not be set up (errno-style message on stderr). */
int tls_peer_start(struct tls_peer *peer, enum tls_peer_mode mode, const char *log_path);
void tls_peer_stop(struct tls_peer *peer);

#endif
