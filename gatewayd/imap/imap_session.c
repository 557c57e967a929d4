/*
 * imap_session.c - one IMAP session with libetpan's client (mailimap_*):
 * connect with a timeout, TLS (imap_tls.c), LOGIN, SELECT, the UIDs of
 * the mailbox, FETCH of one message (bounded), MOVE or COPY + EXPUNGE,
 * and IDLE.  Blocking calls, each bounded by the session's timeout; the
 * reader (imap.c) runs them on a thread of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "imap_int.h"

/* The server's last response text, one line and short, for messages. */
static const char *said(const struct imap_session *s)
{
	const char *r = s->imap != NULL ? s->imap->imap_response : NULL;

	return r != NULL && *r != '\0' ? r : "no reason given";
}

/* Map a libetpan result of COMMAND to a kind and a line. */
static int fail_cmd(struct imap_session *s, int r, const char *command, enum imap_err *kind_r,
		    char **error_r)
{
	if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE ||
	    r == MAILIMAP_ERROR_FATAL || r == MAILIMAP_ERROR_BAD_STATE) {
		*kind_r = IMAP_E_LOST;
		*error_r = xasprintf("%s: connection lost during %s%s%s", s->label, command,
				     r == MAILIMAP_ERROR_FATAL ? ": " : "",
				     r == MAILIMAP_ERROR_FATAL ? said(s) : "");
	} else {
		*kind_r = IMAP_E_NO;
		*error_r = xasprintf("%s: %s refused: %.200s", s->label, command, said(s));
	}
	return -1;
}

