/*
 * pipepool.c: a stack of ready pipes (see pipepool.h for the rules).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "log.h"
#include "pipepool.h"

static int
pipe_make(unsigned size, struct pipe_pair *p)
{
	int fds[2], cap;

	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1)
		return -errno;
	/* Past the per-user pipe buffer limit the kernel refuses to grow a
	 * pipe; the default capacity still works, only in smaller chunks. */
	cap = fcntl(fds[1], F_SETPIPE_SZ, (int)size);
	if (cap == -1)
		cap = fcntl(fds[1], F_GETPIPE_SZ);
	if (cap <= 0)
		cap = 4096;
	p->rd = fds[0];
	p->wr = fds[1];
	p->capacity = (unsigned)cap;
	return 0;
}

static void
pipe_close(struct pipe_pair *p)
{
	if (p->rd >= 0)
		close(p->rd);
	if (p->wr >= 0)
		close(p->wr);
	p->rd = p->wr = -1;
}

int
pipepool_init(struct pipepool *pp, unsigned count, unsigned size)
{
	pp->nfree = 0;
	pp->max = count;
	pp->size = size;
	pp->made = pp->reused = pp->discarded = 0;
	pp->free = NULL;
	if (count == 0)
		return 0;
	pp->free = calloc(count, sizeof(*pp->free));
	if (pp->free == NULL)
		return -1;
	for (unsigned i = 0; i < count; i++) {
		int err = pipe_make(size, &pp->free[pp->nfree]);

		if (err < 0) {
			if (pp->nfree == 0) {
				errno = -err;
				return -1;
			}
			errno = -err;
			log_err("pipe pool: made %u of %u pipes", pp->nfree, count);
			break;
		}
		pp->nfree++;
		pp->made++;
	}
	return 0;
}

int
pipepool_get(struct pipepool *pp, struct pipe_pair *p)
{
	if (pp->nfree > 0) {
		*p = pp->free[--pp->nfree];
		pp->reused++;
		return 0;
	}
	pp->made++;
	return pipe_make(pp->size, p);
}

void
pipepool_put(struct pipepool *pp, struct pipe_pair *p, bool empty)
{
	if (p->rd < 0)
		return;
	if (empty && pp->nfree < pp->max) {
		pp->free[pp->nfree++] = *p;
	} else {
		if (!empty)
			pp->discarded++;
		pipe_close(p);
	}
	p->rd = p->wr = -1;
}

void
pipepool_free(struct pipepool *pp)
{
	while (pp->nfree > 0)
		pipe_close(&pp->free[--pp->nfree]);
	free(pp->free);
	pp->free = NULL;
}
