/*
 * test_confine.c: the ring's restrictions, on a ring made the way the
 * daemon makes it (ring_init with restricted set): an operation outside
 * the table, or an SQE flag outside the allowed ones, completes with
 * -EACCES; one in the table runs.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "confine.h"
#include "ring.h"

static struct ring r;

/* Submit the one queued SQE and return its completion's result. */
static int
one_result(void)
{
	struct io_uring_cqe *cqe;
	int res;

	cr_assert_eq(io_uring_submit(&r.uring), 1);
	cr_assert_eq(io_uring_wait_cqe(&r.uring, &cqe), 0);
	res = cqe->res;
	io_uring_cqe_seen(&r.uring, cqe);
	return res;
}

static void
restricted_ring(void)
{
	int ret = ring_init(&r, 8, 0, true);

	if (ret == -EINVAL)
		cr_skip_test("this kernel cannot restrict a ring (Linux 5.10)");
	cr_assert_eq(ret, 0, "ring_init: %s", strerror(-ret));
}

Test(confine, op_outside_the_table_is_refused)
{
	restricted_ring();
	cr_assert(!confine_ring_allows(IORING_OP_NOP));
	io_uring_prep_nop(io_uring_get_sqe(&r.uring));
	cr_assert_eq(one_result(), -EACCES);
	/* unlinkat is a file server's op too, but the daemon unlinks with a
	 * system call, never on the ring */
	cr_assert(!confine_ring_allows(IORING_OP_UNLINKAT));
	io_uring_prep_unlinkat(io_uring_get_sqe(&r.uring), AT_FDCWD, "/nonexistent", 0);
	cr_assert_eq(one_result(), -EACCES);
	ring_exit(&r);
}

Test(confine, op_in_the_table_runs)
{
	int fds[2];
	char buf[8];

	restricted_ring();
	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], "abc", 3), 3);
	cr_assert(confine_ring_allows(IORING_OP_READ));
	io_uring_prep_read(io_uring_get_sqe(&r.uring), fds[0], buf, sizeof(buf), 0);
	cr_assert_eq(one_result(), 3);
	cr_assert_eq(memcmp(buf, "abc", 3), 0);
	close(fds[0]);
	close(fds[1]);
	ring_exit(&r);
}

Test(confine, flag_outside_the_allowed_is_refused)
{
	int fds[2];
	char buf[8];
	struct io_uring_sqe *sqe;

	restricted_ring();
	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], "abc", 3), 3);
	/* READ is allowed, IOSQE_ASYNC is not: the flag alone refuses it */
	sqe = io_uring_get_sqe(&r.uring);
	io_uring_prep_read(sqe, fds[0], buf, sizeof(buf), 0);
	sqe->flags |= IOSQE_ASYNC;
	cr_assert_eq(one_result(), -EACCES);
	/* and the refused read took nothing from the pipe */
	io_uring_prep_read(io_uring_get_sqe(&r.uring), fds[0], buf, sizeof(buf), 0);
	cr_assert_eq(one_result(), 3);
	close(fds[0]);
	close(fds[1]);
	ring_exit(&r);
}

Test(confine, unrestricted_ring_runs_any_op)
{
	cr_assert_eq(ring_init(&r, 8, 0, false), 0);
	io_uring_prep_nop(io_uring_get_sqe(&r.uring));
	cr_assert_eq(one_result(), 0);
	ring_exit(&r);
}
