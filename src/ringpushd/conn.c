/*
 * conn.c: the connection's life (see conn.h): the slab, receiving and
 * parsing requests, deadlines, lingering and closing.  What to answer is
 * respond.c's decision; send.c sends it.
 *
 * A connection waiting for a request holds no buffer: its one receive
 * takes a buffer of the shared ring (recvring.c) when bytes arrive, or,
 * without buffer rings, a poll waits for them.  The bytes go into a
 * request buffer borrowed from the pool (reqbuf.c), and the rest of a
 * request that does not come whole is read straight into it with one
 * IORING_OP_RECV at a time.  A complete request is parsed and handed to
 * respond_request(), whose response send.c puts on the wire.  Bytes
 * that arrived behind a request (pipelining) stay in the buffer and are
 * parsed when its response is done; with none, the buffer goes back.
 *
 * A small response's SEND may carry the next request's receive linked
 * behind it (send.c): that receive's completion is handled here
 * (on_linked_recv), as the end of the response and the start of the next
 * request.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "access.h"
#include "http.h"
#include "log.h"
#include "probe.h"
#include "respond.h"
#include "respond_ranges.h"
#include "server.h"


static size_t rbuf_size;

/* The slab is reserved, not touched: a slot costs memory from the first
 * time a connection uses it, so max_connections can be set far above what
 * the daemon ever sees.  Slots are handed out from the free list first
 * (reused ones are warm), then by the bump index s->conns_used.  Request
 * buffers are not in the slot: a connection borrows one from the pool
 * while it has a request (conn_buf_take). */
int
conn_slab_init(struct server *s, unsigned max, unsigned rbuf_bytes, unsigned kept)
{
	rbuf_size = rbuf_bytes;
	s->max_conns = max;
	s->conns = mmap(NULL, (size_t)max * sizeof(*s->conns), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (s->conns == MAP_FAILED) {
		s->conns = NULL;
		return -1;
	}
	idle_list_init(&s->idle);
	/* at most one buffer per connection: the pool never runs dry */
	if (reqbuf_init(&s->reqbufs, max, CONN_HEADER_MAX + CONN_PATH_MAX + rbuf_bytes,
	    kept) == -1) {
		conn_slab_free(s);
		return -1;
	}
	s->free_conns = NULL;
	s->conns_used = 0;
	return 0;
}

/* A slot never used before: its fields start as a freed slot's are. */
static struct conn *
slot_first_use(struct server *s)
{
	struct conn *c = &s->conns[s->conns_used];

	c->slot = s->conns_used++;
	c->fd = c->file_fd = -1;
	c->pipe.rd = c->pipe.wr = -1;
	timer_node_init(&c->timer);
	timer_node_init(&c->throttle);
	idle_node_init(&c->idle);
	upload_init(&c->upload);
	return c;
}

void
conn_slab_free(struct server *s)
{
	reqbuf_free(&s->reqbufs);
	/* a connection a lost completion kept to the end still holds the
	 * kept body it was sending: the open-file cache frees it next */
	for (unsigned i = 0; s->conns != NULL && i < s->max_conns; i++)
		if (s->conns[i].out_body != NULL)
			fdcache_response_end(&s->files, s->conns[i].out_body);
	if (s->conns != NULL)
		munmap(s->conns, (size_t)s->max_conns * sizeof(*s->conns));
	s->conns = NULL;
}

/* The connection's request buffer, borrowed if it has none.  false: the
 * pool is empty (it holds one per slot, so only a bug gets there). */
static bool
conn_buf_take(struct server *s, struct conn *c)
{
	char *b;

	if (c->hbuf != NULL)
		return true;
	b = reqbuf_get(&s->reqbufs);
	if (b == NULL)
		return false;
	/* header first: a small request, its path and the header share the
	 * buffer's first pages */
	c->hbuf = b;
	c->path = b + CONN_HEADER_MAX;
	c->rbuf = c->path + CONN_PATH_MAX;
	return true;
}

void
conn_buf_put(struct server *s, struct conn *c)
{
	reqbuf_put(&s->reqbufs, c->hbuf);
	c->hbuf = c->path = c->rbuf = NULL;
}

static struct conn *
conn_of_timer(struct timer_node *n, enum timer_kind kind)
{
	if (kind == TIMER_THROTTLE)
		return (struct conn *)((char *)n - offsetof(struct conn, throttle));
	return (struct conn *)((char *)n - offsetof(struct conn, timer));
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

/* Wait for bytes without a buffer of the connection's own: watch the
 * socket (OP_RECV_POLL), then read into a request buffer. */
static void
conn_poll_request(struct server *s, struct conn *c)
{
	struct io_uring_sqe *sqe = ring_sqe(&s->ring);

	io_uring_prep_poll_add(sqe, c->fd, POLLIN);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_RECV_POLL, c->slot, c->gen));
	c->inflight++;
}

