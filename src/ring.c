/*
 * ring.c: io_uring set-up and the SQE supply.
 */
#include <errno.h>
#include <string.h>
#include "log.h"
#include "ring.h"

int
ring_init(struct ring *r, unsigned sq_entries, unsigned io_workers)
{
	/* Tried in order: the cheapest task-work mode first, then what older
	 * kernels accept.  DEFER_TASKRUN requires SINGLE_ISSUER. */
	static const unsigned modes[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_COOP_TASKRUN,
		0,
	};
	struct io_uring_params p;
	int ret = -EINVAL;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		memset(&p, 0, sizeof(p));
		/* A large CQ keeps multishot accept alive under bursts: the
		 * kernel ends a multishot request when the CQ overflows. */
		p.flags = modes[i] | IORING_SETUP_CQSIZE;
		p.cq_entries = sq_entries * 4;
		ret = io_uring_queue_init_params(sq_entries, &r->uring, &p);
		if (ret == 0) {
			r->setup_flags = p.flags;
			break;
		}
		if (ret != -EINVAL)
			return ret;
	}
	if (ret < 0)
		return ret;
	if (!(p.features & IORING_FEAT_NODROP))
		log_warn("io_uring: kernel may drop completions on CQ overflow");
	if (io_workers > 0) {
		unsigned workers[2] = { io_workers, io_workers };

		ret = io_uring_register_iowq_max_workers(&r->uring, workers);
		if (ret < 0)
			log_warn("io_uring: cannot cap io-wq workers: %s", strerror(-ret));
	}
	log_debug("io_uring: %u SQ entries, %u CQ entries, flags %#x",
	    p.sq_entries, p.cq_entries, r->setup_flags);
	return 0;
}

void
ring_exit(struct ring *r)
{
	io_uring_queue_exit(&r->uring);
}

struct io_uring_sqe *
ring_sqe(struct ring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->uring);

	while (sqe == NULL) {
		int n = io_uring_submit(&r->uring);

		if (n > 0)
			r->submitted += (unsigned)n;
		else if (n < 0 && n != -EAGAIN && n != -EBUSY && n != -EINTR)
			fatalx("io_uring_submit: %s", strerror(-n));
		sqe = io_uring_get_sqe(&r->uring);
	}
	return sqe;
}

void
ring_reserve(struct ring *r, unsigned n)
{
	if (io_uring_sq_space_left(&r->uring) < n) {
		int ret = io_uring_submit(&r->uring);

		if (ret > 0)
			r->submitted += (unsigned)ret;
	}
}

unsigned
ring_cq_overflow(const struct ring *r)
{
	return *r->uring.cq.koverflow;
}
