/*
 * confine.h: what the daemon may still do once it serves.
 *
 * After start-up (listeners bound, logs open, privileges dropped) the
 * daemon gives up, for good: every file outside its roots, its logs and
 * its configuration (Landlock), every io_uring operation it does not use
 * (the ring's restrictions, registered while the ring is still disabled),
 * and every system call it does not make (a seccomp filter).  io_uring
 * operations do not pass through seccomp: the ring's restrictions are
 * what covers them.
 */
#ifndef RINGPUSH_CONFINE_H
#define RINGPUSH_CONFINE_H

#include <stdbool.h>
#include <stdint.h>
#include <liburing.h>

struct conf;

/* The value of confine = in [daemon], in the order of its names. */
enum confine_mode {
	CONFINE_ON,     /* Landlock, ring restrictions, seccomp kills */
	CONFINE_LOG,    /* the same, but seccomp only logs what it would kill */
	CONFINE_OFF,
};

/* Register the ring's restrictions (the operations, SQE flags and
 * register opcodes of one table in confine.c) on a ring created with
 * IORING_SETUP_R_DISABLED, then enable it.  0 or -errno. */
int confine_ring(struct io_uring *ring);
/* Whether op is in the table of allowed operations. */
bool confine_ring_allows(uint8_t op);

/* Make the Landlock rule set while still privileged (the directories
 * named may be open to root only).  conf_path is the configuration file
 * read again at reload (NULL: none).  0, or -1 when a rule cannot be made
 * (logged): the daemon must not start. */
int confine_prepare(const struct conf *conf, const char *conf_path);
/* Apply the rule set and seccomp as conf->confine says, and log one line
 * saying what was applied and what the kernel does not offer.  0, or -1
 * when something the kernel offers could not be applied (logged). */
int confine_apply(const struct conf *conf);
/* Whether a root named at reload is readable under the rules applied at
 * start (Landlock rules cannot be widened).  Always true when Landlock
 * was not applied.  Not a path check: the kernel enforces the rules. */
bool confine_admits_root(const char *root);

/* Test builds only (RINGPUSHD_TEST_HOOKS): with $RINGPUSHD_TEST_FORBIDDEN
 * set, make a system call outside the seccomp list; with
 * $RINGPUSHD_TEST_OPEN set, try to open that file; log what happened.
 * Elsewhere it does nothing. */
void confine_test_hook(void);

#endif
