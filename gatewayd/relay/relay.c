/*
 * relay.c - deliver one claimed outbox row: compose it, send it, record
 * the result, log one line.  Also the retry arithmetic and the
 * synchronous relay_run_once() that `gatewayctl tick` uses; the daemon's
 * threads (relay_threads.c) call the same relay_deliver().
 */
#include "relay_int.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "pool.h"

/* ---- retry arithmetic --------------------------------------------------- */

int64_t relay_backoff(const struct cfg_mail *mail, int attempts, uint32_t jitter)
{
	int64_t delay = mail->retry_min > 0 ? mail->retry_min : 1;
	int64_t max = mail->retry_max > delay ? mail->retry_max : delay;

	/* delay < max <= 30 days before each doubling: no overflow. */
	for (int i = 1; i < attempts && delay < max; i++)
		delay *= 2;
	if (delay > max)
		delay = max;
	return delay + (int64_t)(jitter % (uint32_t)(delay / 10 + 1));
}

const char *relay_outcome_name(enum relay_outcome outcome)
{
	switch (outcome) {
	case RELAY_SENT:
		return "sent";
	case RELAY_DEFERRED:
		return "deferred";
	case RELAY_FAILED:
		return "failed";
	}
	return "unknown";
}

enum relay_outcome relay_decide(const struct cfg_mail *mail, enum gw_result result,
				int attempts, int64_t created_at, int64_t now,
				uint32_t jitter, int64_t *next_attempt_r)
{
	int64_t last_try, next;

	*next_attempt_r = 0;
	if (result == GW_OK)
		return RELAY_SENT;
	if (result != GW_TEMPFAIL)
		return RELAY_FAILED;
	if (created_at <= 0 || created_at > now)
		created_at = now;
	last_try = created_at + mail->max_lifetime;
	if (now >= last_try)
		return RELAY_FAILED;
	next = now + relay_backoff(mail, attempts, jitter);
	*next_attempt_r = next < last_try ? next : last_try;
	return RELAY_DEFERRED;
}

uint32_t relay_random(void)
{
	static _Thread_local uint64_t state;

	if (state == 0) {
		state = (uint64_t)clock_monotonic_ms() ^ ((uint64_t)(uintptr_t)&state << 16) ^
			(uint64_t)pthread_self();
		if (state == 0)
			state = 0x9e3779b97f4a7c15ULL;
	}
	/* xorshift64 */
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return (uint32_t)(state >> 32);
}

/* "90s", "5m", "2h", "5d": how the config spells it. */
static const char *format_duration(int64_t s, char out[32])
{
	if (s > 0 && s % CLOCK_DAY == 0)
		snprintf(out, 32, "%" PRId64 "d", s / CLOCK_DAY);
	else if (s > 0 && s % 3600 == 0)
		snprintf(out, 32, "%" PRId64 "h", s / 3600);
	else if (s > 0 && s % 60 == 0)
		snprintf(out, 32, "%" PRId64 "m", s / 60);
	else
		snprintf(out, 32, "%" PRId64 "s", s);
	return out;
}

/* ---- transport ---------------------------------------------------------- */

static int read_password(const char *path, char **password_r, char **error_r)
{
	FILE *f = fopen(path, "r");
	char line[1024];

	if (f == NULL) {
		*error_r = xasprintf("cannot read \"%s\": %s", path, strerror(errno));
		return -1;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '\0') {
		*error_r = xasprintf("\"%s\": no password on the first line", path);
		return -1;
	}
	*password_r = xstrdup(line);
	explicit_bzero(line, sizeof(line));
	return 0;
}

int relay_transport_open(const struct cfg_mail *mail, struct transport **transport_r,
			 char **error_r)
{
	struct transport_settings ts;
	char *password = NULL;
	int rc;

	*transport_r = NULL;
	memset(&ts, 0, sizeof(ts));
	ts.helo_name = mail->helo_name;
	ts.timeout = (unsigned int)mail->timeout;
	if (transport_tls_parse(mail->starttls != NULL ? mail->starttls : "try",
				&ts.starttls) < 0) {
		*error_r = xasprintf("[mail] starttls: unknown value \"%s\"", mail->starttls);
		return -1;
	}
	if (mail->auth_user != NULL) {
		if (mail->auth_password_file == NULL) {
			*error_r = xstrdup("[mail] auth_user is set but auth_password_file is not");
			return -1;
		}
		if (read_password(mail->auth_password_file, &password, error_r) < 0)
			return -1;
		ts.auth_user = mail->auth_user;
		ts.auth_password = password;
	}
	rc = transport_open(mail->transport, &ts, transport_r, error_r);
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	return rc;
}