/* TCP to host:port within timeout seconds; the socket, or -1. */
static int tcp_connect(const struct imap_session_settings *set, const char *label,
		       char **error_r)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[16];
	int fd = -1, rc, err = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", set->port);
	rc = getaddrinfo(set->host, port, &hints, &res);
	if (rc != 0) {
		*error_r = xasprintf("%s: cannot resolve: %s", label, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		socklen_t len = sizeof(err);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (rc < 0 && errno == EINPROGRESS) {
			struct pollfd ps[2] = { { fd, POLLOUT, 0 }, { set->stop_fd, POLLIN, 0 } };

			rc = poll(ps, set->stop_fd >= 0 ? 2 : 1, (int)set->timeout * 1000);
			if (rc == 0) {
				err = ETIMEDOUT;
				rc = -1;
			} else if (rc > 0 && ps[1].revents != 0) {
				err = ECANCELED;
				rc = -1;
			} else if (rc > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
				   err == 0) {
				rc = 0;
			} else {
				rc = -1;
			}
		} else if (rc < 0) {
			err = errno;
		}
		if (rc == 0) {
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		*error_r = xasprintf("%s: cannot connect: %s", label, strerror(err != 0 ? err : EIO));
	return fd;
}

static int start_tls(struct imap_session *s, const struct imap_session_settings *set,
		     enum imap_err *kind_r, char **error_r)
{
	mailstream_low *low, *tls;
	char *why = NULL;
	int r = mailimap_starttls(s->imap), fd;

	if (r != MAILIMAP_NO_ERROR) {
		if (fail_cmd(s, r, "STARTTLS", kind_r, &why) < 0 && *kind_r == IMAP_E_NO) {
			*kind_r = IMAP_E_TLS;
			*error_r = xasprintf("%s; set [imap] starttls = no only on a trusted "
					     "network", why);
			free(why);
		} else {
			*error_r = why;
		}
		return -1;
	}
	/* What the server sent after its OK came before the handshake: a
	 * man in the middle could have put it there.  Never read it as if it
	 * had come through TLS. */
	if (s->imap->imap_stream->read_buffer_len != 0) {
		*kind_r = IMAP_E_TLS;
		*error_r = xasprintf("%s sent more after its STARTTLS reply; not starting TLS "
				     "on that connection", s->label);
		return -1;
	}
	low = mailstream_get_low(s->imap->imap_stream);
	fd = mailstream_low_get_fd(low);
	tls = imap_tls_open(fd, set->host, set->ca_file, set->timeout, kind_r, &why);
	if (tls == NULL) {
		*error_r = xasprintf("%s: %s", s->label, why);
		free(why);
		return -1;
	}
	/* The plain layer goes (its free does not close the socket); the
	 * socket stays with the TLS layer. */
	mailstream_low_free(low);
	mailstream_set_low(s->imap->imap_stream, tls);
	return 0;
}

static void read_capabilities(struct imap_session *s)
{
	struct mailimap_capability_data *cap = NULL;

	if (mailimap_capability(s->imap, &cap) == MAILIMAP_NO_ERROR)
		mailimap_capability_data_free(cap);
	s->has_idle = mailimap_has_idle(s->imap);
	s->has_move = mailimap_has_extension(s->imap, "MOVE");
	s->has_uidplus = mailimap_has_uidplus(s->imap);
}

int imap_session_open(const struct imap_session_settings *set, struct imap_session **s_r,
		      enum imap_err *kind_r, char **error_r)
{
	struct imap_session *s = xcalloc(1, sizeof(*s));
	mailstream *stream = NULL;
	int fd, r;

	*s_r = NULL;
	s->label = xasprintf(strchr(set->host, ':') != NULL ? "[%s]:%d" : "%s:%d", set->host,
			     set->port);
	*kind_r = IMAP_E_CONNECT;
	fd = tcp_connect(set, s->label, error_r);
	if (fd < 0)
		goto fail;
	s->socket_cb = set->socket_cb;
	s->ctx = set->ctx;
	if (s->socket_cb != NULL)
		s->socket_cb(s->ctx, fd);
	if (set->implicit_tls) {
		char *why = NULL;
		mailstream_low *tls = imap_tls_open(fd, set->host, set->ca_file, set->timeout,
						    kind_r, &why);

		if (tls == NULL) {
			*error_r = xasprintf("%s: %s", s->label, why);
			free(why);
			if (s->socket_cb != NULL)
				s->socket_cb(s->ctx, -1);
			close(fd);
			goto fail;
		}
		stream = mailstream_new(tls, 8192);
	} else {
		stream = mailstream_socket_open_timeout(fd, set->timeout);
	}
	if (stream == NULL) {
		*error_r = xasprintf("%s: out of memory", s->label);
		if (s->socket_cb != NULL)
			s->socket_cb(s->ctx, -1);
		close(fd);
		goto fail;
	}
	s->imap = mailimap_new(0, NULL);
	mailimap_set_timeout(s->imap, set->timeout);
	r = mailimap_connect(s->imap, stream);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED && r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		*kind_r = IMAP_E_CONNECT;
		*error_r = xasprintf("%s: no IMAP greeting (%s)", s->label,
				     r == MAILIMAP_ERROR_FATAL ? said(s) : "connection closed");
		goto fail;
	}
	if (!set->implicit_tls && set->starttls && start_tls(s, set, kind_r, error_r) < 0)
		goto fail;
	r = mailimap_login(s->imap, set->user, set->password);
	if (r != MAILIMAP_NO_ERROR) {
		if (fail_cmd(s, r, "LOGIN", kind_r, error_r) < 0 && *kind_r == IMAP_E_NO) {
			free(*error_r);
			*kind_r = IMAP_E_LOGIN;
			*error_r = xasprintf("%s: login as \"%s\" refused: %.200s", s->label,
					     set->user, said(s));
		}
		goto fail;
	}
	read_capabilities(s);
	*kind_r = IMAP_OK;
	*s_r = s;
	return 0;
fail:
	imap_session_close(&s);
	return -1;
}

void imap_session_close(struct imap_session **sp)
{
	struct imap_session *s = sp != NULL ? *sp : NULL;

	if (s == NULL)
		return;
	*sp = NULL;
	if (s->imap != NULL && s->imap->imap_state >= MAILIMAP_STATE_AUTHENTICATED)
		(void)mailimap_logout(s->imap);
	/* before the socket is closed, so that its number is never shut
	 * down once it may belong to another file */
	if (s->socket_cb != NULL)
		s->socket_cb(s->ctx, -1);
	if (s->imap != NULL)
		mailimap_free(s->imap);
	free(s->label);
	free(s);
}

int imap_session_select(struct imap_session *s, const char *mailbox, uint32_t *uidvalidity_r,
			enum imap_err *kind_r, char **error_r)
{
	int r = mailimap_select(s->imap, mailbox);

	if (r != MAILIMAP_NO_ERROR) {
		if (fail_cmd(s, r, "SELECT", kind_r, error_r) < 0 && *kind_r == IMAP_E_NO) {
			free(*error_r);
			*kind_r = IMAP_E_MAILBOX;
			*error_r = xasprintf("%s: mailbox \"%s\" cannot be read: %.200s", s->label,
					     mailbox, said(s));
		}
		return -1;
	}
	*uidvalidity_r = s->imap->imap_selection_info != NULL ?
				 s->imap->imap_selection_info->sel_uidvalidity : 0;
	return 0;
}

static int cmp_uid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int imap_session_uids(struct imap_session *s, uint32_t **uids_r, size_t *n_r,
		      enum imap_err *kind_r, char **error_r)
{
	struct mailimap_search_key *key = mailimap_search_key_new_all();
	clist *result = NULL;
	clistiter *it;
	size_t n = 0;
	int r = mailimap_uid_search(s->imap, NULL, key, &result);

	mailimap_search_key_free(key);
	*uids_r = NULL;
	*n_r = 0;
	if (r != MAILIMAP_NO_ERROR)
		return fail_cmd(s, r, "UID SEARCH", kind_r, error_r);
	if (clist_count(result) > 0)
		*uids_r = xcalloc((size_t)clist_count(result), sizeof(**uids_r));
	for (it = clist_begin(result); it != NULL; it = clist_next(it))
		(*uids_r)[n++] = *(uint32_t *)clist_content(it);
	mailimap_search_result_free(result);
	if (n > 1)
		qsort(*uids_r, n, sizeof(**uids_r), cmp_uid);
	*n_r = n;
	return 0;
}

/* UID FETCH of one message with ATT; the item list of its answer (the
 * one whose UID is uid: a server may add unsolicited FETCH responses). */
static int fetch_one(struct imap_session *s, uint32_t uid, struct mailimap_fetch_att *att,
		     const char *what, clist **result_r, clist **items_r, enum imap_err *kind_r,
		     char **error_r)
{
	struct mailimap_set *set = mailimap_set_new_single(uid);
	struct mailimap_fetch_type *type = mailimap_fetch_type_new_fetch_att_list_empty();
	clistiter *it;
	int r;

	mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(type, att);
	r = mailimap_uid_fetch(s->imap, set, type, result_r);
	mailimap_fetch_type_free(type);
	mailimap_set_free(set);
	*items_r = NULL;
	if (r != MAILIMAP_NO_ERROR) {
		*result_r = NULL;
		return fail_cmd(s, r, what, kind_r, error_r);
	}
	for (it = clist_begin(*result_r); it != NULL; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		clistiter *j;

		for (j = clist_begin(ma->att_list); j != NULL; j = clist_next(j)) {
			struct mailimap_msg_att_item *item = clist_content(j);

			if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
			    item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID &&
			    item->att_data.att_static->att_data.att_uid == uid)
				*items_r = ma->att_list;
		}
	}
	return 0;
}

