/*
 * webhook_post.c - one signed POST of a webhook event, with libcurl.
 *
 * libcurl rather than our own HTTP: TLS with certificate checks, proxies
 * from the environment, chunked and keep-alive answers, and timeouts that
 * cover name lookup, connect, TLS and the whole exchange.  A thread keeps
 * its easy handle (reset before each POST, so no option carries over) for
 * the connections libcurl keeps open to the endpoints: a busy endpoint is
 * not reconnected for every event.
 */
#include "webhook_delivery.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "store_webhooks.h"
#include "webhook.h"

/* What we keep of an answer's body, for the error message. */
#define ANSWER_KEEP 200

char *webhook_signature(const char *secret, int64_t t, const char *body, size_t body_len)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	struct buf msg = BUF_INIT;
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	buf_printf(&msg, "%lld.", (long long)t);
	buf_append(&msg, body, body_len);
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)buf_cstr(&msg),
	     msg.len, mac, &mac_len);
	buf_release(&msg);
	for (unsigned int i = 0; i < mac_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	hex[2 * mac_len] = '\0';
	OPENSSL_cleanse(mac, sizeof(mac));
	return xasprintf("t=%lld,v1=%s", (long long)t, hex);
}

int webhook_post_init(char **error_r)
{
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (rc != CURLE_OK) {
		*error_r = xasprintf("libcurl: %s", curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

struct webhook_client {
	CURL *curl;
};

struct webhook_client *webhook_client_new(void)
{
	struct webhook_client *c = xcalloc(1, sizeof(*c));

	c->curl = curl_easy_init();
	if (c->curl == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void webhook_client_free(struct webhook_client **clientp)
{
	struct webhook_client *c = clientp != NULL ? *clientp : NULL;

	if (c == NULL)
		return;
	*clientp = NULL;
	curl_easy_cleanup(c->curl);
	free(c);
}

static size_t keep_some(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t len = size * n;

	if (b->len < ANSWER_KEEP)
		buf_append(b, data, len < ANSWER_KEEP - b->len ? len : ANSWER_KEEP - b->len);
	return len;
}

/* The first line of what the endpoint said, printable, for the log. */
static char *answer_text(struct buf *b)
{
	char *s = xstrdup(buf_cstr(b));
	size_t n = strcspn(s, "\r\n");

	s[n] = '\0';
	for (char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	return s;
}

static struct curl_slist *headers_for(const struct store_webhook_delivery *d, int64_t now,
				      const char *signature)
{
	struct curl_slist *h = NULL;
	char line[256];

	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
	snprintf(line, sizeof(line), "Gatewayd-Event: %s", d->type);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "Gatewayd-Event-Id: %s", d->event_id);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "Gatewayd-Timestamp: %lld", (long long)now);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "Gatewayd-Signature: %s", signature);
	h = curl_slist_append(h, line);
	return h;
}

static enum gw_result judge(CURL *c, CURLcode rc, int64_t timeout, const char *errbuf,
			    struct buf *body, struct webhook_answer *a)
{
	char *text;

	if (rc == CURLE_OPERATION_TIMEDOUT) {
		a->error = xasprintf("no answer within %llds ([webhooks] timeout)",
				     (long long)timeout);
		return GW_TEMPFAIL;
	}
	if (rc != CURLE_OK) {
		a->error = xasprintf("%s", *errbuf != '\0' ? errbuf : curl_easy_strerror(rc));
		return GW_TEMPFAIL;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
	if (a->status >= 200 && a->status <= 299)
		return GW_OK;
	text = answer_text(body);
	if (a->status >= 300 && a->status <= 399) {
		char *location = NULL;

		curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location);
		a->error = xasprintf("answered %ld, a redirect to %s; redirects are not followed:"
				     " set the endpoint's url to where it should post",
				     a->status, location != NULL ? location : "(no Location)");
	} else {
		a->error = xasprintf("answered %ld%s%s", a->status, *text != '\0' ? ": " : "",
				     text);
	}
	free(text);
	return GW_TEMPFAIL;
}

enum gw_result webhook_post(struct webhook_client *client,
			    const struct store_webhook_delivery *d, int64_t now,
			    int64_t timeout, struct webhook_answer *a)
{
	char errbuf[CURL_ERROR_SIZE] = "", *secret = NULL, *why = NULL, *sig;
	struct curl_slist *headers;
	struct buf body = BUF_INIT;
	enum gw_result r;
	CURL *c;

	memset(a, 0, sizeof(*a));
	if (webhook_url_check(d->url, &why) < 0 ||
	    webhook_secret_read(d->secret_file, &secret, &why) < 0) {
		a->error = xasprintf("secret_file %s", why);
		free(why);
		return GW_TEMPFAIL;
	}
	sig = webhook_signature(secret, now, d->body, strlen(d->body));
	OPENSSL_cleanse(secret, strlen(secret));
	free(secret);
	c = client->curl;
	curl_easy_reset(c);
	headers = headers_for(d, now, sig);
	curl_easy_setopt(c, CURLOPT_URL, d->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)timeout);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, d->body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(d->body));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "gatewayd/" GW_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_some);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	r = judge(c, curl_easy_perform(c), timeout, errbuf, &body, a);
	/* Nothing of this call may stay behind in the handle. */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, NULL);
	curl_slist_free_all(headers);
	buf_release(&body);
	free(sig);
	return r;
}

void webhook_answer_clear(struct webhook_answer *a)
{
	if (a == NULL)
		return;
	free(a->error);
	a->error = NULL;
}

int64_t webhook_backoff(const struct cfg_webhooks *cfg, int attempts)
{
	int64_t d = cfg->retry_min;

	for (int i = 1; i < attempts && d < cfg->retry_max; i++)
		d *= 2;
	return d < cfg->retry_max ? d : cfg->retry_max;
}
