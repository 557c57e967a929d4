/*
 * zipstream.c - GET /t/ID/documents.zip: every file of a thread that the
 * reader may see, as one zip written while the browser reads it.
 *
 * The zip is never built, in memory or on disk.  On the worker the
 * handler lists the files (store_documents_thread) and records them in
 * the reply.  On the loop, web_zip_begin() starts the chunked reply and a
 * thread of its own that writes the zip (zip.h: libarchive, stored, no
 * compression) into one end of a socket pair.  The loop reads the other
 * end a chunk at a time and hands each chunk to evhttp, and reads the
 * next one only when evhttp has written the last to the client
 * (evhttp_send_reply_chunk_with_cb).  A slow reader fills the socket
 * pair and the writing thread waits: memory stays at one chunk plus the
 * socket's buffers, whatever the size of the thread's files.
 *
 * A client that leaves detaches the request from its connection; the
 * loop sees that on its next chunk or its once-a-second tick, closes its
 * end, and the writing thread stops on the failed write.  A file that
 * cannot be read mid-way ends the connection without the zip's last
 * chunk, so the client sees a failed download rather than a short zip.
 */
#include "web_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "i18n.h"
#include "log.h"
#include "zip.h"

#define ZIP_STREAM_CHUNK (64 * 1024)
/* Zips being written at once, in the whole process: each is a thread. */
#define ZIP_STREAMS_MAX 8

static atomic_int streams_running;

struct zip_entry {
	char *archive_path;
	char *path;
	int64_t mtime;
};

struct web_zip {
	struct web_zip *next;
	struct web_loop *loop;
	struct evhttp_request *req;
	struct event *ev;
	int fd;
	int64_t thread_id;
	int64_t sent;
	atomic_int failed;         /* the writer could not finish */
	atomic_int refs;           /* the loop's and the writer's */
};

/* What the writing thread owns (and frees). */
struct zip_job {
	struct zip_entry *entries;
	size_t count;
	int fd;
	int64_t thread_id;
	struct web_zip *z;         /* shared with the loop: its failed and refs */
};

static void jobs_free(struct zip_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].archive_path);
		free(e[i].path);
	}
	free(e);
}

void web_zip_reply_free(struct web_zip_reply *z)
{
	if (z == NULL)
		return;
	jobs_free(z->entries, z->count);
	free(z);
}

static void zip_unref(struct web_zip *z)
{
	if (atomic_fetch_sub(&z->refs, 1) == 1)
		free(z);
}

/* ---- on the worker: the list ------------------------------------------------ */

/* "name.pdf" taken: "name (2).pdf". */
static char *unique_path(const char *folder, const char *name, struct zip_entry *e, size_t n)
{
	const char *dot = strrchr(name, '.');
	size_t stem = dot != NULL && dot != name ? (size_t)(dot - name) : strlen(name);
	char *p = folder[0] != '\0' ? xasprintf("%s/%s", folder, name) : xstrdup(name);

	for (int k = 2; ; k++) {
		size_t i = 0;

		while (i < n && strcmp(e[i].archive_path, p) != 0)
			i++;
		if (i == n)
			return p;
		free(p);
		p = xasprintf("%s%s%.*s (%d)%s", folder, folder[0] != '\0' ? "/" : "", (int)stem,
			      name, k, name + stem);
	}
}

