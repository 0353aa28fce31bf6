/*
 * test_confine.c: confinement as the daemon applies it by default
 * (confine = on): a file outside the roots cannot be opened even by the
 * daemon's own code (the test build's hook), a symlink planted after
 * start leads nowhere, trees swapped in beside a root are admitted at
 * reload, and a reload naming a root outside what the start admitted is
 * refused while the daemon goes on serving.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"

/* A file every user may read, outside any test's tree. */
#define OUTSIDE_FILE "/etc/passwd"

/* The standard configuration with confine = mode. */
static void
conf_with(const struct rp_daemon *d, const char *mode, char *buf, size_t cap)
{
	char value[64];

	rp_default_conf(d, buf, cap);
	snprintf(value, sizeof(value), "info\nconfine = %s", mode);
	rp_conf_set(buf, cap, "log_level", value);
}

/* Start the test build with its hook opening path; returns the output
 * once the hook said what happened. */
static char *
start_with_open_hook(struct rp_daemon *d, const char *mode, const char *path)
{
	char conf[4096 + 2 * PATH_MAX];

	if (rp_test_daemon_path() == NULL)
		cr_skip_test("RINGPUSHD_TEST is not set (make integration sets it)");
	cr_assert_eq(setenv("RINGPUSHD", rp_test_daemon_path(), 1), 0);
	cr_assert_eq(setenv("RINGPUSHD_TEST_OPEN", path, 1), 0);
	rp_setup(d);
	conf_with(d, mode, conf, sizeof(conf));
	rp_start_conf(d, conf);
	rp_wait_output(d, "test hook: open ", 1);
	return rp_daemon_output(d);
}

static bool
landlock_offered(const char *out)
{
	return strstr(out, "confined: Landlock ABI") != NULL;
}

Test(confine, open_outside_the_roots_is_refused, .timeout = 60)
{
	struct rp_daemon d;
	char *out = start_with_open_hook(&d, "on", OUTSIDE_FILE);

	if (!landlock_offered(out)) {
		rp_stop(&d);
		cr_skip_test("no Landlock here:\n%s", out);
	}
	cr_assert(strstr(out, "test hook: open " OUTSIDE_FILE ": Permission denied") != NULL,
	    "the daemon opened a file outside its roots:\n%s", out);
	free(out);
	rp_assert_serving(&d);
	rp_stop(&d);
}

/* The same hook without confinement opens the file: the refusal above is
 * confinement's doing. */
Test(confine, open_outside_the_roots_without_confinement_succeeds, .timeout = 60)
{
	struct rp_daemon d;
	char *out = start_with_open_hook(&d, "off", OUTSIDE_FILE);

	cr_assert(strstr(out, "test hook: open " OUTSIDE_FILE ": opened") != NULL,
	    "with confine = off the hook should open the file:\n%s", out);
	cr_assert(strstr(out, "confinement off") != NULL, "%s", out);
	free(out);
	rp_stop(&d);
}

Test(confine, start_line_says_what_was_applied, .timeout = 60)
{
	struct rp_daemon d;
	char *out;

	rp_setup(&d);
	rp_start(&d);
	rp_wait_output(&d, "confined: ", 1);
	out = rp_daemon_output(&d);
	cr_assert(strstr(out, "; ring ") != NULL && strstr(out, "; seccomp ") != NULL,
	    "the start line names Landlock, the ring and seccomp:\n%s", out);
	if (!rp_under_valgrind())
		cr_assert(strstr(out, "others kill") != NULL, "%s", out);
	free(out);
	rp_stop(&d);
}

/* A symlink (to a file, to a directory) planted in the root after start
 * serves nothing from outside it. */
Test(confine, symlink_planted_after_start_stays_inside, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;
	char link[PATH_MAX];
	static const char *const targets[][2] = {
		{ "leak", OUTSIDE_FILE },
		{ "etc", "/etc" },
		{ "up", "../../../../../../../../etc" },
	};
	static const char *const paths[] = { "/leak", "/etc/passwd", "/up/passwd" };

	rp_setup(&d);
	rp_start(&d);
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		rp_path(&d, targets[i][0], link);
		cr_assert_eq(symlink(targets[i][1], link), 0, "%s: %s", link, strerror(errno));
	}
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		rp_get(&d, paths[i], &r);
		cr_assert(r.status == 403 || r.status == 404, "%s: %s", paths[i], rp_describe(&r));
		cr_assert(r.body_len == 0 || memmem(r.body, r.body_len, "root:", 5) == NULL,
		    "%s served the outside file", paths[i]);
		rp_response_free(&r);
	}
	rp_assert_serving(&d);
	rp_stop(&d);
}

