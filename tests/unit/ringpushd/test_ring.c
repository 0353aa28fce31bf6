/*
 * test_ring.c: the SQE supply of ring.c against a real io_uring: a link
 * reserved with ring_reserve() is never split across submissions, even
 * when an SQE queued before it fails at set-up.
 */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "conf.h"
#include "ring.h"
#include "server.h"

#define SQ_ENTRIES 8

enum { UD_BAD_OPEN = 1, UD_NOP, UD_READ, UD_WRITE };

static struct ring r;

/*
 * The kernel's answers that this kernel does not give on demand, played by
 * wrapping liburing's exported io_uring_submit(): with refuse_while_cq_full,
 * a submission fails with -EBUSY while completions wait in the CQ, as
 * kernels before 5.19 do while completions are held back (CQ overflow).
 * Unset, the real function runs.
 */
static bool refuse_while_cq_full;
static unsigned busy_answers;

int
io_uring_submit(struct io_uring *ring)
{
	static int (*real)(struct io_uring *);

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "io_uring_submit");
	if (refuse_while_cq_full && io_uring_cq_ready(ring) > 0) {
		if (++busy_answers > 1000000)
			cr_assert_fail("a full CQ was never reaped: a million -EBUSY");
		return -EBUSY;
	}
	return real(ring);
}

/* The same for the event loop's wait: the wait numbered lose_on_wait
 * (from 1) answers -EBADR, as the kernel does once after it lost
 * completions; the one numbered stop_on_wait first raises SIGTERM.  With
 * lose_signal, the completion of the signal eventfd's read is lost (made
 * a no-op) as soon as it comes, and that wait answers -EBADR. */
static int waits, lose_on_wait, stop_on_wait, waits_since_loss;
static bool lose_signal;

int
io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr)
{
	static int (*real)(struct io_uring *, unsigned);
	struct io_uring_cqe *cqe;
	unsigned head;
	int ret;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "io_uring_submit_and_wait");
	waits++;
	if (waits == lose_on_wait)
		return -EBADR;
	if (waits == stop_on_wait)
		raise(SIGTERM);
	ret = real(ring, wait_nr);
	if (waits_since_loss > 0 && ++waits_since_loss > 100)
		return -EFAULT;         /* ends server_run: SIGTERM was never seen */
	if (lose_signal) {
		io_uring_for_each_cqe(ring, head, cqe) {
			if (ring_ud_op(cqe->user_data) == OP_SIGNAL) {
				cqe->user_data = ring_ud(OP_NONE, 0, 0);
				lose_signal = false;
				waits_since_loss = 1;
				return -EBADR;
			}
		}
	}
	return ret;
}

static void
ring_up(void)
{
	int ret = ring_init(&r, SQ_ENTRIES, 0, false);

	if (ret < 0)
		cr_skip_test("no io_uring here: %s", strerror(-ret));
}

/* Wait for the completion with user_data ud; others are consumed. */
static int
wait_for(uint64_t ud)
{
	for (int i = 0; i < 64; i++) {
		struct __kernel_timespec ts = { .tv_sec = 10 };
		struct io_uring_cqe *cqe;
		int ret = io_uring_wait_cqe_timeout(&r.uring, &cqe, &ts);

		cr_assert_eq(ret, 0, "waiting for %llu: %s", (unsigned long long)ud,
		    strerror(-ret));
		if (cqe->user_data == ud) {
			int res = cqe->res;

			io_uring_cqe_seen(&r.uring, cqe);
			return res;
		}
		io_uring_cqe_seen(&r.uring, cqe);
	}
	cr_assert_fail("no completion %llu", (unsigned long long)ud);
	return 0;
}

/*
 * The SQ is full and its first SQE, an OPENAT2 of a path of PATH_MAX
 * bytes, fails while the kernel reads it.  A READ linked to a WRITE is
 * then reserved and queued: the WRITE must not run before the READ has
 * its bytes, as a small response's SEND must not go out before its READ
 * filled the buffer.
 */
Test(ring, reserved_link_survives_a_failing_sqe_before_it, .init = ring_up)
{
	static char long_path[PATH_MAX + 1];
	struct open_how how = { .flags = O_RDONLY };
	struct io_uring_sqe *sqe;
	char in_buf[4] = { 0 }, got[8];
	int in[2], out[2];

	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(out, O_CLOEXEC | O_NONBLOCK), 0);
	memset(long_path, 'a', PATH_MAX);

	sqe = ring_sqe(&r);
	io_uring_prep_openat2(sqe, AT_FDCWD, long_path, &how);
	io_uring_sqe_set_data64(sqe, UD_BAD_OPEN);
	for (int i = 1; i < SQ_ENTRIES; i++) {
		sqe = ring_sqe(&r);
		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, UD_NOP);
	}
	cr_assert_eq(io_uring_sq_space_left(&r.uring), 0);

	ring_reserve(&r, 2);
	cr_assert_geq(io_uring_sq_space_left(&r.uring), 2,
	    "ring_reserve(2) left room for %u SQEs", io_uring_sq_space_left(&r.uring));
	sqe = ring_sqe(&r);
	io_uring_prep_read(sqe, in[0], in_buf, sizeof(in_buf), 0);
	sqe->flags |= IOSQE_IO_LINK;
	io_uring_sqe_set_data64(sqe, UD_READ);
	sqe = ring_sqe(&r);
	io_uring_prep_write(sqe, out[1], "sent", 4, 0);
	io_uring_sqe_set_data64(sqe, UD_WRITE);
	cr_assert_geq(io_uring_submit(&r.uring), 0);

	/* The READ waits for bytes; a WRITE still linked to it waits too. */
	cr_assert_eq(read(out[0], got, sizeof(got)), -1,
	    "the WRITE ran before the READ it is linked to completed");
	cr_assert_eq(errno, EAGAIN);

	cr_assert_eq(write(in[1], "data", 4), 4);
	cr_assert_eq(wait_for(UD_READ), 4);
	cr_assert_eq(wait_for(UD_WRITE), 4);
	cr_assert_eq(read(out[0], got, sizeof(got)), 4);
	cr_assert_eq(memcmp(got, "sent", 4), 0);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
	ring_exit(&r);
}

