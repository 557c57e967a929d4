/*
 * tls_peer.c - the STARTTLS test peer described in tls_peer.h (OpenSSL).
 *
 * Lines are read one byte at a time, in clear text and under TLS alike:
 * the peer must never read past the STARTTLS command itself, or it would
 * swallow the client's first TLS bytes.
 */
#include "tls_peer.h"

#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct conn {
	int fd;
	SSL *ssl; /* NULL while in clear text */
	FILE *log;
};

static SSL_CTX *make_ctx(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	X509_NAME *name;

	if (key == NULL || cert == NULL || ctx == NULL)
		return NULL;
	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(cert), -60);
	X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
	X509_set_pubkey(cert, key);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost",
				   -1, -1, 0);
	X509_set_issuer_name(cert, name);
	if (X509_sign(cert, key, EVP_sha256()) == 0 || SSL_CTX_use_certificate(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1)
		return NULL;
	X509_free(cert);
	EVP_PKEY_free(key);
	return ctx;
}

static int put(struct conn *c, const char *s)
{
	size_t n = strlen(s);

	if (c->ssl != NULL)
		return SSL_write(c->ssl, s, (int)n) == (int)n ? 0 : -1;
	return write(c->fd, s, n) == (ssize_t)n ? 0 : -1;
}

/* One line without its CRLF; -1 at the end of the connection. */
static int get_line(struct conn *c, char *buf, size_t size)
{
	size_t len = 0;

	for (;;) {
		char ch;
		int r = c->ssl != NULL ? SSL_read(c->ssl, &ch, 1) : (int)read(c->fd, &ch, 1);

		if (r != 1)
			return -1;
		if (ch == '\n')
			break;
		if (len + 1 < size)
			buf[len++] = ch;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return 0;
}

static void serve(struct conn *c, SSL_CTX *ctx, enum tls_peer_mode mode)
{
	char line[1024];

	if (put(c, "220 tls-peer ESMTP\r\n") < 0)
		return;
	while (get_line(c, line, sizeof(line)) == 0) {
		fprintf(c->log, "%s %s\n", c->ssl != NULL ? "TLS" : "PLAIN", line);
		fflush(c->log);
		if (strncasecmp(line, "EHLO", 4) == 0) {
			put(c, c->ssl != NULL ? "250-tls-peer\r\n250-AUTH PLAIN LOGIN\r\n"
						"250-PIPELINING\r\n250 SIZE 1000000\r\n"
					      : "250-tls-peer\r\n250-STARTTLS\r\n250-PIPELINING\r\n"
						"250 SIZE 1000000\r\n");
		} else if (strcasecmp(line, "STARTTLS") == 0 && c->ssl == NULL) {
			put(c, mode == TLS_PEER_INJECT ? "220 2.0.0 ready\r\n250 injected\r\n"
						       : "220 2.0.0 ready\r\n");
			c->ssl = SSL_new(ctx);
			SSL_set_fd(c->ssl, c->fd);
			if (SSL_accept(c->ssl) != 1) {
				fprintf(c->log, "HANDSHAKE FAILED\n");
				fflush(c->log);
				return;
			}
		} else if (strncasecmp(line, "AUTH", 4) == 0) {
			put(c, "235 2.7.0 Authentication successful\r\n");
		} else if (strncasecmp(line, "RCPT TO:<refuse", 15) == 0) {
			put(c, "550 5.1.1 <refused>: Recipient address rejected\r\n");
		} else if (strncasecmp(line, "MAIL", 4) == 0 || strncasecmp(line, "RCPT", 4) == 0 ||
			   strcasecmp(line, "RSET") == 0) {
			put(c, "250 2.0.0 Ok\r\n");
		} else if (strcasecmp(line, "DATA") == 0) {
			put(c, "354 End data with <CR><LF>.<CR><LF>\r\n");
			while (get_line(c, line, sizeof(line)) == 0 && strcmp(line, ".") != 0)
				;
			put(c, "250 2.0.0 Ok: queued\r\n");
		} else if (strcasecmp(line, "QUIT") == 0) {
			put(c, "221 2.0.0 Bye\r\n");
			return;
		} else {
			put(c, "502 5.5.2 Error: command not recognized\r\n");
		}
	}
}

static void __attribute__((noreturn)) run(int lfd, enum tls_peer_mode mode, const char *log_path)
{
	SSL_CTX *ctx = make_ctx();
	FILE *log = fopen(log_path, "a");

	signal(SIGPIPE, SIG_IGN);
	if (ctx == NULL || log == NULL)
		_exit(1);
	for (;;) {
		struct conn c = { accept(lfd, NULL, NULL), NULL, log };

		if (c.fd < 0)
			continue;
		serve(&c, ctx, mode);
		if (c.ssl != NULL) {
			SSL_shutdown(c.ssl);
			SSL_free(c.ssl);
		}
		close(c.fd);
	}
}

int tls_peer_start(struct tls_peer *peer, enum tls_peer_mode mode, const char *log_path)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 8) < 0 || getsockname(lfd, (struct sockaddr *)&sin, &len) < 0) {
		perror("tls_peer: listen");
		return -1;
	}
	peer->port = ntohs(sin.sin_port);
	peer->pid = fork();
	if (peer->pid < 0) {
		perror("tls_peer: fork");
		close(lfd);
		return -1;
	}
	if (peer->pid == 0)
		run(lfd, mode, log_path);
	close(lfd);
	return 0;
}

void tls_peer_stop(struct tls_peer *peer)
{
	if (peer->pid > 0) {
		kill(peer->pid, SIGKILL);
		waitpid(peer->pid, NULL, 0);
		peer->pid = 0;
	}
}
