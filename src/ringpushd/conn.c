/*
 * conn.c: the connection state machine (see conn.h).
 *
 * Requests are read with one IORING_OP_RECV at a time into the slot's
 * request buffer; a complete request is parsed, opened and answered; the
 * header goes out with IORING_OP_SEND (MSG_MORE when a body follows), the
 * body through the listener's engine.  Bytes that arrived behind a request
 * (pipelining) stay in the buffer and are parsed when its response is done.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "access.h"
#include "file.h"
#include "http.h"
#include "log.h"
#include "server.h"

#define ALLOW_METHODS "GET, HEAD"

static size_t rbuf_size, slot_bytes;

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int
conn_slab_init(struct server *s, unsigned max, unsigned rbuf_bytes)
{
	size_t arena;

	rbuf_size = rbuf_bytes;
	s->max_conns = max;
	slot_bytes = rbuf_bytes + CONN_PATH_MAX;
	arena = (size_t)max * slot_bytes;
	s->conns = calloc(max, sizeof(*s->conns));
	if (s->conns == NULL)
		return -1;
	/* Request and path buffers are reserved, not touched: idle slots
	 * cost no memory until a request arrives. */
	s->rbufs = mmap(NULL, arena, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (s->rbufs == MAP_FAILED) {
		s->rbufs = NULL;
		free(s->conns);
		s->conns = NULL;
		return -1;
	}
	s->free_conns = NULL;
	for (unsigned i = max; i-- > 0;) {
		struct conn *c = &s->conns[i];

		c->slot = i;
		c->fd = c->file_fd = -1;
		c->pipe.rd = c->pipe.wr = -1;
		c->rbuf = s->rbufs + (size_t)i * slot_bytes;
		c->path = c->rbuf + rbuf_bytes;
		timer_node_init(&c->timer);
		timer_node_init(&c->throttle);
		c->next_free = s->free_conns;
		s->free_conns = c;
	}
	return 0;
}

void
conn_slab_free(struct server *s)
{
	if (s->rbufs != NULL)
		munmap(s->rbufs, (size_t)s->max_conns * slot_bytes);
	free(s->conns);
	s->conns = NULL;
	s->rbufs = NULL;
}

static struct conn *
conn_of_timer(struct timer_node *n, enum timer_kind kind)
{
	if (kind == TIMER_THROTTLE)
		return (struct conn *)((char *)n - offsetof(struct conn, throttle));
	return (struct conn *)((char *)n - offsetof(struct conn, timer));
}

/* Map an errno from opening a request path to the status it deserves —
 * the one place this mapping is made. */
static int
errno_status(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case EXDEV:       /* RESOLVE_BENEATH: the path leaves the root */
	case ELOOP:       /* a symlink loop or a magic link */
		return 404;
	case EACCES:
	case EPERM:
	case ENXIO:       /* a socket or a FIFO without writer */
	case ENODEV:
		return 403;
	case ENAMETOOLONG:
		return 414;
	case EMFILE:
	case ENFILE:
	case ENOMEM:
		return 503;
	default:
		return 500;
	}
}

/* ---- submission helpers ---- */

static void
submit_recv(struct server *s, struct conn *c)
{
	struct io_uring_sqe *sqe = ring_sqe(&s->ring);

	io_uring_prep_recv(sqe, c->fd, c->rbuf + c->rlen, rbuf_size - c->rlen, 0);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_RECV, c->slot, c->gen));
	c->inflight++;
}

static void
submit_send(struct server *s, struct conn *c)
{
	struct io_uring_sqe *sqe = ring_sqe(&s->ring);
	int flags = MSG_NOSIGNAL;

	/* MSG_MORE keeps the header in the socket until the body's first
	 * bytes join it: one segment for small files, not two. */
	if (c->file_end > c->file_off)
		flags |= MSG_MORE;
	io_uring_prep_send(sqe, c->fd, c->out + c->out_sent, c->out_len - c->out_sent, flags);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_SEND, c->slot, c->gen));
	c->inflight++;
}

/* ---- the access log ---- */

/* A response ended (whole or cut short): count it, and log it when the
 * access log is on — nothing is formatted when it is off. */
