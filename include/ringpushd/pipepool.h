/*
 * pipepool.h: pipes for the splice engine, created at start-up.
 *
 * Creating and closing a pipe costs several microseconds and the kernel
 * caps a user's total pipe buffer memory, so pipes are made once and
 * reused.  A pipe that may still hold bytes (a transfer failed midway) is
 * closed instead of being returned: its contents would corrupt the next
 * transfer.  When the pool runs dry a pipe is made on demand, and the pool
 * keeps at most its start-up size.
 */
#ifndef RINGPUSH_PIPEPOOL_H
#define RINGPUSH_PIPEPOOL_H

#include <stdbool.h>

struct pipe_pair {
	int rd, wr;               /* -1 when none */
	unsigned capacity;        /* bytes the pipe holds */
};

struct pipepool {
	struct pipe_pair *free;
	unsigned nfree, max;
	unsigned size;            /* requested capacity */
	unsigned long made, reused, discarded;
};

/* Create count pipes of size bytes each (non-blocking, close-on-exec).
 * Returns 0, or -1 with errno when not even one pipe could be made. */
int pipepool_init(struct pipepool *pp, unsigned count, unsigned size);
/* Take a pipe; returns 0 or -errno. */
int pipepool_get(struct pipepool *pp, struct pipe_pair *p);
/* Give p back; empty = true only when no byte can be left in it. */
void pipepool_put(struct pipepool *pp, struct pipe_pair *p, bool empty);
void pipepool_free(struct pipepool *pp);

#endif
