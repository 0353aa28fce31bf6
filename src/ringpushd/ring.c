/*
 * ring.c: io_uring set-up, the SQE supply, and the completions in order.
 *
 * A handler that needs an SQE when the SQ is full submits first.  Kernels
 * before 5.19 refuse a submission with -EBUSY while completions they hold
 * back (CQ overflow) find no room in the CQ, and any kernel may answer
 * -EAGAIN when it cannot allocate: retrying alone would spin forever, so
 * the CQ is emptied into a backlog, handed out by ring_next() before the
 * CQ's own entries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "confine.h"
#include "log.h"
#include "probe.h"
#include "ring.h"

int
ring_init(struct ring *r, unsigned sq_entries, unsigned io_workers, bool restricted)
{
	/* Tried in order: the cheapest task-work mode first, then what older
	 * kernels accept.  DEFER_TASKRUN requires SINGLE_ISSUER.  SUBMIT_ALL
	 * (5.18, older than the other two): without it a submission stops at
	 * the first SQE that fails while the kernel reads it (an OPENAT2 of
	 * a too long path), and what follows waits for the next one. */
	static const unsigned modes[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL,
		IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
		IORING_SETUP_SUBMIT_ALL,
		0,
	};
	struct io_uring_params p;
	int ret = -EINVAL;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		/* a fallback forced in a test build: as if refused */
		if (((modes[i] & IORING_SETUP_DEFER_TASKRUN) && probe_forced(PROBE_DEFER_TASKRUN)) ||
		    ((modes[i] & IORING_SETUP_COOP_TASKRUN) && probe_forced(PROBE_COOP_TASKRUN)) ||
		    ((modes[i] & IORING_SETUP_SUBMIT_ALL) && probe_forced(PROBE_SUBMIT_ALL)))
			continue;
		memset(&p, 0, sizeof(p));
		/* A large CQ keeps multishot accept alive under bursts: the
		 * kernel ends a multishot request when the CQ overflows. */
		p.flags = modes[i] | IORING_SETUP_CQSIZE;
		/* Restrictions can be registered only while the ring is
		 * disabled (confine_ring() enables it). */
		if (restricted)
			p.flags |= IORING_SETUP_R_DISABLED;
		p.cq_entries = sq_entries * 4;
		ret = io_uring_queue_init_params(sq_entries, &r->uring, &p);
		if (ret == 0) {
			r->setup_flags = p.flags & ~IORING_SETUP_R_DISABLED;
			r->features = p.features;
			break;
		}
		if (ret != -EINVAL)
			return ret;
	}
	if (ret < 0)
		return ret;
	/* What the kernel refused, for the start's line on what is missing
	 * (DEFER_TASKRUN is newer than COOP_TASKRUN: one implies the other) */
	if (!(r->setup_flags & IORING_SETUP_DEFER_TASKRUN))
		probe_missing(PROBE_DEFER_TASKRUN);
	if (!(r->setup_flags & (IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_COOP_TASKRUN)))
		probe_missing(PROBE_COOP_TASKRUN);
	if (!(r->setup_flags & IORING_SETUP_SUBMIT_ALL))
		probe_missing(PROBE_SUBMIT_ALL);
	if (!(p.features & IORING_FEAT_NODROP))
		log_warn("io_uring: kernel may drop completions on CQ overflow");
	if (io_workers > 0) {
		unsigned workers[2] = { io_workers, io_workers };

		ret = io_uring_register_iowq_max_workers(&r->uring, workers);
		if (ret < 0)
			log_warn("io_uring: cannot cap io-wq workers: %s", strerror(-ret));
	}
	if (restricted) {
		ret = confine_ring(&r->uring);
		if (ret < 0) {
			log_errx("io_uring: restricting the ring: %s", strerror(-ret));
			io_uring_queue_exit(&r->uring);
			return ret;
		}
	}
	log_debug("io_uring: %u SQ entries, %u CQ entries, flags %#x",
	    p.sq_entries, p.cq_entries, r->setup_flags);
	return 0;
}

void
ring_exit(struct ring *r)
{
	io_uring_queue_exit(&r->uring);
	free(r->backlog);
	r->backlog = NULL;
	r->backlog_head = r->backlog_len = r->backlog_cap = 0;
}

/* -EBADR: the kernel lost completions (it had no memory to hold them
 * back).  Their requests never end: the caller sees losses move and arms
 * again what re-arms itself.  Said once per loss; the completions lost
 * are counted in ring_cq_overflow(). */
static void
ring_lost(struct ring *r)
{
	r->losses++;
	log_warn("io_uring: the kernel lost completions (%llu so far): "
	    "their requests never end", (unsigned long long)ring_cq_overflow(r));
}

