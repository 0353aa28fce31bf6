/*
 * recvring.c: the shared receive buffer ring (see recvring.h).
 *
 * liburing 2.3 has no io_uring_setup_buf_ring(): the ring's memory is
 * mapped here and registered with io_uring_register_buf_ring().  The
 * buffers' memory is reserved for max of them and touched as the ring
 * grows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "recvring.h"

static size_t
ring_bytes(unsigned entries)
{
	return (size_t)entries * sizeof(struct io_uring_buf);
}

/* Hand buffers [from, to) to the kernel. */
static void
give(struct recvring *rr, unsigned from, unsigned to)
{
	int mask = io_uring_buf_ring_mask(rr->entries);

	for (unsigned bid = from; bid < to; bid++)
		io_uring_buf_ring_add(rr->br, rr->bufs + (size_t)bid * rr->size, rr->size,
		    (unsigned short)bid, mask, (int)(bid - from));
	io_uring_buf_ring_advance(rr->br, (int)(to - from));
	rr->given = to;
}

int
recvring_init(struct recvring *rr, struct io_uring *ring, unsigned max, uint32_t size)
{
	struct io_uring_buf_reg reg;
	int ret;

	memset(rr, 0, sizeof(*rr));
	if (max == 0 || max > 32768)
		return -EINVAL;
	rr->entries = 1;
	while (rr->entries < max)
		rr->entries <<= 1;
	rr->max = max;
	rr->size = size;
	rr->br = mmap(NULL, ring_bytes(rr->entries), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rr->bufs = mmap(NULL, (size_t)max * size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	rr->drop = calloc(max, sizeof(*rr->drop));
	if (rr->br == MAP_FAILED || rr->bufs == MAP_FAILED || rr->drop == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (unsigned long)rr->br;
	reg.ring_entries = rr->entries;
	reg.bgid = RECVRING_GROUP;
	ret = io_uring_register_buf_ring(ring, &reg, 0);
	if (ret < 0)
		goto fail;
	io_uring_buf_ring_init(rr->br);
	give(rr, 0, max < RECVRING_FIRST ? max : RECVRING_FIRST);
	rr->on = true;
	return 0;
fail:
	free(rr->drop);
	if (rr->bufs != MAP_FAILED)
		munmap(rr->bufs, (size_t)max * size);
	if (rr->br != MAP_FAILED)
		munmap(rr->br, ring_bytes(rr->entries));
	memset(rr, 0, sizeof(*rr));
	return ret;
}

void
recvring_free(struct recvring *rr)
{
	if (!rr->on)
		return;
	munmap(rr->bufs, (size_t)rr->max * rr->size);
	munmap(rr->br, ring_bytes(rr->entries));
	free(rr->drop);
	memset(rr, 0, sizeof(*rr));
}

bool
recvring_grow(struct recvring *rr)
{
	unsigned to = rr->given * 2;

	if (rr->given == rr->max)
		return false;
	give(rr, rr->given, to < rr->max ? to : rr->max);
	return true;
}

/*
 * At the caller's safe point the ring holds all given buffers: the
 * kernel's head is then our tail less given (16-bit positions), and the
 * buffer at each position is the one our last add put there.  The first
 * RECVRING_FIRST in line keep their memory: they are the next to be
 * filled.  The others' memory goes back, in runs of neighbouring buffers
 * (after a burst they mostly are), one madvise per run.
 */
unsigned
recvring_trim(struct recvring *rr)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start, end;
	uint16_t tail, pos;
	int mask;
	unsigned dropped = 0, run;

	rr->trim_due = false;
	if (!rr->on)
		return 0;
	if (rr->puts != rr->puts_seen) {
		rr->puts_seen = rr->puts;
		rr->touched = true;
		return 0;
	}
	if (!rr->touched || rr->given <= RECVRING_FIRST)
		return 0;
	mask = io_uring_buf_ring_mask(rr->entries);
	tail = IO_URING_READ_ONCE(rr->br->tail);
	pos = (uint16_t)(tail - rr->given + RECVRING_FIRST);
	for (; pos != tail; pos++)
		rr->drop[rr->br->bufs[pos & mask].bid] = 1;
	for (unsigned bid = 0; bid < rr->given; bid += run) {
		for (run = 0; bid + run < rr->given && rr->drop[bid + run]; run++)
			rr->drop[bid + run] = 0;
		if (run == 0) {
			run = 1;
			continue;
		}
		dropped += run;
		/* whole pages only: one shared with a buffer kept in line
		 * stays (buffers smaller than a page) */
		start = ((uintptr_t)rr->bufs + (size_t)bid * rr->size + page - 1) / page * page;
		end = ((uintptr_t)rr->bufs + (size_t)(bid + run) * rr->size) / page * page;
		if (end > start)
			madvise((void *)start, end - start, MADV_DONTNEED);
	}
	rr->given_back += dropped;
	rr->touched = false;
	return dropped;
}