/* Nothing of a request is here: the request buffer goes back to the
 * pool, and the next bytes land in a buffer of the shared receive ring
 * (OP_RECV_RING) or, without one, are polled for. */
static void
conn_wait_request(struct server *s, struct conn *c)
{
	struct io_uring_sqe *sqe;

	conn_buf_put(s, c);
	if (!s->recv.on) {
		conn_poll_request(s, c);
		return;
	}
	sqe = ring_sqe(&s->ring);
	io_uring_prep_recv(sqe, c->fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = RECVRING_GROUP;
	io_uring_sqe_set_data64(sqe, ring_ud(OP_RECV_RING, c->slot, c->gen));
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
	char version[sizeof("HTTP/9.9")];
	struct access_entry e;
	int code = metrics_code_index(c->status);
	/* a linked response gave its request buffer back (its fields are
	 * empty): an access log turned on by a reload meanwhile logs "-" */
	const char *rbuf = c->rbuf != NULL ? c->rbuf : "";

	if (code >= 0)
		s->m.requests_total[code]++;
	if (!access_log_enabled())
		return;
	if (c->version_major != 1)
		snprintf(version, sizeof(version), "HTTP/%u.%u", c->version_major % 10u,
		    c->version_minor % 10u);
	if (c->peer.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&c->peer)->sin6_addr, host, sizeof(host));
	else if (c->peer.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&c->peer)->sin_addr, host, sizeof(host));
	e = (struct access_entry){
		.remote = host,
		.when = s->now_sec,
		.method = rbuf + c->method.off, .method_len = c->method.len,
		.target = rbuf + c->target.off, .target_len = c->target.len,
		.referer = rbuf + c->referer.off, .referer_len = c->referer.len,
		.user_agent = rbuf + c->user_agent.off, .user_agent_len = c->user_agent.len,
		.version_minor = c->version_minor,
		.version = c->version_major == 1 ? NULL : version,
		.status = c->status,
		.body_bytes = c->bytes_sent > c->hlen ? c->bytes_sent - c->hlen : 0,
		.bytes_sent = c->bytes_sent,
		.duration_us = timer_now_us() - c->start_us,
		.bytes_received = c->bytes_received,
	};
	access_log_write(line, (int)access_format(&e, s->conf->access_log_format, line, sizeof(line)));
}

/* ---- closing ---- */

/* A small response's memory: its pool buffer, or its hold on the body
 * the open-file cache keeps. */
static void
release_small_buf(struct server *s, struct conn *c)
{
	bufpool_put(&s->small_bufs, c->small_buf);
	c->small_buf = NULL;
	if (c->out_body != NULL)
		fdcache_response_end(&s->files, c->out_body);
	c->out_body = NULL;
}

/* The response's file is done with: back to the cache, or closed. */
void
conn_file_put(struct server *s, struct conn *c)
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
	conn_linked_end(c);
	upload_release(s, c);
	xfer_release(s, c);
	conn_buf_put(s, c);
	release_small_buf(s, c);
	respond_ranges_release(s, c);
	iplimit_release(&s->iplimit, c->ip);
	c->ip = NULL;
	if (c->lst != NULL) {
		c->lst->nconns--;
		listen_put(c->lst);
	}
	conn_file_put(s, c);
	root_put(c->open_root);
	c->open_root = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	timer_clear(&c->timer);
	timer_clear(&c->throttle);
	idle_remove(&s->idle, &c->idle);
	if (c->reclaimed)
		s->reclaiming--;
	c->reclaimed = false;
	c->state = CONN_FREE;
	c->gen = (c->gen + 1) & RING_GEN_MASK;
	c->lst = NULL;
	c->next_free = s->free_conns;
	s->free_conns = c;
	s->live_conns--;
	/* a descriptor is free again: what waits in the backlog is taken
	 * now rather than on the next tick */
	if (s->accept_paused && !s->stopping) {
		s->accept_paused = false;
		listen_arm_all(s);
	}
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
	idle_remove(&s->idle, &c->idle);
	if (c->inflight == 0) {
		conn_release(s, c);
		return;
	}
	/* Wake what waits on the socket, and cancel it.  The slot is freed
	 * when the last completion arrives, so no operation can ever touch a
	 * buffer, pipe or fd after it was handed to someone else.  The cancel
	 * looks the fd up at submission, so submit it now. */
	shutdown(c->fd, SHUT_RDWR);
	/* before 5.19 (no cancel by fd) the shutdown alone ends what waits
	 * on the socket; what reads the file ends by itself */
	if (!probe_has(PROBE_CANCEL_FD))
		return;
	struct io_uring_sqe *sqe = ring_sqe(&s->ring);

	io_uring_prep_cancel_fd(sqe, c->fd, IORING_ASYNC_CANCEL_ALL);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_CANCEL, c->slot, c->gen));
	ring_flush(&s->ring);
}