static void
write_at(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static void
reload_and_wait(struct rp_daemon *d, int count)
{
	char *out;

	cr_assert_eq(kill(d->pid, SIGHUP), 0);
	rp_wait_output(d, " applied (", count);
	out = rp_daemon_output(d);
	free(out);
}

static void
assert_body(const struct rp_daemon *d, const char *path, const char *body)
{
	struct rp_response r;

	rp_get(d, path, &r);
	cr_assert_eq(r.status, 200, "%s: %s", path, rp_describe(&r));
	cr_assert(r.body_len == strlen(body) && memcmp(r.body, body, r.body_len) == 0,
	    "%s: %s, want %s", path, rp_describe(&r), body);
	rp_response_free(&r);
}

/* Deploys swap the tree under the root's path; Landlock rules bind to the
 * directories of the start, and cover the directory holding the root, so
 * both swaps are admitted (picked up here at a reload). */
Test(confine, deploy_swaps_are_admitted, .timeout = 60)
{
	struct rp_daemon d;
	char conf[4096 + 2 * PATH_MAX], site[PATH_MAX], rel[PATH_MAX + 32], current[PATH_MAX + 32];
	char tmp[PATH_MAX + 32], www[PATH_MAX + 32], www_new[PATH_MAX + 32], www_old[PATH_MAX + 32];

	rp_setup(&d);
	/* a current symlink to releases/1 */
	snprintf(site, sizeof(site), "%s/site", d.dir);
	cr_assert_eq(mkdir(site, 0755), 0);
	snprintf(rel, sizeof(rel), "%s/releases", site);
	cr_assert_eq(mkdir(rel, 0755), 0);
	snprintf(rel, sizeof(rel), "%s/releases/1", site);
	cr_assert_eq(mkdir(rel, 0755), 0);
	write_at(rel, "v.txt", "one\n");
	snprintf(rel, sizeof(rel), "%s/releases/2", site);
	cr_assert_eq(mkdir(rel, 0755), 0);
	write_at(rel, "v.txt", "two\n");
	snprintf(current, sizeof(current), "%s/current", site);
	cr_assert_eq(symlink("releases/1", current), 0);
	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "root", current);
	rp_start_conf(&d, conf);
	rp_wait_output(&d, "confined: ", 1);
	assert_body(&d, "/v.txt", "one\n");
	/* reloads keep the port the listener has */
	snprintf(tmp, sizeof(tmp), "127.0.0.1:%d", d.port);
	rp_conf_set(conf, sizeof(conf), "address", tmp);
	rp_write_conf(&d, conf);

	/* ln -sfn releases/2 current.tmp && mv -T current.tmp current */
	snprintf(tmp, sizeof(tmp), "%s/current.tmp", site);
	cr_assert_eq(symlink("releases/2", tmp), 0);
	cr_assert_eq(rename(tmp, current), 0);
	reload_and_wait(&d, 1);
	assert_body(&d, "/v.txt", "two\n");

	/* a directory renamed into place: www -> www.old, www.new -> www */
	snprintf(www, sizeof(www), "%s/www", site);
	snprintf(www_new, sizeof(www_new), "%s/www.new", site);
	snprintf(www_old, sizeof(www_old), "%s/www.old", site);
	cr_assert_eq(mkdir(www, 0755), 0);
	write_at(www, "w.txt", "old tree\n");
	rp_conf_set(conf, sizeof(conf), "root", www);
	rp_write_conf(&d, conf);
	reload_and_wait(&d, 2);
	assert_body(&d, "/w.txt", "old tree\n");
	cr_assert_eq(mkdir(www_new, 0755), 0);
	write_at(www_new, "w.txt", "new tree\n");
	cr_assert_eq(rename(www, www_old), 0);
	cr_assert_eq(rename(www_new, www), 0);
	reload_and_wait(&d, 3);
	assert_body(&d, "/w.txt", "new tree\n");
	rp_stop(&d);
}

