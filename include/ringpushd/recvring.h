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
 */
#ifndef RINGPUSH_RECVRING_H
#define RINGPUSH_RECVRING_H

#include <stdbool.h>
#include <stdint.h>
#include <liburing.h>

/* Buffers of this size at most (smaller when requests are smaller). */
#define RECVRING_BUF_SIZE 4096
/* Buffers given to the ring at start. */
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
}
/* The kernel found the ring empty: give it more buffers, up to max.
 * false when it already has them all. */
bool recvring_grow(struct recvring *rr);

#endif
