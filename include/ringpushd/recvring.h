/*
 * recvring.h: one ring of provided buffers shared by every connection's
 * wait for its next request.
 *
 * An idle connection waits with an IORING_OP_RECV that names no buffer
 * (IOSQE_BUFFER_SELECT): the kernel takes one from this ring only when
 * bytes arrive, the daemon copies them into a request buffer (reqbuf.h)
 * and puts the ring's buffer back at once.  So ten thousand idle
 * connections cost a handful of buffers, not ten thousand.  The ring is
 * registered for its largest size but given buffers on demand: it starts
 * with a few and doubles, up to its bound, each time the kernel finds it
 * empty (the receive then fails with -ENOBUFS and the connection is read
 * the other way).  Linux 5.19.
 *
 * The kernel takes buffers in ring order, so a burst that grew the ring
 * leaves every one of its buffers touched, and a light load after it
 * touches them all again in turn.  Once the ring has been quiet for a
 * second (recvring_trim), the memory of the buffers waiting in it goes
 * back (MADV_DONTNEED), but for the few next in line; a buffer whose
 * memory went back is filled as any other, the kernel faulting a page in.
 */
#ifndef RINGPUSH_RECVRING_H
#define RINGPUSH_RECVRING_H

#include <stdbool.h>
#include <stdint.h>
#include <liburing.h>

/* Buffers of this size at most (smaller when requests are smaller). */
#define RECVRING_BUF_SIZE 4096
/* Buffers given to the ring at start, and the ones next in line that keep
 * their memory when it is trimmed. */
#define RECVRING_FIRST 16
/* The buffer group the daemon's receives name. */
#define RECVRING_GROUP 0

struct recvring {
	struct io_uring_buf_ring *br;   /* shared with the kernel */
	char *bufs;                     /* max buffers, reserved */
	uint32_t size;                  /* of one buffer */
	unsigned entries;               /* of the ring: max rounded up to 2^n */
	unsigned max;                   /* most buffers */
	unsigned given;                 /* buffers [0, given) are the ring's */
	bool on;
	bool trim_due;                  /* a trim waits for a safe point */
	bool touched;                   /* buffers filled since the last trim */
	unsigned long puts;             /* buffers put back, ever */
	unsigned long puts_seen;        /* puts at the last trim */
	unsigned long given_back;       /* buffers whose memory went back */
	uint8_t *drop;                  /* max marks, the trim's scratch */
};

/* Register a ring for at most max buffers of size bytes on ring.  0, or
 * -errno (the ring stays off; the caller reads the other way). */
int recvring_init(struct recvring *rr, struct io_uring *ring, unsigned max, uint32_t size);
/* Once the ring is gone (it held the buffers until then). */
void recvring_free(struct recvring *rr);
/* The bytes of buffer bid, which a completion named. */
static inline const char *
recvring_buf(const struct recvring *rr, unsigned bid)
{
	return rr->bufs + (size_t)bid * rr->size;
}
/* Give buffer bid back to the kernel once its bytes are copied. */
static inline void
recvring_put(struct recvring *rr, unsigned bid)
{
	io_uring_buf_ring_add(rr->br, rr->bufs + (size_t)bid * rr->size, rr->size,
	    (unsigned short)bid, io_uring_buf_ring_mask(rr->entries), 0);
	io_uring_buf_ring_advance(rr->br, 1);
	rr->puts++;
}
/* The kernel found the ring empty: give it more buffers, up to max.
 * false when it already has them all. */
bool recvring_grow(struct recvring *rr);
/*
 * Once a second, and only at a point where every buffer the ring has
 * given out is back in it and the kernel cannot fill one before the
 * daemon's next io_uring_enter (the caller's duty: see server_run()):
 * when no buffer came back during the last second but some were filled
 * before, the memory of those waiting in the ring beyond the first
 * RECVRING_FIRST in line goes back.  Clears trim_due.  Returns the
 * buffers given back.
 */
unsigned recvring_trim(struct recvring *rr);

#endif
