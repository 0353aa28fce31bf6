/*
 * fdlimit.c: RLIMIT_NOFILE against what the configuration needs (see
 * fdlimit.h for the arithmetic).
 *
 * A shell's default soft limit is often 1024 while the hard one is much
 * higher: a daemon started from it with max_connections = 10000 used to
 * answer most of 2,000 clients with 503 (every accept past the limit
 * failed) and said nothing at start.  Raising the soft limit is always
 * allowed up to the hard one; the hard one only with CAP_SYS_RESOURCE and
 * at most to fs.nr_open.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>
#include "fdlimit.h"
#include "log.h"

#define NR_OPEN_PATH "/proc/sys/fs/nr_open"

void
fdlimit_budget_of(const struct conf *conf, unsigned reserve, struct fdlimit_budget *b)
{
	bool uploads = false;

	for (unsigned i = 0; i < conf->nlisteners; i++)
		uploads |= conf->listeners[i].upload != 0;
	b->fixed = FDLIMIT_BASE + conf->nlisteners;
	b->pipes = 2 * conf->pipe_pool;
	b->cache = conf->open_file_cache;
	/* the socket; a transfer's own file when no cache shares it; an
	 * upload's file */
	b->per_conn = 1 + (conf->open_file_cache == 0) + uploads;
	b->reserve = reserve;
}

static uint64_t
fixed_part(const struct fdlimit_budget *b)
{
	return (uint64_t)b->fixed + b->pipes + b->cache;
}

uint64_t
fdlimit_need(const struct fdlimit_budget *b, unsigned max_conns)
{
	return fixed_part(b) + ((uint64_t)max_conns + b->reserve) * b->per_conn;
}

unsigned
fdlimit_fit(const struct fdlimit_budget *b, uint64_t limit, unsigned max_conns)
{
	uint64_t conns;

	if (limit < fixed_part(b))
		return 0;
	conns = (limit - fixed_part(b)) / b->per_conn;
	if (conns <= b->reserve)
		return 0;
	conns -= b->reserve;
	return conns < max_conns ? (unsigned)conns : max_conns;
}

/* RLIM_INFINITY counts as more than anything needed. */
static uint64_t
limit_value(rlim_t v)
{
	return v == RLIM_INFINITY ? UINT64_MAX : (uint64_t)v;
}

static uint64_t
nr_open(void)
{
	FILE *f = fopen(NR_OPEN_PATH, "re");
	unsigned long long v = 0;

	if (f == NULL)
		return 1024 * 1024;     /* the kernel's default */
	if (fscanf(f, "%llu", &v) != 1)
		v = 1024 * 1024;
	fclose(f);
	return v;
}

#ifdef RINGPUSHD_TEST_HOOKS
/* $RINGPUSHD_TEST_NOFILE=SOFT:HARD: the limits the daemon starts with, as
 * if its parent had set them (lowering needs no privilege). */
static void
test_hook_start(void)
{
	const char *env = getenv("RINGPUSHD_TEST_NOFILE");
	unsigned long long soft, hard;
	struct rlimit lim;

	if (env == NULL || sscanf(env, "%llu:%llu", &soft, &hard) != 2)
		return;
	lim.rlim_cur = (rlim_t)soft;
	lim.rlim_max = (rlim_t)hard;
	if (setrlimit(RLIMIT_NOFILE, &lim) == -1)
		log_err("RINGPUSHD_TEST_NOFILE %s", env);
}

/* $RINGPUSHD_TEST_NOFILE_LATE=K: once started, room for K descriptors more
 * than are open, as if something else had taken the rest. */
void
fdlimit_test_late(void)
{
	const char *env = getenv("RINGPUSHD_TEST_NOFILE_LATE");
	unsigned long open_fds = 0, highest = 0;
	struct rlimit lim;

	if (env == NULL || getrlimit(RLIMIT_NOFILE, &lim) == -1)
		return;
	for (unsigned long fd = 0; fd < limit_value(lim.rlim_cur) && fd < 65536; fd++) {
		if (fcntl((int)fd, F_GETFD) != -1) {
			open_fds++;
			highest = fd;
		}
	}
	/* the lowest free numbers are taken first: with every open fd
	 * below the limit, exactly K more fit */
	lim.rlim_cur = (rlim_t)(open_fds + strtoul(env, NULL, 10));
	if (highest >= lim.rlim_cur)
		lim.rlim_cur = (rlim_t)(highest + 1 + strtoul(env, NULL, 10));
	if (setrlimit(RLIMIT_NOFILE, &lim) == -1)
		log_err("RINGPUSHD_TEST_NOFILE_LATE %s", env);
	else
		log_info("test hook: file descriptor limit now %llu, %lu open",
		    (unsigned long long)lim.rlim_cur, open_fds);
}
#else
static void
test_hook_start(void)
{
}

void
fdlimit_test_late(void)
{
}
#endif

uint64_t
fdlimit_current(void)
{
	struct rlimit lim;

	if (getrlimit(RLIMIT_NOFILE, &lim) == -1)
		return UINT64_MAX;
	return limit_value(lim.rlim_cur);
}

/* The soft limit up to the hard one, for what the budget does not count
 * (pipes made when the pool runs dry, files the cache cannot hold); the
 * hard one first up to need when permitted. */
