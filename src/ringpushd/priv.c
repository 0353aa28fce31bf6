/*
 * priv.c: giving up root.
 *
 * The daemon needs root only to bind its listeners and to create its pipe
 * pool within root's pipe limits; after that it drops to [daemon] user for
 * good.  The decision is made by priv_plan() from the configuration and
 * the starting ids alone, so it can be tested without changing ids and so
 * that ringpushd -t reports exactly what a start would refuse.  The switch
 * itself is verified afterwards: a drop that only looks done is worse than
 * none.
 */

#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "priv.h"

/* getpwnam_r and getgrnam_r want a buffer for the strings they return;
 * a group with many members can need more than sysconf suggests. */
#define PRIV_BUF_START	1024
#define PRIV_BUF_MAX	(1024 * 1024)

enum priv_kind { PRIV_USER, PRIV_GROUP, PRIV_GID };

/*
 * One lookup of either kind, growing the buffer on ERANGE.  Returns 0
 * when found; -1 with why filled otherwise.  A missing entry may come back
 * as 0 with no result or, from some NSS modules, as ENOENT or ESRCH.
 */
static int
priv_lookup(enum priv_kind kind, const char *name, gid_t by_gid,
    uid_t *uid, gid_t *gid, char *namebuf, size_t namelen, char *why,
    size_t whylen)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	size_t buflen = PRIV_BUF_START;
	char *buf = NULL, *bigger;
	int r;

	for (;;) {
		if ((bigger = realloc(buf, buflen)) == NULL) {
			r = errno;
			goto fail;
		}
		buf = bigger;
		switch (kind) {
		case PRIV_USER:
			r = getpwnam_r(name, &pw, buf, buflen, &pwp);
			break;
		case PRIV_GROUP:
			r = getgrnam_r(name, &gr, buf, buflen, &grp);
			break;
		default:
			r = getgrgid_r(by_gid, &gr, buf, buflen, &grp);
			break;
		}
		if (r != ERANGE || buflen >= PRIV_BUF_MAX)
			break;
		buflen *= 2;
	}
	if (r == 0 && kind == PRIV_USER && pwp != NULL) {
		*uid = pwp->pw_uid;
		*gid = pwp->pw_gid;
		free(buf);
		return 0;
	}
	if (r == 0 && kind != PRIV_USER && grp != NULL) {
		*gid = grp->gr_gid;
		if (namebuf != NULL)
			snprintf(namebuf, namelen, "%s", grp->gr_name);
		free(buf);
		return 0;
	}
	if (r == 0 || r == ENOENT || r == ESRCH) {
		snprintf(why, whylen, "%s", kind == PRIV_USER ?
		    "no such user" : "no such group");
		free(buf);
		return -1;
	}
fail:
	snprintf(why, whylen, "%s", strerror(r));
	free(buf);
	return -1;
}

/*
 * The last user and group found, with their ids.  Every reload looks the
 * configured names up again, and once confined (confine.c) the daemon can
 * no longer read the user database: the names of the start are answered
 * from here.  A new name is looked up as before (confined, that fails:
 * user and group change only at restart anyway).
 */
struct priv_known {
	char name[CONF_USER_MAX];
	uid_t uid;
	gid_t gid;
};
static struct priv_known known_user, known_group;

static int
priv_lookup_known(struct priv_known *known, enum priv_kind kind, const char *name, uid_t *uid,
    gid_t *gid, char *why, size_t whylen)
{
	if (known->name[0] != '\0' && strcmp(known->name, name) == 0) {
		*uid = known->uid;
		*gid = known->gid;
		return 0;
	}
	if (priv_lookup(kind, name, 0, uid, gid, NULL, 0, why, whylen) != 0)
		return -1;
	if (strlen(name) < sizeof(known->name)) {
		strcpy(known->name, name);
		known->uid = *uid;
		known->gid = *gid;
	}
	return 0;
}

int
priv_lookup_user(const char *name, uid_t *uid, gid_t *gid, char *why,
    size_t whylen)
{
	return priv_lookup_known(&known_user, PRIV_USER, name, uid, gid, why, whylen);
}

int
priv_lookup_group(const char *name, gid_t *gid, char *why, size_t whylen)
{
	uid_t unused;

	return priv_lookup_known(&known_group, PRIV_GROUP, name, &unused, gid, why, whylen);
}

static void priv_problem(struct priv_plan *, const char *, ...)
    LOG_PRINTF(2, 3);