void
conn_close_all(struct server *s)
{
	for (unsigned i = 0; i < s->conns_used; i++)
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
	idle_remove(&s->idle, &c->idle);
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
	for (unsigned i = 0; i < s->conns_used; i++) {
		struct conn *c = &s->conns[i];
		int unacked = 0;

		if (c->recv_linked) {
			/* its response may still be going out: its receive
			 * is cancelled once it waits (on_linked_recv), tried
			 * again on each tick until it does */
			conn_linked_reclaim(s, c);
			continue;
		}
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

	conn_linked_age(s);
	while ((n = timer_pop_expired(&s->timers, now_ms, &kind)) != NULL) {
		struct conn *c = conn_of_timer(n, kind);

		if (kind != TIMER_THROTTLE) {
			s->m.timer_expirations_total++;
			if (c->state == CONN_RECV_BODY)
				upload_abort(s, c, 408, "upload body timed out");
			else
				conn_close(s, c, "deadline passed");
		} else if (peer_gone(s, c)) {
			upload_abort(s, c, 499, "peer left while throttled");
		} else if (c->state == CONN_RECV_BODY) {
			upload_resume(s, c);
		} else if (c->engine != NULL) {
			/* the send deadline runs on: a wait for tokens is
			 * not progress */
			c->engine->resume(s, c);
		}
	}
}


struct conn_field
conn_field_of(const struct conn *c, struct http_span sp)
{
	struct conn_field f = { 0, 0 };

	if (sp.p != NULL && sp.len > 0) {
		f.off = (uint32_t)(sp.p - c->rbuf);
		f.len = (uint32_t)sp.len;
	}
	return f;
}

/* Parse what the buffer holds: answer a complete request, or read more. */
static void
conn_process(struct server *s, struct conn *c)
{
	static struct http_request req;   /* one at a time: no stack bloat */
	ssize_t n;

	c->state = CONN_READ_REQUEST;
	/* The rest of a GET's body: dropped as it arrives, under the header
	 * deadline response_done() set, which more bytes do not extend. */
	if (c->discard > 0) {
		uint32_t drop = c->discard < c->rlen ? c->discard : c->rlen;

		c->rlen -= drop;
		memmove(c->rbuf, c->rbuf + drop, c->rlen);
		c->discard -= drop;
		if (c->discard > 0) {
			conn_wait_request(s, c);        /* rlen is 0 */
			return;
		}
	}
	if (c->rlen == 0) {
		/* Kept alive between requests: the first to close at a limit.
		 * A connection just accepted is not on the list: its request
		 * is usually on its way, and header_timeout bounds it. */
		timer_set(&s->timers, &c->timer, TIMER_IDLE, s->now_ms);
		idle_add(&s->idle, &c->idle);
		conn_wait_request(s, c);
		return;
	}
	/* The header deadline runs from a request's first byte and is not
	 * extended by later bytes: a trickling client cannot hold a slot. */
	if (c->start_us == 0) {
		c->start_us = s->now_us;
		timer_set(&s->timers, &c->timer, TIMER_HEADER, s->now_ms);
	}
	c->method = c->target = c->referer = c->user_agent = (struct conn_field){ 0, 0 };
	c->head = false;
	c->version_minor = 1;
	c->version_major = 1;
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
		/* A 505 parsed its request line: log it as any other. */
		if (n == -1 && req.error_status == 505) {
			c->method = conn_field_of(c, req.method_name);
			c->target = conn_field_of(c, req.target);
			c->version_minor = (uint8_t)req.version_minor;
			c->version_major = (uint8_t)req.version_major;
		}
		respond_error(s, c, n == -2 ? 431 : req.error_status, true);
		return;
	}
	c->req_len = (uint32_t)n;
	/* A body on GET or HEAD (the parser bounds it): what has arrived
	 * leaves with the request, the rest is dropped when it comes. */
	if (req.content_length > 0 &&
	    (req.method == HTTP_GET || req.method == HTTP_HEAD)) {
		uint32_t here = c->rlen - c->req_len;

		if (req.content_length < here)
			here = (uint32_t)req.content_length;
		c->req_len += here;
		c->discard = (uint32_t)req.content_length - here;
	}
	c->method = conn_field_of(c, req.method_name);
	c->target = conn_field_of(c, req.target);
	c->referer = conn_field_of(c, req.referer);
	c->user_agent = conn_field_of(c, req.user_agent);
	c->version_minor = (uint8_t)req.version_minor;
	if (c->reserve && conn_refuse_from_reserve(s, c, &req))
		return;
	respond_request(s, c, &req);
}

