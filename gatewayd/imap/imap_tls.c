/*
 * imap_tls.c - TLS under the IMAP session: an OpenSSL connection wrapped
 * as a libetpan stream layer (struct mailstream_low_driver).
 *
 * Why not libetpan's own TLS: Debian builds libetpan on GnuTLS, and its
 * TLS layer accepts any certificate; checking the leaf it hands back
 * afterwards would miss the intermediates a public CA's chain needs.
 * Here OpenSSL verifies the chain (the system's CAs, or [imap] ca_file)
 * and the host name during the handshake, and a failure says which.
 * Timeouts are the socket's (SO_RCVTIMEO/SO_SNDTIMEO): a read or write
 * that waits longer fails and libetpan reports a stream error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "imap_int.h"

struct tls_low {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
};

static ssize_t tls_read(mailstream_low *low, void *buf, size_t n)
{
	struct tls_low *t = low->data;
	int r = SSL_read(t->ssl, buf, n > INT_MAX ? INT_MAX : (int)n);

	if (r > 0)
		return r;
	return SSL_get_error(t->ssl, r) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
}

static ssize_t tls_write(mailstream_low *low, const void *buf, size_t n)
{
	struct tls_low *t = low->data;
	int r = SSL_write(t->ssl, buf, n > INT_MAX ? INT_MAX : (int)n);

	return r > 0 ? r : -1;
}

static int tls_close(mailstream_low *low)
{
	struct tls_low *t = low->data;

	if (t->fd >= 0) {
		(void)SSL_shutdown(t->ssl);  /* close_notify, not waiting for theirs */
		close(t->fd);
		t->fd = -1;
	}
	return 0;
}

static int tls_get_fd(mailstream_low *low)
{
	return ((struct tls_low *)low->data)->fd;
}

static void tls_free_data(struct tls_low *t)
{
	SSL_free(t->ssl);
	SSL_CTX_free(t->ctx);
	free(t);
}

static void tls_free(mailstream_low *low)
{
	struct tls_low *t = low->data;

	if (t->fd >= 0)
		close(t->fd);
	tls_free_data(t);
	free(low);
}

static void tls_cancel(mailstream_low *low)
{
	(void)low;
}

static struct mailstream_cancel *tls_get_cancel(mailstream_low *low)
{
	(void)low;
	return NULL;
}

static carray *tls_chain(mailstream_low *low)
{
	(void)low;
	return NULL;
}

static int tls_idle_noop(mailstream_low *low)
{
	(void)low;
	return 0;
}

static mailstream_low_driver tls_driver = {
	.mailstream_read = tls_read,
	.mailstream_write = tls_write,
	.mailstream_close = tls_close,
	.mailstream_get_fd = tls_get_fd,
	.mailstream_free = tls_free,
	.mailstream_cancel = tls_cancel,
	.mailstream_get_cancel = tls_get_cancel,
	.mailstream_get_certificate_chain = tls_chain,
	.mailstream_setup_idle = tls_idle_noop,
	.mailstream_unsetup_idle = tls_idle_noop,
	.mailstream_interrupt_idle = tls_idle_noop,
};

static void set_socket_timeout(int fd, unsigned timeout)
{
	struct timeval tv = { (time_t)timeout, 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int is_ip_literal(const char *host)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

/* What OpenSSL's error queue says last, or FALLBACK. */
static char *ssl_error_text(const char *fallback)
{
	unsigned long e = ERR_peek_last_error();
	char text[256];

	if (e == 0)
		return xstrdup(fallback);
	ERR_error_string_n(e, text, sizeof(text));
	return xstrdup(text);
}

static SSL_CTX *make_ctx(const char *ca_file, char **error_r)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		*error_r = ssl_error_text("cannot create a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (ca_file != NULL ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1
			    : SSL_CTX_set_default_verify_paths(ctx) != 1) {
		char *why = ssl_error_text("unreadable");

		*error_r = ca_file != NULL ? xasprintf("[imap] ca_file \"%s\": %s", ca_file, why)
					   : xasprintf("the system's CA certificates: %s", why);
		free(why);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

mailstream_low *imap_tls_open(int fd, const char *host, const char *ca_file,
			      unsigned timeout, enum imap_err *kind_r, char **error_r)
{
	struct tls_low *t;
	mailstream_low *low;
	long vr;

	ERR_clear_error();
	*kind_r = IMAP_E_TLS;
	t = xcalloc(1, sizeof(*t));
	t->fd = -1;
	t->ctx = make_ctx(ca_file, error_r);
	if (t->ctx == NULL)
		goto fail;
	t->ssl = SSL_new(t->ctx);
	if (t->ssl == NULL || SSL_set_fd(t->ssl, fd) != 1) {
		*error_r = ssl_error_text("cannot set up TLS");
		goto fail;
	}
	if (is_ip_literal(host)) {
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), host);
	} else {
		SSL_set_tlsext_host_name(t->ssl, host);
		SSL_set1_host(t->ssl, host);
	}
	set_socket_timeout(fd, timeout);
	if (SSL_connect(t->ssl) != 1) {
		vr = SSL_get_verify_result(t->ssl);
		if (vr != X509_V_OK) {
			*kind_r = IMAP_E_CERT;
			*error_r = xasprintf("certificate not accepted: %s%s",
					     X509_verify_cert_error_string(vr),
					     ca_file == NULL ? " (a private CA? set [imap] ca_file)"
							     : "");
		} else {
			char *why = ssl_error_text(errno != 0 ? strerror(errno)
							      : "connection closed");

			*error_r = xasprintf("TLS handshake failed: %s", why);
			free(why);
		}
		goto fail;
	}
	low = mailstream_low_new(t, &tls_driver);
	if (low == NULL) {
		*error_r = xstrdup("out of memory");
		goto fail;
	}
	t->fd = fd;
	*kind_r = IMAP_OK;
	return low;
fail:
	if (t->ssl != NULL || t->ctx != NULL)
		tls_free_data(t);
	else
		free(t);
	return NULL;
}