static void
priv_problem(struct priv_plan *plan, const char *fmt, ...)
{
	va_list ap;

	if (plan->nproblems >= PRIV_PROBLEMS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(plan->problems[plan->nproblems], PRIV_WHY_MAX, fmt, ap);
	va_end(ap);
	plan->nproblems++;
}

int
priv_plan(const struct conf *c, uid_t euid, gid_t egid,
    struct priv_plan *plan)
{
	char why[PRIV_WHY_MAX];
	uid_t user_uid = 0;
	gid_t user_gid = 0, group_gid = 0;
	uid_t unused;

	memset(plan, 0, sizeof(*plan));
	plan->uid = euid;
	plan->gid = egid;

	/* A group alone would leave the uid as it is: refuse the half drop. */
	if (c->user[0] == '\0' && c->group[0] != '\0')
		priv_problem(plan, "group \"%s\" is set without user (set "
		    "[daemon] user too)", c->group);
	if (c->user[0] != '\0' &&
	    priv_lookup_user(c->user, &user_uid, &user_gid, why,
	    sizeof(why)) != 0)
		priv_problem(plan, "user \"%s\": %s", c->user, why);
	if (c->group[0] != '\0' &&
	    priv_lookup_group(c->group, &group_gid, why, sizeof(why)) != 0)
		priv_problem(plan, "group \"%s\": %s", c->group, why);
	if (plan->nproblems > 0)
		return plan->nproblems;

	if (euid == 0) {
		if (c->user[0] == '\0') {
			if (!c->allow_root)
				priv_problem(plan, "refusing to run as root: "
				    "set [daemon] user, or allow_root = yes");
			return plan->nproblems;
		}
		if (user_uid == 0 && !c->allow_root) {
			priv_problem(plan, "user \"%s\" is uid 0: refusing "
			    "to run as root (set another user, or "
			    "allow_root = yes)", c->user);
			return plan->nproblems;
		}
		plan->change = 1;
		plan->uid = user_uid;
		plan->gid = c->group[0] != '\0' ? group_gid : user_gid;
		snprintf(plan->user, sizeof(plan->user), "%s", c->user);
		if (c->group[0] != '\0')
			snprintf(plan->group, sizeof(plan->group), "%s",
			    c->group);
		else if (priv_lookup(PRIV_GID, NULL, plan->gid, &unused,
		    &group_gid, plan->group, sizeof(plan->group), why,
		    sizeof(why)) != 0)
			/* A primary group without a name still works. */
			snprintf(plan->group, sizeof(plan->group), "%u",
			    (unsigned)plan->gid);
		return 0;
	}

	/* Without root the ids cannot change: only the current ones fit. */
	if (c->user[0] != '\0' && user_uid != euid)
		priv_problem(plan, "cannot switch to user \"%s\" (uid %u) "
		    "without root: running as uid %u", c->user,
		    (unsigned)user_uid, (unsigned)euid);
	if (c->group[0] != '\0' && group_gid != egid)
		priv_problem(plan, "cannot switch to group \"%s\" (gid %u) "
		    "without root: running as gid %u", c->group,
		    (unsigned)group_gid, (unsigned)egid);
	return plan->nproblems;
}

int
priv_check(const struct conf *c, FILE *err)
{
	struct priv_plan plan;
	int i;

	(void)priv_plan(c, geteuid(), getegid(), &plan);
	for (i = 0; err != NULL && i < plan.nproblems; i++)
		fprintf(err, "ringpushd: %s\n", plan.problems[i]);
	return plan.nproblems;
}

/*
 * After the switch every id, real, effective and saved, must be the
 * target, the one group the only supplementary group, and the way back to
 * root closed: a kernel or a capability set that leaves setuid(0) working
 * means the drop did not happen.
 */
static int
priv_verify(const struct priv_plan *plan)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid, groups[2];
	int n;

	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1) {
		log_err("reading the process ids");
		return -1;
	}
	if (ruid != plan->uid || euid != plan->uid || suid != plan->uid ||
	    rgid != plan->gid || egid != plan->gid || sgid != plan->gid) {
		log_errx("ids after the switch to %s:%s are uid %u/%u/%u gid "
		    "%u/%u/%u, not %u and %u", plan->user, plan->group,
		    (unsigned)ruid, (unsigned)euid, (unsigned)suid,
		    (unsigned)rgid, (unsigned)egid, (unsigned)sgid,
		    (unsigned)plan->uid, (unsigned)plan->gid);
		return -1;
	}
	n = getgroups(2, groups);
	if (n != 1 || groups[0] != plan->gid) {
		log_errx("supplementary groups after the switch to %s:%s are "
		    "not just gid %u", plan->user, plan->group,
		    (unsigned)plan->gid);
		return -1;
	}
	if (plan->uid != 0 && setuid(0) != -1) {
		log_errx("setuid(0) still works after the switch to %s:%s: "
		    "root was not given up", plan->user, plan->group);
		return -1;
	}
	if (plan->uid != 0 && plan->gid != 0 && setgid(0) != -1) {
		log_errx("setgid(0) still works after the switch to %s:%s: "
		    "root was not given up", plan->user, plan->group);
		return -1;
	}
	return 0;
}

int
priv_drop(const struct conf *c)
{
	struct priv_plan plan;
	int i;

	if (priv_plan(c, geteuid(), getegid(), &plan) > 0) {
		for (i = 0; i < plan.nproblems; i++)
			log_errx("%s", plan.problems[i]);
		return -1;
	}
	if (!plan.change) {
		if (plan.uid == 0)
			log_warn("running as root (allow_root = yes)");
		return 0;
	}

	/* Groups first: once the uid is not 0, they can no longer change.
	 * A file server needs no supplementary group, so only the one. */
	if (setgroups(1, &plan.gid) == -1) {
		log_err("setgroups to gid %u", (unsigned)plan.gid);
		return -1;
	}
	if (setgid(plan.gid) == -1) {
		log_err("setgid to %s (gid %u)", plan.group,
		    (unsigned)plan.gid);
		return -1;
	}
	if (setuid(plan.uid) == -1) {
		log_err("setuid to %s (uid %u)", plan.user,
		    (unsigned)plan.uid);
		return -1;
	}
	if (priv_verify(&plan) != 0)
		return -1;
	if (plan.uid == 0)
		log_warn("running as root:%s (allow_root = yes)", plan.group);
	else
		log_info("running as %s:%s", plan.user, plan.group);
	return 0;
}