static struct mailimap_msg_att_static *find_static(clist *items, int type)
{
	for (clistiter *j = clist_begin(items); j != NULL; j = clist_next(j)) {
		struct mailimap_msg_att_item *item = clist_content(j);

		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
		    item->att_data.att_static->att_type == type)
			return item->att_data.att_static;
	}
	return NULL;
}

int imap_session_size(struct imap_session *s, uint32_t uid, uint32_t *size_r, int *gone_r,
		      enum imap_err *kind_r, char **error_r)
{
	clist *result, *items;
	struct mailimap_msg_att_static *st;

	*gone_r = 0;
	if (fetch_one(s, uid, mailimap_fetch_att_new_rfc822_size(), "FETCH RFC822.SIZE", &result,
		      &items, kind_r, error_r) < 0)
		return -1;
	st = items != NULL ? find_static(items, MAILIMAP_MSG_ATT_RFC822_SIZE) : NULL;
	if (st == NULL)
		*gone_r = 1;
	else
		*size_r = st->att_data.att_rfc822_size;
	mailimap_fetch_list_free(result);
	return 0;
}

int imap_session_fetch(struct imap_session *s, uint32_t uid, int header_only, size_t max,
		       char **data_r, size_t *len_r, enum imap_err *kind_r, char **error_r)
{
	struct mailimap_section *sec = header_only ? mailimap_section_new_header()
						   : mailimap_section_new(NULL);
	struct mailimap_fetch_att *att = mailimap_fetch_att_new_body_peek_section_partial(
		sec, 0, max > UINT32_MAX ? UINT32_MAX : (uint32_t)max);
	struct mailimap_msg_att_static *st;
	clist *result, *items;

	*data_r = NULL;
	*len_r = 0;
	if (fetch_one(s, uid, att, header_only ? "FETCH BODY[HEADER]" : "FETCH BODY[]", &result,
		      &items, kind_r, error_r) < 0)
		return -1;
	st = items != NULL ? find_static(items, MAILIMAP_MSG_ATT_BODY_SECTION) : NULL;
	if (st == NULL) {
		mailimap_fetch_list_free(result);
		*kind_r = IMAP_E_NO;
		*error_r = xasprintf("%s: FETCH of UID %u returned no body", s->label, uid);
		return -1;
	}
	*len_r = st->att_data.att_body_section->sec_length;
	if (*len_r > max)
		*len_r = max;
	*data_r = xmalloc(*len_r + 1);
	if (*len_r > 0)
		memcpy(*data_r, st->att_data.att_body_section->sec_body_part, *len_r);
	(*data_r)[*len_r] = '\0';
	mailimap_fetch_list_free(result);
	return 0;
}