/* The response is complete: log it and let go of what it held.  false:
 * the connection ends (it lingers; the caller sees to its receive). */
static bool
response_end(struct server *s, struct conn *c)
{
	log_access(s, c);
	c->status = 0;
	c->bytes_received = 0;
	conn_file_put(s, c);
	xfer_release(s, c);
	release_small_buf(s, c);
	respond_ranges_release(s, c);
	/* A stop ends the connection through LINGER too: bytes the client
	 * sent behind this request (pipelined) may sit unread in the socket,
	 * and close() would answer them with a reset that destroys the tail
	 * of the response still queued for sending. */
	if (c->close_after || s->stopping) {
		conn_linger(s, c);
		return false;
	}
	if (c->req_len > 0) {
		c->rlen -= c->req_len;
		memmove(c->rbuf, c->rbuf + c->req_len, c->rlen);
		c->req_len = 0;
	}
	http_progress_reset(&c->parse);
	c->start_us = 0;
	if (c->discard > 0)
		timer_set(&s->timers, &c->timer, TIMER_HEADER, s->now_ms);
	return true;
}

/* The response is complete: read the next request or end. */
static void
response_done(struct server *s, struct conn *c)
{
	if (response_end(s, c))
		conn_process(s, c);
	else
		conn_wait_request(s, c);
}

void
conn_body_done(struct server *s, struct conn *c)
{
	if (respond_ranges_next(s, c))
		return;         /* a multipart response goes on */
	response_done(s, c);
}

void
conn_accepted(struct server *s, struct listener *l, int fd)
{
	struct conn *c = s->free_conns;
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	struct iplimit_entry *ip;

	if (getpeername(fd, (struct sockaddr *)&peer, &len) == -1)
		peer.ss_family = AF_UNSPEC;
	/* At max_connections the oldest idle connection makes room, as
	 * nginx does; with none, a reserve slot lets the status paths in. */
	if (s->live_conns - s->reclaiming >= s->conn_limit &&
	    conn_reclaim_idle(s, 1) > 0) {
		uint64_t more;

		if (refuse_log_due(&s->reclaim_log, s->now_ms, &more))
			log_warn("max_connections (%u) reached: closing the oldest idle "
			    "connections to make room (%llu more since the last warning)",
			    s->conn_limit, (unsigned long long)more);
		c = s->free_conns;
	}
	if (c == NULL && s->conns_used == s->max_conns) {
		/* At max_connections: accept and answer 503 at once, so the
		 * client learns it now instead of waiting in the backlog. */
		s->m.connections_refused_total[METRICS_REFUSED_MAX_CONNECTIONS]++;
		refuse_warn(&s->refused_max, s->now_ms, &peer, "max_connections",
		    s->conn_limit);
		refuse_connection(fd, s->now_sec);
		return;
	}
	ip = iplimit_acquire(&s->iplimit, &peer);
	if (ip == NULL) {
		s->m.connections_refused_total[METRICS_REFUSED_PER_IP]++;
		refuse_warn(&s->refused_per_ip, s->now_ms, &peer,
		    "max_connections_per_ip", s->iplimit.limit);
		refuse_connection(fd, s->now_sec);
		return;
	}
	if (c != NULL)
		s->free_conns = c->next_free;
	else
		c = slot_first_use(s);
	s->live_conns++;
	s->m.connections_accepted_total++;
	c->fd = fd;
	c->lst = l;
	l->nconns++;
	c->peer = peer;
	c->ip = ip;
	c->inflight = 0;
	c->rlen = c->req_len = c->discard = 0;
	c->bytes_received = 0;
	http_progress_reset(&c->parse);
	c->bytes_in_pipe = 0;
	c->status = 0;
	c->start_us = 0;
	c->close_after = false;
	c->lowat_lifted = c->stream = c->paced = false;
	c->paced_checked_ms = 0;
	c->reserve = conn_at_limit(s);
	rate_init(&c->rate, s->conf->rate_per_connection, s->now_ms);
	c->peer_checked_ms = s->now_ms;
	c->rate_probe = false;
	c->zc_copied = false;
	/* TCP_NODELAY and send_lowat come with the socket: set on the
	 * listening socket (listen_tune in listen.c). */
	c->state = CONN_READ_REQUEST;
	/* From accept, the first request has header_timeout to arrive. */
	timer_set(&s->timers, &c->timer, TIMER_HEADER, s->now_ms);
	conn_wait_request(s, c);
}