static void
raise_limit(uint64_t need, struct rlimit *lim)
{
	uint64_t cap = nr_open();
	struct rlimit up;

	if (limit_value(lim->rlim_max) < need) {
		/* root only (CAP_SYS_RESOURCE); EPERM otherwise, and then
		 * the hard limit stays */
		up.rlim_cur = up.rlim_max = (rlim_t)(need < cap ? need : cap);
		if (limit_value(up.rlim_max) > limit_value(lim->rlim_max) &&
		    setrlimit(RLIMIT_NOFILE, &up) == 0)
			*lim = up;
	}
	up.rlim_max = lim->rlim_max;
	up.rlim_cur = limit_value(lim->rlim_max) < cap ? lim->rlim_max : (rlim_t)cap;
	if (limit_value(up.rlim_cur) <= limit_value(lim->rlim_cur))
		return;
	if (setrlimit(RLIMIT_NOFILE, &up) == 0)
		*lim = up;
	else
		log_err("raising the file descriptor limit to %" PRIu64, limit_value(up.rlim_cur));
}

/* The open-file cache may take at most this share of a limit too low for
 * the whole budget: what remains goes to connections. */
#define FDLIMIT_CACHE_SHARE 4

void
fdlimit_plan(const struct conf *conf, unsigned reserve, uint64_t limit,
    struct fdlimit_result *r)
{
	struct fdlimit_budget b;

	fdlimit_budget_of(conf, reserve, &b);
	r->need = fdlimit_need(&b, conf->max_connections);
	r->max_connections = conf->max_connections;
	r->open_file_cache = conf->open_file_cache;
	if (limit >= r->need)
		return;
	if (b.cache > limit / FDLIMIT_CACHE_SHARE) {
		b.cache = (unsigned)(limit / FDLIMIT_CACHE_SHARE);
		/* a cache of 0 would be off, and each transfer would hold
		 * its own file: keep one entry */
		if (b.cache == 0)
			b.cache = 1;
		r->open_file_cache = b.cache;
	}
	r->max_connections = fdlimit_fit(&b, limit, conf->max_connections);
	if (r->max_connections == 0)
		r->max_connections = 1;
}

void
fdlimit_apply(const struct conf *conf, unsigned reserve, struct fdlimit_result *r)
{
	struct fdlimit_budget b;
	struct rlimit lim;
	uint64_t was;

	test_hook_start();
	fdlimit_budget_of(conf, reserve, &b);
	if (getrlimit(RLIMIT_NOFILE, &lim) == -1) {
		log_err("getrlimit RLIMIT_NOFILE");
		fdlimit_plan(conf, reserve, UINT64_MAX, r);
		return;
	}
	was = limit_value(lim.rlim_cur);
	raise_limit(fdlimit_need(&b, conf->max_connections), &lim);
	fdlimit_plan(conf, reserve, limit_value(lim.rlim_cur), r);
	if (r->max_connections == conf->max_connections &&
	    r->open_file_cache == conf->open_file_cache) {
		if (limit_value(lim.rlim_cur) != was)
			log_info("file descriptor limit raised from %" PRIu64 " to %" PRIu64
			    " (max_connections %u needs %" PRIu64 ")", was,
			    limit_value(lim.rlim_cur), conf->max_connections, r->need);
		return;
	}
	log_warn("file descriptors: max_connections %u needs %" PRIu64 " (%u per connection "
	    "and %u reserved slots, %u for the pipe pool, %u for the open-file cache, %u fixed) "
	    "but the limit is %" PRIu64 " (hard limit %" PRIu64 "): max_connections lowered "
	    "to %u, open_file_cache %u; raise the hard limit (LimitNOFILE=, ulimit -Hn) to "
	    "%" PRIu64 " to serve %u", conf->max_connections, r->need, b.per_conn, b.reserve,
	    b.pipes, b.cache, b.fixed, limit_value(lim.rlim_cur), limit_value(lim.rlim_max),
	    r->max_connections, r->open_file_cache, r->need, conf->max_connections);
}

int
fdlimit_describe(const struct conf *conf, unsigned reserve, char *buf, size_t cap)
{
	struct fdlimit_budget b;
	struct fdlimit_result r;
	struct rlimit lim;
	uint64_t soft, hard;

	fdlimit_budget_of(conf, reserve, &b);
	if (getrlimit(RLIMIT_NOFILE, &lim) == -1)
		return snprintf(buf, cap, "file descriptors: max_connections %u needs %" PRIu64,
		    conf->max_connections, fdlimit_need(&b, conf->max_connections));
	soft = limit_value(lim.rlim_cur);
	hard = limit_value(lim.rlim_max);
	/* what the start would do: raise the soft limit to the hard one
	 * (root may raise that too: not assumed here) */
	fdlimit_plan(conf, reserve, hard > soft ? hard : soft, &r);
	if (r.max_connections == conf->max_connections &&
	    r.open_file_cache == conf->open_file_cache)
		return snprintf(buf, cap, "file descriptors: max_connections %u needs %" PRIu64
		    " (%u per connection and %u reserved slots, %u for the pipe pool, %u for "
		    "the open-file cache, %u fixed); limit %" PRIu64 ", hard limit %" PRIu64
		    ": fits", conf->max_connections, r.need, b.per_conn, b.reserve, b.pipes,
		    b.cache, b.fixed, soft, hard);
	return snprintf(buf, cap, "file descriptors: max_connections %u needs %" PRIu64
	    " (%u per connection and %u reserved slots, %u for the pipe pool, %u for the "
	    "open-file cache, %u fixed); limit %" PRIu64 ", hard limit %" PRIu64 ": does not "
	    "fit unless started as root: max_connections would be %u, open_file_cache %u",
	    conf->max_connections, r.need, b.per_conn, b.reserve, b.pipes, b.cache, b.fixed,
	    soft, hard, r.max_connections, r.open_file_cache);
}