/* Append a completion to the backlog.  0, or -1 when it cannot grow. */
static int
ring_backlog_push(struct ring *r, const struct io_uring_cqe *cqe)
{
	if (r->backlog_len == r->backlog_cap) {
		unsigned cap = r->backlog_cap ? 2 * r->backlog_cap : 64;
		struct io_uring_cqe *grown = realloc(r->backlog, cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		r->backlog = grown;
		r->backlog_cap = cap;
	}
	r->backlog[r->backlog_len++] = *cqe;
	return 0;
}

/* Move every completion in the CQ to the backlog, so the kernel has room
 * for what it holds back.  Returns how many moved. */
static unsigned
ring_take_cq(struct ring *r)
{
	struct io_uring_cqe *cqe;
	unsigned head, moved = 0;

	io_uring_for_each_cqe(&r->uring, head, cqe) {
		if (ring_backlog_push(r, cqe) == -1)
			break;  /* the next try frees room or fails again */
		moved++;
	}
	io_uring_cq_advance(&r->uring, moved);
	return moved;
}

/* One submission of what is queued.  A failure to submit anything other
 * than the transient ones ends the daemon: the ring is unusable. */
static void
ring_submit(struct ring *r)
{
	int n = io_uring_submit(&r->uring);

	if (n > 0) {
		r->submitted += (unsigned)n;
	} else if (n == -EBUSY || n == -EAGAIN) {
		/* Room in the CQ lets the kernel post what it holds back.
		 * With nothing to take, wait (briefly) for something to. */
		if (ring_take_cq(r) == 0) {
			struct __kernel_timespec ts = { .tv_nsec = 1000000 };
			struct io_uring_cqe *cqe;

			if (io_uring_wait_cqe_timeout(&r->uring, &cqe, &ts) == -EBADR)
				ring_lost(r);
			ring_take_cq(r);
		}
	} else if (n == -EBADR) {
		ring_lost(r);
	} else if (n < 0 && n != -EINTR) {
		fatalx("io_uring_submit: %s", strerror(-n));
	}
}

struct io_uring_sqe *
ring_sqe(struct ring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->uring);

	while (sqe == NULL) {
		ring_submit(r);
		sqe = io_uring_get_sqe(&r->uring);
	}
	return sqe;
}

/* A link must reach the kernel in one submission: one split at the
 * submission's end runs its first half alone and its second half at once
 * (a small response's SEND before its READ filled the buffer).  So submit
 * until n SQEs fit, not once: without SUBMIT_ALL one submission may stop
 * at a failing SQE and leave the SQ nearly full. */
void
ring_reserve(struct ring *r, unsigned n)
{
	while (io_uring_sq_space_left(&r->uring) < n)
		ring_submit(r);
}

int
ring_wait(struct ring *r)
{
	bool backlog = r->backlog_head < r->backlog_len;
	int ret = io_uring_submit_and_wait(&r->uring, backlog ? 0 : 1);

	if (ret > 0)
		r->submitted += (unsigned)ret;
	/* keeps the 64-bit count of the kernel's 32-bit counter */
	ring_cq_overflow(r);
	if (ret == -EBADR)
		ring_lost(r);
	else if (ret == -EBUSY || ret == -EAGAIN)
		ring_take_cq(r);
	else if (ret < 0 && ret != -EINTR && ret != -ETIME)
		return ret;
	return 0;
}

unsigned
ring_ready(const struct ring *r)
{
	return r->backlog_len - r->backlog_head + io_uring_cq_ready(&r->uring);
}

bool
ring_next(struct ring *r, struct io_uring_cqe *out)
{
	struct io_uring_cqe *cqe;

	if (r->backlog_head < r->backlog_len) {
		*out = r->backlog[r->backlog_head++];
		if (r->backlog_head == r->backlog_len)
			r->backlog_head = r->backlog_len = 0;
	} else if (io_uring_peek_cqe(&r->uring, &cqe) == 0 && cqe != NULL) {
		*out = *cqe;
		io_uring_cqe_seen(&r->uring, cqe);
	} else {
		return false;
	}
	r->completed++;
	return true;
}

void
ring_flush(struct ring *r)
{
	while (io_uring_sq_ready(&r->uring) > 0)
		ring_submit(r);
}

/* The kernel's counter is 32 bits wide: add what it moved since the last
 * look, modulo 2^32, so the total keeps counting after it wraps.  Read at
 * least once per loop turn, it never moves by 2^32 between two looks. */
uint64_t
ring_cq_overflow(struct ring *r)
{
	uint32_t now = IO_URING_READ_ONCE(*r->uring.cq.koverflow);

	r->cq_overflow += (uint32_t)(now - r->cq_overflow_seen);
	r->cq_overflow_seen = now;
	return r->cq_overflow;
}

int
ring_post(struct ring *r, uint64_t user_data, int res)
{
	struct io_uring_cqe cqe = { .user_data = user_data, .res = res, .flags = 0 };

	return ring_backlog_push(r, &cqe);
}
