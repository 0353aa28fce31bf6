/*
 * pipepool.c: a stack of ready pipes (see pipepool.h for the rules).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "log.h"
#include "pipepool.h"

/* What an unprivileged user's new pipe holds past fs.pipe-user-pages-soft:
 * PIPE_MIN_DEF_BUFFERS (2) pages. */
#define PIPE_SHRUNK_SIZE (2u * 4096u)

/* Pipes made on demand leave the last 1/PIPE_FD_RESERVE_PART of the fd
 * limit to sockets and opens. */
#define PIPE_FD_RESERVE_PART 8

/* Test builds: what $RINGPUSHD_TEST_PIPES does to pipes made on demand. */
enum pipe_test { PIPE_TEST_NONE, PIPE_TEST_EMFILE, PIPE_TEST_SHRUNK };
static enum pipe_test pipe_test;

static void
test_hooks_read(void)
{
#ifdef RINGPUSHD_TEST_HOOKS
	const char *env = getenv("RINGPUSHD_TEST_PIPES");

	if (env == NULL)
		pipe_test = PIPE_TEST_NONE;
	else if (strcmp(env, "emfile") == 0)
		pipe_test = PIPE_TEST_EMFILE;
	else if (strcmp(env, "shrunk") == 0)
		pipe_test = PIPE_TEST_SHRUNK;
	if (pipe_test != PIPE_TEST_NONE)
		log_warn("test hook: pipes made on demand %s", pipe_test == PIPE_TEST_EMFILE ?
		    "fail with EMFILE" : "come out shrunk");
#endif
}

/* Whether fd lies in the last eighth of the fd limit. */
static bool
fd_in_reserve(int fd)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		return false;
	return (rlim_t)fd >= rl.rlim_cur - rl.rlim_cur / PIPE_FD_RESERVE_PART;
}

/* A new pipe; on_demand: after start-up (where the test hooks act). */
static int
pipe_make(struct pipepool *pp, struct pipe_pair *p, bool on_demand)
{
	unsigned want = pp->size;
	int fds[2], cap;

	if (on_demand && pipe_test == PIPE_TEST_EMFILE)
		return -EMFILE;
	if (on_demand && pipe_test == PIPE_TEST_SHRUNK)
		want = PIPE_SHRUNK_SIZE;
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1)
		return -errno;
	/* The kernel hands out the lowest free fds, so a pipe this high
	 * means the table is nearly full: what is left goes to sockets and
	 * file opens, which have no other way, and the body to an engine
	 * that needs no pipe. */
	if (on_demand && fd_in_reserve(fds[1])) {
		close(fds[0]);
		close(fds[1]);
		return -EMFILE;
	}
	/* Past the per-user pipe buffer limit the kernel refuses to grow a
	 * pipe (EPERM) and may have made it smaller than its default: what
	 * it holds is read back rather than assumed. */
	(void)fcntl(fds[1], F_SETPIPE_SZ, (int)want);
	cap = fcntl(fds[1], F_GETPIPE_SZ);
	if (cap <= 0)
		cap = 4096;
	p->rd = fds[0];
	p->wr = fds[1];
	p->capacity = (unsigned)cap;
	pp->made++;
	if (p->capacity < pp->size) {
		pp->shrunk++;
		if (!pp->shrunk_logged) {
			pp->shrunk_logged = true;
			log_warn("pipe pool: a new pipe holds %u bytes, not pipe_size %u: the "
			    "kernel would not make it larger (an unprivileged user's pipes past "
			    "fs.pipe-user-pages-soft); bodies in the page cache go by sendfile, "
			    "others splice in smaller chunks (ringpushd_pipes_shrunk_total counts "
			    "such pipes; logged once)",
			    p->capacity, pp->size);
		}
	}
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
	test_hooks_read();
	pp->nfree = 0;
	pp->max = count;
	pp->size = size;
	pp->made = pp->reused = pp->discarded = pp->shrunk = 0;
	pp->shrunk_logged = false;
	pp->free = NULL;
	if (count == 0)
		return 0;
	pp->free = calloc(count, sizeof(*pp->free));
	if (pp->free == NULL)
		return -1;
	for (unsigned i = 0; i < count; i++) {
		int err = pipe_make(pp, &pp->free[pp->nfree], false);

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
	return pipe_make(pp, p, true);
}

bool
pipepool_shrunk(const struct pipepool *pp, const struct pipe_pair *p)
{
	return p->capacity < pp->size;
}

void
pipepool_put(struct pipepool *pp, struct pipe_pair *p, bool empty)
{
	if (p->rd < 0)
		return;
	/* A shrunk pipe is not kept: closed, its pages count against the
	 * user's limit no more, and the next pipe made may be whole. */
	if (empty && pp->nfree < pp->max && !pipepool_shrunk(pp, p)) {
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
