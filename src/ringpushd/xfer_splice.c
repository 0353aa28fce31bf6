/*
 * xfer_splice.c: the splice engine — file -> pipe -> socket, no byte
 * copied through user space.
 *
 * Each chunk (at most the pipe's capacity) is two linked SQEs:
 * SPLICE_IN (file -> pipe) hard-linked to SPLICE_OUT (pipe -> socket).  A
 * hard link runs the second step even when the first is short, so the
 * bytes that did reach the pipe still go out; bytes_in_pipe tracks what
 * the pipe holds.  Pipes and sockets are non-blocking: io_uring runs
 * splices in io-wq workers, and a full socket must answer -EAGAIN instead
 * of parking a worker.  After -EAGAIN the engine waits for POLLOUT on the
 * ring and drains the pipe before reading more of the file.  A SPLICE_IN
 * that returns 0 before the promised length means the file shrank: the
 * connection is closed so the client sees a short body.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include "log.h"
#include "residency.h"
#include "server.h"

#define NOT_ISSUED INT_MIN

static void
splice_chunk(struct server *s, struct conn *c)
{
	uint64_t left = c->file_end - c->file_off;
	unsigned chunk = left < c->pipe.capacity ? (unsigned)left : c->pipe.capacity;
	unsigned out_flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
	struct io_uring_sqe *sqe;

	chunk = conn_rate_grant(s, c, chunk);
	if (chunk == 0)
		return;         /* throttled: splice_resume() on a later tick */
	c->splice_granted = chunk;

	if (left > chunk)
		out_flags |= SPLICE_F_MORE;
	/* both steps of a chunk in one submission, or the link is lost */
	ring_reserve(&s->ring, 2);
	sqe = ring_sqe(&s->ring);
	io_uring_prep_splice(sqe, c->file_fd, (int64_t)c->file_off, c->pipe.wr, -1,
	    chunk, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	sqe->flags |= IOSQE_IO_HARDLINK;
	io_uring_sqe_set_data64(sqe, ring_ud(OP_SPLICE_IN, c->slot, c->gen));
	sqe = ring_sqe(&s->ring);
	io_uring_prep_splice(sqe, c->pipe.rd, -1, c->fd, -1, chunk, out_flags);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_SPLICE_OUT, c->slot, c->gen));
	c->inflight += 2;
	c->splice_in_res = c->splice_out_res = NOT_ISSUED;
}

/* Send what the pipe holds, without reading more of the file. */
static void
splice_drain(struct server *s, struct conn *c)
{
	struct io_uring_sqe *sqe = ring_sqe(&s->ring);
	unsigned flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;

	if (c->file_off < c->file_end)
		flags |= SPLICE_F_MORE;
	io_uring_prep_splice(sqe, c->pipe.rd, -1, c->fd, -1, c->bytes_in_pipe, flags);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_SPLICE_OUT, c->slot, c->gen));
	c->inflight++;
	c->splice_in_res = c->splice_out_res = NOT_ISSUED;
}

static void
wait_writable(struct server *s, struct conn *c)
{
	conn_wait_writable(s, c);
	c->splice_in_res = c->splice_out_res = NOT_ISSUED;
}

/* At most one warning a minute about transfers without a pipe: the
 * counter tells how many. */
#define NO_PIPE_LOG_MS (60u * 1000u)

static bool
body_cached(const struct conn *c)
{
	return residency_range_cached(c->file_fd, c->file_off, c->file_end - c->file_off);
}

const struct xfer_engine_ops *
xfer_splice_prepare(struct server *s, struct conn *c, bool cold)
{
	static uint64_t no_pipe_logged_ms;
	static bool no_pipe_logged;
	const struct xfer_engine_ops *e;
	int err = pipepool_get(&s->pipes, &c->pipe);

	if (err < 0) {
		e = xfer_fallback(s, c, METRICS_FALLBACK_NO_PIPE, !cold && body_cached(c));
		if (!no_pipe_logged || s->now_ms - no_pipe_logged_ms >= NO_PIPE_LOG_MS) {
			no_pipe_logged = true;
			no_pipe_logged_ms = s->now_ms;
			log_warn("splice: no pipe for a transfer (%s): sent by %s instead "
			    "(ringpushd_engine_fallbacks_total{reason=\"no_pipe\"} counts them)",
			    strerror(-err), e->name);
		}
		return e;
	}
	c->bytes_in_pipe = 0;
	/* A shrunk pipe moves a few KiB per pair of worker round trips:
	 * sendfile is far cheaper for a body in memory.  A cold body still
	 * splices, so that its reads never block the daemon's thread. */
	if (pipepool_shrunk(&s->pipes, &c->pipe) && !cold && body_cached(c)) {
		pipepool_put(&s->pipes, &c->pipe, true);
		return xfer_fallback(s, c, METRICS_FALLBACK_PIPE_SHRUNK, true);
	}
	return &xfer_splice_ops;
}

