/*
 * test_pipepool.c: the pipe pool on real pipes: reuse, what is kept and
 * what is closed, a pipe that cannot be made (the fd limit), and a pipe
 * smaller than the pool's size read back with F_GETPIPE_SZ.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "pipepool.h"

#define SIZE (256u * 1024u)

static unsigned
pipe_size_of(int fd)
{
	int cap = fcntl(fd, F_GETPIPE_SZ);

	cr_assert_gt(cap, 0);
	return (unsigned)cap;
}

/* The largest pipe an unprivileged process may ask for. */
static unsigned
pipe_max_size(void)
{
	FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");
	unsigned max = 0;

	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%u", &max), 1);
	fclose(f);
	return max;
}

Test(pipepool, made_at_init_then_reused)
{
	struct pipepool pp;
	struct pipe_pair a, b;

	cr_assert_eq(pipepool_init(&pp, 2, SIZE), 0);
	cr_assert_eq(pp.nfree, 2);
	cr_assert_eq(pp.made, 2);
	cr_assert_eq(pp.shrunk, 0);
	cr_assert_eq(pipepool_get(&pp, &a), 0);
	cr_assert_eq(a.capacity, SIZE);
	cr_assert_eq(pipe_size_of(a.wr), SIZE);
	cr_assert_not(pipepool_shrunk(&pp, &a));
	pipepool_put(&pp, &a, true);
	cr_assert_eq(a.rd, -1);
	cr_assert_eq(pp.nfree, 2);
	cr_assert_eq(pipepool_get(&pp, &b), 0);
	cr_assert_eq(pp.reused, 2);
	cr_assert_eq(pp.made, 2);
	pipepool_put(&pp, &b, true);
	pipepool_free(&pp);
}

/* A pipe that may hold bytes, or one past the pool's size, is closed. */
Test(pipepool, keeps_only_empty_pipes_up_to_its_size)
{
	struct pipepool pp;
	struct pipe_pair p[3];

	cr_assert_eq(pipepool_init(&pp, 2, SIZE), 0);
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(pipepool_get(&pp, &p[i]), 0);
	cr_assert_eq(pp.made, 3);       /* the third on demand */
	pipepool_put(&pp, &p[0], false);
	cr_assert_eq(pp.nfree, 0);
	cr_assert_eq(pp.discarded, 1);
	cr_assert_eq(fcntl(p[0].rd, F_GETFD), -1);
	pipepool_put(&pp, &p[1], true);
	pipepool_put(&pp, &p[2], true);
	cr_assert_eq(pp.nfree, 2);
	pipepool_free(&pp);
}

/* At the fd limit a pipe cannot be made: the caller learns EMFILE (and
 * chooses another engine) instead of a pipe. */
Test(pipepool, no_fd_for_a_pipe)
{
	struct pipepool pp;
	struct pipe_pair p;
	struct rlimit rl;
	int fd;

	cr_assert_eq(pipepool_init(&pp, 0, SIZE), 0);
	/* the limit just above the lowest free fd: a pipe needs two */
	fd = dup(0);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = (rlim_t)fd + 1;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	cr_assert_eq(pipepool_get(&pp, &p), -EMFILE);
	cr_assert_eq(pp.made, 0);
	pipepool_free(&pp);
}

/* dup() until the lowest free fd is next. */
static void
fill_fds_to(int next)
{
	int fd;

	while ((fd = dup(0)) < next - 1)
		cr_assert_geq(fd, 0);
	cr_assert_eq(fd, next - 1);
}

/* Pipes made on demand leave the last eighth of the fd limit to sockets
 * and opens: a pipe that would land there is closed, and the caller
 * learns EMFILE as at the limit itself. */
Test(pipepool, on_demand_pipes_leave_the_last_fds)
{
	struct rlimit rl;
	struct pipepool pp;
	struct pipe_pair p;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = 64;               /* the reserve: fds 56..63 */
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	cr_assert_eq(pipepool_init(&pp, 0, SIZE), 0);
	fill_fds_to(54);
	cr_assert_eq(pipepool_get(&pp, &p), 0);         /* 54 and 55 */
	cr_assert_eq(p.wr, 55);
	cr_assert_eq(pipepool_get(&pp, &p), -EMFILE);   /* 56 and 57: no */
	cr_assert_eq(dup(0), 56, "the refused pipe was not closed");
	pipepool_free(&pp);
}

/*
 * A pipe the kernel would not make as large as asked.  Without
 * CAP_SYS_RESOURCE, F_SETPIPE_SZ past fs.pipe-max-size fails with EPERM,
 * the same refusal as past fs.pipe-user-pages-soft: the pipe keeps its
 * default size, which F_GETPIPE_SZ reports.  It is counted, and closed
 * when given back instead of being kept.
 */
Test(pipepool, shrunk_pipe_counted_and_not_kept)
{
	unsigned size = pipe_max_size() * 2;
	struct pipepool pp;
	struct pipe_pair p;
	int probe[2];

	cr_assert_eq(pipe(probe), 0);
	if (fcntl(probe[1], F_SETPIPE_SZ, (int)size) != -1)
		cr_skip_test("this process may make pipes past fs.pipe-max-size");
	close(probe[0]);
	close(probe[1]);
	cr_assert_eq(pipepool_init(&pp, 1, size), 0);
	cr_assert_eq(pp.shrunk, 1);
	cr_assert(pp.shrunk_logged);
	cr_assert_eq(pipepool_get(&pp, &p), 0);
	cr_assert_lt(p.capacity, size);
	cr_assert_eq(p.capacity, pipe_size_of(p.wr));
	cr_assert(pipepool_shrunk(&pp, &p));
	pipepool_put(&pp, &p, true);
	cr_assert_eq(pp.nfree, 0);
	cr_assert_eq(pipepool_get(&pp, &p), 0);         /* made on demand */
	cr_assert_eq(pp.shrunk, 2);
	pipepool_put(&pp, &p, true);
	pipepool_free(&pp);
}