static void
log_access(struct server *s, struct conn *c)
{
	static char line[ACCESS_LINE_MAX];
	char host[INET6_ADDRSTRLEN] = "-";
	struct access_entry e;
	int code = metrics_code_index(c->status);

	if (code >= 0)
		s->m.requests_total[code]++;
	if (!access_log_enabled())
		return;
	if (c->peer.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&c->peer)->sin6_addr, host, sizeof(host));
	else if (c->peer.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&c->peer)->sin_addr, host, sizeof(host));
	e = (struct access_entry){
		.remote = host,
		.when = s->now_sec,
		.method = c->rbuf + c->method.off, .method_len = c->method.len,
		.target = c->rbuf + c->target.off, .target_len = c->target.len,
		.referer = c->rbuf + c->referer.off, .referer_len = c->referer.len,
		.user_agent = c->rbuf + c->user_agent.off, .user_agent_len = c->user_agent.len,
		.version_minor = c->version_minor,
		.status = c->status,
		.body_bytes = c->bytes_sent > c->hlen ? c->bytes_sent - c->hlen : 0,
		.bytes_sent = c->bytes_sent,
		.duration_us = now_us() - c->start_us,
	};
	access_log_write(line, (int)access_format(&e, s->conf->access_log_format, line, sizeof(line)));
}

/* ---- closing ---- */

static void
release_small_buf(struct server *s, struct conn *c)
{
	bufpool_put(&s->small_bufs, c->small_buf);
	c->small_buf = NULL;
}

/* The response's file is done with: back to the cache, or closed. */
static void
file_put(struct server *s, struct conn *c)
{
	if (c->file_entry != NULL)
		fdcache_release(&s->files, c->file_entry);
	else if (c->file_fd >= 0)
		close(c->file_fd);
	c->file_entry = NULL;
	c->file_fd = -1;
}

static void
conn_release(struct server *s, struct conn *c)
{
	if (c->lst != NULL)
		c->lst->engine->release(s, c);
	release_small_buf(s, c);
	iplimit_release(&s->iplimit, c->ip);
	c->ip = NULL;
	if (c->lst != NULL) {
		c->lst->nconns--;
		listen_put(c->lst);
	}
	file_put(s, c);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	timer_clear(&c->timer);
	timer_clear(&c->throttle);
	c->state = CONN_FREE;
	c->gen = (c->gen + 1) & RING_GEN_MASK;
	c->lst = NULL;
	c->next_free = s->free_conns;
	s->free_conns = c;
	s->live_conns--;
}

void
conn_close(struct server *s, struct conn *c, const char *why)
{
	if (c->state == CONN_FREE || c->state == CONN_CLOSING)
		return;
	if (why != NULL)
		log_debug("connection %u closed: %s", c->slot, why);
	/* A response cut short is logged with the bytes that did go out. */
	if (c->status != 0) {
		log_access(s, c);
		c->status = 0;
	}
	c->state = CONN_CLOSING;
	timer_clear(&c->timer);
	timer_clear(&c->throttle);
	if (c->inflight == 0) {
		conn_release(s, c);
		return;
	}
	/* Wake what waits on the socket, and cancel it.  The slot is freed
	 * when the last completion arrives, so no operation can ever touch a
	 * buffer, pipe or fd after it was handed to someone else.  The cancel
	 * looks the fd up at submission, so submit it now. */
	shutdown(c->fd, SHUT_RDWR);
	struct io_uring_sqe *sqe = ring_sqe(&s->ring);

	io_uring_prep_cancel_fd(sqe, c->fd, IORING_ASYNC_CANCEL_ALL);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_CANCEL, c->slot, c->gen));
	ring_flush(&s->ring);
}

void
conn_close_all(struct server *s)
{
	for (unsigned i = 0; i < s->max_conns; i++)
		conn_close(s, &s->conns[i], "stopping");
}

/* End the connection the gentle way: shut the sending side (the client
 * reads the whole response, then EOF) and read and drop whatever the
 * client still sends until it closes or header_timeout passes.  The
 * caller makes sure a receive is in flight. */
static void
conn_linger(struct server *s, struct conn *c)
{
	c->state = CONN_LINGER;
	c->rlen = c->req_len = 0;
	shutdown(c->fd, SHUT_WR);
	timer_set(&s->timers, &c->timer, TIMER_HEADER, s->now_ms);
}

/* A connection that waits for a request may still have the tail of its
 * last response in the socket, and a request the client sends after
 * close() would be answered with a reset that destroys that tail: such a
 * connection lingers.  One whose bytes have all been acknowledged is
 * closed at once.  LINGER connections are left to end on their own
 * (client EOF, header_timeout, or the stop's deadline) for the same
 * reason. */