/* Landlock cannot be widened: a reload that names a root outside what the
 * start admitted is refused, says to restart, and changes nothing. */
Test(confine, reload_with_a_root_outside_is_refused, .timeout = 60)
{
	struct rp_daemon d;
	char conf[4096 + 2 * PATH_MAX], outside[] = "/tmp/rp-confine-outside-XXXXXX";
	char *out;

	rp_setup(&d);
	rp_write_file(&d, "a.txt", "first\n", 6);
	rp_start(&d);
	rp_wait_output(&d, "confined: ", 1);
	out = rp_daemon_output(&d);
	if (strstr(out, "Landlock ABI") == NULL) {
		free(out);
		rp_stop(&d);
		cr_skip_test("no Landlock here");
	}
	free(out);
	cr_assert_not_null(mkdtemp(outside));
	write_at(outside, "b.txt", "outside\n");
	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "root", outside);
	rp_write_conf(&d, conf);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	rp_wait_output(&d, "the running configuration stays", 1);
	out = rp_daemon_output(&d);
	cr_assert(strstr(out, "outside what confinement admitted at start: restart") != NULL,
	    "the refusal says why:\n%s", out);
	free(out);
	assert_body(&d, "/a.txt", "first\n");
	{
		char path[PATH_MAX + 16];

		snprintf(path, sizeof(path), "%s/b.txt", outside);
		unlink(path);
		rmdir(outside);
	}
	rp_stop(&d);
}

/* Every reload looks [daemon] user up again; once confined the daemon
 * cannot read the user database, and must still accept the user it
 * started with. */
Test(confine, reload_with_user_set_is_applied, .timeout = 60)
{
	struct rp_daemon d;
	char conf[4096 + 2 * PATH_MAX], value[128];
	struct passwd *pw = getpwuid(geteuid());
	char *out;

	cr_assert_not_null(pw);
	rp_setup(&d);
	rp_write_file(&d, "a.txt", "first\n", 6);
	rp_default_conf(&d, conf, sizeof(conf));
	snprintf(value, sizeof(value), "yes\nuser = %s", pw->pw_name);
	rp_conf_set(conf, sizeof(conf), "allow_root", value);
	rp_start_conf(&d, conf);
	rp_wait_output(&d, "confined: ", 1);
	snprintf(value, sizeof(value), "127.0.0.1:%d", d.port);
	rp_conf_set(conf, sizeof(conf), "address", value);
	rp_write_conf(&d, conf);
	reload_and_wait(&d, 1);
	out = rp_daemon_output(&d);
	cr_assert(strstr(out, "the running configuration stays") == NULL, "%s", out);
	free(out);
	assert_body(&d, "/a.txt", "first\n");
	rp_stop(&d);
}

/* The test build with every fallback forced: the start names each one,
 * and the daemon serves, reloads and stops on them (make check-fallbacks
 * runs the whole suite so). */
Test(confine, forced_fallbacks_are_named_and_serve, .timeout = 60)
{
	struct rp_daemon d;
	char conf[4096 + 2 * PATH_MAX], port[32];
	static const char *const names[] = { "defer_taskrun", "coop_taskrun", "submit_all",
		"multishot_accept", "cancel_fd", "openat2_op", "cachestat", "buf_ring" };
	char *out;

	if (rp_test_daemon_path() == NULL)
		cr_skip_test("RINGPUSHD_TEST is not set (make integration sets it)");
	cr_assert_eq(setenv("RINGPUSHD", rp_test_daemon_path(), 1), 0);
	cr_assert_eq(setenv("RINGPUSHD_TEST_FALLBACKS", "all", 1), 0);
	rp_setup(&d);
	rp_make_file(&d, "big.bin", 3 << 20, 5);
	rp_write_file(&d, "a.txt", "first\n", 6);
	rp_start(&d);
	rp_wait_output(&d, "kernel: missing ", 1);
	out = rp_daemon_output(&d);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char want[64];

		snprintf(want, sizeof(want), "%s (forced)", names[i]);
		cr_assert(strstr(out, want) != NULL, "no \"%s\":\n%s", want, out);
	}
	free(out);
	for (int i = 0; i < 3; i++)
		assert_body(&d, "/a.txt", "first\n");
	{
		struct rp_response r;
		char path[PATH_MAX];

		rp_get(&d, "/big.bin", &r);
		rp_path(&d, "big.bin", path);
		cr_assert_eq(r.status, 200);
		cr_assert_eq(rp_file_mismatch(path, 0, r.body, r.body_len), -1);
		rp_response_free(&r);
	}
	rp_default_conf(&d, conf, sizeof(conf));
	snprintf(port, sizeof(port), "127.0.0.1:%d", d.port);
	rp_conf_set(conf, sizeof(conf), "address", port);
	rp_write_conf(&d, conf);
	reload_and_wait(&d, 1);
	assert_body(&d, "/a.txt", "first\n");
	rp_stop(&d);
}

