/*
 * xfer_sendfile.c: the sendfile engine — the ring says when the socket
 * takes bytes, then sendfile(2) moves them from the page cache, on the
 * daemon's own thread, the way nginx does.
 *
 * No pipe and no io-wq worker: each call moves what the socket buffer
 * takes, straight from the file.  The price is that sendfile runs on the
 * one thread: a read that misses the page cache waits for the disk, and
 * every other transfer waits with it.  So it suits trees that stay in
 * memory; the splice engine, whose file reads run in workers, suits the
 * rest.  Sockets are non-blocking: a full socket answers EAGAIN, and the
 * engine waits for POLLOUT on the ring.  A sendfile that returns 0 before
 * the promised length means the file shrank: the connection is closed so
 * the client sees a short body.
 */
#include <errno.h>
#include <string.h>
#include <sys/sendfile.h>
#include "log.h"
#include "server.h"

/* Bytes asked of one call: the socket buffer takes less, and a short call
 * means it is full. */
#define SENDFILE_CHUNK (4u << 20)
/*
 * A stream (xfer.c) goes in calls that end where the response's bytes on
 * the wire reach a multiple of SENDFILE_STREAM_CHUNK, not where the
 * file's do.  Measured, 256 MiB to one receiver that copies (ringbench
 * sink=discard, loopback): 4 MiB calls cost 0.51-0.55 CPU-s per GiB at
 * 1.8-1.9 GB/s; 256 KiB calls cut on the wire's grid 0.39-0.44 at
 * 2.2-2.5 GB/s, as lighttpd, which cuts the same way.  Neither size alone
 * does it: 256 KiB calls that end on the file's page boundaries cost as
 * much as 4 MiB ones (and 1 MiB calls on the grid too), and a minimal
 * epoll server showed the same.  Bodies shorter than a stream keep the
 * large calls: send_lowat bounds them already, and 256 KiB calls made
 * 1 MiB x 16 cost 4 times the CPU per request.  A stream's turn goes on
 * until the socket is full (SENDFILE_STREAM_CALLS, 16 MiB, bounds it):
 * with four calls a turn, 256 x 256 MiB to copying receivers cost 0.19
 * CPU-s per GiB in make bench against 0.06 this way (nginx: 0.05).
 */
#define SENDFILE_STREAM_CHUNK (256u << 10)
#define SENDFILE_STREAM_CALLS 64
/* Calls in a row for one connection before the others get a turn (a
 * stream's: SENDFILE_STREAM_CALLS). */
#define SENDFILE_CALLS_PER_TURN 4

/*
 * A socket that polls writable and still answers EAGAIN.  Under the
 * kernel's TCP memory pressure (tcp_mem: many sockets with full buffers)
 * poll looks at the socket's own buffer and says writable, while the
 * send cannot get memory; an io_uring poll is level-triggered, so it
 * completes at once, again and again (measured: 256 x 256 MiB to slow
 * readers, 100,000 failed sendfile calls a second, five times the CPU per
 * GiB).  After STALLS_BEFORE_WAIT such wake-ups in a row the connection
 * waits a while instead, 1, 2, then 4 ms at a time while it lasts; a wait
 * that moves bytes ends it.  Measured on the same cell: a third of the
 * CPU per GiB.  Longer waits saved no more and let sockets run dry.
 * Past the longest wait, every other wake-up is a poll again: a socket
 * that is truly full then sleeps until it has room, and one whose peer
 * shut its side waits as conn_poll_out_done() (send.c) says.
 */
#define STALLS_BEFORE_WAIT 2
/* 1, 2 and 4 ms: conn_wait_backoff()'s first steps */
#define STALL_WAITS 3u

/* EAGAIN: poll for room, or wait a while after wake-ups that moved
 * nothing (completes as OP_POLL_OUT, res -ETIME). */
