/*
 * pipepool.h: pipes for the splice engine, created at start-up.
 *
 * Creating and closing a pipe costs several microseconds and the kernel
 * caps a user's total pipe buffer memory, so pipes are made once and
 * reused.  A pipe that may still hold bytes (a transfer failed midway) is
 * closed instead of being returned: its contents would corrupt the next
 * transfer.  When the pool runs dry a pipe is made on demand, and the pool
 * keeps at most its start-up size.  A pipe made on demand never takes the
 * last eighth of the fd limit: sockets and file opens, which cannot do
 * without their fd, keep it, and the body goes by an engine that needs
 * no pipe (xfer.h).
 *
 * Past fs.pipe-user-pages-soft an unprivileged user's new pipes hold 8
 * KiB whatever F_SETPIPE_SZ asks (the pool made before the privilege drop
 * is not affected; pipes made on demand after it are).  Every new pipe's
 * capacity is read back with F_GETPIPE_SZ: a pipe smaller than the pool's
 * size is counted in shrunk, the first one is logged as a warning, and
 * such a pipe is closed when it is given back rather than kept, so the
 * user's pipe pages go back to the kernel.
 *
 * Test builds (RINGPUSHD_TEST_HOOKS): $RINGPUSHD_TEST_PIPES = emfile makes
 * every pipe made on demand fail with EMFILE, = shrunk makes them come out
 * at 8 KiB, as past the kernel's limits.
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
	unsigned long shrunk;     /* pipes made smaller than size */
	bool shrunk_logged;
};

/* Create count pipes of size bytes each (non-blocking, close-on-exec).
 * Returns 0, or -1 with errno when not even one pipe could be made. */
int pipepool_init(struct pipepool *pp, unsigned count, unsigned size);
/* Take a pipe; returns 0 or -errno (EMFILE, ENFILE: no fd for it, or
 * only in the reserve).  The pipe may hold less than the pool's size:
 * see pipepool_shrunk(). */
int pipepool_get(struct pipepool *pp, struct pipe_pair *p);
/* Whether p holds less than the pool's size. */
bool pipepool_shrunk(const struct pipepool *pp, const struct pipe_pair *p);
/* Give p back; empty = true only when no byte can be left in it. */
void pipepool_put(struct pipepool *pp, struct pipe_pair *p, bool empty);
void pipepool_free(struct pipepool *pp);

#endif