void web_handle_documents_zip(struct web_req *r)
{
	struct store_documents d;
	struct store_thread t;
	struct web_zip_reply *z;
	char *err = NULL, *cd, *fname;
	enum gw_result res;

	memset(&t, 0, sizeof(t));
	if (r->sess.kind == 0) {
		web_send_error(r, 403, NULL);
		return;
	}
	res = store_documents_thread(r->store, r->id, r->sess.kind, r->sess.id, &d, &err);
	if (res == GW_OK)
		res = store_thread_get(r->store, r->id, r->sess.kind, r->sess.id, &t, &err);
	if (res != GW_OK) {
		web_send_store_error(r, res, err);
		goto out;
	}
	r->audit_thread = r->id;
	snprintf(r->audit_target, sizeof(r->audit_target), "thread %lld documents.zip",
		 (long long)r->id);
	if (d.count == 0) {
		web_send_error(r, 404, _("There are no files in this chat."));
		goto out;
	}
	fname = xasprintf("%s.zip", t.subject);
	cd = web_disposition(fname);
	web_add_header(r, "Content-Disposition", cd);
	free(cd);
	free(fname);
	if (r->method == EVHTTP_REQ_HEAD) {
		web_send(r, 200, "application/zip", NULL, 0);
		goto out;
	}
	z = xcalloc(1, sizeof(*z));
	z->entries = xcalloc(d.count, sizeof(*z->entries));
	for (size_t i = 0; i < d.count; i++) {
		const struct store_attachment *a = &d.docs[i].att;
		struct zip_entry *e = &z->entries[z->count];

		e->archive_path = unique_path(a->folder, a->file_name, z->entries, z->count);
		e->path = store_attachment_path(r->web->attachments_dir, a->sha256);
		e->mtime = a->created_at;
		z->count++;
	}
	z->thread_id = r->id;
	web_send(r, 200, "application/zip", NULL, 0);
	r->reply.zip = z;
out:
	free(err);
	store_thread_clear(&t);
	store_documents_clear(&d);
}

/* ---- the writing thread ------------------------------------------------------ */

static void *writer_main(void *arg)
{
	struct zip_job *job = arg;
	struct zip_writer *zw;
	char *err = NULL;
	int ok = 0;

	zw = zip_writer_open(job->fd, &err);
	for (size_t i = 0; zw != NULL && i < job->count; i++) {
		if (zip_writer_add(zw, job->entries[i].archive_path, job->entries[i].path,
				   job->entries[i].mtime, &err) < 0) {
			zip_writer_abort(zw);
			zw = NULL;
		}
	}
	if (zw != NULL)
		ok = zip_writer_close(zw, &err) == 0;
	/* A reader that left is no failure worth a line. */
	if (!ok && err != NULL && strstr(err, "Broken pipe") == NULL &&
	    strstr(err, "Connection reset") == NULL)
		log_error("web: thread %lld: documents.zip: %s", (long long)job->thread_id, err);
	if (!ok)
		atomic_store(&job->z->failed, 1);
	free(err);
	close(job->fd);
	jobs_free(job->entries, job->count);
	zip_unref(job->z);
	free(job);
	atomic_fetch_sub(&streams_running, 1);
	return NULL;
}

/* ---- on the loop ------------------------------------------------------------- */

static void unlink_zip(struct web_loop *lp, struct web_zip *z)
{
	for (struct web_zip **pp = &lp->zips; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == z) {
			*pp = z->next;
			return;
		}
	}
}

/* End the stream: with the zip's last chunk when the writer finished,
 * else by closing the connection (a failed download, not a short zip). */
static void end_zip(struct web_zip *z, int complete)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(z->req);

	unlink_zip(z->loop, z);
	if (z->ev != NULL)
		event_free(z->ev);
	if (z->fd >= 0)
		close(z->fd);
	if (evcon == NULL || complete)
		evhttp_send_reply_end(z->req);   /* frees a detached request */
	else
		evhttp_connection_free(evcon);
	zip_unref(z);
}

static void chunk_sent(struct evhttp_connection *evcon, void *arg)
{
	struct web_zip *z = arg;

	GW_UNUSED(evcon);
	if (z->ev != NULL)
		event_add(z->ev, NULL);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct web_zip *z = arg;
	struct evbuffer *b;
	char *chunk;
	ssize_t n;

	GW_UNUSED(what);
	if (evhttp_request_get_connection(z->req) == NULL) {
		end_zip(z, 0);
		return;
	}
	chunk = xmalloc(ZIP_STREAM_CHUNK);
	n = read(fd, chunk, ZIP_STREAM_CHUNK);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		free(chunk);
		event_add(z->ev, NULL);
		return;
	}
	if (n <= 0) {
		free(chunk);
		end_zip(z, n == 0 && !atomic_load(&z->failed));
		return;
	}
	b = evbuffer_new();
	evbuffer_add(b, chunk, (size_t)n);
	free(chunk);
	z->sent += n;
	/* The next read waits until this chunk is out (chunk_sent). */
	evhttp_send_reply_chunk_with_cb(z->req, b, chunk_sent, z);
	evbuffer_free(b);
}