void
conn_close_idle(struct server *s)
{
	for (unsigned i = 0; i < s->max_conns; i++) {
		struct conn *c = &s->conns[i];
		int unacked = 0;

		if (c->state != CONN_READ_REQUEST)
			continue;
		/* its receive is in flight: LINGER goes on with it */
		if (ioctl(c->fd, SIOCOUTQ, &unacked) == 0 && unacked > 0)
			conn_linger(s, c);
		else
			conn_close(s, c, "stopping");
	}
}

/* How often a transfer waiting for tokens looks at its socket. */
#define CONN_PEER_CHECK_MS 1000

/* A look at the socket of a transfer waiting for tokens.  Nothing of the
 * transfer is in flight while it waits, so no completion would tell that
 * its client left; a zero-timeout poll(2) does, at most once a second
 * per connection.  A reset, or a close both ways, is gone.  A FIN alone
 * may be a client that half-closed and still reads, or one that closed
 * its socket: the next send tells them apart (a closed socket answers
 * with a reset), so such a transfer sends one byte without waiting for
 * its tokens (it is charged, so the rate still holds). */
static bool
peer_gone(struct server *s, struct conn *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLRDHUP };

	if (s->now_ms - c->peer_checked_ms < CONN_PEER_CHECK_MS)
		return false;
	c->peer_checked_ms = s->now_ms;
	if (poll(&p, 1, 0) != 1)
		return false;
	if (p.revents & (POLLERR | POLLHUP))
		return true;
	c->rate_probe = (p.revents & POLLRDHUP) != 0;
	return false;
}

void
conn_expire(struct server *s, uint64_t now_ms)
{
	struct timer_node *n;
	enum timer_kind kind;

	while ((n = timer_pop_expired(&s->timers, now_ms, &kind)) != NULL) {
		struct conn *c = conn_of_timer(n, kind);

		if (kind != TIMER_THROTTLE) {
			s->m.timer_expirations_total++;
			conn_close(s, c, "deadline passed");
		} else if (peer_gone(s, c)) {
			conn_close(s, c, "peer left while throttled");
		} else {
			/* the send deadline runs on: a wait for tokens is
			 * not progress */
			c->lst->engine->resume(s, c);
		}
	}
}

/* Below this a grant waits for the next tick rather than moving a few
 * bytes per system call, unless a bucket never holds this much. */
#define RATE_MIN_GRANT 1024

uint32_t
conn_rate_grant(struct server *s, struct conn *c, uint32_t want)
{
	uint64_t own, total, least;

	if (c->rate.rate == 0 && s->rate_total.rate == 0)
		return want;
	own = rate_available(&c->rate, s->now_ms, want);
	total = rate_available(&s->rate_total, s->now_ms, own);
	/* A floor above what a bucket can hold would be waited for
	 * forever: at 1K a bucket holds 204 bytes. */
	least = rate_min_grant(&s->rate_total, rate_min_grant(&c->rate, RATE_MIN_GRANT));
	if (total < want && total < least) {
		if (c->rate_probe) {
			/* the client sent a FIN: a byte finds out whether
			 * it is still there (see peer_gone) */
			c->rate_probe = false;
			rate_charge(&c->rate, s->now_ms, 1);
			rate_charge(&s->rate_total, s->now_ms, 1);
			return 1;
		}
		timer_set(&s->timers, &c->throttle, TIMER_THROTTLE, s->now_ms);
		return 0;
	}
	rate_spend(&c->rate, total);
	rate_spend(&s->rate_total, total);
	return (uint32_t)total;
}

/* Wait on the ring until the socket takes bytes again (an engine's
 * OP_POLL_OUT). */
void
conn_wait_writable(struct server *s, struct conn *c)
{
	struct io_uring_sqe *sqe = ring_sqe(&s->ring);

	io_uring_prep_poll_add(sqe, c->fd, POLLOUT);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_POLL_OUT, c->slot, c->gen));
	c->inflight++;
}

/* Give back the part of a grant that the socket did not take. */
void
conn_rate_refund(struct server *s, struct conn *c, uint32_t n)
{
	rate_refund(&c->rate, n);
	rate_refund(&s->rate_total, n);
}

/* ---- responses ---- */

/* The response's first bytes are out[0..len): the header, or a pool
 * buffer holding the header and the whole body. */
static void
begin_send(struct server *s, struct conn *c, char *out, uint32_t len)
{
	c->state = CONN_SEND_HEADER;
	c->out = out;
	c->out_len = len;
	c->out_sent = 0;
	c->bytes_sent = 0;
	/* The rates count these bytes too.  They never wait (a header held
	 * back would need a throttled state of its own): they are charged,
	 * and the body that follows waits for the debt to be paid. */
	rate_charge(&c->rate, s->now_ms, len);
	rate_charge(&s->rate_total, s->now_ms, len);
	timer_set(&s->timers, &c->timer, TIMER_SEND, s->now_ms);
}

