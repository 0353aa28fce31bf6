/*
 * send.c: a response on its way out (see conn.h): its first bytes (the
 * header, or a pool buffer holding the header and a small body) go out
 * with IORING_OP_SEND, MSG_MORE when a body follows, and the body then
 * through the listener's engine; the rate grants the engines ask before
 * each piece of a body, and their wait for a full socket.  What to answer
 * is respond.c's decision; receiving, deadlines and closing stay in
 * conn.c.
 *
 * A small response that is the whole answer to a request that came alone
 * goes out with a SEND that posts no completion when it sends every byte,
 * and the next request's receive linked behind it (submit_send): a
 * request at depth 1 then costs one completion and one loop turn.  Only
 * when its request's completion is the only one of the loop turn: with
 * more, other clients keep the daemon busy, a receive submitted with the
 * next turn mostly finds its request there and completes inline, while
 * one linked behind the SEND finds nothing yet and arms a poll (4 KiB x
 * 16: 0.42 polls a request linked, 0.14 not, and 5% less CPU a request).
 * This file keeps the table of such responses; conn.c handles the
 * receive's completion (on_linked_recv).
 */
#include <poll.h>
#include <string.h>
#include "log.h"
#include "server.h"

/* Responses whose SEND carries the next receive (recv_linked): each holds
 * its small response's memory (a pool buffer, or a kept body) until that
 * receive ends, or until a tick cancels it (conn_linked_age), so their
 * number is bounded to leave the pool to the others.  A small table, not
 * a deadline per response: setting and clearing a timer on every request
 * cost more than the table. */
#define CONN_LINKED_MAX 16
static struct {
	struct conn *conn;      /* NULL: a free entry */
	bool aged;              /* it was there at the last tick */
} linked[CONN_LINKED_MAX];
static unsigned linked_sends;

/* Whether the SEND carries a small response's header and body, from a
 * pool buffer or from the body the open-file cache keeps. */
static bool
send_is_small(const struct conn *c)
{
	return c->small_buf != NULL ? c->out == c->small_buf : c->out_body != NULL;
}

/* Whether the response's SEND can take the next request's receive along
 * (submit_send): the loop turn has no other completion to handle, the
 * SEND is the whole small response, the connection stays open, nothing
 * else of it is in flight, and no byte of a next request is here.  The
 * kernel must skip completions (5.17) and retry short sends with
 * MSG_WAITALL (5.18); the shared receive ring (5.19) implies both. */
static bool
send_can_link(const struct server *s, const struct conn *c)
{
	return linked_sends < CONN_LINKED_MAX && s->turn_batch == 1 &&
	    s->recv.on && (s->ring.features & IORING_FEAT_CQE_SKIP) &&
	    send_is_small(c) && c->out_sent == 0 && c->inflight == 0 &&
	    c->file_end <= c->file_off && c->multipart == NULL && !c->close_after &&
	    !s->stopping && c->rlen == c->req_len && c->discard == 0;
}

/*
 * The SEND posts a completion only when it fails or ends short (then the
 * linked receive ends without one); when it sends every byte, the receive
 * starts, and its completion is the first news of the response.  The pair
 * counts as one operation in flight.  Until then the pool buffer stays
 * with the connection; the send deadline runs on.  The request buffer
 * goes back now unless the access log will read the request from it.
 */
static void
submit_send_linked(struct server *s, struct conn *c, struct io_uring_sqe *sqe)
{
	unsigned i = 0;

	sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
	while (linked[i].conn != NULL)
		i++;
	linked[i].conn = c;
	linked[i].aged = false;
	c->linked_at = (uint8_t)i;
	c->recv_linked = true;
	linked_sends++;
	/* once its bytes are out it waits for a request: at a limit it may
	 * make room like an idle one (conn_reclaim_idle) */
	idle_add(&s->idle, &c->idle);
	if (!access_log_enabled()) {
		c->rlen = c->req_len = 0;
		c->method = c->target = c->referer = c->user_agent = (struct conn_field){ 0, 0 };
		conn_buf_put(s, c);
	}
	sqe = ring_sqe(&s->ring);
	io_uring_prep_recv(sqe, c->fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = RECVRING_GROUP;
	io_uring_sqe_set_data64(sqe, ring_ud(OP_RECV_RING, c->slot, c->gen));
}

static void
submit_send(struct server *s, struct conn *c)
{
	struct io_uring_sqe *sqe;
	int flags = MSG_NOSIGNAL;
	bool link = send_can_link(s, c);

	/* a link must reach the kernel in one submission */
	if (link)
		ring_reserve(&s->ring, 2);
	sqe = ring_sqe(&s->ring);
	/* MSG_MORE keeps the header in the socket until the body's first
	 * bytes join it: one segment for small files, not two. */
	if (c->file_end > c->file_off)
		flags |= MSG_MORE;
	if (link)
		flags |= MSG_WAITALL;
	io_uring_prep_send(sqe, c->fd, c->out + c->out_sent, c->out_len - c->out_sent, flags);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_SEND, c->slot, c->gen));
	c->inflight++;
	if (link)
		submit_send_linked(s, c, sqe);
}

/* n bytes of the response's SEND went out. */
void
conn_count_sent(struct server *s, struct conn *c, uint32_t n)
{
	c->out_sent += n;
	c->bytes_sent += n;
	s->m.bytes_sent_total[send_is_small(c) ? METRICS_ENGINE_SMALL : c->lst->engine->metric] += n;
}

/* The linked pair ended, one way or the other. */
void
conn_linked_end(struct conn *c)
{
	if (!c->recv_linked)
		return;
	c->recv_linked = false;
	linked[c->linked_at].conn = NULL;
	linked_sends--;
}

