/*
 * probe.h: what the running kernel offers, probed once at start.
 *
 * Each feature newer than the oldest supported kernel has a fallback;
 * the start logs one line naming what is missing and what stands in for
 * it.  Test builds (RINGPUSHD_TEST_HOOKS) can force fallbacks with
 * $RINGPUSHD_TEST_FALLBACKS ("all", or names from probe_name(), comma
 * separated), so the suite runs on them on a recent kernel too.
 */
#ifndef RINGPUSH_PROBE_H
#define RINGPUSH_PROBE_H

#include <stdbool.h>

/* The oldest kernel ringpushd runs on. */
#define PROBE_MIN_MAJOR 5
#define PROBE_MIN_MINOR 15

enum probe_feature {
	PROBE_DEFER_TASKRUN,    /* 6.1, with SINGLE_ISSUER (6.0) */
	PROBE_COOP_TASKRUN,     /* 5.19 */
	PROBE_SUBMIT_ALL,       /* 5.18 */
	PROBE_MULTISHOT_ACCEPT, /* 5.19: one accept request, many connections */
	PROBE_CANCEL_FD,        /* 5.19: cancel every request on an fd */
	PROBE_OPENAT2_OP,       /* 5.6: IORING_OP_OPENAT2 */
	PROBE_CACHESTAT,        /* 6.5: cachestat(2) */
	PROBE_SEND_ZC,          /* 6.0: IORING_OP_SEND_ZC */
	PROBE_BUF_RING,         /* 5.19: rings of provided buffers */
	PROBE_N
};

/* Read the forced fallbacks (test builds), check the kernel's version and
 * that io_uring is there, and probe the operations and system calls.
 * Returns 0, or -1 with a message in why (the daemon must not start). */
int probe_init(char *why, size_t cap);
/* Whether the kernel offers f (and it is not forced off). */
bool probe_has(enum probe_feature f);
/* Record a feature the ring's set-up found missing (setup flags). */
void probe_missing(enum probe_feature f);
/* Whether f is forced off in this test build. */
bool probe_forced(enum probe_feature f);
const char *probe_name(enum probe_feature f);
/* Log one line naming what is missing and its fallback (nothing when
 * all is there). */
void probe_log(void);

#endif