static void
start_response(struct server *s, struct conn *c)
{
	begin_send(s, c, c->hbuf, c->hlen);
	submit_send(s, c);
}

/* The small-body path: header and body in one pool buffer.  The body is
 * read first (page-cache reads complete inline), then one SEND carries
 * both.  Returns false when no buffer is free. */
static bool
start_small_response(struct server *s, struct conn *c, uint64_t off, uint32_t len)
{
	struct io_uring_sqe *sqe;
	char *buf = bufpool_get(&s->small_bufs);

	if (buf == NULL)
		return false;
	memcpy(buf, c->hbuf, c->hlen);
	c->small_buf = buf;
	c->file_off = c->file_end = 0;
	begin_send(s, c, buf, c->hlen + len);
	/* READ linked to SEND: a short read (the file shrank) fails the
	 * link, so the SEND ends with -ECANCELED and never sends bytes the
	 * buffer does not hold.  Both go in one submission. */
	ring_reserve(&s->ring, 2);
	sqe = ring_sqe(&s->ring);
	io_uring_prep_read(sqe, c->file_fd, buf + c->hlen, len, off);
	sqe->flags |= IOSQE_IO_LINK;
	io_uring_sqe_set_data64(sqe, ring_ud(OP_READ, c->slot, c->gen));
	c->inflight++;
	submit_send(s, c);
	return true;
}

static void
respond_error(struct server *s, struct conn *c, int status, bool close_after)
{
	const char *allow = status == 405 || status == 501 ? ALLOW_METHODS : NULL;
	int len;

	/* An HTTP/1.0 client is not told about keep-alive in an error
	 * response, so it cannot reuse the connection: close it. */
	if (close_after || http_status_closes(status) || c->version_minor == 0)
		c->close_after = true;
	len = c->head ?
	    http_format_error_head(c->hbuf, sizeof(c->hbuf), status, !c->close_after, allow, s->now_sec) :
	    http_format_error(c->hbuf, sizeof(c->hbuf), status, !c->close_after, allow, s->now_sec);
	if (len < 0) {
		conn_close(s, c, "cannot format an error response");
		return;
	}
	c->hlen = (uint32_t)len;
	c->status = status;
	c->file_off = c->file_end = 0;
	start_response(s, c);
}

static void
respond_header(struct server *s, struct conn *c, const struct http_response *r)
{
	int len = http_format_response(c->hbuf, sizeof(c->hbuf), r, s->now_sec);

	if (len < 0) {
		file_put(s, c);
		respond_error(s, c, 500, true);
		return;
	}
	c->hlen = (uint32_t)len;
	c->status = r->status;
	start_response(s, c);
}

/* A redirect's header goes out from a pool buffer when its Location does
 * not fit hbuf; the buffer holds the longest one. */
_Static_assert(HTTP_LOCATION_MAX + 512 <= CONN_HEADER_MAX + CONN_SMALL_BODY_MAX,
    "a pool buffer must hold a 301 with the longest Location");

/* A directory named without its trailing slash: send the client to the
 * name with one, keeping the query.  The Location comes from the decoded
 * path (see http_format_location), not from the raw target. */
static void
respond_redirect(struct server *s, struct conn *c)
{
	static char location[HTTP_LOCATION_MAX];
	const char *t = c->rbuf + c->target.off;
	const char *q = memchr(t, '?', c->target.len);
	struct http_response r = {
		.status = 301,
		.keep_alive = !c->close_after,
		.announce_keep_alive = c->version_minor == 0,
		.head = true,           /* Content-Length: 0 and no body */
		.location = location,
	};
	char *buf;
	int len;

	if (http_format_location(c->path, c->path_len, q != NULL ? q + 1 : NULL,
	    q != NULL ? c->target.len - (size_t)(q + 1 - t) : 0, location,
	    sizeof(location)) < 0) {
		respond_error(s, c, 414, true);
		return;
	}
	c->file_off = c->file_end = 0;
	len = http_format_response(c->hbuf, sizeof(c->hbuf), &r, s->now_sec);
	if (len > 0) {
		c->hlen = (uint32_t)len;
		c->status = r.status;
		start_response(s, c);
		return;
	}
	buf = bufpool_get(&s->small_bufs);
	if (buf == NULL) {
		respond_error(s, c, 503, false);
		return;
	}
	len = http_format_response(buf, CONN_HEADER_MAX + CONN_SMALL_BODY_MAX, &r, s->now_sec);
	if (len < 0) {
		bufpool_put(&s->small_bufs, buf);
		respond_error(s, c, 500, true);
		return;
	}
	c->hlen = (uint32_t)len;
	c->status = r.status;
	c->small_buf = buf;
	begin_send(s, c, buf, (uint32_t)len);
	submit_send(s, c);
}