/* Take back the pool buffer of a linked response whose client sends no
 * next request: cancel the receive.  The cancel finds it only once it
 * waits, that is once the SEND has sent all; until then (a client slow to
 * read) the cancel finds nothing, and a later tick tries again.  The
 * receive's -ECANCELED ends the response (on_linked_recv in conn.c). */
void
conn_linked_reclaim(struct server *s, struct conn *c)
{
	struct io_uring_sqe *sqe = ring_sqe(&s->ring);

	io_uring_prep_cancel64(sqe, ring_ud(OP_RECV_RING, c->slot, c->gen), 0);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_CANCEL, c->slot, c->gen));
}

/* On each tick: the linked responses already there at the last one (a
 * tick ago or more) are taken back. */
void
conn_linked_age(struct server *s)
{
	for (unsigned i = 0; i < CONN_LINKED_MAX && linked_sends > 0; i++) {
		if (linked[i].conn == NULL)
			continue;
		if (linked[i].aged)
			conn_linked_reclaim(s, linked[i].conn);
		linked[i].aged = true;
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
			 * it is still there (see peer_gone in conn.c) */
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

/* Waits of 1, 2, 4 ... 256 ms, for conn_wait_backoff(). */
static struct __kernel_timespec backoff[] = {
	{ .tv_nsec = 1000000 }, { .tv_nsec = 2000000 }, { .tv_nsec = 4000000 },
	{ .tv_nsec = 8000000 }, { .tv_nsec = 16000000 }, { .tv_nsec = 32000000 },
	{ .tv_nsec = 64000000 }, { .tv_nsec = 128000000 }, { .tv_nsec = 256000000 },
};
#define BACKOFFS (sizeof(backoff) / sizeof(backoff[0]))

void
conn_wait_backoff(struct server *s, struct conn *c, unsigned step)
{
	struct io_uring_sqe *sqe = ring_sqe(&s->ring);

	/* the kernel reads the time when it takes the SQE: static is enough */
	io_uring_prep_timeout(sqe, &backoff[step < BACKOFFS ? step : BACKOFFS - 1], 0, 0);
	io_uring_sqe_set_data64(sqe, ring_ud(OP_POLL_OUT, c->slot, c->gen));
	c->inflight++;
}

/*
 * An io_uring poll reports POLLRDHUP whatever it was asked for.  Once the
 * peer has shut its side of the connection (a client that half-closed
 * after its request, or one that went away with its window shut), a
 * POLLOUT poll on a full socket completes at once with POLLRDHUP alone,
 * and trying the send again at once spins: one such client that stopped
 * reading kept the daemon's thread busy until send_timeout.  So that
 * wake-up waits 1, 2, 4 ... 256 ms instead (from 1 ms again once bytes
 * have moved), and only then does the engine try again; send_timeout
 * still ends a connection that never moves.  A peer that half-closed and
 * goes on reading is served as before, a millisecond later at worst each
 * time its socket buffer fills.
 *
 * An OP_POLL_OUT completed with res: true when the engine is to go on,
 * false when a wait was armed instead.
 */
bool
conn_poll_out_done(struct server *s, struct conn *c, int res)
{
	if (res <= 0 || (res & (POLLOUT | POLLERR | POLLHUP | POLLNVAL)) != 0)
		return true;
	if (c->bytes_sent != c->shut_sent) {
		c->shut_sent = c->bytes_sent;
		c->shut_waits = 0;
	}
	conn_wait_backoff(s, c, c->shut_waits);
	if (c->shut_waits < UINT8_MAX)
		c->shut_waits++;
	return false;
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
void
conn_send(struct server *s, struct conn *c, char *out, uint32_t len)
{
	c->bytes_sent = 0;
	conn_send_more(s, c, out, len);
}

static void
send_start(struct server *s, struct conn *c, char *out, uint32_t len)
{
	/* What the body needs is taken before its header goes out: a
	 * response is never started that cannot be finished (xfer.h). */
	if (c->file_end > c->file_off)
		xfer_prepare(s, c);
	c->state = CONN_SEND_HEADER;
	c->out = out;
	c->out_len = len;
	c->out_sent = 0;
	timer_set(&s->timers, &c->timer, TIMER_SEND, s->now_ms);
	submit_send(s, c);
}

void
conn_send_more(struct server *s, struct conn *c, char *out, uint32_t len)
{
	/* The rates count these bytes too.  They never wait (a header held
	 * back would need a throttled state of its own): they are charged,
	 * and the body that follows waits for the debt to be paid. */
	rate_charge(&c->rate, s->now_ms, len);
	rate_charge(&s->rate_total, s->now_ms, len);
	send_start(s, c, out, len);
}

void
conn_send_unrated(struct server *s, struct conn *c, char *out, uint32_t len)
{
	c->bytes_sent = 0;
	send_start(s, c, out, len);
}

/* The response's SEND completed (OP_SEND): more of it, its body, or the
 * response is done. */
void
conn_send_complete(struct server *s, struct conn *c, int res)
{
	if (c->recv_linked) {
		/* a linked SEND completes only when it failed or ended
		 * short; its receive ended without a completion */
		conn_linked_end(c);
		conn_close(s, c, res < 0 ? strerror(-res) : "short send");
		return;
	}
	if (res < 0) {
		conn_close(s, c, strerror(-res));
		return;
	}
	conn_count_sent(s, c, (uint32_t)res);
	timer_set(&s->timers, &c->timer, TIMER_SEND, s->now_ms);
	if (c->out_sent < c->out_len) {
		submit_send(s, c);
		return;
	}
	if (c->file_end > c->file_off) {
		c->state = CONN_SEND_BODY;
		c->engine->start(s, c);
		return;
	}
	conn_body_done(s, c);
}
