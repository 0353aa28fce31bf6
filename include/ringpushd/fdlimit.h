/*
 * fdlimit.h: the file descriptors the daemon needs, and RLIMIT_NOFILE.
 *
 * At start the daemon raises its own soft limit (to the hard one; the
 * hard one too while it runs as root, when the kernel lets it) to what
 * max_connections, the pipe pool and the open-file cache need.  When the
 * limit cannot be raised that far, max_connections is lowered to what
 * fits (and the open-file cache to a quarter of the limit, if it held
 * more), with one warning that gives the numbers: a daemon that accepts
 * connections it has no descriptor for would fail them one by one under
 * load instead.
 *
 * What a process holds (each worker is its own process):
 *   fixed      FDLIMIT_BASE (stdio, logs, the ring, eventfd, pid file,
 *              service manager socket) + one per listener
 *   pipes      2 per pipe of the pool (pipe_pool): splice transfers take
 *              pipes from it, not one pair per connection
 *   cache      open_file_cache: transfers share the cache's fds
 *   per conn   its socket; and a file when the cache is off (each
 *              transfer opens its own) and when a listener takes uploads
 *              (an upload writes its own file)
 * plus the reserved slots beyond max_connections (conn.h).
 */
#ifndef RINGPUSH_FDLIMIT_H
#define RINGPUSH_FDLIMIT_H

#include <stddef.h>
#include <stdint.h>
#include "conf.h"

/* Descriptors held whatever the load (the spare ones of conn.h among
 * them), with room to spare. */
#define FDLIMIT_BASE 32

struct fdlimit_budget {
	unsigned fixed;       /* FDLIMIT_BASE + listeners */
	unsigned pipes;       /* 2 per pooled pipe */
	unsigned cache;       /* open_file_cache */
	unsigned per_conn;    /* 1, 2 or 3: see above */
	unsigned reserve;     /* connection slots beyond max_connections */
};

/* The budget of conf, with reserve slots beyond max_connections. */
void fdlimit_budget_of(const struct conf *conf, unsigned reserve, struct fdlimit_budget *b);
/* Descriptors needed to serve max_conns connections (and the reserve). */
uint64_t fdlimit_need(const struct fdlimit_budget *b, unsigned max_conns);
/* The largest max_connections whose need fits in limit, at most
 * max_conns; 0 when not even one connection fits. */
unsigned fdlimit_fit(const struct fdlimit_budget *b, uint64_t limit, unsigned max_conns);

/* What a process runs with under a limit. */
struct fdlimit_result {
	uint64_t need;              /* for the configuration as it is */
	unsigned max_connections;   /* conf's, or what fits (at least 1) */
	unsigned open_file_cache;   /* conf's, or at most a quarter of the
				       limit when the whole does not fit */
};

/* Pure: what conf runs with under limit. */
void fdlimit_plan(const struct conf *conf, unsigned reserve, uint64_t limit,
    struct fdlimit_result *r);
/* Raise RLIMIT_NOFILE for conf and say what to run with: conf's values,
 * or less after one warning that gives the numbers. */
void fdlimit_apply(const struct conf *conf, unsigned reserve, struct fdlimit_result *r);
/* The soft limit now (UINT64_MAX for none). */
uint64_t fdlimit_current(void);
/* One line for ringpushd -t: the budget and whether the current limit
 * holds it or can be raised to.  Returns as snprintf. */
int fdlimit_describe(const struct conf *conf, unsigned reserve, char *buf, size_t cap);
/* Test builds: $RINGPUSHD_TEST_NOFILE=SOFT:HARD are the limits the daemon
 * starts with; $RINGPUSHD_TEST_NOFILE_LATE=K leaves room for K descriptors
 * once it has started, as if something else had taken the rest.
 * Elsewhere it does nothing. */
void fdlimit_test_late(void);

#endif