/* The kernel counts overflowed completions in 32 bits; the daemon's
 * counter (ringpushd_ring_cq_overflow_total) must keep counting past 2^32
 * instead of falling back to a small number. */
Test(ring, cq_overflow_total_counts_past_32_bits)
{
	struct ring fake;
	unsigned kernel_counter = 0;
	uint64_t total;

	memset(&fake, 0, sizeof(fake));
	fake.uring.cq.koverflow = &kernel_counter;
	cr_assert_eq(ring_cq_overflow(&fake), 0);
	kernel_counter = 0xfffffff0u;
	cr_assert_eq(ring_cq_overflow(&fake), 0xfffffff0u);
	kernel_counter = 0x10u;   /* 0x20 more: the kernel's counter wrapped */
	total = ring_cq_overflow(&fake);
	cr_assert_eq(total, 0x100000010ull, "%#llx after the wrap", (unsigned long long)total);
	cr_assert_eq(ring_cq_overflow(&fake), 0x100000010ull, "reading again changes nothing");
	kernel_counter = 0x7fffffffu;
	cr_assert_eq(ring_cq_overflow(&fake), 0x17fffffffull);
}

/*
 * The SQ is full and the kernel refuses submissions until completions are
 * reaped: ring_sqe() must reap them (they are kept, in order, for
 * ring_next()) instead of retrying the submission forever.
 */
Test(ring, full_sq_and_refusing_kernel_reaps_completions, .init = ring_up, .timeout = 30)
{
	struct io_uring_cqe cqe;
	uint64_t next = 1;

	/* CQ = 4 x SQ: four rounds of SQ_ENTRIES NOPs fill it */
	for (uint64_t ud = 1; ud <= 4 * SQ_ENTRIES; ud++) {
		struct io_uring_sqe *sqe = ring_sqe(&r);

		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, ud);
	}
	cr_assert_geq(io_uring_submit(&r.uring), 0);
	refuse_while_cq_full = true;
	for (uint64_t ud = 4 * SQ_ENTRIES + 1; ud <= 6 * SQ_ENTRIES; ud++) {
		struct io_uring_sqe *sqe = ring_sqe(&r);

		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, ud);
	}
	refuse_while_cq_full = false;
	ring_flush(&r);
	while (next <= 6 * SQ_ENTRIES) {
		cr_assert_eq(ring_wait(&r), 0);
		while (ring_next(&r, &cqe)) {
			cr_assert_eq(cqe.user_data, next, "completion %llu came as number %llu",
			    (unsigned long long)cqe.user_data, (unsigned long long)next);
			next++;
		}
	}
	cr_assert_eq(r.completed, 6 * SQ_ENTRIES);
	ring_exit(&r);
}

/* The kernel lost a completion: the daemon says so and serves on; only
 * SIGTERM ends the loop, with status 0. */
Test(ring, lost_completions_do_not_end_the_event_loop, .timeout = 60)
{
	struct conf conf;
	struct server s;

	conf_defaults(&conf);
	cr_assert_eq(conf_parse_address("127.0.0.1:0", &conf.listeners[0].addr,
	    &conf.listeners[0].addrlen), 0);
	conf.max_connections = 16;
	if (server_init(&s, &conf) == -1)
		cr_skip_test("no server here (io_uring, pipes or a socket refused)");
	lose_on_wait = 2;
	stop_on_wait = 4;
	cr_assert_eq(server_run(&s), 0, "the loop ended on -EBADR");
	cr_assert_geq(waits, stop_on_wait, "the loop ended before SIGTERM");
	server_free(&s);
	conf_free(&conf);
}

/* The completion the kernel lost was the signal read's, the one that said
 * SIGTERM came: the loop must still see the signal (and read signals
 * again), not run on deaf. */
Test(ring, a_lost_signal_completion_still_stops_the_loop, .timeout = 60)
{
	struct conf conf;
	struct server s;

	conf_defaults(&conf);
	cr_assert_eq(conf_parse_address("127.0.0.1:0", &conf.listeners[0].addr,
	    &conf.listeners[0].addrlen), 0);
	conf.max_connections = 16;
	if (server_init(&s, &conf) == -1)
		cr_skip_test("no server here (io_uring, pipes or a socket refused)");
	stop_on_wait = 3;
	lose_signal = true;
	cr_assert_eq(server_run(&s), 0, "SIGTERM was lost with the completion");
	cr_assert_eq(lose_signal, false, "the signal read never completed");
	server_free(&s);
	conf_free(&conf);
}