void web_zip_begin(struct web_req *r)
{
	struct web_loop *lp = r->loop;
	struct web_zip_reply *zr = r->reply.zip;
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
	struct web_zip *z;
	struct zip_job *job;
	pthread_attr_t attr;
	pthread_t tid;
	int sv[2], small = ZIP_STREAM_CHUNK;

	r->reply.zip = NULL;
	if (evhttp_request_get_connection(r->req) == NULL) {
		/* The client left while the list was made. */
		web_zip_reply_free(zr);
		evhttp_send_reply_end(r->req);
		return;
	}
	if (atomic_fetch_add(&streams_running, 1) >= ZIP_STREAMS_MAX) {
		atomic_fetch_sub(&streams_running, 1);
		web_zip_reply_free(zr);
		evhttp_add_header(h, "Retry-After", "10");
		web_headers(r->req, 0);
		web_guard_replying(lp, r->req);
		evhttp_send_error(r->req, 503, "Service Unavailable");
		return;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		log_error("web: %s: socketpair: %s", r->path, strerror(errno));
		atomic_fetch_sub(&streams_running, 1);
		web_zip_reply_free(zr);
		web_guard_replying(lp, r->req);
		evhttp_send_error(r->req, 503, "Service Unavailable");
		return;
	}
	(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	(void)setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	evutil_make_socket_nonblocking(sv[0]);
	z = xcalloc(1, sizeof(*z));
	z->loop = lp;
	z->req = r->req;
	z->fd = sv[0];
	z->thread_id = zr->thread_id;
	atomic_init(&z->failed, 0);
	atomic_init(&z->refs, 2);
	job = xcalloc(1, sizeof(*job));
	job->entries = zr->entries;
	job->count = zr->count;
	job->fd = sv[1];
	job->thread_id = zr->thread_id;
	job->z = z;
	free(zr);                  /* its entries are the job's now */

	for (size_t i = 0; i < r->reply.n_headers; i++)
		evhttp_add_header(h, r->reply.headers[i].name, r->reply.headers[i].value);
	web_headers(r->req, 0);
	evhttp_add_header(h, "Content-Type", "application/zip");
	evhttp_add_header(h, "X-Accel-Buffering", "no");
	web_guard_replying(lp, r->req);
	evhttp_send_reply_start(r->req, 200, "OK");

	z->ev = event_new(lp->base, z->fd, EV_READ, on_readable, z);
	z->next = lp->zips;
	lp->zips = z;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (z->ev == NULL || pthread_create(&tid, &attr, writer_main, job) != 0) {
		log_error("web: %s: cannot start the zip's thread", r->path);
		close(job->fd);
		jobs_free(job->entries, job->count);
		free(job);
		atomic_fetch_sub(&streams_running, 1);
		atomic_fetch_sub(&z->refs, 1);
		end_zip(z, 0);
	} else {
		event_add(z->ev, NULL);
	}
	pthread_attr_destroy(&attr);
}

void web_zip_tick(struct web_loop *lp)
{
	struct web_zip *z = lp->zips, *next;

	for (; z != NULL; z = next) {
		next = z->next;
		if (evhttp_request_get_connection(z->req) == NULL)
			end_zip(z, 0);
	}
}

int web_zip_forget(struct web_loop *lp, struct evhttp_request *req)
{
	for (struct web_zip *z = lp->zips; z != NULL; z = z->next) {
		if (z->req == req) {
			end_zip(z, 0);
			return 1;
		}
	}
	return 0;
}

void web_zip_close_all(struct web_loop *lp)
{
	while (lp->zips != NULL)
		end_zip(lp->zips, 0);
}

int web_zip_streams(void)
{
	return atomic_load(&streams_running);
}