static struct conn_field
field_of(const struct conn *c, struct http_span sp)
{
	struct conn_field f = { 0, 0 };

	if (sp.p != NULL && sp.len > 0) {
		f.off = (uint32_t)(sp.p - c->rbuf);
		f.len = (uint32_t)sp.len;
	}
	return f;
}


/* Open c->path below the listener's root on the ring, the way the
 * listener's open_how says (RESOLVE_BENEATH always).  The kernel tries
 * a cached lookup inline and only punts to a worker on a cache miss.
 * file_open_how() made open_how; file_open_beneath() is the same open as
 * a plain system call. */
static void
submit_open(struct server *s, struct conn *c)
{
	struct io_uring_sqe *sqe = ring_sqe(&s->ring);
	const char *rel = c->path;

	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		rel = ".";
	c->state = CONN_OPEN;
	io_uring_prep_openat2(sqe, c->lst->root_fd, rel, &c->lst->open_how);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_OPEN, c->slot, c->gen));
	c->inflight++;
}

static struct http_span
span_of(const struct conn *c, struct conn_field f)
{
	struct http_span sp = { f.len ? c->rbuf + f.off : NULL, f.len };

	return sp;
}

/* c->file_fd is open and is a regular file: answer with its bytes, a
 * part of them, 304 or 416. */
static void
respond_file(struct server *s, struct conn *c, const struct stat *st)
{
	static struct http_request cond;   /* the fields the checks read */
	char etag[FILE_ETAG_MAX];
	struct http_response r = { 0 };
	uint64_t first = 0, last = 0;

	cond.method = c->head ? HTTP_HEAD : HTTP_GET;
	cond.range = span_of(c, c->range);
	cond.if_range = span_of(c, c->if_range);
	cond.if_none_match = span_of(c, c->if_none_match);
	cond.if_modified_since = span_of(c, c->if_modified_since);

	file_etag((uint64_t)st->st_ino, (uint64_t)st->st_size, st->st_mtim.tv_sec,
	    (uint32_t)st->st_mtim.tv_nsec, etag);
	r.keep_alive = !c->close_after;
	r.announce_keep_alive = c->version_minor == 0;
	r.head = c->head;
	r.etag = etag;
	r.last_modified = st->st_mtim.tv_sec;
	r.ranges = true;
	r.file_size = (uint64_t)st->st_size;
	c->file_off = c->file_end = 0;

	r.status = file_conditional(&cond, etag, st->st_mtim.tv_sec, s->now_sec);
	if (r.status == 304) {
		file_put(s, c);
		respond_header(s, c, &r);
		return;
	}
	r.status = 200;
	r.content_type = file_mime_type(c->path, c->path_len);
	r.content_length = (uint64_t)st->st_size;
	/* RFC 9110 14.2: Range is defined for GET only; HEAD ignores it and
	 * describes the whole representation. */
	if (!c->head && cond.range.len > 0 && file_if_range(&cond, etag)) {
		switch (range_parse(cond.range.p, cond.range.len, (uint64_t)st->st_size,
		    &first, &last)) {
		case RANGE_OK:
			r.status = 206;
			r.content_range = true;
			r.range_first = first;
			r.range_last = last;
			r.content_length = last - first + 1;
			break;
		case RANGE_UNSATISFIABLE:
			file_put(s, c);
			r.status = 416;
			r.content_range = true;
			r.content_type = NULL;
			r.content_length = 0;
			respond_header(s, c, &r);
			return;
		case RANGE_NONE:
			break;
		}
	}
	if (r.head || r.content_length == 0) {
		file_put(s, c);
		respond_header(s, c, &r);
		return;
	}
	/* Rate-limited bodies take the engine, which sends them in grants. */
	if (r.content_length <= CONN_SMALL_BODY_MAX && c->rate.rate == 0 &&
	    s->rate_total.rate == 0) {
		int len = http_format_response(c->hbuf, sizeof(c->hbuf), &r, s->now_sec);

		if (len > 0) {
			c->hlen = (uint32_t)len;
			c->status = r.status;
			if (start_small_response(s, c, first, (uint32_t)r.content_length))
				return;
		}
	}
	c->file_off = first;
	c->file_end = first + r.content_length;
	respond_header(s, c, &r);
}

