/*
 * priv.h: who the daemon runs as.
 *
 * The daemon starts as root to bind its listeners and size its pipe pool,
 * then gives root up for good: [daemon] user and group name the account
 * it becomes.  One planner decides what to do from the configuration and
 * the starting ids; priv_check() prints its problems (ringpushd -t),
 * priv_drop() logs them or carries the plan out.
 */
#ifndef RINGPUSH_PRIV_H
#define RINGPUSH_PRIV_H

#include <sys/types.h>

#include <stdio.h>

#include "conf.h"

#define PRIV_WHY_MAX 192
#define PRIV_PROBLEMS_MAX 3

struct priv_plan {
	int change;                     /* 1 = setgroups/setgid/setuid to below */
	uid_t uid;
	gid_t gid;
	char user[CONF_USER_MAX];       /* names for the log */
	char group[CONF_USER_MAX];
	int nproblems;
	char problems[PRIV_PROBLEMS_MAX][PRIV_WHY_MAX];
};

/*
 * Look an account up by name (getpwnam_r, getgrnam_r).  0 when found,
 * with the ids (a user's gid is its primary group); -1 otherwise, with
 * why saying "no such user", "no such group" or the lookup's error.
 */
int priv_lookup_user(const char *name, uid_t *uid, gid_t *gid, char *why,
    size_t whylen);
int priv_lookup_group(const char *name, gid_t *gid, char *why,
    size_t whylen);

/*
 * Decide what a process running with these effective ids must do.
 * Rules: as root, an unset user needs allow_root, and a user that is uid 0
 * needs it too; a set user is switched to.  Without root, user and group
 * may only name the current ids.  Returns plan->nproblems: 0 = plan is
 * valid (plan->change says whether ids change).
 */
int priv_plan(const struct conf *c, uid_t euid, gid_t egid,
    struct priv_plan *plan);

/* Print every problem of the plan for the current ids as one line on err
 * (err may be NULL to only count).  Returns the number of problems. */
int priv_check(const struct conf *c, FILE *err);

/*
 * Give up root as the configuration says, once the listeners are bound
 * and the pipe pool is made: setgroups to the one group, setgid, setuid,
 * then verify every id and that setuid(0) now fails.  Returns 0, or -1
 * after logging why; on -1 the caller must exit.
 */
int priv_drop(const struct conf *c);

#endif
