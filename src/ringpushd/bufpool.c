/*
 * bufpool.c: a stack of equal buffers carved from one mapping (see
 * bufpool.h).
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "bufpool.h"

int
bufpool_init(struct bufpool *bp, unsigned count, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	*bp = (struct bufpool){ 0 };
	/* whole pages: a buffer's memory goes back without its neighbours' */
	bp->size = (size + page - 1) / page * page;
	if (count == 0)
		return 0;
	bp->arena = mmap(NULL, (size_t)count * bp->size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (bp->arena == MAP_FAILED) {
		bp->arena = NULL;
		return -1;
	}
	bp->free = calloc(count, sizeof(*bp->free));
	if (bp->free == NULL) {
		munmap(bp->arena, (size_t)count * bp->size);
		bp->arena = NULL;
		return -1;
	}
	for (unsigned i = count; i-- > 0;)
		bp->free[bp->nfree++] = bp->arena + (size_t)i * bp->size;
	bp->count = count;
	/* never touched: cold already */
	bp->low = bp->cold = count;
	return 0;
}

void
bufpool_free(struct bufpool *bp)
{
	if (bp->arena != NULL)
		munmap(bp->arena, (size_t)bp->count * bp->size);
	free(bp->free);
	*bp = (struct bufpool){ 0 };
}

/*
 * Entries [low, nfree) were lent and handed back during the last second:
 * its busiest moment lent that many more than are lent now, and they stay
 * warm for the next such moment.  Those below low were not reached: those
 * above the cold mark still hold the memory of an older burst, which goes
 * back.  Entries below min(cold, low) were never lent since they went
 * cold.
 */
void
bufpool_trim(struct bufpool *bp)
{
	unsigned from = bp->cold < bp->low ? bp->cold : bp->low;

	for (unsigned i = from; i < bp->low; i++) {
		madvise(bp->free[i], bp->size, MADV_DONTNEED);
		bp->given_back++;
	}
	bp->cold = bp->low;
	bp->low = bp->nfree;
}