static void
on_open(struct server *s, struct conn *c, int res)
{
	struct stat st;

	s->m.file_open_total[res < 0 ? METRICS_OPEN_ERROR : METRICS_OPEN_OK]++;
	if (res < 0) {
		/* A directory without its index is not listed. */
		respond_error(s, c, c->opening_index && res == -ENOENT ? 403 :
		    errno_status(-res), false);
		return;
	}
	if (fstat(res, &st) == -1) {
		int err = errno;

		close(res);
		respond_error(s, c, errno_status(err), false);
		return;
	}
	if (S_ISDIR(st.st_mode) && !c->opening_index) {
		const char *index = c->lst->conf->index;
		size_t ilen = strlen(index);

		close(res);
		if (c->path[c->path_len - 1] != '/') {
			respond_redirect(s, c);
			return;
		}
		if (c->path_len + ilen + 1 > CONN_PATH_MAX) {
			respond_error(s, c, 414, false);
			return;
		}
		memcpy(c->path + c->path_len, index, ilen + 1);
		c->path_len += (uint32_t)ilen;
		c->opening_index = true;
		submit_open(s, c);
		return;
	}
	/* FIFOs, devices, sockets and an index that is a directory are never
	 * read: the open was non-blocking, so nothing waited on them. */
	if (!S_ISREG(st.st_mode)) {
		close(res);
		respond_error(s, c, 403, false);
		return;
	}
	/* O_NONBLOCK was for the open only.  Left on a regular file, it
	 * makes io_uring answer a read with -EAGAIN instead of retrying it
	 * in a worker wherever the file system lacks non-blocking buffered
	 * reads, and a small body's READ would fail on every request. */
	if (fcntl(res, F_SETFL, 0) == -1) {
		int err = errno;

		close(res);
		respond_error(s, c, errno_status(err), false);
		return;
	}
	c->file_fd = res;
	c->file_entry = fdcache_put(&s->files, c->lst, c->path, c->req_path_len,
	    c->path, c->path_len, res, s->now_ms);
	respond_file(s, c, &st);
}

static bool
peer_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

/* [status] path: the counters in Prometheus text, from a pool buffer. */
static void
respond_metrics(struct server *s, struct conn *c)
{
	struct http_response r = {
		.status = 200,
		.keep_alive = !c->close_after,
		.announce_keep_alive = c->version_minor == 0,
		.head = c->head,
		.content_type = "text/plain; version=0.0.4; charset=utf-8",
	};
	char *buf;
	int body, head;

	if (s->conf->status_allow == STATUS_ALLOW_LOOPBACK && !peer_is_loopback(&c->peer)) {
		respond_error(s, c, 403, false);
		return;
	}
	buf = bufpool_get(&s->small_bufs);
	if (buf == NULL) {
		respond_error(s, c, 503, false);
		return;
	}
	server_metrics_snapshot(s);
	body = metrics_format(&s->m, buf + CONN_HEADER_MAX, CONN_SMALL_BODY_MAX);
	r.content_length = body > 0 ? (uint64_t)body : 0;
	head = http_format_response(c->hbuf, sizeof(c->hbuf), &r, s->now_sec);
	if (body < 0 || head < 0) {
		bufpool_put(&s->small_bufs, buf);
		respond_error(s, c, 500, false);
		return;
	}
	if (c->head)
		body = 0;
	memmove(buf + head, buf + CONN_HEADER_MAX, (size_t)body);
	memcpy(buf, c->hbuf, (size_t)head);
	c->hlen = (uint32_t)head;
	c->status = 200;
	c->small_buf = buf;
	c->file_off = c->file_end = 0;
	begin_send(s, c, buf, (uint32_t)(head + body));
	submit_send(s, c);
}

/* A file the open-file cache still holds for this path: no open at all.
 * Its size and times come from fstat, never from the cache. */
static bool
try_cached(struct server *s, struct conn *c)
{
	struct fdcache_entry *e = fdcache_get(&s->files, c->lst, c->path, c->path_len, s->now_ms);
	struct stat st;

	if (e == NULL)
		return false;
	if (fstat(e->fd, &st) == -1) {
		fdcache_release(&s->files, e);
		return false;
	}
	memcpy(c->path, e->name, e->name_len + 1);
	c->path_len = e->name_len;
	c->file_entry = e;
	c->file_fd = e->fd;
	respond_file(s, c, &st);
	return true;
}