/* Below the oldest supported kernel the daemon does not start, and says
 * why (the test build reads the version from $RINGPUSHD_TEST_KERNEL). */
Test(confine, kernel_below_the_oldest_is_refused, .timeout = 60)
{
	struct rp_daemon d;
	char conf[4096 + 2 * PATH_MAX], out_path[PATH_MAX + 16], *out;
	char *argv[] = { NULL, "-f", "-c", NULL, NULL };
	int status;

	if (rp_test_daemon_path() == NULL)
		cr_skip_test("RINGPUSHD_TEST is not set (make integration sets it)");
	cr_assert_eq(setenv("RINGPUSHD_TEST_KERNEL", "5.10.0-28-amd64", 1), 0);
	rp_setup(&d);
	rp_default_conf(&d, conf, sizeof(conf));
	rp_write_conf(&d, conf);
	argv[0] = (char *)rp_test_daemon_path();
	argv[3] = d.conf;
	snprintf(out_path, sizeof(out_path), "%s/refused.out", d.dir);
	status = rp_run(argv, out_path, 30, true);
	out = rp_slurp(out_path, NULL);
	cr_assert_not_null(out);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "exit status %#x:\n%s",
	    status, out);
	cr_assert(strstr(out, "Linux 5.10 is older than 5.15, the oldest ringpushd runs on") != NULL,
	    "%s", out);
	free(out);
}

/* Start the test build with the hook that makes a system call outside the
 * seccomp list, with confine = mode. */
static void
start_with_forbidden_call(struct rp_daemon *d, const char *mode)
{
	char conf[4096 + 2 * PATH_MAX];

	if (rp_test_daemon_path() == NULL)
		cr_skip_test("RINGPUSHD_TEST is not set (make integration sets it)");
	if (rp_under_valgrind())
		cr_skip_test("no seccomp filter under valgrind");
	cr_assert_eq(setenv("RINGPUSHD", rp_test_daemon_path(), 1), 0);
	cr_assert_eq(setenv("RINGPUSHD_TEST_FORBIDDEN", "1", 1), 0);
	rp_setup(d);
	conf_with(d, mode, conf, sizeof(conf));
	rp_start_conf(d, conf);
}

Test(confine, system_call_outside_the_list_kills, .timeout = 60)
{
	struct rp_daemon d;
	int status;
	char *out;

	start_with_forbidden_call(&d, "on");
	cr_assert_eq(waitpid(d.pid, &status, 0), d.pid);
	out = rp_daemon_output(&d);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
	    "status %#x, want death by SIGSYS:\n%s", status, out);
	cr_assert(strstr(out, "test hook: chdir(2), outside") != NULL &&
	    strstr(out, "chdir(2) returned") == NULL, "%s", out);
	free(out);
}

Test(confine, system_call_outside_the_list_is_only_logged_with_confine_log, .timeout = 60)
{
	struct rp_daemon d;
	char *out;

	start_with_forbidden_call(&d, "log");
	rp_wait_output(&d, "test hook: chdir(2) returned 0", 1);
	out = rp_daemon_output(&d);
	cr_assert(strstr(out, "others logged") != NULL, "%s", out);
	free(out);
	rp_assert_serving(&d);
	rp_stop(&d);
}