static const struct xfer_engine_ops *
splice_prepare(struct server *s, struct conn *c)
{
	return xfer_splice_prepare(s, c, false);
}

/* The pipe was taken by xfer_splice_prepare(). */
static void
splice_start(struct server *s, struct conn *c)
{
	splice_chunk(s, c);
}

/* Both steps of a round have completed: decide the next one. */
static void
splice_advance(struct server *s, struct conn *c)
{
	int in = c->splice_in_res, out = c->splice_out_res;

	if (in != NOT_ISSUED && in < 0 && in != -EAGAIN) {
		log_warn("splice: reading %s failed: %s", c->lst->conf->name, strerror(-in));
		conn_close(s, c, "file read failed");
		return;
	}
	if (out != NOT_ISSUED && out < 0 && out != -EAGAIN) {
		conn_close(s, c, strerror(-out));
		return;
	}
	if (c->bytes_in_pipe > 0) {
		if (out == -EAGAIN)
			wait_writable(s, c);
		else
			splice_drain(s, c);
		return;
	}
	if (c->file_off >= c->file_end) {
		conn_body_done(s, c);
		return;
	}
	if (in == 0) {
		/* End of file before the promised length: the file shrank.
		 * Closing is the only honest answer left; the client sees
		 * fewer bytes than Content-Length. */
		log_warn("splice: file shrank during a transfer (connection %u)", c->slot);
		conn_close(s, c, "file shrank");
		return;
	}
	splice_chunk(s, c);
}

static void
splice_complete(struct server *s, struct conn *c, enum ring_op op, int res)
{
	switch (op) {
	case OP_SPLICE_IN:
		c->splice_in_res = res;
		if (res > 0) {
			c->bytes_in_pipe += (uint32_t)res;
			c->file_off += (uint64_t)res;
		}
		/* A short read (the pipe's slots filled before its bytes
		 * did, an unaligned start, -EAGAIN, the end of the file)
		 * leaves tokens that no byte used: the next chunk gets them. */
		if ((uint32_t)(res > 0 ? res : 0) < c->splice_granted) {
			log_debug("splice: %u of %u granted bytes read (connection %u)",
			    (unsigned)(res > 0 ? res : 0), c->splice_granted, c->slot);
			conn_rate_refund(s, c, c->splice_granted - (uint32_t)(res > 0 ? res : 0));
		}
		c->splice_granted = 0;
		break;
	case OP_SPLICE_OUT:
		c->splice_out_res = res;
		if (res > 0) {
			c->bytes_in_pipe -= (uint32_t)res;
			c->bytes_sent += (uint64_t)res;
			s->m.bytes_sent_total[METRICS_ENGINE_SPLICE] += (uint64_t)res;
			timer_set(&s->timers, &c->timer, TIMER_SEND, s->now_ms);
		}
		break;
	case OP_POLL_OUT:
		/* Writable, or an error the next splice will report. */
		break;
	default:
		break;
	}
	if (c->state != CONN_SEND_BODY || c->inflight > 0)
		return;
	splice_advance(s, c);
}

static void
splice_release(struct server *s, struct conn *c)
{
	pipepool_put(&s->pipes, &c->pipe, c->bytes_in_pipe == 0);
	c->bytes_in_pipe = 0;
}

static void
splice_resume(struct server *s, struct conn *c)
{
	if (c->state == CONN_SEND_BODY && c->inflight == 0)
		splice_chunk(s, c);
}

const struct xfer_engine_ops xfer_splice_ops = {
	.name = "splice",
	.metric = METRICS_ENGINE_SPLICE,
	.prepare = splice_prepare,
	.start = splice_start,
	.complete = splice_complete,
	.release = splice_release,
	.resume = splice_resume,
};
