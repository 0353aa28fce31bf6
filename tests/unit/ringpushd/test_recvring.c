/*
 * test_recvring.c: the shared receive ring against a real io_uring:
 * receives with IOSQE_BUFFER_SELECT take its buffers, an empty ring
 * fails a receive with -ENOBUFS, and it grows up to its bound and not
 * beyond; once quiet, the memory of its buffers goes back but for the
 * next in line, and bytes received afterwards are whole.  Skipped on a
 * kernel without buffer rings.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "recvring.h"

static struct io_uring ring;
static struct recvring rr;
static int sv[2][2];

static void
setup_sized(unsigned max, uint32_t size)
{
	int ret;

	cr_assert_eq(io_uring_queue_init(8, &ring, 0), 0);
	ret = recvring_init(&rr, &ring, max, size);
	if (ret == -EINVAL || ret == -ENOSYS || ret == -EOPNOTSUPP) {
		io_uring_queue_exit(&ring);
		cr_skip_test("no buffer rings on this kernel: %s", strerror(-ret));
	}
	cr_assert_eq(ret, 0, "%s", strerror(-ret));
	for (int i = 0; i < 2; i++)
		cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
}

static void
setup(unsigned max)
{
	setup_sized(max, 64);
}

static void
teardown(void)
{
	io_uring_queue_exit(&ring);
	recvring_free(&rr);
	for (int i = 0; i < 2; i++) {
		close(sv[i][0]);
		close(sv[i][1]);
	}
}

/* One receive on fd from the ring: its result and flags. */
static int
recv_one(int fd, unsigned *flags)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	struct io_uring_cqe *cqe;
	int res;

	io_uring_prep_recv(sqe, fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = RECVRING_GROUP;
	cr_assert_eq(io_uring_submit_and_wait(&ring, 1), 1);
	cr_assert_eq(io_uring_peek_cqe(&ring, &cqe), 0);
	res = cqe->res;
	*flags = cqe->flags;
	io_uring_cqe_seen(&ring, cqe);
	return res;
}

Test(recvring, bytes_land_in_a_ring_buffer)
{
	unsigned flags, bid;
	int res;

	setup(4);
	cr_assert_eq(write(sv[0][1], "hello", 5), 5);
	res = recv_one(sv[0][0], &flags);
	cr_assert_eq(res, 5);
	cr_assert(flags & IORING_CQE_F_BUFFER);
	bid = flags >> IORING_CQE_BUFFER_SHIFT;
	cr_assert_lt(bid, 4);
	cr_expect_eq(memcmp(recvring_buf(&rr, bid), "hello", 5), 0);
	recvring_put(&rr, bid);
	teardown();
}

Test(recvring, empty_ring_fails_with_enobufs_and_grows_to_its_bound)
{
	unsigned flags, bid;

	setup(1);
	cr_expect_eq(rr.given, 1);
	cr_assert_eq(write(sv[0][1], "a", 1), 1);
	cr_assert_eq(write(sv[1][1], "b", 1), 1);
	cr_assert_eq(recv_one(sv[0][0], &flags), 1);
	bid = flags >> IORING_CQE_BUFFER_SHIFT;
	/* its one buffer is out: the next receive finds none */
	cr_expect_eq(recv_one(sv[1][0], &flags), -ENOBUFS);
	cr_expect(!recvring_grow(&rr), "grew past its bound of 1");
	/* back in the ring, it serves the next one */
	recvring_put(&rr, bid);
	cr_assert_eq(recv_one(sv[1][0], &flags), 1);
	cr_expect_eq(recvring_buf(&rr, flags >> IORING_CQE_BUFFER_SHIFT)[0], 'b');
	teardown();
}

Test(recvring, grows_by_doubling)
{
	setup(40);
	cr_expect_eq(rr.given, RECVRING_FIRST);
	cr_expect_eq(rr.entries, 64);
	cr_expect(recvring_grow(&rr));
	cr_expect_eq(rr.given, 2 * RECVRING_FIRST);
	cr_expect(recvring_grow(&rr));
	cr_expect_eq(rr.given, 40);
	cr_expect(!recvring_grow(&rr));
	teardown();
}

/* Whether the first page of buffer bid is in memory. */
static bool
resident(unsigned bid)
{
	unsigned char vec;

	cr_assert_eq(mincore((void *)recvring_buf(&rr, bid), 1, &vec), 0);
	return vec & 1;
}

/* One receive of a line naming i: its bytes checked, its buffer put back.
 * Returns the buffer's number. */
static unsigned
recv_checked(unsigned i)
{
	char want[32];
	unsigned flags, bid;
	int len = snprintf(want, sizeof(want), "request %u\n", i);

	cr_assert_eq(write(sv[0][1], want, (size_t)len), len);
	cr_assert_eq(recv_one(sv[0][0], &flags), len);
	cr_assert(flags & IORING_CQE_F_BUFFER);
	bid = flags >> IORING_CQE_BUFFER_SHIFT;
	cr_assert_eq(memcmp(recvring_buf(&rr, bid), want, (size_t)len), 0,
	    "bytes of request %u in buffer %u", i, bid);
	recvring_put(&rr, bid);
	return bid;
}

/* A burst went round the whole ring (further than once, so its head is
 * not at 0): a trim right after it keeps everything, the next one, a
 * second later with nothing received, gives back all but the first
 * RECVRING_FIRST in line, which are the next ones filled.  Bytes
 * received afterwards land whole in buffers whose memory went back. */
Test(recvring, quiet_ring_gives_its_memory_back_but_the_next_in_line)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned n = 0, in_memory = 0;

	setup_sized(64, (uint32_t)page);
	while (recvring_grow(&rr))
		;
	cr_assert_eq(rr.given, 64);
	for (; n < 100; n++)
		recv_checked(n);
	for (unsigned bid = 0; bid < 64; bid++)
		cr_assert(resident(bid), "buffer %u filled by the burst", bid);
	cr_expect_eq(recvring_trim(&rr), 0, "the burst's second keeps its buffers");
	cr_expect_eq(recvring_trim(&rr), 64 - RECVRING_FIRST);
	cr_expect_eq(rr.given_back, 64 - RECVRING_FIRST);
	for (unsigned bid = 0; bid < 64; bid++)
		in_memory += resident(bid);
	cr_expect_eq(in_memory, RECVRING_FIRST);
	for (unsigned i = 0; i < RECVRING_FIRST; i++)
		cr_expect(resident(recv_checked(n++)), "the next in line kept its memory");
	/* round the ring again: into buffers whose memory went back */
	for (unsigned i = 0; i < 64; i++)
		recv_checked(n++);
	/* nothing to give back while receives go on, nor twice */
	cr_expect_eq(recvring_trim(&rr), 0);
	cr_expect_eq(recvring_trim(&rr), 64 - RECVRING_FIRST);
	cr_expect_eq(recvring_trim(&rr), 0);
	teardown();
}

/* A ring that never grew past its first buffers keeps them. */
Test(recvring, small_ring_is_not_trimmed)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	setup_sized(64, (uint32_t)page);
	for (unsigned i = 0; i < 40; i++)
		recv_checked(i);
	cr_expect_eq(recvring_trim(&rr), 0);
	cr_expect_eq(recvring_trim(&rr), 0);
	cr_expect_eq(rr.given_back, 0);
	teardown();
}