static void
sendfile_wait(struct server *s, struct conn *c, bool moved)
{
	unsigned i;

	if (moved)
		c->stalls = 0;
	else if (c->stalls < UINT8_MAX)
		c->stalls++;
	else
		c->stalls = STALLS_BEFORE_WAIT + STALL_WAITS;  /* the alternation goes on */
	i = c->stalls - STALLS_BEFORE_WAIT;
	if (c->stalls < STALLS_BEFORE_WAIT || (i >= STALL_WAITS && (i - STALL_WAITS) % 2 == 0)) {
		conn_wait_writable(s, c);
		return;
	}
	conn_wait_backoff(s, c, i < STALL_WAITS ? i : STALL_WAITS - 1);
}

static void
sendfile_push(struct server *s, struct conn *c)
{
	int turn = c->stream ? SENDFILE_STREAM_CALLS : SENDFILE_CALLS_PER_TURN;

	for (int calls = 0; c->file_off < c->file_end; calls++) {
		uint64_t left = c->file_end - c->file_off;
		uint32_t room = c->stream ? SENDFILE_STREAM_CHUNK -
		    (uint32_t)(c->bytes_sent % SENDFILE_STREAM_CHUNK) : SENDFILE_CHUNK;
		uint32_t want = left < room ? (uint32_t)left : room;
		off_t off = (off_t)c->file_off;
		uint32_t grant;
		ssize_t n;

		if (calls == turn) {
			/* yield: the poll completes at once if still writable */
			conn_wait_writable(s, c);
			return;
		}
		grant = conn_rate_grant(s, c, want);
		if (grant == 0)
			return;         /* throttled: sendfile_resume() on a later tick */
		n = sendfile(c->fd, c->file_fd, &off, grant);
		if (n < 0 && errno == EINTR)
			errno = EAGAIN;         /* nothing moved: wait and retry */
		if (n < 0) {
			conn_rate_refund(s, c, grant);
			if (errno == EAGAIN) {
				sendfile_wait(s, c, calls > 0);
			} else {
				int err = errno;

				if (err != EPIPE && err != ECONNRESET)
					log_warn("sendfile on connection %u: %s", c->slot, strerror(err));
				conn_close(s, c, strerror(err));
			}
			return;
		}
		if (n == 0) {
			/* End of file before the promised length: the file
			 * shrank.  The client sees fewer bytes than
			 * Content-Length, never wrong ones. */
			log_warn("sendfile: file shrank during a transfer (connection %u)", c->slot);
			conn_close(s, c, "file shrank");
			return;
		}
		c->file_off += (uint64_t)n;
		c->bytes_sent += (uint64_t)n;
		s->m.bytes_sent_total[METRICS_ENGINE_SENDFILE] += (uint64_t)n;
		timer_set(&s->timers, &c->timer, TIMER_SEND, s->now_ms);
		if ((uint32_t)n < grant) {
			conn_rate_refund(s, c, grant - (uint32_t)n);
			if (c->file_off < c->file_end) {
				/* the socket buffer is full */
				sendfile_wait(s, c, true);
				return;
			}
		}
	}
	conn_body_done(s, c);
}

/* After the POLLOUT wait (the only operation of this engine) or a
 * throttled tick: writable, or an error the next sendfile reports. */
static void
sendfile_resume(struct server *s, struct conn *c)
{
	if (c->state == CONN_SEND_BODY && c->inflight == 0)
		sendfile_push(s, c);
}

static void
sendfile_complete(struct server *s, struct conn *c, enum ring_op op, int res)
{
	(void)op;
	(void)res;
	sendfile_resume(s, c);
}

static void
sendfile_release(struct server *s, struct conn *c)
{
	(void)s;
	(void)c;         /* nothing held: no pipe, no buffer */
}

const struct xfer_engine_ops xfer_sendfile_ops = {
	.name = "sendfile",
	.metric = METRICS_ENGINE_SENDFILE,
	.start = sendfile_push,
	.complete = sendfile_complete,
	.release = sendfile_release,
	.resume = sendfile_resume,
};