static void
handle_request(struct server *s, struct conn *c, const struct http_request *req)
{
	c->close_after = !req->keep_alive || s->stopping;
	c->head = req->method == HTTP_HEAD;
	if (req->method == HTTP_UNKNOWN) {
		respond_error(s, c, 501, true);
		return;
	}
	if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
		/* A body may follow that we will not read: close after. */
		respond_error(s, c, 405, true);
		return;
	}
	if (s->conf->status_path[0] != '\0' && strcmp(req->path, s->conf->status_path) == 0) {
		respond_metrics(s, c);
		return;
	}
	/* Dotfiles (.git, .htpasswd, editor leftovers) are not served
	 * unless the listener says hidden_files = yes. */
	if (!c->lst->conf->hidden_files && http_path_hidden(req->path)) {
		respond_error(s, c, 404, false);
		return;
	}
	if (req->path_len + 1 > CONN_PATH_MAX) {
		respond_error(s, c, 414, true);
		return;
	}
	memcpy(c->path, req->path, req->path_len);
	c->path[req->path_len] = '\0';
	c->path_len = c->req_path_len = (uint32_t)req->path_len;
	c->opening_index = false;
	c->range = field_of(c, req->range);
	c->if_range = field_of(c, req->if_range);
	c->if_none_match = field_of(c, req->if_none_match);
	c->if_modified_since = field_of(c, req->if_modified_since);
	if (try_cached(s, c))
		return;
	submit_open(s, c);
}

/* Parse what the buffer holds: answer a complete request, or read more. */
static void
conn_process(struct server *s, struct conn *c)
{
	static struct http_request req;   /* one at a time: no stack bloat */
	ssize_t n;

	c->state = CONN_READ_REQUEST;
	if (c->rlen == 0) {
		timer_set(&s->timers, &c->timer, TIMER_IDLE, s->now_ms);
		submit_recv(s, c);
		return;
	}
	/* The header deadline runs from a request's first byte and is not
	 * extended by later bytes: a trickling client cannot hold a slot. */
	if (c->start_us == 0) {
		c->start_us = now_us();
		timer_set(&s->timers, &c->timer, TIMER_HEADER, s->now_ms);
	}
	c->method = c->target = c->referer = c->user_agent = (struct conn_field){ 0, 0 };
	c->head = false;
	c->version_minor = 1;
	const struct http_limits lim = {
		.max_header = rbuf_size,
		.max_headers = s->conf->max_headers,
		.max_target = s->conf->max_target,
	};

	n = http_parse_more(c->rbuf, c->rlen, &lim, &c->parse, &req);
	if (n == -2 && c->rlen < rbuf_size) {
		submit_recv(s, c);
		return;
	}
	if (n < 0) {
		respond_error(s, c, n == -2 ? 431 : req.error_status, true);
		return;
	}
	c->req_len = (uint32_t)n;
	c->method = field_of(c, req.method_name);
	c->target = field_of(c, req.target);
	c->referer = field_of(c, req.referer);
	c->user_agent = field_of(c, req.user_agent);
	c->version_minor = (uint8_t)req.version_minor;
	handle_request(s, c, &req);
}

/* The response is complete: log it, then read the next request or end. */
static void
response_done(struct server *s, struct conn *c)
{
	log_access(s, c);
	c->status = 0;
	file_put(s, c);
	c->lst->engine->release(s, c);
	release_small_buf(s, c);
	/* A stop ends the connection through LINGER too: bytes the client
	 * sent behind this request (pipelined) may sit unread in the socket,
	 * and close() would answer them with a reset that destroys the tail
	 * of the response still queued for sending. */
	if (c->close_after || s->stopping) {
		conn_linger(s, c);
		submit_recv(s, c);
		return;
	}
	if (c->req_len > 0) {
		c->rlen -= c->req_len;
		memmove(c->rbuf, c->rbuf + c->req_len, c->rlen);
		c->req_len = 0;
	}
	http_progress_reset(&c->parse);
	c->start_us = 0;
	conn_process(s, c);
}

void
conn_body_done(struct server *s, struct conn *c)
{
	response_done(s, c);
}

