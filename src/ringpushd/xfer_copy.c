/*
 * xfer_copy.c: the copy engine — the traditional path, every byte copied
 * twice: IORING_OP_READ from the file into a pool buffer, IORING_OP_SEND
 * from the buffer into the socket, chunk after chunk.
 *
 * It is the baseline the other engines are measured against (make
 * bench-engines), and the one that needs nothing of the file system but
 * read(2).  Each chunk is a READ linked (IOSQE_IO_LINK) to the SEND of
 * the whole chunk, both in one submission, so a chunk the page cache
 * holds costs one loop turn: the READ completes inline and the SEND
 * follows at once.  A short read (the file shrank, or the read stopped
 * early) fails the link: the SEND ends with -ECANCELED having sent
 * nothing, and the bytes that were read go out on their own.  A read of
 * 0 before the promised length means the file shrank: the connection is
 * closed so the client sees a short body.
 *
 * Reads of pages not in memory do not block the thread: io_uring waits
 * for them asynchronously.  The buffers come from a pool made at start
 * (XFER_COPY_BUFS of XFER_COPY_CHUNK bytes at most, reserved, touched
 * only when used); a transfer that finds it empty waits for the next
 * tick, as a throttled one does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "server.h"

static void
copy_chunk(struct server *s, struct conn *c)
{
	uint64_t left = c->file_end - c->file_off;
	uint32_t want = left < XFER_COPY_CHUNK ? (uint32_t)left : XFER_COPY_CHUNK;
	uint32_t grant;
	struct io_uring_sqe *sqe;

	if (c->copy_buf == NULL && (c->copy_buf = bufpool_get(&s->copy_bufs)) == NULL) {
		/* every buffer is lent: try again on the next tick */
		log_debug("copy: connection %u waits for a buffer", c->slot);
		timer_set(&s->timers, &c->throttle, TIMER_THROTTLE, s->now_ms);
		return;
	}
	grant = conn_rate_grant(s, c, want);
	if (grant == 0)
		return;         /* throttled: copy_resume() on a later tick */
	c->mem = c->copy_buf;
	c->mem_len = grant;
	c->mem_sent = 0;
	c->file_off += grant;   /* corrected when the read is short */
	/* both in one submission, or the link is lost */
	ring_reserve(&s->ring, 2);
	sqe = ring_sqe(&s->ring);
	io_uring_prep_read(sqe, c->file_fd, c->copy_buf, grant, c->file_off - grant);
	sqe->flags |= IOSQE_IO_LINK;
	io_uring_sqe_set_data64(sqe, ring_ud(OP_BODY_READ, c->slot, c->gen));
	c->inflight++;
	c->copy_read_res = XFER_NO_RESULT;
	xfer_mem_send(s, c, false);
}

static void
copy_read(struct server *s, struct conn *c, int res)
{
	uint32_t got = res > 0 ? (uint32_t)res : 0;

	c->copy_read_res = res;
	if (got < c->mem_len) {
		/* tokens and offset of the bytes not read go back */
		conn_rate_refund(s, c, c->mem_len - got);
		c->file_off -= c->mem_len - got;
		c->mem_len = got;
	}
}

/* Nothing in flight: decide the next step. */
static void
copy_advance(struct server *s, struct conn *c)
{
	int res = c->copy_read_res;

	if (res != XFER_NO_RESULT && res < 0) {
		log_warn("copy: reading %s failed: %s", c->lst->conf->name, strerror(-res));
		conn_close(s, c, "file read failed");
		return;
	}
	if (!xfer_mem_window_out(s, c))
		return;
	if (c->file_off >= c->file_end) {
		conn_body_done(s, c);
		return;
	}
	if (res == 0) {
		/* End of file before the promised length: the file shrank. */
		log_warn("copy: file shrank during a transfer (connection %u)", c->slot);
		conn_close(s, c, "file shrank");
		return;
	}
	copy_chunk(s, c);
}

static void
copy_start(struct server *s, struct conn *c)
{
	c->mem_len = c->mem_sent = 0;
	c->copy_read_res = c->mem_send_res = XFER_NO_RESULT;
	copy_chunk(s, c);
}

static void
copy_complete(struct server *s, struct conn *c, enum ring_op op, int res)
{
	switch (op) {
	case OP_BODY_READ:
		copy_read(s, c, res);
		break;
	case OP_BODY_SEND:
		xfer_mem_sent(s, c, res, METRICS_ENGINE_COPY);
		break;
	default:
		break;          /* OP_POLL_OUT: writable, or the send says why not */
	}
	if (c->state != CONN_SEND_BODY || c->inflight > 0)
		return;
	copy_advance(s, c);
}

static void
copy_release(struct server *s, struct conn *c)
{
	bufpool_put(&s->copy_bufs, c->copy_buf);
	c->copy_buf = NULL;
}

/* A tick after a throttled chunk or an empty pool. */
static void
copy_resume(struct server *s, struct conn *c)
{
	if (c->state == CONN_SEND_BODY && c->inflight == 0)
		copy_chunk(s, c);
}

unsigned
xfer_copy_bufs(unsigned max_conns)
{
#ifdef RINGPUSHD_TEST_HOOKS
	/* test builds: $RINGPUSHD_TEST_COPY_BUFS = N makes the pool that
	 * small, so transfers wait for a buffer whatever the timing */
	const char *env = getenv("RINGPUSHD_TEST_COPY_BUFS");

	if (env != NULL && atoi(env) > 0) {
		log_info("test hook: %d copy buffers", atoi(env));
		return (unsigned)atoi(env);
	}
#endif
	return max_conns < XFER_COPY_BUFS ? max_conns : XFER_COPY_BUFS;
}

const struct xfer_engine_ops xfer_copy_ops = {
	.name = "copy",
	.metric = METRICS_ENGINE_COPY,
	.start = copy_start,
	.complete = copy_complete,
	.release = copy_release,
	.resume = copy_resume,
};