/* ---- one delivery -------------------------------------------------------- */

/* Send the row only when at least this much of its lease is left. */
static int64_t lease_margin(const struct cfg_mail *mail)
{
	int64_t half = mail->lease / 2, steps = mail->timeout * 6;

	return steps < half ? steps : half;
}

/* ---- writes (relay_write) ----------------------------------------------- */

struct write_call {
	void (*fn)(struct store *store, void *arg);
	struct store *store;
	void *arg;
};

static void write_on_lane(struct store *lane_store, void *arg)
{
	struct write_call *c = arg;

	GW_UNUSED(lane_store);  /* the relay's own connection: see relay_write */
	c->fn(c->store, c->arg);
}

void relay_write(struct store_pool *pool, struct store *store,
		 void (*fn)(struct store *store, void *arg), void *arg)
{
	struct write_call c = { fn, store, arg };

	if (pool == NULL)
		fn(store, arg);
	else
		store_pool_run(pool, STORE_LANE_WRITE, write_on_lane, &c);
}

/* ---- one delivery -------------------------------------------------------- */

/* The outcome of one row: sent, deferred or failed. */
struct outcome_write {
	int64_t id;
	enum relay_outcome outcome;
	int64_t now, next_attempt;
	const char *what;
	enum gw_result result;
	char *error;
};

static void write_outcome(struct store *store, void *arg)
{
	struct outcome_write *o = arg;

	switch (o->outcome) {
	case RELAY_SENT:
		o->result = store_outbox_sent(store, o->id, o->now, &o->error);
		break;
	case RELAY_DEFERRED:
		o->result = store_outbox_defer(store, o->id, o->next_attempt, o->what, &o->error);
		break;
	case RELAY_FAILED:
		o->result = store_outbox_fail(store, o->id, o->what, &o->error);
		break;
	}
}

/*
 * Record OUTCOME for ROW, each in a commit of its own, and log the
 * delivery line.  what is the server's reply or the reason; it is copied
 * into last_error for defer/fail.  A row sent is marked at once, before
 * the worker sends anything else: a process that dies after the server's
 * 250 and before this commit re-sends that one mail (same Message-ID),
 * and no other (relay.h, "Durability").
 */
static void record(struct store *store,
		   const struct store_outbox *row, enum relay_outcome outcome,
		   int64_t next_attempt, int64_t now, const char *what,
		   const struct relay_writer *writer, struct relay_report *report)
{
	const char *rcpt = row->recipient_address != NULL ? row->recipient_address : "";
	struct outcome_write o = { row->id, outcome, now, next_attempt, what, GW_OK, NULL };
	char *error;
	enum gw_result r;
	char d[32];

	if (writer != NULL)
		relay_write(writer->pool, writer->store, write_outcome, &o);
	else
		write_outcome(store, &o);
	r = o.result;
	error = o.error;

	if (outcome == RELAY_SENT) {
		if (r == GW_OK)
			log_info("relay: outbox %" PRId64 " to %s: sent (%s)", row->id, rcpt, what);
		report->sent++;
	} else if (outcome == RELAY_DEFERRED) {
		if (r == GW_OK)
			log_info("relay: outbox %" PRId64 " to %s: %s, retry in %s", row->id,
				 rcpt, what, format_duration(next_attempt - now, d));
		report->deferred++;
	} else {
		if (r == GW_OK)
			log_warn("relay: outbox %" PRId64 " to %s: failed: %s", row->id, rcpt,
				 what);
		report->failed++;
	}
	if (r != GW_OK) {
		/* The row stays "sending"; after its lease it is tried again. */
		log_error("relay: outbox %" PRId64 " to %s: %s (%s), but recording it failed: %s",
			  row->id, rcpt, relay_outcome_name(outcome), what,
			  error != NULL ? error : gw_result_name(r));
	}
	free(error);
}

