/*
 * test_priv.c: giving up root.  The plan is checked for every rule with
 * made-up starting ids; the switch itself runs in a forked child, which
 * reports through its exit status what it could and could not do
 * afterwards, so the test process keeps its own ids.
 */

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "conf.h"
#include "priv.h"

/* What the child found wrong, one bit each; 0 = all as expected. */
#define CHILD_DROP_FAILED	0x01
#define CHILD_WRONG_UID		0x02
#define CHILD_WRONG_GID		0x04
#define CHILD_GROUPS		0x08
#define CHILD_SETUID_WORKED	0x10
#define CHILD_OPENED_FILE	0x20

static void
need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("changing ids needs root");
}

static void
conf_with(struct conf *c, const char *user, const char *group,
    int allow_root)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->user, sizeof(c->user), "%s", user);
	snprintf(c->group, sizeof(c->group), "%s", group);
	c->allow_root = allow_root;
}

static void
lookup_nobody(uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam("nobody");

	if (pw == NULL)
		cr_skip_test("no user \"nobody\" on this system");
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
}

/* Run priv_drop() in a child and return the child's exit status. */
static int
drop_in_child(const struct conf *c, uid_t want_uid, gid_t want_gid,
    const char *secret)
{
	pid_t pid;
	int status, fd;

	pid = fork();
	cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
	if (pid == 0) {
		uid_t r, e, s;
		gid_t rg, eg, sg, groups[4];
		int bad = 0, n;

		if (priv_drop(c) != 0)
			_exit(CHILD_DROP_FAILED);
		if (getresuid(&r, &e, &s) == -1 || r != want_uid ||
		    e != want_uid || s != want_uid)
			bad |= CHILD_WRONG_UID;
		if (getresgid(&rg, &eg, &sg) == -1 || rg != want_gid ||
		    eg != want_gid || sg != want_gid)
			bad |= CHILD_WRONG_GID;
		n = getgroups(4, groups);
		if (want_uid != 0 && (n != 1 || groups[0] != want_gid))
			bad |= CHILD_GROUPS;
		if (want_uid != 0 && setuid(0) == 0)
			bad |= CHILD_SETUID_WORKED;
		if (secret != NULL && (fd = open(secret, O_RDONLY)) != -1) {
			close(fd);
			bad |= CHILD_OPENED_FILE;
		}
		_exit(bad);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "the child did not exit: %d", status);
	return WEXITSTATUS(status);
}

/* --- lookups --- */

Test(priv_lookup, existing_and_missing)
{
	char why[PRIV_WHY_MAX];
	uid_t uid = 1;
	gid_t gid = 1;

	cr_assert_eq(priv_lookup_user("root", &uid, &gid, why, sizeof(why)),
	    0);
	cr_expect_eq(uid, 0);
	cr_expect_eq(gid, 0);
	gid = 1;
	cr_assert_eq(priv_lookup_group("root", &gid, why, sizeof(why)), 0);
	cr_expect_eq(gid, 0);

	why[0] = '\0';
	cr_expect_eq(priv_lookup_user("ringpush-no-such", &uid, &gid, why,
	    sizeof(why)), -1);
	cr_expect_str_eq(why, "no such user");
	cr_expect_eq(priv_lookup_group("ringpush-no-such", &gid, why,
	    sizeof(why)), -1);
	cr_expect_str_eq(why, "no such group");
	cr_expect_eq(priv_lookup_user("", &uid, &gid, why, sizeof(why)), -1);
}

/* --- the plan, for made-up starting ids --- */

Test(priv_plan, root_without_user_refused)
{
	struct priv_plan plan;
	struct conf c;

	conf_with(&c, "", "", 0);
	cr_assert_eq(priv_plan(&c, 0, 0, &plan), 1);
	cr_expect_str_eq(plan.problems[0], "refusing to run as root: set "
	    "[daemon] user, or allow_root = yes");
}

Test(priv_plan, root_allowed_keeps_ids)
{
	struct priv_plan plan;
	struct conf c;

	conf_with(&c, "", "", 1);
	cr_assert_eq(priv_plan(&c, 0, 0, &plan), 0);
	cr_expect_eq(plan.change, 0);
	cr_expect_eq(plan.uid, 0);
}

Test(priv_plan, root_switches_to_user)
{
	struct priv_plan plan;
	struct conf c;
	uid_t uid;
	gid_t gid;

	lookup_nobody(&uid, &gid);
	conf_with(&c, "nobody", "", 0);
	cr_assert_eq(priv_plan(&c, 0, 0, &plan), 0, "%s", plan.problems[0]);
	cr_expect_eq(plan.change, 1);
	cr_expect_eq(plan.uid, uid);
	cr_expect_eq(plan.gid, gid, "the primary group by default");
	cr_expect_str_eq(plan.user, "nobody");
	cr_expect_neq(plan.group[0], '\0');

	conf_with(&c, "nobody", "root", 0);
	cr_assert_eq(priv_plan(&c, 0, 0, &plan), 0, "%s", plan.problems[0]);
	cr_expect_eq(plan.uid, uid);
	cr_expect_eq(plan.gid, 0);
	cr_expect_str_eq(plan.group, "root");
}

Test(priv_plan, user_with_uid_0_needs_allow_root)
{
	struct priv_plan plan;
	struct conf c;

	conf_with(&c, "root", "", 0);
	cr_assert_eq(priv_plan(&c, 0, 0, &plan), 1);
	cr_expect_str_eq(plan.problems[0], "user \"root\" is uid 0: refusing "
	    "to run as root (set another user, or allow_root = yes)");
	conf_with(&c, "root", "", 1);
	cr_expect_eq(priv_plan(&c, 0, 0, &plan), 0);
}