/* Bytes wait on an idle (or lingering) connection's socket: read them
 * into a buffer borrowed now. */
static void
on_recv_poll(struct server *s, struct conn *c, int res)
{
	if (res < 0) {
		conn_close(s, c, strerror(-res));
		return;
	}
	if (!conn_buf_take(s, c)) {
		log_errx("no request buffer for connection %u", c->slot);
		conn_close(s, c, "no request buffer");
		return;
	}
	submit_recv(s, c);
}

static void on_recv(struct server *s, struct conn *c, int res);

/* An idle connection's receive from the shared ring ended: its bytes
 * (in a ring buffer the caller puts back) are copied into a request
 * buffer.  An empty ring: counted, given more buffers if it may grow,
 * and this connection polled instead, so it is not retried in a loop. */
static void
on_recv_ring(struct server *s, struct conn *c, int res, const char *bytes)
{
	if (res == -ENOBUFS) {
		s->m.recv_buffers_exhausted_total++;
		recvring_grow(&s->recv);
		conn_poll_request(s, c);
		return;
	}
	if (res == -EAGAIN || res == -EINTR) {
		conn_wait_request(s, c);
		return;
	}
	if (res > 0 && bytes == NULL) {
		/* a receive that named the ring came back without a buffer */
		conn_close(s, c, "receive without a buffer");
		return;
	}
	if (res > 0 && c->state != CONN_LINGER) {
		if (!conn_buf_take(s, c)) {
			log_errx("no request buffer for connection %u", c->slot);
			conn_close(s, c, "no request buffer");
			return;
		}
		memcpy(c->rbuf + c->rlen, bytes, (size_t)res);
	}
	on_recv(s, c, res);
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
		conn_wait_request(s, c);        /* the bytes are dropped */
		return;
	}
	idle_remove(&s->idle, &c->idle);
	c->rlen += (uint32_t)res;
	conn_process(s, c);
}

/* The receive linked behind a response's SEND ended: the SEND sent every
 * byte.  What the receive brought is then handled as any idle
 * connection's (no byte was behind the request).  -ECANCELED:
 * conn_linked_reclaim() took it back (a client that sends nothing, a
 * limit, or the stop). */
static void
on_linked_recv(struct server *s, struct conn *c, int res, const char *bytes)
{
	int unacked = 0;

	conn_linked_end(c);
	conn_count_sent(s, c, c->out_len - c->out_sent);
	if (response_end(s, c)) {
		if (c->reclaimed) {
			/* its response is out: the room it was taken for */
			conn_close(s, c, "closed to make room");
			return;
		}
		c->state = CONN_READ_REQUEST;
		if (res == -ECANCELED) {
			conn_process(s, c);     /* waits for a request */
			return;
		}
		/* bytes start the header deadline (conn_process) */
		if (res <= 0)
			timer_set(&s->timers, &c->timer, TIMER_IDLE, s->now_ms);
		conn_buf_put(s, c);     /* rlen is 0: taken again for bytes */
		on_recv_ring(s, c, res, bytes);
		return;
	}
	/* the stop: as conn_close_idle() ends a connection that waits */
	if (res != -ECANCELED)
		on_recv_ring(s, c, res, bytes);         /* LINGER drops the bytes */
	else if (ioctl(c->fd, SIOCOUTQ, &unacked) == 0 && unacked > 0)
		conn_wait_request(s, c);
	else
		conn_close(s, c, "stopping");
}

