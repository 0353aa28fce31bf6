/*
 * bufpool.h: fixed-size buffers for small responses.
 *
 * A body that fits in a buffer next to its header is read into it with
 * IORING_OP_READ (inline for cached pages) and sent with the header in one
 * IORING_OP_SEND: for small files that is cheaper than two splices, which
 * io_uring always hands to a worker thread.  The pool is made once; when
 * it is empty a response simply takes the splice path.
 */
#ifndef RINGPUSH_BUFPOOL_H
#define RINGPUSH_BUFPOOL_H

#include <stddef.h>

struct bufpool {
	char *arena;
	char **free;
	unsigned nfree, count;
	size_t size;
};

/* count buffers of size bytes; count 0 disables the pool.  0 or -1. */
int bufpool_init(struct bufpool *bp, unsigned count, size_t size);
/* A buffer, or NULL when none is free. */
char *bufpool_get(struct bufpool *bp);
void bufpool_put(struct bufpool *bp, char *buf);
void bufpool_free(struct bufpool *bp);

#endif
