/*
 * bufpool.h: fixed-size buffers for small responses.
 *
 * A body that fits in a buffer next to its header is read into it with
 * IORING_OP_READ (inline for cached pages) and sent with the header in one
 * IORING_OP_SEND: for small files that is cheaper than two splices, which
 * io_uring always hands to a worker thread.  The pool is made once; when
 * it is empty a response simply takes the splice path.
 *
 * The pool is reserved, not touched: a buffer costs memory once it is
 * used.  A burst of responses touches many; once a second
 * (bufpool_trim) the free ones the last second did not need give their
 * memory back (MADV_DONTNEED), so after the burst the pool settles at
 * what the load uses, while a steady load keeps its buffers warm.  Free
 * buffers are a stack, the last one back lent first: the bottom of the
 * stack is what the load did not reach, and goes cold.
 */
#ifndef RINGPUSH_BUFPOOL_H
#define RINGPUSH_BUFPOOL_H

#include <stddef.h>

struct bufpool {
	char *arena;
	char **free;            /* [0, cold) gave their memory back */
	unsigned nfree, count;
	unsigned low;           /* least nfree since the last trim */
	unsigned cold;
	size_t size;            /* of one buffer, a multiple of the page */
	unsigned long given_back; /* buffers whose memory went back */
};

/* count buffers of at least size bytes; count 0 disables the pool.  0 or
 * -1. */
int bufpool_init(struct bufpool *bp, unsigned count, size_t size);
void bufpool_free(struct bufpool *bp);
/* Once a second: free buffers below the last second's low-water mark
 * give their memory back. */
void bufpool_trim(struct bufpool *bp);

/* A buffer, or NULL when none is free. */
static inline char *
bufpool_get(struct bufpool *bp)
{
	if (bp->nfree == 0)
		return NULL;
	if (--bp->nfree < bp->low)
		bp->low = bp->nfree;
	return bp->free[bp->nfree];
}

static inline void
bufpool_put(struct bufpool *bp, char *buf)
{
	if (buf != NULL)
		bp->free[bp->nfree++] = buf;
}

#endif
