/*
 * transport_maildir.c - deliver into a Maildir as a local delivery agent would.
 *
 * For the demo and for tests that want to read what was sent.  Each message
 * is written to DIR/tmp/NAME, fsync'd, renamed to DIR/new/NAME and the
 * directory fsync'd, so that a message in new/ is complete and durable.
 * Like a delivery agent the file starts with "Return-Path: <SENDER>" and
 * "Delivered-To: RCPT", and uses LF line ends.  NAME follows the Maildir
 * convention SECONDS.MusecPpidQcount.HOST, unique across the threads of
 * one process through an atomic counter.
 *
 * Every failure is a GW_TEMPFAIL naming the file and the system error (disk
 * full, permissions, a vanished directory): the message stays in the outbox.
 */
#include "transport_private.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

struct maildir_transport {
	struct transport base;
	char *dir;
	char *host; /* hostname with '/' and ':' escaped as the convention asks */
};

static atomic_uint delivery_counter;

static int make_dirs(const char *dir, char **error_r)
{
	static const char *const subs[] = { "", "/tmp", "/new", "/cur" };
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(subs); i++) {
		char *path = xasprintf("%s%s", dir, subs[i]);

		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			*error_r = xasprintf("maildir \"%s\": mkdir: %s", path, strerror(errno));
			free(path);
			return -1;
		}
		free(path);
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

static enum gw_result maildir_send(struct transport *base, const char *from, const char *rcpt,
				   const char *data, size_t len, char **reply_r)
{
	struct maildir_transport *t = (struct maildir_transport *)base;
	struct buf msg = BUF_INIT;
	char *name = NULL, *tmp_path = NULL, *new_path = NULL, *new_dir = NULL;
	const char *step = NULL;
	int fd = -1, attempt, saved = 0;

	buf_printf(&msg, "Return-Path: <%s>\nDelivered-To: %s\n", from, rcpt);
	transport_append_lf(&msg, data, len);

	for (attempt = 0; attempt < 2 && fd < 0; attempt++) {
		struct timeval tv;

		gettimeofday(&tv, NULL);
		free(name);
		free(tmp_path);
		name = xasprintf("%lld.M%06ldP%ldQ%u.%s", (long long)tv.tv_sec, (long)tv.tv_usec,
				 (long)getpid(), atomic_fetch_add(&delivery_counter, 1) + 1,
				 t->host);
		tmp_path = xasprintf("%s/tmp/%s", t->dir, name);
		fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno == ENOENT && attempt == 0) {
			/* someone removed tmp/ (or all of it): set it up again */
			char *ignored = NULL;

			if (make_dirs(t->dir, &ignored) < 0)
				free(ignored);
		} else if (fd < 0 && errno != EEXIST) {
			break;
		}
	}
	if (fd < 0) {
		saved = errno;
		step = "create";
		goto fail;
	}
	if (write_all(fd, msg.data, msg.len) < 0) {
		saved = errno;
		step = "write";
		goto fail;
	}
	if (fsync(fd) < 0) {
		saved = errno;
		step = "fsync";
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		saved = errno;
		step = "close";
		goto fail;
	}
	fd = -1;
	new_path = xasprintf("%s/new/%s", t->dir, name);
	if (rename(tmp_path, new_path) < 0) {
		saved = errno;
		step = "rename";
		goto fail;
	}
	new_dir = xasprintf("%s/new", t->dir);
	if (fsync_dir(new_dir) < 0) {
		/* the file is in new/ already; a failed directory sync is still a
		   failure to promise durability, so let the relay try again */
		saved = errno;
		step = "fsync new/";
		free(tmp_path);
		tmp_path = NULL;
		goto fail;
	}
	*reply_r = xasprintf("delivered to maildir %s as new/%s", t->dir, name);
	buf_release(&msg);
	free(name);
	free(tmp_path);
	free(new_path);
	free(new_dir);
	return GW_OK;

fail:
	*reply_r = xasprintf("maildir %s: %s %s: %s", t->dir, step,
			     tmp_path != NULL ? tmp_path : new_path, strerror(saved));
	if (fd >= 0)
		close(fd);
	if (tmp_path != NULL)
		unlink(tmp_path);
	buf_release(&msg);
	free(name);
	free(tmp_path);
	free(new_path);
	free(new_dir);
	return GW_TEMPFAIL;
}

static void maildir_close(struct transport *base)
{
	struct maildir_transport *t = (struct maildir_transport *)base;

	free(t->dir);
	free(t->host);
	free(t);
}

static const struct transport_ops maildir_ops = { "maildir", maildir_send, maildir_close };

struct transport *transport_maildir_open(const char *target,
					 const struct transport_settings *set,
					 char **error_r)
{
	struct maildir_transport *t;
	char host[HOST_NAME_MAX + 1];
	struct buf esc = BUF_INIT;
	size_t len = strlen(target);
	const char *p;

	GW_UNUSED(set);
	if (target[0] != '/') {
		*error_r = xasprintf("transport: \"maildir:%s\" needs an absolute path", target);
		return NULL;
	}
	while (len > 1 && target[len - 1] == '/')
		len--;
	t = xcalloc(1, sizeof(*t));
	t->base.ops = &maildir_ops;
	t->dir = xstrndup(target, len);
	if (make_dirs(t->dir, error_r) < 0) {
		free(t->dir);
		free(t);
		return NULL;
	}
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	buf_puts(&esc, "");
	for (p = host; *p != '\0'; p++) {
		if (*p == '/')
			buf_puts(&esc, "\\057");
		else if (*p == ':')
			buf_puts(&esc, "\\072");
		else
			buf_putc(&esc, *p);
	}
	t->host = buf_detach(&esc);
	return &t->base;
}