/* A whole small file just read: the open-file cache keeps its bytes if
 * the file still is what its entry's fstat saw, so that the kept bytes are
 * one version of the file and agree with the size and ETag served. */
static void
keep_body(struct server *s, struct conn *c, uint32_t len)
{
	struct fdcache_entry *e = c->file_entry;
	struct stat st;

	c->keep_body = false;
	if (fstat(e->fd, &st) == -1 || st.st_size != e->st.st_size ||
	    st.st_mtim.tv_sec != e->st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != e->st.st_mtim.tv_nsec)
		return;
	fdcache_keep_body(&s->files, e, c->small_buf + c->hlen, len);
}

static void
on_read(struct server *s, struct conn *c, int res)
{
	bool whole = res >= 0 && (uint32_t)res == c->out_len - c->hlen;

	if (c->keep_body && whole)
		keep_body(s, c, (uint32_t)res);
	c->keep_body = false;
	/* the next request opens the file again and sees its new size */
	if (!whole && c->file_entry != NULL)
		fdcache_drop(&s->files, c->file_entry);
	conn_file_put(s, c);
	if (!whole) {
		/* Short: the file shrank since it was opened.  The linked
		 * SEND is cancelled, nothing was sent; closing beats sending
		 * a body we do not have. */
		log_warn("read of a small body: %s", res < 0 ? strerror(-res) : "file shrank");
		conn_close(s, c, "short read");
	}
}

/* ring_bytes: the bytes of a receive from the shared ring, or NULL. */
static void
complete_slot(struct server *s, uint64_t user_data, int res, const char *ring_bytes)
{
	uint32_t slot = ring_ud_slot(user_data);
	enum ring_op op = ring_ud_op(user_data);
	struct conn *c;

	if (slot >= s->conns_used)
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
			c->engine->complete(s, c, op, res);
		else if (op >= OP_UPLOAD_IN && op <= OP_UPLOAD_RECV)
			upload_complete(s, c, op, res);
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
	case OP_RECV_POLL:
		on_recv_poll(s, c, res);
		break;
	case OP_RECV_RING:
		if (c->recv_linked)
			on_linked_recv(s, c, res, ring_bytes);
		else
			on_recv_ring(s, c, res, ring_bytes);
		break;
	case OP_OPEN:
		respond_opened(s, c, res);
		break;
	case OP_READ:
		on_read(s, c, res);
		break;
	case OP_SEND:
		conn_send_complete(s, c, res);
		break;
	case OP_POLL_OUT:
		if (conn_poll_out_done(s, c, res))
			c->engine->complete(s, c, op, res);
		break;
	case OP_SPLICE_IN:
	case OP_SPLICE_OUT:
	case OP_BODY_READ:
	case OP_BODY_SEND:
		c->engine->complete(s, c, op, res);
		break;
	case OP_UPLOAD_IN:
	case OP_UPLOAD_OUT:
	case OP_UPLOAD_POLL:
	case OP_UPLOAD_SYNC:
	case OP_UPLOAD_CONTINUE:
	case OP_UPLOAD_RECV:
		upload_complete(s, c, op, res);
		break;
	default:
		log_errx("unexpected completion op %d for slot %u", op, slot);
		conn_close(s, c, "unexpected completion");
		break;
	}
}

void
conn_complete(struct server *s, uint64_t user_data, int res, unsigned cqe_flags)
{
	unsigned bid;

	if (cqe_flags & IORING_CQE_F_NOTIF) {
		/* a zero-copy send's second completion: nothing waits for
		 * it, and it is not in c->inflight (see xfer_mmap.c) */
		xfer_mmap_notified(s, user_data, res);
		return;
	}
	if (!(cqe_flags & IORING_CQE_F_BUFFER)) {
		complete_slot(s, user_data, res, NULL);
		return;
	}
	/* The bytes of a shared ring buffer are copied (or dropped) before
	 * complete_slot() returns: the buffer goes back whatever became of
	 * the connection. */
	bid = cqe_flags >> IORING_CQE_BUFFER_SHIFT;
	complete_slot(s, user_data, res, recvring_buf(&s->recv, bid));
	recvring_put(&s->recv, bid);
}