int relay_deliver(const struct relay_settings *rs, struct store *store,
		  struct transport *transport, const struct store_outbox *row,
		  int64_t now, struct buf *scratch, const struct relay_writer *writer,
		  struct relay_report *report)
{
	struct store_compose rec;
	struct relay_letter letter;
	enum relay_outcome outcome;
	enum gw_result r;
	int64_t next = 0;
	char *error = NULL, *reply = NULL, *what = NULL;
	char d[32];

	report->claimed++;
	if (row->lease_until != 0 && row->lease_until - now < lease_margin(rs->mail)) {
		log_warn("relay: outbox %" PRId64 " to %s: lease nearly over, left for "
			 "redelivery after it", row->id, row->recipient_address);
		report->skipped++;
		return 0;
	}

	memset(&rec, 0, sizeof(rec));
	r = store_compose_get(store, row->id, &rec, &error);
	if (r == GW_TEMPFAIL) {
		what = xasprintf("cannot read the outbox row: %s", error);
		outcome = relay_decide(rs->mail, GW_TEMPFAIL, row->attempts, row->created_at,
				       now, relay_random(), &next);
		goto done;
	}
	if (r != GW_OK) {
		what = xasprintf("cannot compose: %s", error != NULL ? error : gw_result_name(r));
		outcome = RELAY_FAILED;
		goto done;
	}
	if (relay_letter_fill(rs, &rec, now, &letter, &error) < 0) {
		what = xasprintf("cannot compose: %s", error);
		outcome = RELAY_FAILED;
		goto done_rec;
	}
	buf_reset(scratch);
	if (compose_render(&letter.mail, scratch, &error) < 0) {
		what = xasprintf("cannot compose: %s", error);
		outcome = RELAY_FAILED;
		goto done_letter;
	}
	r = transport_send(transport, letter.envelope_from, letter.mail.to_address,
			   scratch->data, scratch->len, &reply);
	outcome = relay_decide(rs->mail, r, row->attempts, row->created_at, now,
			       relay_random(), &next);
	if (reply == NULL)
		reply = xstrdup(gw_result_name(r));
	if (outcome == RELAY_FAILED && r == GW_TEMPFAIL)
		what = xasprintf("%s (gave up: older than max_lifetime %s)", reply,
				 format_duration(rs->mail->max_lifetime, d));
	else
		what = xstrdup(reply);
done_letter:
	relay_letter_clear(&letter);
done_rec:
	store_compose_clear(&rec);
done:
	record(store, row, outcome, next, now, what, writer, report);
	free(what);
	free(reply);
	free(error);
	return (int)outcome;
}

/* ---- once, synchronously --------------------------------------------------- */

enum gw_result relay_run_once(const struct gw_config *cfg, const struct link_keys *keys,
			      struct store *store, struct transport *transport,
			      int64_t now, struct relay_report *report_r, char **error_r)
{
	struct relay_settings rs;
	struct buf scratch = BUF_INIT;
	enum gw_result r = GW_OK;

	relay_settings_init(&rs, cfg, keys);
	for (;;) {
		struct store_outbox_list list = { NULL, 0 };

		r = store_outbox_claim(store, now, cfg->mail.lease, RELAY_BATCH, &list, error_r);
		if (r != GW_OK || list.count == 0) {
			store_outbox_list_free(&list);
			break;
		}
		for (size_t i = 0; i < list.count; i++)
			relay_deliver(&rs, store, transport, &list.items[i], now, &scratch,
				      NULL, report_r);
		store_outbox_list_free(&list);
	}
	buf_release(&scratch);
	return r;
}

enum gw_result relay_deliver_due(const struct gw_config *cfg, struct store *store,
				 int64_t now, struct relay_report *report_r,
				 char **error_r)
{
	struct link_keys *keys = NULL;
	struct transport *transport = NULL;
	char *error = NULL;
	enum gw_result r;

	if (link_keys_load(cfg->links.key_file, &keys, &error) < 0) {
		*error_r = xasprintf("[links] key_file: %s", error);
		free(error);
		return GW_TEMPFAIL;
	}
	if (relay_transport_open(&cfg->mail, &transport, &error) < 0) {
		*error_r = xasprintf("[mail] transport: %s", error);
		free(error);
		link_keys_free(&keys);
		return GW_TEMPFAIL;
	}
	r = relay_run_once(cfg, keys, store, transport, now, report_r, error_r);
	transport_close(&transport);
	link_keys_free(&keys);
	return r;
}