void
conn_accepted(struct server *s, struct listener *l, int fd)
{
	struct conn *c = s->free_conns;
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	struct iplimit_entry *ip;
	int one = 1;

	if (c == NULL) {
		/* At max_connections: accept and close at once, so the
		 * client learns it now instead of waiting in the backlog. */
		s->m.connections_refused_total[METRICS_REFUSED_MAX_CONNECTIONS]++;
		close(fd);
		return;
	}
	if (getpeername(fd, (struct sockaddr *)&peer, &len) == -1)
		peer.ss_family = AF_UNSPEC;
	ip = iplimit_acquire(&s->iplimit, &peer);
	if (ip == NULL) {
		s->m.connections_refused_total[METRICS_REFUSED_PER_IP]++;
		close(fd);
		return;
	}
	s->free_conns = c->next_free;
	s->live_conns++;
	s->m.connections_accepted_total++;
	c->fd = fd;
	c->lst = l;
	l->nconns++;
	c->peer = peer;
	c->ip = ip;
	c->inflight = 0;
	c->rlen = c->req_len = 0;
	http_progress_reset(&c->parse);
	c->bytes_in_pipe = 0;
	c->status = 0;
	c->start_us = 0;
	c->close_after = false;
	rate_init(&c->rate, s->conf->rate_per_connection, s->now_ms);
	c->peer_checked_ms = s->now_ms;
	c->rate_probe = false;
	/* Responses are written in pieces (header, then body); without
	 * NODELAY the last piece of a small response can wait for a delayed
	 * ACK. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->state = CONN_READ_REQUEST;
	/* From accept, the first request has header_timeout to arrive. */
	timer_set(&s->timers, &c->timer, TIMER_HEADER, s->now_ms);
	submit_recv(s, c);
}

static void
on_recv(struct server *s, struct conn *c, int res)
{
	if (res == -EAGAIN || res == -EINTR) {
		submit_recv(s, c);
		return;
	}
	if (res <= 0) {
		conn_close(s, c, res == 0 ? "peer closed" : strerror(-res));
		return;
	}
	if (c->state == CONN_LINGER) {
		submit_recv(s, c);      /* rlen stays 0: the bytes are dropped */
		return;
	}
	c->rlen += (uint32_t)res;
	conn_process(s, c);
}

static void
on_read(struct server *s, struct conn *c, int res)
{
	file_put(s, c);
	if (res < 0 || (uint32_t)res != c->out_len - c->hlen) {
		/* Short: the file shrank since it was opened.  The linked
		 * SEND is cancelled, nothing was sent; closing beats sending
		 * a body we do not have. */
		log_warn("read of a small body: %s", res < 0 ? strerror(-res) : "file shrank");
		conn_close(s, c, "short read");
	}
}

static void
on_send(struct server *s, struct conn *c, int res)
{
	if (res < 0) {
		conn_close(s, c, strerror(-res));
		return;
	}
	c->out_sent += (uint32_t)res;
	c->bytes_sent += (uint64_t)res;
	s->m.bytes_sent_total[c->small_buf != NULL ? METRICS_ENGINE_SMALL : c->lst->engine->metric] +=
	    (uint64_t)res;
	timer_set(&s->timers, &c->timer, TIMER_SEND, s->now_ms);
	if (c->out_sent < c->out_len) {
		submit_send(s, c);
		return;
	}
	if (c->file_end > c->file_off) {
		c->state = CONN_SEND_BODY;
		c->lst->engine->start(s, c);
		return;
	}
	response_done(s, c);
}

void
conn_complete(struct server *s, uint64_t user_data, int res, unsigned cqe_flags)
{
	uint32_t slot = ring_ud_slot(user_data);
	enum ring_op op = ring_ud_op(user_data);
	struct conn *c;

	(void)cqe_flags;
	if (slot >= s->max_conns)
		return;
	c = &s->conns[slot];
	if (c->gen != ring_ud_gen(user_data) || c->state == CONN_FREE) {
		log_debug("late completion for slot %u dropped", slot);
		return;
	}
	c->inflight--;
	if (c->state == CONN_CLOSING) {
		/* Keep the engine's pipe accounting right: bytes that did
		 * move decide whether the pipe can be reused. */
		if (op == OP_SPLICE_IN || op == OP_SPLICE_OUT)
			c->lst->engine->complete(s, c, op, res);
		else if (op == OP_OPEN && res >= 0)
			close(res);
		if (c->inflight == 0)
			conn_release(s, c);
		return;
	}
	switch (op) {
	case OP_RECV:
		on_recv(s, c, res);
		break;
	case OP_OPEN:
		on_open(s, c, res);
		break;
	case OP_READ:
		on_read(s, c, res);
		break;
	case OP_SEND:
		on_send(s, c, res);
		break;
	case OP_SPLICE_IN:
	case OP_SPLICE_OUT:
	case OP_POLL_OUT:
		c->lst->engine->complete(s, c, op, res);
		break;
	default:
		log_errx("unexpected completion op %d for slot %u", op, slot);
		conn_close(s, c, "unexpected completion");
		break;
	}
}