static int flag_deleted(struct imap_session *s, struct mailimap_set *set, enum imap_err *kind_r,
			char **error_r)
{
	struct mailimap_flag_list *flags = mailimap_flag_list_new_empty();
	struct mailimap_store_att_flags *att;
	int r;

	mailimap_flag_list_add(flags, mailimap_flag_new_deleted());
	att = mailimap_store_att_flags_new_add_flags_silent(flags);
	r = mailimap_uid_store(s->imap, set, att);
	mailimap_store_att_flags_free(att);
	if (r != MAILIMAP_NO_ERROR)
		return fail_cmd(s, r, "UID STORE +FLAGS (\\Deleted)", kind_r, error_r);
	/* Without UIDPLUS, EXPUNGE also removes what anyone else marked
	 * \Deleted in this mailbox (docs/imap.md). */
	r = s->has_uidplus ? mailimap_uid_expunge(s->imap, set) : mailimap_expunge(s->imap);
	if (r != MAILIMAP_NO_ERROR)
		return fail_cmd(s, r, s->has_uidplus ? "UID EXPUNGE" : "EXPUNGE", kind_r, error_r);
	return 0;
}

static int move_once(struct imap_session *s, struct mailimap_set *set, const char *mailbox,
		     enum imap_err *kind_r, char **error_r)
{
	int r;