Test(priv_plan, missing_accounts)
{
	struct priv_plan plan;
	struct conf c;

	conf_with(&c, "ringpush-no-such", "ringpush-no-such", 1);
	cr_assert_eq(priv_plan(&c, 0, 0, &plan), 2);
	cr_expect_str_eq(plan.problems[0], "user \"ringpush-no-such\": no "
	    "such user");
	cr_expect_str_eq(plan.problems[1], "group \"ringpush-no-such\": no "
	    "such group");
	cr_expect_eq(plan.change, 0);
}

Test(priv_plan, group_without_user)
{
	struct priv_plan plan;
	struct conf c;

	conf_with(&c, "", "root", 1);
	cr_assert_eq(priv_plan(&c, 0, 0, &plan), 1);
	cr_expect_str_eq(plan.problems[0], "group \"root\" is set without "
	    "user (set [daemon] user too)");
}

Test(priv_plan, not_root)
{
	struct priv_plan plan;
	struct conf c;
	uid_t uid;
	gid_t gid;

	lookup_nobody(&uid, &gid);

	/* Nothing asked: nothing to do, whatever allow_root says. */
	conf_with(&c, "", "", 0);
	cr_expect_eq(priv_plan(&c, uid, gid, &plan), 0);
	cr_expect_eq(plan.change, 0);

	/* Naming the current user and group is fine. */
	conf_with(&c, "nobody", "", 0);
	cr_expect_eq(priv_plan(&c, uid, gid, &plan), 0);
	cr_expect_eq(plan.change, 0);

	/* Any other account cannot be reached without root. */
	conf_with(&c, "root", "", 1);
	cr_assert_eq(priv_plan(&c, uid, gid, &plan), 1);
	cr_expect(strstr(plan.problems[0], "cannot switch to user \"root\" "
	    "(uid 0) without root") != NULL, "%s", plan.problems[0]);
	conf_with(&c, "nobody", "root", 0);
	cr_assert_eq(priv_plan(&c, uid, gid, &plan), 1);
	cr_expect(strstr(plan.problems[0], "cannot switch to group \"root\" "
	    "(gid 0) without root") != NULL, "%s", plan.problems[0]);
}

Test(priv_check, prints_each_problem)
{
	struct conf c;
	char *out = NULL;
	size_t len = 0;
	FILE *err;

	conf_with(&c, "ringpush-no-such", "ringpush-no-such", 0);
	err = open_memstream(&out, &len);
	cr_assert_not_null(err);
	cr_expect_eq(priv_check(&c, err), 2);
	fclose(err);
	cr_expect_str_eq(out, "ringpushd: user \"ringpush-no-such\": no such "
	    "user\nringpushd: group \"ringpush-no-such\": no such group\n");
	free(out);
	cr_expect_eq(priv_check(&c, NULL), 2);

	conf_with(&c, "", "", 1);
	cr_expect_eq(priv_check(&c, NULL), 0);
}

/* --- the switch, in a child --- */

Test(priv_drop, to_nobody)
{
	char secret[] = "/tmp/ringpush-priv-XXXXXX";
	struct conf c;
	uid_t uid;
	gid_t gid;
	int fd, bad;

	need_root();
	lookup_nobody(&uid, &gid);
	fd = mkstemp(secret);
	cr_assert_neq(fd, -1, "mkstemp: %s", strerror(errno));
	cr_assert_eq(fchmod(fd, 0600), 0);
	cr_assert_eq(fchown(fd, 0, 0), 0);
	close(fd);

	conf_with(&c, "nobody", "", 0);
	bad = drop_in_child(&c, uid, gid, secret);
	unlink(secret);
	cr_expect_eq(bad, 0, "child found: %#x", bad);
}

Test(priv_drop, to_user_and_other_group)
{
	struct conf c;
	uid_t uid;
	gid_t gid;
	int bad;

	need_root();
	lookup_nobody(&uid, &gid);
	conf_with(&c, "nobody", "root", 0);
	bad = drop_in_child(&c, uid, 0, NULL);
	cr_expect_eq(bad, 0, "child found: %#x", bad);
}

Test(priv_drop, root_without_user_fails)
{
	struct conf c;

	need_root();
	conf_with(&c, "", "", 0);
	cr_expect_eq(drop_in_child(&c, 0, 0, NULL), CHILD_DROP_FAILED);
}

Test(priv_drop, allow_root_stays_root)
{
	char secret[] = "/tmp/ringpush-priv-XXXXXX";
	struct conf c;
	int fd;

	need_root();
	fd = mkstemp(secret);
	cr_assert_neq(fd, -1, "mkstemp: %s", strerror(errno));
	cr_assert_eq(fchmod(fd, 0600), 0);
	close(fd);

	/* Still root: the file opens, so the child reports it. */
	conf_with(&c, "", "", 1);
	cr_expect_eq(drop_in_child(&c, 0, getegid(), secret),
	    CHILD_OPENED_FILE);
	unlink(secret);
}

Test(priv_drop, missing_user_fails)
{
	struct conf c;

	need_root();
	conf_with(&c, "ringpush-no-such", "", 1);
	cr_expect_eq(drop_in_child(&c, 0, 0, NULL), CHILD_DROP_FAILED);
}