	if (s->has_move) {
		r = mailimap_uid_move(s->imap, set, mailbox);
		return r == MAILIMAP_NO_ERROR ? 0 : fail_cmd(s, r, "UID MOVE", kind_r, error_r);
	}
	r = mailimap_uid_copy(s->imap, set, mailbox);
	if (r != MAILIMAP_NO_ERROR)
		return fail_cmd(s, r, "UID COPY", kind_r, error_r);
	return flag_deleted(s, set, kind_r, error_r);
}

int imap_session_move(struct imap_session *s, uint32_t uid, const char *mailbox,
		      enum imap_err *kind_r, char **error_r)
{
	struct mailimap_set *set = mailimap_set_new_single(uid);
	int rc = move_once(s, set, mailbox, kind_r, error_r);

	if (rc < 0 && *kind_r == IMAP_E_NO) {
		/* [TRYCREATE] or not: create the target once and try again. */
		char *first = *error_r;

		*error_r = NULL;
		(void)mailimap_create(s->imap, mailbox);
		rc = move_once(s, set, mailbox, kind_r, error_r);
		if (rc < 0 && *kind_r == IMAP_E_NO) {
			free(*error_r);
			*error_r = xasprintf("%s (to \"%s\", which could not be created either)",
					     first, mailbox);
		}
		free(first);
	}
	mailimap_set_free(set);
	return rc;
}

int imap_session_delete(struct imap_session *s, uint32_t uid, enum imap_err *kind_r,
			char **error_r)
{
	struct mailimap_set *set = mailimap_set_new_single(uid);
	int rc = flag_deleted(s, set, kind_r, error_r);

	mailimap_set_free(set);
	return rc;
}

/* Wait up to ms for FD or the stop descriptor. */
static enum imap_wait poll_two(int fd, int stop_fd, int64_t ms)
{
	struct pollfd p[2] = { { stop_fd, POLLIN, 0 }, { fd, POLLIN, 0 } };
	int64_t until = clock_monotonic_ms() + ms;

	for (;;) {
		int64_t left = until - clock_monotonic_ms();
		int rc;

		if (left <= 0)
			return IMAP_WAIT_TIMEOUT;
		rc = poll(p, fd >= 0 ? 2 : 1, left > 60000 ? 60000 : (int)left);
		if (rc < 0 && errno != EINTR)
			return IMAP_WAIT_ERROR;
		if (rc > 0 && p[0].revents != 0)
			return IMAP_WAIT_STOP;
		if (rc > 0 && fd >= 0 && p[1].revents != 0)
			return IMAP_WAIT_ACTIVITY;
	}
}

enum imap_wait imap_sleep(int stop_fd, int64_t ms)
{
	return poll_two(-1, stop_fd, ms);
}

enum imap_wait imap_session_wait(struct imap_session *s, int stop_fd, int seconds,
				 enum imap_err *kind_r, char **error_r)
{
	enum imap_wait w;
	int r;

	if (!s->has_idle) {
		w = poll_two(-1, stop_fd, (int64_t)seconds * 1000);
		return w == IMAP_WAIT_TIMEOUT ? IMAP_WAIT_ACTIVITY : w;
	}
	r = mailimap_idle(s->imap);
	if (r != MAILIMAP_NO_ERROR) {
		fail_cmd(s, r, "IDLE", kind_r, error_r);
		return IMAP_WAIT_ERROR;
	}
	if (s->imap->imap_stream->read_buffer_len > 0)
		w = IMAP_WAIT_ACTIVITY;
	else
		w = poll_two(mailimap_idle_get_fd(s->imap), stop_fd, (int64_t)seconds * 1000);
	if (w == IMAP_WAIT_STOP || w == IMAP_WAIT_ERROR)
		return w;
	r = mailimap_idle_done(s->imap);
	if (r != MAILIMAP_NO_ERROR) {
		fail_cmd(s, r, "IDLE", kind_r, error_r);
		return IMAP_WAIT_ERROR;
	}
	return w;
}
